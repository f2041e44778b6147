/* Softmax over the last axis for attention (see softmax.c). Row-major float32. */
#ifndef MOT_SOFTMAX_H
#define MOT_SOFTMAX_H
#include <stdint.h>

void causal_softmax(int64_t batch, int64_t t, const float *scores, float *probs);
void softmax_grad(int64_t rows, int64_t n, const float *dy, const float *y, float *dx);
#endif
