/* ingest.h — the product service's ingestion endpoint (ingest.c). */
#ifndef PRODUCT_INGEST_H
#define PRODUCT_INGEST_H

#include <stddef.h>

#include "northstar.h"

#define INGEST_MAX_BODY		(512 * 1024)	/* bytes per request (Segment: 500 KB) */
#define INGEST_MAX_RECORDS	2500		/* messages per batch (Segment: 2,500) */

/* POST /api/product/events (an API key with scope ingest:events). */
int	 product_events_post(struct ns_req *);

/*
 * NDJSON (one JSON message per line) as the text of one JSON array: each
 * non-blank line is one element, and a line that is not valid JSON becomes
 * null, so that the SQL rejects it at its own index.  Returns the text
 * (caller frees with free()) and its length in *outlen, or NULL when out
 * of memory.
 */
char	*ingest_ndjson_array_new(const char *body, size_t len, size_t *outlen);

#endif /* PRODUCT_INGEST_H */
