/* LayerNorm over the last axis of `rows` rows of width d, row-major float32 (see layernorm.c). */
#ifndef MOT_LAYERNORM_H
#define MOT_LAYERNORM_H
#include <stdint.h>

void layer_norm_forward(int64_t rows, int64_t d, float eps, const float *x, const float *gain,
                        const float *bias, float *y, float *xhat, float *rstd);

/* Returns 0 when the d-wide scratch for the gain and bias sums cannot be allocated. */
int layer_norm_backward(int64_t rows, int64_t d, const float *dy, const float *xhat,
                        const float *rstd, const float *gain, float *dx, float *dgain,
                        float *dbias);
#endif
