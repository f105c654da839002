/* A check the SDS metadata harnesses share: every cell of a table read is there. */
#ifndef SDSFHIR_FUZZ_TABLE_H
#define SDSFHIR_FUZZ_TABLE_H

#include <stdlib.h>

#include "sds_meta.h"

/* Abort unless every cell of t is a string. */
static inline void fuzz_table_check(const struct sds_table *t)
{
	for (size_t r = 0; r < t->nrows; r++)
		for (size_t c = 0; c < t->ncols; c++)
			if (!t->cells[r * t->ncols + c])
				abort();
}

#endif
