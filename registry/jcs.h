/*
 * Canonical JSON: RFC 8785 (JSON Canonicalization Scheme, JCS) over the
 * subset of JSON that lienlog uses, plus the strict parser every JSON
 * body and every registry payload goes through.
 *
 * The subset: objects, arrays, strings, integers with |n| <= 2^53 - 1
 * (RFC 8785 3.2.2.3 / I-JSON, RFC 7493 2.2: the integers every JSON
 * implementation represents exactly), true, false, null. Reals are
 * refused (LIEN_EPARSE): the ECMAScript number serialisation of RFC 8785
 * 3.2.2.3 is never needed when no value is fractional, and refusing them
 * keeps one spelling per value.
 *
 * Canonical form (RFC 8785 3.2): no whitespace; strings as RFC 8785
 * 3.2.2.2 says: '"' and '\\' escaped, U+0008 U+0009 U+000A U+000C U+000D
 * as \b \t \n \f \r, the other C0 controls as \u00xx (lowercase hex),
 * everything else (including U+007F and all non-ASCII) as raw UTF-8;
 * object members sorted by their keys compared as arrays of UTF-16 code
 * units (RFC 8785 3.2.3), which is byte order except when a key holds
 * characters above U+FFFF.
 *
 * jansson values are used as the tree (json_t); this module adds only the
 * canonical writer, its digest and the strict reader. Thread-safe; no
 * global state.
 */
#ifndef LIEN_REGISTRY_JCS_H
#define LIEN_REGISTRY_JCS_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "common/status.h"
#include "common/lien_limits.h"
#include "crypto/hash.h"

/* Largest integer magnitude accepted: 2^53 - 1 (RFC 7493 2.2). */
#define JCS_INT_MAX 9007199254740991LL

/* Serialise v canonically. *out is malloc'd and NUL-terminated (the NUL is
 * not counted in *out_len); caller frees with free(). Refuses (LIEN_EPARSE)
 * reals, integers beyond JCS_INT_MAX, strings or keys that are not valid
 * UTF-8 (jansson can hold such strings when built with *_nocheck); refuses
 * (LIEN_ETOOBIG) nesting deeper than JCS_DEPTH_MAX, a string or key longer
 * than JCS_STRING_MAX bytes, or output above JCS_TEXT_MAX. LIEN_EINVAL for
 * NULL arguments, LIEN_ENOMEM. On failure *out is NULL and *out_len 0. */
enum lien_status jcs_serialize(const json_t *v, char **out, size_t *out_len)
    LIEN_MUST_CHECK;

/* Same, into a caller buffer of cap bytes (no NUL written). LIEN_ETOOBIG
 * when cap is short. On failure *out_len is 0 (buf contents undefined). No
 * allocation beyond small per-object key arrays. */
enum lien_status jcs_write(const json_t *v, uint8_t *buf, size_t cap,
    size_t *out_len) LIEN_MUST_CHECK;

/* SHA-256 of the canonical form of v. Statuses as jcs_serialize; out is
 * zeroed on failure. */
enum lien_status jcs_digest(const json_t *v, uint8_t out[HASH_LEN])
    LIEN_MUST_CHECK;

/* Strict parse of untrusted bytes (p, len): exactly one JSON value (any
 * type at top level), optional JSON whitespace around it, nothing else.
 * Refused with LIEN_EPARSE: malformed JSON, duplicate object keys, invalid
 * UTF-8, U+0000 in a string, reals (fraction or exponent), "-0", integers
 * beyond JCS_INT_MAX, trailing bytes. Refused with LIEN_ETOOBIG: len above
 * JCS_TEXT_MAX, nesting deeper than max_depth (0 means JCS_DEPTH_MAX; a
 * value larger than JCS_DEPTH_MAX is clamped to it), a string or key
 * longer than JCS_STRING_MAX bytes, more than JCS_MEMBERS_MAX members or
 * elements in one object or array. *out: caller frees with json_decref;
 * NULL on failure. */
enum lien_status jcs_parse(const char *p, size_t len, size_t max_depth,
    json_t **out) LIEN_MUST_CHECK;

/* Strict parse (as jcs_parse with JCS_DEPTH_MAX) that also requires the
 * bytes to be exactly the canonical form of the value they hold: what the
 * audit replay demands of every registry payload. LIEN_EPARSE when the
 * bytes parse but are not canonical. *out as jcs_parse (out may be NULL
 * to only check). */
enum lien_status jcs_parse_canonical(const uint8_t *p, size_t len,
    json_t **out) LIEN_MUST_CHECK;

/* The canonical reader (zero-copy scan, one pass): LIEN_OK only when
 * (p, len) is exactly the canonical form (RFC 8785, the subset above) of
 * one value nested at most max_depth deep counting every value, the top
 * one at 1 (0: JCS_DEPTH_MAX); *out is then the same tree
 * jcs_parse_canonical gives (json_decref). Otherwise *out is NULL and the
 * status says why it stopped: LIEN_EPARSE, LIEN_ETOOBIG (a cap of
 * jcs_parse), LIEN_EUNSUPPORTED (an escaped object key: legal, left to
 * the reference reader), LIEN_ENOMEM, LIEN_EINVAL; a refusal here is not
 * a verdict on the bytes (jcs_parse may still accept them). */
enum lien_status jcs_read_canonical(const uint8_t *p, size_t len,
    size_t max_depth, json_t **out) LIEN_MUST_CHECK;

/* The reference reader (jansson, pre-scan and post-walk; with canonical,
 * also re-serialised and compared): jcs_parse's and
 * jcs_parse_canonical's contract, without trying jcs_read_canonical
 * first. For tests and the fuzz target that hold the two together. */
enum lien_status jcs_parse_reference(const char *p, size_t len,
    size_t max_depth, int canonical, json_t **out) LIEN_MUST_CHECK;

/* Compare two UTF-8 strings as RFC 8785 3.2.3 orders object keys (by
 * UTF-16 code units). Returns <0, 0, >0. Both must be valid UTF-8 (the
 * order of invalid sequences is unspecified but total and deterministic). */
int jcs_key_compare(const char *a, size_t a_len, const char *b, size_t b_len);

#endif
