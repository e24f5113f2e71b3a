// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer target for core/ts.c: arbitrary datagrams through the scrambler
 * and the descrambler, jobs run by the OpenSSL oracle with fixed keys.
 *
 * Input: byte 0 picks the set-up
 *   bit 0  IDSA (else CISSA)          bit 3  scramble with the odd key
 *   bit 1  RTP header first           bit 4  descrambler lacks the even key
 *   bit 2  explicit PID map           bit 5  descrambler lacks the odd key
 *   bit 6  write 0x47 at every 188-byte step of the TS data first, so that
 *          mutations get past the sync check and reach the deeper paths
 * with bit 2, five more bytes make the map: a fill byte for all 1024 map
 * bytes, then two big-endian PIDs whose bits are flipped. The rest is the
 * datagram, copied into a buffer of exactly its size so ASan sees any
 * access outside it.
 *
 * Properties:
 * - an error leaves the datagram byte-identical, writes no job and no tally,
 *   and both directions agree on a structural error (same reason);
 * - on success the core changed nothing but scrambling bits, in the way the
 *   direction allows, every job lies inside one TS packet's payload and ends
 *   at the packet's end, and the tally accounts for every TS packet;
 * - a descrambled datagram (no 10/11 left) scrambled and descrambled again
 *   is restored exactly, and the backend accepts every job.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ts.h"
#include "suite.h"
#include "oracle.h"

#define F_IDSA		0x01
#define F_RTP		0x02
#define F_MAP		0x04
#define F_ODD		0x08
#define F_NO_EVEN	0x10
#define F_NO_ODD	0x20
#define F_SYNC		0x40

#define CHECK(c)							\
	do {								\
		if (!(c)) {						\
			fprintf(stderr, "%s:%d: property failed: %s\n",	\
				__FILE__, __LINE__, #c);		\
			abort();					\
		}							\
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mc_oracle_key *k_even, *k_odd;
static struct mc_job jobs[MC_TS_MAX_PER_DGRAM];
static u8 map[MC_TS_PID_MAP_BYTES];

static void keys_init(void)
{
	static const u8 even[16] = "fuzz-even-key-0";
	static const u8 odd[16] = "fuzz-odd--key-1";

	if (k_even)
		return;
	k_even = mc_oracle_key_new(MCSEC_SUITE_AES128_CBC, even, 16);
	k_odd = mc_oracle_key_new(MCSEC_SUITE_AES128_CBC, odd, 16);
	CHECK(k_even && k_odd);
}

static u32 tally_sum(const struct mc_ts_tally *t)
{
	return (u32)t->scrambled + t->descrambled + t->clear + t->no_payload +
	       t->already_scrambled + t->reserved_sc;
}

static bool tally_zero(const struct mc_ts_tally *t)
{
	return !tally_sum(t);
}

static void check_error(int rc, const u8 *before, const u8 *after, u32 len,
			u32 nj, const struct mc_ts_tally *t)
{
	CHECK(rc == MCSEC_STAT_A_IN_PKTS_MALFORMED ||
	      rc == MCSEC_STAT_A_IN_PKTS_TRUNCATED ||
	      rc == MCSEC_STAT_A_IN_PKTS_NO_SA ||
	      rc == MCSEC_STAT_A_OUT_PKTS_NO_SA);
	CHECK(!memcmp(before, after, len));
	CHECK(nj == 0);
	CHECK(tally_zero(t));
}

/* Every job: inside the buffer, one payload, ending at its packet's end. */
static void check_jobs(const struct mc_ts_cfg *cfg, const u8 *buf, u32 len,
		       u32 nj, u8 op)
{
	u32 base = cfg->rtp ? (u32)mc_rtp_skip(buf, len) : 0, i, end;

	CHECK(!cfg->rtp || mc_rtp_skip(buf, len) >= 0);
	for (i = 0; i < nj; i++) {
		const struct mc_job *j = &jobs[i];

		CHECK(j->op == op && j->iv_len == 16);
		CHECK(j->data >= buf + base && j->data < buf + len);
		CHECK(j->len >= 1 && j->len <= MC_TS_PKT_LEN - 4);
		end = (u32)(j->data - buf) + j->len;
		CHECK(end <= len && (end - base) % MC_TS_PKT_LEN == 0);
		CHECK(i == 0 || j->data > jobs[i - 1].data);
		if (cfg->format == MCSEC_FORMAT_TS_CISSA)
			CHECK(j->len >= 16 && j->residual == MC_RESIDUAL_CLEAR &&
			      !memcmp(j->iv, mc_cissa_iv, 16));
		else
			CHECK(j->residual == MC_RESIDUAL_IDSA);
	}
}

/*
 * Before the jobs ran, only scrambling bits changed: set to mark from 00
 * (scramble), or reset to 00 from 10/11 (descramble), and at most once per
 * packet that the tally says was (un)marked.
 */
static void check_marks(const u8 *before, const u8 *after, u32 len, u8 mark,
			u32 limit)
{
	u32 i, n = 0;

	for (i = 0; i < len; i++) {
		if (before[i] == after[i])
			continue;
		n++;
		if (mark)
			CHECK(!(before[i] & 0xc0) && after[i] == (before[i] | mark));
		else
			CHECK((before[i] & 0x80) && after[i] == (before[i] & 0x3f));
	}
	CHECK(n <= limit);
}

static void run_ok(u32 nj)
{
	u32 i;

	mc_oracle_run(jobs, nj);
	for (i = 0; i < nj; i++)
		CHECK(jobs[i].status == MC_JOB_OK);
}

/* Scramble buf in place; returns the result, checks every property. */
static int scramble(const struct mc_ts_cfg *cfg, u8 *buf, u8 *copy, u32 len,
		    u8 parity, struct mc_ts_tally *t)
{
	u8 mark = parity == MCSEC_PARITY_ODD ? 0xc0 : 0x80;
	const void *key = parity == MCSEC_PARITY_ODD ? k_odd : k_even;
	u32 nj = 12345;
	int rc;

	memcpy(copy, buf, len);
	rc = mc_ts_scramble(cfg, buf, len, parity, key, jobs, &nj, t);
	if (rc) {
		check_error(rc, copy, buf, len, nj, t);
		CHECK(rc != MCSEC_STAT_A_OUT_PKTS_NO_SA);
		return rc;
	}
	CHECK(tally_sum(t) >= 1 && tally_sum(t) * MC_TS_PKT_LEN <= len);
	CHECK(!t->descrambled && !t->reserved_sc && nj <= t->scrambled);
	check_marks(copy, buf, len, mark, t->scrambled);
	check_jobs(cfg, buf, len, nj, MC_OP_CBC_ENCRYPT);
	run_ok(nj);
	return 0;
}

static int descramble(const struct mc_ts_cfg *cfg, u8 *buf, u8 *copy,
		      u32 len, const void *const keys[2],
		      struct mc_ts_tally *t)
{
	u32 nj = 12345;
	int rc;

	memcpy(copy, buf, len);
	rc = mc_ts_descramble(cfg, buf, len, keys, jobs, &nj, t);
	if (rc) {
		check_error(rc, copy, buf, len, nj, t);
		CHECK(rc != MCSEC_STAT_A_OUT_PKTS_NO_SA);
		CHECK(rc != MCSEC_STAT_A_IN_PKTS_NO_SA || !keys[0] || !keys[1]);
		return rc;
	}
	CHECK(tally_sum(t) >= 1 && tally_sum(t) * MC_TS_PKT_LEN <= len);
	CHECK(!t->scrambled && !t->already_scrambled && nj <= t->descrambled);
	check_marks(copy, buf, len, 0, t->descrambled + t->no_payload);
	check_jobs(cfg, buf, len, nj, MC_OP_CBC_DECRYPT);
	run_ok(nj);
	return 0;
}

/* The input as the harness tests it: with F_SYNC, sync bytes repaired. */
static void input(const struct mc_ts_cfg *cfg, u8 flags, const u8 *data,
		  u8 *in, u32 len)
{
	int base = cfg->rtp ? mc_rtp_skip(data, len) : 0;
	u32 off;

	memcpy(in, data, len);
	if (!(flags & F_SYNC) || base < 0)
		return;
	for (off = (u32)base; off < len; off += MC_TS_PKT_LEN)
		in[off] = MC_TS_SYNC;
}

static const u8 *setup(const u8 *data, size_t *size, struct mc_ts_cfg *cfg,
		       u8 *flags)
{
	u16 pid;
	int i;

	*flags = data[0];
	data++, (*size)--;
	cfg->format = *flags & F_IDSA ? MCSEC_FORMAT_TS_IDSA :
					MCSEC_FORMAT_TS_CISSA;
	cfg->rtp = *flags & F_RTP;
	cfg->pid_map = NULL;
	if (!(*flags & F_MAP) || *size < 5)
		return data;
	memset(map, data[0], sizeof(map));
	for (i = 0; i < 2; i++) {
		pid = mc_get_be16(data + 1 + 2 * i) & 0x1fff;
		map[pid >> 3] ^= (u8)(1u << (pid & 7));
	}
	cfg->pid_map = map;
	*size -= 5;
	return data + 5;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	u8 parity, flags, *in, *buf, *copy, *clear;
	struct mc_ts_tally t, t2;
	const void *keys[2], *both[2];
	struct mc_ts_cfg cfg;
	int rc_d, rc_s;
	u32 len;

	if (size < 1 || size > 70000)
		return 0;
	keys_init();
	data = setup(data, &size, &cfg, &flags);
	len = (u32)size;
	parity = flags & F_ODD ? MCSEC_PARITY_ODD : MCSEC_PARITY_EVEN;
	keys[0] = flags & F_NO_EVEN ? NULL : k_even;
	keys[1] = flags & F_NO_ODD ? NULL : k_odd;
	buf = malloc(len + 1);
	copy = malloc(len + 1);
	clear = malloc(len + 1);
	in = malloc(len + 1);
	CHECK(buf && copy && clear && in);
	input(&cfg, flags, data, in, len);

	/* The datagram as it came, both ways. */
	memcpy(buf, in, len);
	rc_s = scramble(&cfg, buf, copy, len, parity, &t);
	memcpy(buf, in, len);
	rc_d = descramble(&cfg, buf, copy, len, keys, &t);
	both[0] = k_even;
	both[1] = k_odd;
	if (rc_d == MCSEC_STAT_A_IN_PKTS_NO_SA)
		rc_d = descramble(&cfg, buf, copy, len, both, &t);
	CHECK(rc_s == rc_d);
	if (rc_d)
		goto out;

	/* Descrambled, it has no 10/11 left: a round trip must restore it. */
	memcpy(clear, buf, len);
	CHECK(!scramble(&cfg, buf, copy, len, parity, &t));
	CHECK(!descramble(&cfg, buf, copy, len, both, &t2));
	CHECK(t2.descrambled == t.scrambled);
	CHECK(t2.reserved_sc + t2.clear + t2.no_payload ==
	      t.clear + t.no_payload + t.already_scrambled);
	CHECK(!memcmp(buf, clear, len));
out:
	free(buf);
	free(copy);
	free(clear);
	free(in);
	return 0;
}
