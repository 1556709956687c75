/* route.c — match a request path against a service's routing table. */
#include <string.h>

#include "internal.h"

/*
 * Does path match pattern?  "{id}" matches one segment of 1–18 digits
 * that is not zero; it is stored in *id.
 */
static int
route_path_match(const char *pattern, const char *path, long *id)
{
	while (*pattern != '\0') {
		if (strncmp(pattern, "{id}", 4) == 0) {
			long	 v = 0;
			int	 digits = 0;

			while (*path >= '0' && *path <= '9') {
				if (++digits > 18)
					return 0;	/* before it could overflow */
				v = v * 10 + (*path++ - '0');
			}
			if (digits == 0 || v == 0)
				return 0;
			*id = v;
			pattern += 4;
			continue;
		}
		if (*pattern++ != *path++)
			return 0;
	}
	return *path == '\0';
}

const struct ns_route *
route_match(const struct ns_route *routes, const char *method, const char *path,
    long *path_id, int *wrong_method)
{
	const struct ns_route	*r;

	*wrong_method = 0;
	*path_id = 0;
	for (r = routes; r->method != NULL; r++) {
		long id = 0;

		if (!route_path_match(r->pattern, path, &id))
			continue;
		if (strcmp(r->method, method) != 0 &&
		    !(strcmp(method, "HEAD") == 0 && strcmp(r->method, "GET") == 0)) {
			*wrong_method = 1;
			continue;
		}
		*path_id = id;
		return r;
	}
	return NULL;
}
