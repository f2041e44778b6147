/* LayerNorm in one pass per row each way, for src/core/model/layer-norm.ts (whose JavaScript form
 * runs about fifteen full-size kernels, each a pass over memory on wasm).
 *   forward:  mean = sum(x) / d,  rstd = 1 / sqrt(sum((x - mean)^2) / d + eps)
 *             xhat = (x - mean) * rstd,  y = xhat * gain + bias
 *   backward: dxhat = dy * gain
 *             dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))
 *             dgain = sum over rows of dy * xhat,  dbias = sum over rows of dy
 * Row sums are accumulated in double; the elementwise arithmetic is float, as in tfjs. */
#include "layernorm.h"

#include <math.h>
#include <stdlib.h>

void layer_norm_forward(int64_t rows, int64_t d, float eps, const float *x, const float *gain,
                        const float *bias, float *y, float *xhat, float *rstd) {
  for (int64_t r = 0; r < rows; r++) {
    const float *xr = x + r * d;
    float *yr = y + r * d, *hr = xhat + r * d;
    double sum = 0;
    for (int64_t i = 0; i < d; i++) sum += xr[i];
    const float mean = (float)(sum / (double)d);
    double squares = 0;
    for (int64_t i = 0; i < d; i++) {
      const float c = xr[i] - mean;
      hr[i] = c;
      squares += (double)c * c;
    }
    const float s = 1.0f / sqrtf((float)(squares / (double)d) + eps);
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
    double a = 0, b = 0; /* sum(dxhat), sum(dxhat * xhat) */
    for (int64_t i = 0; i < d; i++) {
      const float dh = dyr[i] * gain[i];
      a += dh;
      b += (double)dh * hr[i];
      sums[i] += (double)dyr[i] * hr[i];
      sums[d + i] += dyr[i];
    }
    const float meanA = (float)(a / (double)d), meanB = (float)(b / (double)d);
    const float s = rstd[r];
    for (int64_t i = 0; i < d; i++) dxr[i] = (dyr[i] * gain[i] - meanA - hr[i] * meanB) * s;
  }
  for (int64_t i = 0; i < d; i++) {
    dgain[i] = (float)sums[i];
    dbias[i] = (float)sums[d + i];
  }
  free(sums);
  return 1;
}
