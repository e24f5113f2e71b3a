// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Group ESP: round trips of every suite, mode, family and ESN setting; the
 * byte layout against packets this file builds itself with OpenSSL EVP (not
 * the oracle, not the core); every drop reason; truncation at every length;
 * and the parser and checksums the ESP code stands on.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>

#include "esp.h"
#include "oracle.h"
#include "suite.h"
#include "tap.h"

#define BUFSZ		2048
#define HEAD		128
#define TUNNEL		MCSEC_FORMAT_ESP_TUNNEL
#define TRANSPORT	MCSEC_FORMAT_ESP_TRANSPORT
#define SPI		0x1000abcdu
#define P32		((u64)1 << 32)

#define R_TRUNC		MCSEC_STAT_A_IN_PKTS_TRUNCATED
#define R_MALF		MCSEC_STAT_A_IN_PKTS_MALFORMED
#define R_AUTH		MCSEC_STAT_A_IN_PKTS_AUTH_FAILED

static const u8 suites[] = { MCSEC_SUITE_AES128_GCM, MCSEC_SUITE_AES256_GCM,
			     MCSEC_SUITE_AES128_GMAC, MCSEC_SUITE_CHACHA20_POLY1305 };
static const char *const suite_names[] = { "", "AES128-GCM", "AES256-GCM",
					   "AES128-GMAC", "ChaCha20-Poly1305" };
static const u8 raw_key[32] = {
	0x4c, 0x80, 0xcd, 0xef, 0xbb, 0x5d, 0x10, 0xda, 0x90, 0x6a, 0xc7, 0x3c,
	0x36, 0x13, 0xa6, 0x34, 0x2c, 0x3a, 0x5e, 0x9b, 0x01, 0x77, 0x42, 0xd8,
	0xee, 0x55, 0x0f, 0x61, 0x23, 0x99, 0xa4, 0x7b,
};
static const u8 salt[4] = { 0x2e, 0x44, 0x3b, 0x68 };
static struct mc_oracle_key *okeys[MCSEC_SUITE_MAX + 1];

struct tb {
	u8 buf[BUFSZ];
	struct mc_pkt pkt;
};

/* ---- independent helpers: byte order and checksum written out here ---- */

static void w16(u8 *p, unsigned int v)
{
	p[0] = (u8)(v >> 8);
	p[1] = (u8)v;
}

static void w32(u8 *p, u32 v)
{
	w16(p, v >> 16);
	w16(p + 2, v & 0xffff);
}

static void w64(u8 *p, u64 v)
{
	w32(p, (u32)(v >> 32));
	w32(p + 4, (u32)v);
}

static unsigned int r16(const u8 *p)
{
	return (unsigned int)p[0] << 8 | p[1];
}

/* RFC 1071 straight from the text: 16-bit words, end-around carry. */
static unsigned int naive_sum(unsigned long sum, const u8 *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += r16(p + i);
	if (n & 1)
		sum += (unsigned int)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (unsigned int)sum;
}

static void naive_ipv4_csum(u8 *ip)
{
	w16(ip + 10, 0);
	w16(ip + 10, ~naive_sum(0, ip, (ip[0] & 15u) * 4) & 0xffff);
}

/* ---- packets ---- */

/*
 * An IPv4 or IPv6 UDP packet with n payload bytes, checksums right. The
 * IPv4 header has DF, an ID, ECT(0), TTL 33; the IPv6 one a traffic class
 * and flow label, so that copying them is visible.
 */
static u32 make_udp(u8 *p, bool v6, u32 n, u8 seed)
{
	u32 l3 = v6 ? 40 : 20, i;
	u8 *u = p + l3;
	unsigned long sum;

	memset(p, 0, l3 + 8);
	if (v6) {
		static const u8 hdr[8] = { 0x6b, 0x81, 0x23, 0x45, 0, 0, 17, 17 };
		static const u8 src[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x01 };
		static const u8 dst[16] = { 0xff, 0x3e, [12] = 0x80, [15] = 0x07 };

		memcpy(p, hdr, 8);
		w16(p + 4, 8 + n);
		memcpy(p + 8, src, 16);
		memcpy(p + 24, dst, 16);
	} else {
		static const u8 hdr[20] = { 0x45, 0xb6, 0, 0, 0x12, 0x34, 0x40, 0,
					    33, 17, 0, 0, 10, 0, 0, 1, 239, 1, 2, 3 };

		memcpy(p, hdr, 20);
		w16(p + 2, 28 + n);
		naive_ipv4_csum(p);
	}
	w16(u, 5000);
	w16(u + 2, 1234);
	w16(u + 4, 8 + n);
	for (i = 0; i < n; i++)
		u[8 + i] = (u8)(i * 7 + seed);
	sum = 17 + 8 + n;
	sum = naive_sum(sum, p + (v6 ? 8 : 12), v6 ? 32 : 8);
	sum = naive_sum(sum, u, 8 + n);
	w16(u + 6, (~sum & 0xffff) ? (~sum & 0xffff) : 0xffff);
	return l3 + 8 + n;
}

static void tb_set(struct tb *t, const u8 *p, u32 len, u32 head)
{
	memset(t->buf, 0xee, sizeof(t->buf));
	memcpy(t->buf + head, p, len);
	t->pkt.data = t->buf + head;
	t->pkt.len = len;
	t->pkt.headroom = head;
	t->pkt.tailroom = BUFSZ - head - len;
}

/* Copies a test buffer, its packet pointing into the copy. */
static void tb_copy(struct tb *dst, const struct tb *src)
{
	memcpy(dst, src, sizeof(*dst));
	dst->pkt.data = dst->buf + (src->pkt.data - src->buf);
}

static bool tb_bounds_ok(const struct tb *t)
{
	return t->pkt.data - t->pkt.headroom == t->buf &&
	       t->pkt.data + t->pkt.len + t->pkt.tailroom == t->buf + BUFSZ;
}

static void sa_init(struct mc_esp_sa *sa, u8 suite, u8 format, bool esn, u32 window)
{
	memset(sa, 0, sizeof(*sa));
	sa->spi = SPI;
	sa->suite = suite;
	sa->format = format;
	sa->esn = esn;
	memcpy(sa->salt, salt, 4);
	sa->key = okeys[suite];
	if (mc_replay_init(&sa->replay, window))
		abort();
}

/* Encap and run the job; 0, a reason, or -1 when the backend failed. */
static int encap(const struct mc_esp_sa *sa, u64 seq, struct mc_pkt *p)
{
	struct mc_job job;
	int err = mc_esp_encap(sa, seq, p, &job);

	if (err)
		return err;
	mc_oracle_run(&job, 1);
	return job.status == MC_JOB_OK ? 0 : -1;
}

static int decap(struct mc_esp_sa *sa, struct mc_pkt *p)
{
	struct mc_esp_rx rx;
	struct mc_job job;
	int err = mc_esp_decap_prepare(sa, p, &job, &rx);

	if (err)
		return err;
	mc_oracle_run(&job, 1);
	return mc_esp_decap_finish(sa, p, &job, &rx);
}

/* ---- the independent builder ---- */

static const EVP_CIPHER *evp_cipher(u8 suite)
{
	switch (suite) {
	case MCSEC_SUITE_AES256_GCM:
		return EVP_aes_256_gcm();
	case MCSEC_SUITE_CHACHA20_POLY1305:
		return EVP_chacha20_poly1305();
	default:
		return EVP_aes_128_gcm();
	}
}

/* RFC 4106 / 4543 / 7634 sealing, with OpenSSL EVP directly. */
static void evp_seal(u8 suite, const u8 *nonce, const u8 *aad, int aadlen,
		     u8 *data, int len, u8 *tag)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n;

	if (!ctx || !EVP_EncryptInit_ex(ctx, evp_cipher(suite), NULL, NULL, NULL) ||
	    !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) ||
	    !EVP_EncryptInit_ex(ctx, NULL, NULL, raw_key, nonce) ||
	    !EVP_EncryptUpdate(ctx, NULL, &n, aad, aadlen) ||
	    (len && !EVP_EncryptUpdate(ctx, data, &n, data, len)) ||
	    !EVP_EncryptFinal_ex(ctx, data + len, &n) ||
	    !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, tag))
		abort();
	EVP_CIPHER_CTX_free(ctx);
}

/*
 * ESP after an IP header of hl bytes already at out (protocol 50 set):
 * fixes the IP length, writes SPI, seq, IV, the plaintext pt (trailer
 * included, as the caller made it) and seals it: with EVP, or, for the
 * hand-made bad packets, with an oracle job filled here by hand.
 */
static u32 build_esp(u8 *out, u32 hl, u8 suite, bool esn, u32 spi, u64 seq,
		     const u8 *pt, u32 ptlen, bool via_oracle)
{
	u8 *esp = out + hl, nonce[12], aad[16 + 1600];
	u32 tot = hl + 16 + ptlen + 16, aadlen = 0;
	bool gmac = suite == MCSEC_SUITE_AES128_GMAC;

	if (out[0] >> 4 == 4) {
		w16(out + 2, tot);
		naive_ipv4_csum(out);
	} else {
		w16(out + 4, tot - 40);
	}
	w32(esp, spi);
	w32(esp + 4, (u32)seq);
	w64(esp + 8, seq);
	memcpy(esp + 16, pt, ptlen);
	memcpy(nonce, salt, 4);
	memcpy(nonce + 4, esp + 8, 8);
	memcpy(aad, esp, 4);
	aadlen = 4;
	if (esn) {
		w32(aad + 4, (u32)(seq >> 32));
		aadlen = 8;
	}
	memcpy(aad + aadlen, esp + 4, 4);
	aadlen += 4;
	if (gmac) {
		memcpy(aad + aadlen, esp + 8, 8 + ptlen);
		aadlen += 8 + ptlen;
	}
	if (via_oracle) {
		struct mc_job j;

		memset(&j, 0, sizeof(j));
		j.key = okeys[suite];
		j.op = MC_OP_AEAD_ENCRYPT;
		j.iv_len = 12;
		memcpy(j.iv, nonce, 12);
		j.aad_len = (u8)(esn ? 12 : 8);
		memcpy(j.aad, aad, j.aad_len);
		j.data = esp + 16;
		j.len = gmac ? 0 : ptlen;
		j.aad2 = gmac ? esp + 8 : NULL;
		j.aad2_len = gmac ? 8 + ptlen : 0;
		j.tag = esp + 16 + ptlen;
		j.tag_len = 16;
		mc_oracle_run(&j, 1);
		if (j.status)
			abort();
	} else {
		evp_seal(suite, nonce, aad, (int)aadlen, esp + 16,
			 gmac ? 0 : (int)ptlen, esp + 16 + ptlen);
	}
	return tot;
}

/* What encap must produce for inner packet in, built without the core. */
static u32 expect(u8 *out, u8 suite, u8 format, bool esn, u64 seq,
		  const u8 *in, u32 inlen)
{
	bool v4 = in[0] >> 4 == 4;
	u32 l3 = v4 ? (in[0] & 15u) * 4 : 40, hl, plen, pad = 0, i;
	u8 pt[1600], nh;

	if (format == TUNNEL) {
		hl = v4 ? 20 : 40;
		plen = inlen;
		nh = v4 ? 4 : 41;
		memset(out, 0, hl);
		if (v4) {
			out[0] = 0x45;
			out[1] = in[1];			/* TOS */
			memcpy(out + 4, in + 4, 2);	/* ID */
			out[6] = in[6] & 0x40;		/* DF */
			out[8] = in[8];			/* TTL */
			out[9] = 50;
			memcpy(out + 12, in + 12, 8);
		} else {
			memcpy(out, in, 4);		/* TC, flow label */
			out[6] = 50;
			out[7] = in[7];
			memcpy(out + 8, in + 8, 32);
		}
	} else {
		hl = l3;
		plen = inlen - l3;
		nh = in[v4 ? 9 : 6];
		memcpy(out, in, l3);
		out[v4 ? 9 : 6] = 50;
	}
	memcpy(pt, in + inlen - plen, plen);
	while ((plen + pad + 2) % 4)
		pad++;
	for (i = 0; i < pad; i++)
		pt[plen + i] = (u8)(i + 1);
	pt[plen + pad] = (u8)pad;
	pt[plen + pad + 1] = nh;
	return build_esp(out, hl, suite, esn, SPI, seq, pt, plen + pad + 2, false);
}

/* ---- tests ---- */

static const u32 sizes[] = { 0, 1, 2, 3, 4, 5, 6, 7, 13, 100, 255, 1000, 1452, 1472 };
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))

static void test_roundtrip(void)
{
	static struct tb t;
	u8 in[1600];
	unsigned int si, fi, v6, esn, zi;

	for (si = 0; si < 4; si++)
	for (fi = 0; fi < 2; fi++)
	for (v6 = 0; v6 < 2; v6++)
	for (esn = 0; esn < 2; esn++) {
		u8 suite = suites[si], format = fi ? TRANSPORT : TUNNEL;
		struct mc_esp_sa tx, rx;
		u64 seq = esn ? 3 * P32 - 3 : 0xfffffff0u, last = 0;
		unsigned int bad = 0;

		sa_init(&tx, suite, format, esn, 0);
		sa_init(&rx, suite, format, esn, 128);
		/* The receiver has seen the sender recently (ESN inference). */
		rx.replay.top = seq - 1;
		for (zi = 0; zi < NSIZES; zi++, seq++) {
			u32 n = sizes[zi], len;
			u32 ct;

			if (v6 && n > 1452)
				continue;
			len = make_udp(in, v6, n, (u8)zi);
			tb_set(&t, in, len, HEAD);
			if (encap(&tx, seq, &t.pkt) || !tb_bounds_ok(&t)) {
				tap_diag("encap failed: size %u", n);
				bad++;
				continue;
			}
			/* Ciphertext (plaintext + pad + trailer) ends on 4 bytes. */
			ct = t.pkt.len - (v6 ? 40 : 20) - 32;
			if (ct % 4 || t.pkt.data[v6 ? 6 : 9] != 50 ||
			    r16(t.pkt.data + (v6 ? 4 : 2)) != t.pkt.len - (v6 ? 40 : 0) ||
			    (!v6 && naive_sum(0, t.pkt.data, 20) != 0xffff)) {
				tap_diag("bad outer header: size %u", n);
				bad++;
			}
			if (decap(&rx, &t.pkt) || t.pkt.len != len ||
			    memcmp(t.pkt.data, in, len) || !tb_bounds_ok(&t)) {
				tap_diag("decap failed: size %u", n);
				bad++;
			}
			last = seq;
		}
		tap_ok(!bad && rx.replay.top == last,
		       "round trip %s %s IPv%c%s, %zu payload sizes 0..1472",
		       suite_names[suite], format == TUNNEL ? "tunnel" : "transport",
		       v6 ? '6' : '4', esn ? " ESN" : "", NSIZES);
	}
}

static void test_layout(void)
{
	static struct tb t;
	u8 in[1600], exp[1700];
	unsigned int si, fi, v6, esn, zi;
	static const u32 lsizes[] = { 0, 1, 2, 3, 200 };

	for (si = 0; si < 4; si++)
	for (fi = 0; fi < 2; fi++)
	for (v6 = 0; v6 < 2; v6++)
	for (esn = 0; esn < 2; esn++) {
		u8 suite = suites[si], format = fi ? TRANSPORT : TUNNEL;
		u64 seq = esn ? 0x0000000700000009ull : 0x01020304u;
		struct mc_esp_sa sa;
		unsigned int bad = 0;

		sa_init(&sa, suite, format, esn, 0);
		for (zi = 0; zi < 5; zi++) {
			u32 len = make_udp(in, v6, lsizes[zi], 0x40);
			u32 elen = expect(exp, suite, format, esn, seq, in, len);

			tb_set(&t, in, len, HEAD);
			if (encap(&sa, seq, &t.pkt) || t.pkt.len != elen ||
			    memcmp(t.pkt.data, exp, elen))
				bad++;
		}
		tap_ok(!bad, "layout byte for byte vs OpenSSL EVP: %s %s IPv%c%s",
		       suite_names[suite], format == TUNNEL ? "tunnel" : "transport",
		       v6 ? '6' : '4', esn ? " ESN" : "");
	}
}

/*
 * The parse-once entry points (mc_esp_encap_flow, mc_esp_decap_prepare_flow,
 * what mcsec-dpdk calls with its classifier's parse) against the ones that
 * parse: the same packet, bounds, job and state, byte for byte, for every
 * format, family, ESN and size; the parse done over a longer
 * buffer (Ethernet padding behind the packet) as the appliance does it.
 */
static void test_flow_variants(void)
{
	static struct tb a, b;
	u8 in[1600];
	unsigned int bad = 0, n = 0;

	for (unsigned int fi = 0; fi < 2; fi++)
	for (unsigned int v6 = 0; v6 < 2; v6++)
	for (unsigned int esn = 0; esn < 2; esn++)
	for (unsigned int zi = 0; zi < sizeof(sizes) / sizeof(sizes[0]); zi++, n++) {
		u8 format = fi ? TRANSPORT : TUNNEL;
		u64 seq = esn ? 0x0000000700000009ull : 0x01020304u;
		struct mc_esp_sa sa;
		struct mc_job ja, jb;
		struct mc_esp_rx ra, rb;
		struct mc_flow f;
		u32 len = make_udp(in, v6, sizes[zi], (u8)zi);
		int ea, eb;

		sa_init(&sa, MCSEC_SUITE_AES128_GCM, format, esn, 64);
		tb_set(&a, in, len, HEAD);
		tb_set(&b, in, len, HEAD);
		memset(&ja, 0x5a, sizeof(ja));
		memset(&jb, 0x5a, sizeof(jb));
		ea = mc_esp_encap(&sa, seq, &a.pkt, &ja);
		eb = mc_flow_parse(b.pkt.data, b.pkt.len + 4, &f);
		if (!eb)
			eb = mc_esp_encap_flow(&sa, seq, &b.pkt, &f, &jb);
		/* The job points into its own buffer: compare by offset. */
		if (ea || eb || a.pkt.len != b.pkt.len || a.pkt.headroom != b.pkt.headroom ||
		    memcmp(a.buf, b.buf, sizeof(a.buf)) ||
		    ja.data - a.buf != jb.data - b.buf || ja.tag - a.buf != jb.tag - b.buf ||
		    ja.len != jb.len || ja.aad_len != jb.aad_len ||
		    memcmp(ja.iv, jb.iv, sizeof(ja.iv)) || memcmp(ja.aad, jb.aad, sizeof(ja.aad))) {
			bad++;
			continue;
		}
		mc_oracle_run(&ja, 1);
		mc_oracle_run(&jb, 1);
		memset(&ja, 0x5a, sizeof(ja));
		memset(&jb, 0x5a, sizeof(jb));
		ea = mc_esp_decap_prepare(&sa, &a.pkt, &ja, &ra);
		eb = mc_flow_parse(b.pkt.data, b.pkt.len + 4, &f);
		if (!eb)
			eb = mc_esp_decap_prepare_flow(&sa, &b.pkt, &f, &jb, &rb);
		if (ea || eb || ra.seq != rb.seq || ra.esp_off != rb.esp_off ||
		    ja.data - a.buf != jb.data - b.buf || ja.tag - a.buf != jb.tag - b.buf ||
		    ja.len != jb.len || memcmp(ja.aad, jb.aad, sizeof(ja.aad)))
			bad++;
	}
	tap_ok(!bad, "encap_flow and decap_prepare_flow equal encap and decap_prepare: %u of %u differ",
	       bad, n);
}

/* A spot check of the constants an independent reader would check first. */
static void test_layout_fields(void)
{
	static struct tb t;
	struct mc_esp_sa sa;
	u8 in[200];
	u32 len = make_udp(in, false, 10, 1);
	const u8 *p;

	sa_init(&sa, MCSEC_SUITE_AES128_GCM, TUNNEL, false, 0);
	tb_set(&t, in, len, HEAD);
	encap(&sa, 0x01020304u, &t.pkt);
	p = t.pkt.data;
	/* 20 outer + 8 ESP + 8 IV + (38 inner + 0 pad + 2) + 16 ICV */
	tap_ok(t.pkt.len == 92 && p[0] == 0x45 && p[1] == 0xb6 && r16(p + 4) == 0x1234 &&
	       p[6] == 0x40 && p[8] == 33 && p[9] == 50 && !memcmp(p + 12, in + 12, 8) &&
	       r16(p + 20) == 0x1000 && r16(p + 22) == 0xabcd &&
	       !memcmp(p + 24, "\x01\x02\x03\x04\x00\x00\x00\x00\x01\x02\x03\x04", 12),
	       "tunnel IPv4: outer copies TOS/ID/DF/TTL/addresses; SPI, seq, IV = seq");
}

static void test_ecn(void)
{
	static struct tb t;
	struct mc_esp_sa tx, rx;
	u8 in[200];
	u32 len = make_udp(in, false, 20, 2);

	sa_init(&tx, MCSEC_SUITE_AES128_GCM, TUNNEL, false, 0);
	sa_init(&rx, MCSEC_SUITE_AES128_GCM, TUNNEL, false, 64);
	tb_set(&t, in, len, HEAD);
	encap(&tx, 1, &t.pkt);
	t.pkt.data[1] |= 3;		/* a router marks CE on the outer header */
	naive_ipv4_csum(t.pkt.data);
	tap_ok(decap(&rx, &t.pkt) == 0 && (t.pkt.data[1] & 3) == 3 &&
	       naive_sum(0, t.pkt.data, 20) == 0xffff && !memcmp(t.pkt.data + 20, in + 20, len - 20),
	       "RFC 6040: outer CE reaches an ECT inner header, checksum fixed");
	in[1] = 0xb4;			/* Not-ECT inner */
	naive_ipv4_csum(in);
	tb_set(&t, in, len, HEAD);
	encap(&tx, 2, &t.pkt);
	t.pkt.data[1] |= 3;
	tap_ok(decap(&rx, &t.pkt) == 0 && !memcmp(t.pkt.data, in, len),
	       "RFC 6040: a Not-ECT inner header is left as it was");
}

/* A packet with IPv4 options in transport mode, and Ethernet trailing bytes. */
static void test_options_trailer(void)
{
	static struct tb t;
	struct mc_esp_sa tx, rx;
	u8 in[300], opt[300];
	u32 len = make_udp(in, false, 30, 3);

	/* Insert 4 bytes of options (NOP NOP NOP EOL). */
	memcpy(opt, in, 20);
	memcpy(opt + 20, "\x01\x01\x01\x00", 4);
	memcpy(opt + 24, in + 20, len - 20);
	opt[0] = 0x46;
	w16(opt + 2, len + 4);
	naive_ipv4_csum(opt);
	sa_init(&tx, MCSEC_SUITE_AES256_GCM, TRANSPORT, false, 0);
	sa_init(&rx, MCSEC_SUITE_AES256_GCM, TRANSPORT, false, 64);
	tb_set(&t, opt, len + 4, HEAD);
	tap_ok(encap(&tx, 5, &t.pkt) == 0 && t.pkt.data[0] == 0x46 &&
	       !memcmp(t.pkt.data + 20, "\x01\x01\x01\x00", 4) &&
	       naive_sum(0, t.pkt.data, 24) == 0xffff && t.pkt.data[24] == 0x10 &&
	       decap(&rx, &t.pkt) == 0 && t.pkt.len == len + 4 &&
	       !memcmp(t.pkt.data, opt, len + 4) && tb_bounds_ok(&t),
	       "transport IPv4 with options: kept in place, restored exactly");

	sa_init(&tx, MCSEC_SUITE_AES128_GCM, TUNNEL, false, 0);
	sa_init(&rx, MCSEC_SUITE_AES128_GCM, TUNNEL, false, 64);
	memset(in + len, 0xaa, 6);
	tb_set(&t, in, len + 6, HEAD);
	tap_ok(encap(&tx, 5, &t.pkt) == 0 && tb_bounds_ok(&t) && decap(&rx, &t.pkt) == 0 &&
	       t.pkt.len == len && !memcmp(t.pkt.data, in, len) && tb_bounds_ok(&t),
	       "bytes after the IP length (Ethernet pad) are not carried");
}

static void test_tamper(void)
{
	static struct tb t, good;
	struct mc_esp_sa tx, rx, other;
	struct mc_replay before;
	struct mc_pkt saved;
	struct mc_esp_rx erx;
	struct mc_job job;
	u8 in[300];
	u32 len = make_udp(in, false, 64, 4);
	u64 seq = P32 + 5;
	int r;

	sa_init(&tx, MCSEC_SUITE_AES128_GCM, TUNNEL, true, 0);
	sa_init(&rx, MCSEC_SUITE_AES128_GCM, TUNNEL, true, 64);
	rx.replay.top = P32 + 1;
	tb_set(&good, in, len, HEAD);
	encap(&tx, seq, &good.pkt);
	memcpy(&before, &rx.replay, sizeof(before));

	/* Offsets: outer IPv4 20 | SPI 20 | seq 24 | IV 28 | ciphertext 36 */
	static const struct { u32 off; int want; const char *what; } cases[] = {
		{ 36 + 5, R_AUTH, "ciphertext" },
		{ 0, R_AUTH, "ICV (last byte)" },
		{ 27, R_AUTH, "sequence number low byte (AAD)" },
		{ 24, R_AUTH, "sequence number high byte (AAD)" },
		{ 32, R_AUTH, "IV (nonce)" },
		{ 22, MCSEC_STAT_A_IN_PKTS_NO_SA, "SPI" },
	};
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		u32 off = cases[i].off ? cases[i].off : good.pkt.len - 1;

		tb_copy(&t, &good);
		t.pkt.data[off] ^= 0x01;
		r = decap(&rx, &t.pkt);
		tap_ok(r == cases[i].want, "flipped bit in the %s: reason %d (want %d)",
		       cases[i].what, r, cases[i].want);
	}
	tap_ok(!memcmp(&before, &rx.replay, sizeof(before)),
	       "failed packets never move the replay window");

	/* The SPI is in the AAD: an SA of that SPI and the same key rejects it. */
	other = rx;
	other.spi = SPI ^ 0x00010000;
	tb_copy(&t, &good);
	t.pkt.data[21] ^= 0x01;
	tap_ok(decap(&other, &t.pkt) == R_AUTH,
	       "SPI is authenticated: same key, SA of the flipped SPI: AUTH_FAILED");

	/* ESN: the high half is not on the wire; a wrong inference fails the ICV. */
	other = rx;
	other.replay.top = 5;
	tb_copy(&t, &good);
	tap_ok(decap(&other, &t.pkt) == R_AUTH && other.replay.top == 5,
	       "ESN high half mismatch (receiver infers 0): AUTH_FAILED, window unchanged");
	other = rx;
	other.esn = false;
	other.replay.top = 0;
	tb_copy(&t, &good);
	tap_ok(decap(&other, &t.pkt) == R_AUTH, "ESN packet to a non-ESN SA: AUTH_FAILED");

	tb_copy(&t, &good);
	tap_ok(decap(&rx, &t.pkt) == 0 && rx.replay.top == seq, "the untampered packet passes");

	other = rx;
	other.spi = 0x2000;
	tb_copy(&t, &good);
	saved = t.pkt;
	tap_ok(mc_esp_decap_prepare(&other, &t.pkt, &job, &erx) == MCSEC_STAT_A_IN_PKTS_NO_SA &&
	       !memcmp(&saved, &t.pkt, sizeof(saved)) && !memcmp(t.buf, good.buf, BUFSZ),
	       "SPI not the SA's: NO_SA at prepare, packet untouched");

	/* A job from another packet must not vouch for this one. */
	{
		static struct tb t2;
		struct mc_esp_rx erx2;
		struct mc_job job2;

		tb_copy(&t, &good);
		tb_copy(&t2, &good);
		other = rx;
		other.replay.top = P32 + 1;
		r = mc_esp_decap_prepare(&other, &t.pkt, &job, &erx) ||
		    mc_esp_decap_prepare(&other, &t2.pkt, &job2, &erx2);
		mc_oracle_run(&job2, 1);
		tap_ok(!r && mc_esp_decap_finish(&other, &t.pkt, &job2, &erx) == R_MALF &&
		       other.replay.top == P32 + 1,
		       "finish with another packet's job: MALFORMED, window unchanged");
	}
}

static void test_replay_decap(void)
{
	static struct tb t, t2, p1, p100, p30;
	struct mc_esp_sa tx, rx;
	struct mc_job j1, j2;
	struct mc_esp_rx x1, x2;
	u8 in[300];
	u32 len = make_udp(in, true, 40, 5);

	sa_init(&tx, MCSEC_SUITE_CHACHA20_POLY1305, TUNNEL, false, 0);
	sa_init(&rx, MCSEC_SUITE_CHACHA20_POLY1305, TUNNEL, false, 64);
	tb_set(&p1, in, len, HEAD);
	encap(&tx, 1, &p1.pkt);
	tb_set(&p100, in, len, HEAD);
	encap(&tx, 100, &p100.pkt);
	tb_set(&p30, in, len, HEAD);
	encap(&tx, 30, &p30.pkt);

	tb_copy(&t, &p1);
	tap_ok(decap(&rx, &t.pkt) == 0, "decap: seq 1 accepted");
	tb_copy(&t, &p1);
	tap_ok(decap(&rx, &t.pkt) == MCSEC_STAT_A_IN_PKTS_REPLAYED, "decap: seq 1 again: REPLAYED");
	tb_copy(&t, &p100);
	tap_ok(decap(&rx, &t.pkt) == 0, "decap: seq 100 accepted");
	tb_copy(&t, &p30);
	tap_ok(decap(&rx, &t.pkt) == MCSEC_STAT_A_IN_PKTS_LATE, "decap: seq 30 after 100 (W=64): LATE");

	sa_init(&rx, MCSEC_SUITE_CHACHA20_POLY1305, TUNNEL, false, 64);
	tb_copy(&t, &p30);
	tb_copy(&t2, &p30);
	tap_ok(mc_esp_decap_prepare(&rx, &t.pkt, &j1, &x1) == 0 &&
	       mc_esp_decap_prepare(&rx, &t2.pkt, &j2, &x2) == 0,
	       "a burst with two copies: both pass prepare");
	mc_oracle_run(&j1, 1);
	mc_oracle_run(&j2, 1);
	tap_ok(mc_esp_decap_finish(&rx, &t.pkt, &j1, &x1) == 0 &&
	       mc_esp_decap_finish(&rx, &t2.pkt, &j2, &x2) == MCSEC_STAT_A_IN_PKTS_REPLAYED,
	       "a burst with two copies: the second is REPLAYED at finish");
}

/*
 * Hand-made plaintexts (trailer included) sealed by an oracle job filled in
 * here: the ICV is valid, only padding or next header are wrong. The outer
 * header is a UDP packet's with protocol 50 (in transport mode, the header
 * the payload returns to).
 */
static int crafted(struct mc_esp_sa *rx, bool v6, const u8 *pt, u32 ptlen,
		   u64 seq, struct tb *t)
{
	u8 pkt[1700];
	u32 len;

	make_udp(pkt, v6, 0, 0);
	pkt[v6 ? 6 : 9] = 50;
	len = build_esp(pkt, v6 ? 40 : 20, rx->suite, rx->esn, SPI, seq, pt, ptlen, true);
	tb_set(t, pkt, len, HEAD);
	return decap(rx, &t->pkt);
}

/* pt = body || tail (tail = padding, pad length, next header). */
static int craft2(struct mc_esp_sa *rx, bool v6, const u8 *body, u32 blen,
		  const char *tail, u32 tlen, u64 seq, struct tb *t)
{
	u8 pt[1600];

	memcpy(pt, body, blen);
	memcpy(pt + blen, tail, tlen);
	return crafted(rx, v6, pt, blen + tlen, seq, t);
}

static void test_bad_trailer(void)
{
	static struct tb t;
	struct mc_esp_sa rx;
	u8 in[300], in6[300], big[300];
	u32 len = make_udp(in, false, 33, 6);	/* 61 bytes: 1 byte of padding */
	u32 len6 = make_udp(in6, true, 17, 6);	/* 65 bytes: 1 byte of padding */
	u64 seq = 1;
	int r;

	for (unsigned int si = 0; si < 4; si++) {
		u8 suite = suites[si];
		bool ok;

		sa_init(&rx, suite, TUNNEL, false, 0);
		ok = craft2(&rx, false, in, len, "\x01\x01\x04", 3, seq++, &t) == 0 &&
		     t.pkt.len == len && !memcmp(t.pkt.data, in, len);
		ok &= craft2(&rx, false, in, len, "\x02\x01\x04", 3, seq++, &t) ==
		      MCSEC_STAT_A_IN_PKTS_BAD_PADDING;
		tap_ok(ok, "%s: hand-made packet decaps; pad byte 2 instead of 1: BAD_PADDING",
		       suite_names[suite]);
	}
	sa_init(&rx, MCSEC_SUITE_AES128_GCM, TUNNEL, false, 0);
	tap_ok(craft2(&rx, false, in, len, "\x01\x02\x03\x05\x04\x05\x04", 7, seq++, &t) ==
	       MCSEC_STAT_A_IN_PKTS_BAD_PADDING, "padding 1,2,3,5,4: BAD_PADDING");
	tap_ok(craft2(&rx, false, in, len, "\x01\x02\x03\x04\x05\x05\x04", 7, seq++, &t) == 0 &&
	       t.pkt.len == len && !memcmp(t.pkt.data, in, len),
	       "padding 1..5 (longer than needed, still aligned) accepted");
	tap_ok(craft2(&rx, false, in, len, "\x01\xff\x04", 3, seq++, &t) ==
	       MCSEC_STAT_A_IN_PKTS_BAD_PADDING, "pad length 255 past the payload: BAD_PADDING");
	r = craft2(&rx, false, in, len, "\x01\x3e\x04", 3, seq++, &t);
	tap_ok(r == MCSEC_STAT_A_IN_PKTS_BAD_PADDING,
	       "pad length 62 (over the inner packet): BAD_PADDING (%d)", r);

	/* Tunnel mode: next header must say the inner IP version. */
	r = craft2(&rx, false, in, len, "\x01\x01\x29", 3, seq++, &t);
	tap_ok(r == MCSEC_STAT_A_IN_PKTS_BAD_NEXT_HEADER, "tunnel: IPv4 inner, next header 41: BAD_NEXT_HEADER (%d)", r);
	r = craft2(&rx, false, in6, len6, "\x01\x01\x04", 3, seq++, &t);
	tap_ok(r == MCSEC_STAT_A_IN_PKTS_BAD_NEXT_HEADER, "tunnel: IPv6 inner, next header 4: BAD_NEXT_HEADER (%d)", r);
	r = craft2(&rx, false, in6, len6, "\x01\x01\x29", 3, seq++, &t);
	tap_ok(r == 0 && t.pkt.len == len6 && !memcmp(t.pkt.data, in6, len6),
	       "tunnel: IPv6 inner in an IPv4 outer header decaps (%d)", r);
	r = craft2(&rx, false, in, len, "\x01\x01\x11", 3, seq++, &t);
	tap_ok(r == MCSEC_STAT_A_IN_PKTS_BAD_NEXT_HEADER, "tunnel: next header 17: BAD_NEXT_HEADER (%d)", r);
	r = craft2(&rx, false, in, 0, "\x01\x02\x02\x3b", 4, seq++, &t);
	tap_ok(r == MCSEC_STAT_A_IN_PKTS_BAD_NEXT_HEADER, "tunnel: dummy packet (59): BAD_NEXT_HEADER (%d)", r);
	memcpy(big, in, len);
	w16(big + 2, len + 4);
	naive_ipv4_csum(big);
	r = craft2(&rx, false, big, len, "\x01\x01\x04", 3, seq++, &t);
	tap_ok(r == R_MALF, "tunnel: inner IP length past the payload: MALFORMED (%d)", r);
	memcpy(big, in, len);
	memcpy(big + len, "\xaa\xbb\xcc", 3);	/* TFC padding after the inner packet */
	r = craft2(&rx, false, big, len + 3, "\x01\x02\x02\x04", 4, seq++, &t);
	tap_ok(r == 0 && t.pkt.len == len && !memcmp(t.pkt.data, in, len) && tb_bounds_ok(&t),
	       "tunnel: TFC padding after the inner packet is trimmed (%d)", r);

	/* Transport mode: anything but 4, 41, 59. */
	sa_init(&rx, MCSEC_SUITE_AES256_GCM, TRANSPORT, false, 0);
	{
		static const char *const nh[] = { "\x01\x01\x04", "\x01\x01\x29", "\x01\x01\x3b" };
		u8 body[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
		bool ok = true;

		for (unsigned int i = 0; i < 3; i++) {
			ok &= craft2(&rx, false, body, 9, nh[i], 3, seq++, &t) ==
			      MCSEC_STAT_A_IN_PKTS_BAD_NEXT_HEADER;
			ok &= craft2(&rx, true, body, 9, nh[i], 3, seq++, &t) ==
			      MCSEC_STAT_A_IN_PKTS_BAD_NEXT_HEADER;
		}
		tap_ok(ok, "transport: next header 4, 41, 59: BAD_NEXT_HEADER (IPv4 and IPv6)");
		r = craft2(&rx, false, body, 9, "\x01\x01\x06", 3, seq++, &t);
		tap_ok(r == 0 && t.pkt.len == 29 && t.pkt.data[9] == 6 &&
		       r16(t.pkt.data + 2) == 29 && naive_sum(0, t.pkt.data, 20) == 0xffff &&
		       !memcmp(t.pkt.data + 20, body, 9) && tb_bounds_ok(&t),
		       "transport IPv4: next header 6 restored into the header, length and checksum fixed");
		r = craft2(&rx, true, body, 9, "\x01\x01\x06", 3, seq++, &t);
		tap_ok(r == 0 && t.pkt.len == 49 && t.pkt.data[6] == 6 && r16(t.pkt.data + 4) == 9 &&
		       !memcmp(t.pkt.data + 40, body, 9) && tb_bounds_ok(&t),
		       "transport IPv6: next header and payload length restored");
	}
}

/* Every truncation, and every truncation with the IP length made to fit. */
static void test_truncation(void)
{
	static struct tb t;
	unsigned int fi, v6;

	for (fi = 0; fi < 2; fi++)
	for (v6 = 0; v6 < 2; v6++) {
		u8 format = fi ? TRANSPORT : TUNNEL;
		struct mc_esp_sa tx, rx;
		u8 in[300];
		u32 len = make_udp(in, v6, 21, 7), full, cut, l3 = v6 ? 40 : 20;
		unsigned int bad = 0, seen_malf = 0, seen_auth = 0;

		sa_init(&tx, MCSEC_SUITE_AES128_GMAC, format, false, 0);
		sa_init(&rx, MCSEC_SUITE_AES128_GMAC, format, false, 64);
		tb_set(&t, in, len, HEAD);
		encap(&tx, 9, &t.pkt);
		full = t.pkt.len;
		for (cut = 0; cut < full; cut++) {
			for (int fix = 0; fix < 2; fix++) {
				/* Exactly cut bytes on the heap: ASan sees any overread. */
				u8 *p = malloc(cut ? cut : 1);
				struct mc_pkt pk = { p, cut, 0, 0 };
				int r;

				memcpy(p, t.pkt.data, cut);
				if (fix && cut < l3) {
					free(p);
					continue;
				}
				if (fix && v6) {
					w16(p + 4, cut - 40);
				} else if (fix) {
					w16(p + 2, cut);
					naive_ipv4_csum(p);
				}
				r = decap(&rx, &pk);
				seen_malf += r == R_MALF;
				seen_auth += r == R_AUTH;
				if (fix ? r != R_TRUNC && r != R_MALF && r != R_AUTH : r != R_TRUNC) {
					tap_diag("cut %u fix %d: %d", cut, fix, r);
					bad++;
				}
				if (pk.data != p || pk.len != cut)
					bad++;
				free(p);
			}
		}
		tap_ok(!bad && rx.replay.top == 0,
		       "truncated %s IPv%c at every length 0..%u: TRUNCATED, MALFORMED or AUTH_FAILED (%u, %u)",
		       format == TUNNEL ? "tunnel" : "transport", v6 ? '6' : '4', full - 1,
		       seen_malf, seen_auth);
	}
}

static void test_room(void)
{
	static struct tb t;
	static u8 copy[BUFSZ];
	unsigned int fi, v6;

	for (fi = 0; fi < 2; fi++)
	for (v6 = 0; v6 < 2; v6++) {
		u8 format = fi ? TRANSPORT : TUNNEL;
		struct mc_esp_sa sa;
		u8 in[300];
		u32 len = make_udp(in, v6, 10, 8);		/* 38/58: pad 0 */
		u32 front = format == TUNNEL ? (v6 ? 56 : 36) : 16, back = 2 + 16;
		struct mc_pkt saved;
		struct mc_job job;
		bool ok;

		sa_init(&sa, MCSEC_SUITE_AES128_GCM, format, false, 0);
		tb_set(&t, in, len, front - 1);
		saved = t.pkt;
		memcpy(copy, t.buf, BUFSZ);
		ok = mc_esp_encap(&sa, 1, &t.pkt, &job) == MCSEC_STAT_A_OUT_PKTS_TOO_BIG &&
		     !memcmp(&saved, &t.pkt, sizeof(saved)) && !memcmp(copy, t.buf, BUFSZ);
		tb_set(&t, in, len, front);
		t.pkt.tailroom = back - 1;
		saved = t.pkt;
		memcpy(copy, t.buf, BUFSZ);
		ok &= mc_esp_encap(&sa, 1, &t.pkt, &job) == MCSEC_STAT_A_OUT_PKTS_TOO_BIG &&
		      !memcmp(&saved, &t.pkt, sizeof(saved)) && !memcmp(copy, t.buf, BUFSZ);
		t.pkt.tailroom = back;
		ok &= mc_esp_encap(&sa, 1, &t.pkt, &job) == 0 && t.pkt.headroom == 0 &&
		      t.pkt.tailroom == 0;
		tap_ok(ok, "%s IPv%c: one byte short of head- or tailroom: TOO_BIG, packet untouched; exact room fits",
		       format == TUNNEL ? "tunnel" : "transport", v6 ? '6' : '4');
	}
}

/* The 16-bit IP length: the largest inner packets that still fit, and one more byte. */
static int encap_len(u8 format, u32 inner)
{
	static u8 buf[70000];
	struct mc_esp_sa sa;
	struct mc_job job;
	struct mc_pkt p = { buf + 100, inner, 100, sizeof(buf) - 100 - inner };

	memset(buf, 0, sizeof(buf));
	buf[100] = 0x45;
	w16(buf + 102, inner);
	buf[108] = 64;
	buf[109] = 6;
	sa_init(&sa, MCSEC_SUITE_AES128_GCM, format, false, 0);
	return mc_esp_encap(&sa, 1, &p, &job);
}

static void test_too_big(void)
{
	/* tunnel: 36 + (65478 + 0 + 2) + 16 = 65532; 65479 needs 3 bytes of pad: 65536 */
	tap_ok(encap_len(TUNNEL, 65478) == 0 &&
	       encap_len(TUNNEL, 65479) == MCSEC_STAT_A_OUT_PKTS_TOO_BIG,
	       "tunnel: outer length 65532 fits, 65536 is TOO_BIG");
	tap_ok(encap_len(TRANSPORT, 65498) == 0 &&
	       encap_len(TRANSPORT, 65499) == MCSEC_STAT_A_OUT_PKTS_TOO_BIG,
	       "transport: total length 65532 fits, 65536 is TOO_BIG");
}

static void test_seq(void)
{
	static struct tb t;
	struct mc_esp_sa sa, rx;
	struct mc_pkt saved;
	struct mc_job job;
	u8 in[300];
	u32 len = make_udp(in, false, 10, 9);
	bool ok;

	for (int esn = 0; esn < 2; esn++) {
		sa_init(&sa, MCSEC_SUITE_AES128_GCM, TUNNEL, esn, 0);
		tb_set(&t, in, len, HEAD);
		saved = t.pkt;
		tap_ok(mc_esp_encap(&sa, 0, &t.pkt, &job) == MCSEC_STAT_A_OUT_PKTS_SEQ_EXHAUSTED &&
		       !memcmp(&saved, &t.pkt, sizeof(saved)),
		       "%s: sequence number 0 (a wrapped counter): SEQ_EXHAUSTED", esn ? "ESN" : "32-bit");
	}
	sa_init(&sa, MCSEC_SUITE_AES128_GCM, TUNNEL, false, 0);
	sa_init(&rx, MCSEC_SUITE_AES128_GCM, TUNNEL, false, 64);
	tb_set(&t, in, len, HEAD);
	saved = t.pkt;
	ok = mc_esp_encap(&sa, P32, &t.pkt, &job) == MCSEC_STAT_A_OUT_PKTS_SEQ_EXHAUSTED &&
	     !memcmp(&saved, &t.pkt, sizeof(saved));
	ok &= mc_esp_encap(&sa, UINT64_MAX, &t.pkt, &job) == MCSEC_STAT_A_OUT_PKTS_SEQ_EXHAUSTED;
	tap_ok(ok, "32-bit: 2^32 and beyond: SEQ_EXHAUSTED, packet untouched");
	rx.replay.top = 0xfffffff0u;
	tap_ok(encap(&sa, 0xffffffffu, &t.pkt) == 0 && decap(&rx, &t.pkt) == 0 &&
	       rx.replay.top == 0xffffffffu, "32-bit: 2^32 - 1 is the last number sent and received");

	sa_init(&sa, MCSEC_SUITE_AES128_GCM, TUNNEL, true, 0);
	sa_init(&rx, MCSEC_SUITE_AES128_GCM, TUNNEL, true, 64);
	rx.replay.top = UINT64_MAX - 10;
	tb_set(&t, in, len, HEAD);
	tap_ok(encap(&sa, P32, &t.pkt) == 0, "ESN: 2^32 is fine");
	tb_set(&t, in, len, HEAD);
	tap_ok(encap(&sa, UINT64_MAX, &t.pkt) == 0 && decap(&rx, &t.pkt) == 0 &&
	       rx.replay.top == UINT64_MAX && !memcmp(t.pkt.data, in, len),
	       "ESN: 2^64 - 1 is the last number sent and received");
}

static void test_unsupported(void)
{
	static struct tb t;
	struct mc_esp_sa sa;
	struct mc_pkt saved;
	struct mc_job job;
	u8 in[300];
	u32 len;
	int r;

	len = make_udp(in, true, 10, 10);
	in[6] = 0;				/* hop-by-hop options */
	for (int fi = 0; fi < 2; fi++) {
		sa_init(&sa, MCSEC_SUITE_AES128_GCM, fi ? TRANSPORT : TUNNEL, false, 0);
		tb_set(&t, in, len, HEAD);
		saved = t.pkt;
		r = mc_esp_encap(&sa, 1, &t.pkt, &job);
		tap_ok(r == MCSEC_STAT_A_OUT_PKTS_UNSUPPORTED && !memcmp(&saved, &t.pkt, sizeof(saved)),
		       "%s: IPv6 with extension headers: UNSUPPORTED (%d)", fi ? "transport" : "tunnel", r);
	}
	len = make_udp(in, false, 10, 10);
	sa_init(&sa, MCSEC_SUITE_AES128_GCM, TRANSPORT, false, 0);
	for (int i = 0; i < 3; i++) {
		static const u8 protos[] = { 4, 41, 59 };

		in[9] = protos[i];
		tb_set(&t, in, len, HEAD);
		r = mc_esp_encap(&sa, 1, &t.pkt, &job);
		tap_ok(r == MCSEC_STAT_A_OUT_PKTS_UNSUPPORTED,
		       "transport: payload protocol %u cannot be carried: UNSUPPORTED (%d)", protos[i], r);
	}
	in[6] = 0x20;				/* MF */
	in[9] = 17;
	tb_set(&t, in, len, HEAD);
	tap_ok(mc_esp_encap(&sa, 1, &t.pkt, &job) == R_MALF, "a fragment: MALFORMED");
	in[6] = 0x40;
	tb_set(&t, in, len - 1, HEAD);
	tap_ok(mc_esp_encap(&sa, 1, &t.pkt, &job) == R_MALF, "an inner packet cut short: MALFORMED");
	sa.suite = MCSEC_SUITE_AES128_CBC;
	tb_set(&t, in, len, HEAD);
	tap_ok(mc_esp_encap(&sa, 1, &t.pkt, &job) == MCSEC_STAT_A_OUT_PKTS_NO_SA,
	       "an SA with a TS suite is no ESP SA: NO_SA");
}

static void test_parse(void)
{
	struct mc_flow f;
	u8 p[300], q[300];
	u32 len;

	len = make_udp(p, false, 12, 11);
	tap_ok(mc_flow_parse(p, len, &f) == 0 && f.family == MC_AF_INET && f.proto == 17 &&
	       f.ttl == 33 && f.saddr == p + 12 && f.daddr == p + 16 && f.l3_len == 20 &&
	       f.ip_len == len && f.sport == 5000 && f.dport == 1234 && f.payload_off == 28 &&
	       f.payload_len == 12, "parse IPv4 UDP");
	tap_ok(mc_flow_parse(p, len + 10, &f) == 0 && f.ip_len == len,
	       "parse: bytes after the IP length allowed");
	tap_ok(mc_flow_parse(p, len - 1, &f) == R_TRUNC && mc_flow_parse(p, 0, &f) == R_TRUNC &&
	       mc_flow_parse(p, 19, &f) == R_TRUNC, "parse IPv4: buffer short of the length: TRUNCATED");
	memcpy(q, p, len);
	q[0] = 0x44;
	tap_ok(mc_flow_parse(q, len, &f) == R_MALF, "parse IPv4: IHL 4: MALFORMED");
	q[0] = 0x55;
	tap_ok(mc_flow_parse(q, len, &f) == R_MALF, "parse: version 5: MALFORMED");
	memcpy(q, p, len);
	w16(q + 6, 0x0001);
	tap_ok(mc_flow_parse(q, len, &f) == R_MALF, "parse IPv4: fragment offset: MALFORMED");
	w16(q + 6, 0x2000);
	tap_ok(mc_flow_parse(q, len, &f) == R_MALF, "parse IPv4: MF: MALFORMED");
	memcpy(q, p, len);
	w16(q + 2, 19);
	tap_ok(mc_flow_parse(q, len, &f) == R_MALF, "parse IPv4: total length under the header: MALFORMED");
	memcpy(q, p, len);
	w16(q + 24, len - 20 + 1);
	tap_ok(mc_flow_parse(q, len, &f) == R_TRUNC, "parse UDP: length past the IP payload: TRUNCATED");
	w16(q + 24, 7);
	tap_ok(mc_flow_parse(q, len, &f) == R_MALF, "parse UDP: length under 8: MALFORMED");
	w16(q + 24, 10);
	tap_ok(mc_flow_parse(q, len, &f) == 0 && f.payload_len == 2, "parse UDP: shorter UDP length: its payload");
	w16(q + 2, 27);
	tap_ok(mc_flow_parse(q, 27, &f) == R_TRUNC, "parse UDP: header cut: TRUNCATED");

	len = make_udp(p, true, 12, 11);
	tap_ok(mc_flow_parse(p, len, &f) == 0 && f.family == MC_AF_INET6 && f.proto == 17 &&
	       f.ttl == 17 && f.saddr == p + 8 && f.daddr == p + 24 && f.l3_len == 40 &&
	       f.ip_len == len && f.payload_off == 48 && f.payload_len == 12, "parse IPv6 UDP");
	tap_ok(mc_flow_parse(p, len - 1, &f) == R_TRUNC && mc_flow_parse(p, 39, &f) == R_TRUNC,
	       "parse IPv6: buffer short: TRUNCATED");
	memcpy(q, p, len);
	q[6] = 44;
	tap_ok(mc_flow_parse(q, len, &f) == R_MALF, "parse IPv6: fragment header: MALFORMED");
	for (int i = 0; i < 4; i++) {
		static const u8 ext[] = { 0, 43, 60, 51 };

		q[6] = ext[i];
		tap_ok(mc_flow_parse(q, len, &f) == MCSEC_STAT_A_OUT_PKTS_UNSUPPORTED,
		       "parse IPv6: extension header %u: UNSUPPORTED", ext[i]);
	}
	q[6] = 50;
	tap_ok(mc_flow_parse(q, 43, &f) == R_TRUNC, "parse ESP: SPI cut: TRUNCATED");
	w32(q + 40, 0xdeadbeef);
	tap_ok(mc_flow_parse(q, len, &f) == 0 && f.spi == 0xdeadbeef && f.payload_off == 40 &&
	       f.payload_len == 20, "parse ESP: SPI read, payload is the ESP packet");
}

static void test_csum(void)
{
	/* The worked example everyone checks: checksum 0xb861. */
	u8 ip[20] = { 0x45, 0, 0, 0x73, 0, 0, 0x40, 0, 0x40, 0x11, 0xaa, 0xaa,
		      0xc0, 0xa8, 0, 1, 0xc0, 0xa8, 0, 0xc7 };
	u8 p[1600], q[1600];
	struct mc_flow f;
	bool ok = true;

	mc_ipv4_csum_update(ip);
	tap_ok(r16(ip + 10) == 0xb861, "IPv4 header checksum of the textbook header: 0xb861");
	for (u32 n = 0; n < 1400 && ok; n += 37) {
		for (int v6 = 0; v6 < 2; v6++) {
			u32 len = make_udp(p, v6, n, (u8)n);

			memcpy(q, p, len);
			q[(v6 ? 48 : 28) - 2] ^= 0x5a;
			ok &= mc_flow_parse(q, len, &f) == 0;
			mc_udp_csum_update(q, &f);
			ok &= !memcmp(p, q, len);
		}
	}
	tap_ok(ok, "UDP checksum (IPv4, IPv6, odd and even lengths) equals RFC 1071 by the book");
	ok = true;
	for (u32 n = 0; n < 64; n++)
		ok &= mc_csum_fold(mc_csum_add(0, p, n)) == (~naive_sum(0, p, n) & 0xffff);
	tap_ok(ok, "mc_csum_add/fold equal the 16-bit reference at every length 0..63");
	/* The 8-byte path: every length to 1600, odd addresses, sums chained
	 * on, all-0xff and all-zero data (the +0/-0 corners). */
	ok = true;
	for (u32 fill = 0; fill < 3; fill++) {
		for (u32 i = 0; i < sizeof(q); i++)
			q[i] = fill == 0 ? (u8)(i * 131 + 7) : fill == 1 ? 0xff : 0;
		for (u32 n = 0; n + 8 <= sizeof(q); n++) {
			u32 start = (n * 7919u) & 0xffffu;

			ok &= mc_csum_fold(mc_csum_add(start, q + 3, n)) ==
			      (~naive_sum(start, q + 3, n) & 0xffff);
			ok &= mc_csum_fold(mc_csum_add(mc_csum_add(start, q, 8), q + 8, n)) ==
			      (~naive_sum(naive_sum(start, q, 8), q + 8, n) & 0xffff);
		}
	}
	tap_ok(ok, "mc_csum_add/fold equal the 16-bit reference at every length 0..1592, odd addresses, chained, all-ones and all-zero data");
}

int main(void)
{
	unsigned int i;

	for (i = 0; i < 4; i++)
		okeys[suites[i]] = mc_oracle_key_new(suites[i], raw_key,
						     mc_suite_key_len(suites[i]));
	test_parse();
	test_csum();
	test_roundtrip();
	test_layout();
	test_flow_variants();
	test_layout_fields();
	test_ecn();
	test_options_trailer();
	test_tamper();
	test_replay_decap();
	test_bad_trailer();
	test_truncation();
	test_room();
	test_too_big();
	test_seq();
	test_unsupported();
	for (i = 0; i < 4; i++)
		mc_oracle_key_free(okeys[suites[i]]);
	return tap_done();
}
