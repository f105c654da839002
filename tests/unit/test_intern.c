#include "intern.h"
#include "tap.h"

#include <stdlib.h>

int main(void)
{
	struct intern *p = intern_new();
	ok(p != NULL, "pool created");
	uint32_t a = intern_add(p, "1.2.840.10008.5.1.4.1.1.4");
	uint32_t b = intern_add(p, "MR");
	uint32_t c = intern_add(p, "1.2.840.10008.5.1.4.1.1.4");
	ok(a != 0 && b != 0, "ids are not 0");
	is_int(a, c, "the same string gets the same id");
	ok(a != b, "different strings get different ids");
	is_str(intern_get(p, a), "1.2.840.10008.5.1.4.1.1.4", "string comes back");
	ok(intern_get(p, 0) == NULL, "id 0 is absent");
	uint32_t e = intern_add(p, "");
	is_str(intern_get(p, e), "", "empty string is a value, not absent");
	uint32_t pre = intern_addn(p, "MRI", 2);
	is_int(pre, b, "intern_addn uses only len bytes");

	/* many strings: the table grows and old pointers stay put */
	const char *first = intern_get(p, a);
	char buf[32];
	int okall = 1;
	for (int i = 0; i < 200000; i++) {
		snprintf(buf, sizeof buf, "uid.%d", i);
		uint32_t id = intern_add(p, buf);
		if (!id || strcmp(intern_get(p, id), buf) != 0)
			okall = 0;
	}
	ok(okall, "200000 strings round-trip");
	ok(intern_get(p, a) == first, "strings never move");
	snprintf(buf, sizeof buf, "uid.%d", 123456);
	ok(strcmp(intern_get(p, intern_add(p, buf)), buf) == 0, "lookup after growth finds the old id");
	is_int(intern_count(p), 200000 + 3, "count of distinct strings (\"MR\" again via intern_addn is no new one)");

	char *m = intern_alloc(p, 100);
	int zero = 1;
	for (int i = 0; i < 100; i++)
		zero &= m[i] == 0;
	ok(zero && ((uintptr_t)m % 8) == 0, "intern_alloc gives zeroed, aligned memory");
	void *big = intern_alloc(p, 1 << 20);
	ok(big != NULL, "a block larger than a chunk");
	intern_free(&p);
	ok(p == NULL, "intern_free sets the pointer to NULL");
	intern_free(&p);
	ok(p == NULL, "intern_free of NULL is harmless and leaves NULL");
	return tap_done();
}
