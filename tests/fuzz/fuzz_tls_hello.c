/* Fuzz the ClientHello parser and the fingerprints computed from it (JA3
 * with a roomy and a tiny buffer, JA4 for each transport) on raw handshake
 * bodies; the same bytes also go through the certificate reader. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../sensor/proto/tls_priv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a private copy of exactly size bytes, so ASan sees any overread */
	uint8_t *copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	struct sl_tls_client_hello ch;
	if (sl_tls_parse_client_hello(copy, size, &ch) == 0) {
		char str[4096], tiny[7], md5[33], ja4[SL_JA4_LEN];
		sl_tls_ja3(&ch, str, sizeof(str), md5);
		sl_tls_ja3(&ch, tiny, sizeof(tiny), md5);
		sl_tls_ja4(&ch, 't', ja4);
		sl_tls_ja4(&ch, 'q', ja4);
		sl_tls_ja4(&ch, 'd', ja4);
		if (strlen(ja4) != SL_JA4_LEN - 1)
			abort();
	}
	struct sl_tls_cert cert;
	sl_tls_cert_parse(copy, size, &cert);
	free(copy);
	return 0;
}
