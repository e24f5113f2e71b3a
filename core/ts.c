// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * MPEG-TS scrambling inside UDP: DVB-CISSA v1 and ATIS-IDSA framing.
 *
 * The core only walks the TS packets, marks them and describes one CBC job
 * per packet; the environment runs the jobs. Every datagram is checked whole
 * before the first byte changes, so an error leaves it byte-identical.
 *
 * Decisions the standards leave to the implementation:
 * - RTP (RFC 3550): version must be 2; the TS data starts after the 12-byte
 *   header, the CSRC list and, with the X bit, the extension (4 + 4 * length
 *   bytes). With the P bit the last byte counts the padding bytes (itself
 *   included): they are not TS data, stay untouched, and a count of 0 or one
 *   that reaches into the header is malformed.
 * - IN_PKTS_TRUNCATED: the datagram ends inside the RTP header it announces,
 *   or holds less than one whole TS packet. IN_PKTS_MALFORMED: RTP version
 *   or padding wrong, TS data not a multiple of 188 bytes, more TS packets
 *   than a UDP datagram can carry (MC_TS_MAX_PER_DGRAM: this also bounds the
 *   caller's job array), a sync byte other than 0x47, or an adaptation field
 *   longer than 183 bytes (it would run past the packet).
 * - An adaptation field of exactly 183 bytes followed by "payload" (afc 11,
 *   which ISO/IEC 13818-1 limits to 182) is accepted as a packet without
 *   payload; afc 00 (reserved) is a packet without payload too.
 * - Scrambler, per packet, first match wins: PID not selected -> clear
 *   (passed as is, whatever its bits); bits not 00 -> already_scrambled; no
 *   payload -> no_payload; otherwise marked 10/11 -> scrambled.
 * - A CISSA payload shorter than 16 bytes has no block to encrypt: it is
 *   still marked (the receiver then sees one consistent parity) but gets no
 *   job, as a job would change nothing. Same on descramble: bits reset, no
 *   job. So n_jobs may be below the scrambled/descrambled tally.
 * - Descrambler: the PID selection does not apply, the bits decide. A marked
 *   packet without payload has its bits reset and counts as no_payload; it
 *   needs no key. 01 (reserved) is counted and left as it is.
 * - A key is needed by every packet with payload that gets marked or
 *   unmarked (a short CISSA one too: its mark names the key). A NULL key
 *   that is needed makes the datagram OUT_PKTS_NO_SA (scramble) or
 *   IN_PKTS_NO_SA (descramble); a key nobody needs may be NULL. An unknown
 *   format or parity is the same error: there is no usable SA.
 */
#include "compat.h"
#include "ts.h"
#include <uapi/linux/mcsec.h>

#define TS_HDR_LEN	4
#define TS_AF_MAX	(MC_TS_PKT_LEN - TS_HDR_LEN - 1)	/* 183 */
#define TS_TSC_MASK	0xc0
#define TS_TSC_RESERVED	0x40
#define TS_TSC_EVEN	0x80
#define TS_TSC_ODD	0xc0
#define TS_AFC_AF	0x20
#define TS_AFC_PAYLOAD	0x10
#define TS_PID_PSI_LAST	0x1f
#define TS_BLOCK	16

#define RTP_HDR_LEN	12
#define RTP_VERSION	2
#define RTP_P		0x20
#define RTP_X		0x10
#define RTP_CC		0x0f

/* "DVBTMCPTAESCISSA": spelled out in bytes, it is not a C string. */
const u8 mc_cissa_iv[16] = {
	0x44, 0x56, 0x42, 0x54, 0x4d, 0x43, 0x50, 0x54,
	0x41, 0x45, 0x53, 0x43, 0x49, 0x53, 0x53, 0x41,
};

/* Bounds [*start, *end) of the data behind an RTP header, or a reason. */
static int rtp_bounds(const u8 *p, u32 len, u32 *start, u32 *end)
{
	u32 off = RTP_HDR_LEN, pad = 0;

	if (len < RTP_HDR_LEN)
		return MCSEC_STAT_A_IN_PKTS_TRUNCATED;
	if (p[0] >> 6 != RTP_VERSION)
		return MCSEC_STAT_A_IN_PKTS_MALFORMED;
	off += 4 * (u32)(p[0] & RTP_CC);
	if (p[0] & RTP_X) {
		if (len < off + 4)
			return MCSEC_STAT_A_IN_PKTS_TRUNCATED;
		off += 4 + 4 * (u32)mc_get_be16(p + off + 2);
	}
	if (len < off)
		return MCSEC_STAT_A_IN_PKTS_TRUNCATED;
	if (p[0] & RTP_P) {
		pad = p[len - 1];
		if (!pad || pad > len - off)
			return MCSEC_STAT_A_IN_PKTS_MALFORMED;
	}
	*start = off;
	*end = len - pad;
	return 0;
}

int mc_rtp_skip(const u8 *p, u32 len)
{
	u32 start, end;

	if (rtp_bounds(p, len, &start, &end))
		return -1;
	return (int)start;
}

/* First TS packet and packet count of a datagram, or a reason. */
static int ts_bounds(const struct mc_ts_cfg *cfg, const u8 *p, u32 len,
		     u32 *start, u32 *n)
{
	u32 end = len, span;
	int err;

	*start = 0;
	if (cfg->rtp) {
		err = rtp_bounds(p, len, start, &end);
		if (err)
			return err;
	}
	span = end - *start;
	if (span < MC_TS_PKT_LEN)
		return MCSEC_STAT_A_IN_PKTS_TRUNCATED;
	if (span % MC_TS_PKT_LEN || span / MC_TS_PKT_LEN > MC_TS_MAX_PER_DGRAM)
		return MCSEC_STAT_A_IN_PKTS_MALFORMED;
	*n = span / MC_TS_PKT_LEN;
	return 0;
}

/*
 * Offset of a TS packet's payload, MC_TS_PKT_LEN when it has none. False
 * when the packet is malformed (its offset is then meaningless).
 */
static bool ts_payload_off(const u8 *ts, u32 *off)
{
	u32 o = TS_HDR_LEN;

	if (ts[0] != MC_TS_SYNC)
		return false;
	if (ts[3] & TS_AFC_AF) {
		if (ts[4] > TS_AF_MAX)
			return false;
		o += 1 + ts[4];
	}
	*off = (ts[3] & TS_AFC_PAYLOAD) ? o : MC_TS_PKT_LEN;
	return true;
}

static u16 ts_pid(const u8 *ts)
{
	return mc_get_be16(ts + 1) & 0x1fff;
}

static bool ts_pid_selected(const struct mc_ts_cfg *cfg, u16 pid)
{
	/* The map: PID p is bit (p & 7) of byte p >> 3. */
	if (cfg->pid_map)
		return cfg->pid_map[pid >> 3] & (1u << (pid & 7));
	return pid > TS_PID_PSI_LAST && pid != MC_TS_PID_NULL;
}

/*
 * Validates every TS packet of the datagram and says which keys it needs:
 * bit t of *need is set when a packet with payload has scrambling bits t
 * (for 00 only when its PID is selected, i.e. the scrambler would mark it).
 * off[i] keeps packet i's payload offset (MC_TS_PKT_LEN: none) for the
 * pass that changes them, which then need not walk the headers again.
 */
static int ts_check(const struct mc_ts_cfg *cfg, const u8 *ts, u32 n,
		    u8 *need, u8 *off)
{
	u32 i, o;
	u8 tsc, bits = 0;

	for (i = 0; i < n; i++, ts += MC_TS_PKT_LEN) {
		if (!ts_payload_off(ts, &o))
			return MCSEC_STAT_A_IN_PKTS_MALFORMED;
		off[i] = (u8)o;
		if (o == MC_TS_PKT_LEN)
			continue;
		tsc = ts[3] >> 6;
		if (tsc || ts_pid_selected(cfg, ts_pid(ts)))
			bits |= 1u << tsc;
	}
	*need = bits;
	return 0;
}

static bool ts_format_ok(const struct mc_ts_cfg *cfg)
{
	return cfg->format == MCSEC_FORMAT_TS_CISSA ||
	       cfg->format == MCSEC_FORMAT_TS_IDSA;
}

/*
 * Appends the job for one payload unless it has nothing to do: CISSA leaves
 * a payload shorter than one block clear. Every packet starts afresh from
 * the fixed IV; IDSA's is zero.
 */
static void ts_add_job(const struct mc_ts_cfg *cfg, u8 op, const void *key,
		       u8 *data, u32 len, struct mc_job *jobs, u32 *n_jobs)
{
	struct mc_job *j;

	if (cfg->format == MCSEC_FORMAT_TS_CISSA) {
		if (len < TS_BLOCK)
			return;
		j = &jobs[(*n_jobs)++];
		/* One assignment: the stores go out once, whole. */
		*j = (struct mc_job){ .key = key, .data = data, .len = len,
				      .op = op, .iv_len = TS_BLOCK,
				      .residual = MC_RESIDUAL_CLEAR };
		memcpy(j->iv, mc_cissa_iv, TS_BLOCK);
	} else {
		j = &jobs[(*n_jobs)++];
		*j = (struct mc_job){ .key = key, .data = data, .len = len,
				      .op = op, .iv_len = TS_BLOCK,
				      .residual = MC_RESIDUAL_IDSA };
	}
}

static void ts_scramble_one(const struct mc_ts_cfg *cfg, u8 *ts, u32 off,
			    u8 mark, const void *key, struct mc_job *jobs,
			    u32 *n_jobs, struct mc_ts_tally *tally)
{
	if (!ts_pid_selected(cfg, ts_pid(ts))) {
		tally->clear++;
	} else if (ts[3] & TS_TSC_MASK) {
		tally->already_scrambled++;
	} else if (off == MC_TS_PKT_LEN) {
		tally->no_payload++;
	} else {
		ts[3] |= mark;
		tally->scrambled++;
		ts_add_job(cfg, MC_OP_CBC_ENCRYPT, key, ts + off,
			   MC_TS_PKT_LEN - off, jobs, n_jobs);
	}
}

int mc_ts_scramble(const struct mc_ts_cfg *cfg, u8 *p, u32 len, u8 parity,
		   const void *key, struct mc_job *jobs, u32 *n_jobs,
		   struct mc_ts_tally *tally)
{
	u8 mark, need, off[MC_TS_MAX_PER_DGRAM];
	u32 start, n, i;
	int err;

	*n_jobs = 0;
	memset(tally, 0, sizeof(*tally));
	if (!ts_format_ok(cfg) ||
	    (parity != MCSEC_PARITY_EVEN && parity != MCSEC_PARITY_ODD))
		return MCSEC_STAT_A_OUT_PKTS_NO_SA;
	mark = parity == MCSEC_PARITY_EVEN ? TS_TSC_EVEN : TS_TSC_ODD;
	err = ts_bounds(cfg, p, len, &start, &n);
	if (!err)
		err = ts_check(cfg, p + start, n, &need, off);
	if (err)
		return err;
	if ((need & 1) && !key)
		return MCSEC_STAT_A_OUT_PKTS_NO_SA;
	for (i = 0; i < n; i++)
		ts_scramble_one(cfg, p + start + i * MC_TS_PKT_LEN, off[i], mark,
				key, jobs, n_jobs, tally);
	return 0;
}

static void ts_descramble_one(const struct mc_ts_cfg *cfg, u8 *ts, u32 off,
			      const void *const keys[2], struct mc_job *jobs,
			      u32 *n_jobs, struct mc_ts_tally *tally)
{
	u8 tsc = ts[3] & TS_TSC_MASK;

	if (!tsc) {
		tally->clear++;
		return;
	}
	if (tsc == TS_TSC_RESERVED) {
		tally->reserved_sc++;
		return;
	}
	ts[3] = (u8)(ts[3] & ~TS_TSC_MASK);
	if (off == MC_TS_PKT_LEN) {
		tally->no_payload++;
		return;
	}
	tally->descrambled++;
	ts_add_job(cfg, MC_OP_CBC_DECRYPT, keys[tsc == TS_TSC_ODD], ts + off,
		   MC_TS_PKT_LEN - off, jobs, n_jobs);
}

int mc_ts_descramble(const struct mc_ts_cfg *cfg, u8 *p, u32 len,
		     const void *const keys[2], struct mc_job *jobs,
		     u32 *n_jobs, struct mc_ts_tally *tally)
{
	u8 need, off[MC_TS_MAX_PER_DGRAM];
	u32 start, n, i;
	int err;

	*n_jobs = 0;
	memset(tally, 0, sizeof(*tally));
	if (!ts_format_ok(cfg))
		return MCSEC_STAT_A_IN_PKTS_NO_SA;
	err = ts_bounds(cfg, p, len, &start, &n);
	if (!err)
		err = ts_check(cfg, p + start, n, &need, off);
	if (err)
		return err;
	if (((need & 1u << 2) && !keys[0]) || ((need & 1u << 3) && !keys[1]))
		return MCSEC_STAT_A_IN_PKTS_NO_SA;
	for (i = 0; i < n; i++)
		ts_descramble_one(cfg, p + start + i * MC_TS_PKT_LEN, off[i],
				  keys, jobs, n_jobs, tally);
	return 0;
}
