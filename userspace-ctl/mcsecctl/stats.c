// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * mcsecctl stats [GROUP [port N] [SELECTOR]]: the namespace's totals (every
 * packet the hooks inspected, pkts-unmatched included), or one group's
 * counters. mcsecctl flush: every group of the namespace goes.
 */
#include <string.h>

#include "mcsecctl.h"

static int stats_total(struct ctx *ctx)
{
	uint64_t stats[MCSEC_NSTATS];
	struct mcsec_err err = { 0 };

	if (mcsec_stats_get(ctx->conn, stats, &err))
		return report("stats", &err);
	pr_obj_begin(&ctx->pr, NULL, PR_LINES);
	pr_stats(&ctx->pr, stats);
	pr_obj_end(&ctx->pr);
	return EXIT_OK;
}

static int stats_group(struct ctx *ctx, struct cmd *c)
{
	struct mcsec_err err = { 0 };
	struct mcsec_group g;
	int ret = resolve_group(ctx, &c->match, &g, "stats");

	if (ret)
		return ret;
	if (mcsec_group_get(ctx->conn, g.id, &g, &err))
		return report("stats", &err);
	pr_obj_begin(&ctx->pr, NULL, PR_LINES);
	pr_stats(&ctx->pr, g.stats);
	pr_obj_end(&ctx->pr);
	return EXIT_OK;
}

int do_stats(struct ctx *ctx, struct words *ws)
{
	struct cmd c = { 0 };
	int ret;

	if (words_more(ws) && !strcmp(words_peek(ws), "help")) {
		puts("usage: mcsecctl stats [GROUP [port N] [src ADDR] [iif DEV] [dir D]]");
		return EXIT_OK;
	}
	if (words_more(ws) && (ret = group_parse(ws, VERB_SHOW, &c)))
		return ret;
	ret = ctx_conn(ctx, "stats");
	if (ret)
		return ret;
	return c.has_match ? stats_group(ctx, &c) : stats_total(ctx);
}

int do_flush(struct ctx *ctx, struct words *ws)
{
	struct mcsec_err err = { 0 };
	int ret;

	if (words_more(ws)) {
		if (!strcmp(words_peek(ws), "help")) {
			puts("usage: mcsecctl flush   (deletes every group and its SAs)");
			return EXIT_OK;
		}
		return words_error(ws, ws->i, "flush takes no arguments, not '%s'",
				   words_peek(ws));
	}
	ret = ctx_conn(ctx, "flush");
	if (ret)
		return ret;
	return mcsec_flush(ctx->conn, &err) ? report("flush", &err) : EXIT_OK;
}
