/*
 * The pages compiled into lienlogd (api/web_assets.h, web/embed.cmake):
 * the table is complete and sorted, content types follow the extension,
 * the version is 16 hex digits and the pages point at it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "api/web_assets.h"

static int
ends(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int
contains(const unsigned char *p, size_t len, const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; n <= len && i <= len - n; i++)
		if (memcmp(p + i, s, n) == 0)
			return 1;
	return 0;
}

static void
test_web_asset_find_pages_and_scripts(void **state)
{
	static const char *const need[] = { "index.html", "owner.html",
		"officer.html", "js/verify.js", "js/common.js", "js/i18n.js",
		"js/public.js", "js/vendor/noble-ed25519.js", "css/app.css" };

	(void)state;
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		const struct web_asset *a = web_asset_find(need[i],
		    strlen(need[i]));

		assert_non_null(a);
		assert_string_equal(a->path, need[i]);
		assert_true(a->len > 0);
	}
	assert_null(web_asset_find("js/verify.j", 11));
	assert_null(web_asset_find("js/verify.jsx", 13));
	assert_null(web_asset_find("", 0));
	assert_null(web_asset_find("/js/verify.js", 13));
	/* the length, not a NUL, ends the path */
	assert_non_null(web_asset_find("css/app.cssXYZ", 11));
}

static void
test_web_assets_types_sorted_version(void **state)
{
	(void)state;
	assert_int_equal(strlen(web_version), 16);
	for (size_t i = 0; i < 16; i++)
		assert_non_null(strchr("0123456789abcdef", web_version[i]));
	assert_true(web_nassets >= 9);
	for (size_t i = 0; i < web_nassets; i++) {
		const struct web_asset *a = &web_assets[i];

		if (i > 0)
			assert_true(strcmp(web_assets[i - 1].path, a->path) < 0);
		if (ends(a->path, ".html")) {
			assert_string_equal(a->content_type,
			    "text/html; charset=utf-8");
			/* the version is substituted, the placeholder gone */
			assert_false(contains(a->bytes, a->len, "@V@"));
			assert_true(contains(a->bytes, a->len, web_version));
		} else if (ends(a->path, ".js")) {
			assert_string_equal(a->content_type,
			    "text/javascript; charset=utf-8");
		} else if (ends(a->path, ".css")) {
			assert_string_equal(a->content_type,
			    "text/css; charset=utf-8");
		} else if (ends(a->path, ".svg")) {
			assert_string_equal(a->content_type, "image/svg+xml");
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_web_asset_find_pages_and_scripts),
		cmocka_unit_test(test_web_assets_types_sorted_version),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
