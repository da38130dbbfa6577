/*
 * Fuzz target for client/httpconn.c's response-head parser. Invariants: it
 * never reads past len (ASan); a complete head lies inside the input,
 * ends with CRLF CRLF, has a status in 200..599; an error or an
 * incomplete head leaves the output zeroed; and the parser is
 * prefix-stable: a complete head parses to the same result from any
 * longer input (bytes after the head are body, never head).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client/httpconn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct httpconn_head zero;
	struct httpconn_head h, h2;
	enum lien_status st = httpconn_parse_head(data, size, &h);
	uint8_t *copy;

	if (st != LIEN_OK || h.head_len == 0) {
		if (memcmp(&h, &zero, sizeof(h)) != 0)
			abort();
		return 0;
	}
	if (h.head_len > size || h.head_len < 4 ||
	    memcmp(data + h.head_len - 4, "\r\n\r\n", 4) != 0 ||
	    h.status < 200 || h.status > 599)
		abort();
	/* the head alone, in a buffer of exactly its length */
	if ((copy = malloc(h.head_len)) == NULL)
		return 0;
	memcpy(copy, data, h.head_len);
	st = httpconn_parse_head(copy, h.head_len, &h2);
	free(copy);
	if (st != LIEN_OK || memcmp(&h, &h2, sizeof(h)) != 0)
		abort();
	return 0;
}
