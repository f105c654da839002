#include "config.h"

#include "jget.h"

#include <stdio.h>

#include <string.h>

static json_object *member(json_object *o, const char *key, json_type type)
{
	json_object *v;
	if (!json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, type))
		return NULL;
	return v;
}

json_object *jget_obj(json_object *o, const char *key)
{
	return member(o, key, json_type_object);
}

json_object *jget_arr(json_object *o, const char *key)
{
	return member(o, key, json_type_array);
}

const char *jget_str(json_object *o, const char *key)
{
	json_object *v = member(o, key, json_type_string);
	return v ? json_object_get_string(v) : NULL;
}

json_object *jget_idx_obj(json_object *a, size_t i)
{
	if (!json_object_is_type(a, json_type_array) || i >= json_object_array_length(a))
		return NULL;
	json_object *v = json_object_array_get_idx(a, i);
	return json_object_is_type(v, json_type_object) ? v : NULL;
}

const char *jget_idx_str(json_object *a, size_t i)
{
	if (!json_object_is_type(a, json_type_array) || i >= json_object_array_length(a))
		return NULL;
	json_object *v = json_object_array_get_idx(a, i);
	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

size_t jget_len(json_object *a)
{
	return json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
}

int jget_is_resource(json_object *o, const char *type)
{
	const char *rt = jget_str(o, "resourceType");
	return rt && strcmp(rt, type) == 0;
}

size_t jget_count_values(const char *text, size_t len)
{
	size_t n = 0;
	int in_string = 0;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (in_string) {
			if (c == '\\')
				i++;	/* the escaped character */
			else if (c == '"')
				in_string = 0;
			continue;
		}
		if (c == '"')
			in_string = 1;
		n += c == '{' || c == '[' || c == ',' || c == ':';	/* each starts a value or a member */
	}
	return n + 1;
}

json_object *jget_parse(const char *text, size_t len, size_t max_values, char *err, size_t errlen)
{
	size_t values = jget_count_values(text, len);
	if (values > max_values) {
		snprintf(err, errlen, "too many JSON values (%zu, at most %zu): not read", values, max_values);
		return NULL;
	}
	enum json_tokener_error je = json_tokener_success;
	json_object *o = json_tokener_parse_verbose(text, &je);
	if (!o)
		snprintf(err, errlen, "not valid JSON (%s)", json_tokener_error_desc(je));
	return o;
}
