/* hash.c — the one non-cryptographic hash: FNV-1a, 64 bits (ETags, statement names, cache keys). */
#include "internal.h"

uint64_t
hash_fnv1a(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	while (len-- > 0) {
		h ^= *p++;
		h *= 1099511628211ULL;
	}
	return h;
}
