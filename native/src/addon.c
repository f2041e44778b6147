/* mot_native: BLAS kernels that work in place on a WebAssembly heap (tfjs-backend-wasm's memory).
 * JavaScript passes the heap's ArrayBuffer and byte offsets of tensors in it; every range is
 * checked against the heap before it is touched.
 *   gemm(heap, batch, m, n, k, a, strideA, transA, b, strideB, transB, out)
 *     out[i] = op(a[i]) @ op(b[i]) for i < batch, row-major float32; op transposes when asked;
 *     strides are in elements between batch items (0 broadcasts one matrix).
 *   transpose(heap, x, out, dims[], perm[])   4-byte elements
 *   sumSquares(heap, x, count) -> sum of x^2 (in double)
 *   adamw(heap, count, p, m, v, g, outP, outM, outV, [b1, a1, b2, a2, stepScale, eps, decay])
 *     m' = b1 m + a1 g,  v' = b2 v + a2 g^2,  p' = decay p - stepScale m' / (sqrt(v') + eps)
 *   reluGrad(heap, count, dy, y, out)     out = dy * (y > 0) (y = relu(x))
 *   causalSoftmax(heap, batch, t, scores, probs)  softmaxGrad(heap, rows, n, dy, y, dx)  (softmax.c)
 *   layerNorm(heap, rows, d, x, gain, bias, y, xhat, rstd, eps)
 *   layerNormGrad(heap, rows, d, dy, xhat, rstd, gain, dx, dgain, dbias)   (see layernorm.c)
 *   info() -> { blas, threads }      setThreads(n) */
#include <math.h>
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layernorm.h"
#include "softmax.h"
#include "transpose.h"

#if defined(MOT_ACCELERATE)
#include <Accelerate/Accelerate.h>
#define BLAS_NAME "Accelerate"
#else
#include <cblas.h>
#define BLAS_NAME "OpenBLAS"
#endif

#define CHECK(call)                                                   \
  do {                                                                \
    if ((call) != napi_ok) {                                          \
      napi_throw_error(env, NULL, "mot_native: N-API call failed"); \
      return NULL;                                                    \
    }                                                                 \
  } while (0)

static napi_value fail(napi_env env, const char *message) {
  napi_throw_error(env, NULL, message);
  return NULL;
}

static int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want) return 0;
  return 1;
}

static int get_i64(napi_env env, napi_value v, int64_t *out) {
  return napi_get_value_int64(env, v, out) == napi_ok;
}

/* A float range [offset, offset + 4*count) must lie inside the heap and be 4-byte aligned. */
static float *range(uint8_t *heap, size_t bytes, int64_t offset, int64_t count) {
  if (offset < 0 || count < 0 || (offset & 3) != 0) return NULL;
  if ((uint64_t)offset + 4 * (uint64_t)count > bytes) return NULL;
  return (float *)(heap + offset);
}

/* Products this small (the MoT merge and emit: 8 x 8 by 8 x 128, hundreds per call) cost more in
 * BLAS's per-call setup than in arithmetic: a plain loop does them. C = op(A) op(B), row-major. */
enum { SMALL_GEMM = 32 * 32 * 32 };

static void small_gemm(int64_t m, int64_t n, int64_t k, const float *restrict a, bool trans_a,
                       const float *restrict b, float *restrict c) {
  /* a(i, p) = a[i*sa_i + p*sa_p]; b is [k, n]: each row of c accumulates rows of b, so the inner
   * loop runs along contiguous rows and vectorises (a dot product along p would not, without
   * reassociating float sums). */
  const int64_t sa_i = trans_a ? 1 : k, sa_p = trans_a ? m : 1;
  for (int64_t i = 0; i < m; i++) {
    float *restrict ci = c + i * n;
    for (int64_t j = 0; j < n; j++) ci[j] = 0.0f;
    for (int64_t p = 0; p < k; p++) {
      const float aip = a[i * sa_i + p * sa_p];
      const float *restrict bp = b + p * n;
      for (int64_t j = 0; j < n; j++) ci[j] += aip * bp[j];
    }
  }
}

/* c[i, j] = a[i, :] . b[j, :] for a [m, k] and b [n, k]: the small loop when rows of c are short
 * (n < 32, as in the mixing weights' gradients), with eight partial sums that vectorise. */
static void small_gemm_dots(int64_t m, int64_t n, int64_t k, const float *restrict a,
                            const float *restrict b, float *restrict c) {
  for (int64_t i = 0; i < m; i++) {
    const float *restrict ai = a + i * k;
    for (int64_t j = 0; j < n; j++) {
      const float *restrict bj = b + j * k;
      float acc[8] = {0};
      int64_t p = 0;
      for (; p + 8 <= k; p += 8)
        for (int q = 0; q < 8; q++) acc[q] += ai[p + q] * bj[p + q];
      float sum = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
      for (; p < k; p++) sum += ai[p] * bj[p];
      c[i * n + j] = sum;
    }
  }
}

static napi_value gemm(napi_env env, napi_callback_info info) {
  napi_value argv[12];
  if (!get_args(env, info, 12, argv)) return fail(env, "gemm: 12 arguments expected");
  void *data;
  size_t bytes;
  if (napi_get_arraybuffer_info(env, argv[0], &data, &bytes) != napi_ok)
    return fail(env, "gemm: the heap must be an ArrayBuffer");
  int64_t batch, m, n, k, a_off, a_stride, b_off, b_stride, out_off;
  bool trans_a, trans_b;
  if (!get_i64(env, argv[1], &batch) || !get_i64(env, argv[2], &m) ||
      !get_i64(env, argv[3], &n) || !get_i64(env, argv[4], &k) ||
      !get_i64(env, argv[5], &a_off) || !get_i64(env, argv[6], &a_stride) ||
      napi_get_value_bool(env, argv[7], &trans_a) != napi_ok ||
      !get_i64(env, argv[8], &b_off) || !get_i64(env, argv[9], &b_stride) ||
      napi_get_value_bool(env, argv[10], &trans_b) != napi_ok ||
      !get_i64(env, argv[11], &out_off))
    return fail(env, "gemm: expected numbers and booleans");
  if (batch < 0 || m < 0 || n < 0 || k < 0 || a_stride < 0 || b_stride < 0 ||
      m > INT32_MAX || n > INT32_MAX || k > INT32_MAX)
    return fail(env, "gemm: negative or too large size");
  if (batch == 0 || m == 0 || n == 0) return NULL;
  float *a = range(data, bytes, a_off, a_stride * (batch - 1) + m * k);
  float *b = range(data, bytes, b_off, b_stride * (batch - 1) + k * n);
  float *c = range(data, bytes, out_off, batch * m * n);
  if (!a || !b || !c) return fail(env, "gemm: a tensor lies outside the heap");
  const int lda = trans_a ? (int)m : (int)k, ldb = trans_b ? (int)k : (int)n;
  const bool small = m * n * k <= SMALL_GEMM;
  /* A transposed b ([n, k]) is first copied to [k, n] for the small loop. */
  float *b_rows = small && trans_b ? malloc((size_t)(k * n) * 4 + 4) : NULL;
  if (small && trans_b && !b_rows) return fail(env, "gemm: out of memory");
  for (int64_t i = 0; i < batch; i++) {
    if (small) {
      const float *bi = b + i * b_stride;
      if (trans_b && !trans_a && n < 32) {
        small_gemm_dots(m, n, k, a + i * a_stride, bi, c + i * m * n);
        continue;
      }
      if (trans_b) {
        mot_transpose32((const uint32_t *)bi, (uint32_t *)b_rows, (int64_t[]){n, k}, (int[]){1, 0}, 2);
        bi = b_rows;
      }
      small_gemm(m, n, k, a + i * a_stride, trans_a, bi, c + i * m * n);
      continue;
    }
    if (k == 0) {
      memset(c + i * m * n, 0, (size_t)(m * n) * 4);
      continue;
    }
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans, (int)m, (int)n, (int)k, 1.0f,
                a + i * a_stride, lda, b + i * b_stride, ldb, 0.0f, c + i * m * n, (int)n);
  }
  free(b_rows);
  return NULL;
}

static int get_int_array(napi_env env, napi_value array, int64_t *out, uint32_t *length) {
  bool is_array;
  if (napi_is_array(env, array, &is_array) != napi_ok || !is_array) return 0;
  if (napi_get_array_length(env, array, length) != napi_ok || *length > MOT_MAX_RANK) return 0;
  for (uint32_t i = 0; i < *length; i++) {
    napi_value v;
    if (napi_get_element(env, array, i, &v) != napi_ok || !get_i64(env, v, &out[i])) return 0;
  }
  return 1;
}

static napi_value transpose(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  if (!get_args(env, info, 5, argv)) return fail(env, "transpose: 5 arguments expected");
  void *data;
  size_t bytes;
  if (napi_get_arraybuffer_info(env, argv[0], &data, &bytes) != napi_ok)
    return fail(env, "transpose: the heap must be an ArrayBuffer");
  int64_t x_off, out_off, dims[MOT_MAX_RANK], perm64[MOT_MAX_RANK];
  uint32_t rank, perm_rank;
  if (!get_i64(env, argv[1], &x_off) || !get_i64(env, argv[2], &out_off) ||
      !get_int_array(env, argv[3], dims, &rank) ||
      !get_int_array(env, argv[4], perm64, &perm_rank) || rank != perm_rank)
    return fail(env, "transpose: expected offsets, dims[] and perm[] of one rank (at most 8)");
  int perm[MOT_MAX_RANK], seen[MOT_MAX_RANK] = {0};
  int64_t total = 1;
  for (uint32_t i = 0; i < rank; i++) {
    if (perm64[i] < 0 || perm64[i] >= rank || seen[perm64[i]]++ || dims[i] < 0)
      return fail(env, "transpose: perm must be a permutation of the axes");
    perm[i] = (int)perm64[i];
    total *= dims[i];
  }
  float *x = range(data, bytes, x_off, total), *out = range(data, bytes, out_off, total);
  if (!x || !out) return fail(env, "transpose: a tensor lies outside the heap");
  mot_transpose32((const uint32_t *)x, (uint32_t *)out, dims, perm, (int)rank);
  return NULL;
}

static napi_value sum_squares(napi_env env, napi_callback_info info) {
  napi_value argv[3], result;
  void *data;
  size_t bytes;
  int64_t x_off, count;
  if (!get_args(env, info, 3, argv) ||
      napi_get_arraybuffer_info(env, argv[0], &data, &bytes) != napi_ok ||
      !get_i64(env, argv[1], &x_off) || !get_i64(env, argv[2], &count))
    return fail(env, "sumSquares: expected (heap, offset, count)");
  const float *x = range(data, bytes, x_off, count);
  if (!x) return fail(env, "sumSquares: the tensor lies outside the heap");
  /* Independent partial sums, so that the loop vectorises (a single sum is one long chain). */
  double acc[8] = {0}, sum = 0;
  int64_t i = 0;
  for (; i + 8 <= count; i += 8)
    for (int j = 0; j < 8; j++) acc[j] += (double)x[i + j] * x[i + j];
  for (; i < count; i++) sum += (double)x[i] * x[i];
  for (int j = 0; j < 8; j++) sum += acc[j];
  CHECK(napi_create_double(env, sum, &result));
  return result;
}

/* The update, vectorised: restrict since tfjs gives every output fresh memory; p * 1 is p exactly,
 * so an undecayed parameter needs no branch. */
static void adamw_loop(int64_t count, const float *restrict p, const float *restrict m,
                       const float *restrict v, const float *restrict g, float *restrict out_p,
                       float *restrict out_m, float *restrict out_v, const float *h) {
  const float b1 = h[0], a1 = h[1], b2 = h[2], a2 = h[3], scale = h[4], eps = h[5], decay = h[6];
  for (int64_t i = 0; i < count; i++) {
    const float gi = g[i];
    const float mi = m[i] * b1 + gi * a1;
    const float vi = v[i] * b2 + gi * gi * a2;
    out_m[i] = mi;
    out_v[i] = vi;
    out_p[i] = p[i] * decay - (mi * scale) / (sqrtf(vi) + eps);
  }
}

static napi_value adamw(napi_env env, napi_callback_info info) {
  napi_value argv[10];
  void *data;
  size_t bytes;
  int64_t count, off[7];
  if (!get_args(env, info, 10, argv) ||
      napi_get_arraybuffer_info(env, argv[0], &data, &bytes) != napi_ok ||
      !get_i64(env, argv[1], &count))
    return fail(env, "adamw: expected (heap, count, 7 offsets, settings[7])");
  for (int i = 0; i < 7; i++)
    if (!get_i64(env, argv[2 + i], &off[i])) return fail(env, "adamw: offsets must be numbers");
  float h[7];
  for (uint32_t i = 0; i < 7; i++) {
    napi_value v;
    double d;
    if (napi_get_element(env, argv[9], i, &v) != napi_ok || napi_get_value_double(env, v, &d) != napi_ok)
      return fail(env, "adamw: settings must be 7 numbers");
    h[i] = (float)d;
  }
  float *t[7];
  for (int i = 0; i < 7; i++)
    if (!(t[i] = range(data, bytes, off[i], count)))
      return fail(env, "adamw: a tensor lies outside the heap");
  const float *p = t[0], *m = t[1], *v = t[2], *g = t[3];
  float *out_p = t[4], *out_m = t[5], *out_v = t[6];
  adamw_loop(count, p, m, v, g, out_p, out_m, out_v, h);
  return NULL;
}

/* dy * step(y), as tfjs. Vectorised (restrict: tfjs gives every output fresh memory): y's sign is
 * a coin toss per element, and the branch a scalar loop takes on it mispredicts half the time,
 * which cost 6x the pass over memory (measured). */
static void relu_grad_loop(int64_t count, const float *restrict dy, const float *restrict y,
                           float *restrict out) {
  for (int64_t i = 0; i < count; i++) {
    const float d = dy[i], v = y[i]; /* both loads unconditional, so the select needs no branch */
    out[i] = v > 0.0f ? d : 0.0f;
  }
}

static napi_value relu_grad(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  void *data;
  size_t bytes;
  int64_t count, off[3];
  if (!get_args(env, info, 5, argv) ||
      napi_get_arraybuffer_info(env, argv[0], &data, &bytes) != napi_ok ||
      !get_i64(env, argv[1], &count) || !get_i64(env, argv[2], &off[0]) ||
      !get_i64(env, argv[3], &off[1]) || !get_i64(env, argv[4], &off[2]))
    return fail(env, "reluGrad: expected (heap, count, dy, y, out)");
  const float *dy = range(data, bytes, off[0], count), *y = range(data, bytes, off[1], count);
  float *out = range(data, bytes, off[2], count);
  if (!dy || !y || !out) return fail(env, "reluGrad: a tensor lies outside the heap");
  relu_grad_loop(count, dy, y, out);
  return NULL;
}

static napi_value causal_softmax_napi(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  void *data;
  size_t bytes;
  int64_t batch, t, off[2];
  if (!get_args(env, info, 5, argv) ||
      napi_get_arraybuffer_info(env, argv[0], &data, &bytes) != napi_ok ||
      !get_i64(env, argv[1], &batch) || !get_i64(env, argv[2], &t) || batch < 0 || t < 1 ||
      !get_i64(env, argv[3], &off[0]) || !get_i64(env, argv[4], &off[1]))
    return fail(env, "causalSoftmax: expected (heap, batch, t >= 1, scores, probs)");
  const float *scores = range(data, bytes, off[0], batch * t * t);
  float *probs = range(data, bytes, off[1], batch * t * t);
  if (!scores || !probs) return fail(env, "causalSoftmax: a tensor lies outside the heap");
  causal_softmax(batch, t, scores, probs);
  return NULL;
}

static napi_value softmax_grad_napi(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  void *data;
  size_t bytes;
  int64_t rows, n, off[3];
  if (!get_args(env, info, 6, argv) ||
      napi_get_arraybuffer_info(env, argv[0], &data, &bytes) != napi_ok ||
      !get_i64(env, argv[1], &rows) || !get_i64(env, argv[2], &n) || rows < 0 || n < 1 ||
      !get_i64(env, argv[3], &off[0]) || !get_i64(env, argv[4], &off[1]) ||
      !get_i64(env, argv[5], &off[2]))
    return fail(env, "softmaxGrad: expected (heap, rows, n >= 1, dy, y, dx)");
  const float *dy = range(data, bytes, off[0], rows * n), *y = range(data, bytes, off[1], rows * n);
  float *dx = range(data, bytes, off[2], rows * n);
  if (!dy || !y || !dx) return fail(env, "softmaxGrad: a tensor lies outside the heap");
  softmax_grad(rows, n, dy, y, dx);
  return NULL;
}

/* Reads (heap, rows, d, offsets...) into float ranges checked against the heap; `sizes` has one
 * letter per offset: 'n' for rows*d floats, 'r' for rows, 'd' for d. Returns 0 after throwing. */
static int layer_norm_args(napi_env env, napi_value *argv, const char *name, const char *sizes,
                           int64_t *rows, int64_t *d, float **t) {
  void *data;
  size_t bytes;
  int64_t off;
  char message[96];
  if (napi_get_arraybuffer_info(env, argv[0], &data, &bytes) != napi_ok ||
      !get_i64(env, argv[1], rows) || !get_i64(env, argv[2], d) || *rows < 0 || *d < 1) {
    snprintf(message, sizeof message, "%s: expected (heap, rows, d >= 1, offsets...)", name);
    napi_throw_error(env, NULL, message);
    return 0;
  }
  for (int i = 0; sizes[i]; i++) {
    const int64_t count = sizes[i] == 'r' ? *rows : sizes[i] == 'd' ? *d : *rows * *d;
    if (!get_i64(env, argv[3 + i], &off) || !(t[i] = range(data, bytes, off, count))) {
      snprintf(message, sizeof message, "%s: a tensor lies outside the heap", name);
      napi_throw_error(env, NULL, message);
      return 0;
    }
  }
  return 1;
}

static napi_value layer_norm(napi_env env, napi_callback_info info) {
  napi_value argv[10];
  int64_t rows, d;
  double eps;
  float *t[6]; /* x, gain, bias, y, xhat, rstd */
  if (!get_args(env, info, 10, argv) || napi_get_value_double(env, argv[9], &eps) != napi_ok)
    return fail(env, "layerNorm: expected (heap, rows, d, x, gain, bias, y, xhat, rstd, eps)");
  if (!layer_norm_args(env, argv, "layerNorm", "nddnnr", &rows, &d, t)) return NULL;
  layer_norm_forward(rows, d, (float)eps, t[0], t[1], t[2], t[3], t[4], t[5]);
  return NULL;
}

static napi_value layer_norm_grad(napi_env env, napi_callback_info info) {
  napi_value argv[10];
  int64_t rows, d;
  float *t[7]; /* dy, xhat, rstd, gain, dx, dgain, dbias */
  if (!get_args(env, info, 10, argv))
    return fail(env,
                "layerNormGrad: expected (heap, rows, d, dy, xhat, rstd, gain, dx, dgain, dbias)");
  if (!layer_norm_args(env, argv, "layerNormGrad", "nnrdndd", &rows, &d, t)) return NULL;
  if (!layer_norm_backward(rows, d, t[0], t[1], t[2], t[3], t[4], t[5], t[6]))
    return fail(env, "layerNormGrad: out of memory");
  return NULL;
}

static napi_value set_threads(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int64_t n;
  if (!get_args(env, info, 1, argv) || !get_i64(env, argv[0], &n) || n < 1 || n > 1024)
    return fail(env, "setThreads: a thread count from 1 expected");
#if defined(MOT_OPENBLAS)
  openblas_set_num_threads((int)n);
#endif
  return NULL;
}

static napi_value get_info(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result, blas, threads;
  char name[160];
#if defined(MOT_OPENBLAS)
  snprintf(name, sizeof name, "%s", openblas_get_config()); /* "OpenBLAS 0.3.21 ..." */
  int count = openblas_get_num_threads();
#else
  snprintf(name, sizeof name, "%s", BLAS_NAME);
  int count = 0; /* Accelerate chooses for itself */
#endif
  CHECK(napi_create_object(env, &result));
  CHECK(napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &blas));
  CHECK(napi_create_int32(env, count, &threads));
  CHECK(napi_set_named_property(env, result, "blas", blas));
  CHECK(napi_set_named_property(env, result, "threads", threads));
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"gemm", NULL, gemm, NULL, NULL, NULL, napi_enumerable, NULL},
      {"transpose", NULL, transpose, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sumSquares", NULL, sum_squares, NULL, NULL, NULL, napi_enumerable, NULL},
      {"adamw", NULL, adamw, NULL, NULL, NULL, napi_enumerable, NULL},
      {"reluGrad", NULL, relu_grad, NULL, NULL, NULL, napi_enumerable, NULL},
      {"causalSoftmax", NULL, causal_softmax_napi, NULL, NULL, NULL, napi_enumerable, NULL},
      {"softmaxGrad", NULL, softmax_grad_napi, NULL, NULL, NULL, napi_enumerable, NULL},
      {"layerNorm", NULL, layer_norm, NULL, NULL, NULL, napi_enumerable, NULL},
      {"layerNormGrad", NULL, layer_norm_grad, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setThreads", NULL, set_threads, NULL, NULL, NULL, napi_enumerable, NULL},
      {"info", NULL, get_info, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
