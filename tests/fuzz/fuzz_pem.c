/*
 * Fuzz target for the strict RFC 7468 reader (crypto/pem.h). Property:
 * strict means one spelling, so every block the reader accepts must be
 * byte for byte what pem_encode writes for its label and DER (allowing
 * only the CRLF form and a missing final line break), and a bundle walk
 * must always move forward and end.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/pem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* text[0..n) equals enc[0..en) with LF or CRLF line breaks, the final
 * one optional. */
static int
same_spelling(const char *text, size_t n, const char *enc, size_t en)
{
	int crlf = -1;
	size_t i = 0, j = 0;

	while (i < n && j < en) {
		if (enc[j] == '\n') {
			int cr = text[i] == '\r';

			if (crlf < 0)
				crlf = cr;
			if (cr != crlf || (cr && (++i == n)) || text[i] != '\n')
				return 0;
		} else if (text[i] != enc[j]) {
			return 0;
		}
		i++;
		j++;
	}
	return i == n && (j == en || (j + 1 == en && enc[j] == '\n'));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct pem_block b;
	size_t pos = 0;

	for (;;) {
		size_t before = pos, start, en;
		char *enc;
		enum lien_status st = pem_next(text, size, &pos, 1u << 16, &b);

		if (st != LIEN_OK) {
			if (pos != (st == LIEN_ENOTFOUND ? size : before))
				abort();
			break;
		}
		if (pos <= before || b.der == NULL || b.der_len == 0)
			abort();
		/* skip the line breaks pem_next skipped */
		start = before;
		while (text[start] == '\r' || text[start] == '\n')
			start++;
		if (pem_encode(b.label, b.der, b.der_len, &enc, &en) !=
		    LIEN_OK || !same_spelling(text + start, pos - start, enc,
		    en))
			abort();
		free(enc);
		pem_block_clear(&b);
	}
	return 0;
}
