/* SDS metadata files (dataset_description, subjects, samples) as tables of strings.
 * Reads .xlsx (the first worksheet; libzip and expat), .csv and .tsv (libcsv) and .json
 * (json-c). Core module: no curses. */
#ifndef SDSFHIR_SDS_META_H
#define SDSFHIR_SDS_META_H

#include <stddef.h>

struct sds_table {
	size_t ncols, nrows;
	char **header;		/* ncols column names, as in the file */
	char **cells;		/* nrows * ncols values, row-major; "" when empty */
};

/* Read path (by its extension). NULL with err filled on failure. Caller frees with sds_meta_free. */
struct sds_table *sds_meta_read(const char *path, char *err, size_t errlen);
void sds_meta_free(struct sds_table **t);

/* The column whose name matches (case, spaces, '_' and '-' ignored), or -1. */
int sds_meta_column(const struct sds_table *t, const char *name);

/* The value in column `column` of the first row whose column `key` equals value: borrowed, NULL if none. */
const char *sds_meta_lookup(const struct sds_table *t, const char *key, const char *value, const char *column);

#endif
