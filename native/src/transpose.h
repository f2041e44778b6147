#ifndef MOT_TRANSPOSE_H
#define MOT_TRANSPOSE_H
#include <stdint.h>

#define MOT_MAX_RANK 8

/* out = x.transpose(perm) for 4-byte elements: x has shape dims[rank] (row-major), out has
 * shape dims[perm[j]] for j < rank. rank <= MOT_MAX_RANK. */
void mot_transpose32(const uint32_t *x, uint32_t *out, const int64_t *dims, const int *perm,
                     int rank);

#endif
