/* A string pool: each distinct string is stored once and named by a 32-bit id.
 * Ids stay valid, and strings stay in place, until the pool is freed. */
#ifndef SDSFHIR_INTERN_H
#define SDSFHIR_INTERN_H

#include <stddef.h>
#include <stdint.h>

struct intern;

/* Caller frees with intern_free. NULL when out of memory. */
struct intern *intern_new(void);
void intern_free(struct intern **pool);

/* The id of s (len bytes, need not be NUL-terminated), adding it when new.
 * Id 0 is never returned; 0 on out of memory. Not thread-safe: callers lock. */
uint32_t intern_addn(struct intern *pool, const char *s, size_t len);
uint32_t intern_add(struct intern *pool, const char *s);

/* The string of id: borrowed, valid for the pool's lifetime; NULL for id 0.
 * Safe to call while another thread adds other strings. */
const char *intern_get(const struct intern *pool, uint32_t id);

/* Memory from the pool's arena, freed with the pool: zeroed, 8-byte aligned.
 * NULL when out of memory. Not thread-safe: callers lock. */
void *intern_alloc(struct intern *pool, size_t size);

/* Number of distinct strings held. */
size_t intern_count(const struct intern *pool);

#endif
