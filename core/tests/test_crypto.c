// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The intel-ipsec-mb backend (crypto_mb.c) against the OpenSSL oracle:
 * every op and suite with random keys, nonces, AAD and lengths, run through
 * both and compared byte for byte; tampering refused by both; wrong key
 * lengths refused; bursts larger than the backend's chunk; and known-answer
 * GCM vectors from McGrew & Viega, "The Galois/Counter Mode of Operation",
 * checked against the oracle as well as the backend.
 *
 * MCSEC_TEST_SEED=<n> changes the random stream (the seed is printed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "oracle.h"
#include "suite.h"
#include "tap.h"

#define MAX_DATA	2048
#define MAX_AAD2	1500

static u64 rng_state;

static u64 rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static u32 rnd_below(u32 n)
{
	return n ? (u32)(rnd() % n) : 0;
}

static void rnd_bytes(u8 *p, u32 n)
{
	while (n--)
		*p++ = (u8)rnd();
}

static struct mc_crypto *eng;

static const char *suite_name(u8 s)
{
	switch (s) {
	case MCSEC_SUITE_AES128_GCM: return "aes128-gcm";
	case MCSEC_SUITE_AES256_GCM: return "aes256-gcm";
	case MCSEC_SUITE_AES128_GMAC: return "aes128-gmac";
	case MCSEC_SUITE_CHACHA20_POLY1305: return "chacha20-poly1305";
	case MCSEC_SUITE_AES128_CBC: return "aes128-cbc";
	default: return "?";
	}
}

/* One test case: a job and the buffers it points into, in two copies. */
struct tcase {
	u8 data[MAX_DATA];
	u8 aad2[MAX_AAD2];
	u8 tag[16];
	struct mc_job job;
};

static void tcase_point(struct tcase *t)
{
	t->job.data = t->data;
	t->job.aad2 = t->job.aad2_len ? t->aad2 : NULL;
	t->job.tag = t->tag;
}

static void tcase_copy(struct tcase *dst, const struct tcase *src,
		       const void *key)
{
	memcpy(dst, src, sizeof(*dst));
	tcase_point(dst);
	dst->job.key = key;
}

static bool tcase_same(const struct tcase *a, const struct tcase *b)
{
	return a->job.status == b->job.status &&
	       !memcmp(a->data, b->data, a->job.len) &&
	       (a->job.op == MC_OP_CBC_ENCRYPT || a->job.op == MC_OP_CBC_DECRYPT ||
		!memcmp(a->tag, b->tag, a->job.tag_len));
}

struct keypair {
	struct mc_key *mc;
	struct mc_oracle_key *or;
};

static bool keypair_new(struct keypair *kp, u8 suite)
{
	u8 raw[32];
	u32 len = mc_suite_key_len(suite);

	rnd_bytes(raw, len);
	kp->mc = mc_key_new(eng, suite, raw, len);
	kp->or = mc_oracle_key_new(suite, raw, len);
	memset(raw, 0, sizeof(raw));
	return kp->mc && kp->or;
}

static void keypair_free(struct keypair *kp)
{
	mc_key_free(kp->mc);
	mc_oracle_key_free(kp->or);
}

/* Interesting lengths first, then random ones. */
static u32 pick_len(u32 iter, u32 max)
{
	static const u32 edge[] = { 0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65,
				    127, 128, 129, 255, 256, 257, 1316, 1500,
				    2047, 2048 };

	if (iter < sizeof(edge) / sizeof(edge[0]))
		return edge[iter] <= max ? edge[iter] : max;
	return rnd_below(max + 1);
}

enum aad_shape {
	AAD_ESP,	/* aad 8 or 12 bytes, no aad2: GCM/ChaCha ESP */
	AAD_GMAC,	/* aad 8 or 12, aad2 0..MAX_AAD2, no data: RFC 4543 */
	AAD_SPLIT,	/* aad 0..12, aad2 0..64 and data: the copy path */
};

/* ICV length of the AEAD jobs made: 16 for ESP; GCM also allows 12 and 8. */
static u8 aead_tag_len = 16;

static void make_aead(struct tcase *t, u8 op, enum aad_shape shape, u32 iter)
{
	struct mc_job *j = &t->job;

	memset(j, 0, sizeof(*j));
	j->op = op;
	j->iv_len = 12;
	j->tag_len = aead_tag_len;
	rnd_bytes(j->iv, 12);
	switch (shape) {
	case AAD_ESP:
		j->aad_len = rnd_below(2) ? 12 : 8;
		j->len = pick_len(iter, MAX_DATA);
		break;
	case AAD_GMAC:
		j->aad_len = rnd_below(2) ? 12 : 8;
		/* Every aad2 length up to 80, then random ones. */
		j->aad2_len = iter <= 80 ? iter : rnd_below(MAX_AAD2 + 1);
		j->len = 0;
		break;
	case AAD_SPLIT:
		j->aad_len = rnd_below(13);
		j->aad2_len = rnd_below(65);
		j->len = pick_len(iter, MAX_DATA);
		break;
	}
	rnd_bytes(j->aad, sizeof(j->aad));
	rnd_bytes(t->aad2, j->aad2_len);
	rnd_bytes(t->data, j->len);
	memset(t->tag, 0, sizeof(t->tag));
	tcase_point(t);
}

static struct tcase ta, tb, tplain;

/*
 * Random AEAD round: encrypt through both, compare; decrypt the backend's
 * output through both, compare with the plaintext; then one tampering of
 * tag, data, AAD or aad2 must fail in both. Returns a failure text or NULL.
 */
static const char *aead_round(struct keypair *kp, enum aad_shape shape,
			      u32 iter, u32 tamper_counts[4])
{
	u32 what, off;

	make_aead(&tplain, MC_OP_AEAD_ENCRYPT, shape, iter);
	tcase_copy(&ta, &tplain, kp->mc);
	tcase_copy(&tb, &tplain, kp->or);
	mc_crypto_run(eng, &ta.job, 1);
	mc_oracle_run(&tb.job, 1);
	if (ta.job.status != MC_JOB_OK || tb.job.status != MC_JOB_OK)
		return "encrypt status";
	if (!tcase_same(&ta, &tb))
		return "encrypt output differs from the oracle";

	/* Decrypt the backend's ciphertext with both. */
	ta.job.op = MC_OP_AEAD_DECRYPT;
	tcase_copy(&tb, &ta, kp->or);
	mc_crypto_run(eng, &ta.job, 1);
	mc_oracle_run(&tb.job, 1);
	if (ta.job.status != MC_JOB_OK || tb.job.status != MC_JOB_OK)
		return "decrypt status";
	if (memcmp(ta.data, tplain.data, tplain.job.len) ||
	    memcmp(tb.data, tplain.data, tplain.job.len))
		return "decrypt does not give the plaintext back";

	/* Re-encrypt, then tamper with one thing. */
	tcase_copy(&ta, &tplain, kp->mc);
	mc_crypto_run(eng, &ta.job, 1);
	ta.job.op = MC_OP_AEAD_DECRYPT;
	for (;;) {
		what = rnd_below(4);
		if (what == 1 && !ta.job.len)
			continue;
		if (what == 2 && !ta.job.aad_len)
			continue;
		if (what == 3 && !ta.job.aad2_len)
			continue;
		break;
	}
	switch (what) {
	case 0:
		ta.tag[rnd_below(ta.job.tag_len)] ^= (u8)(1 + rnd_below(255));
		break;
	case 1:
		off = rnd_below(ta.job.len);
		ta.data[off] ^= (u8)(1 + rnd_below(255));
		break;
	case 2:
		ta.job.aad[rnd_below(ta.job.aad_len)] ^= (u8)(1 + rnd_below(255));
		break;
	case 3:
		ta.aad2[rnd_below(ta.job.aad2_len)] ^= (u8)(1 + rnd_below(255));
		break;
	}
	tamper_counts[what]++;
	tcase_copy(&tb, &ta, kp->or);
	mc_crypto_run(eng, &ta.job, 1);
	mc_oracle_run(&tb.job, 1);
	if (ta.job.status != MC_JOB_AUTH_FAILED)
		return "tampered job not refused by the backend";
	if (tb.job.status != MC_JOB_AUTH_FAILED)
		return "tampered job not refused by the oracle";
	return NULL;
}

static void test_aead(u8 suite, enum aad_shape shape, u32 rounds,
		      const char *what)
{
	u32 tamper[4] = { 0 }, i, fails = 0;
	const char *err = NULL, *first = NULL;
	u32 first_iter = 0;

	for (i = 0; i < rounds; i++) {
		struct keypair kp;

		if (!keypair_new(&kp, suite)) {
			err = "key";
		} else {
			err = aead_round(&kp, shape, i, tamper);
		}
		keypair_free(&kp);
		if (err) {
			fails++;
			if (!first) {
				first = err;
				first_iter = i;
			}
		}
	}
	if (first)
		tap_diag("%s %s: round %u: %s (len %u aad %u aad2 %u)",
			 suite_name(suite), what, first_iter, first,
			 tplain.job.len, tplain.job.aad_len,
			 tplain.job.aad2_len);
	tap_ok(fails == 0,
	       "%s %s: %u rounds equal to the oracle, tampering refused by both "
	       "(tag %u, data %u, aad %u, aad2 %u)",
	       suite_name(suite), what, rounds, tamper[0], tamper[1], tamper[2],
	       tamper[3]);
}

/* CBC: CISSA (residual clear) and IDSA (residual XORed). */
static void test_cbc(u8 residual)
{
	const char *name = residual == MC_RESIDUAL_IDSA ? "IDSA" : "CISSA";
	u32 len, fails = 0, rounds = 0, res_seen = 0, i;
	struct keypair kp;

	/* Every length 0..300 (all residuals 0..15, many times), then random
	 * ones up to 2048; a fresh key and IV each time. */
	for (i = 0; i < 301 + 300; i++) {
		len = i <= 300 ? i : rnd_below(MAX_DATA + 1);
		if (!keypair_new(&kp, MCSEC_SUITE_AES128_CBC)) {
			fails++;
			keypair_free(&kp);
			continue;
		}
		memset(&tplain.job, 0, sizeof(tplain.job));
		tplain.job.op = MC_OP_CBC_ENCRYPT;
		tplain.job.residual = residual;
		tplain.job.len = len;
		tplain.job.iv_len = 16;
		rnd_bytes(tplain.job.iv, 16);
		rnd_bytes(tplain.data, len);
		tcase_point(&tplain);
		tcase_copy(&ta, &tplain, kp.mc);
		tcase_copy(&tb, &tplain, kp.or);
		mc_crypto_run(eng, &ta.job, 1);
		mc_oracle_run(&tb.job, 1);
		rounds++;
		res_seen |= 1u << (len % 16);
		if (ta.job.status || tb.job.status || !tcase_same(&ta, &tb)) {
			if (!fails)
				tap_diag("%s encrypt len %u differs", name, len);
			fails++;
		} else {
			/* In-place decrypt through both, back to the plaintext. */
			ta.job.op = MC_OP_CBC_DECRYPT;
			tcase_copy(&tb, &ta, kp.or);
			mc_crypto_run(eng, &ta.job, 1);
			mc_oracle_run(&tb.job, 1);
			if (ta.job.status || tb.job.status ||
			    memcmp(ta.data, tplain.data, len) ||
			    memcmp(tb.data, tplain.data, len)) {
				if (!fails)
					tap_diag("%s decrypt len %u wrong", name, len);
				fails++;
			}
		}
		/* CISSA leaves the residual clear; IDSA changes it. */
		if (!fails && len % 16 && residual == MC_RESIDUAL_CLEAR) {
			tcase_copy(&ta, &tplain, kp.mc);
			mc_crypto_run(eng, &ta.job, 1);
			if (memcmp(ta.data + len - len % 16,
				   tplain.data + len - len % 16, len % 16)) {
				tap_diag("CISSA residual changed at len %u", len);
				fails++;
			}
		}
		keypair_free(&kp);
	}
	tap_ok(fails == 0 && res_seen == 0xffff,
	       "AES-128-CBC %s: %u lengths 0..2048 (every residual 0..15) "
	       "equal to the oracle, in-place decrypt round trips", name,
	       rounds);
}

/* A burst far larger than the backend's chunk, every kind of job mixed. */
static void test_burst(void)
{
	enum { N = 300 };
	static struct tcase a[N], b[N], p[N];
	static struct mc_job ja[N], jb[N];
	static const u8 suites[] = { MCSEC_SUITE_AES128_GCM,
				     MCSEC_SUITE_AES256_GCM,
				     MCSEC_SUITE_AES128_GMAC,
				     MCSEC_SUITE_CHACHA20_POLY1305,
				     MCSEC_SUITE_AES128_CBC };
	struct keypair kp[5];
	u32 i, bad = 0, bad_dec = 0;

	for (i = 0; i < 5; i++)
		if (!keypair_new(&kp[i], suites[i]))
			bad++;
	for (i = 0; i < N; i++) {
		u32 s = rnd_below(5);

		if (suites[s] == MCSEC_SUITE_AES128_CBC) {
			memset(&p[i].job, 0, sizeof(p[i].job));
			p[i].job.op = MC_OP_CBC_ENCRYPT;
			p[i].job.residual = rnd_below(2) ? MC_RESIDUAL_IDSA :
							   MC_RESIDUAL_CLEAR;
			p[i].job.len = rnd_below(MAX_DATA + 1);
			rnd_bytes(p[i].job.iv, 16);
			rnd_bytes(p[i].data, p[i].job.len);
			tcase_point(&p[i]);
		} else {
			make_aead(&p[i], MC_OP_AEAD_ENCRYPT,
				  suites[s] == MCSEC_SUITE_AES128_GMAC ?
				  AAD_GMAC : AAD_ESP, 1000);
		}
		tcase_copy(&a[i], &p[i], kp[s].mc);
		tcase_copy(&b[i], &p[i], kp[s].or);
	}
	for (i = 0; i < N; i++) {
		ja[i] = a[i].job;
		jb[i] = b[i].job;
	}
	mc_crypto_run(eng, ja, N);
	mc_oracle_run(jb, N);
	for (i = 0; i < N; i++) {
		a[i].job.status = ja[i].status;
		b[i].job.status = jb[i].status;
		if (ja[i].status || !tcase_same(&a[i], &b[i]))
			bad++;
	}
	/* Decrypt the whole burst back; every third tag broken. */
	for (i = 0; i < N; i++) {
		ja[i].op = ja[i].op == MC_OP_CBC_ENCRYPT ? MC_OP_CBC_DECRYPT :
			   MC_OP_AEAD_DECRYPT;
		if (ja[i].op == MC_OP_AEAD_DECRYPT && i % 3 == 0)
			a[i].tag[0] ^= 0x80;
	}
	mc_crypto_run(eng, ja, N);
	for (i = 0; i < N; i++) {
		bool broken = ja[i].op == MC_OP_AEAD_DECRYPT && i % 3 == 0;

		if (broken ? ja[i].status != MC_JOB_AUTH_FAILED :
		    ja[i].status != MC_JOB_OK ||
		    memcmp(a[i].data, p[i].data, p[i].job.len))
			bad_dec++;
	}
	for (i = 0; i < 5; i++)
		keypair_free(&kp[i]);
	tap_ok(bad == 0, "burst of %u mixed jobs in one mc_crypto_run equals the oracle", N);
	tap_ok(bad_dec == 0, "burst decrypt: good tags verify, broken ones fail, plaintext back");
}

static void test_key_lengths(void)
{
	static const u8 suites[] = { MCSEC_SUITE_AES128_GCM,
				     MCSEC_SUITE_AES256_GCM,
				     MCSEC_SUITE_AES128_GMAC,
				     MCSEC_SUITE_CHACHA20_POLY1305,
				     MCSEC_SUITE_AES128_CBC };
	u8 raw[64] = { 0 };
	u32 i, l, refused = 0, tried = 0, accepted = 0;

	for (i = 0; i < sizeof(suites); i++) {
		for (l = 0; l <= 40; l++) {
			struct mc_key *k = mc_key_new(eng, suites[i], raw, l);

			if (l == mc_suite_key_len(suites[i])) {
				accepted += k != NULL;
			} else {
				tried++;
				refused += k == NULL;
			}
			mc_key_free(k);
		}
	}
	tap_ok(accepted == sizeof(suites) && refused == tried,
	       "mc_key_new takes exactly the suite's key length (%u wrong lengths refused, salted lengths included)",
	       refused);
	tap_ok(!mc_key_new(eng, MCSEC_SUITE_UNSPEC, raw, 16) &&
	       !mc_key_new(eng, MCSEC_SUITE_MAX + 1, raw, 16) &&
	       !mc_key_new(eng, 200, raw, 32),
	       "mc_key_new refuses unknown suites");
}

/* Jobs the backend cannot run are refused, not guessed at. */
static void test_bad_jobs(void)
{
	struct keypair gcm, cbc;
	struct mc_job j;
	u8 buf[64] = { 0 }, tag[16] = { 0 };
	u32 ok = 0;

	keypair_new(&gcm, MCSEC_SUITE_AES128_GCM);
	keypair_new(&cbc, MCSEC_SUITE_AES128_CBC);

	memset(&j, 0, sizeof(j));
	j.key = gcm.mc; j.op = MC_OP_AEAD_ENCRYPT; j.data = buf; j.len = 16;
	j.tag = tag; j.tag_len = 16; j.iv_len = 16;	/* not 12 */
	mc_crypto_run(eng, &j, 1);
	ok += j.status == MC_JOB_ERROR;

	j.iv_len = 12; j.tag_len = 5;			/* no such tag */
	mc_crypto_run(eng, &j, 1);
	ok += j.status == MC_JOB_ERROR;

	j.tag_len = 16; j.op = MC_OP_CBC_ENCRYPT;	/* GCM key for CBC */
	mc_crypto_run(eng, &j, 1);
	ok += j.status == MC_JOB_ERROR;

	j.key = cbc.mc; j.op = MC_OP_AEAD_ENCRYPT;	/* CBC key for AEAD */
	mc_crypto_run(eng, &j, 1);
	ok += j.status == MC_JOB_ERROR;

	j.key = NULL;
	mc_crypto_run(eng, &j, 1);
	ok += j.status == MC_JOB_ERROR;

	/* The count it returns: a bad job between good ones of each path, a
	 * broken tag not an error. */
	{
		struct mc_job m[4];
		u8 d[4][32] = { { 0 } }, t[4][16] = { { 0 } };
		u32 n_err, k;

		for (k = 0; k < 4; k++) {
			memset(&m[k], 0, sizeof(m[k]));
			m[k].data = d[k];
			m[k].len = 32;
			m[k].tag = t[k];
			m[k].tag_len = 16;
			m[k].iv_len = 12;
			m[k].key = gcm.mc;
			m[k].op = MC_OP_AEAD_ENCRYPT;
		}
		m[1].key = cbc.mc;
		m[1].op = MC_OP_CBC_ENCRYPT;
		m[1].iv_len = 16;
		m[2].key = NULL;			/* the bad one */
		m[3].op = MC_OP_AEAD_DECRYPT;		/* tag all zero: fails */
		n_err = mc_crypto_run(eng, m, 4);
		ok += n_err == 1 && m[0].status == MC_JOB_OK &&
		      m[1].status == MC_JOB_OK && m[2].status == MC_JOB_ERROR &&
		      m[3].status == MC_JOB_AUTH_FAILED;
	}

	keypair_free(&gcm);
	keypair_free(&cbc);
	tap_ok(ok == 6, "malformed jobs get MC_JOB_ERROR and are counted (%u of 6)", ok);
}

/*
 * Known answers from McGrew & Viega, "The Galois/Counter Mode of Operation
 * (GCM)", appendix B, test cases with a 96-bit IV. Each is checked against
 * the OpenSSL oracle too, so a mistyped vector cannot pass silently.
 */
struct kat {
	const char *name;
	u8 suite;
	const char *key, *iv, *aad, *pt, *ct, *tag;
};

static const struct kat kats[] = {
	{ "test case 2", MCSEC_SUITE_AES128_GCM,
	  "00000000000000000000000000000000", "000000000000000000000000", "",
	  "00000000000000000000000000000000",
	  "0388dace60b6a392f328c2b971b2fe78",
	  "ab6e47d42cec13bdf53a67b21257bddf" },
	{ "test case 3", MCSEC_SUITE_AES128_GCM,
	  "feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888", "",
	  "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	  "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
	  "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
	  "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
	  "4d5c2af327cd64a62cf35abd2ba6fab4" },
	{ "test case 4", MCSEC_SUITE_AES128_GCM,
	  "feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
	  "feedfacedeadbeeffeedfacedeadbeefabaddad2",
	  "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	  "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
	  "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
	  "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
	  "5bc94fbc3221a5db94fae95ae7121a47" },
	{ "test case 14", MCSEC_SUITE_AES256_GCM,
	  "0000000000000000000000000000000000000000000000000000000000000000",
	  "000000000000000000000000", "",
	  "00000000000000000000000000000000",
	  "cea7403d4d606b6e074ec5d3baf39d18",
	  "d0d1c8a799996bf0265b98b5d48ab919" },
	{ "test case 16", MCSEC_SUITE_AES256_GCM,
	  "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
	  "cafebabefacedbaddecaf888",
	  "feedfacedeadbeeffeedfacedeadbeefabaddad2",
	  "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	  "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
	  "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
	  "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
	  "76fc6ece0f4e1768cddf8853bb2d551b" },
};

static void test_kat(const struct kat *v)
{
	u8 key[32], iv[12], aad[32], pt[64], ct[64], tag[16];
	int kl = tap_hex(v->key, key, sizeof(key));
	int il = tap_hex(v->iv, iv, sizeof(iv));
	int al = tap_hex(v->aad, aad, sizeof(aad));
	int pl = tap_hex(v->pt, pt, sizeof(pt));
	int cl = tap_hex(v->ct, ct, sizeof(ct));
	int tl = tap_hex(v->tag, tag, sizeof(tag));
	struct mc_key *mk;
	struct mc_oracle_key *ok;
	bool good[2] = { false, false };
	int side;

	if (kl < 0 || il != 12 || al < 0 || pl < 0 || cl != pl || tl != 16) {
		tap_ok(false, "GCM %s: vector parses", v->name);
		return;
	}
	mk = mc_key_new(eng, v->suite, key, (u32)kl);
	ok = mc_oracle_key_new(v->suite, key, (u32)kl);
	for (side = 0; side < 2 && mk && ok; side++) {
		struct tcase *t = &ta;
		struct mc_job *j = &t->job;

		memset(j, 0, sizeof(*j));
		j->key = side ? (const void *)ok : (const void *)mk;
		j->op = MC_OP_AEAD_ENCRYPT;
		j->iv_len = 12;
		memcpy(j->iv, iv, 12);
		/* The job's aad[] holds 12 bytes; the rest goes to aad2. */
		j->aad_len = (u8)(al < 12 ? al : 12);
		memcpy(j->aad, aad, j->aad_len);
		j->aad2_len = (u32)al - j->aad_len;
		memcpy(t->aad2, aad + j->aad_len, j->aad2_len);
		j->len = (u32)pl;
		memcpy(t->data, pt, (size_t)pl);
		j->tag_len = 16;
		tcase_point(t);
		if (side)
			mc_oracle_run(j, 1);
		else
			mc_crypto_run(eng, j, 1);
		good[side] = j->status == MC_JOB_OK &&
			     !memcmp(t->data, ct, (size_t)cl) &&
			     !memcmp(t->tag, tag, 16);
	}
	mc_key_free(mk);
	mc_oracle_key_free(ok);
	tap_ok(good[0] && good[1],
	       "GCM spec %s (%s, %d-byte AAD, %d-byte text): backend %s, oracle %s",
	       v->name, suite_name(v->suite), al, pl,
	       good[0] ? "agrees" : "DIFFERS", good[1] ? "agrees" : "DIFFERS");
}

int main(void)
{
	const char *seed = getenv("MCSEC_TEST_SEED");
	static const u8 aead[] = { MCSEC_SUITE_AES128_GCM,
				   MCSEC_SUITE_AES256_GCM,
				   MCSEC_SUITE_AES128_GMAC,
				   MCSEC_SUITE_CHACHA20_POLY1305 };
	u32 i;

	rng_state = seed ? strtoull(seed, NULL, 0) : 0x6d63736563ULL;
	if (!rng_state)
		rng_state = 1;
	tap_diag("seed %#llx", (unsigned long long)rng_state);

	eng = mc_crypto_new();
	if (!tap_ok(eng != NULL, "mc_crypto_new"))
		return tap_done();
	tap_diag("intel-ipsec-mb chose the %s code path", mc_crypto_arch(eng));

	test_key_lengths();
	test_bad_jobs();
	for (i = 0; i < sizeof(kats) / sizeof(kats[0]); i++)
		test_kat(&kats[i]);

	for (i = 0; i < sizeof(aead); i++) {
		test_aead(aead[i], AAD_ESP, 400, "ESP-shaped AAD, data 0..2048");
		test_aead(aead[i], AAD_SPLIT, 200, "split AAD (aad 0..12 + aad2 0..64) with data");
	}
	test_aead(MCSEC_SUITE_AES128_GMAC, AAD_GMAC, 400,
		  "RFC 4543 shape: no data, aad2 0..1500");
	test_aead(MCSEC_SUITE_AES128_GCM, AAD_GMAC, 100,
		  "no data, aad2 0..1500");
	test_aead(MCSEC_SUITE_AES256_GCM, AAD_GMAC, 100,
		  "no data, aad2 0..1500");
	aead_tag_len = 12;
	test_aead(MCSEC_SUITE_AES128_GCM, AAD_ESP, 100, "12-byte ICV");
	test_aead(MCSEC_SUITE_AES256_GCM, AAD_SPLIT, 50, "12-byte ICV, split AAD");
	aead_tag_len = 8;
	test_aead(MCSEC_SUITE_AES128_GCM, AAD_ESP, 100, "8-byte ICV");
	test_aead(MCSEC_SUITE_AES128_GMAC, AAD_GMAC, 50, "8-byte ICV, RFC 4543 shape");
	aead_tag_len = 16;

	test_cbc(MC_RESIDUAL_CLEAR);
	test_cbc(MC_RESIDUAL_IDSA);
	test_burst();

	mc_crypto_free(eng);
	return tap_done();
}
