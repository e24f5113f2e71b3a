// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The transform of mcsec-pcap: classify each record, let the shared core
 * prepare it (mc_esp_encap, mc_esp_decap_prepare, mc_ts_scramble,
 * mc_ts_descramble), run the jobs of a whole burst through mc_crypto_run in
 * one call, then finish each packet in capture order and write it.
 *
 * Which packets are the group's:
 *   ESP encrypt and TS: UDP to the --group address (and port, when given);
 *     without --group, UDP to any multicast address (for TS, only datagrams
 *     that look like TS: whole 188-byte packets starting with 0x47).
 *   ESP decrypt: ESP to the --group address (an SPI other than --spi is
 *     then dropped as no-sa, as a receiver's SA lookup would); without
 *     --group, ESP carrying the --spi.
 * Everything else is copied unchanged. A packet of the group that cannot be
 * parsed is dropped under the reason the parser gives.
 */
#include <stdlib.h>
#include <string.h>

#include "mcsec-pcap.h"
#include "pkt.h"
#include "replay.h"
#include "suite.h"

#define BURST		32
#define HEAD		256			/* bytes before the IP header */
#define L2_MAX		64			/* link headers we keep */
#define MAX_FRAME	262144			/* libpcap's largest snaplen */
#define BUF_SIZE	(HEAD + MAX_FRAME + 256)
#define JOB_CAP		(BURST * MC_TS_MAX_PER_DGRAM)

enum verdict { V_PASS, V_DROP, V_WORK };

struct slot {
	struct pcap_pkthdr hdr;
	u8 *buf;		/* frame copied at buf + HEAD - l2_len */
	struct mp_frame fr;
	u8 l2[L2_MAX];
	struct mc_pkt pkt;
	struct mc_flow flow;
	struct mc_esp_rx rx;
	struct mc_ts_tally tally;
	u32 job0, njobs;
	enum verdict verdict;
	int reason;
	bool udp_csum_zero;	/* IPv4 sender sent no UDP checksum */
};

struct mp_engine {
	const struct mp_config *cfg;
	struct mp_io *io;
	struct mp_stats *st;
	struct mc_crypto *c;
	struct mc_key *key, *tskey[2];	/* ESP key; TS even, odd */
	struct mc_esp_sa sa;
	struct mc_ts_cfg ts;
	u64 seq;
	struct slot slots[BURST];
	u32 nslots;
	struct mc_job *jobs;
	u32 njobs;
};

const char *mp_reason_name(int reason)
{
	switch (reason) {
	case MCSEC_STAT_A_OUT_PKTS_NO_SA:
	case MCSEC_STAT_A_IN_PKTS_NO_SA:
		return "no-sa";
	case MCSEC_STAT_A_OUT_PKTS_SEQ_EXHAUSTED: return "seq-exhausted";
	case MCSEC_STAT_A_OUT_PKTS_TOO_BIG: return "too-big";
	case MCSEC_STAT_A_OUT_PKTS_UNSUPPORTED: return "unsupported";
	case MCSEC_STAT_A_IN_PKTS_TRUNCATED: return "truncated";
	case MCSEC_STAT_A_IN_PKTS_MALFORMED: return "malformed";
	case MCSEC_STAT_A_IN_PKTS_REPLAYED: return "replayed";
	case MCSEC_STAT_A_IN_PKTS_LATE: return "late";
	case MCSEC_STAT_A_IN_PKTS_AUTH_FAILED: return "auth-failed";
	case MCSEC_STAT_A_IN_PKTS_BAD_PADDING: return "bad-padding";
	case MCSEC_STAT_A_IN_PKTS_BAD_NEXT_HEADER: return "bad-next-header";
	case MCSEC_STAT_A_IN_PKTS_CLEARTEXT: return "cleartext";
	case MP_REASON_CRYPTO_ERROR: return "crypto-error";
	case MP_REASON_LINKTYPE: return "linktype-mismatch";
	default: return NULL;
	}
}

struct mp_engine *mp_engine_new(const struct mp_config *cfg, struct mp_io *io,
				struct mp_stats *st, char *err, size_t errlen)
{
	struct mp_engine *e = calloc(1, sizeof(*e));
	u32 i;

	if (!e) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	e->cfg = cfg;
	e->io = io;
	e->st = st;
	e->jobs = calloc(JOB_CAP, sizeof(*e->jobs));
	for (i = 0; i < BURST; i++) {
		e->slots[i].buf = malloc(BUF_SIZE);
		if (!e->slots[i].buf)
			break;
	}
	if (!e->jobs || i < BURST) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	e->c = mc_crypto_new();
	if (!e->c) {
		snprintf(err, errlen, "intel-ipsec-mb cannot run on this CPU");
		goto fail;
	}
	if (mp_format_is_esp(cfg->format)) {
		u32 kl = mc_suite_key_len(cfg->suite);

		e->key = mc_key_new(e->c, cfg->suite, cfg->key.bytes, kl);
		if (!e->key) {
			snprintf(err, errlen, "key file %s: the backend refused the key",
				 cfg->key.path);
			goto fail;
		}
		e->sa.spi = cfg->spi;
		e->sa.suite = cfg->suite;
		e->sa.format = cfg->format;
		e->sa.esn = cfg->esn;
		memcpy(e->sa.salt, cfg->key.bytes + kl, MC_SALT_LEN);
		e->sa.key = e->key;
		if (mc_replay_init(&e->sa.replay,
				   cfg->dir == MCSEC_DIR_DECRYPT ?
				   cfg->replay_window : 0)) {
			snprintf(err, errlen, "--replay-window %u refused by the core",
				 cfg->replay_window);
			goto fail;
		}
		e->seq = cfg->seq;
	} else {
		const struct mp_key_file *kf[2] = { &cfg->even, &cfg->odd };

		for (i = 0; i < 2; i++) {
			if (!kf[i]->len)
				continue;
			e->tskey[i] = mc_key_new(e->c, MCSEC_SUITE_AES128_CBC,
						 kf[i]->bytes, 16);
			if (!e->tskey[i]) {
				snprintf(err, errlen, "%s key file %s: the backend refused the key",
					 i ? "odd" : "even", kf[i]->path);
				goto fail;
			}
		}
		e->ts.format = cfg->format;
		e->ts.rtp = cfg->rtp;
		e->ts.pid_map = cfg->have_pids ? cfg->pid_map : NULL;
	}
	st->next_seq = e->seq;
	return e;
fail:
	mp_engine_free(e);
	return NULL;
}

const char *mp_engine_arch(const struct mp_engine *e)
{
	return mc_crypto_arch(e->c);
}

void mp_engine_free(struct mp_engine *e)
{
	u32 i;

	if (!e)
		return;
	mc_key_free(e->key);
	mc_key_free(e->tskey[0]);
	mc_key_free(e->tskey[1]);
	explicit_bzero(e->sa.salt, sizeof(e->sa.salt));
	mc_crypto_free(e->c);
	for (i = 0; i < BURST; i++)
		free(e->slots[i].buf);
	free(e->jobs);
	free(e);
}

/* ---- classification ---------------------------------------------------- */

static bool addr_is_multicast(u16 family, const u8 *a)
{
	return family == MC_AF_INET ? (a[0] & 0xf0) == 0xe0 : a[0] == 0xff;
}

static bool dst_matches(const struct mp_config *cfg, u16 family, const u8 *daddr)
{
	if (!cfg->have_group)
		return addr_is_multicast(family, daddr);
	return family == cfg->family &&
	       !memcmp(daddr, cfg->group, family == MC_AF_INET ? 4 : 16);
}

/* A UDP payload that looks like TS (after RTP, when configured). */
static bool looks_like_ts(const struct mp_config *cfg, const u8 *p, u32 len)
{
	u32 off = 0, i;

	if (cfg->rtp) {
		int r = mc_rtp_skip(p, len);

		if (r < 0)
			return false;
		off = (u32)r;
	}
	if (len <= off || (len - off) % MC_TS_PKT_LEN)
		return false;
	for (i = off; i < len; i += MC_TS_PKT_LEN)
		if (p[i] != MC_TS_SYNC)
			return false;
	return true;
}

/*
 * The upper-layer protocol of an IPv6 packet behind the extension headers
 * the core does not walk (hop-by-hop, routing, destination options), or -1.
 */
static int ipv6_upper_proto(const u8 *ip, u32 len)
{
	u32 off = 40;
	u8 nh = ip[6];
	int hops;

	for (hops = 0; hops < 8; hops++) {
		if (nh != 0 && nh != 43 && nh != 60)
			return nh == 44 ? -1 : nh;	/* a fragment hides it */
		if (len < off + 2)
			return -1;
		nh = ip[off];
		off += (ip[off + 1] + 1u) * 8;
	}
	return -1;
}

/*
 * When mc_flow_parse refused a packet: is it still recognisably the
 * group's (destination and protocol readable)? Then it is dropped under the
 * parser's reason (fail closed: group traffic the core cannot handle never
 * leaves in clear); otherwise it is not ours to judge and passes.
 */
static bool broken_but_ours(const struct mp_config *cfg, const u8 *ip, u32 len)
{
	u8 want = mp_format_is_esp(cfg->format) && cfg->dir == MCSEC_DIR_DECRYPT ?
		  MC_IPPROTO_ESP : MC_IPPROTO_UDP;
	u16 family;
	const u8 *daddr;
	int proto;

	if (len >= 20 && ip[0] >> 4 == 4) {
		family = MC_AF_INET;
		proto = ip[9];
		daddr = ip + 16;
	} else if (len >= 40 && ip[0] >> 4 == 6) {
		family = MC_AF_INET6;
		proto = ipv6_upper_proto(ip, len);
		daddr = ip + 24;
	} else {
		return false;
	}
	if (proto != want || !dst_matches(cfg, family, daddr))
		return false;
	/* Without a group, decrypt takes only its SPI, which is unreadable
	 * here; TS without a group takes only what looks like TS. */
	if (!cfg->have_group && (want == MC_IPPROTO_ESP ||
				 !mp_format_is_esp(cfg->format)))
		return false;
	return true;
}

static enum verdict classify(struct mp_engine *e, struct slot *s, int *reason)
{
	const struct mp_config *cfg = e->cfg;
	u8 *ip = s->buf + HEAD;
	u32 len = s->hdr.caplen - s->fr.l2_len;
	struct mc_flow *f = &s->flow;
	int r;

	r = mc_flow_parse(ip, len, f);
	if (r) {
		*reason = r;
		return broken_but_ours(cfg, ip, len) ? V_DROP : V_PASS;
	}
	if (mp_format_is_esp(cfg->format) && cfg->dir == MCSEC_DIR_DECRYPT) {
		if (f->proto != MC_IPPROTO_ESP)
			return V_PASS;
		if (cfg->have_group)
			return dst_matches(cfg, f->family, f->daddr) ?
			       V_WORK : V_PASS;
		return f->spi == cfg->spi ? V_WORK : V_PASS;
	}
	if (f->proto != MC_IPPROTO_UDP || !dst_matches(cfg, f->family, f->daddr))
		return V_PASS;
	if (cfg->port && f->dport != cfg->port)
		return V_PASS;
	if (!mp_format_is_esp(cfg->format) && !cfg->have_group &&
	    !looks_like_ts(cfg, ip + f->payload_off, f->payload_len))
		return V_PASS;
	return V_WORK;
}

/* ---- prepare / finish ---------------------------------------------------- */

static void prepare(struct mp_engine *e, struct slot *s)
{
	const struct mp_config *cfg = e->cfg;
	struct mc_job *job = &e->jobs[e->njobs];
	u8 *ip = s->buf + HEAD;
	int r = 0;

	s->njobs = 0;
	s->job0 = e->njobs;
	s->verdict = classify(e, s, &s->reason);
	if (s->verdict != V_WORK)
		return;
	/* The core gets the IP packet without link padding, and room around
	 * it that leaves the saved link header's place alone. */
	s->pkt.data = ip;
	s->pkt.len = s->flow.ip_len;
	s->pkt.headroom = HEAD - L2_MAX;
	s->pkt.tailroom = BUF_SIZE - HEAD - s->pkt.len;

	switch (cfg->format) {
	case MCSEC_FORMAT_ESP_TUNNEL:
	case MCSEC_FORMAT_ESP_TRANSPORT:
		if (cfg->dir == MCSEC_DIR_ENCRYPT) {
			r = mc_esp_encap(&e->sa, e->seq, &s->pkt, job);
			if (!r)
				e->seq++;
		} else {
			r = mc_esp_decap_prepare(&e->sa, &s->pkt, job, &s->rx);
		}
		if (!r)
			s->njobs = 1;
		break;
	default: {
		u8 *p = ip + s->flow.payload_off;
		u32 n = 0;

		memset(&s->tally, 0, sizeof(s->tally));
		s->udp_csum_zero = s->flow.family == MC_AF_INET &&
				   mc_get_be16(p - 2) == 0;
		if (cfg->dir == MCSEC_DIR_ENCRYPT) {
			const void *k = e->tskey[cfg->parity == MCSEC_PARITY_ODD];

			r = mc_ts_scramble(&e->ts, p, s->flow.payload_len,
					   cfg->parity, k, job, &n, &s->tally);
		} else {
			const void *const keys[2] = { e->tskey[0], e->tskey[1] };

			r = mc_ts_descramble(&e->ts, p, s->flow.payload_len,
					     keys, job, &n, &s->tally);
		}
		if (!r)
			s->njobs = n;
		break;
	}
	}
	if (r) {
		s->verdict = V_DROP;
		s->reason = r;
		s->njobs = 0;
		return;
	}
	e->njobs += s->njobs;
}

static void count_drop(struct mp_stats *st, int reason)
{
	st->dropped++;
	if (reason > 0 && reason < MP_REASON_MAX)
		st->reason[reason]++;
	else
		st->reason[MCSEC_STAT_A_IN_PKTS_MALFORMED]++;
}

static bool finish(struct mp_engine *e, struct slot *s)
{
	const struct mp_config *cfg = e->cfg;
	struct mp_stats *st = e->st;
	struct pcap_pkthdr h = s->hdr;
	bool changed = true;
	u32 i;
	int r;

	if (s->verdict == V_PASS) {
		st->passed++;
		return mp_io_write(e->io, &s->hdr, s->buf + HEAD - s->fr.l2_len);
	}
	if (s->verdict == V_DROP) {
		count_drop(st, s->reason);
		return true;
	}
	for (i = 0; i < s->njobs; i++) {
		if (e->jobs[s->job0 + i].status == MC_JOB_ERROR) {
			count_drop(st, MP_REASON_CRYPTO_ERROR);
			return true;
		}
	}
	if (mp_format_is_esp(cfg->format)) {
		if (cfg->dir == MCSEC_DIR_DECRYPT) {
			r = mc_esp_decap_finish(&e->sa, &s->pkt,
						&e->jobs[s->job0], &s->rx);
			if (r) {
				count_drop(st, r);
				return true;
			}
		}
	} else {
		const struct mc_ts_tally *t = &s->tally;

		st->ts[0] += t->scrambled;
		st->ts[1] += t->descrambled;
		st->ts[2] += t->clear;
		st->ts[3] += t->no_payload;
		st->ts[4] += t->already_scrambled;
		st->ts[5] += t->reserved_sc;
		changed = t->scrambled || t->descrambled;
		/* The payload changed under the UDP checksum. An IPv4 sender
		 * that sent none keeps none; IPv6 always gets one. */
		if (changed && !s->udp_csum_zero)
			mc_udp_csum_update(s->pkt.data, &s->flow);
	}
	if (!mp_io_fix_l2(e->io, s->l2, &s->fr, s->pkt.data[0] >> 4)) {
		count_drop(st, MP_REASON_LINKTYPE);
		return true;
	}
	memcpy(s->pkt.data - s->fr.l2_len, s->l2, s->fr.l2_len);
	h.caplen = h.len = s->fr.l2_len + s->pkt.len;
	if (changed)
		st->transformed++;
	else
		st->passed++;
	return mp_io_write(e->io, &h, s->pkt.data - s->fr.l2_len);
}

static bool flush_burst(struct mp_engine *e)
{
	bool ok = true;
	u32 i;

	if (e->njobs)
		mc_crypto_run(e->c, e->jobs, e->njobs);
	for (i = 0; i < e->nslots; i++)
		ok = finish(e, &e->slots[i]) && ok;
	e->nslots = 0;
	e->njobs = 0;
	e->st->next_seq = e->seq;
	return ok;
}

bool mp_engine_run(struct mp_engine *e)
{
	const struct pcap_pkthdr *hdr;
	const u8 *data;
	int r;

	while ((r = mp_io_next(e->io, &hdr, &data)) == 1) {
		bool alone = e->cfg->dir == MCSEC_DIR_DECRYPT &&
			     mp_format_is_esp(e->cfg->format) &&
			     mc_esp_rx_needs_anchor(&e->sa);
		struct slot *s;

		/* Until a first packet verified, decrypt one at a time. */
		if (alone && !flush_burst(e))
			return false;
		s = &e->slots[e->nslots];

		e->st->read++;
		if (hdr->caplen > MAX_FRAME) {
			/* Nothing IP-sized: keep order and copy it as is. */
			if (!flush_burst(e))
				return false;
			e->st->passed++;
			if (!mp_io_write(e->io, hdr, data))
				return false;
			continue;
		}
		s->hdr = *hdr;
		mp_io_frame(e->io, data, hdr->caplen, &s->fr);
		if (!s->fr.is_ip || s->fr.l2_len > L2_MAX) {
			s->fr.l2_len = 0;
			s->verdict = V_PASS;
			memcpy(s->buf + HEAD, data, hdr->caplen);
			s->njobs = 0;
		} else {
			memcpy(s->buf + HEAD - s->fr.l2_len, data, hdr->caplen);
			memcpy(s->l2, data, s->fr.l2_len);
			prepare(e, s);
		}
		if ((++e->nslots == BURST || alone) && !flush_burst(e))
			return false;
	}
	if (!flush_burst(e))
		return false;
	return r == 0;
}
