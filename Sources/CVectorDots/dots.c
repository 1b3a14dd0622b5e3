#include "CVectorDots.h"

// One plain loop, compiled twice: for CPUs with AVX2 (x86-64 since 2013: 16 byte products per instruction) and for
// any other; the loader picks one at start-up (an ifunc). Elsewhere (arm64) it is the one default build.
#if defined(__x86_64__) && defined(__ELF__)
#define ANNALS_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define ANNALS_CLONES
#endif

ANNALS_CLONES
void annals_int8_dots(const int8_t *rows, size_t rowCount, const int8_t *queries, size_t queryCount,
                      size_t dimension, int32_t *out) {
    for (size_t r = 0; r < rowCount; r++) {
        const int8_t *row = rows + r * dimension;
        for (size_t q = 0; q < queryCount; q++) {
            const int8_t *query = queries + q * dimension;
            int32_t sum = 0;
            for (size_t i = 0; i < dimension; i++) sum += (int32_t)row[i] * (int32_t)query[i];
            out[q * rowCount + r] = sum;
        }
    }
}
