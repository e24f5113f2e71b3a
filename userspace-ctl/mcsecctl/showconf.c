// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * mcsecctl showconf [key-dir DIR]: the configuration as setconf reads it
 * (see conf.c): the groups in ID order, each followed by its SAs and the
 * line that makes the sender's SA or parity current. Counters are not
 * configuration and are left out; sequence numbers are in (an SA restored
 * goes on where it stopped, so no (key, nonce) pair is reused).
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <limits.h>
#include <net/if.h>
#include <string.h>
#include <unistd.h>

#include "mcsecctl.h"

#define DEFAULT_KEY_DIR	"/etc/mcsec/keys"

struct showconf {
	FILE *out;
	const char *key_dir;
	const struct mcsec_group *g;
	char sel[256];		/* "239.1.1.1 port 5000 dir encrypt" */
	char base[256];		/* "239.1.1.1_5000_encrypt" */
	int missing;
};

/* The words that name g, and the key file prefix. */
static void selector(struct showconf *s, const struct mcsec_group *g)
{
	char addr[INET6_ADDRSTRLEN], src[INET6_ADDRSTRLEN] = "", ifn[IF_NAMESIZE] = "";
	const char *dir = mcsec_dir_name(g->dir) ?: "?";

	format_addr(&g->daddr, addr, sizeof(addr));
	if (g->has_saddr)
		format_addr(&g->saddr, src, sizeof(src));
	if (g->ifindex && !if_indextoname(g->ifindex, ifn))
		snprintf(ifn, sizeof(ifn), "?");
	snprintf(s->sel, sizeof(s->sel), "%s port %u%s%s%s%s dir %s", addr,
		 g->port, *src ? " src " : "", src, *ifn ? " iif " : "", ifn,
		 dir);
	snprintf(s->base, sizeof(s->base), "%s_%u%s%s%s%s_%s", addr, g->port,
		 *src ? "_" : "", src, *ifn ? "_" : "", ifn, dir);
}

static void group_line(struct showconf *s, const struct mcsec_group *g)
{
	char pids[8 * 1024];

	fprintf(s->out, "group add %s format %s%s%s", s->sel,
		mcsec_format_name(g->format) ?: "?",
		g->flags & MCSEC_GROUP_F_REQUIRED ? " required" : "",
		g->flags & MCSEC_GROUP_F_RTP ? " rtp" : "");
	if (g->has_pids) {
		format_pids(g->pid_map, pids, sizeof(pids));
		fprintf(s->out, " pids %s", pids);
	}
	fputc('\n', s->out);
}

static bool lifetime_set(const struct mcsec_lifetime *lt)
{
	return lt->packets || lt->bytes || lt->seconds;
}

static void lifetime(FILE *out, const char *which,
		     const struct mcsec_lifetime *lt)
{
	fprintf(out, " %s", which);
	if (lt->packets)
		fprintf(out, " packets %" PRIu64, lt->packets);
	if (lt->bytes)
		fprintf(out, " bytes %" PRIu64, lt->bytes);
	if (lt->seconds)
		fprintf(out, " seconds %" PRIu64, lt->seconds);
}

static void key_file(struct showconf *s, const struct mcsec_sa *sa)
{
	char path[PATH_MAX], name[16];

	if (sa->parity)
		snprintf(name, sizeof(name), "%s", mcsec_parity_name(sa->parity) ?: "?");
	else
		snprintf(name, sizeof(name), "0x%08" PRIx32, sa->spi);
	snprintf(path, sizeof(path), "%s/%s_%s.key", s->key_dir, s->base, name);
	fprintf(s->out, " key-file %s", path);
	if (access(path, R_OK)) {
		fprintf(stderr, PROG ": showconf: key file %s: not readable: setconf will need it\n",
			path);
		s->missing++;
	}
}

static int sa_line(const struct mcsec_sa *sa, void *arg)
{
	struct showconf *s = arg;

	fprintf(s->out, "sa add %s", s->sel);
	if (sa->parity) {
		fprintf(s->out, " parity %s", mcsec_parity_name(sa->parity) ?: "?");
	} else {
		fprintf(s->out, " spi 0x%08" PRIx32 " suite %s", sa->spi,
			mcsec_suite_name(sa->suite) ?: "?");
		if (sa->has_seq && sa->seq != 1)
			fprintf(s->out, " seq %" PRIu64, sa->seq);
		if (sa->has_replay_window && sa->replay_window != 64)
			fprintf(s->out, " replay-window %" PRIu32, sa->replay_window);
		if (!(sa->flags & MCSEC_SA_F_ESN))
			fputs(" no-esn", s->out);
	}
	if ((sa->has_soft && lifetime_set(&sa->soft)) ||
	    (sa->has_hard && lifetime_set(&sa->hard)))
		fputs(" lifetime", s->out);
	if (sa->has_soft && lifetime_set(&sa->soft))
		lifetime(s->out, "soft", &sa->soft);
	if (sa->has_hard && lifetime_set(&sa->hard))
		lifetime(s->out, "hard", &sa->hard);
	key_file(s, sa);
	fputc('\n', s->out);
	return 0;
}

/* The sender's current SA or parity, once its SAs exist. */
static void active_line(struct showconf *s, const struct mcsec_group *g)
{
	if (g->tx_spi)
		fprintf(s->out, "sa set %s spi 0x%08" PRIx32 " active\n", s->sel,
			g->tx_spi);
	else if (g->tx_parity)
		fprintf(s->out, "group set %s parity %s\n", s->sel,
			mcsec_parity_name(g->tx_parity) ?: "?");
}

static int show_group(struct ctx *ctx, struct showconf *s,
		      const struct mcsec_group *g)
{
	struct mcsec_err err = { 0 };

	selector(s, g);
	group_line(s, g);
	if (mcsec_sa_dump(ctx->conn, g->id, sa_line, s, &err))
		return report("showconf", &err);
	active_line(s, g);
	return EXIT_OK;
}

static int parse_args(struct words *ws, struct showconf *s)
{
	static const char *const kw[] = { "key-dir", "help", NULL };
	int k;

	while (words_more(ws)) {
		k = words_keyword(ws, "showconf option", kw);
		if (k < 0)
			return EXIT_USAGE;
		if (k == 1) {
			puts("usage: mcsecctl showconf [key-dir DIR]   (default " DEFAULT_KEY_DIR ")");
			return -1;
		}
		s->key_dir = words_value(ws, "key-dir");
		if (!s->key_dir)
			return EXIT_USAGE;
	}
	return 0;
}

int do_showconf(struct ctx *ctx, struct words *ws)
{
	struct showconf s = { .out = stdout, .key_dir = DEFAULT_KEY_DIR };
	struct group_list gl = { 0 };
	int i, ret = parse_args(ws, &s);

	if (ret)
		return ret < 0 ? EXIT_OK : ret;
	ret = ctx_conn(ctx, "showconf");
	if (!ret)
		ret = group_list_load(ctx, &gl, "showconf");
	if (ret)
		return ret;
	fprintf(s.out, "# mcsecctl showconf: restore with mcsecctl setconf FILE\n"
		"# keys are never read back: key-file names follow %s/GROUP_PORT[_SRC][_IIF]_DIR_SPI|PARITY.key\n",
		s.key_dir);
	for (i = 0; i < gl.n && !ret; i++)
		ret = show_group(ctx, &s, &gl.g[i]);
	group_list_free(&gl);
	return ret;
}
