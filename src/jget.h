/* Typed access to JSON from outside (server replies, metadata files): each accessor checks
 * the type before use and returns NULL (or the default) for anything else, so a wrong type
 * is never dereferenced or asserted on. Core module: no curses. Every pointer returned is
 * borrowed from its parent. */
#ifndef SDSFHIR_JGET_H
#define SDSFHIR_JGET_H

#include <stddef.h>

#include <json-c/json.h>

/* Member key of object o when it has that type; NULL when o is not an object, the key is
 * missing or the member has another type. */
json_object *jget_obj(json_object *o, const char *key);
json_object *jget_arr(json_object *o, const char *key);
const char *jget_str(json_object *o, const char *key);

/* Element i of array a when it is an object, else NULL. */
json_object *jget_idx_obj(json_object *a, size_t i);

/* Element i of array a when it is a string, else NULL. */
const char *jget_idx_str(json_object *a, size_t i);

/* The length of a when it is an array, else 0. */
size_t jget_len(json_object *a);

/* Is o an object whose resourceType is type? */
int jget_is_resource(json_object *o, const char *type);

/* The JSON values of text (len bytes, NUL-terminated): objects, arrays, strings, numbers and
 * literals, counted outside strings without parsing. */
size_t jget_count_values(const char *text, size_t len);

/* Parse text (len bytes, NUL-terminated) when it holds at most max_values JSON values (json-c
 * takes about 80 bytes for each: the memory a reply or a file costs is bounded by its count, not
 * by what it claims), at a depth json-c accepts (32). NULL with err ("too many JSON values
 * (N, at most M)", "not valid JSON") otherwise. Caller puts. */
json_object *jget_parse(const char *text, size_t len, size_t max_values, char *err, size_t errlen);

#endif
