// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * mcsec-dpdk-bench: the appliance's own burst loop (worker.c: rx burst,
 * classify, group by SA, one crypto call, finish, tx burst, frees) on net_ring
 * rx queues, transmitting on net_null, next to the raw intel-ipsec-mb ceiling
 * for the same cipher bytes measured in the same run on the same core.
 *
 * Traffic: every bench lcore is its own generator. Per burst it takes 32
 * fresh mbufs from the pool, copies the case's frame into each and enqueues
 * them on its own ring (the ring PMD's rx queue), then runs one appliance
 * burst on them. The two are timed apart with the TSC: ns/pkt is the
 * appliance alone (rte_eth_rx_burst to the end of tx and frees), "gen" what
 * making the traffic cost; wall Mpps is what the lcore achieved doing both.
 * The generator leaves the frames in the core's cache, as the ceiling's own
 * buffer is; a NIC writing into the LLC (DDIO) costs the appliance somewhat
 * more. There is no third core here to generate from, so this is also what
 * makes the 2-lcore run honest: each lcore pays for its own traffic.
 *
 * The ceiling is the best of the library's paths for the same bytes, hot in
 * cache: the direct GCM API for ESP (the library has no multi-buffer GCM);
 * for TS, the better of the job API (CBC / DOCSIS BPI, lanes full, one
 * flush) and the cipher burst API (CBC, plus one AES block per packet for
 * the IDSA residual), 7 payloads of 184 bytes per frame.
 *
 * Machines here are shared and noisy: every case runs -r rounds (at most
 * 31), each a ceiling run and then the appliance's, and the medians over the
 * rounds are reported; the ratio is the median of each round's own ceiling /
 * appliance, so load that comes and goes between rounds moves both sides of
 * a ratio alike. The load average is printed.
 *
 * Frames: ESP carries 1358-byte frames (UDP + 7 TS packets, no RTP) and a
 * 64-byte payload; the TS rows carry what IPTV sends, RTP + 7 TS packets
 * (1370 bytes, the groups have the rtp option), with a UDP checksum.
 *
 *   mcsec-dpdk-bench [EAL: -l 0,1 --vdev net_null0 ...] -- [-s SECONDS] [-r REPS]
 *                    [-c CASE-SUBSTRING] [-C CRYPTODEV]
 *
 * -C runs the ESP jobs on a crypto device (mcsec-dpdk --cryptodev), e.g.
 * crypto_aesni_mb: the ceiling stays the direct library call.
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
#include <rte_malloc.h>
#include <rte_memcpy.h>
#include <rte_ring.h>

#include "mcsec-dpdk.h"
#include "suite.h"

#define TS7		(7 * MC_TS_PKT_LEN)
#define FRAME_MAX	2048
#define MAX_BL		2	/* bench lcores: the machine has 2 cores */

static double seconds = 0.5;
static int reps = 3;
static const char *only, *cdev_name;
static const u8 rawkey[36] = { 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
			       13, 14, 15, 0xca, 0xfe, 0xba, 0xbe };

struct frame {
	u8 b[FRAME_MAX];
	u32 len;
};

/* One bench lcore: its appliance lcore state, rx queue and traffic. */
struct blcore {
	unsigned int lcore;
	struct mcd_lcore *lc;
	struct mcd_rxq q;
	struct rte_ring *ring;
	const struct frame *f;
	u64 pkts, app_cycles, gen_cycles, wall_cycles, dropped;
	u64 all_pkts;		/* dropped bursts included */
	u32 *gen_s, *app_s;	/* per burst, MAX_SAMPLES */
	u32 nsamples;
	bool failed;
} __rte_cache_aligned;

/*
 * The machine is shared: the scheduler takes our core away for milliseconds
 * at a time, and that time lands in whatever burst was running. A burst (or
 * a ceiling chunk) taking over OUTLIER times the median is such a one and is
 * left out, on both sides alike; how many were is printed. Everything else a
 * burst costs now and then (mempool refills, ring wraps) stays in.
 */
#define MAX_SAMPLES	(1u << 18)
#define OUTLIER		8

static int cmp_u32(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

/* The median of v[0..n), sorted in tmp (MAX_SAMPLES). */
static u32 median_in(const u32 *v, u32 n, u32 *tmp)
{
	memcpy(tmp, v, n * sizeof(*v));
	qsort(tmp, n, sizeof(*tmp), cmp_u32);
	return tmp[n / 2];
}

/* The main lcore's, after a run. */
static u32 median(const u32 *v, u32 n)
{
	static u32 tmp[MAX_SAMPLES];

	return median_in(v, n, tmp);
}

/* After a run (main lcore): the sums over the bursts that count. */
static void tally(struct blcore *b)
{
	u32 k = b->nsamples;
	u64 lim;

	for (u32 i = 0; i < k; i++)
		b->gen_s[i] += b->app_s[i];
	lim = (u64)median(b->gen_s, k) * OUTLIER;
	b->pkts = b->app_cycles = b->gen_cycles = b->dropped = 0;
	b->all_pkts = (u64)k * MCD_BURST;
	for (u32 i = 0; i < k; i++) {
		if (b->gen_s[i] > lim) {
			b->dropped++;
			continue;
		}
		b->pkts += MCD_BURST;
		b->app_cycles += b->app_s[i];
		b->gen_cycles += b->gen_s[i] - b->app_s[i];
	}
}

static struct blcore bl[MAX_BL];
static unsigned int nbl;
static u64 total_pkts;		/* every packet any case ran */

/* Ethernet + IPv4 + UDP to group:5000 + payload (bytes, 7 TS packets, or
 * an RTP header and 7 TS packets), with IP and UDP checksums. */
static void make_frame(struct frame *f, u8 group_last, u32 payload, bool ts,
		       bool rtp)
{
	u8 *p = f->b, *ip = p + 14;
	u32 t0 = rtp ? 28 + 12 : 28;	/* the first TS packet */

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
	if (rtp) {
		/* RFC 3550 v2, payload type 33 (MP2T, RFC 2250), no CSRC. */
		ip[28] = 0x80;
		ip[29] = 33;
		mc_put_be16(ip + 30, 0x1234);
		mc_put_be32(ip + 32, 90000);
		mc_put_be32(ip + 36, 0x4d435343);
	}
	for (u32 k = 0; ts && k < 7; k++) {
		u8 *t = ip + t0 + k * MC_TS_PKT_LEN;

		t[0] = MC_TS_SYNC;
		t[1] = 0x01;
		t[2] = 0x00;
		t[3] = (u8)(0x10 | k);
	}
	mc_ipv4_csum_update(ip);
	f->len = 14 + 28 + payload;
	/* A UDP checksum, as encoders send it: TS must recompute it. */
	struct mc_flow fl;

	if (mc_flow_parse(ip, f->len - 14, &fl) == 0)
		mc_udp_csum_update(ip, &fl);
}

static struct mcd_group *add_group(u8 last, u8 dir, u8 format)
{
	char err[256];
	struct mcd_group *g = mcd_group_new(err, sizeof(err));
	/* ESP: AES-128 key || 4-byte salt; TS: the 16-byte control word. */
	struct mcd_key_material km = {
		.len = format == MCSEC_FORMAT_ESP_TUNNEL ? 16 + 4 : 16,
	};
	bool ok = g != NULL;

	memcpy(km.bytes, rawkey, km.len);
	if (ok) {
		g->family = MC_AF_INET;
		g->daddr[0] = 239, g->daddr[1] = 1, g->daddr[2] = 1, g->daddr[3] = last;
		g->port = 5000;
		g->dir = dir;
		g->format = format;
		/* TS as IPTV sends it: RTP + 7 TS packets (the frames). */
		if (format != MCSEC_FORMAT_ESP_TUNNEL)
			g->flags |= MCSEC_GROUP_F_RTP;
	}
	/* Replay window 0: the decrypt cases replay one ciphertext frame. */
	if (ok && format == MCSEC_FORMAT_ESP_TUNNEL) {
		struct mcd_sa sa = { .spi = 0x1000, .suite = MCSEC_SUITE_AES128_GCM,
				     .flags = MCSEC_SA_F_ESN, .replay_window = 0 };

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

#define CEIL_FRAMES	18	/* TS: 126 payloads per chunk (max 128), lanes full */

struct ceil {
	IMB_MGR *mgr;
	bool enc, idsa;
	u32 len;			/* GCM: cipher bytes */
	struct gcm_key_data gcm;
	DECLARE_ALIGNED(u32 ek[4 * 15], 16);
	DECLARE_ALIGNED(u32 dk[4 * 15], 16);
	IMB_JOB jobs[CEIL_FRAMES * 7];
	u8 buf[CEIL_FRAMES * TS7];
	u8 tag[16], iv[16], aad[12];
	u32 cyc[MAX_SAMPLES], tmp[MAX_SAMPLES];	/* chunk times, its own */
	/* ceil_both(): what to measure on this one's lcore, and the answer. */
	bool ts;
	double ns;
};

static u64 ceil_left_out, ceil_chunks;

/* Runs chunk() for seconds / 4; ns per frame over the chunks that count. */
static double ceil_time(struct ceil *c, void (*chunk)(struct ceil *), u32 frames)
{
	u32 *cyc = c->cyc;
	u64 end = rte_rdtsc() + (u64)(seconds / 4 * (double)rte_get_tsc_hz());
	u64 sum = 0, cnt = 0, lim;
	u32 k = 0;

	chunk(c);	/* warm */
	while (k < MAX_SAMPLES) {
		u64 t0 = rte_rdtsc();

		chunk(c);
		u64 t1 = rte_rdtsc();

		cyc[k++] = (u32)RTE_MIN(t1 - t0, UINT32_MAX);
		if (t1 >= end)
			break;
	}
	lim = (u64)median_in(cyc, k, c->tmp) * OUTLIER;
	for (u32 i = 0; i < k; i++) {
		if (cyc[i] > lim)
			continue;
		sum += cyc[i];
		cnt++;
	}
	__atomic_fetch_add(&ceil_left_out, k - cnt, __ATOMIC_RELAXED);
	__atomic_fetch_add(&ceil_chunks, k, __ATOMIC_RELAXED);
	return (double)sum * 1e9 / (double)rte_get_tsc_hz() / (double)(cnt * frames);
}

/* The direct GCM API, 32 frames' worth per chunk, as one appliance burst. */
static void chunk_gcm(struct ceil *c)
{
	struct gcm_context_data ctx;

	for (int i = 0; i < MCD_BURST; i++) {
		if (c->enc)
			IMB_AES128_GCM_ENC(c->mgr, &c->gcm, &ctx, c->buf, c->buf, c->len,
					   c->iv, c->aad, 12, c->tag, 16);
		else
			IMB_AES128_GCM_DEC(c->mgr, &c->gcm, &ctx, c->buf, c->buf, c->len,
					   c->iv, c->aad, 12, c->tag, 16);
	}
}

/* The job API: CBC on CISSA's full blocks, DOCSIS BPI (IDSA's rule). */
static void chunk_ts_jobs(struct ceil *c)
{
	for (int k = 0; k < CEIL_FRAMES * 7; k++) {
		IMB_JOB *j = IMB_GET_NEXT_JOB(c->mgr);

		j->cipher_mode = c->idsa ? IMB_CIPHER_DOCSIS_SEC_BPI : IMB_CIPHER_CBC;
		j->cipher_direction = c->enc ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
		j->chain_order = c->enc ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
		j->hash_alg = IMB_AUTH_NULL;
		j->enc_keys = c->ek;
		j->dec_keys = c->dk;
		j->key_len_in_bytes = IMB_KEY_128_BYTES;
		j->iv = c->iv;
		j->iv_len_in_bytes = 16;
		j->src = j->dst = c->buf + k * MC_TS_PKT_LEN + 4;
		j->cipher_start_src_offset_in_bytes = 0;
		j->msg_len_to_cipher_in_bytes = c->idsa ? 184 : 176;
		j->hash_start_src_offset_in_bytes = 0;
		j->msg_len_to_hash_in_bytes = 0;
		IMB_SUBMIT_JOB(c->mgr);
	}
	while (IMB_FLUSH_JOB(c->mgr))
		;
}

/* The cipher burst API (unchecked, the fastest): CBC over 176 bytes; IDSA's
 * 8-byte residual is one AES block (CFB) per payload. */
static void chunk_ts_burst(struct ceil *c)
{
	if (c->idsa && !c->enc)
		for (int k = 0; k < CEIL_FRAMES * 7; k++) {
			u8 *p = c->buf + k * MC_TS_PKT_LEN + 4;

			IMB_AES128_CFB_ONE(c->mgr, p + 176, p + 176, p + 160, c->ek, 8);
		}
	if (IMB_SUBMIT_CIPHER_BURST_NOCHECK(c->mgr, c->jobs, CEIL_FRAMES * 7,
					    IMB_CIPHER_CBC,
					    c->enc ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT,
					    IMB_KEY_128_BYTES) != CEIL_FRAMES * 7) {
		fprintf(stderr, "mcsec-dpdk-bench: cipher burst failed\n");
		exit(1);
	}
	if (c->idsa && c->enc)
		for (int k = 0; k < CEIL_FRAMES * 7; k++) {
			u8 *p = c->buf + k * MC_TS_PKT_LEN + 4;

			IMB_AES128_CFB_ONE(c->mgr, p + 176, p + 176, p + 160, c->ek, 8);
		}
}

static double ceil_gcm(struct ceil *c, u32 len, bool enc)
{
	c->len = len;
	c->enc = enc;
	return ceil_time(c, chunk_gcm, MCD_BURST);
}

/* The better of the two paths, for the same 7 payloads of 184 bytes. */
static double ceil_ts(struct ceil *c, bool enc, bool idsa)
{
	double a, b;

	c->enc = enc;
	c->idsa = idsa;
	for (int k = 0; k < CEIL_FRAMES * 7; k++) {
		IMB_JOB *j = &c->jobs[k];

		j->enc_keys = c->ek;
		j->dec_keys = c->dk;
		j->key_len_in_bytes = IMB_KEY_128_BYTES;
		j->iv = c->iv;
		j->iv_len_in_bytes = 16;
		j->src = j->dst = c->buf + k * MC_TS_PKT_LEN + 4;
		j->cipher_start_src_offset_in_bytes = 0;
		j->msg_len_to_cipher_in_bytes = 176;
	}
	a = ceil_time(c, chunk_ts_jobs, CEIL_FRAMES);
	b = ceil_time(c, chunk_ts_burst, CEIL_FRAMES);
	return RTE_MIN(a, b);
}

/* A ceiling's engine, keys and buffers, for one lcore. */
static struct ceil *ceil_new(const char *name)
{
	struct ceil *c = rte_zmalloc(name, sizeof(*c), RTE_CACHE_LINE_SIZE);

	if (!c)
		return NULL;
	c->mgr = alloc_mb_mgr(0);
	if (!c->mgr) {
		rte_free(c);
		return NULL;
	}
	init_mb_mgr_auto(c->mgr, NULL);
	IMB_AES128_GCM_PRE(c->mgr, rawkey, &c->gcm);
	IMB_AES_KEYEXP_128(c->mgr, rawkey, c->ek, c->dk);
	return c;
}

static void ceil_free(struct ceil *c)
{
	free_mb_mgr(c->mgr);
	rte_free(c);
}

/* The ceiling c->ts, c->enc, c->idsa and c->len say. */
static double ceil_run(struct ceil *c)
{
	return c->ts ? ceil_ts(c, c->enc, c->idsa) : ceil_gcm(c, c->len, c->enc);
}

static int ceil_worker(void *arg)
{
	struct ceil *c = arg;

	c->ns = ceil_run(c);
	return 0;
}

/*
 * The same ceiling on both bench lcores at once, each with its own engine
 * and buffers: the raw library's own scaling to 2 lcores on this machine
 * (the two lcores' frames per second over one's alone, whose ns is one).
 * Nothing is shared but the machine, so what it loses is the machine's:
 * cores that share execution units or a host that shares them.
 */
static double ceil_both(struct ceil *a, struct ceil *b, double one)
{
	b->ts = a->ts;
	b->enc = a->enc;
	b->idsa = a->idsa;
	b->len = a->len;
	rte_eal_remote_launch(ceil_worker, b, bl[1].lcore);
	ceil_worker(a);
	rte_eal_wait_lcore(bl[1].lcore);
	return one / a->ns + one / b->ns;
}

/* ---- the appliance: generator and burst loop on each bench lcore ---- */

static int bench_loop(void *arg)
{
	struct blcore *b = arg;
	struct rte_mbuf *m[MCD_BURST], *rx[MCD_BURST];
	const struct frame *f = b->f;
	u64 t0 = rte_rdtsc(), end = t0 + (u64)(seconds * (double)rte_get_tsc_hz());
	u64 t = t0, t1, t2;
	u32 k = 0;

	mcd_rcu_worker_start(b->lc->index);
	while (t < end && k < MAX_SAMPLES) {
		if (unlikely(rte_pktmbuf_alloc_bulk(mcd_ports.pool, m, MCD_BURST))) {
			b->failed = true;
			break;
		}
		for (int i = 0; i < MCD_BURST; i++) {
			rte_memcpy(rte_pktmbuf_mtod(m[i], void *), f->b, f->len);
			m[i]->data_len = (u16)f->len;
			m[i]->pkt_len = f->len;
		}
		if (unlikely(!rte_ring_enqueue_bulk(b->ring, (void **)m, MCD_BURST,
						    NULL))) {
			rte_pktmbuf_free_bulk(m, MCD_BURST);
			b->failed = true;
			break;
		}
		t1 = rte_rdtsc();
		/* The appliance: what mcd_worker_main does per poll. */
		u16 n = rte_eth_rx_burst(b->q.port, b->q.queue, rx, MCD_BURST);

		if (likely(n == MCD_BURST))
			mcd_burst(b->lc, &b->q, rx, n);
		else
			b->failed = true;
		mcd_rcu_quiescent(b->lc->index);
		t2 = rte_rdtsc();
		b->gen_s[k] = (u32)RTE_MIN(t1 - t, UINT32_MAX);
		b->app_s[k++] = (u32)RTE_MIN(t2 - t1, UINT32_MAX);
		t = t2;
	}
	mcd_rcu_worker_stop(b->lc->index);
	b->nsamples = k;
	b->wall_cycles = t - t0;
	return 0;
}

struct result {
	double ns, gen, wall_mpps, cap_mpps;	/* per lcore ns; sums of Mpps */
	u64 dropped, bursts;			/* bursts left out, of all */
};

/* Runs the case on the first k bench lcores (the main one included). */
static struct result run_case(unsigned int k, const struct frame *f, u8 role)
{
	double hz = (double)rte_get_tsc_hz();
	struct result r = { 0 };
	u64 pkts = 0, app = 0, gen = 0;

	for (unsigned int i = 0; i < k; i++) {
		bl[i].f = f;
		bl[i].q.role = role;
	}
	for (unsigned int i = 1; i < k; i++)
		rte_eal_remote_launch(bench_loop, &bl[i], bl[i].lcore);
	bench_loop(&bl[0]);
	for (unsigned int i = 1; i < k; i++)
		rte_eal_wait_lcore(bl[i].lcore);
	for (unsigned int i = 0; i < k; i++) {
		if (!bl[i].failed && bl[i].nsamples)
			tally(&bl[i]);
		if (bl[i].failed || !bl[i].pkts) {
			fprintf(stderr, "mcsec-dpdk-bench: lcore %u made no traffic\n",
				bl[i].lcore);
			exit(1);
		}
		pkts += bl[i].pkts;
		app += bl[i].app_cycles;
		gen += bl[i].gen_cycles;
		r.wall_mpps += (double)bl[i].all_pkts / ((double)bl[i].wall_cycles / hz) / 1e6;
		r.dropped += bl[i].dropped;
		r.bursts += bl[i].nsamples;
		r.cap_mpps += (double)bl[i].pkts / ((double)bl[i].app_cycles / hz) / 1e6;
	}
	for (unsigned int i = 0; i < k; i++)
		total_pkts += bl[i].all_pkts;
	r.ns = (double)app * 1e9 / hz / (double)pkts;
	r.gen = (double)gen * 1e9 / hz / (double)pkts;
	return r;
}

#define MAX_REPS	31

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of n values (the mean of the middle two for even n). */
static double dmedian(const double *v, int n)
{
	double t[MAX_REPS];

	memcpy(t, v, (size_t)n * sizeof(*v));
	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

/* Each figure of reps runs: its median; bursts left out: summed. */
static struct result med_result(const struct result *r, int n)
{
	double ns[MAX_REPS], gen[MAX_REPS], wall[MAX_REPS], cap[MAX_REPS];
	struct result m = { 0 };

	for (int k = 0; k < n; k++) {
		ns[k] = r[k].ns;
		gen[k] = r[k].gen;
		wall[k] = r[k].wall_mpps;
		cap[k] = r[k].cap_mpps;
		m.dropped += r[k].dropped;
		m.bursts += r[k].bursts;
	}
	m.ns = dmedian(ns, n);
	m.gen = dmedian(gen, n);
	m.wall_mpps = dmedian(wall, n);
	m.cap_mpps = dmedian(cap, n);
	return m;
}

struct bcase {
	const char *name;
	const struct frame *f;
	u8 role;
	u32 clen;		/* ESP: the bytes the cipher runs over */
	bool enc, ts, idsa;
	double ceil, ratio;		/* medians: ceiling ns, ceiling / ns */
	double cscale;			/* median: the ceiling's 2-lcore scaling */
	struct result one, two;
	/* Per run: the ceiling and the appliance of the same round. */
	double ceil_r[MAX_REPS], ratio_r[MAX_REPS], cscale_r[MAX_REPS];
	struct result one_r[MAX_REPS], two_r[MAX_REPS];
};

/* Tunnel mode: inner IP packet, 2 trailer bytes, padded to 4. */
#define ESP_CLEN(frame)	(((frame) - 14 + 2 + 3) / 4 * 4)

#ifdef MCD_STAGES
/*
 * mcsec-dpdk-bench-stages: where the appliance's time goes, per stage of
 * mcd_burst (TSC at each boundary, worker.c built with MCD_STAGES), one
 * lcore; "rx, loop" is the rest of the appliance's time (rx burst and the
 * loop around it). The TSC reads cost a few ns per burst themselves.
 */
static void stages_table(struct bcase *c, size_t n, struct ceil *cl)
{
	static const char *const names[MCD_NSTAGES] = {
		"classify", "prepare", "crypto", "finish", "sync", "tx+free",
	};
	double hz = (double)rte_get_tsc_hz() / 1e9;

	printf("\n## where the time goes, ns per packet (1 lcore, separate build"
	       " with a TSC read per stage)\n\n| %-28s |", "case");
	for (int k = 0; k < MCD_NSTAGES; k++)
		printf(" %8s |", names[k]);
	printf(" rx, loop |    total | ceil ns |\n|------------------------------|");
	for (int k = 0; k < MCD_NSTAGES + 3; k++)
		printf("%s|", k == MCD_NSTAGES + 2 ? "---------" : "----------");
	printf("\n");
	for (size_t i = 0; i < n; i++) {
		double sum = 0, ce[MAX_REPS], tot[MAX_REPS], total;

		if (only && !strstr(c[i].name, only))
			continue;
		memset(mcd_stage_cycles, 0, sizeof(mcd_stage_cycles));
		mcd_stage_pkts = 0;
		for (int k = 0; k < reps; k++) {
			ce[k] = c[i].ts ? ceil_ts(cl, c[i].enc, c[i].idsa) :
				ceil_gcm(cl, c[i].clen, c[i].enc);
			tot[k] = run_case(1, c[i].f, c[i].role).ns;
		}
		total = dmedian(tot, reps);
		printf("| %-28s |", c[i].name);
		for (int k = 0; k < MCD_NSTAGES; k++) {
			double v = (double)mcd_stage_cycles[k] / hz / (double)mcd_stage_pkts;

			sum += v;
			printf(" %8.1f |", v);
		}
		printf(" %8.1f | %8.1f | %7.1f |\n", RTE_MAX(total - sum, 0.0), total,
		       dmedian(ce, reps));
	}
}
#endif

static struct mcd_lcore *lcore_new(unsigned int lcore, u32 index)
{
	char err[256];
	struct mcd_lcore *lc = mcd_lcore_new(lcore, index, err, sizeof(err));

	if (!lc) {
		fprintf(stderr, "mcsec-dpdk-bench: %s\n", err);
		exit(1);
	}
	mcd_lcores[lcore] = lc;
	return lc;
}

/* Encrypts or scrambles `src` with the core and backend, as the tests do. */
static void protect(struct mc_crypto *c, struct mcd_group *g, const struct frame *src,
		    struct frame *dst)
{
	struct mc_job jobs[7];
	struct mc_pkt pkt;
	struct mc_ts_tally tally;
	u32 nj = 1;

	*dst = *src;
	pkt = (struct mc_pkt){ .data = dst->b + 128, .len = src->len - 14,
			       .headroom = 128 - 14,
			       .tailroom = FRAME_MAX - 128 - src->len };
	memmove(pkt.data, src->b + 14, pkt.len);
	if (g->format == MCSEC_FORMAT_ESP_TUNNEL)
		mc_esp_encap(&mcd_sa_by_spi(g, 0x1000)->esp, 1, &pkt, jobs);
	else
		mc_ts_scramble(&g->ts, pkt.data + 28, pkt.len - 28, MCSEC_PARITY_EVEN,
			       mcd_sa_by_parity(g, MCSEC_PARITY_EVEN)->key, jobs,
			       &nj, &tally);
	mc_crypto_run(c, jobs, nj);
	memmove(dst->b, src->b, 14);
	memmove(dst->b + 14, pkt.data, pkt.len);
	dst->len = 14 + pkt.len;
}

int main(int argc, char **argv)
{
	static struct frame clear, esp, clear64, esp64, cissa_clear, cissa, idsa_clear, idsa;
	struct mcd_group *esp_enc, *cissa_enc, *idsa_enc;
	struct rte_ring *rings[MAX_BL];
	unsigned int lcore;
	char err[256], load[64] = "?";
	struct ceil *cl, *cl2;
	FILE *lf;
	int r, ringport, opt;

	r = rte_eal_init(argc, argv);
	if (r < 0)
		return 1;
	argc -= r;
	argv += r;
	while ((opt = getopt(argc, argv, "s:r:c:C:")) != -1) {
		if (opt == 's')
			seconds = atof(optarg);
		else if (opt == 'r')
			reps = atoi(optarg) < 1 ? 1 : atoi(optarg) > MAX_REPS ?
			       MAX_REPS : atoi(optarg);
		else if (opt == 'c')
			only = optarg;
		else if (opt == 'C')
			cdev_name = optarg;
	}
	RTE_LCORE_FOREACH(lcore) {
		if (nbl < MAX_BL)
			bl[nbl++].lcore = lcore;
	}
	if (bl[0].lcore != rte_get_main_lcore() || rte_eth_dev_count_avail() < 1) {
		fprintf(stderr, "mcsec-dpdk-bench: needs -l 0[,1] and --vdev net_null0\n");
		return 1;
	}
	for (unsigned int i = 0; i < nbl; i++) {
		char name[32];

		snprintf(name, sizeof(name), "bench_rx%u", i);
		rings[i] = rte_ring_create(name, 256, (int)rte_socket_id(),
					   RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (!rings[i])
			return 1;
		bl[i].ring = rings[i];
	}
	ringport = rte_eth_from_rings("bench_rx", rings, nbl, rings, nbl,
				      rte_socket_id());
	if (cdev_name && !mcd_cdev_init(cdev_name, (u16)nbl, err, sizeof(err))) {
		fprintf(stderr, "mcsec-dpdk-bench: %s\n", err);
		return 1;
	}
	if (ringport < 0 || !mcd_tables_init(err, sizeof(err))) {
		fprintf(stderr, "mcsec-dpdk-bench: setup failed\n");
		return 1;
	}
	esp_enc = add_group(1, MCSEC_DIR_ENCRYPT, MCSEC_FORMAT_ESP_TUNNEL);
	add_group(1, MCSEC_DIR_DECRYPT, MCSEC_FORMAT_ESP_TUNNEL);
	cissa_enc = add_group(2, MCSEC_DIR_ENCRYPT, MCSEC_FORMAT_TS_CISSA);
	add_group(2, MCSEC_DIR_DECRYPT, MCSEC_FORMAT_TS_CISSA);
	idsa_enc = add_group(3, MCSEC_DIR_ENCRYPT, MCSEC_FORMAT_TS_IDSA);
	add_group(3, MCSEC_DIR_DECRYPT, MCSEC_FORMAT_TS_IDSA);

	mcd_ports.map[0] = (struct mcd_port_cfg){ .rx = (u16)ringport, .tx = 0,
						  .role = MCD_ROLE_BOTH };
	mcd_ports.n = 1;
	for (unsigned int i = 0; i < nbl; i++) {
		bl[i].lc = lcore_new(bl[i].lcore, i);
		bl[i].gen_s = calloc(MAX_SAMPLES, sizeof(u32));
		bl[i].app_s = calloc(MAX_SAMPLES, sizeof(u32));
		if (!bl[i].gen_s || !bl[i].app_s)
			return 1;
		bl[i].q = (struct mcd_rxq){ .port = (u16)ringport, .queue = (u16)i,
					    .tx_port = 0, .tx_queue = (u16)i };
		bl[i].lc->rxq[0] = bl[i].q;
		bl[i].lc->nrxq = 1;
	}
	if (!mcd_ports_init((u16)nbl, RTE_MBUF_DEFAULT_BUF_SIZE, err, sizeof(err))) {
		fprintf(stderr, "mcsec-dpdk-bench: %s\n", err);
		return 1;
	}

	/* The frames, and their protected forms made by the core itself. */
	make_frame(&clear, 1, TS7, true, false);
	make_frame(&clear64, 1, 64, false, false);
	make_frame(&cissa_clear, 2, 12 + TS7, true, true);
	make_frame(&idsa_clear, 3, 12 + TS7, true, true);
	protect(bl[0].lc->c, esp_enc, &clear, &esp);
	protect(bl[0].lc->c, esp_enc, &clear64, &esp64);
	protect(bl[0].lc->c, cissa_enc, &cissa_clear, &cissa);
	protect(bl[0].lc->c, idsa_enc, &idsa_clear, &idsa);

	cl = ceil_new("bench_ceil");
	cl2 = ceil_new("bench_ceil2");	/* the second bench lcore's */
	if (!cl || !cl2)
		return 1;
	lf = fopen("/proc/loadavg", "r");
	if (lf) {
		if (!fgets(load, sizeof(load), lf))
			strcpy(load, "?");
		load[strcspn(load, "\n")] = 0;
		fclose(lf);
	}
	printf("# mcsec-dpdk-bench: the appliance's burst loop, net_ring rx -> net_null tx,\n"
	       "# bursts of %d, intel-ipsec-mb %s, %s, medians of %d rounds x %.2f s per case;\n"
	       "# load average %s\n"
	       "# ns/pkt = the appliance per packet (rx burst .. tx burst and frees);\n"
	       "# Mpps, Gbps = at that cost (frames in); gen = the traffic generator's\n"
	       "# own cost per packet on the same lcore (mbuf alloc, frame copy, ring);\n"
	       "# ceil = the best raw intel-ipsec-mb path on the same cipher bytes, same\n"
	       "# core, this run; of ceil = median over the rounds of ceil / ns.\n",
	       MCD_BURST, mc_crypto_arch(bl[0].lc->c),
	       rte_eal_has_hugepages() ? "hugepages" : "no hugepages", reps,
	       seconds, load);
	if (mcd_cdev.on)
		printf("# ESP AEAD on cryptodev %s (enqueue, dequeue per burst)\n",
		       mcd_cdev.name);

	/* ESP: the cipher runs over inner IP + pad + trailer. */
	struct bcase c[] = {
		{ .name = "esp aes128-gcm encrypt 1358", .f = &clear,
		  .role = MCD_ROLE_ENCRYPT, .clen = ESP_CLEN(1358), .enc = true },
		{ .name = "esp aes128-gcm decrypt 1358", .f = &esp,
		  .role = MCD_ROLE_DECRYPT, .clen = ESP_CLEN(1358) },
		{ .name = "esp aes128-gcm encrypt 64B", .f = &clear64,
		  .role = MCD_ROLE_ENCRYPT, .clen = ESP_CLEN(14 + 28 + 64), .enc = true },
		{ .name = "esp aes128-gcm decrypt 64B", .f = &esp64,
		  .role = MCD_ROLE_DECRYPT, .clen = ESP_CLEN(14 + 28 + 64) },
		{ .name = "ts cissa scramble 1370 rtp", .f = &cissa_clear,
		  .role = MCD_ROLE_ENCRYPT, .enc = true, .ts = true },
		{ .name = "ts cissa descramble 1370 rtp", .f = &cissa,
		  .role = MCD_ROLE_DECRYPT, .ts = true },
		{ .name = "ts idsa scramble 1370 rtp", .f = &idsa_clear,
		  .role = MCD_ROLE_ENCRYPT, .enc = true, .ts = true, .idsa = true },
		{ .name = "ts idsa descramble 1370 rtp", .f = &idsa,
		  .role = MCD_ROLE_DECRYPT, .ts = true, .idsa = true },
	};

#ifdef MCD_STAGES
	stages_table(c, RTE_DIM(c), cl);
	ceil_free(cl);
	ceil_free(cl2);
	mcd_ports_stop();
	return 0;
#endif
	for (size_t i = 0; i < RTE_DIM(c); i++) {
		if (only && !strstr(c[i].name, only))
			continue;
		for (int k = 0; k < reps; k++) {
			cl->ts = c[i].ts;
			cl->enc = c[i].enc;
			cl->idsa = c[i].idsa;
			cl->len = c[i].clen;
			c[i].ceil_r[k] = ceil_run(cl);
			c[i].one_r[k] = run_case(1, c[i].f, c[i].role);
			c[i].ratio_r[k] = c[i].ceil_r[k] / c[i].one_r[k].ns;
			if (nbl > 1) {
				c[i].two_r[k] = run_case(2, c[i].f, c[i].role);
				c[i].cscale_r[k] = ceil_both(cl, cl2, c[i].ceil_r[k]);
			}
		}
		c[i].ceil = dmedian(c[i].ceil_r, reps);
		c[i].cscale = dmedian(c[i].cscale_r, reps);
		c[i].ratio = dmedian(c[i].ratio_r, reps);
		c[i].one = med_result(c[i].one_r, reps);
		if (nbl > 1)
			c[i].two = med_result(c[i].two_r, reps);
	}

	printf("\n## 1 lcore\n\n");
	printf("| %-28s | %5s | %7s | %6s | %6s | %7s | %7s | %6s |\n", "case", "frame",
	       "ns/pkt", "Mpps", "Gbps", "ceil ns", "of ceil", "gen ns");
	printf("|------------------------------|-------|---------|--------|--------|---------|---------|--------|\n");
	for (size_t i = 0; i < RTE_DIM(c); i++) {
		const struct result *o = &c[i].one;

		if (only && !strstr(c[i].name, only))
			continue;
		printf("| %-28s | %5u | %7.1f | %6.2f | %6.2f | %7.1f | %5.0f %% | %6.1f |\n",
		       c[i].name, c[i].f->len, o->ns, 1e3 / o->ns,
		       c[i].f->len * 8.0 / o->ns, c[i].ceil, 100.0 * c[i].ratio,
		       o->gen);
	}
	if (nbl > 1) {
		printf("\n## 1 vs 2 lcores (each lcore generates its own traffic)\n\n"
		       "# appliance Mpps = packets / appliance time, summed over lcores\n"
		       "# (what the lcores would carry from a NIC); wall Mpps = packets /\n"
		       "# elapsed time with the generator sharing each core; ceil scaling =\n"
		       "# the raw library's own on the same 2 lcores at once (the machine's\n"
		       "# limit: what it loses, shared execution units or host, is not ours).\n\n");
		printf("| %-28s | %8s | %8s | %8s | %6s | %7s | %7s | %7s | %8s |\n", "case",
		       "ns 1", "ns 2", "Mpps 1", "Mpps 2", "scaling", "ceil sc", "wall 1",
		       "wall 2");
		printf("|------------------------------|----------|----------|----------|--------|---------|---------|---------|----------|\n");
		for (size_t i = 0; i < RTE_DIM(c); i++) {
			const struct result *o = &c[i].one, *t = &c[i].two;

			if (only && !strstr(c[i].name, only))
				continue;
			printf("| %-28s | %8.1f | %8.1f | %8.2f | %6.2f | %6.2fx | %6.2fx | %7.2f | %8.2f |\n",
			       c[i].name, o->ns, t->ns, o->cap_mpps, t->cap_mpps,
			       t->cap_mpps / o->cap_mpps, c[i].cscale, o->wall_mpps,
			       t->wall_mpps);
		}
	}

	u64 ld = 0, lb = 0;

	for (size_t i = 0; i < RTE_DIM(c); i++) {
		ld += c[i].one.dropped + c[i].two.dropped;
		lb += c[i].one.bursts + c[i].two.bursts;
	}
	printf("\n# left out as interrupted (over %dx the median): %llu of %llu bursts,\n"
	       "# %llu of %llu ceiling chunks\n", OUTLIER, (unsigned long long)ld,
	       (unsigned long long)lb, (unsigned long long)ceil_left_out,
	       (unsigned long long)ceil_chunks);

	/* Every packet must have been transformed: nothing dropped, nothing
	 * unmatched (a bench that measured drops would be worthless). */
	r = 0;
	if (mcd_stats_sum(0, MCSEC_STAT_A_PKTS_UNMATCHED)) {
		printf("# (!) packets went unmatched\n");
		r = 1;
	}
	u64 done = 0;

	for (unsigned int i = 0; i < nbl; i++)
		if (bl[i].lc->app.crypto_errors || bl[i].lc->app.cdev_failed ||
		    bl[i].lc->app.cdev_fallback) {
			printf("# (!) lcore %u: crypto errors\n", bl[i].lcore);
			r = 1;
		}
	for (u32 i = 0; i < mcd_tab.ngroups; i++) {
		const struct mcd_group *g = mcd_tab.groups[i];
		u64 bad = 0;

		done += mcd_stats_sum(g->slot, MCSEC_STAT_A_OUT_PKTS_PROTECTED) +
			mcd_stats_sum(g->slot, MCSEC_STAT_A_IN_PKTS_OK);

		for (int st = MCSEC_STAT_A_OUT_PKTS_NO_SA; st <= MCSEC_STAT_A_IN_PKTS_CLEARTEXT; st++)
			if (st != MCSEC_STAT_A_IN_PKTS_OK && st != MCSEC_STAT_A_IN_OCTETS_OK)
				bad += mcd_stats_sum(g->slot, st);
		if (bad) {
			printf("# (!) group %s dropped %llu packets\n", g->name,
			       (unsigned long long)bad);
			r = 1;
		}
	}
	if (done != total_pkts) {
		printf("# (!) %llu packets run, %llu protected or opened\n",
		       (unsigned long long)total_pkts, (unsigned long long)done);
		r = 1;
	}
	ceil_free(cl);
	ceil_free(cl2);
	mcd_ports_stop();
	return r;
}
