/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Anti-replay window (RFC 4303 section 3.4.3, bitmap ring as in RFC 6479).
 *
 * The window is checked before the crypto work (cheap rejects) and updated
 * only after the ICV verified, so a forged packet can never move it. The
 * caller serialises mc_replay_update() per SA (the kernel holds the SA's
 * lock, a DPDK lcore owns its SA); mc_replay_check() may race harmlessly:
 * update checks again.
 */
#ifndef MCSEC_CORE_REPLAY_H
#define MCSEC_CORE_REPLAY_H

#include "compat.h"

#define MC_REPLAY_MIN		64
#define MC_REPLAY_MAX		4096
/* One spare block so that a full window of bits fits beside the new top. */
#define MC_REPLAY_WORDS		(MC_REPLAY_MAX / 64 + 1)

struct mc_replay {
	u64 top;		/* highest verified sequence number, 0 = none */
	u32 window;		/* packets; 0 = anti-replay off */
	u64 bits[MC_REPLAY_WORDS];
};

/* 0, or -1 when window is neither 0 nor a multiple of 64 in [64, 4096]. */
int mc_replay_init(struct mc_replay *r, u32 window);

/*
 * The full sequence number of a packet that carries only its low 32 bits
 * (RFC 4303 appendix A2.2). Without ESN the result is seq_lo itself.
 */
u64 mc_replay_infer(const struct mc_replay *r, u32 seq_lo, bool esn);

/* 0, MCSEC_STAT_A_IN_PKTS_REPLAYED or MCSEC_STAT_A_IN_PKTS_LATE. */
int mc_replay_check(const struct mc_replay *r, u64 seq);
/* The same verdicts; on 0 the packet is recorded and the window may move. */
int mc_replay_update(struct mc_replay *r, u64 seq);

#endif /* MCSEC_CORE_REPLAY_H */
