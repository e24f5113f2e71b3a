// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Anti-replay window: RFC 4303 section 3.4.3 semantics on the bitmap ring of
 * RFC 6479. Bit (seq % 64) of word ((seq / 64) % MC_REPLAY_WORDS) records
 * seq. The ring holds one block more than the largest window, so moving the
 * top only ever clears whole words and never shifts the bitmap.
 */
#include "replay.h"
#include <uapi/linux/mcsec.h>

#define BLOCK_BITS	64

/*
 * Inference window when anti-replay is off: the candidate nearest to the
 * top, half the 32-bit space either side.
 */
#define INFER_NO_WINDOW	(1u << 31)

int mc_replay_init(struct mc_replay *r, u32 window)
{
	if (window && (window < MC_REPLAY_MIN || window > MC_REPLAY_MAX ||
		       window % BLOCK_BITS))
		return -1;
	memset(r, 0, sizeof(*r));
	r->window = window;
	return 0;
}

/*
 * RFC 4303 A2.2 says: the packet's number is the one with these low 32 bits
 * that lies at or right of the window's bottom (top - W + 1), i.e. within
 * [bottom, bottom + 2^32). That is the appendix's cases A and B in one
 * expression. The bottom is clamped at 1 while the top is young: the
 * appendix would pick the high half 0xffffffff there, a number no sender can
 * have reached. Near 2^64 the sum wraps to a small number, which the window
 * then rejects as late: no sender can go past 2^64 - 1 either.
 */
u64 mc_replay_infer(const struct mc_replay *r, u32 seq_lo, bool esn)
{
	u64 w = r->window ? r->window : INFER_NO_WINDOW;
	u64 bottom;

	if (!esn)
		return seq_lo;
	bottom = r->top >= w ? r->top - w + 1 : 1;
	return bottom + (u32)(seq_lo - (u32)bottom);
}

static u32 replay_idx(u64 seq)
{
	return (u32)((seq / BLOCK_BITS) % MC_REPLAY_WORDS);
}

static u64 replay_bit(u64 seq)
{
	return (u64)1 << (seq % BLOCK_BITS);
}

/* Sequence number 0 is never sent (RFC 4303 3.3.3): it lies left of any window. */
int mc_replay_check(const struct mc_replay *r, u64 seq)
{
	if (!seq)
		return MCSEC_STAT_A_IN_PKTS_LATE;
	if (!r->window || seq > r->top)
		return 0;
	if (r->top - seq >= r->window)
		return MCSEC_STAT_A_IN_PKTS_LATE;
	if (r->bits[replay_idx(seq)] & replay_bit(seq))
		return MCSEC_STAT_A_IN_PKTS_REPLAYED;
	return 0;
}

/*
 * Clears the blocks after the old top's up to the new top's. Blocks further
 * back hold only numbers now left of the window, which the LATE test
 * rejects before it looks at a bit, so they may keep stale bits.
 */
static void replay_advance(struct mc_replay *r, u64 seq)
{
	u64 blocks = seq / BLOCK_BITS - r->top / BLOCK_BITS;
	u64 b;

	if (blocks >= MC_REPLAY_WORDS) {
		memset(r->bits, 0, sizeof(r->bits));
	} else {
		for (b = 1; b <= blocks; b++)
			r->bits[replay_idx(r->top + b * BLOCK_BITS)] = 0;
	}
	r->top = seq;
}

int mc_replay_update(struct mc_replay *r, u64 seq)
{
	int err = mc_replay_check(r, seq);

	if (err)
		return err;
	if (seq > r->top) {
		if (r->window)
			replay_advance(r, seq);
		else
			r->top = seq;
	}
	if (r->window)
		r->bits[replay_idx(seq)] |= replay_bit(seq);
	return 0;
}
