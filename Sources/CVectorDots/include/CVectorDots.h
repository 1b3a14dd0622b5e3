#ifndef ANNALS_CVECTORDOTS_H
#define ANNALS_CVECTORDOTS_H

#include <stddef.h>
#include <stdint.h>

/// Integer dot products of `queryCount` queries with `rowCount` rows, all of `dimension` signed bytes, row-major:
/// `out[q * rowCount + r]` = Σᵢ `queries[q * dimension + i]` · `rows[r * dimension + i]`. Each row is read once for
/// all the queries. Exact (at most 2^31 / 127² ≈ 133,000 components).
void annals_int8_dots(const int8_t *rows, size_t rowCount, const int8_t *queries, size_t queryCount,
                      size_t dimension, int32_t *out);

#endif
