/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * MPEG-TS scrambling inside UDP (optionally behind RTP): DVB-CISSA v1
 * (ETSI TS 103 127) and ATIS-IDSA (ATIS-0800006).
 *
 * A datagram holds whole 188-byte TS packets. Each TS packet is one CBC job
 * with a fresh IV; its 4-byte header and adaptation field stay clear. The
 * two top bits of header byte 3 (transport_scrambling_control) say 00 clear,
 * 10 even key, 11 odd key, 01 reserved. The whole datagram is validated
 * before any byte changes, so a malformed one is dropped untouched.
 */
#ifndef MCSEC_CORE_TS_H
#define MCSEC_CORE_TS_H

#include "compat.h"
#include "job.h"

#define MC_TS_PKT_LEN		188
#define MC_TS_SYNC		0x47
#define MC_TS_PID_NULL		0x1fff
/* Most TS packets a UDP datagram can carry (65507 / 188). */
#define MC_TS_MAX_PER_DGRAM	348
#define MC_TS_PID_MAP_BYTES	(8192 / 8)

/* IVs: CISSA's fixed ASCII "DVBTMCPTAESCISSA"; IDSA's is all zero. */
extern const u8 mc_cissa_iv[16];

struct mc_ts_cfg {
	u8 format;		/* MCSEC_FORMAT_TS_CISSA or _TS_IDSA */
	bool rtp;		/* skip an RTP header first */
	/*
	 * 8192-bit map of the PIDs to scramble, NULL for the default:
	 * every PID but 0x0000-0x001F (PSI/SI) and 0x1FFF (null).
	 * PID p is bit (p & 7) of byte p >> 3.
	 */
	const u8 *pid_map;
};

/* What happened to the TS packets of one datagram (MCSEC_STAT_A_TS_*). */
struct mc_ts_tally {
	u16 scrambled;
	u16 descrambled;
	u16 clear;
	u16 no_payload;
	u16 already_scrambled;
	u16 reserved_sc;
};

/*
 * Scramble the datagram payload p[0..len) with key (a backend handle of the
 * given parity, MCSEC_PARITY_EVEN or _ODD): marks the selected TS packets
 * and writes one job per marked packet into jobs[0..*n_jobs) (none for a
 * CISSA payload under 16 bytes: it stays clear). Returns 0 or a
 * reason (IN_PKTS_MALFORMED, IN_PKTS_TRUNCATED, OUT_PKTS_NO_SA when key is
 * NULL but needed, or format or parity unknown); on error p is unchanged.
 */
int mc_ts_scramble(const struct mc_ts_cfg *cfg, u8 *p, u32 len, u8 parity,
		   const void *key, struct mc_job *jobs, u32 *n_jobs,
		   struct mc_ts_tally *tally);

/*
 * Descramble p[0..len): every TS packet marked 10 or 11 gets a job with
 * keys[0] (even) or keys[1] (odd) and its bits reset to 00. Returns 0 or a
 * reason (IN_PKTS_MALFORMED, IN_PKTS_TRUNCATED, IN_PKTS_NO_SA when a needed
 * key is NULL); on error p is unchanged.
 */
int mc_ts_descramble(const struct mc_ts_cfg *cfg, u8 *p, u32 len,
		     const void *const keys[2], struct mc_job *jobs,
		     u32 *n_jobs, struct mc_ts_tally *tally);

/*
 * Offset of the TS data after an RTP header, or -1 when it is malformed.
 * With the P bit the TS data ends p[len - 1] bytes before len (RTP padding,
 * which the scramble functions leave out and untouched).
 */
int mc_rtp_skip(const u8 *p, u32 len);

#endif /* MCSEC_CORE_TS_H */
