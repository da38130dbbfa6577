/*
 * "<x>_at" beside every "<x>_ms" of a JSON answer (api/json_times.c).
 */
#ifndef LIEN_API_JSON_TIMES_H
#define LIEN_API_JSON_TIMES_H

#include <jansson.h>

/* For every integer member "<x>_ms" >= 0 of v, at any depth, set "<x>_at"
 * to the same instant in RFC 3339 UTC with milliseconds
 * ("2026-12-06T21:04:05.123Z"), unless the object has one already or
 * the instant is after year 9999 (which RFC 3339 cannot write). Only
 * instants: an answer whose "_ms" members are durations (statistics'
 * median_ms, p90_ms) must not be given to it. Allocation failures leave
 * members out (the answer stays valid JSON). v may be NULL. */
void api_json_times_at(json_t *v);

#endif
