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

/* Are the names the same, case, spaces, '_' and '-' ignored? */
int sds_meta_same_name(const char *a, const char *b);

/* In a table of metadata elements (dataset_description: a row per element, its name in the
 * first column): the values of the row named element, one per value column (those named
 * Value, Value 2...; without such columns, every column after the first), "" where empty, in
 * order, into out[0..max) (borrowed). How many; 0 when no row is named so. */
size_t sds_meta_element(const struct sds_table *t, const char *element, const char **out, size_t max);

#endif
