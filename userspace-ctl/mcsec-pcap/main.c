// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * mcsec-pcap: applies one group's mcsec transform (group ESP or MPEG-TS
 * scrambling) to a capture file, offline, with the same shared core and
 * intel-ipsec-mb backend as the DPDK appliance. See mcsec-pcap(8).
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "esp.h"
#include "libmcsec.h"
#include "mcsec-pcap.h"

static void on_signal(int sig)
{
	mp_io_signal_cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void print_summary(const struct mp_config *cfg,
			  const struct mp_engine *e, const struct mp_io *io,
			  const struct mp_stats *st)
{
	static const char *const ts_names[6] = {
		"ts-scrambled", "ts-descrambled", "ts-clear", "ts-no-payload",
		"ts-already-scrambled", "ts-reserved-sc",
	};
	bool esp = mp_format_is_esp(cfg->format);
	int i;

	fprintf(stderr, MP_NAME ": %s %s", mcsec_format_name(cfg->format),
		cfg->dir == MCSEC_DIR_ENCRYPT ? "encrypt" : "decrypt");
	if (esp)
		fprintf(stderr, ", %s, spi 0x%08x%s", mcsec_suite_name(cfg->suite),
			cfg->spi, cfg->esn ? ", esn" : "");
	else if (cfg->dir == MCSEC_DIR_ENCRYPT)
		fprintf(stderr, ", %s key", cfg->parity == MCSEC_PARITY_ODD ?
			"odd" : "even");
	fprintf(stderr, ", group %s, %s, ipsec-mb %s\n",
		cfg->have_group ? cfg->group_text : "any",
		mp_io_linktype_name(io), mp_engine_arch(e));
	fprintf(stderr, "read %llu\n", (unsigned long long)st->read);
	fprintf(stderr, "transformed %llu\n", (unsigned long long)st->transformed);
	fprintf(stderr, "passed %llu\n", (unsigned long long)st->passed);
	fprintf(stderr, "dropped %llu\n", (unsigned long long)st->dropped);
	for (i = 0; i < MP_REASON_MAX; i++) {
		const char *name = mp_reason_name(i);

		if (st->reason[i] && name)
			fprintf(stderr, "  %s %llu\n", name,
				(unsigned long long)st->reason[i]);
	}
	if (!esp)
		for (i = 0; i < 6; i++)
			fprintf(stderr, "%s %llu\n", ts_names[i],
				(unsigned long long)st->ts[i]);
	else if (cfg->dir == MCSEC_DIR_ENCRYPT)
		fprintf(stderr, "next-seq %llu\n",
			(unsigned long long)st->next_seq);
}

int main(int argc, char **argv)
{
	struct mp_config cfg;
	struct mp_stats st;
	struct mp_engine *e;
	struct mp_io *io;
	char err[256];
	u32 grow;
	int code;

	if (!mp_parse_args(argc, argv, &cfg, &code))
		return code;
	grow = cfg.dir == MCSEC_DIR_ENCRYPT && mp_format_is_esp(cfg.format) ?
	       MC_ESP_MAX_HEADROOM + MC_ESP_MAX_TAILROOM : 0;

	io = mp_io_open(cfg.in_path, cfg.out_path);
	if (!io) {
		mp_config_wipe(&cfg);
		return MP_EXIT_USAGE;
	}
	memset(&st, 0, sizeof(st));
	e = mp_engine_new(&cfg, io, &st, err, sizeof(err));
	/* The backend holds its own expanded copies now. */
	mp_config_wipe(&cfg);
	if (!e) {
		fprintf(stderr, MP_NAME ": %s\n", err);
		mp_io_close(io);
		return MP_EXIT_RUNTIME;
	}

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	if (!mp_io_create_output(io, grow)) {
		mp_engine_free(e);
		mp_io_close(io);
		return MP_EXIT_RUNTIME;
	}
	if (!mp_engine_run(e) || !mp_io_commit(io)) {
		mp_io_abort(io);
		mp_engine_free(e);
		mp_io_close(io);
		return MP_EXIT_RUNTIME;
	}
	if (!cfg.quiet)
		print_summary(&cfg, e, io, &st);
	mp_engine_free(e);
	mp_io_close(io);
	return 0;
}
