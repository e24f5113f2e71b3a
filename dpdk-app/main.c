// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * mcsec-dpdk: EAL arguments, then the application's after "--":
 *
 *   mcsec-dpdk [EAL options] -- [--config FILE] [--ctl SOCKET]
 *              --port RX:ROLE[:TX] ... [--unmatched forward|drop]
 *              [--max-packets N] [--mbuf-size BYTES] [--mtu BYTES]
 *
 * ROLE is encrypt, decrypt or both: which groups apply to what RX receives.
 * Processed packets leave on TX (default: RX itself). Every worker lcore
 * (EAL -l/--lcores, all but the main one) polls its own queue of every RX
 * port; the main lcore serves the control socket (--ctl), checks SA
 * lifetimes, waits for a signal (or --max-packets) and prints the counters
 * on exit.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <rte_cycles.h>

#include "ctl.h"
#include "mcsec-dpdk.h"

static u64 max_packets;
static u32 mbuf_room = RTE_MBUF_DEFAULT_BUF_SIZE;
static const char *config_path, *ctl_path, *cdev_name;

static const char usage_text[] =
"usage: mcsec-dpdk [EAL options] -- [--config FILE] [--ctl SOCKET]\n"
"                  --port RX:ROLE[:TX]...\n"
"\n"
"  --config FILE            groups and SAs (see mcsec-dpdk(8), docs/mcsec-dpdk.md)\n"
"  --ctl SOCKET             serve the control API on this UNIX socket\n"
"                           (mcsecctl --dpdk SOCKET), mode 0600\n"
"  --port RX:ROLE[:TX]      a port that receives, the groups it applies\n"
"                           (encrypt, decrypt or both) and the port its\n"
"                           packets leave on (default RX); repeatable\n"
"  --unmatched forward|drop packets of no group (default forward)\n"
"  --max-packets N          exit once N packets were processed (tests)\n"
"  --mbuf-size BYTES        mbuf data room incl. headroom (default 2176)\n"
"  --mtu BYTES              every port's MTU (default: each port's own); ESP\n"
"                           output above it is dropped (out-pkts-too-big)\n"
"  --cryptodev NAME         ESP AES-GCM and ChaCha20-Poly1305 on this crypto\n"
"                           device (a probed one, or a vdev such as\n"
"                           crypto_aesni_mb, crypto_aesni_gcm, crypto_openssl)\n"
"Lcores come from EAL (-l): the main lcore waits, every other one forwards.\n";

static bool eal_up;
static void fatal(const char *msg) __attribute__((noreturn));
static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (eal_up)
		fatal(msg);
	fprintf(stderr, MCD_NAME ": %s\n", msg);
	exit(2);
}

/* After EAL is up: close what it opened (pcap files, ...) first. */

static void fatal(const char *msg)
{
	unsigned int lcore;
	u16 port;

	fprintf(stderr, MCD_NAME ": %s\n", msg);
	mcd_ctl_close();
	mcd_ports_stop();
	RTE_ETH_FOREACH_DEV(port)
		rte_eth_dev_close(port);
	RTE_LCORE_FOREACH_WORKER(lcore) {
		mcd_lcore_free(mcd_lcores[lcore]);
		mcd_lcores[lcore] = NULL;
	}
	mcd_tables_free();
	mcd_cdev_close();
	if (mcd_ports.pool)
		rte_mempool_free(mcd_ports.pool);
	rte_eal_cleanup();
	exit(2);
}

static void on_signal(int sig)
{
	RTE_SET_USED(sig);
	mcd_quit = true;
}

static bool parse_u64(const char *s, u64 max, u64 *out)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-')
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

static void parse_port(const char *arg)
{
	char buf[64], *role, *tx;
	struct mcd_port_cfg *p;
	u64 v;

	if (mcd_ports.n == MCD_MAX_PORTS)
		die("more than %u --port", MCD_MAX_PORTS);
	p = &mcd_ports.map[mcd_ports.n];
	snprintf(buf, sizeof(buf), "%s", arg);
	role = strchr(buf, ':');
	if (!role)
		die("--port %s: expected RX:ROLE[:TX], e.g. 0:encrypt:1", arg);
	*role++ = 0;
	tx = strchr(role, ':');
	if (tx)
		*tx++ = 0;
	if (!parse_u64(buf, RTE_MAX_ETHPORTS - 1, &v))
		die("--port %s: bad port number %s", arg, buf);
	p->rx = (u16)v;
	p->tx = p->rx;
	if (tx) {
		if (!parse_u64(tx, RTE_MAX_ETHPORTS - 1, &v))
			die("--port %s: bad port number %s", arg, tx);
		p->tx = (u16)v;
	}
	if (!strcmp(role, "encrypt"))
		p->role = MCD_ROLE_ENCRYPT;
	else if (!strcmp(role, "decrypt"))
		p->role = MCD_ROLE_DECRYPT;
	else if (!strcmp(role, "both"))
		p->role = MCD_ROLE_BOTH;
	else
		die("--port %s: role %s: encrypt, decrypt or both", arg, role);
	for (u32 i = 0; i < mcd_ports.n; i++)
		if (mcd_ports.map[i].rx == p->rx)
			die("--port %s: port %u already receives", arg, p->rx);
	mcd_ports.n++;
}

static void parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "ctl", required_argument, NULL, 's' },
		{ "port", required_argument, NULL, 'p' },
		{ "unmatched", required_argument, NULL, 'u' },
		{ "max-packets", required_argument, NULL, 'n' },
		{ "mbuf-size", required_argument, NULL, 'm' },
		{ "mtu", required_argument, NULL, 'M' },
		{ "cryptodev", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int o;
	u64 v;

	optind = 1;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case 'c':
			config_path = optarg;
			break;
		case 's':
			ctl_path = optarg;
			break;
		case 'p':
			parse_port(optarg);
			break;
		case 'u':
			if (!strcmp(optarg, "forward"))
				mcd_unmatched_drop = false;
			else if (!strcmp(optarg, "drop"))
				mcd_unmatched_drop = true;
			else
				die("--unmatched %s: forward or drop", optarg);
			break;
		case 'n':
			if (!parse_u64(optarg, UINT64_MAX, &max_packets) || !max_packets)
				die("--max-packets %s: a number >= 1", optarg);
			break;
		case 'm':
			if (!parse_u64(optarg, 65535, &v) ||
			    v < RTE_PKTMBUF_HEADROOM + 1024)
				die("--mbuf-size %s: %u..65535", optarg,
				    RTE_PKTMBUF_HEADROOM + 1024);
			mbuf_room = (u32)v;
			break;
		case 'M':
			/* IPv4's 68 (RFC 791) .. what an mbuf and IP can hold. */
			if (!parse_u64(optarg, 65535, &v) || v < 68)
				die("--mtu %s: 68..65535", optarg);
			mcd_ports.want_mtu = (u16)v;
			break;
		case 'C':
			cdev_name = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			rte_eal_cleanup();
			exit(0);
		default:
			die("%s", usage_text);
		}
	}
	if (optind < argc)
		die("unexpected argument %s", argv[optind]);
	if (!config_path && !ctl_path)
		die("--config FILE or --ctl SOCKET is required");
	if (!mcd_ports.n)
		die("at least one --port RX:ROLE[:TX] is required");
}

static u64 processed(void)
{
	u64 n = 0;

	for (unsigned int i = 0; i < MCD_MAX_LCORES; i++)
		if (mcd_lcores[i])
			n += __atomic_load_n(&mcd_lcores[i]->app.processed,
					     __ATOMIC_ACQUIRE);
	return n;
}

/* The main lcore: the control socket, lifetimes 10 times a second. */
static void main_loop(void)
{
	u64 period = rte_get_timer_hz() / 10, next = rte_get_timer_cycles();

	while (!mcd_quit) {
		if (max_packets && processed() >= max_packets) {
			mcd_quit = true;
			break;
		}
		mcd_ctl_poll(max_packets ? 1 : 100);
		if (rte_get_timer_cycles() >= next) {
			mcd_lifetimes_check();
			next = rte_get_timer_cycles() + period;
		}
	}
}

int main(int argc, char **argv)
{
	char err[512];
	unsigned int lcore;
	u32 nworkers = 0;
	int r;

	r = rte_eal_init(argc, argv);
	if (r < 0)
		die("EAL initialisation failed: %s", rte_strerror(rte_errno));
	eal_up = true;
	argc -= r;
	argv += r;
	argv[0] = (char *)MCD_NAME;
	parse_args(argc, argv);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	/* Before the configuration file: its SAs get their sessions. */
	if (cdev_name && rte_lcore_count() > 1 &&
	    !mcd_cdev_init(cdev_name, (u16)(rte_lcore_count() - 1), err,
			   sizeof(err)))
		fatal(err);
	if (!mcd_tables_init(err, sizeof(err)) ||
	    (config_path && !mcd_config_load(config_path, err, sizeof(err))))
		fatal(err);
	RTE_LCORE_FOREACH_WORKER(lcore) {
		struct mcd_lcore *lc = mcd_lcore_new(lcore, nworkers, err, sizeof(err));

		if (!lc)
			fatal(err);
		for (u32 i = 0; i < mcd_ports.n; i++) {
			const struct mcd_port_cfg *p = &mcd_ports.map[i];

			lc->rxq[lc->nrxq++] = (struct mcd_rxq){
				.port = p->rx, .queue = (u16)nworkers,
				.tx_port = p->tx, .tx_queue = (u16)nworkers,
				.role = p->role,
			};
		}
		mcd_lcores[lcore] = lc;
		nworkers++;
	}
	if (!nworkers)
		fatal("no worker lcore: give EAL at least two (e.g. -l 0,1)");
	if (!mcd_ports_init((u16)nworkers, mbuf_room, err, sizeof(err)))
		fatal(err);
	fprintf(stderr, MCD_NAME ": %u groups, %u ports, %u workers, intel-ipsec-mb %s\n",
		mcd_tab.ngroups, mcd_ports.n, nworkers,
		mc_crypto_arch(mcd_tab.keyeng));
	if (mcd_cdev.on)
		fprintf(stderr, MCD_NAME ": ESP AEAD on cryptodev %s\n",
			mcd_cdev.name);

	if (ctl_path && !mcd_ctl_open(ctl_path, err, sizeof(err)))
		fatal(err);
	mcd_telemetry_init();

	RTE_LCORE_FOREACH_WORKER(lcore)
		rte_eal_remote_launch(mcd_worker_main, mcd_lcores[lcore], lcore);
	main_loop();
	rte_eal_mp_wait_lcore();
	mcd_ctl_close();
	mcd_ports_stop();
	mcd_stats_print(stdout);
	RTE_LCORE_FOREACH_WORKER(lcore) {
		mcd_lcore_free(mcd_lcores[lcore]);
		mcd_lcores[lcore] = NULL;
	}
	mcd_tables_free();
	mcd_cdev_close();
	rte_eal_cleanup();
	return 0;
}
