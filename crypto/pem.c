/*
 * Strict RFC 7468 reader (crypto/pem.h).
 *
 * One pass over (ptr, len), line by line: a line ends at LF, and a CR is
 * allowed only right before that LF, in every line of a block or in none
 * (the BEGIN line decides). The base64 of the body is gathered into one
 * buffer and decoded by common/b64, which refuses anything but the
 * canonical encoding, so '=' inside the body, non-zero pad bits and stray
 * characters fail there; the line lengths are checked here. No recursion,
 * no strlen on the input, no allocation beyond the body and the DER.
 */
#include "crypto/pem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/b64.h"
#include "crypto/sign.h"

#define PEM_LINE 64u	/* RFC 7468 section 3: full lines are 64 chars */

static const char begin_pfx[] = "-----BEGIN ";
static const char end_pfx[] = "-----END ";
static const char dashes[] = "-----";

#define BEGIN_LEN (sizeof begin_pfx - 1)
#define END_LEN (sizeof end_pfx - 1)
#define DASHES_LEN (sizeof dashes - 1)

struct line {
	const char *p;		/* content, without the EOL */
	size_t n;
	size_t eol;		/* 0 (end of text), 1 (LF) or 2 (CRLF) */
};

/* The line at text[pos..len). A CR anywhere but before the LF is left in
 * the content, where no rule below accepts it. */
static void
line_at(const char *text, size_t len, size_t pos, struct line *l)
{
	const char *p = text + pos, *nl;

	nl = memchr(p, '\n', len - pos);
	l->p = p;
	if (nl == NULL) {
		l->n = len - pos;
		l->eol = 0;
	} else if (nl > p && nl[-1] == '\r') {
		l->n = (size_t)(nl - p) - 1;
		l->eol = 2;
	} else {
		l->n = (size_t)(nl - p);
		l->eol = 1;
	}
}

static int
labelchar(unsigned char c)
{
	return c >= 0x21 && c <= 0x7e && c != '-';
}

/* RFC 7468 section 3: labelchar *( ["-" / SP] labelchar ), 1..MAX. */
static int
label_ok(const char *s, size_t n)
{
	if (n == 0 || n > PEM_LABEL_MAX || !labelchar((unsigned char)s[0]) ||
	    !labelchar((unsigned char)s[n - 1]))
		return 0;
	for (size_t i = 1; i + 1 < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (labelchar(c))
			continue;
		if ((c != '-' && c != ' ') ||
		    !labelchar((unsigned char)s[i + 1]))
			return 0;
	}
	return 1;
}

void
pem_block_clear(struct pem_block *b)
{
	if (b == NULL)
		return;
	if (b->der != NULL) {
		secret_wipe(b->der, b->der_len);
		free(b->der);
	}
	memset(b, 0, sizeof *b);
}

/* Exactly one block at text[*pos..len); see pem.h for the grammar. */
static enum lien_status LIEN_MUST_CHECK
block_read(const char *text, size_t len, size_t *pos, size_t der_max,
    struct pem_block *out)
{
	struct line l;
	size_t p = *pos, eol, b64_len = 0, der_cap;
	char *b64 = NULL;
	int last_short = 0;
	enum lien_status st = LIEN_EPARSE;

	/* BEGIN line: "-----BEGIN " label "-----" EOL */
	line_at(text, len, p, &l);
	if (l.eol == 0 || l.n < BEGIN_LEN + 1 + DASHES_LEN ||
	    memcmp(l.p, begin_pfx, BEGIN_LEN) != 0 ||
	    memcmp(l.p + l.n - DASHES_LEN, dashes, DASHES_LEN) != 0 ||
	    !label_ok(l.p + BEGIN_LEN, l.n - BEGIN_LEN - DASHES_LEN))
		return LIEN_EPARSE;
	out->label_len = l.n - BEGIN_LEN - DASHES_LEN;
	memcpy(out->label, l.p + BEGIN_LEN, out->label_len);
	out->label[out->label_len] = '\0';
	eol = l.eol;
	p += l.n + l.eol;
	/* The body cannot be longer than what is left of the text. */
	if ((b64 = malloc(len - p + 1)) == NULL)
		return LIEN_ENOMEM;
	for (;;) {
		if (p == len)
			goto out;	/* no END line */
		line_at(text, len, p, &l);
		if (l.n >= END_LEN && memcmp(l.p, end_pfx, END_LEN) == 0)
			break;
		/* Every line but the last is full; the last is 4..64 chars,
		 * whole quanta. A blank line is a short line too. */
		if (l.eol != eol || last_short || l.n == 0 ||
		    l.n > PEM_LINE || l.n % 4 != 0)
			goto out;
		last_short = l.n < PEM_LINE;
		memcpy(b64 + b64_len, l.p, l.n);
		b64_len += l.n;
		p += l.n + l.eol;
	}
	/* END line: the same label; its EOL optional only at the end. */
	if (b64_len == 0 || l.n != END_LEN + out->label_len + DASHES_LEN ||
	    memcmp(l.p + END_LEN, out->label, out->label_len) != 0 ||
	    memcmp(l.p + END_LEN + out->label_len, dashes, DASHES_LEN) != 0 ||
	    (l.eol != eol && !(l.eol == 0 && p + l.n == len)))
		goto out;
	/* b64_len / 4 * 3 less the padding is the DER length; the padding
	 * is at most 2, so anything above der_max + 2 is too big for sure. */
	der_cap = b64_len / 4 * 3;
	if (der_cap > der_max + 2) {
		st = LIEN_ETOOBIG;
		goto out;
	}
	if ((out->der = malloc(der_cap)) == NULL) {
		st = LIEN_ENOMEM;
		goto out;
	}
	if (b64_decode(b64, b64_len, out->der, der_cap, &out->der_len) !=
	    LIEN_OK)
		goto out;
	if (out->der_len > der_max) {
		st = LIEN_ETOOBIG;
		goto out;
	}
	*pos = p + l.n + l.eol;
	st = LIEN_OK;
out:
	secret_wipe(b64, b64_len);	/* the body of a private key */
	free(b64);
	if (st != LIEN_OK)
		pem_block_clear(out);
	return st;
}

enum lien_status
pem_next(const char *text, size_t len, size_t *pos, size_t der_max,
    struct pem_block *out)
{
	size_t p = *pos;
	enum lien_status st;

	memset(out, 0, sizeof *out);
	if ((text == NULL && len != 0) || p > len)
		return LIEN_EINVAL;
	while (p < len && (text[p] == '\n' ||
	    (text[p] == '\r' && len - p > 1 && text[p + 1] == '\n')))
		p += text[p] == '\n' ? 1 : 2;
	if (p == len) {
		*pos = len;
		return LIEN_ENOTFOUND;
	}
	if ((st = block_read(text, len, &p, der_max, out)) == LIEN_OK)
		*pos = p;
	return st;
}

enum lien_status
pem_decode(const char *text, size_t len, const char *label, size_t der_max,
    uint8_t **out_der, size_t *out_len)
{
	struct pem_block b;
	size_t p = 0;
	enum lien_status st;

	*out_der = NULL;
	*out_len = 0;
	memset(&b, 0, sizeof b);
	if (text == NULL || len == 0)
		return text == NULL && len != 0 ? LIEN_EINVAL : LIEN_EPARSE;
	if ((st = block_read(text, len, &p, der_max, &b)) != LIEN_OK)
		return st;
	if (p != len || strcmp(b.label, label) != 0) {
		pem_block_clear(&b);
		return LIEN_EPARSE;
	}
	*out_der = b.der;
	*out_len = b.der_len;
	return LIEN_OK;
}

enum lien_status
pem_encode(const char *label, const uint8_t *der, size_t der_len, char **out,
    size_t *out_len)
{
	size_t ll = strlen(label), nb, lines, cap, o = 0;
	char *b64 = NULL, *p;
	enum lien_status st;

	*out = NULL;
	*out_len = 0;
	if (!label_ok(label, ll) || der_len == 0 ||
	    der_len > (SIZE_MAX / 4 - 2) * 3)
		return LIEN_EINVAL;
	nb = B64_ENCODED_LEN(der_len);
	lines = (nb + PEM_LINE - 1) / PEM_LINE;
	cap = BEGIN_LEN + ll + DASHES_LEN + 1 + nb + lines + END_LEN + ll +
	    DASHES_LEN + 1 + 1;
	if ((b64 = malloc(nb + 1)) == NULL || (p = malloc(cap)) == NULL) {
		free(b64);
		return LIEN_ENOMEM;
	}
	if ((st = b64_encode(der, der_len, b64, nb + 1)) != LIEN_OK) {
		secret_wipe(b64, nb);
		free(b64);
		free(p);
		return st;
	}
#define PUT(s, n) (memcpy(p + o, (s), (n)), o += (n))
	PUT(begin_pfx, BEGIN_LEN);
	PUT(label, ll);
	PUT(dashes, DASHES_LEN);
	PUT("\n", 1);
	for (size_t i = 0; i < nb; i += PEM_LINE) {
		size_t n = nb - i < PEM_LINE ? nb - i : PEM_LINE;

		PUT(b64 + i, n);
		PUT("\n", 1);
	}
	PUT(end_pfx, END_LEN);
	PUT(label, ll);
	PUT(dashes, DASHES_LEN);
	PUT("\n", 1);
#undef PUT
	p[o] = '\0';
	secret_wipe(b64, nb);
	free(b64);
	*out = p;
	*out_len = o;
	return LIEN_OK;
}
