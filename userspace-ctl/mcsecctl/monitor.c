// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * mcsecctl monitor: one line (or one JSON object per line, -j) per event:
 * soft/hard lifetime expiry and sequence exhaustion. The group is named by
 * address where it still exists (looked up on a second connection: the
 * first one carries the events).
 */
#include <string.h>

#include "mcsecctl.h"

struct monitor {
	struct ctx *ctx;
	struct mcsec_conn *lookup;
};

static void print_group_of(struct monitor *m, uint32_t id)
{
	struct mcsec_err err = { 0 };
	struct mcsec_group g;
	char addr[64];

	if (!m->lookup || mcsec_group_get(m->lookup, id, &g, &err))
		return;
	format_addr(&g.daddr, addr, sizeof(addr));
	pr_str(&m->ctx->pr, "group", addr);
	pr_u64(&m->ctx->pr, "port", g.port);
	pr_str(&m->ctx->pr, "dir", mcsec_dir_name(g.dir) ?: "?");
}

static int print_event(const struct mcsec_event_msg *ev, void *arg)
{
	struct monitor *m = arg;
	struct printer *pr = &m->ctx->pr;

	pr_obj_begin(pr, NULL, PR_INLINE);
	pr_str(pr, "event", ev->type ? mcsec_event_name(ev->type) ?: "unknown" :
				       "events-lost");
	if (ev->type) {
		print_group_of(m, ev->group_id);
		pr_u64(pr, "group-id", ev->group_id);
		if (ev->parity)
			pr_str(pr, "parity", mcsec_parity_name(ev->parity) ?: "?");
		else
			pr_hex32(pr, "spi", ev->spi);
		if (ev->limit)
			pr_str(pr, "limit", mcsec_limit_name(ev->limit) ?: "?");
	}
	pr_obj_end(pr);
	fflush(pr->out);
	return 0;
}

int do_monitor(struct ctx *ctx, struct words *ws)
{
	struct monitor m = { ctx, NULL };
	struct mcsec_err err = { 0 };
	int ret;

	if (words_more(ws)) {
		if (!strcmp(words_peek(ws), "help")) {
			puts("usage: mcsecctl [-j] monitor   (events until interrupted)");
			return EXIT_OK;
		}
		return words_error(ws, ws->i, "monitor takes no arguments, not '%s'",
				   words_peek(ws));
	}
	ret = ctx_conn(ctx, "monitor");
	if (ret)
		return ret;
	if (ctx->dpdk)
		mcsec_open_dpdk(&m.lookup, ctx->dpdk, &err);
	else
		mcsec_open_kernel(&m.lookup, &err);
	/* Without JSON pretty-printing, one object per line (JSON lines). */
	ctx->pr.pretty = false;
	ret = mcsec_monitor(ctx->conn, print_event, &m, &err);
	mcsec_close(m.lookup);
	return ret ? report("monitor", &err) : EXIT_OK;
}
