// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * MPEG-TS scrambling (core/ts.c) with the OpenSSL oracle running the jobs.
 *
 * Known answers: the ETSI TS 103 127 Annex B CISSA packet, read from
 * core/tests/vectors/ at run time (MCSEC_TEST_VECTORS overrides the folder),
 * and a reference scrambler written here straight on EVP for every payload
 * length, both CISSA and IDSA. Then round trips over every adaptation field
 * length, PID selection, RTP framing, and every way a datagram is refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>

#include "ts.h"
#include "suite.h"
#include "oracle.h"
#include "tap.h"

#ifndef MC_TEST_VECTORS
#define MC_TEST_VECTORS "core/tests/vectors"
#endif

#define PKT	MC_TS_PKT_LEN
#define MALFORMED	MCSEC_STAT_A_IN_PKTS_MALFORMED
#define TRUNCATED	MCSEC_STAT_A_IN_PKTS_TRUNCATED

static const u8 raw_even[16] = "even-control-wd";
static const u8 raw_odd[16] = "odd--control-wd";
static struct mc_oracle_key *k_even, *k_odd;
static const void *keys[2];
static struct mc_job jobs[MC_TS_MAX_PER_DGRAM];
/* One datagram bigger than any legal one, plus its pristine copy. */
static u8 dg[(MC_TS_MAX_PER_DGRAM + 2) * PKT], dg0[sizeof(dg)];

static u32 rng_state = 0x2545f491;

static u8 rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return (u8)(rng_state >> 11);
}

static void fill(u8 *p, u32 len)
{
	while (len--)
		*p++ = rnd();
}

/*
 * One TS packet: tsc and afc as 2-bit numbers; with an adaptation field of
 * af_len bytes (flags byte 0x10, i.e. a PCR, then stuffing) when afc & 2.
 * Payload and whatever else is random.
 */
static void ts_make(u8 *ts, u16 pid, u8 tsc, u8 afc, u32 af_len, u8 cc)
{
	fill(ts, PKT);
	ts[0] = MC_TS_SYNC;
	ts[1] = (u8)((ts[1] & 0xe0) | (pid >> 8 & 0x1f));
	ts[2] = (u8)pid;
	ts[3] = (u8)(tsc << 6 | afc << 4 | (cc & 0x0f));
	if (afc & 2) {
		ts[4] = (u8)af_len;
		if (af_len)
			ts[5] = 0x10;
		/* stuffing, within the packet even for a bad af_len */
		if (af_len > 7)
			memset(ts + 12, 0xff, (af_len < 183 ? af_len : 183) - 7);
	}
}

static u32 payload_off(const u8 *ts)
{
	u8 afc = ts[3] >> 4 & 3;

	if (!(afc & 1))
		return PKT;
	return afc & 2 ? 5 + ts[4] : 4;
}

static u8 tsc_of(const u8 *ts)
{
	return ts[3] >> 6;
}

static const struct mc_ts_cfg cissa = { MCSEC_FORMAT_TS_CISSA, false, NULL };
static const struct mc_ts_cfg idsa = { MCSEC_FORMAT_TS_IDSA, false, NULL };

static const void *key_of(u8 parity)
{
	return parity == MCSEC_PARITY_ODD ? keys[1] : keys[0];
}

/* Runs the jobs; false when a job failed in the oracle. */
static bool run_jobs(u32 n)
{
	u32 i;

	mc_oracle_run(jobs, n);
	for (i = 0; i < n; i++)
		if (jobs[i].status != MC_JOB_OK)
			return false;
	return true;
}

/* Scramble then run the jobs. Returns the core's result, -1 on a job error. */
static int scr(const struct mc_ts_cfg *cfg, u8 *p, u32 len, u8 parity,
	       struct mc_ts_tally *t, u32 *nj)
{
	int rc = mc_ts_scramble(cfg, p, len, parity, key_of(parity), jobs, nj, t);

	if (!rc && !run_jobs(*nj))
		return -1;
	return rc;
}

static int dscr_keys(const struct mc_ts_cfg *cfg, u8 *p, u32 len,
		     const void *const k[2], struct mc_ts_tally *t, u32 *nj)
{
	int rc = mc_ts_descramble(cfg, p, len, k, jobs, nj, t);

	if (!rc && !run_jobs(*nj))
		return -1;
	return rc;
}

static int dscr(const struct mc_ts_cfg *cfg, u8 *p, u32 len,
		struct mc_ts_tally *t, u32 *nj)
{
	return dscr_keys(cfg, p, len, keys, t, nj);
}

/* scrambled, descrambled, clear, no_payload, already_scrambled, reserved */
static bool tally_is(const struct mc_ts_tally *t, int s, int d, int c,
		     int np, int as, int rs)
{
	return t->scrambled == s && t->descrambled == d && t->clear == c &&
	       t->no_payload == np && t->already_scrambled == as &&
	       t->reserved_sc == rs;
}

/* ---- the Annex B vector, from the file ---- */

struct vec {
	char format[16], parity[16];
	u8 key[16], clear[PKT], scrambled[PKT];
	int key_len, clear_len, scrambled_len;
};

/* Appends the hex of one line to the field it names. */
static bool vec_line(struct vec *v, char *line)
{
	char *val = strchr(line, ' ');
	u8 *dst;
	int *have, max, n;

	if (!val)
		return false;
	*val++ = 0;
	val[strcspn(val, "\r\n")] = 0;
	if (!strcmp(line, "format"))
		return snprintf(v->format, sizeof(v->format), "%s", val) > 0;
	if (!strcmp(line, "parity"))
		return snprintf(v->parity, sizeof(v->parity), "%s", val) > 0;
	if (!strcmp(line, "key")) {
		dst = v->key, have = &v->key_len, max = sizeof(v->key);
	} else if (!strcmp(line, "clear")) {
		dst = v->clear, have = &v->clear_len, max = sizeof(v->clear);
	} else if (!strcmp(line, "scrambled")) {
		dst = v->scrambled, have = &v->scrambled_len, max = PKT;
	} else {
		return false;
	}
	n = tap_hex(val, dst + *have, max - *have);
	if (n < 0)
		return false;
	*have += n;
	return true;
}

static bool vec_load(const char *path, struct vec *v)
{
	char line[512];
	bool ok = true;
	FILE *f;

	memset(v, 0, sizeof(*v));
	f = fopen(path, "r");
	if (!f)
		return false;
	while (ok && fgets(line, sizeof(line), f))
		if (line[0] != '#' && line[0] != '\n')
			ok = vec_line(v, line);
	fclose(f);
	return ok && v->key_len == 16 && v->clear_len == PKT &&
	       v->scrambled_len == PKT;
}

static void test_annex_b(void)
{
	const char *dir = getenv("MCSEC_TEST_VECTORS");
	struct mc_oracle_key *k;
	struct mc_ts_tally t;
	char path[1024];
	struct vec v;
	u8 buf[PKT];
	u32 nj;
	int rc;

	snprintf(path, sizeof(path), "%s/cissa_annex_b.txt",
		 dir ? dir : MC_TEST_VECTORS);
	if (!tap_ok(vec_load(path, &v), "Annex B vector read from %s", path))
		return;
	tap_ok(!strcmp(v.format, "cissa") && !strcmp(v.parity, "even"),
	       "Annex B vector: CISSA, even parity");
	k = mc_oracle_key_new(MCSEC_SUITE_AES128_CBC, v.key, 16);
	memcpy(buf, v.clear, PKT);
	rc = mc_ts_scramble(&cissa, buf, PKT, MCSEC_PARITY_EVEN, k, jobs, &nj, &t);
	tap_ok(!rc && nj == 1 && tally_is(&t, 1, 0, 0, 0, 0, 0) &&
	       jobs[0].len == 184 && run_jobs(nj) &&
	       !memcmp(buf, v.scrambled, PKT),
	       "Annex B: scrambling the clear packet gives the scrambled one byte for byte");
	rc = mc_ts_descramble(&cissa, buf, PKT, (const void *const[2]){ k, NULL },
			      jobs, &nj, &t);
	tap_ok(!rc && nj == 1 && tally_is(&t, 0, 1, 0, 0, 0, 0) &&
	       run_jobs(nj) && !memcmp(buf, v.clear, PKT),
	       "Annex B: descrambling the scrambled packet gives the clear one byte for byte");
	mc_oracle_key_free(k);
}

/* ---- a reference scrambler on EVP, independent of core and oracle ---- */

static bool evp_run(const EVP_CIPHER *c, const u8 *key, const u8 *iv,
		    const u8 *in, int len, u8 *out)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, ok;

	ok = ctx && EVP_EncryptInit_ex(ctx, c, NULL, key, iv) &&
	     EVP_CIPHER_CTX_set_padding(ctx, 0) &&
	     EVP_EncryptUpdate(ctx, out, &n, in, len) && n == len;
	EVP_CIPHER_CTX_free(ctx);
	return ok;
}

/*
 * The scrambled form of a payload: AES-128-CBC over the whole blocks; the
 * r = len % 16 bytes left stay clear (CISSA) or are XORed with AES(K, last
 * ciphertext block, or the zero IV when there is none) (IDSA).
 */
static bool ref_scramble(bool is_idsa, const u8 key[16], const u8 *in,
			 u32 len, u8 *out)
{
	static const u8 zero[16];
	const u8 *iv = is_idsa ? zero : mc_cissa_iv;
	u32 full = len - len % 16, i;
	u8 pad[16];

	memcpy(out, in, len);
	if (full && !evp_run(EVP_aes_128_cbc(), key, iv, in, (int)full, out))
		return false;
	if (!is_idsa || full == len)
		return true;
	if (!evp_run(EVP_aes_128_ecb(), key, NULL, full ? out + full - 16 : iv,
		     16, pad))
		return false;
	for (i = 0; full + i < len; i++)
		out[full + i] ^= pad[i];
	return true;
}

/* Payload length plen (0..184) as afc 01 (184) or afc 11 with an AF. */
static void ts_with_payload(u8 *ts, u16 pid, u32 plen)
{
	if (plen == 184)
		ts_make(ts, pid, 0, 1, 0, 7);
	else
		ts_make(ts, pid, 0, 3, 183 - plen, 7);
}

static void test_reference(bool is_idsa)
{
	const char *name = is_idsa ? "IDSA" : "CISSA";
	const struct mc_ts_cfg *cfg = is_idsa ? &idsa : &cissa;
	u8 ts[PKT], want[PKT];
	struct mc_ts_tally t;
	u32 plen, off, nj, bad = 0, first_bad = 0;
	int rc;

	for (plen = 1; plen <= 184; plen++) {
		ts_with_payload(ts, 0x100, plen);
		off = PKT - plen;
		memcpy(want, ts, PKT);
		want[3] |= 0xc0;	/* odd */
		if (!ref_scramble(is_idsa, raw_odd, ts + off, plen, want + off)) {
			bad++;
			continue;
		}
		rc = scr(cfg, ts, PKT, MCSEC_PARITY_ODD, &t, &nj);
		if (rc || memcmp(ts, want, PKT)) {
			if (!bad++)
				first_bad = plen;
		}
	}
	if (!tap_ok(!bad, "%s: core + oracle equal an EVP reference scrambler "
		    "for every payload length 1..184 (residuals 0..15)", name))
		tap_diag("%u lengths differ, first %u", bad, first_bad);
}

/* ---- round trips over every payload shape ---- */

/*
 * One packet shape: checks what the scrambler changed and that the
 * descrambler restores it. Returns NULL or what went wrong.
 */
static const char *round_trip_one(const struct mc_ts_cfg *cfg, u8 parity,
				  u8 afc, u32 af_len)
{
	bool is_idsa = cfg->format == MCSEC_FORMAT_TS_IDSA;
	u8 ts[PKT], orig[PKT], mark = parity == MCSEC_PARITY_EVEN ? 2 : 3;
	u32 off, plen, res, nj, want_jobs;
	struct mc_ts_tally t;

	ts_make(ts, 0x1234, 0, afc, af_len, 3);
	memcpy(orig, ts, PKT);
	off = payload_off(ts);
	plen = PKT - off;
	res = is_idsa ? 0 : plen % 16;
	want_jobs = plen && (is_idsa || plen >= 16);
	if (scr(cfg, ts, PKT, parity, &t, &nj))
		return "scramble failed";
	if (nj != want_jobs)
		return "scramble job count";
	if (plen ? !tally_is(&t, 1, 0, 0, 0, 0, 0) :
		   !tally_is(&t, 0, 0, 0, 1, 0, 0))
		return "scramble tally";
	if (memcmp(ts, orig, 3) || (ts[3] & 0x3f) != (orig[3] & 0x3f))
		return "header changed beyond the scrambling bits";
	if (tsc_of(ts) != (plen ? mark : 0))
		return "scrambling bits";
	if (memcmp(ts + 4, orig + 4, off - 4))
		return "adaptation field changed";
	if (res && memcmp(ts + PKT - res, orig + PKT - res, res))
		return "CISSA residual changed";
	if (plen - res && !memcmp(ts + off, orig + off, plen - res))
		return "payload not scrambled";
	if (dscr(cfg, ts, PKT, &t, &nj))
		return "descramble failed";
	if (nj != want_jobs)
		return "descramble job count";
	if (plen ? !tally_is(&t, 0, 1, 0, 0, 0, 0) :
		   !tally_is(&t, 0, 0, 1, 0, 0, 0))
		return "descramble tally";
	if (memcmp(ts, orig, PKT))
		return "descramble did not restore the packet";
	return NULL;
}

static void test_round_trips(const struct mc_ts_cfg *cfg, u8 parity)
{
	const char *name = cfg->format == MCSEC_FORMAT_TS_IDSA ? "IDSA" : "CISSA";
	const char *err = NULL;
	u32 af, shapes = 0;

	err = round_trip_one(cfg, parity, 1, 0);
	shapes++;
	for (af = 0; !err && af <= 183; af++, shapes++)
		err = round_trip_one(cfg, parity, 3, af);
	if (!err) {
		err = round_trip_one(cfg, parity, 2, 183);
		shapes++;
	}
	if (!err) {
		err = round_trip_one(cfg, parity, 0, 0);
		shapes++;
	}
	if (!tap_ok(!err, "%s %s: %u shapes (afc 01; afc 11 with AF 0..183; "
		    "afc 10; afc 00) scramble as specified and round-trip",
		    name, parity == MCSEC_PARITY_EVEN ? "even" : "odd", shapes))
		tap_diag("%s at shape %u", err, shapes);
}

/* The jobs themselves: where they point and what they carry. */
static void test_job_fields(void)
{
	static const u8 zero[16];
	struct mc_ts_tally t;
	u8 p[2 * PKT];
	u32 nj;
	int rc;

	ts_make(p, 0x100, 0, 3, 10, 0);
	ts_make(p + PKT, 0x101, 0, 1, 0, 0);
	rc = mc_ts_scramble(&cissa, p, sizeof(p), MCSEC_PARITY_ODD, keys[1],
			    jobs, &nj, &t);
	tap_ok(!rc && nj == 2 && jobs[0].data == p + 15 && jobs[0].len == 173 &&
	       jobs[1].data == p + PKT + 4 && jobs[1].len == 184 &&
	       jobs[0].key == keys[1] && jobs[0].op == MC_OP_CBC_ENCRYPT &&
	       jobs[0].residual == MC_RESIDUAL_CLEAR && jobs[0].iv_len == 16 &&
	       !memcmp(jobs[0].iv, "DVBTMCPTAESCISSA", 16) &&
	       !jobs[0].aad_len && !jobs[0].tag_len && !jobs[0].aad2_len,
	       "CISSA jobs: payload bounds, key, op, fixed IV, residual clear");
	ts_make(p, 0x100, 2, 1, 0, 0);
	ts_make(p + PKT, 0x100, 3, 1, 0, 0);
	rc = mc_ts_descramble(&idsa, p, sizeof(p), keys, jobs, &nj, &t);
	tap_ok(!rc && nj == 2 && jobs[0].key == keys[0] && jobs[1].key == keys[1] &&
	       jobs[0].op == MC_OP_CBC_DECRYPT &&
	       jobs[0].residual == MC_RESIDUAL_IDSA &&
	       !memcmp(jobs[0].iv, zero, 16) && tsc_of(p) == 0 &&
	       tsc_of(p + PKT) == 0,
	       "IDSA jobs: even/odd key by the bits, decrypt, zero IV, bits reset");
}

/* ---- PID selection ---- */

static const u16 sel_pids[] = { 0x0000, 0x0001, 0x0010, 0x001f, 0x0020,
				0x0100, 0x1ffe, 0x1fff };

static void build_pids(u8 *p)
{
	u32 i;

	for (i = 0; i < 8; i++)
		ts_make(p + i * PKT, sel_pids[i], 0, 1, 0, (u8)i);
}

/* Bit i of the result: packet i was marked. */
static u32 marked(const u8 *p, u32 n)
{
	u32 i, m = 0;

	for (i = 0; i < n; i++)
		if (tsc_of(p + i * PKT))
			m |= 1u << i;
	return m;
}

static bool clear_untouched(const u8 *p, const u8 *orig, u32 n, u32 mask)
{
	u32 i;

	for (i = 0; i < n; i++)
		if (!(mask & 1u << i) &&
		    memcmp(p + i * PKT, orig + i * PKT, PKT))
			return false;
	return true;
}

static void test_pid_selection(void)
{
	static u8 map[MC_TS_PID_MAP_BYTES];
	struct mc_ts_cfg cfg = cissa;
	u8 p[8 * PKT], orig[8 * PKT];
	struct mc_ts_tally t;
	u32 nj, m;
	int rc;

	build_pids(p);
	memcpy(orig, p, sizeof(p));
	rc = scr(&cfg, p, sizeof(p), MCSEC_PARITY_EVEN, &t, &nj);
	m = marked(p, 8);
	tap_ok(!rc && m == 0x70 && nj == 3 && tally_is(&t, 3, 0, 5, 0, 0, 0) &&
	       clear_untouched(p, orig, 8, m),
	       "default selection: 0x0020, 0x0100, 0x1FFE scrambled; "
	       "0x0000-0x001F and 0x1FFF passed clear, untouched");
	rc = dscr(&cfg, p, sizeof(p), &t, &nj);
	tap_ok(!rc && tally_is(&t, 0, 3, 5, 0, 0, 0) && !memcmp(p, orig, sizeof(p)),
	       "default selection: descrambled back");

	/* An explicit map replaces the default, PSI and null PID included. */
	map[0x0000 >> 3] |= 1 << (0x0000 & 7);
	map[0x0100 >> 3] |= 1 << (0x0100 & 7);
	map[0x1fff >> 3] |= 1 << (0x1fff & 7);
	cfg.pid_map = map;
	rc = scr(&cfg, p, sizeof(p), MCSEC_PARITY_ODD, &t, &nj);
	m = marked(p, 8);
	tap_ok(!rc && m == 0xa1 && nj == 3 && tally_is(&t, 3, 0, 5, 0, 0, 0) &&
	       clear_untouched(p, orig, 8, m),
	       "explicit PID map: exactly 0x0000, 0x0100, 0x1FFF scrambled");
	rc = dscr(&cfg, p, sizeof(p), &t, &nj);
	tap_ok(!rc && tally_is(&t, 0, 3, 5, 0, 0, 0) && !memcmp(p, orig, sizeof(p)),
	       "explicit PID map: descrambled back");
	memset(map, 0, sizeof(map));
	rc = scr(&cfg, p, sizeof(p), MCSEC_PARITY_ODD, &t, &nj);
	tap_ok(!rc && !nj && tally_is(&t, 0, 0, 8, 0, 0, 0) &&
	       !memcmp(p, orig, sizeof(p)),
	       "empty PID map: nothing scrambled");
}

/* ---- RTP ---- */

/* RTP header with cc CSRCs and an extension of ext words (ext < 0: none). */
static u32 rtp_make(u8 *p, u32 cc, int ext)
{
	u32 off = 12 + 4 * cc;

	fill(p, off);
	p[0] = (u8)(0x80 | cc);
	p[1] = 33;	/* MP2T */
	if (ext >= 0) {
		p[0] |= 0x10;
		fill(p + off, 4 + 4 * (u32)ext);
		p[off + 2] = (u8)(ext >> 8);
		p[off + 3] = (u8)ext;
		off += 4 + 4 * (u32)ext;
	}
	return off;
}

static void test_rtp(void)
{
	struct mc_ts_cfg cfg = idsa;
	struct mc_ts_tally t;
	u32 off, len, i, nj;
	int rc;

	cfg.rtp = true;
	off = rtp_make(dg, 3, 2);
	tap_ok(off == 12 + 12 + 4 + 8 && mc_rtp_skip(dg, off) == (int)off,
	       "mc_rtp_skip: 3 CSRCs and a 2-word extension: offset 36");
	for (i = 0; i < 7; i++)
		ts_make(dg + off + i * PKT, (u16)(0x100 + i), 0, 1, 0, (u8)i);
	len = off + 7 * PKT;
	memcpy(dg0, dg, len);
	rc = scr(&cfg, dg, len, MCSEC_PARITY_EVEN, &t, &nj);
	tap_ok(!rc && nj == 7 && tally_is(&t, 7, 0, 0, 0, 0, 0) &&
	       !memcmp(dg, dg0, off) && marked(dg + off, 7) == 0x7f,
	       "RTP with CSRCs and extension: 7 TS packets scrambled, RTP header untouched");
	rc = dscr(&cfg, dg, len, &t, &nj);
	tap_ok(!rc && tally_is(&t, 0, 7, 0, 0, 0, 0) && !memcmp(dg, dg0, len),
	       "RTP with CSRCs and extension: descrambled back");

	/* Padding: 5 bytes, the last one counts them; they are not TS data. */
	off = rtp_make(dg, 0, -1);
	dg[0] |= 0x20;
	for (i = 0; i < 7; i++)
		ts_make(dg + off + i * PKT, 0x100, 0, 1, 0, (u8)i);
	len = off + 7 * PKT + 5;
	memset(dg + len - 5, 0, 4);
	dg[len - 1] = 5;
	memcpy(dg0, dg, len);
	tap_ok(mc_rtp_skip(dg, len) == 12, "mc_rtp_skip: plain header with padding: 12");
	rc = scr(&cfg, dg, len, MCSEC_PARITY_ODD, &t, &nj);
	tap_ok(!rc && nj == 7 && !memcmp(dg + len - 5, dg0 + len - 5, 5) &&
	       !memcmp(dg, dg0, 12) && jobs[6].data + jobs[6].len == dg + len - 5,
	       "RTP padding excluded: 7 TS packets scrambled, padding untouched");
	rc = dscr(&cfg, dg, len, &t, &nj);
	tap_ok(!rc && !memcmp(dg, dg0, len), "RTP padding: descrambled back");
}

/* The datagram must be refused with reason want, unchanged, in both directions. */
static void expect_refused(const struct mc_ts_cfg *cfg, u32 len, int want,
			   const char *what)
{
	struct mc_ts_tally t;
	u32 nj = 99, nj2 = 99;
	int rc, rc2;

	memcpy(dg0, dg, len);
	rc = mc_ts_scramble(cfg, dg, len, MCSEC_PARITY_EVEN, keys[0], jobs, &nj, &t);
	rc2 = mc_ts_descramble(cfg, dg, len, keys, jobs, &nj2, &t);
	tap_ok(rc == want && rc2 == want && !nj && !nj2 &&
	       tally_is(&t, 0, 0, 0, 0, 0, 0) && !memcmp(dg, dg0, len),
	       "%s: reason %d both ways, buffer byte-identical", what, want);
	if (rc != want || rc2 != want)
		tap_diag("got %d / %d", rc, rc2);
}

/* Seven scrambleable and descramble-able packets at dg + off. */
static void seven(u32 off)
{
	u32 i;

	for (i = 0; i < 7; i++)
		ts_make(dg + off + i * PKT, 0x100, i & 1 ? 2 : 0, 1, 0, (u8)i);
}

static void test_malformed(void)
{
	struct mc_ts_cfg rtp = cissa;
	u32 off;

	seven(0);
	dg[4 * PKT] = 0x46;
	expect_refused(&cissa, 7 * PKT, MALFORMED, "bad sync byte in packet 5 of 7");
	seven(0);
	dg[6 * PKT] = 0;
	expect_refused(&cissa, 7 * PKT, MALFORMED, "bad sync byte in the last packet");
	seven(0);
	expect_refused(&cissa, 7 * PKT - 1, MALFORMED, "length 7 * 188 - 1");
	expect_refused(&cissa, 7 * PKT + 1, MALFORMED, "length 7 * 188 + 1");
	expect_refused(&cissa, 187, TRUNCATED, "length 187");
	expect_refused(&cissa, 0, TRUNCATED, "length 0");
	seven(0);
	ts_make(dg + 2 * PKT, 0x100, 0, 3, 184, 0);
	expect_refused(&cissa, 7 * PKT, MALFORMED, "AF length 184 with payload");
	ts_make(dg + 2 * PKT, 0x100, 0, 2, 184, 0);
	expect_refused(&cissa, 7 * PKT, MALFORMED, "AF length 184, AF only");
	ts_make(dg + 2 * PKT, 0x100, 0, 3, 255, 0);
	expect_refused(&idsa, 7 * PKT, MALFORMED, "AF length 255");
	seven(0);
	memset(dg + 7 * PKT, 0, sizeof(dg) - 7 * PKT);
	for (off = 7 * PKT; off < sizeof(dg); off += PKT)
		dg[off] = MC_TS_SYNC;
	expect_refused(&idsa, (MC_TS_MAX_PER_DGRAM + 1) * PKT, MALFORMED,
		       "349 TS packets, more than a UDP datagram holds");

	rtp.rtp = true;
	off = rtp_make(dg, 2, 1);
	seven(off);
	dg[0] = (u8)(dg[0] & 0x3f) | 0x40;
	expect_refused(&rtp, off + 7 * PKT, MALFORMED, "RTP version 1");
	tap_ok(mc_rtp_skip(dg, off + 7 * PKT) == -1, "mc_rtp_skip: version 1 is -1");
	dg[0] = (u8)(dg[0] & 0x3f) | 0x80;
	expect_refused(&rtp, 11, TRUNCATED, "RTP shorter than 12 bytes");
	tap_ok(mc_rtp_skip(dg, 11) == -1, "mc_rtp_skip: 11 bytes is -1");
	expect_refused(&rtp, 12 + 4, TRUNCATED, "RTP ending inside its CSRC list");
	expect_refused(&rtp, 12 + 8 + 2, TRUNCATED, "RTP ending inside its extension header");
	expect_refused(&rtp, off - 1, TRUNCATED, "RTP ending inside its extension");
	tap_ok(mc_rtp_skip(dg, off - 1) == -1, "mc_rtp_skip: cut extension is -1");
	expect_refused(&rtp, off, TRUNCATED, "RTP header without TS data");
	expect_refused(&rtp, off + 100, TRUNCATED, "RTP with 100 bytes of TS");
	expect_refused(&rtp, off + PKT + 10, MALFORMED, "RTP with 198 bytes of TS");
	dg[0] |= 0x20;
	dg[off + 7 * PKT] = 0;
	expect_refused(&rtp, off + 7 * PKT + 1, MALFORMED, "RTP padding count 0");
	tap_ok(mc_rtp_skip(dg, off + 7 * PKT + 1) == -1, "mc_rtp_skip: padding 0 is -1");
	dg[off + 199] = 201;
	expect_refused(&rtp, off + 200, MALFORMED,
		       "RTP padding count 201 of 200 bytes, reaching into the header");
	tap_ok(mc_rtp_skip(dg, off + 200) == -1, "mc_rtp_skip: padding too long is -1");
	dg[off + 199] = 200;
	expect_refused(&rtp, off + 200, TRUNCATED, "RTP that is all padding");
	seven(off);
	dg[off + 2 * PKT - 1] = PKT + 1;
	expect_refused(&rtp, off + 2 * PKT, TRUNCATED,
		       "RTP padding leaving 187 bytes of TS");
}

/* ---- scrambling bits ---- */

static void test_scrambling_bits(void)
{
	const void *only_even[2] = { keys[0], NULL };
	const void *none[2] = { NULL, NULL };
	u8 p[4 * PKT], orig[4 * PKT];
	struct mc_ts_tally t;
	u32 nj;
	int rc;

	/* reserved, even, odd and clear, all with payload */
	ts_make(p, 0x100, 1, 1, 0, 0);
	ts_make(p + PKT, 0x100, 2, 1, 0, 1);
	ts_make(p + 2 * PKT, 0x100, 3, 3, 20, 2);
	ts_make(p + 3 * PKT, 0x100, 0, 2, 183, 3);
	memcpy(orig, p, sizeof(p));
	rc = scr(&cissa, p, sizeof(p), MCSEC_PARITY_EVEN, &t, &nj);
	tap_ok(!rc && !nj && tally_is(&t, 0, 0, 0, 1, 3, 0) &&
	       !memcmp(p, orig, sizeof(p)),
	       "scrambler leaves 01, 10, 11 alone (already_scrambled) and AF-only clear");
	rc = mc_ts_scramble(&cissa, p, sizeof(p), MCSEC_PARITY_EVEN, NULL, jobs, &nj, &t);
	tap_ok(!rc && !nj && !memcmp(p, orig, sizeof(p)),
	       "scrambler needs no key when nothing is to be scrambled");

	rc = dscr_keys(&cissa, p, sizeof(p), only_even, &t, &nj);
	tap_ok(rc == MCSEC_STAT_A_IN_PKTS_NO_SA && !nj &&
	       tally_is(&t, 0, 0, 0, 0, 0, 0) && !memcmp(p, orig, sizeof(p)),
	       "descrambler without the odd key: IN_PKTS_NO_SA, untouched");
	rc = dscr_keys(&cissa, p, sizeof(p), none, &t, &nj);
	tap_ok(rc == MCSEC_STAT_A_IN_PKTS_NO_SA && !memcmp(p, orig, sizeof(p)),
	       "descrambler without keys: IN_PKTS_NO_SA, untouched");
	rc = dscr(&cissa, p, sizeof(p), &t, &nj);
	tap_ok(!rc && nj == 2 && tally_is(&t, 0, 2, 1, 0, 0, 1) &&
	       !memcmp(p, orig, PKT) && tsc_of(p + PKT) == 0 &&
	       tsc_of(p + 2 * PKT) == 0 && !memcmp(p + 3 * PKT, orig + 3 * PKT, PKT),
	       "descrambler: 01 counted reserved and left, 10/11 reset, 00 clear");

	/* marked but no payload: bits reset, no key needed, no job */
	ts_make(p, 0x100, 3, 2, 183, 0);
	ts_make(p + PKT, 0x100, 2, 0, 0, 0);
	memcpy(orig, p, 2 * PKT);
	rc = dscr_keys(&idsa, p, 2 * PKT, none, &t, &nj);
	orig[3] &= 0x3f;
	orig[PKT + 3] &= 0x3f;
	tap_ok(!rc && !nj && tally_is(&t, 0, 0, 0, 2, 0, 0) &&
	       !memcmp(p, orig, 2 * PKT),
	       "descrambler: marked AF-only and afc 00 packets reset to 00, no_payload, no key");

	ts_make(p, 0x100, 0, 1, 0, 0);
	memcpy(orig, p, PKT);
	rc = mc_ts_scramble(&idsa, p, PKT, MCSEC_PARITY_ODD, NULL, jobs, &nj, &t);
	tap_ok(rc == MCSEC_STAT_A_OUT_PKTS_NO_SA && !nj && !memcmp(p, orig, PKT),
	       "scrambler without a key: OUT_PKTS_NO_SA, untouched");
	rc = mc_ts_scramble(&idsa, p, PKT, MCSEC_PARITY_UNSPEC, keys[0], jobs, &nj, &t);
	tap_ok(rc == MCSEC_STAT_A_OUT_PKTS_NO_SA && !memcmp(p, orig, PKT),
	       "scrambler with parity UNSPEC: OUT_PKTS_NO_SA, untouched");
	rc = mc_ts_scramble(&(struct mc_ts_cfg){ MCSEC_FORMAT_ESP_TUNNEL, false, NULL },
			    p, PKT, MCSEC_PARITY_ODD, keys[0], jobs, &nj, &t);
	tap_ok(rc == MCSEC_STAT_A_OUT_PKTS_NO_SA && !memcmp(p, orig, PKT),
	       "scrambler with a non-TS format: OUT_PKTS_NO_SA, untouched");

	/* CISSA payload below one block: marked, but there is no job */
	ts_make(p, 0x100, 0, 3, 183 - 15, 0);
	memcpy(orig, p, PKT);
	rc = scr(&cissa, p, PKT, MCSEC_PARITY_ODD, &t, &nj);
	tap_ok(!rc && !nj && tally_is(&t, 1, 0, 0, 0, 0, 0) && tsc_of(p) == 3 &&
	       !memcmp(p + 4, orig + 4, PKT - 4),
	       "CISSA 15-byte payload: marked odd, no job, bytes unchanged");
	rc = dscr(&cissa, p, PKT, &t, &nj);
	tap_ok(!rc && !nj && tally_is(&t, 0, 1, 0, 0, 0, 0) && !memcmp(p, orig, PKT),
	       "CISSA 15-byte payload: unmarked, no job");
}

/* ---- an IPTV datagram: 7 packets, mixed PIDs and parities ---- */

static void test_iptv(const struct mc_ts_cfg *base)
{
	static u8 map[MC_TS_PID_MAP_BYTES];
	const char *name = base->format == MCSEC_FORMAT_TS_IDSA ? "IDSA" : "CISSA";
	struct mc_ts_cfg cfg = *base;
	u8 p[7 * PKT], orig[7 * PKT];
	struct mc_ts_tally t;
	u32 nj;
	int rc;

	ts_make(p, 0x0000, 0, 1, 0, 0);			/* PAT */
	ts_make(p + PKT, 0x0100, 0, 3, 7, 1);		/* video, PCR */
	ts_make(p + 2 * PKT, 0x0100, 0, 1, 0, 2);	/* video */
	ts_make(p + 3 * PKT, 0x0101, 0, 3, 40, 3);	/* audio, stuffed */
	ts_make(p + 4 * PKT, 0x0100, 0, 2, 183, 4);	/* PCR only */
	ts_make(p + 5 * PKT, 0x1fff, 0, 1, 0, 5);	/* null */
	ts_make(p + 6 * PKT, 0x0101, 0, 1, 0, 6);	/* audio */
	memcpy(orig, p, sizeof(p));

	/* Audio goes out on the odd key first, then everything on the even. */
	map[0x0101 >> 3] |= 1 << (0x0101 & 7);
	cfg.pid_map = map;
	rc = scr(&cfg, p, sizeof(p), MCSEC_PARITY_ODD, &t, &nj);
	tap_ok(!rc && nj == 2 && tally_is(&t, 2, 0, 5, 0, 0, 0) &&
	       marked(p, 7) == 0x48, "%s IPTV 7-packet datagram: audio scrambled odd", name);
	cfg.pid_map = NULL;
	rc = scr(&cfg, p, sizeof(p), MCSEC_PARITY_EVEN, &t, &nj);
	tap_ok(!rc && nj == 2 && tally_is(&t, 2, 0, 2, 1, 2, 0) &&
	       marked(p, 7) == 0x4e && tsc_of(p + PKT) == 2 &&
	       tsc_of(p + 2 * PKT) == 2 && tsc_of(p + 3 * PKT) == 3 &&
	       tsc_of(p + 6 * PKT) == 3 && !memcmp(p, orig, PKT) &&
	       !memcmp(p + 4 * PKT, orig + 4 * PKT, 2 * PKT),
	       "%s IPTV 7-packet datagram: video even, audio left odd, "
	       "PAT/PCR/null clear", name);
	rc = dscr(&cfg, p, sizeof(p), &t, &nj);
	tap_ok(!rc && nj == 4 && tally_is(&t, 0, 4, 3, 0, 0, 0) &&
	       !memcmp(p, orig, sizeof(p)),
	       "%s IPTV 7-packet datagram: both parities descrambled in one "
	       "call, exact", name);
}

int main(void)
{
	k_even = mc_oracle_key_new(MCSEC_SUITE_AES128_CBC, raw_even, 16);
	k_odd = mc_oracle_key_new(MCSEC_SUITE_AES128_CBC, raw_odd, 16);
	keys[0] = k_even;
	keys[1] = k_odd;
	if (!tap_ok(k_even && k_odd, "oracle keys"))
		return tap_done();
	test_annex_b();
	test_reference(false);
	test_reference(true);
	test_round_trips(&cissa, MCSEC_PARITY_EVEN);
	test_round_trips(&cissa, MCSEC_PARITY_ODD);
	test_round_trips(&idsa, MCSEC_PARITY_EVEN);
	test_round_trips(&idsa, MCSEC_PARITY_ODD);
	test_job_fields();
	test_pid_selection();
	test_rtp();
	test_malformed();
	test_scrambling_bits();
	test_iptv(&cissa);
	test_iptv(&idsa);
	mc_oracle_key_free(k_even);
	mc_oracle_key_free(k_odd);
	return tap_done();
}
