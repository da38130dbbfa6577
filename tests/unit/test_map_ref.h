/*
 * The lien-status map's root straight from its definition
 * (docs/lien-status.md), for the unit tests that hold a stored map to it
 * (header-only; include after <cmocka.h>): the hash of sorted keys
 * k[0..n) that share their first d bits, by recursion on the next bit.
 */
#ifndef LIEN_TESTS_UNIT_TEST_MAP_REF_H
#define LIEN_TESTS_UNIT_TEST_MAP_REF_H

#include <stddef.h>
#include <stdint.h>

#include "tlog/map.h"

static inline void
tu_map_ref_hash(uint8_t (*k)[MAP_KEY_LEN], uint8_t (*v)[MAP_VALUE_LEN],
    size_t n, unsigned d, uint8_t out[HASH_LEN])
{
	uint8_t l[HASH_LEN], r[HASH_LEN];
	size_t m = 0;

	if (n == 0) {
		map_hash_empty(out);
		return;
	}
	if (n == 1) {
		map_hash_leaf(k[0], v[0], out);
		return;
	}
	while (m < n && !map_key_bit(k[m], d))
		m++;
	tu_map_ref_hash(k, v, m, d + 1, l);
	tu_map_ref_hash(k + m, v + m, n - m, d + 1, r);
	map_hash_node(l, r, out);
}

#endif
