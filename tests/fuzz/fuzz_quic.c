/* Fuzz the QUIC Initial decoder (sensor/proto/quic_initial.c) directly.
 * Byte 0 picks the mode.  Bit 0 clear, "raw": records [dir:1][len:2 BE]
 * [bytes:len] are fed as client (dir bit 0 clear) or server datagrams.  Bit
 * 0 set, "sealed": records [len:2 BE][frames:len] are each protected here as
 * a client Initial (packet number = record index, DCID 8394c8f03e515708,
 * version from bits 1-2: v1, v2, draft-29, Q050) so that the fuzzer reaches
 * frame walking and CRYPTO reassembly behind the AEAD.  A completed first
 * message goes through the ClientHello or CHLO parser and JA4, as the
 * parser does with it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "sensor/proto/quic.h"
#include "sensor/proto/tls_hello.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint32_t versions[4] = { 0x00000001, 0x6b3343cf, 0xff00001d, 0x51303530 };
static const uint8_t dcid[8] = { 0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08 };

/* Sender-side protection of one Initial (AES-128-GCM, then the header
 * mask); returns the packet length in out, or 0 when frames do not fit. */
static size_t seal(const struct sl_quic_keys *k, uint32_t version, uint32_t pn,
		   const uint8_t *frames, size_t flen, uint8_t *out, size_t cap)
{
	size_t plen = flen < 20 ? 20 : flen, h = 0; /* room for the 16-byte sample */
	if (plen + 64 > cap || plen > 16000)
		return 0;
	out[h++] = version == 0x6b3343cf ? 0xd3 : 0xc3;
	for (int i = 3; i >= 0; i--)
		out[h++] = (uint8_t)(version >> (8 * i));
	out[h++] = sizeof(dcid);
	memcpy(out + h, dcid, sizeof(dcid));
	h += sizeof(dcid);
	out[h++] = 0; /* SCID */
	out[h++] = 0; /* token */
	size_t length = 4 + plen + 16;
	out[h++] = (uint8_t)(0x40 | (length >> 8));
	out[h++] = (uint8_t)length;
	size_t pn_off = h;
	for (int i = 3; i >= 0; i--)
		out[h++] = (uint8_t)(pn >> (8 * i));
	memset(out + h, 0, plen);
	memcpy(out + h, frames, flen);
	uint8_t nonce[12], mask[16];
	memcpy(nonce, k->iv, 12);
	for (int i = 0; i < 4; i++)
		nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
	int n = 0;
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, k->key, nonce);
	EVP_EncryptUpdate(c, NULL, &n, out, (int)h);
	EVP_EncryptUpdate(c, out + h, &n, out + h, (int)plen);
	EVP_EncryptFinal_ex(c, out + h + plen, &n);
	EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, out + h + plen);
	EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, k->hp, NULL);
	EVP_CIPHER_CTX_set_padding(c, 0);
	EVP_EncryptUpdate(c, mask, &n, out + pn_off + 4, 16);
	EVP_CIPHER_CTX_free(c);
	out[0] ^= mask[0] & 0x0f;
	for (int i = 0; i < 4; i++)
		out[pn_off + i] ^= mask[1 + i];
	return h + plen + 16;
}

static void finish_message(struct sl_quic_initial *s)
{
	size_t len;
	const uint8_t *m = sl_quic_initial_message(s, &len);
	if (!m)
		return;
	if (sl_quic_version_gquic(s->version)) {
		struct sl_gquic_chlo c;
		sl_gquic_parse_chlo(m, len, &c);
		return;
	}
	struct sl_tls_client_hello ch;
	char ja4[SL_JA4_LEN];
	if (len >= 4 && sl_tls_parse_client_hello(m + 4, len - 4, &ch) == 0)
		sl_tls_ja4(&ch, 'q', ja4);
}

static void run_raw(struct sl_quic_crypto *qc, struct sl_quic_initial *s, const uint8_t *d,
		    size_t size)
{
	for (size_t i = 0; i + 3 <= size;) {
		bool server = d[i] & 1;
		size_t len = ((size_t)d[i + 1] << 8) | d[i + 2];
		i += 3;
		if (len > size - i)
			len = size - i;
		uint8_t *pkt = malloc(len ? len : 1); /* exact size: ASan sees overreads */
		memcpy(pkt, d + i, len);
		if (server)
			sl_quic_initial_server(s, pkt, len);
		else
			sl_quic_initial_client(qc, s, pkt, len);
		free(pkt);
		i += len;
	}
}

static void run_sealed(struct sl_quic_crypto *qc, struct sl_quic_initial *s, uint32_t version,
		       const uint8_t *d, size_t size)
{
	static uint8_t out[16384 + 128];
	struct sl_quic_keys k;
	if (sl_quic_client_keys(qc, version, dcid, sizeof(dcid), &k) < 0)
		return;
	uint32_t pn = 0;
	for (size_t i = 0; i + 2 <= size; pn++) {
		size_t len = ((size_t)d[i] << 8) | d[i + 1];
		i += 2;
		if (len > size - i)
			len = size - i;
		size_t n = seal(&k, version, pn, d + i, len, out, sizeof(out));
		if (n) {
			uint8_t *pkt = malloc(n);
			memcpy(pkt, out, n);
			sl_quic_initial_client(qc, s, pkt, n);
			free(pkt);
		}
		i += len;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sl_quic_crypto *qc;
	if (!qc && sl_quic_crypto_create(&qc) < 0)
		abort();
	if (size < 1)
		return 0;
	struct sl_quic_initial s;
	sl_quic_initial_init(&s);
	if (data[0] & 1)
		run_sealed(qc, &s, versions[(data[0] >> 1) & 3], data + 1, size - 1);
	else
		run_raw(qc, &s, data + 1, size - 1);
	finish_message(&s);
	sl_quic_initial_finish(&s);
	return 0;
}
