// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Counters. Every lcore owns a block of rows, one per group plus row 0 for
 * packets that belong to no group (unmatched, unparsable), each row indexed
 * by MCSEC_STAT_A_*: the drop reasons the core returns are the counter
 * numbers, so a reason and its counter never disagree. Lcores increment
 * their own rows without atomics; readers sum over the lcores.
 */
#include <ctype.h>
#include <string.h>

#include <rte_lcore.h>
#include <rte_malloc.h>

#include "libmcsec.h"
#include "mcsec-dpdk.h"

u64 *mcd_stats_alloc(unsigned int socket)
{
	return rte_zmalloc_socket("mcsec_stats",
				  sizeof(u64) * MCD_NSTATS * (MCD_MAX_GROUPS + 1),
				  RTE_CACHE_LINE_SIZE, (int)socket);
}

u64 *mcd_stats_alloc_sa(unsigned int socket)
{
	return rte_zmalloc_socket("mcsec_sa_stats",
				  sizeof(u64) * MCD_NSTATS * (MCD_MAX_SA_ROWS + 1),
				  RTE_CACHE_LINE_SIZE, (int)socket);
}

void mcd_stats_sa_row(u32 row, u64 out[MCD_NSTATS])
{
	memset(out, 0, sizeof(u64) * MCD_NSTATS);
	for (unsigned int i = 0; i < MCD_MAX_LCORES; i++) {
		const struct mcd_lcore *lc = mcd_lcores[i];
		const u64 *r;

		if (!lc)
			continue;
		r = &lc->sa_stats[(size_t)row * MCD_NSTATS];
		for (int st = 0; st < MCD_NSTATS; st++)
			out[st] += __atomic_load_n(&r[st], __ATOMIC_RELAXED);
	}
}

/* After the SA's grace period: no worker writes the row any more. */
void mcd_stats_sa_clear(u32 row)
{
	for (unsigned int i = 0; i < MCD_MAX_LCORES; i++)
		if (mcd_lcores[i])
			memset(&mcd_lcores[i]->sa_stats[(size_t)row * MCD_NSTATS],
			       0, sizeof(u64) * MCD_NSTATS);
}

void mcd_stats_free(u64 *rows)
{
	rte_free(rows);
}

u64 mcd_stats_sum(u32 slot, int stat)
{
	u64 sum = 0;

	for (unsigned int i = 0; i < MCD_MAX_LCORES; i++) {
		const struct mcd_lcore *lc = mcd_lcores[i];

		if (lc)
			sum += __atomic_load_n(&lc->stats[(size_t)slot * MCD_NSTATS + (u32)stat],
					       __ATOMIC_RELAXED);
	}
	return sum;
}

void mcd_stats_row(u32 slot, u64 out[MCD_NSTATS])
{
	for (int st = 0; st < MCD_NSTATS; st++)
		out[st] = mcd_stats_sum(slot, st);
}

void mcd_stats_total(u64 out[MCD_NSTATS])
{
	u64 row[MCD_NSTATS];

	memcpy(out, mcd_tab.retired, sizeof(mcd_tab.retired));
	for (u32 slot = 0; slot <= MCD_MAX_GROUPS; slot++) {
		if (slot && !mcd_tab.slot_used[slot])
			continue;
		mcd_stats_row(slot, row);
		for (int st = 0; st < MCD_NSTATS; st++)
			out[st] += row[st];
	}
}

/* No worker writes the row any more: it belonged to a deleted group. */
void mcd_stats_retire(u32 slot)
{
	for (unsigned int i = 0; i < MCD_MAX_LCORES; i++) {
		struct mcd_lcore *lc = mcd_lcores[i];
		u64 *row;

		if (!lc)
			continue;
		row = &lc->stats[(size_t)slot * MCD_NSTATS];
		for (int st = 0; st < MCD_NSTATS; st++)
			mcd_tab.retired[st] += row[st];
		memset(row, 0, sizeof(*row) * MCD_NSTATS);
	}
}

static void print_row(FILE *f, u32 slot)
{
	for (int st = 1; st < MCD_NSTATS; st++) {
		u64 v = mcd_stats_sum(slot, st);

		if (v && mcsec_stat_name(st))
			fprintf(f, "  %s %llu\n", mcsec_stat_name(st),
				(unsigned long long)v);
	}
}

/*
 * "group ID NAME" then "  counter value" lines (non-zero counters only),
 * then "unmatched" for row 0, then per lcore "lcore N rx .. tx ..".
 */
void mcd_stats_print(FILE *f)
{
	for (u32 i = 0; i < mcd_tab.ngroups; i++) {
		const struct mcd_group *g = mcd_tab.groups[i];

		fprintf(f, "group %u %s\n", g->id, g->name);
		print_row(f, g->slot);
	}
	fprintf(f, "nogroup\n");
	print_row(f, 0);
	for (unsigned int i = 0; i < MCD_MAX_LCORES; i++) {
		const struct mcd_lcore *lc = mcd_lcores[i];

		if (!lc)
			continue;
		fprintf(f, "lcore %u rx %llu tx %llu tx-full %llu crypto-errors %llu",
			lc->lcore_id, (unsigned long long)lc->app.rx,
			(unsigned long long)lc->app.tx,
			(unsigned long long)lc->app.tx_full,
			(unsigned long long)lc->app.crypto_errors);
		if (mcd_cdev.on)
			fprintf(f, " cdev-ops %llu cdev-failed %llu cdev-fallback %llu",
				(unsigned long long)lc->app.cdev_ops,
				(unsigned long long)lc->app.cdev_failed,
				(unsigned long long)lc->app.cdev_fallback);
		fputc('\n', f);
	}
	fflush(f);
}
