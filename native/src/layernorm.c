/* LayerNorm in one pass per row each way, for src/core/model/layer-norm.ts (whose JavaScript form
 * runs about fifteen full-size kernels, each a pass over memory on wasm).
 *   forward:  mean = sum(x) / d,  rstd = 1 / sqrt(sum((x - mean)^2) / d + eps)
 *             xhat = (x - mean) * rstd,  y = xhat * gain + bias
 *   backward: dxhat = dy * gain
 *             dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))
 *             dgain = sum over rows of dy * xhat,  dbias = sum over rows of dy
 * Row sums run in LANES independent float partial sums (a d of 128 adds 16 numbers per lane), so
 * the compiler can vectorise them without reordering beyond what the source says; the column sums
 * for dgain and dbias accumulate in double over all rows. */
#include "layernorm.h"

#include <math.h>
#include <stdlib.h>

enum { LANES = 8 };

/* sum of a[i] * (b ? b[i] : 1) over i < d */
static float row_dot(const float *a, const float *b, int64_t d) {
  float acc[LANES] = {0};
  int64_t i = 0;
  for (; i + LANES <= d; i += LANES)
    for (int j = 0; j < LANES; j++) acc[j] += a[i + j] * (b ? b[i + j] : 1.0f);
  float sum = 0;
  for (; i < d; i++) sum += a[i] * (b ? b[i] : 1.0f);
  for (int j = 0; j < LANES; j++) sum += acc[j];
  return sum;
}

void layer_norm_forward(int64_t rows, int64_t d, float eps, const float *x, const float *gain,
                        const float *bias, float *y, float *xhat, float *rstd) {
  for (int64_t r = 0; r < rows; r++) {
    const float *xr = x + r * d;
    float *yr = y + r * d, *hr = xhat + r * d;
    const float mean = row_dot(xr, NULL, d) / (float)d;
    for (int64_t i = 0; i < d; i++) hr[i] = xr[i] - mean;
    const float s = 1.0f / sqrtf(row_dot(hr, hr, d) / (float)d + eps);
    rstd[r] = s;
    for (int64_t i = 0; i < d; i++) {
      const float h = hr[i] * s;
      hr[i] = h;
      yr[i] = h * gain[i] + bias[i];
    }
  }
}

int layer_norm_backward(int64_t rows, int64_t d, const float *dy, const float *xhat,
                        const float *rstd, const float *gain, float *dx, float *dgain,
                        float *dbias) {
  double *sums = calloc((size_t)(2 * d), sizeof(double)); /* [dgain | dbias] */
  if (d > 0 && !sums) return 0;
  for (int64_t r = 0; r < rows; r++) {
    const float *dyr = dy + r * d, *hr = xhat + r * d;
    float *dxr = dx + r * d;
    for (int64_t i = 0; i < d; i++) {
      sums[i] += (double)(dyr[i] * hr[i]);
      sums[d + i] += (double)dyr[i];
      dxr[i] = dyr[i] * gain[i]; /* dxhat, scaled below */
    }
    const float meanA = row_dot(dxr, NULL, d) / (float)d; /* mean(dxhat) */
    const float meanB = row_dot(dxr, hr, d) / (float)d;   /* mean(dxhat * xhat) */
    const float s = rstd[r];
    for (int64_t i = 0; i < d; i++) dxr[i] = (dxr[i] - meanA - hr[i] * meanB) * s;
  }
  for (int64_t i = 0; i < d; i++) {
    dgain[i] = (float)sums[i];
    dbias[i] = (float)sums[d + i];
  }
  free(sums);
  return 1;
}
