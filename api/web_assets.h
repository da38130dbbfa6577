/*
 * The pages lienlogd serves (web/src/), embedded at build time by
 * web/embed.cmake, so the binary serves them from any directory and the
 * bytes served are exactly the bytes built (docs/web.md).
 */
#ifndef LIEN_API_WEB_ASSETS_H
#define LIEN_API_WEB_ASSETS_H

#include <stddef.h>

struct web_asset {
	const char *path;		/* relative to web/src, e.g. "js/verify.js" */
	const char *content_type;	/* with charset for text */
	const unsigned char *bytes;
	size_t len;
};

/* Sorted by path (strcmp order). */
extern const struct web_asset web_assets[];
extern const size_t web_nassets;
/* 16 lowercase hex digits naming this set of assets: their URL prefix
 * /static/<web_version>/. */
extern const char web_version[];

/* The asset at path (path_len bytes, not NUL-terminated), or NULL. */
const struct web_asset *web_asset_find(const char *path, size_t path_len);

#endif
