/*
 * The one table from enum lien_status to HTTP status, and the table of the
 * API's own error codes. Library code never knows HTTP; this file is where
 * the two vocabularies meet. A status the table does not list -- storage,
 * crypto and memory failures among them -- is a 500 with a generic body:
 * the client cannot fix those, and their details belong in our logs, not
 * in a response.
 */
#include "httpd/http.h"

static const int status_http[LIEN_STATUS_COUNT_] = {
	[LIEN_OK] = 200,
	[LIEN_EINVAL] = 400,
	[LIEN_EPARSE] = 400,
	[LIEN_ETOOBIG] = 413,
	[LIEN_EVERIFY] = 422,
	[LIEN_ENOTFOUND] = 404,
	[LIEN_ERANGE] = 400,
	[LIEN_ECLOSED] = 503,
	[LIEN_EEXIST] = 409,
	[LIEN_EUNSUPPORTED] = 400,
	[LIEN_EKEY] = 400,
	[LIEN_EFULL] = 507,
	[LIEN_ECONFLICT] = 409,
	[LIEN_EFROZEN] = 503,	/* key rotated: the log serves reads only */
	[LIEN_EBUSY] = 503,
	/* LIEN_ENOMEM, LIEN_EIO, LIEN_ECORRUPT, LIEN_ECRYPTO: 500 */
};

int
api_status_http(enum lien_status s)
{
	if ((unsigned)s >= LIEN_STATUS_COUNT_ || status_http[s] == 0)
		return 500;
	return status_http[s];
}

static const struct {
	int http;
	const char *code;
} api_errs[API_ERR_COUNT_] = {
	[API_ERR_NOT_FOUND] = { 404, "not_found" },
	[API_ERR_METHOD] = { 405, "method_not_allowed" },
	[API_ERR_TOO_MANY_HEADERS] = { 431, "too_many_headers" },
	[API_ERR_TRANSFER_ENCODING] = { 400, "transfer_encoding_rejected" },
	[API_ERR_CONTENT_LENGTH] = { 400, "bad_content_length" },
	[API_ERR_BODY_NOT_ALLOWED] = { 400, "body_not_allowed" },
	[API_ERR_BAD_PATH] = { 400, "bad_path" },
	[API_ERR_QUERY_TOO_LONG] = { 414, "query_too_long" },
	[API_ERR_BAD_QUERY] = { 400, "bad_query" },
	[API_ERR_MISSING_PARAM] = { 400, "missing_parameter" },
	[API_ERR_DUPLICATE_PARAM] = { 400, "duplicate_parameter" },
	[API_ERR_UNKNOWN_PARAM] = { 400, "unknown_parameter" },
	[API_ERR_BAD_NUMBER] = { 400, "bad_number" },
	[API_ERR_INDEX_RANGE] = { 400, "index_out_of_range" },
	[API_ERR_TREE_SIZE] = { 404, "tree_size_beyond_log" },
	[API_ERR_OLD_SIZE] = { 400, "old_size_exceeds_tree_size" },
	[API_ERR_BAD_TILE_PATH] = { 400, "bad_tile_path" },
	[API_ERR_TILE_NOT_FOUND] = { 404, "tile_not_found" },
	[API_ERR_NO_CHECKPOINT] = { 404, "no_checkpoint" },
	[API_ERR_UNAVAILABLE] = { 503, "unavailable" },
	[API_ERR_INTERNAL] = { 500, "internal" },
	[API_ERR_REG_DISABLED] = { 503, "registration_disabled" },
	[API_ERR_BODY_TOO_LARGE] = { 413, "body_too_large" },
	[API_ERR_BODY_TIMEOUT] = { 408, "body_timeout" },
	[API_ERR_BODY_INCOMPLETE] = { 400, "body_incomplete" },
	[API_ERR_BAD_PROXY_HEADERS] = { 400, "bad_proxy_headers" },
};

int
api_err_http(enum api_err e)
{
	if ((unsigned)e >= API_ERR_COUNT_ || api_errs[e].code == NULL)
		return 500;
	return api_errs[e].http;
}

const char *
api_err_code(enum api_err e)
{
	if ((unsigned)e >= API_ERR_COUNT_ || api_errs[e].code == NULL)
		return "internal";
	return api_errs[e].code;
}
