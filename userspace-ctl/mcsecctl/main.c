// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * mcsecctl: configure the mcsec fast path (mcsec.ko, or mcsec-dpdk with
 * --dpdk SOCKET / MCSEC_DPDK_SOCKET) the way ip(8) configures the kernel:
 * mcsecctl [OPTIONS] OBJECT [COMMAND [ARGUMENTS]]. Objects and commands
 * may be abbreviated to any unambiguous prefix.
 *
 * Exit status: 0 success, 1 the fast path (or the system) refused, with its
 * message, 2 a usage error, naming the word at fault.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "mcsecctl.h"

static const char usage_text[] =
"usage: mcsecctl [OPTIONS] OBJECT [COMMAND [ARGUMENTS]]\n"
"OBJECT: group | sa | stats | monitor | flush | showconf | setconf | help\n"
"  group add|set|del|show ...   protected multicast groups\n"
"  sa add|set|del|show ...      their SAs (ESP, by SPI) and keys (TS, by parity)\n"
"  stats [GROUP port N]         counters: the namespace's, or one group's\n"
"  monitor                      lifetime and sequence events, until interrupted\n"
"  flush                        delete every group\n"
"  showconf [key-dir DIR]       the configuration, as setconf reads it\n"
"  setconf FILE                 apply such a configuration\n"
"OPTIONS:\n"
"  -j, --json        JSON output       -p, --pretty   indented JSON\n"
"  -s, --stats       counters in group show and sa show\n"
"  --dpdk SOCKET     talk to mcsec-dpdk (default: $" MCSEC_DPDK_SOCKET_ENV
" or mcsec.ko)\n"
"  -h, --help        this text         -V, --version\n"
"`mcsecctl OBJECT help` gives an object's grammar. See mcsecctl(8).\n";

typedef int (*object_fn)(struct ctx *ctx, struct words *ws);

static int do_help(struct ctx *ctx, struct words *ws)
{
	(void)ctx;
	(void)ws;
	fputs(usage_text, stdout);
	return EXIT_OK;
}

static const char *const objects[] = {
	"group", "sa", "stats", "monitor", "flush", "showconf", "setconf",
	"help", NULL,
};

static const object_fn handlers[] = {
	do_group, do_sa, do_stats, do_monitor, do_flush, do_showconf,
	do_setconf, do_help,
};

enum { OPT_DPDK = 256 };

static const struct option long_opts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "pretty", no_argument, NULL, 'p' },
	{ "stats", no_argument, NULL, 's' },
	{ "dpdk", required_argument, NULL, OPT_DPDK },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* Options; -1 to go on, else the exit status. */
static int options(int argc, char **argv, struct ctx *ctx, bool *json,
		   bool *pretty)
{
	int c;

	opterr = 0;
	/* '+': options end at the object, as with ip(8). */
	while ((c = getopt_long(argc, argv, "+jpshV", long_opts, NULL)) != -1) {
		switch (c) {
		case 'j': *json = true; break;
		case 'p': *pretty = *json = true; break;
		case 's': ctx->stats = true; break;
		case OPT_DPDK: ctx->dpdk = optarg; break;
		case 'h': fputs(usage_text, stdout); return EXIT_OK;
		case 'V': puts(PROG " " MCSEC_VERSION); return EXIT_OK;
		default:
			fprintf(stderr, PROG ": unknown option '%s' (try --help)\n",
				argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct ctx ctx = { .dpdk = getenv(MCSEC_DPDK_SOCKET_ENV) };
	bool json = false, pretty = false;
	struct word *store;
	struct words ws;
	int ret, obj;

	ret = options(argc, argv, &ctx, &json, &pretty);
	if (ret >= 0)
		return ret;
	if (ctx.dpdk && !*ctx.dpdk)
		ctx.dpdk = NULL;
	pr_init(&ctx.pr, stdout, json, pretty);
	store = calloc((size_t)argc + 1, sizeof(*store));
	if (!store)
		return EXIT_RUNTIME;
	words_from_argv(&ws, store, argc - optind, argv + optind);
	if (!words_more(&ws)) {
		fputs(usage_text, stderr);
		free(store);
		return EXIT_USAGE;
	}
	obj = words_keyword(&ws, "object", objects);
	ret = obj < 0 ? EXIT_USAGE : handlers[obj](&ctx, &ws);
	mcsec_close(ctx.conn);
	free(store);
	if (fflush(stdout) && !ret)
		ret = EXIT_RUNTIME;
	return ret;
}
