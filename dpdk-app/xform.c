// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The per-group operations, chosen once by format and direction when a
 * group is created (sa.c): each prepares the packets of one SA of a burst
 * for the burst's single crypto call, and finishes them after it.
 *
 * Sequence numbers: an encrypt burst reserves the block it needs from the
 * SA's counter with one compare-and-swap, so any number of lcores may send
 * on one SA (RSS spreads a group's sources over queues) and no number is
 * ever handed out twice; numbers of packets dropped after the reservation
 * are simply skipped (gaps are legal in ESP). The counter saturates at 0,
 * which is never a valid sequence number: the core then fails the packets
 * closed (out-pkts-seq-exhausted).
 *
 * Replay: decap_finish updates the SA's window under the SA's spinlock,
 * taken once per SA per burst.
 */
#include <string.h>

#include <rte_spinlock.h>

#include "mcsec-dpdk.h"

/* Reserves up to n sequence numbers; *base = 0 when none is left. */
static u32 reserve_seq(struct mcd_sa *sa, u32 n, u64 *base)
{
	u64 limit = sa->esp.esn ? UINT64_MAX : UINT32_MAX;
	u64 cur = __atomic_load_n(&sa->next_seq, __ATOMIC_RELAXED), next;
	u64 take;

	do {
		if (!cur || cur > limit) {
			*base = 0;
			return 0;
		}
		take = limit - cur + 1 < n && limit - cur + 1 != 0 ?
		       limit - cur + 1 : n;
		next = cur + take;	/* 0 after the last ESN number */
		if (next > limit)
			next = 0;
	} while (!__atomic_compare_exchange_n(&sa->next_seq, &cur, next, false,
					      __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	*base = cur;
	return (u32)take;
}

/*
 * Lifetimes, exactly as mcsec.ko's mcsec_sa_account() per packet: the
 * burst's n packets of len(i) bytes are counted against the SA before they
 * use it, and only the first k that keep within its hard packet and byte
 * limits may go (the one reaching a limit still goes, the SA is spent
 * after it); a spent SA (or one past its hard time) takes none. One
 * fetch-and-add per counter per burst, so lcores sharing an SA get
 * disjoint ranges; what was not taken is given back. The main lcore sees
 * the counts and the flag and sends soft, then hard events (lifetime.c).
 * Inlined, so that len() is too (it runs per packet).
 */
static __rte_always_inline u32 sa_take(struct mcd_sa *sa, struct mcd_slot **s,
				       u32 n, u32 (*len)(const struct mcd_slot *))
{
	u64 total = 0, p0, b0, cum;
	u32 k = n;

	if (!sa || !mcd_sa_usable(sa))
		return 0;
	if (unlikely(sa->hard_tsc) && rte_get_tsc_cycles() >= sa->hard_tsc) {
		__atomic_store_n(&sa->hard_hit, 1, __ATOMIC_RELEASE);
		return 0;
	}
	for (u32 i = 0; i < n; i++)
		total += len(s[i]);
	p0 = __atomic_fetch_add(&sa->acct_pkts, n, __ATOMIC_RELAXED);
	b0 = __atomic_fetch_add(&sa->acct_bytes, total, __ATOMIC_RELAXED);
	if (likely(!sa->hard.packets && !sa->hard.bytes))
		return n;
	if (sa->hard.packets)
		k = p0 >= sa->hard.packets ? 0 :
		    (u32)RTE_MIN((u64)n, sa->hard.packets - p0);
	cum = b0;
	for (u32 i = 0; i < k; i++) {
		if (sa->hard.bytes && cum + len(s[i]) > sa->hard.bytes) {
			k = i;
			break;
		}
		cum += len(s[i]);
	}
	if (k < n) {
		__atomic_fetch_sub(&sa->acct_pkts, n - k, __ATOMIC_RELAXED);
		__atomic_fetch_sub(&sa->acct_bytes, b0 + total - cum,
				   __ATOMIC_RELAXED);
	}
	if (k < n || (sa->hard.packets && p0 + k >= sa->hard.packets) ||
	    (sa->hard.bytes && cum >= sa->hard.bytes))
		__atomic_store_n(&sa->hard_hit, 1, __ATOMIC_RELEASE);
	return k;
}

/* What each kind of packet counts against its SA's byte limits (as the
 * kernel: the IP packet before ESP is added or removed; a TS datagram's
 * UDP payload). */
static u32 len_ip(const struct mcd_slot *s)
{
	return s->in_len;
}

static u32 len_udp_payload(const struct mcd_slot *s)
{
	return s->flow.payload_len;
}

/* Slots k..n of a run may not use the SA: dropped as mcsec.ko does. */
static void drop_rest(struct mcd_lcore *lc, struct mcd_slot **s, u32 k, u32 n,
		      int reason)
{
	for (u32 i = k; i < n; i++)
		mcd_slot_drop(lc, s[i], reason);
}

static struct mc_job *next_job(struct mcd_lcore *lc, struct mcd_slot *s)
{
	s->job0 = lc->njobs;
	return &lc->jobs[lc->njobs];
}

static void esp_enc_prepare(struct mcd_lcore *lc, struct mcd_group *g,
			    struct mcd_sa *sa, struct mcd_slot **s, u32 n)
{
	u64 base;
	u32 got, ok = sa_take(sa, s, n, len_ip);

	RTE_SET_USED(g);
	drop_rest(lc, s, ok, n, MCSEC_STAT_A_OUT_PKTS_NO_SA);
	n = ok;
	got = reserve_seq(sa, n, &base);
	for (u32 i = 0; i < n; i++) {
		u64 seq = i < got ? base + i : 0;
		/* classify parsed it: the core need not parse it again. */
		int r = mc_esp_encap_flow(&sa->esp, seq, &s[i]->pkt, &s[i]->flow,
					  next_job(lc, s[i]));

		/* No fragmenting here: too big for the egress port is lost. */
		if (unlikely(!r && lc->tx_mtu && s[i]->pkt.len > lc->tx_mtu))
			r = MCSEC_STAT_A_OUT_PKTS_TOO_BIG;
		if (unlikely(r)) {
			mcd_slot_drop(lc, s[i], r);
			continue;
		}
		s[i]->njobs = 1;
		lc->njobs++;
	}
}

static void esp_enc_finish(struct mcd_lcore *lc, struct mcd_group *g,
			   struct mcd_sa *sa, struct mcd_slot **s, u32 n)
{
	u64 pkts = 0, octets = 0;

	for (u32 i = 0; i < n; i++) {
		if (s[i]->verdict != MCD_V_WORK)
			continue;
		pkts++;
		octets += s[i]->in_len;
	}
	mcd_count(lc->stats, g->slot, MCSEC_STAT_A_OUT_PKTS_PROTECTED, pkts);
	mcd_count(lc->stats, g->slot, MCSEC_STAT_A_OUT_OCTETS_PROTECTED, octets);
	mcd_count_sa(lc, sa, MCSEC_STAT_A_OUT_PKTS_PROTECTED, pkts);
	mcd_count_sa(lc, sa, MCSEC_STAT_A_OUT_OCTETS_PROTECTED, octets);
}

/*
 * A fresh ESN SA (mc_esp_rx_needs_anchor): until one packet verified, each
 * packet is decrypted on its own, here, so that a 2^32 wrap inside the first
 * burst is inferred right. Returns how many slots it took.
 */
static u32 esp_dec_anchor(struct mcd_lcore *lc, struct mcd_group *g,
			  struct mcd_sa *sa, struct mcd_slot **s, u32 n)
{
	u32 i;

	for (i = 0; i < n && mc_esp_rx_needs_anchor(&sa->esp); i++) {
		struct mc_job job;
		int r;

		if (s[i]->verdict != MCD_V_WORK)
			continue;
		r = mc_esp_decap_prepare_flow(&sa->esp, &s[i]->pkt, &s[i]->flow,
					      &job, &s[i]->rx);
		if (!r) {
			mc_crypto_run(lc->c, &job, 1);
			rte_spinlock_lock(&sa->lock);
			r = mc_esp_decap_finish(&sa->esp, &s[i]->pkt, &job,
						&s[i]->rx);
			rte_spinlock_unlock(&sa->lock);
		}
		if (unlikely(r)) {
			mcd_slot_drop(lc, s[i], r);
			continue;
		}
		s[i]->done = true;
		mcd_count(lc->stats, g->slot, MCSEC_STAT_A_IN_PKTS_OK, 1);
		mcd_count(lc->stats, g->slot, MCSEC_STAT_A_IN_OCTETS_OK,
			  s[i]->pkt.len);
		mcd_count_sa(lc, sa, MCSEC_STAT_A_IN_PKTS_OK, 1);
		mcd_count_sa(lc, sa, MCSEC_STAT_A_IN_OCTETS_OK, s[i]->pkt.len);
	}
	return i;
}

static void esp_dec_prepare(struct mcd_lcore *lc, struct mcd_group *g,
			    struct mcd_sa *sa, struct mcd_slot **s, u32 n)
{
	u32 ok = sa_take(sa, s, n, len_ip);

	for (u32 i = 0; i < n; i++)
		s[i]->done = false;
	drop_rest(lc, s, ok, n, MCSEC_STAT_A_IN_PKTS_NO_SA);
	n = ok;
	for (u32 i = esp_dec_anchor(lc, g, sa, s, n); i < n; i++) {
		int r = mc_esp_decap_prepare_flow(&sa->esp, &s[i]->pkt,
						  &s[i]->flow,
						  next_job(lc, s[i]), &s[i]->rx);

		if (unlikely(r)) {
			mcd_slot_drop(lc, s[i], r);
			continue;
		}
		s[i]->njobs = 1;
		lc->njobs++;
	}
}

static void esp_dec_finish(struct mcd_lcore *lc, struct mcd_group *g,
			   struct mcd_sa *sa, struct mcd_slot **s, u32 n)
{
	u64 pkts = 0, octets = 0;

	rte_spinlock_lock(&sa->lock);
	for (u32 i = 0; i < n; i++) {
		int r;

		if (s[i]->verdict != MCD_V_WORK || s[i]->done)
			continue;
		r = mc_esp_decap_finish(&sa->esp, &s[i]->pkt,
					&lc->jobs[s[i]->job0], &s[i]->rx);
		if (unlikely(r)) {
			mcd_slot_drop(lc, s[i], r);
			continue;
		}
		pkts++;
		octets += s[i]->pkt.len;
	}
	rte_spinlock_unlock(&sa->lock);
	mcd_count(lc->stats, g->slot, MCSEC_STAT_A_IN_PKTS_OK, pkts);
	mcd_count(lc->stats, g->slot, MCSEC_STAT_A_IN_OCTETS_OK, octets);
	mcd_count_sa(lc, sa, MCSEC_STAT_A_IN_PKTS_OK, pkts);
	mcd_count_sa(lc, sa, MCSEC_STAT_A_IN_OCTETS_OK, octets);
}

static u8 *ts_payload(struct mcd_slot *s)
{
	return s->pkt.data + s->flow.payload_off;
}

static void ts_scr_prepare(struct mcd_lcore *lc, struct mcd_group *g,
			   struct mcd_sa *sa, struct mcd_slot **s, u32 n)
{
	u8 parity = __atomic_load_n(&g->tx_parity, __ATOMIC_ACQUIRE);
	struct mcd_sa *ksa = __atomic_load_n(&g->parity_sa[parity == MCSEC_PARITY_ODD],
					     __ATOMIC_ACQUIRE);
	const void *key = ksa ? ksa->key : NULL;
	u32 ok = sa_take(ksa, s, n, len_udp_payload);

	RTE_SET_USED(sa);
	/* The sender's SA is the datagram's (mcsec.ko's c->sa). */
	for (u32 i = 0; i < n; i++)
		s[i]->sa = ksa;
	drop_rest(lc, s, ok, n, MCSEC_STAT_A_OUT_PKTS_NO_SA);
	n = ok;
	for (u32 i = 0; i < n; i++) {
		u32 nj = 0;
		int r;

		r = mc_ts_scramble(&g->ts, ts_payload(s[i]), s[i]->flow.payload_len,
				   parity, key, next_job(lc, s[i]), &nj,
				   &s[i]->tally);
		if (unlikely(r)) {
			mcd_slot_drop(lc, s[i], r);
			continue;
		}
		s[i]->njobs = nj;
		lc->njobs += nj;
	}
}

/* Which control words a descrambled datagram's TS packets used. */
static u8 ts_used(struct mcd_lcore *lc, const struct mcd_slot *s, u32 nj,
		  const void *const keys[2])
{
	const struct mc_job *j = &lc->jobs[s->job0];
	u8 used = 0;

	for (u32 k = 0; k < nj; k++) {
		used |= keys[0] && j[k].key == keys[0] ? 1 : 0;
		used |= keys[1] && j[k].key == keys[1] ? 2 : 0;
	}
	return used;
}

/*
 * Descrambling counts against the lifetimes of the control words it used,
 * as in mcsec.ko: a datagram and its UDP payload against each parity one
 * of its TS packets needed, in one sa_take per parity for the run; one a
 * word refuses is dropped (no SA). The datagram counts in an SA's own
 * counters when it used that word only.
 */
static void ts_des_account(struct mcd_lcore *lc, struct mcd_sa *const sas[2],
			   struct mcd_slot **s, const u8 *used, u32 n)
{
	struct mcd_slot *who[MCD_BURST];

	for (u32 p = 0; p < 2; p++) {
		u32 m = 0, k;

		for (u32 i = 0; i < n; i++)
			if (s[i]->verdict == MCD_V_WORK && used[i] & (1u << p))
				who[m++] = s[i];
		if (!m)
			continue;
		k = sa_take(sas[p], who, m, len_udp_payload);
		drop_rest(lc, who, k, m, MCSEC_STAT_A_IN_PKTS_NO_SA);
	}
	for (u32 i = 0; i < n; i++)
		if (s[i]->verdict == MCD_V_WORK)
			s[i]->sa = used[i] == 1 ? sas[0] : used[i] == 2 ? sas[1] : NULL;
}

static void ts_des_prepare(struct mcd_lcore *lc, struct mcd_group *g,
			   struct mcd_sa *sa, struct mcd_slot **s, u32 n)
{
	/* Loaded once each: the control side may swap them (RCU). A spent
	 * word is no key (its packets: no SA), as in mcsec.ko. */
	struct mcd_sa *even = __atomic_load_n(&g->parity_sa[0], __ATOMIC_ACQUIRE);
	struct mcd_sa *odd = __atomic_load_n(&g->parity_sa[1], __ATOMIC_ACQUIRE);
	struct mcd_sa *const sas[2] = {
		even && mcd_sa_usable(even) ? even : NULL,
		odd && mcd_sa_usable(odd) ? odd : NULL,
	};
	const void *keys[2] = { sas[0] ? sas[0]->key : NULL,
				sas[1] ? sas[1]->key : NULL };
	u8 used[MCD_BURST];

	RTE_SET_USED(sa);
	for (u32 i = 0; i < n; i++) {
		u32 nj = 0;
		int r;

		used[i] = 0;
		s[i]->sa = NULL;
		r = mc_ts_descramble(&g->ts, ts_payload(s[i]),
				     s[i]->flow.payload_len, keys,
				     next_job(lc, s[i]), &nj, &s[i]->tally);
		if (unlikely(r)) {
			mcd_slot_drop(lc, s[i], r);
			continue;
		}
		used[i] = ts_used(lc, s[i], nj, keys);
		s[i]->njobs = nj;
		lc->njobs += nj;
	}
	ts_des_account(lc, sas, s, used, n);
}

/* A run's TS counters: t[0..6) the TS_PKTS_* tallies, datagrams, octets. */
struct ts_sum {
	u64 t[6], pkts, octets;
};

static void ts_count(u64 *rows, u32 row, bool scr, const struct ts_sum *a)
{
	for (int k = 0; k < 6; k++)
		mcd_count(rows, row, MCSEC_STAT_A_TS_PKTS_SCRAMBLED + k, a->t[k]);
	mcd_count(rows, row, scr ? MCSEC_STAT_A_OUT_PKTS_PROTECTED :
		  MCSEC_STAT_A_IN_PKTS_OK, a->pkts);
	mcd_count(rows, row, scr ? MCSEC_STAT_A_OUT_OCTETS_PROTECTED :
		  MCSEC_STAT_A_IN_OCTETS_OK, a->octets);
}

/*
 * Counts the TS packets; a datagram counts as protected (scrambler) or ok
 * (descrambler) when at least one of its TS packets changed, and then gets
 * its UDP checksum recomputed (an IPv4 sender that sent none keeps none).
 * The group gets every datagram, an SA those that used its control word
 * (only): consecutive slots of one SA are summed before they are counted.
 */
static void ts_finish(struct mcd_lcore *lc, struct mcd_group *g,
		      struct mcd_sa *sa, struct mcd_slot **s, u32 n)
{
	bool scr = g->dir == MCSEC_DIR_ENCRYPT;
	struct ts_sum all = { 0 }, one = { 0 };
	struct mcd_sa *cur = NULL;

	RTE_SET_USED(sa);
	for (u32 i = 0; i < n; i++) {
		const struct mc_ts_tally *y = &s[i]->tally;
		const u64 v[6] = { y->scrambled, y->descrambled, y->clear,
				   y->no_payload, y->already_scrambled,
				   y->reserved_sc };
		bool changed = y->scrambled || y->descrambled;

		if (s[i]->verdict != MCD_V_WORK)
			continue;
		if (s[i]->sa != cur) {
			if (cur)
				ts_count(lc->sa_stats, cur->row, scr, &one);
			memset(&one, 0, sizeof(one));
			cur = s[i]->sa;
		}
		for (int k = 0; k < 6; k++) {
			all.t[k] += v[k];
			one.t[k] += v[k];
		}
		if (!changed)
			continue;
		all.pkts++;
		one.pkts++;
		all.octets += s[i]->in_len;
		one.octets += s[i]->in_len;
		if (!s[i]->udp_csum_zero)
			mcd_udp_csum_update(s[i]->pkt.data, &s[i]->flow);
	}
	if (cur)
		ts_count(lc->sa_stats, cur->row, scr, &one);
	ts_count(lc->stats, g->slot, scr, &all);
}

const struct mcd_group_ops mcd_ops_esp_encrypt = {
	.prepare = esp_enc_prepare, .finish = esp_enc_finish,
};
const struct mcd_group_ops mcd_ops_esp_decrypt = {
	.prepare = esp_dec_prepare, .finish = esp_dec_finish,
};
const struct mcd_group_ops mcd_ops_ts_scramble = {
	.prepare = ts_scr_prepare, .finish = ts_finish,
};
const struct mcd_group_ops mcd_ops_ts_descramble = {
	.prepare = ts_des_prepare, .finish = ts_finish,
};
