/* fuzz-params.c — libFuzzer harness for the query-string parser and the UTF-8 check (param.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char *const words[] = { "day", "week", "month", NULL };
static const struct ns_param params[] = {
	{ "months", NS_P_INT, 1, 24, NULL, "12" },
	{ "granularity", NS_P_ENUM, 0, 0, words, "day" },
	{ "tag", NS_P_WORD, 0, 32, NULL, NULL },
	{ "growth_pct", NS_P_NUM, -100, 1000, NULL, NULL },
	{ NULL, 0, 0, 0, NULL, NULL }
};
static const struct ns_route route = { "GET", "/x", NS_ROLES_ALL, params,
	NS_F_RANGE | NS_F_CSV | NS_F_ASOF, 0, "api.x", "rows", NULL };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ns_req req;
	char *q = malloc(size + 1), err[320];
	size_t bad = size;

	if (q == NULL)
		return 0;
	/* The UTF-8 check: a refusal points inside the input. */
	if (param_utf8_valid((const char *)data, size, &bad) != 0 && bad >= size)
		abort();
	memcpy(q, data, size);
	q[size] = '\0';
	memset(&req, 0, sizeof(req));
	req.route = &route;
	if (param_parse(&req, q, err, sizeof(err)) == 0) {
		/* Every accepted value must satisfy its validator again. */
		const char *d = param_get(&req, "from");
		if (d != NULL && param_date_valid(d) != 0)
			abort();
		d = param_get(&req, "months");
		if (d != NULL && param_int_valid(d, 1, 24, NULL) != 0)
			abort();
	} else if (strlen(err) == 0)
		abort();	/* a refusal always says why */
	free(q);
	return 0;
}
