/* Attention's softmax in one pass each way, for src/core/model/attention.ts.
 *   causal_softmax: scores [batch, t, t] (query, key) -> probs, the softmax over keys 0..q of row
 *     q and 0 for the later keys: what softmax(scores + mask) gives with -1e9 above the diagonal
 *     (exp underflows to exactly 0 there), without adding the mask.
 *   softmax_grad: dx = y * (dy - sum(dy * y)) per row of n, for y = softmax(x). */
#include "softmax.h"

#include <math.h>

void causal_softmax(int64_t batch, int64_t t, const float *scores, float *probs) {
  for (int64_t row = 0; row < batch * t; row++) {
    const int64_t q = row % t;
    const float *x = scores + row * t;
    float *p = probs + row * t;
    float max = x[0];
    for (int64_t k = 1; k <= q; k++) max = x[k] > max ? x[k] : max;
    float sum = 0;
    for (int64_t k = 0; k <= q; k++) {
      p[k] = expf(x[k] - max);
      sum += p[k];
    }
    const float scale = 1.0f / sum;
    for (int64_t k = 0; k <= q; k++) p[k] *= scale;
    for (int64_t k = q + 1; k < t; k++) p[k] = 0.0f;
  }
}

void softmax_grad(int64_t rows, int64_t n, const float *dy, const float *y, float *dx) {
  enum { LANES = 8 };
  for (int64_t r = 0; r < rows; r++) {
    const float *dyr = dy + r * n, *yr = y + r * n;
    float *dxr = dx + r * n;
    float acc[LANES] = {0}, dot = 0;
    int64_t i = 0;
    for (; i + LANES <= n; i += LANES)
      for (int j = 0; j < LANES; j++) acc[j] += dyr[i + j] * yr[i + j];
    for (; i < n; i++) dot += dyr[i] * yr[i];
    for (int j = 0; j < LANES; j++) dot += acc[j];
    for (i = 0; i < n; i++) dxr[i] = yr[i] * (dyr[i] - dot);
  }
}
