/* Unit tests for QUIC Initial decoding (sensor/proto/quic_crypto.c,
 * quic_initial.c): the RFC 9001 and RFC 9369 Appendix A vectors, damaged
 * packets, CRYPTO reassembly, coalescing, Retry, and the gQUIC CHLO. */
#include <errno.h>
#include <stdlib.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include "protohelp.h"
#include "quic_vectors.h"
#include "sensor/proto/quic.h"
#include "testhelp.h"

static struct sl_quic_crypto *qc;

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = 0;
	for (; h[0] && h[1] && n < cap; h += 2) {
		unsigned v;
		sscanf(h, "%2x", &v);
		out[n++] = (uint8_t)v;
	}
	return n;
}

static bool eq_hex(const uint8_t *b, size_t n, const char *h)
{
	uint8_t x[64];
	return unhex(h, x, sizeof(x)) == n && memcmp(b, x, n) == 0;
}

/* The test's own sealer (sender side, straight libcrypto): AES-128-GCM over
 * payload with hdr as associated data, then header protection.  Checked
 * against the RFC's protected packet before it is trusted elsewhere. */
static size_t seal(const struct sl_quic_keys *k, const uint8_t *hdr, size_t hlen, size_t pn_len,
		   uint64_t pn, const uint8_t *payload, size_t plen, uint8_t *out)
{
	uint8_t nonce[12], mask[16];
	int n = 0;
	memcpy(nonce, k->iv, 12);
	for (int i = 0; i < 8; i++)
		nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, k->key, nonce);
	EVP_EncryptUpdate(c, NULL, &n, hdr, (int)hlen);
	EVP_EncryptUpdate(c, out + hlen, &n, payload, (int)plen);
	EVP_EncryptFinal_ex(c, out + hlen + n, &n);
	EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, out + hlen + plen);
	EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, k->hp, NULL);
	EVP_CIPHER_CTX_set_padding(c, 0);
	size_t pn_off = hlen - pn_len;
	EVP_EncryptUpdate(c, mask, &n, out + pn_off + 4, 16);
	EVP_CIPHER_CTX_free(c);
	memcpy(out, hdr, hlen);
	out[0] ^= mask[0] & 0x0f;
	for (size_t i = 0; i < pn_len; i++)
		out[pn_off + i] ^= mask[1 + i];
	return hlen + plen + 16;
}

/* A client Initial with Destination dcid_hex under the keys of key_dcid_hex:
 * 4-byte packet number, frames padded to plen bytes. */
static size_t make_initial_keyed(uint32_t version, const char *dcid_hex, const char *key_dcid_hex,
				 uint64_t pn, const uint8_t *frames, size_t flen, size_t plen,
				 uint8_t *out)
{
	uint8_t hdr[64], dcid[20], payload[1400] = { 0 };
	size_t dl = unhex(key_dcid_hex, dcid, sizeof(dcid)), h = 0;
	struct sl_quic_keys k;
	sl_quic_client_keys(qc, version, dcid, dl, &k);
	dl = unhex(dcid_hex, dcid, sizeof(dcid));
	hdr[h++] = version == 0x6b3343cf ? 0xd3 : 0xc3;
	for (int i = 3; i >= 0; i--)
		hdr[h++] = (uint8_t)(version >> (8 * i));
	hdr[h++] = (uint8_t)dl;
	memcpy(hdr + h, dcid, dl);
	h += dl;
	hdr[h++] = 4; /* SCID */
	memcpy(hdr + h, "\x0a\x0b\x0c\x0d", 4);
	h += 4;
	hdr[h++] = 0; /* no token */
	size_t length = 4 + plen + 16;
	hdr[h++] = (uint8_t)(0x40 | (length >> 8));
	hdr[h++] = (uint8_t)length;
	for (int i = 3; i >= 0; i--)
		hdr[h++] = (uint8_t)(pn >> (8 * i));
	memcpy(payload, frames, flen);
	return seal(&k, hdr, h, 4, pn, payload, plen, out);
}

static size_t make_initial(uint32_t version, const char *dcid_hex, uint64_t pn,
			   const uint8_t *frames, size_t flen, size_t plen, uint8_t *out)
{
	return make_initial_keyed(version, dcid_hex, dcid_hex, pn, frames, flen, plen, out);
}

/* The RFC ClientHello: 241 bytes, handshake header included. */
static size_t rfc_hello(uint8_t *out)
{
	uint8_t p[300];
	size_t n = unhex(rfc_payload_hex, p, sizeof(p));
	memcpy(out, p + 4, n - 4);
	return n - 4;
}

/* CRYPTO frame for hello[a, b) with 2-byte varint offset and length. */
static size_t crypto_frame(const uint8_t *hello, size_t a, size_t b, uint8_t *out)
{
	out[0] = 0x06;
	out[1] = (uint8_t)(0x40 | (a >> 8));
	out[2] = (uint8_t)a;
	out[3] = (uint8_t)(0x40 | ((b - a) >> 8));
	out[4] = (uint8_t)(b - a);
	memcpy(out + 5, hello + a, b - a);
	return 5 + (b - a);
}

static void test_keys(void)
{
	TEST("quic: Initial keys of RFC 9001 A.1 and RFC 9369 A.1");
	uint8_t dcid[8];
	struct sl_quic_keys k;
	unhex(RFC_DCID, dcid, 8);
	CHECK_EQ_INT(sl_quic_client_keys(qc, 1, dcid, 8, &k), 0);
	CHECK(eq_hex(k.key, 16, RFC9001_KEY));
	CHECK(eq_hex(k.iv, 12, RFC9001_IV));
	CHECK(eq_hex(k.hp, 16, RFC9001_HP));
	CHECK_EQ_INT(sl_quic_client_keys(qc, 0x6b3343cf, dcid, 8, &k), 0);
	CHECK(eq_hex(k.key, 16, RFC9369_KEY));
	CHECK(eq_hex(k.iv, 12, RFC9369_IV));
	CHECK(eq_hex(k.hp, 16, RFC9369_HP));
	CHECK_EQ_INT(sl_quic_client_keys(qc, 0x12345678, dcid, 8, &k), -EINVAL);
	CHECK_EQ_INT(sl_quic_client_keys(qc, 1, dcid, 0, &k), -EINVAL);
	CHECK_EQ_INT(sl_quic_client_keys(qc, 1, dcid, 21, &k), -EINVAL);
}

/* HKDF the plain way, through libcrypto's own KDF: extract (salt NULL:
 * expand prk with the TLS 1.3 label of out_len bytes, empty context). */
static bool ref_hkdf(const uint8_t *salt, const uint8_t *ikm, size_t ikm_len, const char *label,
		     uint8_t *out, size_t out_len)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *k = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	uint8_t info[64];
	size_t ll = label ? strlen(label) : 0, n = 0;
	info[n++] = (uint8_t)(out_len >> 8);
	info[n++] = (uint8_t)out_len;
	info[n++] = (uint8_t)(6 + ll);
	memcpy(info + n, "tls13 ", 6);
	memcpy(info + n + 6, label ? label : "", ll);
	n += 6 + ll;
	info[n++] = 0;
	int mode = salt ? EVP_KDF_HKDF_MODE_EXTRACT_ONLY : EVP_KDF_HKDF_MODE_EXPAND_ONLY;
	OSSL_PARAM p[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0),
		OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ikm_len),
		salt ? OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, 20) :
		       OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, n),
		OSSL_PARAM_construct_end(),
	};
	bool ok = k && EVP_KDF_derive(k, out, out_len, p) > 0;
	EVP_KDF_CTX_free(k);
	EVP_KDF_free(kdf);
	return ok;
}

/* Each family's salt as its spec prints it (RFC 9001 5.2, RFC 9369 3.3.1,
 * draft-ietf-quic-tls-23 and -29 5.2, Google's Q050 obfuscator). */
static const struct {
	uint32_t version;
	const char *salt;
} families[] = {
	{ 0x00000001, "38762cf7f55934b34d179ae6a4c80cadccbb7f0a" },
	{ 0x6b3343cf, "0dede3def700a6db819381be6e269dcbf9bd2ed9" },
	{ 0x51303530, "504574efd066fe2f9d945cfcdbd3a7f0d3b56b45" },
	{ 0xff00001d, "afbfec289993d24c9e9786f19c6111e04390a899" },
	{ 0xff000020, "afbfec289993d24c9e9786f19c6111e04390a899" },
	{ 0xff000017, "c3eef712c72ebb5a11a7d2432bb46365bef9f502" },
	{ 0xff00001c, "c3eef712c72ebb5a11a7d2432bb46365bef9f502" },
};

static bool ref_keys(uint32_t version, const char *salt_hex, const uint8_t *dcid, size_t dl,
		     struct sl_quic_keys *k)
{
	uint8_t salt[20], initial[32], client[32];
	bool v2 = version == 0x6b3343cf;
	unhex(salt_hex, salt, sizeof(salt));
	return ref_hkdf(salt, dcid, dl, NULL, initial, 32) &&
	       ref_hkdf(NULL, initial, 32, "client in", client, 32) &&
	       ref_hkdf(NULL, client, 32, v2 ? "quicv2 key" : "quic key", k->key, 16) &&
	       ref_hkdf(NULL, client, 32, v2 ? "quicv2 iv" : "quic iv", k->iv, 12) &&
	       ref_hkdf(NULL, client, 32, v2 ? "quicv2 hp" : "quic hp", k->hp, 16);
}

/* The derivation keeps keyed HMAC contexts between steps and calls (one
 * per salt, the client secret for its three labels): over random DCIDs of
 * every length and the families in random order, its keys are those of
 * the plain HKDF, so no step reads a key left from another. */
static void test_keys_random(void)
{
	TEST("quic: Initial keys equal plain HKDF over 3000 random DCIDs and every version family");
	srand(14);
	unsigned bad = 0;
	for (int i = 0; i < 3000; i++) {
		uint8_t dcid[20];
		size_t dl = 1 + (size_t)rand() % 20, f = (size_t)rand() % ARRAY_SIZE(families);
		for (size_t b = 0; b < dl; b++)
			dcid[b] = (uint8_t)rand();
		struct sl_quic_keys got, want;
		if (sl_quic_client_keys(qc, families[f].version, dcid, dl, &got) != 0 ||
		    !ref_keys(families[f].version, families[f].salt, dcid, dl, &want) ||
		    memcmp(&got, &want, sizeof(got)) != 0)
			bad++;
	}
	CHECK_EQ_INT(bad, 0);
}

/* The sealer reproduces both RFCs' protected packets byte for byte, which
 * also checks the header-protection sample and mask of RFC 9001 A.2. */
static void test_sealer_matches_rfc(void)
{
	TEST("quic: protecting the A.2 payload gives the RFCs' packets (sample, mask)");
	uint8_t dcid[8], hdr[32], payload[1162] = { 0 }, out[1200], want[1200];
	struct sl_quic_keys k;
	unhex(RFC_DCID, dcid, 8);
	unhex(rfc_payload_hex, payload, sizeof(payload));
	sl_quic_client_keys(qc, 1, dcid, 8, &k);
	size_t hl = unhex(RFC9001_HEADER, hdr, sizeof(hdr));
	CHECK_EQ_INT(seal(&k, hdr, hl, 4, 2, payload, sizeof(payload), out), 1200);
	CHECK_EQ_INT(unhex(rfc9001_packet_hex, want, sizeof(want)), 1200);
	CHECK(memcmp(out, want, 1200) == 0);
	CHECK(eq_hex(out + 22, 16, RFC9001_SAMPLE));
	uint8_t mask[5] = { (uint8_t)(out[0] ^ hdr[0]) };
	for (int i = 1; i < 5; i++)
		mask[i] = out[17 + i] ^ hdr[17 + i];
	CHECK_EQ_INT(mask[0], 0x43 & 0x0f); /* long header: low 4 bits only */
	CHECK(eq_hex(mask + 1, 4, RFC9001_MASK + 2));
	sl_quic_client_keys(qc, 0x6b3343cf, dcid, 8, &k);
	hl = unhex(RFC9369_HEADER, hdr, sizeof(hdr));
	seal(&k, hdr, hl, 4, 2, payload, sizeof(payload), out);
	unhex(rfc9369_packet_hex, want, sizeof(want));
	CHECK(memcmp(out, want, 1200) == 0);
}

static void check_open(const char *packet_hex, uint32_t version)
{
	uint8_t pkt[1200], dcid[8], payload[1162] = { 0 }, out[SL_QUIC_PACKET_MAX];
	struct sl_quic_keys k;
	size_t n = 0;
	uint64_t pn = 0;
	unhex(packet_hex, pkt, sizeof(pkt));
	unhex(RFC_DCID, dcid, 8);
	unhex(rfc_payload_hex, payload, sizeof(payload));
	sl_quic_client_keys(qc, version, dcid, 8, &k);
	CHECK_EQ_INT(sl_quic_open(qc, &k, pkt, sizeof(pkt), 18, -1, out, sizeof(out), &n, &pn), 0);
	CHECK_EQ_INT(pn, 2);
	CHECK_EQ_INT(n, 1162);
	CHECK(memcmp(out, payload, sizeof(payload)) == 0);
	CHECK_EQ_INT(sl_quic_open(qc, &k, pkt, sizeof(pkt), 18, -1, out, 100, &n, &pn), -EINVAL);
}

static void test_open_rfc(void)
{
	TEST("quic: the A.2 packets decrypt to the RFC payload, packet number 2");
	check_open(rfc9001_packet_hex, 1);
	check_open(rfc9369_packet_hex, 0x6b3343cf);
}

static void check_initial(const char *packet_hex)
{
	uint8_t pkt[1200], hello[300];
	size_t hl = rfc_hello(hello), n = 0;
	struct sl_quic_initial s;
	unhex(packet_hex, pkt, sizeof(pkt));
	sl_quic_initial_init(&s);
	CHECK_EQ_INT(sl_quic_initial_client(qc, &s, pkt, sizeof(pkt)), 1);
	const uint8_t *m = sl_quic_initial_message(&s, &n);
	CHECK(m != NULL);
	CHECK_EQ_INT(n, 241);
	CHECK(m && n == hl && memcmp(m, hello, hl) == 0);
	CHECK(m && memmem(m, n, "example.com", 11) != NULL);
	CHECK_EQ_INT(s.dcid_len, 8);
	CHECK(eq_hex(s.dcid, 8, RFC_DCID));
	sl_quic_initial_finish(&s);
	CHECK(s.buf == NULL);
}

static void test_initial_rfc(void)
{
	TEST("quic: the A.2 datagrams yield the ClientHello for example.com");
	check_initial(rfc9001_packet_hex);
	check_initial(rfc9369_packet_hex);
}

/* Every cut of the packet fails cleanly, each in an exact-size heap copy so
 * the sanitizers see any read past the end. */
static void test_truncated(void)
{
	TEST("quic: truncated Initial packets are refused, never read past");
	uint8_t pkt[1200];
	unhex(rfc9001_packet_hex, pkt, sizeof(pkt));
	int bad = 0;
	for (size_t len = 0; len < sizeof(pkt); len++) {
		struct sl_quic_initial s;
		size_t n;
		uint8_t *copy = malloc(len ? len : 1);
		memcpy(copy, pkt, len);
		sl_quic_initial_init(&s);
		int rc = sl_quic_initial_client(qc, &s, copy, len);
		bad += rc >= 0 && len > 0;
		bad += sl_quic_initial_message(&s, &n) != NULL;
		sl_quic_initial_finish(&s);
		free(copy);
	}
	CHECK_EQ_INT(bad, 0);
}

static void test_corrupted(void)
{
	TEST("quic: a corrupted packet fails the tag and is only 'not decrypted'");
	static const size_t where[] = { 100, 1199, 7, 20 }; /* payload, tag, DCID, packet number */
	uint8_t pkt[1200];
	size_t n;
	for (size_t i = 0; i < ARRAY_SIZE(where); i++) {
		struct sl_quic_initial s;
		unhex(rfc9001_packet_hex, pkt, sizeof(pkt));
		pkt[where[i]] ^= 0x01;
		sl_quic_initial_init(&s);
		CHECK_EQ_INT(sl_quic_initial_client(qc, &s, pkt, sizeof(pkt)), -EBADMSG);
		CHECK(sl_quic_initial_message(&s, &n) == NULL);
		CHECK_EQ_INT(s.failures, 1);
		sl_quic_initial_finish(&s);
	}
	struct sl_quic_initial s;
	sl_quic_initial_init(&s);
	for (int i = 0; i < SL_QUIC_FAIL_MAX + 3; i++)
		sl_quic_initial_client(qc, &s, pkt, sizeof(pkt));
	CHECK_EQ_INT(s.failures, SL_QUIC_FAIL_MAX); /* stops trying */
	unhex(rfc9001_packet_hex, pkt, sizeof(pkt));
	CHECK_EQ_INT(sl_quic_initial_client(qc, &s, pkt, sizeof(pkt)), -EBADMSG);
	sl_quic_initial_finish(&s);
}

static void test_out_of_order(void)
{
	TEST("quic: CRYPTO frames out of order across two packets");
	uint8_t hello[300], f[600], pkt[1400];
	size_t hl = rfc_hello(hello), n;
	struct sl_quic_initial s;
	sl_quic_initial_init(&s);
	size_t fl = crypto_frame(hello, 150, hl, f);
	size_t pl = make_initial(1, RFC_DCID, 0, f, fl, 1162, pkt);
	CHECK_EQ_INT(sl_quic_initial_client(qc, &s, pkt, pl), 1);
	CHECK(sl_quic_initial_message(&s, &n) == NULL);
	CHECK_EQ_INT(s.contig, 0);
	/* second packet: [60,150) then [0,60), an ACK and a PING between */
	fl = crypto_frame(hello, 60, 150, f);
	memcpy(f + fl, "\x02\x00\x00\x00\x00\x01", 6);
	fl += 6;
	fl += crypto_frame(hello, 0, 60, f + fl);
	pl = make_initial(1, RFC_DCID, 1, f, fl, 1162, pkt);
	CHECK_EQ_INT(sl_quic_initial_client(qc, &s, pkt, pl), 1);
	const uint8_t *m = sl_quic_initial_message(&s, &n);
	CHECK(m && n == hl && memcmp(m, hello, hl) == 0);
	CHECK_EQ_INT(s.largest_pn, 1);
	sl_quic_initial_finish(&s);
}

/* The hello in random pieces (overlapping, repeated, any order) over one
 * to four packets, runs of PADDING of random length between the frames:
 * after every packet the bytes received without a gap (contig) equal a
 * plain bool-per-byte count, and the message comes exactly when all of
 * it is in. */
static void test_random_pieces(void)
{
	TEST("quic: random CRYPTO pieces and PADDING runs: contig and completion as counted byte by byte");
	uint8_t hello[300], f[1200], pkt[1400];
	size_t hl = rfc_hello(hello), n;
	unsigned seed = 7, bad = 0;
	for (int round = 0; round < 400; round++) {
		struct sl_quic_initial s;
		bool have[300] = { false };
		size_t contig = 0;
		sl_quic_initial_init(&s);
		for (uint64_t pn = 0; pn < 4 && contig < hl; pn++) {
			size_t fl = 0;
			for (int k = (int)(rand_r(&seed) % 4) + 1; k > 0; k--) {
				size_t a = (size_t)rand_r(&seed) % hl;
				if (rand_r(&seed) % 3 == 0 && contig < hl)
					a = contig; /* often extend the run */
				size_t b = a + 1 + (size_t)rand_r(&seed) % (hl - a);
				size_t pad = (size_t)rand_r(&seed) % 20;
				memset(f + fl, 0, pad);
				fl += pad;
				fl += crypto_frame(hello, a, b, f + fl);
				for (size_t i = a; i < b; i++)
					have[i] = true;
			}
			while (contig < hl && have[contig])
				contig++;
			size_t pl = make_initial(1, RFC_DCID, pn, f, fl, 1162, pkt);
			bad += sl_quic_initial_client(qc, &s, pkt, pl) != 1;
			const uint8_t *m = sl_quic_initial_message(&s, &n);
			bad += s.contig != contig;
			bad += contig < hl ? m != NULL : !m || n != hl || memcmp(m, hello, hl) != 0;
		}
		sl_quic_initial_finish(&s);
	}
	CHECK_EQ_INT(bad, 0);
}

/* Initial + 0-RTT in one datagram, then Initial (new DCID chosen by the
 * server, keys still from the first) + Handshake + trailing zeros. */
static void test_coalesced(void)
{
	TEST("quic: coalesced packets walked by Length; keys stay with the first DCID");
	uint8_t hello[300], f[600], d[2600], junk[64];
	size_t hl = rfc_hello(hello), n;
	memset(junk, 0x5a, sizeof(junk));
	struct sl_quic_initial s;
	sl_quic_initial_init(&s);
	size_t fl = crypto_frame(hello, 0, 100, f);
	size_t dl = make_initial(1, RFC_DCID, 0, f, fl, 1000, d);
	memcpy(d + dl, "\xd1\x00\x00\x00\x01\x08\x83\x94\xc8\xf0\x3e\x51\x57\x08\x00\x40\x40", 17);
	memcpy(d + dl + 17, junk, 64); /* 0-RTT: opaque, skipped */
	dl += 17 + 64;
	CHECK_EQ_INT(sl_quic_initial_client(qc, &s, d, dl), 1);
	CHECK(sl_quic_initial_message(&s, &n) == NULL);
	fl = crypto_frame(hello, 100, hl, f);
	dl = make_initial_keyed(1, "0a0b0c0d", RFC_DCID, 1, f, fl, 1000, d);
	memcpy(d + dl, "\xe1\x00\x00\x00\x01\x04\x0a\x0b\x0c\x0d\x00\x40\x40", 13);
	memcpy(d + dl + 13, junk, 64); /* Handshake */
	memset(d + dl + 77, 0, 100);
	dl += 177;
	CHECK_EQ_INT(sl_quic_initial_client(qc, &s, d, dl), 1);
	const uint8_t *m = sl_quic_initial_message(&s, &n);
	CHECK(m && n == hl && memcmp(m, hello, hl) == 0);
	CHECK(eq_hex(s.dcid, s.dcid_len, RFC_DCID));
	sl_quic_initial_finish(&s);
}

/* After a Retry the client derives keys from the server's new CID. */
static void test_retry(void)
{
	TEST("quic: keys follow a Retry's connection ID (seen or not)");
	static const uint8_t retry[] = { 0xf0, 0, 0, 0, 1, 4, 0x0a, 0x0b, 0x0c, 0x0d,
					 8, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
					 't', 'o', 'k', 'e', 'n' };
	uint8_t hello[300], f[600], d[1400];
	size_t hl = rfc_hello(hello), n;
	for (int seen = 0; seen < 2; seen++) {
		struct sl_quic_initial s;
		sl_quic_initial_init(&s);
		size_t fl = crypto_frame(hello, 0, 100, f);
		size_t dl = make_initial(1, RFC_DCID, 0, f, fl, 1162, d);
		CHECK_EQ_INT(sl_quic_initial_client(qc, &s, d, dl), 1);
		if (seen)
			sl_quic_initial_server(&s, retry, sizeof(retry));
		CHECK_EQ_INT(s.have_keys, !seen);
		fl = crypto_frame(hello, 0, hl, f);
		dl = make_initial(1, "1122334455667788", 1, f, fl, 1162, d);
		CHECK_EQ_INT(sl_quic_initial_client(qc, &s, d, dl), 1);
		const uint8_t *m = sl_quic_initial_message(&s, &n);
		CHECK(m && n == hl && memcmp(m, hello, hl) == 0);
		CHECK(eq_hex(s.dcid, s.dcid_len, "1122334455667788"));
		sl_quic_initial_finish(&s);
	}
}

static void test_not_hello(void)
{
	TEST("quic: a first message that is not a ClientHello is given up");
	uint8_t f[64] = { 0x06, 0x00, 0x08, 2, 0, 0, 4, 'a', 'b', 'c', 'd' }, d[1400];
	struct sl_quic_initial s;
	size_t n;
	sl_quic_initial_init(&s);
	size_t dl = make_initial(1, RFC_DCID, 0, f, 11, 1162, d);
	CHECK_EQ_INT(sl_quic_initial_client(qc, &s, d, dl), 1);
	CHECK(s.gave_up);
	CHECK(sl_quic_initial_message(&s, &n) == NULL);
	sl_quic_initial_finish(&s);
	/* a ClientHello longer than the buffer */
	uint8_t g[16] = { 0x06, 0x00, 0x08, 1, 0x01, 0x00, 0x00, 'x', 'y', 'z', 'w', 'v' };
	sl_quic_initial_init(&s);
	dl = make_initial(1, RFC_DCID, 0, g, 12, 1162, d);
	CHECK_EQ_INT(sl_quic_initial_client(qc, &s, d, dl), 1);
	CHECK(s.gave_up);
	sl_quic_initial_finish(&s);
}

static void test_versions(void)
{
	TEST("quic: version names, known versions, v2 packet types");
	char b[16];
	sl_quic_version_name(1, b, sizeof(b));
	CHECK_EQ_STR(b, "1");
	sl_quic_version_name(0x6b3343cf, b, sizeof(b));
	CHECK_EQ_STR(b, "2");
	sl_quic_version_name(0xff00001d, b, sizeof(b));
	CHECK_EQ_STR(b, "draft-29");
	sl_quic_version_name(0x51303436, b, sizeof(b));
	CHECK_EQ_STR(b, "Q046");
	sl_quic_version_name(0x1a2a3a4a, b, sizeof(b));
	CHECK_EQ_STR(b, "0x1a2a3a4a");
	CHECK(sl_quic_version_known(0xff00001c) && sl_quic_version_known(0x51303530));
	CHECK(!sl_quic_version_known(0) && !sl_quic_version_known(0x51303436));
	CHECK(sl_quic_version_gquic(0x51303433) && !sl_quic_version_gquic(0x51304133));
	CHECK_EQ_INT(sl_quic_packet_type(1, 0xc3), SL_QUIC_INITIAL);
	CHECK_EQ_INT(sl_quic_packet_type(1, 0xf0), SL_QUIC_RETRY);
	CHECK_EQ_INT(sl_quic_packet_type(0x6b3343cf, 0xd3), SL_QUIC_INITIAL);
	CHECK_EQ_INT(sl_quic_packet_type(0x6b3343cf, 0xc3), SL_QUIC_RETRY);
	CHECK_EQ_INT(sl_quic_packet_type(0x6b3343cf, 0xe3), SL_QUIC_0RTT);
	CHECK_EQ_INT(sl_quic_packet_type(0x6b3343cf, 0xf3), SL_QUIC_HANDSHAKE);
}

static void test_chlo(void)
{
	TEST("quic: gQUIC CHLO tags (SNI, UAID, VER), cut and malformed");
	static const uint8_t m[] = "CHLO\x03\x00\x00\x00"
				   "SNI\0\x0b\x00\x00\x00"
				   "UAID\x1c\x00\x00\x00"
				   "VER\0\x20\x00\x00\x00"
				   "www.example"
				   "Chrome/85.0 Linux"
				   "Q046";
	struct sl_gquic_chlo c;
	CHECK_EQ_INT(sl_gquic_parse_chlo(m, sizeof(m) - 1, &c), 0);
	CHECK_EQ_STR(c.sni, "www.example");
	CHECK_EQ_STR(c.uaid, "Chrome/85.0 Linux");
	CHECK_EQ_INT(c.ver, 0x51303436);
	CHECK_EQ_INT(sl_gquic_parse_chlo(m, 50, &c), 0); /* cut inside UAID */
	CHECK_EQ_STR(c.sni, "www.example");
	CHECK_EQ_STR(c.uaid, "");
	for (size_t len = 0; len < sizeof(m); len++) { /* every cut, exact copies */
		uint8_t *copy = malloc(len ? len : 1);
		memcpy(copy, m, len);
		sl_gquic_parse_chlo(copy, len, &c);
		free(copy);
	}
	CHECK_EQ_INT(sl_gquic_parse_chlo((const uint8_t *)"SHLO\0\0\0\0", 8, &c), -EINVAL);
	uint8_t bad[sizeof(m)];
	memcpy(bad, m, sizeof(m));
	bad[20] = 0x05; /* UAID ends before SNI: offsets must grow */
	CHECK_EQ_INT(sl_gquic_parse_chlo(bad, sizeof(m) - 1, &c), 0);
	CHECK_EQ_STR(c.sni, "www.example");
	CHECK_EQ_STR(c.uaid, "");
}

/* The A.2 datagram through the real dispatcher, read back as the JSON
 * writer reads fields.  The JA4 was computed by hand from the RFC's
 * ClientHello per the JA4 specification (2 ciphers, 11 extensions, ALPN
 * "alpn"). */
static void test_parser_rfc(void)
{
	TEST("quic parser: RFC 9001/9369 A.2 give version, SNI, ALPN, JA4, DCID");
	uint8_t pkt[1200];
	struct ph h;
	unhex(rfc9001_packet_hex, pkt, sizeof(pkt));
	ph_init(&h, 17, "10.0.0.2", 50000, "198.51.100.1", 443);
	ph_feed(&h, SL_DIR_TOSERVER, pkt, sizeof(pkt));
	CHECK_EQ_STR(ph_str(&h, "app_proto"), "quic");
	CHECK_EQ_STR(ph_str(&h, "quic.version"), "1");
	CHECK_EQ_STR(ph_str(&h, "quic.sni"), "example.com");
	CHECK_EQ_STR(ph_str(&h, "quic.alpn"), "alpn");
	CHECK_EQ_STR(ph_str(&h, "quic.ja4"), "q13d0211an_62ed6f6ca7ad_4d634acda6c0");
	CHECK_EQ_STR(ph_str(&h, "quic.dcid"), RFC_DCID);
	CHECK(ph_str(&h, "quic.ua") == NULL);
	ph_finish(&h);
	unhex(rfc9369_packet_hex, pkt, sizeof(pkt));
	ph_init(&h, 17, "10.0.0.2", 50001, "198.51.100.1", 443);
	ph_feed(&h, SL_DIR_TOSERVER, pkt, sizeof(pkt));
	CHECK_EQ_STR(ph_str(&h, "quic.version"), "2");
	CHECK_EQ_STR(ph_str(&h, "quic.sni"), "example.com");
	ph_finish(&h);
}

static void test_parser_declines(void)
{
	TEST("quic parser: short datagrams, server-first and undecryptable flows are not QUIC");
	uint8_t pkt[1200];
	struct ph h;
	unhex(rfc9001_packet_hex, pkt, sizeof(pkt));
	ph_init(&h, 17, "10.0.0.2", 50002, "198.51.100.1", 443);
	ph_feed(&h, SL_DIR_TOSERVER, pkt, 1199); /* under 1200 bytes: probe refuses */
	ph_feed(&h, SL_DIR_TOCLIENT, pkt, sizeof(pkt));
	CHECK(ph_str(&h, "app_proto") == NULL);
	CHECK(ph_str(&h, "quic.version") == NULL);
	ph_finish(&h);
	pkt[600] ^= 0x80; /* every copy fails its tag */
	ph_init(&h, 17, "10.0.0.2", 50003, "198.51.100.1", 443);
	for (int i = 0; i < SL_QUIC_FAIL_MAX + 2; i++)
		ph_feed(&h, SL_DIR_TOSERVER, pkt, sizeof(pkt));
	CHECK(ph_str(&h, "app_proto") == NULL);
	CHECK(ph_str(&h, "quic.version") == NULL);
	CHECK(ph_str(&h, "quic.dcid") == NULL);
	ph_finish(&h);
	/* a gQUIC-looking public header, but no CHLO in the first 4 packets */
	static const uint8_t gq[64] = { 0x09, 1, 2, 3, 4, 5, 6, 7, 8, 'Q', '0', '3', '9', 1 };
	ph_init(&h, 17, "10.0.0.2", 50006, "198.51.100.1", 443);
	for (int i = 0; i < 4; i++)
		ph_feed(&h, SL_DIR_TOSERVER, gq, sizeof(gq));
	ph_feed(&h, SL_DIR_TOSERVER, "CHLO\0\0\0\0", 8);
	CHECK(ph_str(&h, "app_proto") == NULL);
	CHECK(ph_str(&h, "quic.version") == NULL);
	ph_finish(&h);
}

/* gQUIC public header (flags 0x0d: version, 8-byte CID), version Q043,
 * packet number, then a STREAM frame whose data is the CHLO. */
static void test_parser_gquic_clear(void)
{
	TEST("quic parser: gQUIC CHLO in clear text gives version, SNI and UA");
	static const uint8_t chlo[] = "CHLO\x02\x00\x00\x00"
				      "SNI\0\x0f\x00\x00\x00"
				      "UAID\x20\x00\x00\x00"
				      "mail.google.com"
				      "Chrome/70.0 Linux";
	uint8_t pkt[1350] = { 0x0d, 1, 2, 3, 4, 5, 6, 7, 8, 'Q', '0', '4', '3', 0x01,
			      0xa0, 0x00, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc };
	memcpy(pkt + 40, chlo, sizeof(chlo) - 1);
	struct ph h;
	ph_init(&h, 17, "10.0.0.2", 50004, "198.51.100.1", 443);
	ph_feed(&h, SL_DIR_TOSERVER, pkt, sizeof(pkt));
	CHECK_EQ_STR(ph_str(&h, "app_proto"), "quic");
	CHECK_EQ_STR(ph_str(&h, "quic.version"), "Q043");
	CHECK_EQ_STR(ph_str(&h, "quic.sni"), "mail.google.com");
	CHECK_EQ_STR(ph_str(&h, "quic.ua"), "Chrome/70.0 Linux");
	CHECK(ph_str(&h, "quic.ja4") == NULL);
	ph_finish(&h);
}

/* A ClientHello split over two Initials, a server Initial between, then
 * the flow ends: fields come out, the CRYPTO buffer is released. */
static void test_parser_two_packets(void)
{
	TEST("quic parser: ClientHello over two client Initials; server packets between");
	uint8_t hello[300], f[600], d[1400];
	size_t hl = rfc_hello(hello);
	struct ph h;
	ph_init(&h, 17, "10.0.0.2", 50005, "198.51.100.1", 443);
	size_t fl = crypto_frame(hello, 120, hl, f);
	ph_feed(&h, SL_DIR_TOSERVER, d, make_initial(1, RFC_DCID, 0, f, fl, 1162, d));
	CHECK_EQ_STR(ph_str(&h, "app_proto"), "quic");
	h.ended = false;
	ph_feed(&h, SL_DIR_TOCLIENT, "\xc0\x00\x00\x00\x01\x00\x04" "abcd" "\x00\x05" "xxxxx", 18);
	fl = crypto_frame(hello, 0, 120, f);
	ph_feed(&h, SL_DIR_TOSERVER, d, make_initial_keyed(1, "0a0b0c0d", RFC_DCID, 1, f, fl, 1162, d));
	CHECK_EQ_STR(ph_str(&h, "quic.sni"), "example.com");
	CHECK_EQ_STR(ph_str(&h, "quic.dcid"), RFC_DCID);
	ph_finish(&h);
}

int main(void)
{
	if (sl_quic_crypto_create(&qc) < 0) {
		fprintf(stderr, "libcrypto without HKDF/AES\n");
		return 1;
	}
	test_keys();
	test_keys_random();
	test_sealer_matches_rfc();
	test_open_rfc();
	test_initial_rfc();
	test_truncated();
	test_corrupted();
	test_out_of_order();
	test_random_pieces();
	test_coalesced();
	test_retry();
	test_not_hello();
	test_versions();
	test_chlo();
	test_parser_rfc();
	test_parser_declines();
	test_parser_gquic_clear();
	test_parser_two_packets();
	sl_quic_crypto_destroy(qc);
	return TEST_REPORT();
}
