// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * mcsec-dpdk-bench: one worker lcore running the appliance's own loop
 * (worker.c) on a net_ring port, transmitting on net_null; the main lcore
 * generates the traffic into the ring (fresh mbufs, frame copied in). Per
 * case it reports the worker's busy TSC time per packet (rx, classify,
 * crypto, finish, tx, free), Mpps and Gbps of frames in at that cost, and
 * the raw intel-ipsec-mb ceiling for the same cipher bytes measured in the
 * same run on the main lcore, and the ratio.
 *
 *   mcsec-dpdk-bench [EAL: -l 0,1 --vdev net_null0 ...] -- [-s SECONDS]
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <intel-ipsec-mb.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "mcsec-dpdk.h"
#include "suite.h"

#define TS7		(7 * MC_TS_PKT_LEN)
#define FRAME_MAX	2048

static double seconds = 1.0;
static const u8 rawkey[36] = { 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
			       13, 14, 15, 0xca, 0xfe, 0xba, 0xbe };

struct frame {
	u8 b[FRAME_MAX];
	u32 len;
};

static double now(void)
{
	return (double)rte_get_tsc_cycles() / (double)rte_get_tsc_hz();
}

/* Ethernet + IPv4 + UDP to group:5000 + payload (7 TS packets or bytes). */
static void make_frame(struct frame *f, u8 group_last, u32 payload, bool ts)
{
	u8 *p = f->b, *ip = p + 14;

	memset(p, 0, sizeof(f->b));
	memcpy(p, "\x01\x00\x5e\x01\x01\x01\x02\x00\x00\x00\x00\x01\x08\x00", 14);
	ip[0] = 0x45;
	mc_put_be16(ip + 2, (u16)(28 + payload));
	ip[8] = 16;
	ip[9] = MC_IPPROTO_UDP;
	mc_put_be32(ip + 12, 0xc000020a);
	mc_put_be32(ip + 16, 0xef010100 | group_last);
	mc_put_be16(ip + 20, 40000);
	mc_put_be16(ip + 22, 5000);
	mc_put_be16(ip + 24, (u16)(8 + payload));
	for (u32 i = 0; i < payload; i++)
		ip[28 + i] = (u8)(i * 7);
	for (u32 k = 0; ts && k < 7; k++) {
		u8 *t = ip + 28 + k * MC_TS_PKT_LEN;

		t[0] = MC_TS_SYNC;
		t[1] = 0x01;
		t[2] = 0x00;
		t[3] = (u8)(0x10 | k);
	}
	mc_ipv4_csum_update(ip);
	f->len = 14 + 28 + payload;
}

static struct mcd_group *add_group(u8 last, u8 dir, u8 format, u32 window)
{
	char err[256];
	struct mcd_group *g = mcd_group_new(err, sizeof(err));
	struct mcd_key_material km = { .len = 0 };
	bool ok = g != NULL;

	memcpy(km.bytes, rawkey, sizeof(rawkey));
	if (ok) {
		g->family = MC_AF_INET;
		g->daddr[0] = 239, g->daddr[1] = 1, g->daddr[2] = 1, g->daddr[3] = last;
		g->port = 5000;
		g->dir = dir;
		g->format = format;
	}
	if (ok && format == MCSEC_FORMAT_ESP_TUNNEL) {
		struct mcd_sa sa = { .spi = 0x1000, .suite = MCSEC_SUITE_AES128_GCM,
				     .flags = MCSEC_SA_F_ESN, .replay_window = window };

		ok = mcd_sa_add(g, &sa, &km, err, sizeof(err));
	} else if (ok) {
		struct mcd_sa sa = { .parity = MCSEC_PARITY_EVEN,
				     .suite = MCSEC_SUITE_AES128_CBC };

		ok = mcd_sa_add(g, &sa, &km, err, sizeof(err));
	}
	if (ok)
		ok = mcd_group_commit(g, err, sizeof(err));
	if (!ok) {
		fprintf(stderr, "mcsec-dpdk-bench: %s\n", err);
		exit(1);
	}
	return g;
}

/* ---- the ceiling: the cipher alone on the same bytes ---- */

static double ceil_gcm(IMB_MGR *mgr, u32 len, bool enc)
{
	static u8 buf[FRAME_MAX], tag[16], iv[12], aad[12];
	struct gcm_key_data key;
	struct gcm_context_data ctx;
	unsigned long n = 0;
	double t0 = now(), t;

	IMB_AES128_GCM_PRE(mgr, rawkey, &key);
	do {
		for (int i = 0; i < 1000; i++) {
			if (enc)
				IMB_AES128_GCM_ENC(mgr, &key, &ctx, buf, buf, len, iv,
						   aad, 12, tag, 16);
			else
				IMB_AES128_GCM_DEC(mgr, &key, &ctx, buf, buf, len, iv,
						   aad, 12, tag, 16);
		}
		n += 1000;
	} while ((t = now() - t0) < seconds / 2);
	return t * 1e9 / (double)n;
}

/* 7 TS payloads of 184 bytes through the job API, as the core submits
 * them: CBC on the full blocks (CISSA) or DOCSIS BPI (IDSA's rule). */
static double ceil_ts(IMB_MGR *mgr, bool enc, bool idsa)
{
	static u8 buf[TS7], iv[16];
	DECLARE_ALIGNED(u32 ek[4 * 15], 16);
	DECLARE_ALIGNED(u32 dk[4 * 15], 16);
	unsigned long n = 0;
	double t0 = now(), t;

	IMB_AES_KEYEXP_128(mgr, rawkey, ek, dk);
	do {
		for (int i = 0; i < 1000; i++) {
			for (int k = 0; k < 7; k++) {
				IMB_JOB *j = IMB_GET_NEXT_JOB(mgr);

				memset(j, 0, sizeof(*j));
				j->cipher_mode = idsa ? IMB_CIPHER_DOCSIS_SEC_BPI : IMB_CIPHER_CBC;
				j->cipher_direction = enc ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
				j->chain_order = enc ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
				j->hash_alg = IMB_AUTH_NULL;
				j->enc_keys = ek;
				j->dec_keys = dk;
				j->key_len_in_bytes = IMB_KEY_128_BYTES;
				j->iv = iv;
				j->iv_len_in_bytes = 16;
				j->src = j->dst = buf + k * MC_TS_PKT_LEN + 4;
				j->msg_len_to_cipher_in_bytes = idsa ? 184 : 176;
				IMB_SUBMIT_JOB(mgr);
			}
		}
		while (IMB_FLUSH_JOB(mgr))
			;
		n += 1000;
	} while ((t = now() - t0) < seconds / 2);
	return t * 1e9 / (double)n;
}

/* ---- one case: the worker's loop fed by the main lcore ---- */

static double run_case(struct mcd_lcore *lc, unsigned int wl, struct rte_ring *ring,
		       const struct frame *f, u8 role, double *mpps_wall)
{
	struct rte_mbuf *m[MCD_BURST];
	u64 rx0 = lc->app.rx, busy0 = lc->app.busy_cycles;
	double t0, t;

	lc->rxq[0].role = role;
	mcd_quit = false;
	rte_eal_remote_launch(mcd_worker_main, lc, wl);
	t0 = now();
	while ((t = now() - t0) < seconds) {
		if (rte_ring_free_count(ring) < MCD_BURST ||
		    rte_pktmbuf_alloc_bulk(mcd_ports.pool, m, MCD_BURST))
			continue;
		for (int i = 0; i < MCD_BURST; i++) {
			rte_memcpy(rte_pktmbuf_mtod(m[i], void *), f->b, f->len);
			m[i]->data_len = (u16)f->len;
			m[i]->pkt_len = f->len;
		}
		if (rte_ring_enqueue_bulk(ring, (void **)m, MCD_BURST, NULL) == 0)
			rte_pktmbuf_free_bulk(m, MCD_BURST);
	}
	mcd_quit = true;
	rte_eal_wait_lcore(wl);
	/* drain what is left so the next case starts empty */
	for (unsigned int k; (k = rte_ring_dequeue_burst(ring, (void **)m,
							 MCD_BURST, NULL)) > 0;)
		rte_pktmbuf_free_bulk(m, k);
	*mpps_wall = (double)(lc->app.rx - rx0) / t / 1e6;
	return (double)(lc->app.busy_cycles - busy0) * 1e9 /
	       (double)rte_get_tsc_hz() / (double)(lc->app.rx - rx0);
}

static void row(const char *name, u32 bytes, double ns, double wall, double ceil)
{
	printf("| %-28s | %5u | %7.1f | %6.2f | %6.2f | %6.2f | %7.1f | %5.0f %% |\n",
	       name, bytes, ns, 1e3 / ns, bytes * 8.0 / ns, wall, ceil,
	       100.0 * ceil / ns);
}

int main(int argc, char **argv)
{
	struct frame clear, esp, clear64, esp64, ts_clear, ts_cissa, ts_idsa;
	struct mcd_group *esp_enc, *cissa_enc, *idsa_enc;
	struct mcd_lcore *lc;
	struct rte_ring *ring;
	unsigned int wl;
	char err[256];
	IMB_MGR *mgr;
	int r, ringport, opt;
	double wall;

	r = rte_eal_init(argc, argv);
	if (r < 0)
		return 1;
	argc -= r;
	argv += r;
	while ((opt = getopt(argc, argv, "s:")) != -1)
		seconds = atof(optarg);
	wl = rte_get_next_lcore(rte_get_main_lcore(), 1, 0);
	if (wl >= RTE_MAX_LCORE || rte_eth_dev_count_avail() < 1) {
		fprintf(stderr, "mcsec-dpdk-bench: needs -l 0,1 and --vdev net_null0\n");
		return 1;
	}
	ring = rte_ring_create("bench_rx", 4096, (int)rte_socket_id(),
			       RING_F_SP_ENQ | RING_F_SC_DEQ);
	ringport = ring ? rte_eth_from_ring(ring) : -1;
	if (ringport < 0 || !mcd_tables_init(err, sizeof(err))) {
		fprintf(stderr, "mcsec-dpdk-bench: setup failed\n");
		return 1;
	}
	esp_enc = add_group(1, MCSEC_DIR_ENCRYPT, MCSEC_FORMAT_ESP_TUNNEL, 0);
	add_group(1, MCSEC_DIR_DECRYPT, MCSEC_FORMAT_ESP_TUNNEL, 0);
	cissa_enc = add_group(2, MCSEC_DIR_ENCRYPT, MCSEC_FORMAT_TS_CISSA, 0);
	add_group(2, MCSEC_DIR_DECRYPT, MCSEC_FORMAT_TS_CISSA, 0);
	idsa_enc = add_group(3, MCSEC_DIR_ENCRYPT, MCSEC_FORMAT_TS_IDSA, 0);
	add_group(3, MCSEC_DIR_DECRYPT, MCSEC_FORMAT_TS_IDSA, 0);

	mcd_ports.map[0] = (struct mcd_port_cfg){ .rx = (u16)ringport, .tx = 0,
						  .role = MCD_ROLE_ENCRYPT };
	mcd_ports.n = 1;
	lc = mcd_lcore_new(wl, 0, err, sizeof(err));
	if (!lc || !mcd_ports_init(1, RTE_MBUF_DEFAULT_BUF_SIZE, err, sizeof(err))) {
		fprintf(stderr, "mcsec-dpdk-bench: %s\n", err);
		return 1;
	}
	mcd_lcores[wl] = lc;
	lc->rxq[0] = (struct mcd_rxq){ .port = (u16)ringport, .tx_port = 0 };
	lc->nrxq = 1;

	/* The frames, and their protected forms made by the core itself. */
	make_frame(&clear, 1, TS7, true);
	make_frame(&clear64, 1, 64, false);
	make_frame(&ts_clear, 2, TS7, true);
	{
		struct frame *src[4] = { &clear, &clear64, &ts_clear, &ts_clear };
		struct frame *dst[4] = { &esp, &esp64, &ts_cissa, &ts_idsa };
		struct mcd_group *gs[4] = { esp_enc, esp_enc, cissa_enc, idsa_enc };

		for (int i = 0; i < 4; i++) {
			struct mc_job jobs[7];
			struct mc_pkt pkt;
			struct mc_ts_tally tally;
			u32 nj = 1;

			*dst[i] = *src[i];
			pkt = (struct mc_pkt){ .data = dst[i]->b + 128, .len = src[i]->len - 14,
					       .headroom = 128 - 14,
					       .tailroom = FRAME_MAX - 128 - src[i]->len };
			memmove(pkt.data, src[i]->b + 14, pkt.len);
			if (i < 2) {
				mc_esp_encap(&gs[i]->sas[0]->esp, 1, &pkt, jobs);
			} else {
				mc_ts_scramble(&gs[i]->ts, pkt.data + 28, TS7, MCSEC_PARITY_EVEN,
					       gs[i]->sas[0]->key, jobs, &nj, &tally);
			}
			mc_crypto_run(lc->c, jobs, nj);
			memmove(dst[i]->b, src[i]->b, 14);
			memmove(dst[i]->b + 14, pkt.data, pkt.len);
			dst[i]->len = 14 + pkt.len;
		}
	}

	mgr = alloc_mb_mgr(0);
	init_mb_mgr_auto(mgr, NULL);
	printf("# mcsec-dpdk-bench: 1 worker lcore (%u), appliance loop net_ring -> net_null,\n"
	       "# bursts of %d, intel-ipsec-mb %s, %.1f s per case. ns/pkt = worker busy\n"
	       "# time per packet (rx..tx, mbuf free); Mpps, Gbps = at that cost (frames in);\n"
	       "# wall = measured worker rate (bounded by the generator on the main lcore);\n"
	       "# ceiling = raw ipsec-mb on the same cipher bytes, this run.\n",
	       wl, MCD_BURST, mc_crypto_arch(lc->c), seconds);
	printf("| %-28s | %5s | %7s | %6s | %6s | %6s | %7s | %7s |\n", "case", "frame",
	       "ns/pkt", "Mpps", "Gbps", "wall", "ceil ns", "of ceil");
	printf("|------------------------------|-------|---------|--------|--------|--------|---------|---------|\n");
	/* ESP: the cipher runs over inner IP + pad + trailer. */
	struct { const char *name; const struct frame *f; u8 role; double ceil; } c[] = {
		{ "esp aes128-gcm encrypt 1358", &clear, MCD_ROLE_ENCRYPT,
		  ceil_gcm(mgr, (clear.len - 14 + 2 + 3) / 4 * 4, true) },
		{ "esp aes128-gcm decrypt 1358", &esp, MCD_ROLE_DECRYPT,
		  ceil_gcm(mgr, (clear.len - 14 + 2 + 3) / 4 * 4, false) },
		{ "esp aes128-gcm encrypt 64B", &clear64, MCD_ROLE_ENCRYPT,
		  ceil_gcm(mgr, (clear64.len - 14 + 2 + 3) / 4 * 4, true) },
		{ "esp aes128-gcm decrypt 64B", &esp64, MCD_ROLE_DECRYPT,
		  ceil_gcm(mgr, (clear64.len - 14 + 2 + 3) / 4 * 4, false) },
		{ "ts cissa scramble 1358", &ts_clear, MCD_ROLE_ENCRYPT, ceil_ts(mgr, true, false) },
		{ "ts cissa descramble 1358", &ts_cissa, MCD_ROLE_DECRYPT, ceil_ts(mgr, false, false) },
		{ "ts idsa scramble 1358", &ts_clear, MCD_ROLE_ENCRYPT, ceil_ts(mgr, true, true) },
		{ "ts idsa descramble 1358", &ts_idsa, MCD_ROLE_DECRYPT, ceil_ts(mgr, false, true) },
	};
	/* CISSA and IDSA share 239.1.1.2 / .3: point the TS frames at them. */
	make_frame(&ts_clear, 2, TS7, true);
	for (size_t i = 0; i < RTE_DIM(c); i++) {
		struct frame f = *c[i].f;
		u64 drops = mcd_stats_sum(0, MCSEC_STAT_A_PKTS_UNMATCHED);
		double ns;

		if (i == 6) {	/* idsa scramble: the IDSA group's address */
			make_frame(&f, 3, TS7, true);
		}
		ns = run_case(lc, wl, ring, &f, c[i].role, &wall);
		row(c[i].name, f.len, ns, wall, c[i].ceil);
		if (mcd_stats_sum(0, MCSEC_STAT_A_PKTS_UNMATCHED) != drops)
			printf("#   (!) packets went unmatched in this case\n");
	}
	for (u32 i = 0; i < mcd_tab.ngroups; i++) {
		const struct mcd_group *g = mcd_tab.groups[i];
		u64 bad = 0;

		for (int st = MCSEC_STAT_A_OUT_PKTS_NO_SA; st <= MCSEC_STAT_A_IN_PKTS_CLEARTEXT; st++)
			if (st != MCSEC_STAT_A_IN_PKTS_OK && st != MCSEC_STAT_A_IN_OCTETS_OK)
				bad += mcd_stats_sum(g->slot, st);
		if (bad)
			printf("# (!) group %s dropped %llu packets\n", g->name,
			       (unsigned long long)bad);
	}
	free_mb_mgr(mgr);
	mcd_ports_stop();
	return 0;
}
