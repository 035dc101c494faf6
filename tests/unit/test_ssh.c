/* Unit tests for the SSH parser (sensor/proto/ssh.c): banners and KEXINITs
 * built here, fed through the real dispatcher.  Expected HASSH values are the
 * salesforce/hassh README's own examples (checked there with md5sum). */
#include "protohelp.h"
#include "testhelp.h"

/* The README's Cyberduck client lists (c2s) and OpenSSH_5.3 server lists
 * (s2c); the other direction gets different lists, so a parser hashing the
 * wrong direction fails. */
#define CD_KEX "curve25519-sha256@libssh.org,diffie-hellman-group-exchange-sha256,ecdh-sha2-nistp521,ecdh-sha2-nistp384,ecdh-sha2-nistp256,diffie-hellman-group-exchange-sha1,diffie-hellman-group1-sha1,diffie-hellman-group14-sha1,diffie-hellman-group14-sha256,diffie-hellman-group15-sha512,diffie-hellman-group16-sha512,diffie-hellman-group17-sha512,diffie-hellman-group18-sha512,diffie-hellman-group14-sha256@ssh.com,diffie-hellman-group15-sha256,diffie-hellman-group15-sha256@ssh.com,diffie-hellman-group15-sha384@ssh.com,diffie-hellman-group16-sha256,diffie-hellman-group16-sha384@ssh.com,diffie-hellman-group16-sha512@ssh.com,diffie-hellman-group18-sha512@ssh.com"
#define CD_ENC "aes128-cbc,aes128-ctr,aes192-cbc,aes192-ctr,aes256-cbc,aes256-ctr,blowfish-cbc,blowfish-ctr,cast128-cbc,cast128-ctr,idea-cbc,idea-ctr,serpent128-cbc,serpent128-ctr,serpent192-cbc,serpent192-ctr,serpent256-cbc,serpent256-ctr,3des-cbc,3des-ctr,twofish128-cbc,twofish128-ctr,twofish192-cbc,twofish192-ctr,twofish256-cbc,twofish256-ctr,twofish-cbc,arcfour,arcfour128,arcfour256"
#define CD_MAC "hmac-sha1,hmac-sha1-96,hmac-md5,hmac-md5-96,hmac-sha2-256,hmac-sha2-512"
#define CD_COMP "zlib@openssh.com,zlib,none"
#define CD_HASSH "8a8ae540028bf433cd68356c1b9e8d5b"

#define OS_KEX "diffie-hellman-group-exchange-sha256,diffie-hellman-group-exchange-sha1,diffie-hellman-group14-sha1,diffie-hellman-group1-sha1"
#define OS_ENC "aes128-ctr,aes192-ctr,aes256-ctr,arcfour256,arcfour128,aes128-cbc,3des-cbc,blowfish-cbc,cast128-cbc,aes192-cbc,aes256-cbc,arcfour,rijndael-cbc@lysator.liu.se"
#define OS_MAC "hmac-md5,hmac-sha1,umac-64@openssh.com,hmac-ripemd160,hmac-ripemd160@openssh.com,hmac-sha1-96,hmac-md5-96"
#define OS_COMP "none,zlib@openssh.com"
#define OS_HASSH "b1c6c0d56317555b85c7005a3de29325"

static const char *const cli_lists[10] = {
	CD_KEX, "ssh-rsa,ssh-dss", CD_ENC, "aes256-ctr", CD_MAC, "hmac-sha2-256", CD_COMP, "none", "", "",
};
static const char *const srv_lists[10] = {
	OS_KEX, "ssh-rsa", "aes128-ctr", OS_ENC, "hmac-sha1", OS_MAC, "zlib", OS_COMP, "", "",
};

static const char cli_banner[] = "SSH-2.0-Cyberduck/6.7.1.28683 (Mac OS X/10.13.6) (x86_64)\r\n";
static const char srv_banner[] = "SSH-2.0-OpenSSH_5.3\r\n";

static size_t put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
	return 4;
}

/* A KEXINIT payload (message number onwards) from ten name-lists. */
static size_t kexinit_payload(uint8_t *out, const char *const lists[10])
{
	size_t n = 0;
	out[n++] = 20;
	for (int i = 0; i < 16; i++)
		out[n++] = (uint8_t)(0xa0 + i); /* cookie */
	for (int i = 0; i < 10; i++) {
		size_t l = strlen(lists[i]);
		n += put32(out + n, (uint32_t)l);
		memcpy(out + n, lists[i], l);
		n += l;
	}
	out[n++] = 0; /* first_kex_packet_follows */
	n += put32(out + n, 0);
	return n;
}

/* RFC 4253 §6 framing around a payload: padding of 4 or more bytes so the
 * whole packet is a multiple of 8. */
static size_t binary_packet(uint8_t *out, const uint8_t *payload, size_t n)
{
	size_t pad = 8 - (5 + n) % 8;
	if (pad < 4)
		pad += 8;
	put32(out, (uint32_t)(1 + n + pad));
	out[4] = (uint8_t)pad;
	memcpy(out + 5, payload, n);
	memset(out + 5 + n, 0, pad);
	return 5 + n + pad;
}

static size_t kexinit(uint8_t *out, const char *const lists[10])
{
	uint8_t payload[2048];
	return binary_packet(out, payload, kexinit_payload(payload, lists));
}

static void check_full(struct ph *h)
{
	CHECK_EQ_STR(ph_str(h, "app_proto"), "ssh");
	CHECK_EQ_STR(ph_str(h, "ssh.client.banner"), "SSH-2.0-Cyberduck/6.7.1.28683 (Mac OS X/10.13.6) (x86_64)");
	CHECK_EQ_STR(ph_str(h, "ssh.client.software_version"), "Cyberduck/6.7.1.28683");
	CHECK_EQ_STR(ph_str(h, "ssh.client.proto_version"), "2.0");
	CHECK_EQ_STR(ph_str(h, "ssh.client.hassh.hash"), CD_HASSH);
	CHECK_EQ_STR(ph_str(h, "ssh.client.hassh.string"), CD_KEX ";" CD_ENC ";" CD_MAC ";" CD_COMP);
	CHECK_EQ_STR(ph_str(h, "ssh.server.banner"), "SSH-2.0-OpenSSH_5.3");
	CHECK_EQ_STR(ph_str(h, "ssh.server.software_version"), "OpenSSH_5.3");
	CHECK_EQ_STR(ph_str(h, "ssh.server.hassh.hash"), OS_HASSH);
	CHECK_EQ_STR(ph_str(h, "ssh.server.hassh.string"), OS_KEX ";" OS_ENC ";" OS_MAC ";" OS_COMP);
	/* first client method the server lists */
	CHECK_EQ_STR(ph_str(h, "ssh.kex"), "diffie-hellman-group-exchange-sha256");
}

static void test_separate_segments(void)
{
	TEST("ssh: banners and KEXINITs each in their own segment; app round trip");
	uint8_t ck[2048], sk[2048];
	size_t ckn = kexinit(ck, cli_lists), skn = kexinit(sk, srv_lists);
	struct ph h;
	ph_init(&h, 6, "10.0.0.2", 40000, "198.51.100.1", 22);
	ph_feed(&h, SL_DIR_TOSERVER, cli_banner, sizeof(cli_banner) - 1); /* t = 1 ms */
	CHECK(h.flow.app_proto && strcmp(sl_proto_at(h.flow.app_proto - 1u)->name, "ssh") == 0);
	ph_feed(&h, SL_DIR_TOCLIENT, srv_banner, sizeof(srv_banner) - 1); /* t = 2 ms */
	ph_feed(&h, SL_DIR_TOCLIENT, sk, skn);                            /* t = 3 ms */
	ph_feed(&h, SL_DIR_TOSERVER, ck, ckn);                            /* t = 4 ms: acks both */
	uint64_t us = 0;
	CHECK(sl_app_rtt(&h.flow, &us));
	CHECK_EQ_INT(us, 2000); /* server banner (2 ms) -> client's KEXINIT (4 ms) */
	check_full(&h);
	ph_finish(&h);
}

static void test_joined_segment(void)
{
	TEST("ssh: banner and KEXINIT joined in one segment on each side");
	uint8_t c[2304], s[2304];
	size_t cn = sizeof(cli_banner) - 1, sn = sizeof(srv_banner) - 1;
	memcpy(c, cli_banner, cn);
	memcpy(s, srv_banner, sn);
	cn += kexinit(c + cn, cli_lists);
	sn += kexinit(s + sn, srv_lists);
	struct ph h;
	ph_init(&h, 6, "10.0.0.2", 40001, "198.51.100.1", 2222);
	ph_feed(&h, SL_DIR_TOCLIENT, s, sn);
	ph_feed(&h, SL_DIR_TOSERVER, c, cn); /* acks the server banner: the reply */
	uint64_t us = 0;
	CHECK(sl_app_rtt(&h.flow, &us));
	CHECK_EQ_INT(us, 1000);
	check_full(&h);
	ph_finish(&h);
}

/* Feed buf in pieces of the given sizes (the last piece takes the rest). */
static void feed_pieces(struct ph *h, enum sl_dir d, const uint8_t *buf, size_t n, const size_t *cuts,
			size_t ncuts)
{
	size_t at = 0;
	for (size_t i = 0; i < ncuts && at + cuts[i] < n; i++) {
		ph_feed(h, d, buf + at, cuts[i]);
		at += cuts[i];
	}
	ph_feed(h, d, buf + at, n - at);
}

static void test_split_and_retransmitted(void)
{
	TEST("ssh: banner and KEXINIT split across segments, with retransmissions");
	uint8_t c[2304], s[2304];
	size_t cn = sizeof(cli_banner) - 1, sn = sizeof(srv_banner) - 1;
	memcpy(c, cli_banner, cn);
	memcpy(s, srv_banner, sn);
	cn += kexinit(c + cn, cli_lists);
	sn += kexinit(s + sn, srv_lists);
	struct ph h;
	ph_init(&h, 6, "10.0.0.2", 40002, "198.51.100.1", 22);
	uint32_t s0 = ph_feed(&h, SL_DIR_TOSERVER, c, 2); /* "SS" */
	ph_feed_at(&h, SL_DIR_TOSERVER, c, 2, s0);         /* retransmitted */
	ph_feed(&h, SL_DIR_TOSERVER, c + 2, 30);
	ph_feed_at(&h, SL_DIR_TOSERVER, c + 10, 40, s0 + 10); /* overlaps: 18 new bytes */
	h.seq[0] = s0 + 50;
	static const size_t ccuts[] = { 100, 3, 1, 700, 1 };
	feed_pieces(&h, SL_DIR_TOSERVER, c + 50, cn - 50, ccuts, ARRAY_SIZE(ccuts));
	static const size_t scuts[] = { 19, 2, 4, 1, 200 };
	feed_pieces(&h, SL_DIR_TOCLIENT, s, sn, scuts, ARRAY_SIZE(scuts));
	check_full(&h);
	ph_finish(&h);
}

static void test_kexinit_truncations(void)
{
	TEST("ssh: every truncation of a KEXINIT gives no HASSH");
	uint8_t k[2048], payload[2048], t[2048];
	size_t kn = kexinit(k, cli_lists), pn = kexinit_payload(payload, cli_lists);
	int bogus = 0, banners = 0;
	for (size_t cut = 0; cut < kn; cut++) { /* the packet cut short */
		struct ph h;
		ph_init(&h, 6, "10.0.0.2", 40003, "198.51.100.1", 22);
		ph_feed(&h, SL_DIR_TOSERVER, cli_banner, sizeof(cli_banner) - 1);
		ph_feed(&h, SL_DIR_TOSERVER, k, cut);
		bogus += ph_str(&h, "ssh.client.hassh.hash") != NULL || ph_str(&h, "ssh.client.hassh.string") != NULL;
		banners += ph_str(&h, "ssh.client.banner") != NULL;
		ph_finish(&h);
	}
	for (size_t cut = 0; cut < pn; cut++) { /* the payload cut short, framing rebuilt around it */
		struct ph h;
		ph_init(&h, 6, "10.0.0.2", 40004, "198.51.100.1", 22);
		ph_feed(&h, SL_DIR_TOCLIENT, srv_banner, sizeof(srv_banner) - 1);
		ph_feed(&h, SL_DIR_TOCLIENT, t, binary_packet(t, payload, cut));
		bogus += ph_str(&h, "ssh.server.hassh.hash") != NULL;
		banners += ph_str(&h, "ssh.server.banner") != NULL;
		ph_finish(&h);
	}
	CHECK_EQ_INT(bogus, 0);
	CHECK_EQ_INT(banners, (long long)(kn + pn));
}

static void test_prelines_and_versions(void)
{
	TEST("ssh: server lines before the banner; SSH-1.99 server, SSH-1.5 client");
	static const char srv[] = "Authorised use only.\r\nAll sessions are logged\r\nSSH-1.99-OpenSSH_3.9p1\r\n";
	struct ph h;
	ph_init(&h, 6, "10.0.0.2", 40005, "198.51.100.1", 22);
	ph_feed(&h, SL_DIR_TOCLIENT, srv, 10); /* no "SSH-" here: not probed yet */
	ph_feed(&h, SL_DIR_TOCLIENT, srv + 10, sizeof(srv) - 11);
	ph_feed(&h, SL_DIR_TOSERVER, "SSH-1.5-PuTTY_Release_0.60\n", 27);
	CHECK_EQ_STR(ph_str(&h, "app_proto"), "ssh");
	CHECK_EQ_STR(ph_str(&h, "ssh.server.banner"), "SSH-1.99-OpenSSH_3.9p1");
	CHECK_EQ_STR(ph_str(&h, "ssh.server.proto_version"), "1.99");
	CHECK_EQ_STR(ph_str(&h, "ssh.client.banner"), "SSH-1.5-PuTTY_Release_0.60");
	CHECK_EQ_STR(ph_str(&h, "ssh.client.proto_version"), "1.5");
	CHECK_EQ_STR(ph_str(&h, "ssh.client.software_version"), "PuTTY_Release_0.60");
	CHECK(ph_str(&h, "ssh.client.hassh.hash") == NULL);
	ph_finish(&h);
}

static void test_one_side(void)
{
	TEST("ssh: one side only is still identified; a non-SSH reply is not taken");
	struct ph h;
	ph_init(&h, 6, "10.0.0.2", 40006, "198.51.100.1", 22);
	ph_feed(&h, SL_DIR_TOSERVER, cli_banner, sizeof(cli_banner) - 1);
	CHECK_EQ_STR(ph_str(&h, "app_proto"), "ssh");
	CHECK_EQ_STR(ph_str(&h, "ssh.client.software_version"), "Cyberduck/6.7.1.28683");
	CHECK(ph_str(&h, "ssh.server.banner") == NULL);
	ph_finish(&h);
	/* server banner, then a client that types an empty line */
	ph_init(&h, 6, "10.0.0.2", 40007, "198.51.100.1", 22);
	ph_feed(&h, SL_DIR_TOCLIENT, "SSH-2.0-OpenSSH_7.4p1 Debian-10+deb9u7\n", 39);
	ph_feed(&h, SL_DIR_TOSERVER, "\r\n", 2);
	ph_feed(&h, SL_DIR_TOCLIENT, "Protocol mismatch.\n", 19);
	CHECK_EQ_STR(ph_str(&h, "app_proto"), "ssh");
	CHECK_EQ_STR(ph_str(&h, "ssh.server.software_version"), "OpenSSH_7.4p1");
	CHECK(ph_str(&h, "ssh.client.banner") == NULL);
	uint64_t us = 0;
	CHECK(sl_app_rtt(&h.flow, &us)); /* the client's "\r\n" is still its answer */
	CHECK_EQ_INT(us, 1000);
	ph_finish(&h);
}

static void test_rtt_needs_ack(void)
{
	TEST("ssh: a client packet that does not ack the server banner is not its reply");
	uint8_t ck[2048];
	size_t ckn = kexinit(ck, cli_lists);
	struct ph h;
	ph_init(&h, 6, "10.0.0.2", 40008, "198.51.100.1", 22);
	ph_feed(&h, SL_DIR_TOCLIENT, srv_banner, sizeof(srv_banner) - 1); /* 1 ms */
	h.seq[1] -= sizeof(srv_banner) - 1; /* the client sent this before the banner arrived */
	ph_feed(&h, SL_DIR_TOSERVER, cli_banner, sizeof(cli_banner) - 1); /* 2 ms */
	h.seq[1] += sizeof(srv_banner) - 1;
	ph_feed(&h, SL_DIR_TOSERVER, ck, ckn); /* 3 ms, acks it */
	uint64_t us = 0;
	CHECK(sl_app_rtt(&h.flow, &us));
	CHECK_EQ_INT(us, 2000);
	ph_finish(&h);
}

static void test_kex_choice(void)
{
	TEST("ssh: negotiated kex skips ext-info / kex-strict signals; none without overlap");
	const char *c[10] = { "ext-info-c,kex-strict-c-v00@openssh.com,curve25519-sha256,diffie-hellman-group14-sha256",
			      "ssh-ed25519", "aes128-ctr", "aes128-ctr", "hmac-sha2-256", "hmac-sha2-256",
			      "none", "none", "", "" };
	const char *s[10] = { "diffie-hellman-group14-sha256,curve25519-sha256,ext-info-c,kex-strict-c-v00@openssh.com",
			      "ssh-ed25519", "aes128-ctr", "aes128-ctr", "hmac-sha2-256", "hmac-sha2-256",
			      "none", "none", "", "" };
	uint8_t ck[512], sk[512];
	struct ph h;
	ph_init(&h, 6, "10.0.0.2", 40009, "198.51.100.1", 22);
	ph_feed(&h, SL_DIR_TOSERVER, "SSH-2.0-a\r\n", 11);
	ph_feed(&h, SL_DIR_TOCLIENT, "SSH-2.0-b\r\n", 11);
	ph_feed(&h, SL_DIR_TOSERVER, ck, kexinit(ck, c));
	ph_feed(&h, SL_DIR_TOCLIENT, sk, kexinit(sk, s));
	CHECK_EQ_STR(ph_str(&h, "ssh.kex"), "curve25519-sha256");
	ph_finish(&h);
	s[0] = "ecdh-sha2-nistp256,ext-info-c";
	ph_init(&h, 6, "10.0.0.2", 40010, "198.51.100.1", 22);
	ph_feed(&h, SL_DIR_TOSERVER, "SSH-2.0-a\r\n", 11);
	ph_feed(&h, SL_DIR_TOCLIENT, "SSH-2.0-b\r\n", 11);
	ph_feed(&h, SL_DIR_TOSERVER, ck, kexinit(ck, c));
	ph_feed(&h, SL_DIR_TOCLIENT, sk, kexinit(sk, s));
	CHECK(ph_str(&h, "ssh.server.hassh.hash") != NULL);
	CHECK(ph_str(&h, "ssh.kex") == NULL);
	ph_finish(&h);
}

static void test_bad_kexinit(void)
{
	TEST("ssh: malformed first packets give a banner but no HASSH");
	uint8_t k[2048];
	size_t kn;
	struct ph h;
	for (int variant = 0; variant < 4; variant++) {
		kn = kexinit(k, cli_lists);
		if (variant == 0)
			k[5] = 21; /* not KEXINIT */
		else if (variant == 1)
			k[5 + 17 + 4 + 3] = ' '; /* a space inside a name */
		else if (variant == 2)
			k[0] = 0x7f; /* packet_length far too large */
		else
			k[4] = 3; /* padding shorter than 4 */
		ph_init(&h, 6, "10.0.0.2", 40011, "198.51.100.1", 22);
		ph_feed(&h, SL_DIR_TOSERVER, cli_banner, sizeof(cli_banner) - 1);
		ph_feed(&h, SL_DIR_TOSERVER, k, kn);
		CHECK(ph_str(&h, "ssh.client.banner") != NULL);
		CHECK(ph_str(&h, "ssh.client.hassh.hash") == NULL);
		ph_finish(&h);
	}
}

/* Every position of a name-list, in the eight-byte steps and the tail of
 * valid_namelist(): a byte outside 0x21-0x7e anywhere voids the KEXINIT,
 * the bounds themselves do not. */
static void test_namelist_bytes(void)
{
	TEST("ssh: a byte outside 0x21-0x7e anywhere in a name-list gives no HASSH");
	static const uint8_t bad[] = { 0x00, 0x20, 0x7f, 0x80, 0xff }, good[] = { 0x21, 0x7e };
	uint8_t k[2048];
	struct ph h;
	size_t n = strlen(cli_lists[0]);
	for (size_t pos = 0; pos < n; pos++)
		for (size_t b = 0; b < sizeof(bad) + sizeof(good); b++) {
			bool ok = b >= sizeof(bad);
			size_t kn = kexinit(k, cli_lists);
			k[5 + 17 + 4 + pos] = ok ? good[b - sizeof(bad)] : bad[b];
			ph_init(&h, 6, "10.0.0.2", 40012, "198.51.100.1", 22);
			ph_feed(&h, SL_DIR_TOSERVER, cli_banner, sizeof(cli_banner) - 1);
			ph_feed(&h, SL_DIR_TOSERVER, k, kn);
			CHECK((ph_str(&h, "ssh.client.hassh.hash") != NULL) == ok);
			ph_finish(&h);
		}
}

static void test_not_ssh(void)
{
	TEST("ssh: non-SSH flows on port 22 are not taken");
	static const char *const bad[] = {
		"GET / HTTP/1.1\r\nHost: x\r\n\r\n", /* never probed */
		"SSH-2.0\r\n",                       /* no software version */
		"SSH-X.0-OpenSSH\r\n",               /* no digit */
		"SSH-2.-OpenSSH\r\n",                /* bad protoversion */
		"SSH-2.0-\r\n",                      /* empty software version */
		"SSH-2.0-Open\x01SSH\r\n",           /* control character */
		"SS\x00H",                           /* binary after a partial prefix */
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct ph h;
		ph_init(&h, 6, "10.0.0.2", 40012, "198.51.100.1", 22);
		ph_feed(&h, SL_DIR_TOSERVER, bad[i], i == 6 ? 4 : strlen(bad[i]));
		ph_feed(&h, SL_DIR_TOCLIENT, "\x00\x01\x02\x03garbage\n", 12);
		const char *app = ph_str(&h, "app_proto");
		CHECK(i == 0 ? app && strcmp(app, "http") == 0 : app == NULL); /* HTTP is HTTP, on any port */
		CHECK(ph_str(&h, "ssh.client.banner") == NULL);
		CHECK(ph_str(&h, "ssh.server.banner") == NULL);
		ph_finish(&h);
	}
	char longb[400]; /* a banner longer than 255 bytes */
	memset(longb, 'a', sizeof(longb));
	memcpy(longb, "SSH-2.0-", 8);
	longb[sizeof(longb) - 1] = '\n';
	struct ph h;
	ph_init(&h, 6, "10.0.0.2", 40013, "198.51.100.1", 22);
	ph_feed(&h, SL_DIR_TOSERVER, longb, sizeof(longb));
	CHECK(ph_str(&h, "app_proto") == NULL);
	ph_finish(&h);
}

static void test_inspection_limit(void)
{
	TEST("ssh: the inspection limit mid-KEXINIT drops scratch, keeps the banners");
	uint8_t ck[2048], sk[2048];
	size_t ckn = kexinit(ck, cli_lists);
	(void)kexinit(sk, srv_lists);
	struct ph h;
	ph_init(&h, 6, "10.0.0.2", 40009, "198.51.100.1", 22);
	h.cfg.inspect.tcp_packets = 3;
	ph_feed(&h, SL_DIR_TOSERVER, cli_banner, sizeof(cli_banner) - 1);
	ph_feed(&h, SL_DIR_TOCLIENT, srv_banner, sizeof(srv_banner) - 1);
	ph_feed(&h, SL_DIR_TOSERVER, ck, 40);          /* KEXINIT begins: buffered */
	ph_feed(&h, SL_DIR_TOSERVER, ck + 40, ckn - 40); /* past the limit: not offered */
	CHECK(h.flow.inspect_done);
	CHECK_EQ_STR(ph_str(&h, "ssh.client.banner"), "SSH-2.0-Cyberduck/6.7.1.28683 (Mac OS X/10.13.6) (x86_64)");
	CHECK_EQ_STR(ph_str(&h, "ssh.server.banner"), "SSH-2.0-OpenSSH_5.3");
	CHECK(ph_str(&h, "ssh.client.hassh.hash") == NULL);
	ph_finish(&h);
}

int main(void)
{
	test_inspection_limit();
	test_separate_segments();
	test_joined_segment();
	test_split_and_retransmitted();
	test_kexinit_truncations();
	test_prelines_and_versions();
	test_one_side();
	test_rtt_needs_ack();
	test_kex_choice();
	test_bad_kexinit();
	test_namelist_bytes();
	test_not_ssh();
	return TEST_REPORT();
}
