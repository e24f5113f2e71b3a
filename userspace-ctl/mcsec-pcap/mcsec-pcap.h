/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * mcsec-pcap: applies one group's mcsec transform to a capture file, offline,
 * with the shared core and the intel-ipsec-mb backend. Split by concern:
 *   args.c       options, group address, PID list, key files
 *   pcapio.c     reading and writing captures, link-layer headers, the
 *                temporary output file that only appears when complete
 *   transform.c  classification, the core's prepare/finish, bursts of jobs
 *   main.c       glue and the summary
 */
#ifndef MCSEC_PCAP_H
#define MCSEC_PCAP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <pcap/pcap.h>

#include "compat.h"
#include "crypto.h"
#include "esp.h"
#include "ts.h"
#include <uapi/linux/mcsec.h>

#define MP_NAME		"mcsec-pcap"

/* Exit statuses: configuration / usage errors, and run-time failures. */
#define MP_EXIT_USAGE	2
#define MP_EXIT_RUNTIME	1

/* Largest raw key file content: a 32-byte key plus the 4-byte salt. */
#define MP_KEY_MAX	36

struct mp_key_file {
	const char *path;	/* NULL when not given */
	u8 bytes[MP_KEY_MAX];
	u32 len;
};

struct mp_config {
	u8 format;		/* enum mcsec_format */
	u8 dir;			/* enum mcsec_dir */
	u8 suite;		/* enum mcsec_suite */
	/* --group */
	bool have_group;
	u16 family;		/* MC_AF_INET / MC_AF_INET6 */
	u8 group[16];
	u16 port;		/* 0: any */
	char group_text[64];
	/* ESP */
	bool have_spi;
	u32 spi;
	u64 seq;
	bool esn;
	u32 replay_window;
	/* TS */
	bool rtp;
	bool have_pids;
	u8 pid_map[MC_TS_PID_MAP_BYTES];
	u8 parity;		/* enum mcsec_parity */
	/* keys */
	struct mp_key_file key, even, odd;
	/* files */
	const char *in_path, *out_path;
	bool quiet;
};

/* The ESP formats (the others are MPEG-TS). */
static inline bool mp_format_is_esp(u8 format)
{
	return format == MCSEC_FORMAT_ESP_TUNNEL ||
	       format == MCSEC_FORMAT_ESP_TRANSPORT;
}

/*
 * Parses argv into cfg and reads the key files. On any problem prints one
 * line "mcsec-pcap: <what>" to stderr and returns false (with *exit_code);
 * --help and --version return false with exit code 0.
 */
bool mp_parse_args(int argc, char **argv, struct mp_config *cfg,
		   int *exit_code);
/* Wipes every key byte held by cfg. */
void mp_config_wipe(struct mp_config *cfg);


/* ---- pcapio.c ---------------------------------------------------------- */

struct mp_io;

/* Link-layer facts of one frame. */
struct mp_frame {
	u32 l2_len;		/* bytes before the IP header */
	u32 ethertype_off;	/* where the (innermost) ethertype lives, or ~0 */
	bool is_ip;		/* the link layer says IPv4 or IPv6 */
};

/* Opens IN; on error prints a message and returns NULL. */
struct mp_io *mp_io_open(const char *in_path, const char *out_path);
/*
 * Creates the temporary output beside OUT with IN's linktype, precision and
 * snapshot length, the latter raised by grow, the most a packet can gain:
 * a run that changes no packet writes a byte-identical file.
 */
bool mp_io_create_output(struct mp_io *io, u32 grow);
int mp_io_linktype(const struct mp_io *io);
const char *mp_io_linktype_name(const struct mp_io *io);
/* Next record: 1 with *hdr and *data set, 0 at the end, -1 on error. */
int mp_io_next(struct mp_io *io, const struct pcap_pkthdr **hdr,
	       const u8 **data);
void mp_io_frame(const struct mp_io *io, const u8 *data, u32 caplen,
		 struct mp_frame *fr);
/* Rewrites the link header for an IP packet of the given version; false
 * when the linktype cannot carry it (raw IPv4 linktype and an IPv6 packet). */
bool mp_io_fix_l2(const struct mp_io *io, u8 *l2, const struct mp_frame *fr,
		  u8 ip_version);
/* Writes one record (h->caplen bytes of data). */
bool mp_io_write(struct mp_io *io, const struct pcap_pkthdr *h,
		 const u8 *data);
/* Flushes, syncs and renames the output into place. */
bool mp_io_commit(struct mp_io *io);
/* Removes the temporary output (if any) and closes everything. */
void mp_io_abort(struct mp_io *io);
void mp_io_close(struct mp_io *io);
/* Async-signal-safe: unlinks the temporary output. */
void mp_io_signal_cleanup(void);

/* ---- transform.c ------------------------------------------------------- */

/* One counter per MCSEC_STAT_A_* reason, plus the tool's own. */
enum {
	MP_REASON_CRYPTO_ERROR = __MCSEC_STAT_A_MAX,	/* backend refused a job */
	MP_REASON_LINKTYPE,	/* the output linktype cannot carry the result */
	MP_REASON_MAX
};

struct mp_stats {
	u64 read, transformed, passed, dropped;
	u64 reason[MP_REASON_MAX];
	u64 ts[6];		/* scrambled, descrambled, clear, no payload,
				 * already scrambled, reserved sc */
	u64 next_seq;		/* ESP encrypt: the next sequence number */
};

struct mp_engine;

struct mp_engine *mp_engine_new(const struct mp_config *cfg, struct mp_io *io,
				struct mp_stats *st, char *err, size_t errlen);
/* Processes every record of the input; false on an I/O error. */
bool mp_engine_run(struct mp_engine *e);
const char *mp_engine_arch(const struct mp_engine *e);
void mp_engine_free(struct mp_engine *e);

const char *mp_reason_name(int reason);

#endif
