/*
 * The "<x>_at" strings beside "<x>_ms" in JSON answers (TEAM.md: times in
 * JSON answers are epoch milliseconds with an RFC 3339 string beside
 * them), added to a parsed answer just before it is sent: by the
 * registration reads (api/routes_reg.c) and the status proof's
 * human-readable members (api/routes_status.c). Not for evidence: signed
 * or hashed bytes are never rewritten (the status proof's "proof").
 */
#include "api/json_times.h"

#include <stdint.h>
#include <string.h>

#include "common/rfc3339.h"

/* Times in JSON answers are epoch milliseconds with an RFC 3339 string
 * beside them (TEAM.md, docs/api-registration.md "Times"): for every
 * integer member "<x>_ms", at any depth, "<x>_at" in UTC with
 * milliseconds ("2026-12-06T21:04:05.123Z"), unless the object has one. */
void
api_json_times_at(json_t *v)
{
	if (json_is_array(v)) {
		for (size_t i = 0; i < json_array_size(v); i++)
			api_json_times_at(json_array_get(v, i));
	} else if (json_is_object(v)) {
		json_t *add = json_object(), *m;
		const char *k;

		if (add == NULL)
			return;
		json_object_foreach(v, k, m) {
			size_t n = strlen(k);
			char name[96], at[RFC3339_MS_LEN + 1];
			json_int_t ms;

			if (!json_is_integer(m)) {
				api_json_times_at(m);
				continue;
			}
			if (n <= 3 || n >= sizeof(name) ||
			    strcmp(k + n - 3, "_ms") != 0)
				continue;
			memcpy(name, k, n - 3);
			memcpy(name + n - 3, "_at", 4);
			ms = json_integer_value(m);
			if (ms < 0 || json_object_get(v, name) != NULL ||
			    rfc3339_ms((uint64_t)ms, at) != LIEN_OK)
				continue;
			(void)json_object_set_new(add, name, json_string(at));
		}
		(void)json_object_update(v, add);
		json_decref(add);
	}
}

