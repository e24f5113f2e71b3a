// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * mcsecd: the mcsec group controller / key server and group member, one
 * binary; the configuration file says which role it plays.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "log.h"
#include "member.h"
#include "server.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: mcsecd [-v] [-t] -c FILE\n"
		"  -c, --config FILE   the configuration (server or member role)\n"
		"  -t, --test          check the configuration and exit\n"
		"  -v, --verbose       debug messages\n"
		"  -V, --version\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "test", no_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *path = NULL;
	struct config cfg;
	char err[512];
	bool test = false;
	int verbose = LOG_INFO, c;

	while ((c = getopt_long(argc, argv, "c:tvVh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 't': test = true; break;
		case 'v': verbose = LOG_DEBUG; break;
		case 'V': printf("mcsecd %s\n", MCSEC_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!path || optind != argc) {
		usage(stderr);
		return 2;
	}
	umask(077);	/* state and key files: never readable by others */
	if (config_load(path, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "mcsecd: %s\n", err);
		return 2;
	}
	if (test) {
		printf("%s: %s configuration, %d groups, %d members: OK\n", path,
		       cfg.role == CFG_ROLE_SERVER ? "server" : "member", cfg.ngroups,
		       cfg.nmembers);
		config_free(&cfg);
		return 0;
	}
	log_init(cfg.role == CFG_ROLE_SERVER ? "mcsecd[server]" : "mcsecd[member]", verbose);
	if (cfg.role == CFG_ROLE_SERVER)
		return server_run(path, &cfg);
	c = member_run(path, &cfg);
	config_free(&cfg);
	return c;
}
