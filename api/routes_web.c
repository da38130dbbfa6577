/*
 * The people's screens (docs/web.md): lienlogd serves its own pages.
 *
 *   GET /                      public verification (index.html)
 *   GET /owner                 the owner's progress screen
 *   GET /officer               the officer's workstation
 *   GET /static/<version>/...  scripts, styles, images (web/src/)
 *   GET /v1/keys               the log key and the witness policy, as text
 *                              the pages verify with (and show, with key
 *                              IDs, for comparison out of band)
 *
 * The files are compiled in (web/embed.cmake, api/web_assets.h), so what
 * is served is exactly what was built and reviewed, from any working
 * directory. Pages are small and revalidated (no-cache); everything under
 * /static/ is addressed by the hash of the whole asset set, so it is
 * served immutable and a new build changes the URLs; an old version
 * answers 404 rather than new bytes under an old name.
 *
 * Every reply carries a strict Content-Security-Policy: scripts, styles,
 * images and fetches from this origin only, no inline script or style,
 * no framing, no plugins. The pages never load anything from a third
 * party; their verification code (web/src/js/verify.js) runs in the
 * browser and trusts nothing this server says about validity.
 */
#include <string.h>

#include "api/server.h"
#include "api/web_assets.h"
#include "httpd/http.h"

#define WEB_HEADERS \
	"Content-Security-Policy: default-src 'none'; script-src 'self'; " \
	"style-src 'self'; img-src 'self'; connect-src 'self'; " \
	"font-src 'self'; form-action 'self'; base-uri 'none'; " \
	"frame-ancestors 'none'\r\n" \
	"Referrer-Policy: no-referrer\r\n" \
	"X-Frame-Options: DENY\r\n" \
	"Cross-Origin-Opener-Policy: same-origin\r\n" \
	"Cross-Origin-Resource-Policy: same-origin\r\n"

const struct web_asset *
web_asset_find(const char *path, size_t path_len)
{
	for (size_t i = 0; i < web_nassets; i++) {
		const struct web_asset *a = &web_assets[i];

		if (strlen(a->path) == path_len &&
		    memcmp(a->path, path, path_len) == 0)
			return a;
	}
	return NULL;
}

static void
web_page(struct api_req *rq, const char *file)
{
	const struct web_asset *a = web_asset_find(file, strlen(file));

	if (api_no_query(rq) != LIEN_OK)
		return;
	if (a == NULL) {	/* a build without the pages: never expected */
		api_fail(rq, API_ERR_NOT_FOUND, "no such resource");
		return;
	}
	api_reply(rq, 200, a->content_type, API_CACHE_NONE, WEB_HEADERS,
	    a->bytes, a->len);
}

static void
web_index(struct api_req *rq)
{
	web_page(rq, "index.html");
}

static void
web_owner(struct api_req *rq)
{
	web_page(rq, "owner.html");
}

static void
web_officer(struct api_req *rq)
{
	web_page(rq, "officer.html");
}

/* /static/<web_version>/<path>: rest is "<version>/<path>". */
static void
web_static(struct api_req *rq)
{
	size_t vlen = strlen(web_version);
	const struct web_asset *a = NULL;

	if (api_no_query(rq) != LIEN_OK)
		return;
	if (rq->rest_len > vlen + 1 && rq->rest[vlen] == '/' &&
	    memcmp(rq->rest, web_version, vlen) == 0)
		a = web_asset_find(rq->rest + vlen + 1, rq->rest_len - vlen - 1);
	/* the HTML pages are served at their own paths, not here */
	if (a == NULL || strstr(a->path, ".html") != NULL) {
		api_fail_code(rq, 404, "asset_not_found", "no such asset in "
		    "this build (the pages link the current version)");
		return;
	}
	api_reply(rq, 200, a->content_type, API_CACHE_IMMUTABLE, WEB_HEADERS,
	    a->bytes, a->len);
}

static void
web_keys(struct api_req *rq)
{
	const char *body;
	size_t len;

	if (api_no_query(rq) != LIEN_OK)
		return;
	api_server_keys_json(rq->server, &body, &len);
	/* The keys change only with a restart (key rotation, witnesses):
	 * revalidate, as for the checkpoint. */
	api_reply(rq, 200, "application/json", API_CACHE_NONE, NULL, body,
	    len);
}

static const struct api_route web_routes[] = {
	{ "GET", "/", 0, web_index, "web_index" },
	{ "GET", "/owner", 0, web_owner, "web_owner" },
	{ "GET", "/officer", 0, web_officer, "web_officer" },
	{ "GET", "/static/", API_ROUTE_PREFIX, web_static, "web_static" },
	{ "GET", "/v1/keys", 0, web_keys, "web_keys" },
};

const struct api_route_table api_routes_web = {
	web_routes, sizeof(web_routes) / sizeof(web_routes[0])
};
