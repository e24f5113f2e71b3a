// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * SA lifetimes and sequence exhaustion, checked by the main lcore a few
 * times a second (the workers only count: mcd_sa_account, once per SA per
 * burst). As in mcsec.ko: a soft limit sends MCSEC_EVENT_SOFT_EXPIRE once
 * (rekey now), a hard limit sends MCSEC_EVENT_HARD_EXPIRE and removes the
 * SA (an active sender's fails closed), and a sender whose sequence space
 * is spent sends MCSEC_EVENT_SEQ_EXHAUSTED once. Limits in packets and
 * bytes are seen at the next check, so an SA may carry up to a check
 * interval's traffic past its hard limit; the sequence space itself is
 * never overrun (xform.c reserves numbers atomically).
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
	limit = limit_reached(&sa->hard, sa, age);
	if (limit) {
		mcd_ctl_event(g, sa, MCSEC_EVENT_HARD_EXPIRE, limit);
		mcd_sa_del(g, sa);
		return true;
	}
	limit = limit_reached(&sa->soft, sa, age);
	if (limit && !(sa->events & MCD_SA_SOFT_SENT)) {
		sa->events |= MCD_SA_SOFT_SENT;
		mcd_ctl_event(g, sa, MCSEC_EVENT_SOFT_EXPIRE, limit);
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
