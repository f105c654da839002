#include "config.h"

#include "jget.h"

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

size_t jget_len(json_object *a)
{
	return json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
}

int jget_is_resource(json_object *o, const char *type)
{
	const char *rt = jget_str(o, "resourceType");
	return rt && strcmp(rt, type) == 0;
}
