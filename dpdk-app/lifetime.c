// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * SA lifetimes and sequence exhaustion: events and removal, by the main
 * lcore ten times a second. The limits themselves are enforced by the
 * workers, exactly (xform.c's sa_take, as mcsec.ko's mcsec_sa_account):
 * packets and bytes are counted against the SA before they use it, the
 * packet that reaches a hard limit is the last one, and from then on (or
 * from the hard time, by the TSC) the SA is spent (hard_hit) and takes no
 * packet. As in mcsec.ko: a soft limit sends MCSEC_EVENT_SOFT_EXPIRE once
 * (rekey now), a hard limit sends MCSEC_EVENT_HARD_EXPIRE and removes the
 * SA (an active sender's fails closed), soft before hard when one burst
 * crossed both, and a sender whose sequence space is spent sends
 * MCSEC_EVENT_SEQ_EXHAUSTED once.
 */
#include "ctl.h"

static bool reached(u64 limit, u64 v)
{
	return limit && v >= limit;
}

static u8 limit_reached(const struct mcd_lifetime *lt, const struct mcd_sa *sa,
			u64 age)
{
	if (reached(lt->packets, __atomic_load_n(&sa->acct_pkts, __ATOMIC_RELAXED)))
		return MCSEC_LIMIT_PACKETS;
	if (reached(lt->bytes, __atomic_load_n(&sa->acct_bytes, __ATOMIC_RELAXED)))
		return MCSEC_LIMIT_BYTES;
	if (reached(lt->seconds, age))
		return MCSEC_LIMIT_SECONDS;
	return 0;
}

static bool exhausted(const struct mcd_group *g, const struct mcd_sa *sa)
{
	u64 next = __atomic_load_n(&sa->next_seq, __ATOMIC_RELAXED);

	if (!mcd_format_is_esp(g->format) || g->dir != MCSEC_DIR_ENCRYPT)
		return false;
	return !next || (!(sa->flags & MCSEC_SA_F_ESN) && next > UINT32_MAX);
}

/* One SA; true when it was removed. */
static bool check_sa(struct mcd_group *g, struct mcd_sa *sa, u64 now)
{
	u64 age = now - sa->added;
	u8 limit;

	if (exhausted(g, sa) && !(sa->events & MCD_SA_EXHAUSTED_SENT)) {
		sa->events |= MCD_SA_EXHAUSTED_SENT;
		mcd_ctl_event(g, sa, MCSEC_EVENT_SEQ_EXHAUSTED, 0);
	}
	/* Soft before hard: a burst may cross both between two checks, and
	 * a listener must still see the soft limit it asked for. */
	limit = limit_reached(&sa->soft, sa, age);
	if (limit && !(sa->events & MCD_SA_SOFT_SENT)) {
		sa->events |= MCD_SA_SOFT_SENT;
		mcd_ctl_event(g, sa, MCSEC_EVENT_SOFT_EXPIRE, limit);
	}
	limit = limit_reached(&sa->hard, sa, age);
	/* A worker saw the hard time by the TSC before a whole second of
	 * mcd_now() went by. */
	if (!limit && __atomic_load_n(&sa->hard_hit, __ATOMIC_ACQUIRE))
		limit = MCSEC_LIMIT_SECONDS;
	if (limit) {
		__atomic_store_n(&sa->hard_hit, 1, __ATOMIC_RELEASE);
		mcd_ctl_event(g, sa, MCSEC_EVENT_HARD_EXPIRE, limit);
		mcd_sa_del(g, sa);
		return true;
	}
	return false;
}

void mcd_lifetimes_check(void)
{
	u64 now = mcd_now();

	for (u32 i = 0; i < mcd_tab.ngroups; i++) {
		struct mcd_group *g = mcd_tab.groups[i];
		bool esp = mcd_format_is_esp(g->format);

		for (u32 j = 0; j < (esp ? MCD_MAX_SAS : 2u); j++) {
			struct mcd_sa *sa = esp ? g->sas[j] : g->parity_sa[j];

			if (sa)
				check_sa(g, sa, now);
		}
	}
}
