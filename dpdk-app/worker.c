// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The lcore loop, run to completion: rx burst, classify by group, order the
 * burst's work by SA, prepare every packet (the group's operation, chosen
 * once), one mc_crypto_run() for the whole burst, finish per SA, then one
 * tx burst in arrival order; dropped packets are freed in bulk, each
 * already counted under its MCSEC_STAT_A_* reason in the lcore's own rows.
 *
 * Queues: every worker lcore owns rx queue i and tx queue i of every port
 * (i = its worker number); with several workers, ports spread flows over
 * their rx queues by RSS. Nothing here depends on how RSS hashes: sequence
 * numbers are reserved atomically per SA and replay windows are updated
 * under the SA's lock (xform.c).
 */
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "mcsec-dpdk.h"

struct mcd_lcore *mcd_lcores[MCD_MAX_LCORES];
volatile bool mcd_quit;
bool mcd_unmatched_drop;

#ifdef MCD_STAGES
/*
 * bench/ only (mcsec-dpdk-bench-stages, a separate build of this file): the
 * TSC at each stage boundary of a burst, summed over the bursts of one lcore
 * that no one interrupted. The appliance itself never pays for this.
 */
u64 mcd_stage_cycles[MCD_NSTAGES], mcd_stage_pkts;
#define STAGE(k)	(st[k] = rte_rdtsc())

static void stages_add(const u64 *st, u16 n)
{
	if (st[MCD_NSTAGES] - st[0] > rte_get_tsc_hz() / 10000)
		return;		/* over 100 us: the scheduler took the core */
	for (u32 k = 0; k < MCD_NSTAGES; k++)
		mcd_stage_cycles[k] += st[k + 1] - st[k];
	mcd_stage_pkts += n;
}
#else
#define STAGE(k)	((void)0)
#endif

struct mcd_lcore *mcd_lcore_new(unsigned int lcore_id, u32 index,
				char *err, size_t errlen)
{
	unsigned int socket = rte_lcore_to_socket_id(lcore_id);
	struct mcd_lcore *lc;

	lc = rte_zmalloc_socket("mcsec_lcore", sizeof(*lc), RTE_CACHE_LINE_SIZE,
				(int)socket);
	if (!lc) {
		snprintf(err, errlen, "out of memory for lcore %u", lcore_id);
		return NULL;
	}
	lc->lcore_id = lcore_id;
	lc->index = index;
	lc->jobs = rte_zmalloc_socket("mcsec_jobs", sizeof(*lc->jobs) * MCD_JOBS,
				      RTE_CACHE_LINE_SIZE, (int)socket);
	lc->stats = mcd_stats_alloc(socket);
	lc->sa_stats = mcd_stats_alloc_sa(socket);
	lc->c = mc_crypto_new();
	if (!lc->jobs || !lc->stats || !lc->sa_stats || !lc->c) {
		snprintf(err, errlen, "lcore %u: %s", lcore_id,
			 lc->c ? "out of memory" : "intel-ipsec-mb cannot run");
		mcd_lcore_free(lc);
		return NULL;
	}
	return lc;
}

void mcd_lcore_free(struct mcd_lcore *lc)
{
	if (!lc)
		return;
	mc_crypto_free(lc->c);
	rte_free(lc->jobs);
	mcd_stats_free(lc->stats);
	mcd_stats_free(lc->sa_stats);
	rte_free(lc);
}

/* The burst's work in runs of one (group, SA), arrival order kept. */
struct run {
	struct mcd_group *g;
	struct mcd_sa *sa;
	u32 start, n;
};

static u32 order_by_sa(struct mcd_slot *slots, u32 n, struct mcd_slot **order,
		       struct run *runs)
{
	u8 which[MCD_BURST];
	u32 nruns = 0, k = 0;

	for (u32 i = 0; i < n; i++) {
		struct mcd_slot *s = &slots[i];
		u32 r;

		if (s->verdict != MCD_V_WORK)
			continue;
		for (r = 0; r < nruns; r++)
			if (runs[r].g == s->g && runs[r].sa == s->sa)
				break;
		if (r == nruns)
			runs[nruns++] = (struct run){ .g = s->g, .sa = s->sa };
		runs[r].n++;
		which[i] = (u8)r;
	}
	for (u32 r = 0; r < nruns; r++) {
		runs[r].start = k;
		k += runs[r].n;
		runs[r].n = 0;
	}
	for (u32 i = 0; i < n; i++) {
		if (slots[i].verdict != MCD_V_WORK)
			continue;
		struct run *r = &runs[which[i]];

		order[r->start + r->n++] = &slots[i];
	}
	return nruns;
}

void mcd_burst(struct mcd_lcore *lc, const struct mcd_rxq *q,
	       struct rte_mbuf **pkts, u16 n)
{
	struct mcd_slot *order[MCD_BURST];
	struct run runs[MCD_BURST];
	struct rte_mbuf *tx[MCD_BURST], *drop[MCD_BURST];
	u64 t0 = rte_rdtsc();
	u32 nruns, ntx = 0, ndrop = 0, r, errors = 0;
	u16 sent;
#ifdef MCD_STAGES
	u64 st[MCD_NSTAGES + 1];

	st[0] = t0;
#endif

	/* The mbufs are read next (classify fetches their data ahead). */
	for (u32 i = 0; i < n; i++) {
		rte_prefetch0(pkts[i]);
		lc->slots[i].m = pkts[i];
	}
	mcd_classify(lc, lc->slots, n, q->role);
	STAGE(1);

	nruns = order_by_sa(lc->slots, n, order, runs);
	lc->njobs = 0;
	lc->tx_mtu = mcd_ports.mtu[q->tx_port];
	for (r = 0; r < nruns; r++)
		runs[r].g->ops->prepare(lc, runs[r].g, runs[r].sa,
					&order[runs[r].start], runs[r].n);
	STAGE(2);
	if (unlikely(mcd_cdev.on) && nruns)
		errors = mcd_cdev_run(lc, order, runs[nruns - 1].start +
				      runs[nruns - 1].n);
	else if (lc->njobs)
		errors = mc_crypto_run(lc->c, lc->jobs, lc->njobs);
	STAGE(3);
	for (r = 0; r < nruns; r++) {
		struct mcd_slot **s = &order[runs[r].start];

		for (u32 i = 0; errors && i < runs[r].n; i++) {
			for (u32 j = 0; j < s[i]->njobs; j++) {
				if (lc->jobs[s[i]->job0 + j].status != MC_JOB_ERROR)
					continue;
				s[i]->verdict = MCD_V_DROP;
				lc->app.crypto_errors++;
				break;
			}
		}
		runs[r].g->ops->finish(lc, runs[r].g, runs[r].sa, s, runs[r].n);
	}
	STAGE(4);

	for (u32 i = 0; i < n; i++) {
		struct mcd_slot *s = &lc->slots[i];

		if (s->verdict == MCD_V_DROP) {
			drop[ndrop++] = s->m;
			continue;
		}
		if (s->verdict == MCD_V_WORK)
			mcd_mbuf_sync(s);
		tx[ntx++] = s->m;
	}
	STAGE(5);
	if (ndrop)
		rte_pktmbuf_free_bulk(drop, ndrop);
	sent = ntx ? rte_eth_tx_burst(q->tx_port, q->tx_queue, tx, (u16)ntx) : 0;
	if (unlikely(sent < ntx)) {
		rte_pktmbuf_free_bulk(&tx[sent], ntx - sent);
		lc->app.tx_full += ntx - sent;
	}
	STAGE(6);
#ifdef MCD_STAGES
	stages_add(st, n);
#endif
	lc->app.rx += n;
	lc->app.tx += sent;
	lc->app.bursts++;
	lc->app.busy_cycles += rte_rdtsc() - t0;
	__atomic_store_n(&lc->app.processed, lc->app.processed + n,
			 __ATOMIC_RELEASE);
}

int mcd_worker_main(void *arg)
{
	struct mcd_lcore *lc = arg;
	struct rte_mbuf *pkts[MCD_BURST];

	mcd_rcu_worker_start(lc->index);
	while (!mcd_quit) {
		for (u32 i = 0; i < lc->nrxq; i++) {
			const struct mcd_rxq *q = &lc->rxq[i];
			u16 n = rte_eth_rx_burst(q->port, q->queue, pkts, MCD_BURST);

			if (n)
				mcd_burst(lc, q, pkts, n);
		}
		/* No group or SA pointer is held past this point. */
		mcd_rcu_quiescent(lc->index);
	}
	mcd_rcu_worker_stop(lc->index);
	return 0;
}
