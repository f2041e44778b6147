/* A general transpose of 4-byte elements, fast for what models do: axes that stay neighbours are
 * merged first, so most transposes become either copies of contiguous runs or batches of 2-D
 * swaps, and 2-D swaps run in cache-sized tiles. */
#include "transpose.h"

#include <string.h>

enum { TILE = 32 };

/* Drops size-1 axes and merges input axes i, i+1 that stay adjacent in perm. Returns the rank. */
static int simplify(const int64_t *dims, const int *perm, int rank, int64_t *d, int *p) {
  int keep[MOT_MAX_RANK], renumber[MOT_MAX_RANK], kept = 0;
  for (int i = 0; i < rank; i++) {
    keep[i] = dims[i] != 1;
    renumber[i] = keep[i] ? kept++ : -1;
  }
  int64_t d1[MOT_MAX_RANK];
  int p1[MOT_MAX_RANK], r1 = 0;
  for (int i = 0; i < rank; i++)
    if (keep[i]) d1[renumber[i]] = dims[i];
  for (int j = 0; j < rank; j++)
    if (keep[perm[j]]) p1[r1++] = renumber[perm[j]];
  /* Merge: walk the output order; an axis that follows its input predecessor joins it. */
  int groups = 0;
  int64_t gsize[MOT_MAX_RANK];
  int gfirst[MOT_MAX_RANK];
  for (int j = 0; j < r1; j++) {
    if (j > 0 && p1[j] == p1[j - 1] + 1) {
      gsize[groups - 1] *= d1[p1[j]];
    } else {
      gfirst[groups] = p1[j];
      gsize[groups] = d1[p1[j]];
      groups++;
    }
  }
  /* Groups in input order give the new input dims; their output order gives the new perm. */
  for (int g = 0; g < groups; g++) {
    int rank_in = 0;
    for (int h = 0; h < groups; h++)
      if (gfirst[h] < gfirst[g]) rank_in++;
    d[rank_in] = gsize[g];
    p[g] = rank_in;
  }
  return groups;
}

void mot_transpose32(const uint32_t *x, uint32_t *out, const int64_t *dims, const int *perm,
                     int rank) {
  int64_t d[MOT_MAX_RANK], total = 1;
  int p[MOT_MAX_RANK];
  for (int i = 0; i < rank; i++) total *= dims[i];
  if (total == 0) return;
  int r = simplify(dims, perm, rank, d, p);
  if (r <= 1) {
    memcpy(out, x, (size_t)total * 4);
    return;
  }
  int64_t in_stride[MOT_MAX_RANK], o[MOT_MAX_RANK], out_stride[MOT_MAX_RANK];
  in_stride[r - 1] = 1;
  for (int i = r - 2; i >= 0; i--) in_stride[i] = in_stride[i + 1] * d[i + 1];
  for (int j = 0; j < r; j++) o[j] = d[p[j]];
  out_stride[r - 1] = 1;
  for (int j = r - 2; j >= 0; j--) out_stride[j] = out_stride[j + 1] * o[j + 1];
  /* Output axis q reads the input's contiguous axis; the last output axis reads stride s (q may
   * be the last axis itself). */
  int q = 0;
  while (p[q] != r - 1) q++;
  int last = r - 1;
  int64_t s = in_stride[p[last]];
  /* Odometer over the output axes other than q and last. */
  int64_t idx[MOT_MAX_RANK] = {0};
  for (;;) {
    int64_t in_base = 0, out_base = 0;
    for (int j = 0; j < r; j++) {
      if (j == q || j == last) continue;
      in_base += idx[j] * in_stride[p[j]];
      out_base += idx[j] * out_stride[j];
    }
    const int64_t rows = o[q], cols = o[last], row_stride = out_stride[q];
    if (q == last) /* the innermost axis stays innermost: contiguous runs */
      memcpy(out + out_base, x + in_base, (size_t)cols * 4);
    else
    for (int64_t i0 = 0; i0 < rows; i0 += TILE)
      for (int64_t j0 = 0; j0 < cols; j0 += TILE) {
        const int64_t i1 = i0 + TILE < rows ? i0 + TILE : rows;
        const int64_t j1 = j0 + TILE < cols ? j0 + TILE : cols;
        for (int64_t i = i0; i < i1; i++) {
          uint32_t *dst = out + out_base + i * row_stride;
          const uint32_t *src = x + in_base + i;
          for (int64_t j = j0; j < j1; j++) dst[j] = src[j * s];
        }
      }
    int j = r - 1;
    for (; j >= 0; j--) {
      if (j == q || j == last) continue;
      if (++idx[j] < o[j]) break;
      idx[j] = 0;
    }
    if (j < 0) return;
  }
}
