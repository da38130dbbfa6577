/*
 * Fuzz target for certificates from the wire (crypto/cert.h): the input
 * is tried as text (PEM or base64 DER) and as DER; whatever parses must
 * yield consistent info and re-expose exactly its DER. No trust store:
 * chain verification is OpenSSL's and runs only on parsed certificates.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/cert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
exercise(struct cert *c)
{
	struct cert_info ci;
	const uint8_t *der;
	size_t n = 0;
	struct cert *again = NULL;

	if (cert_info_get(c, &ci) == LIEN_OK &&
	    (ci.cn_len > CERT_CN_MAX || ci.serial_len > CERT_SERIAL_MAX ||
	    (ci.uscc_len != 0 && ci.uscc_len != CERT_USCC_LEN)))
		abort();
	/* what parsed re-parses to the same certificate */
	der = cert_der_get0(c, &n);
	if (cert_parse_der(der, n, &again) != LIEN_OK)
		abort();
	cert_free(again);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cert *c = NULL;

	if (cert_parse_text((const char *)data, size, &c) == LIEN_OK) {
		exercise(c);
		cert_free(c);
	}
	if (cert_parse_der(data, size, &c) == LIEN_OK) {
		if (memcmp(cert_der_get0(c, &size), data, size) != 0)
			abort();
		exercise(c);
		cert_free(c);
	}
	return 0;
}
