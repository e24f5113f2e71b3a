// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Capture I/O for mcsec-pcap: libpcap for reading and writing, the link
 * layers the tool understands, and an output file that only takes its name
 * once it is complete (written as .NAME.XXXXXX beside it, then renamed), so
 * an error or a signal never leaves a half-written OUT behind.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mcsec-pcap.h"

#ifndef DLT_IPV4
#define DLT_IPV4	228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6	229
#endif

#define ETH_P_IP	0x0800
#define ETH_P_IPV6	0x86dd
#define OUT_SNAPLEN	262144

struct mp_io {
	pcap_t *in;
	pcap_t *dead;
	pcap_dumper_t *dump;
	const char *in_path, *out_path;
	char tmp_path[PATH_MAX];
	int linktype;
	int precision;
};

/* The temporary output, for the signal handler. */
static char sig_tmp_path[PATH_MAX];
static volatile sig_atomic_t sig_tmp_set;

static void complain(const char *what, const char *path, const char *why)
{
	fprintf(stderr, MP_NAME ": %s %s: %s\n", what, path, why);
}

/* The file's own timestamp precision, so that output keeps it. */
static int file_precision(const char *path)
{
	unsigned char m[4];
	FILE *f;
	size_t n;

	if (!strcmp(path, "-"))
		return PCAP_TSTAMP_PRECISION_MICRO;
	f = fopen(path, "rb");
	if (!f)
		return PCAP_TSTAMP_PRECISION_MICRO;
	n = fread(m, 1, 4, f);
	fclose(f);
	if (n == 4 && ((m[0] == 0xa1 && m[1] == 0xb2 && m[2] == 0x3c && m[3] == 0x4d) ||
		       (m[0] == 0x4d && m[1] == 0x3c && m[2] == 0xb2 && m[3] == 0xa1)))
		return PCAP_TSTAMP_PRECISION_NANO;
	return PCAP_TSTAMP_PRECISION_MICRO;
}

struct mp_io *mp_io_open(const char *in_path, const char *out_path)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct mp_io *io = calloc(1, sizeof(*io));

	if (!io) {
		fprintf(stderr, MP_NAME ": out of memory\n");
		return NULL;
	}
	io->in_path = in_path;
	io->out_path = out_path;
	io->precision = file_precision(in_path);
	io->in = pcap_open_offline_with_tstamp_precision(in_path, io->precision,
							 errbuf);
	if (!io->in) {
		/* libpcap says "No such file or directory", "unknown file
		 * format" and the like; errno-based messages start with the
		 * path again, so keep just the reason. */
		const char *why = errbuf;
		size_t pl = strlen(in_path);

		if (!strncmp(why, in_path, pl) && !strncmp(why + pl, ": ", 2))
			why += pl + 2;
		complain("input", in_path, why[0] ? why : "cannot open");
		free(io);
		return NULL;
	}
	io->linktype = pcap_datalink(io->in);
	switch (io->linktype) {
	case DLT_EN10MB:
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
	case DLT_LINUX_SLL:
		break;
	default: {
		char why[160];
		const char *name = pcap_datalink_val_to_name(io->linktype);

		snprintf(why, sizeof(why),
			 "linktype %d (%s) is not supported: Ethernet, raw IP (RAW, IPV4, IPV6) and Linux cooked (LINUX_SLL) are",
			 io->linktype, name ? name : "unknown");
		complain("input", in_path, why);
		pcap_close(io->in);
		free(io);
		return NULL;
	}
	}
	return io;
}

int mp_io_linktype(const struct mp_io *io)
{
	return io->linktype;
}

const char *mp_io_linktype_name(const struct mp_io *io)
{
	const char *n = pcap_datalink_val_to_name(io->linktype);

	return n ? n : "?";
}

static int out_snaplen(const struct mp_io *io, u32 grow)
{
	int snap = pcap_snapshot(io->in);

	if (snap <= 0 || snap > OUT_SNAPLEN)
		snap = OUT_SNAPLEN;
	return snap + grow > OUT_SNAPLEN ? OUT_SNAPLEN : snap + (int)grow;
}

bool mp_io_create_output(struct mp_io *io, u32 grow)
{
	const char *slash = strrchr(io->out_path, '/');
	const char *base = slash ? slash + 1 : io->out_path;
	int dirlen = slash ? (int)(slash - io->out_path) : 0;
	mode_t mask;
	FILE *fp;
	int fd, n;

	if (!*base) {
		complain("output", io->out_path, "is a directory name, expected a file");
		return false;
	}
	/* Beside OUT, so that rename() stays on one filesystem ("/x" keeps
	 * an empty directory part and gives "/.x.XXXXXX"). */
	if (slash)
		n = snprintf(io->tmp_path, sizeof(io->tmp_path), "%.*s/.%s.XXXXXX",
			     dirlen, io->out_path, base);
	else
		n = snprintf(io->tmp_path, sizeof(io->tmp_path), ".%s.XXXXXX", base);
	if (n < 0 || (size_t)n >= sizeof(io->tmp_path)) {
		complain("output", io->out_path, "path too long");
		return false;
	}
	fd = mkstemp(io->tmp_path);
	if (fd < 0) {
		complain("output", io->out_path, strerror(errno));
		io->tmp_path[0] = 0;
		return false;
	}
	memcpy(sig_tmp_path, io->tmp_path, sizeof(sig_tmp_path));
	sig_tmp_set = 1;
	/* mkstemp makes 0600; a capture gets the usual 0666 & ~umask. */
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) < 0) {
		/* Not fatal: the file is just more private than usual. */
	}
	fp = fdopen(fd, "wb");
	if (!fp) {
		complain("output", io->out_path, strerror(errno));
		close(fd);
		mp_io_abort(io);
		return false;
	}
	io->dead = pcap_open_dead_with_tstamp_precision(io->linktype,
							out_snaplen(io, grow),
							io->precision);
	if (!io->dead) {
		fclose(fp);
		complain("output", io->out_path, "libpcap cannot write this linktype");
		mp_io_abort(io);
		return false;
	}
	io->dump = pcap_dump_fopen(io->dead, fp);
	if (!io->dump) {
		complain("output", io->out_path, pcap_geterr(io->dead));
		fclose(fp);
		mp_io_abort(io);
		return false;
	}
	return true;
}

int mp_io_next(struct mp_io *io, const struct pcap_pkthdr **hdr,
	       const u8 **data)
{
	struct pcap_pkthdr *h;
	const u_char *d;
	int r = pcap_next_ex(io->in, &h, &d);

	if (r == 1) {
		*hdr = h;
		*data = d;
		return 1;
	}
	if (r == PCAP_ERROR_BREAK)
		return 0;
	complain("input", io->in_path, pcap_geterr(io->in));
	return -1;
}

void mp_io_frame(const struct mp_io *io, const u8 *data, u32 caplen,
		 struct mp_frame *fr)
{
	u32 off;
	u16 et;

	fr->l2_len = 0;
	fr->ethertype_off = ~0u;
	fr->is_ip = false;
	switch (io->linktype) {
	case DLT_EN10MB:
		if (caplen < 14)
			return;
		off = 12;
		et = mc_get_be16(data + off);
		/* 802.1Q, 802.1ad and the old QinQ tag: skip to the inner type. */
		while ((et == 0x8100 || et == 0x88a8 || et == 0x9100) &&
		       caplen >= off + 4 + 2) {
			off += 4;
			et = mc_get_be16(data + off);
		}
		fr->ethertype_off = off;
		fr->l2_len = off + 2;
		fr->is_ip = et == ETH_P_IP || et == ETH_P_IPV6;
		return;
	case DLT_LINUX_SLL:
		if (caplen < 16)
			return;
		et = mc_get_be16(data + 14);
		fr->ethertype_off = 14;
		fr->l2_len = 16;
		fr->is_ip = et == ETH_P_IP || et == ETH_P_IPV6;
		return;
	case DLT_RAW:
		fr->is_ip = caplen && (data[0] >> 4 == 4 || data[0] >> 4 == 6);
		return;
	case DLT_IPV4:
		fr->is_ip = caplen && data[0] >> 4 == 4;
		return;
	case DLT_IPV6:
		fr->is_ip = caplen && data[0] >> 4 == 6;
		return;
	}
}

bool mp_io_fix_l2(const struct mp_io *io, u8 *l2, const struct mp_frame *fr,
		  u8 ip_version)
{
	if (ip_version != 4 && ip_version != 6)
		return false;
	switch (io->linktype) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
		mc_put_be16(l2 + fr->ethertype_off,
			    ip_version == 4 ? ETH_P_IP : ETH_P_IPV6);
		return true;
	case DLT_IPV4:
		return ip_version == 4;
	case DLT_IPV6:
		return ip_version == 6;
	default:
		return true;
	}
}

bool mp_io_write(struct mp_io *io, const struct pcap_pkthdr *h,
		 const u8 *data)
{
	pcap_dump((u_char *)io->dump, h, data);
	return true;
}

bool mp_io_commit(struct mp_io *io)
{
	FILE *fp = pcap_dump_file(io->dump);
	int err = 0;

	if (pcap_dump_flush(io->dump) < 0 || ferror(fp))
		err = errno ? errno : EIO;
	else if (fsync(fileno(fp)) < 0)
		err = errno;
	pcap_dump_close(io->dump);
	io->dump = NULL;
	if (!err && rename(io->tmp_path, io->out_path) < 0)
		err = errno;
	if (err) {
		complain("output", io->out_path, strerror(err));
		mp_io_abort(io);
		return false;
	}
	sig_tmp_set = 0;
	io->tmp_path[0] = 0;
	return true;
}

void mp_io_abort(struct mp_io *io)
{
	sig_tmp_set = 0;
	if (io->dump) {
		pcap_dump_close(io->dump);
		io->dump = NULL;
	}
	if (io->tmp_path[0]) {
		unlink(io->tmp_path);
		io->tmp_path[0] = 0;
	}
}

void mp_io_close(struct mp_io *io)
{
	if (!io)
		return;
	mp_io_abort(io);
	if (io->dead)
		pcap_close(io->dead);
	if (io->in)
		pcap_close(io->in);
	free(io);
}

void mp_io_signal_cleanup(void)
{
	if (sig_tmp_set)
		unlink(sig_tmp_path);
}
