// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * mcsec-pcap options, group address, PID list and key files.
 *
 * Keys are never taken from the command line (it is visible to every user
 * in /proc) and never printed: they come from files (or stdin, "-") holding
 * hex, and every buffer that saw them is wiped.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "libmcsec.h"
#include "mcsec-pcap.h"
#include "suite.h"

static void complain(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void complain(const char *fmt, ...)
{
	va_list ap;

	fputs(MP_NAME ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static const char usage_text[] =
"usage: mcsec-pcap --format esp-tunnel|esp-transport|ts-cissa|ts-idsa\n"
"                  --encrypt|--decrypt [options] IN.pcap OUT.pcap\n"
"\n"
"Applies one group's mcsec transform to every matching packet of a capture.\n"
"\n"
"  --group ADDR[:PORT]    the group: 239.1.1.1:5000, [ff3e::1]:5000, ff3e::1;\n"
"                         packets to other destinations are copied unchanged\n"
"ESP formats:\n"
"  --suite NAME           aes128-gcm (default), aes256-gcm, aes128-gmac,\n"
"                         chacha20-poly1305\n"
"  --spi N                the SA's SPI (required)\n"
"  --seq N                first sequence number to send (default 1)\n"
"  --no-esn               32-bit sequence numbers (default: 64-bit ESN)\n"
"  --replay-window N      0, or 64..4096 in steps of 64 (default 64)\n"
"  --key-file F           hex: key then 4-byte salt, as `ip xfrm` takes them\n"
"TS formats (AES-128 control words):\n"
"  --even-key-file F      the even key (16 bytes of hex)\n"
"  --odd-key-file F       the odd key\n"
"  --parity even|odd      which key the scrambler uses (default even)\n"
"  --rtp                  TS packets follow an RTP header\n"
"  --pids LIST            PIDs to scramble, e.g. 256,0x101,300-310 (default:\n"
"                         all but 0x0000-0x001F and 0x1FFF)\n"
"Other:\n"
"  -q, --quiet            no summary\n"
"  -h, --help             this text\n"
"      --version          the version\n"
"\n"
"A key file of \"-\" is read from stdin. '#' starts a comment; whitespace is\n"
"ignored. The summary goes to stderr. See mcsec-pcap(8).\n";

/* An unsigned number, decimal or 0x hex, nothing after it. */
static bool parse_u64(const char *s, u64 max, u64 *out)
{
	unsigned long long v;
	char *end;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

static bool parse_group(const char *arg, struct mp_config *cfg)
{
	char addr[64];
	const char *port = NULL;
	size_t n;
	u64 p;

	if (arg[0] == '[') {
		const char *close = strchr(arg, ']');

		if (!close || (size_t)(close - arg - 1) >= sizeof(addr))
			goto bad;
		n = (size_t)(close - arg - 1);
		memcpy(addr, arg + 1, n);
		addr[n] = 0;
		if (close[1] == ':')
			port = close + 2;
		else if (close[1])
			goto bad;
		if (inet_pton(AF_INET6, addr, cfg->group) != 1)
			goto bad;
		cfg->family = MC_AF_INET6;
	} else if (strchr(arg, ':') != strrchr(arg, ':')) {
		/* Two colons or more: a bare IPv6 address, no port. */
		if (strlen(arg) >= sizeof(addr) ||
		    inet_pton(AF_INET6, arg, cfg->group) != 1)
			goto bad;
		snprintf(addr, sizeof(addr), "%s", arg);
		cfg->family = MC_AF_INET6;
	} else {
		const char *colon = strchr(arg, ':');

		n = colon ? (size_t)(colon - arg) : strlen(arg);
		if (n >= sizeof(addr))
			goto bad;
		memcpy(addr, arg, n);
		addr[n] = 0;
		if (colon)
			port = colon + 1;
		if (inet_pton(AF_INET, addr, cfg->group) != 1)
			goto bad;
		cfg->family = MC_AF_INET;
	}
	if (port) {
		if (!parse_u64(port, 65535, &p) || p == 0) {
			complain("--group %s: the port must be 1..65535", arg);
			return false;
		}
		cfg->port = (u16)p;
	}
	if (cfg->family == MC_AF_INET ? (cfg->group[0] & 0xf0) != 0xe0 :
	    cfg->group[0] != 0xff) {
		complain("--group %s: %s is not a multicast address", arg, addr);
		return false;
	}
	cfg->have_group = true;
	snprintf(cfg->group_text, sizeof(cfg->group_text), "%s", arg);
	return true;
bad:
	complain("--group %s: expected ADDR[:PORT], e.g. 239.1.1.1:5000 or [ff3e::1]:5000",
		 arg);
	return false;
}

/* "256,0x101,300-310": PIDs 0..0x1FFE. */
static bool parse_pids(const char *arg, struct mp_config *cfg)
{
	char *copy = strdup(arg), *tok, *save = NULL;
	bool ok = true;
	u32 n_tok = 0;

	if (!copy) {
		complain("out of memory");
		return false;
	}
	memset(cfg->pid_map, 0, sizeof(cfg->pid_map));
	for (tok = strtok_r(copy, ",", &save); tok && ok;
	     tok = strtok_r(NULL, ",", &save)) {
		char *dash = strchr(tok, '-');
		u64 lo, hi, v;

		n_tok++;
		if (dash)
			*dash = 0;
		ok = parse_u64(tok, 0x1ffe, &lo);
		hi = lo;
		if (ok && dash)
			ok = parse_u64(dash + 1, 0x1ffe, &hi) && hi >= lo;
		for (v = lo; ok && v <= hi; v++)
			cfg->pid_map[v / 8] |= (u8)(1u << (v % 8));
	}
	if (!n_tok)
		ok = false;
	free(copy);
	if (!ok) {
		complain("--pids %s: expected a list of PIDs 0..0x1FFE and ranges, e.g. 256,0x101,300-310",
			 arg);
		return false;
	}
	cfg->have_pids = true;
	return true;
}

/*
 * Reads a key file into kf->bytes with libmcsec's reader (the one key-file
 * format of every mcsec tool), decoded in its locked page. which names the
 * file in messages ("", "even ", "odd " before "key file"); needs says what
 * the length should have been ("aes128-gcm needs 20 (...)").
 */
static bool read_key_file(struct mp_key_file *kf, const char *which,
			  u32 expected, const char *needs)
{
	struct mcsec_key *key;
	char msg[512];
	int n;

	kf->len = 0;
	key = mcsec_key_alloc();
	if (!key) {
		complain("%skey file %s: %s", which, kf->path, strerror(ENOMEM));
		return false;
	}
	n = mcsec_key_read(kf->path, key, msg, sizeof(msg));
	if (n < 0) {
		complain("%s%s", which, msg);	/* "key file PATH: ..." */
	} else if ((u32)n != expected || expected > sizeof(kf->bytes)) {
		complain("%skey file %s: %d bytes of key material, %s", which,
			 kf->path, n, needs);
		n = -1;
	} else {
		memcpy(kf->bytes, key->bytes, expected);
		kf->len = expected;
	}
	mcsec_key_free(key);
	return n >= 0;
}

void mp_config_wipe(struct mp_config *cfg)
{
	explicit_bzero(cfg->key.bytes, sizeof(cfg->key.bytes));
	explicit_bzero(cfg->even.bytes, sizeof(cfg->even.bytes));
	explicit_bzero(cfg->odd.bytes, sizeof(cfg->odd.bytes));
	cfg->key.len = cfg->even.len = cfg->odd.len = 0;
}

enum {
	OPT_FORMAT = 256, OPT_ENCRYPT, OPT_DECRYPT, OPT_GROUP, OPT_SUITE,
	OPT_SPI, OPT_SEQ, OPT_NO_ESN, OPT_REPLAY, OPT_RTP, OPT_PIDS,
	OPT_KEY, OPT_EVEN, OPT_ODD, OPT_PARITY, OPT_VERSION,
};

static const struct option long_opts[] = {
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "encrypt", no_argument, NULL, OPT_ENCRYPT },
	{ "decrypt", no_argument, NULL, OPT_DECRYPT },
	{ "group", required_argument, NULL, OPT_GROUP },
	{ "suite", required_argument, NULL, OPT_SUITE },
	{ "spi", required_argument, NULL, OPT_SPI },
	{ "seq", required_argument, NULL, OPT_SEQ },
	{ "no-esn", no_argument, NULL, OPT_NO_ESN },
	{ "replay-window", required_argument, NULL, OPT_REPLAY },
	{ "rtp", no_argument, NULL, OPT_RTP },
	{ "pids", required_argument, NULL, OPT_PIDS },
	{ "key-file", required_argument, NULL, OPT_KEY },
	{ "even-key-file", required_argument, NULL, OPT_EVEN },
	{ "odd-key-file", required_argument, NULL, OPT_ODD },
	{ "parity", required_argument, NULL, OPT_PARITY },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

/* Options that only make sense for one family of formats. */
struct seen {
	bool suite, spi, seq, no_esn, replay, rtp, pids, parity;
};

static bool check_combination(const struct mp_config *cfg,
			      const struct seen *s)
{
	const char *f = mcsec_format_name(cfg->format);

	if (mp_format_is_esp(cfg->format)) {
		const char *bad = s->rtp ? "--rtp" : s->pids ? "--pids" :
				  s->parity ? "--parity" :
				  cfg->even.path ? "--even-key-file" :
				  cfg->odd.path ? "--odd-key-file" : NULL;

		if (bad) {
			complain("%s applies to the ts-cissa and ts-idsa formats, not %s",
				 bad, f);
			return false;
		}
		if (!s->spi) {
			complain("--spi is required for %s", f);
			return false;
		}
		if (!cfg->key.path) {
			complain("--key-file is required for %s", f);
			return false;
		}
		if (cfg->dir == MCSEC_DIR_DECRYPT && s->seq) {
			complain("--seq applies to --encrypt (the receiver infers sequence numbers)");
			return false;
		}
		if (cfg->dir == MCSEC_DIR_ENCRYPT && s->replay) {
			complain("--replay-window applies to --decrypt");
			return false;
		}
		if (!cfg->esn && cfg->seq > 0xffffffffULL) {
			complain("--seq %llu does not fit 32 bits, and --no-esn was given",
				 (unsigned long long)cfg->seq);
			return false;
		}
		return true;
	}

	{
		const char *bad = s->suite ? "--suite" : s->spi ? "--spi" :
				  s->seq ? "--seq" : s->no_esn ? "--no-esn" :
				  s->replay ? "--replay-window" :
				  cfg->key.path ? "--key-file" : NULL;

		if (bad) {
			complain("%s applies to the esp-tunnel and esp-transport formats, not %s%s",
				 bad, f, cfg->key.path && !s->suite && !s->spi &&
				 !s->seq && !s->no_esn && !s->replay ?
				 " (use --even-key-file / --odd-key-file)" : "");
			return false;
		}
	}
	if (cfg->dir == MCSEC_DIR_ENCRYPT) {
		bool even = cfg->parity == MCSEC_PARITY_EVEN;

		if (!(even ? cfg->even.path : cfg->odd.path)) {
			complain("--%s-key-file is required for %s --encrypt --parity %s",
				 even ? "even" : "odd", f, even ? "even" : "odd");
			return false;
		}
	} else {
		if (s->parity) {
			complain("--parity applies to --encrypt (the descrambler reads it from each TS packet)");
			return false;
		}
		if (!cfg->even.path && !cfg->odd.path) {
			complain("%s --decrypt needs --even-key-file, --odd-key-file or both", f);
			return false;
		}
	}
	return true;
}

bool mp_parse_args(int argc, char **argv, struct mp_config *cfg,
		   int *exit_code)
{
	struct seen s = { 0 };
	int c, stdin_users = 0;
	u64 v;

	memset(cfg, 0, sizeof(*cfg));
	cfg->suite = MCSEC_SUITE_AES128_GCM;
	cfg->seq = 1;
	cfg->esn = true;
	cfg->replay_window = 64;
	cfg->parity = MCSEC_PARITY_EVEN;
	*exit_code = MP_EXIT_USAGE;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":qh", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_FORMAT:
			cfg->format = mcsec_format_parse(optarg);
			if (!cfg->format) {
				complain("unknown format '%s' (esp-tunnel, esp-transport, ts-cissa, ts-idsa)",
					 optarg);
				return false;
			}
			break;
		case OPT_ENCRYPT:
		case OPT_DECRYPT: {
			u8 d = c == OPT_ENCRYPT ? MCSEC_DIR_ENCRYPT :
						  MCSEC_DIR_DECRYPT;

			if (cfg->dir && cfg->dir != d) {
				complain("--encrypt and --decrypt are exclusive");
				return false;
			}
			cfg->dir = d;
			break;
		}
		case OPT_GROUP:
			if (!parse_group(optarg, cfg))
				return false;
			break;
		case OPT_SUITE:
			s.suite = true;
			cfg->suite = mcsec_suite_parse(optarg);
			/* aes128-cbc is the TS formats' cipher, not an ESP suite */
			if (!cfg->suite || cfg->suite == MCSEC_SUITE_AES128_CBC) {
				complain("unknown suite '%s' (aes128-gcm, aes256-gcm, aes128-gmac, chacha20-poly1305)",
					 optarg);
				return false;
			}
			break;
		case OPT_SPI:
			s.spi = true;
			if (!parse_u64(optarg, 0xffffffffULL, &v) || !v) {
				complain("--spi %s: expected 1..0xffffffff", optarg);
				return false;
			}
			cfg->spi = (u32)v;
			cfg->have_spi = true;
			break;
		case OPT_SEQ:
			s.seq = true;
			if (!parse_u64(optarg, UINT64_MAX, &v) || !v) {
				complain("--seq %s: expected a sequence number >= 1", optarg);
				return false;
			}
			cfg->seq = v;
			break;
		case OPT_NO_ESN:
			s.no_esn = true;
			cfg->esn = false;
			break;
		case OPT_REPLAY:
			s.replay = true;
			if (!parse_u64(optarg, MC_REPLAY_MAX, &v) ||
			    (v && (v < MC_REPLAY_MIN || v % 64))) {
				complain("--replay-window %s: expected 0 (off) or a multiple of 64 in 64..4096",
					 optarg);
				return false;
			}
			cfg->replay_window = (u32)v;
			break;
		case OPT_RTP:
			s.rtp = true;
			cfg->rtp = true;
			break;
		case OPT_PIDS:
			s.pids = true;
			if (!parse_pids(optarg, cfg))
				return false;
			break;
		case OPT_KEY:
		case OPT_EVEN:
		case OPT_ODD: {
			struct mp_key_file *kf = c == OPT_KEY ? &cfg->key :
						 c == OPT_EVEN ? &cfg->even :
						 &cfg->odd;

			if (kf->path) {
				complain("%s given twice", argv[optind - 1]);
				return false;
			}
			kf->path = optarg;
			stdin_users += !strcmp(optarg, "-");
			break;
		}
		case OPT_PARITY:
			s.parity = true;
			cfg->parity = mcsec_parity_parse(optarg);
			if (!cfg->parity) {
				complain("--parity %s: expected even or odd", optarg);
				return false;
			}
			break;
		case 'q':
			cfg->quiet = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			*exit_code = 0;
			return false;
		case OPT_VERSION:
			printf("mcsec-pcap %s\n", MCSEC_VERSION);
			*exit_code = 0;
			return false;
		case ':':
			complain("option %s needs a value", argv[optind - 1]);
			return false;
		default:
			if (optopt)
				complain("unknown option -%c (try --help)", optopt);
			else
				complain("unknown option %s (try --help)", argv[optind - 1]);
			return false;
		}
	}
	if (!cfg->format) {
		complain("--format is required (esp-tunnel, esp-transport, ts-cissa, ts-idsa)");
		return false;
	}
	if (!cfg->dir) {
		complain("--encrypt or --decrypt is required");
		return false;
	}
	if (argc - optind != 2) {
		complain(argc - optind < 2 ? "expected IN.pcap and OUT.pcap (try --help)" :
			 "too many arguments: expected IN.pcap and OUT.pcap");
		return false;
	}
	cfg->in_path = argv[optind];
	cfg->out_path = argv[optind + 1];
	if (!check_combination(cfg, &s))
		return false;
	if (stdin_users > 1) {
		complain("only one key file can be read from stdin (\"-\")");
		return false;
	}
	if (stdin_users && !strcmp(cfg->in_path, "-")) {
		complain("IN is stdin (\"-\") and so is a key file: pick one");
		return false;
	}
	if (!strcmp(cfg->out_path, "-")) {
		complain("OUT must be a file (it is written beside its final name and renamed when complete)");
		return false;
	}
	if (mp_format_is_esp(cfg->format)) {
		u32 kl = mc_suite_key_len(cfg->suite);
		char needs[128];

		snprintf(needs, sizeof(needs),
			 "%s needs %u (the %u-byte key followed by the 4-byte salt)",
			 mcsec_suite_name(cfg->suite), kl + MC_SALT_LEN, kl);
		if (!read_key_file(&cfg->key, "",
				   mc_suite_key_len(cfg->suite) + MC_SALT_LEN,
				   needs))
			goto fail;
	} else {
		char needs[128];

		snprintf(needs, sizeof(needs),
			 "%s needs 16 (an AES-128 control word, no salt)",
			 mcsec_format_name(cfg->format));
		if (cfg->even.path &&
		    !read_key_file(&cfg->even, "even ", 16, needs))
			goto fail;
		if (cfg->odd.path &&
		    !read_key_file(&cfg->odd, "odd ", 16, needs))
			goto fail;
	}
	*exit_code = 0;
	return true;
fail:
	mp_config_wipe(cfg);
	return false;
}
