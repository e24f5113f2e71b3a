// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Classification of a burst: Ethernet (up to two VLAN tags), the core's IP
 * parse, then bulk lookups of the group hash, exact UDP port first and the
 * group's "any port" (port 0) entry for the misses, once per direction the
 * port's role applies. A packet that is the group's gets its SA (ESP) and
 * the core's view of its mbuf: one contiguous segment from the IP header,
 * Ethernet padding trimmed, the mbuf's headroom and tailroom as room to grow
 * (the Ethernet header is saved and written back in front of the result).
 *
 * Fail closed: multicast UDP or ESP that the IP parser refuses (truncated,
 * malformed, IPv4 fragments, IPv6 extension headers) is dropped and counted
 * under the parser's reason, since it may be a group's; anything else that
 * matches no group is counted as unmatched and forwarded or dropped as
 * configured (--unmatched).
 */
#include <string.h>

#include <rte_ether.h>
#include <rte_hash.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "mcsec-dpdk.h"

/* Packets whose headers are fetched ahead of the one being parsed. */
#define MCD_PREFETCH	4

#define ETH_P_IPV4	0x0800
#define ETH_P_IPV6	0x86dd
#define ETH_P_8021Q	0x8100
#define ETH_P_8021AD	0x88a8

/* Bytes before the IP header, 0 when the frame is not IP over Ethernet. */
static u32 l2_parse(const u8 *p, u32 len)
{
	u32 off = 12;
	u16 type;

	for (int tags = 0; tags <= 2; tags++) {
		if (len < off + 2)
			return 0;
		type = mc_get_be16(p + off);
		if (type == ETH_P_IPV4 || type == ETH_P_IPV6)
			return off + 2;
		if (type != ETH_P_8021Q && type != ETH_P_8021AD)
			return 0;
		off += 4;
	}
	return 0;
}

static bool is_multicast(const u8 *ip)
{
	return ip[0] >> 4 == 4 ? (ip[16] & 0xf0) == 0xe0 : ip[24] == 0xff;
}

/*
 * After a parse error: could this be a group's packet? UDP or ESP to a
 * multicast address, behind IPv6 hop-by-hop, routing and destination
 * options headers too (the core refuses those; MLD and the like pass).
 */
static bool maybe_ours(const u8 *ip, u32 len)
{
	u32 off = 40;
	u8 proto;

	if (len >= 20 && ip[0] >> 4 == 4) {
		proto = ip[9];
	} else if (len >= 40 && ip[0] >> 4 == 6) {
		proto = ip[6];
		for (int hops = 0; hops < 8 && (proto == 0 || proto == 43 ||
						proto == 60); hops++) {
			if (len < off + 2)
				return false;
			proto = ip[off];
			off += (ip[off + 1] + 1u) * 8;
		}
	} else {
		return false;
	}
	return is_multicast(ip) && (proto == MC_IPPROTO_UDP ||
				    proto == MC_IPPROTO_ESP);
}

static void unmatched(struct mcd_lcore *lc, struct mcd_slot *s)
{
	mcd_count(lc->stats, 0, MCSEC_STAT_A_PKTS_UNMATCHED, 1);
	s->verdict = mcd_unmatched_drop ? MCD_V_DROP : MCD_V_FORWARD;
}

/* Ethernet and IP of one packet; verdict WORK means "look it up". */
static void parse_one(struct mcd_lcore *lc, struct mcd_slot *s)
{
	struct rte_mbuf *m = s->m;
	u8 *p;
	u32 l2, len;
	int r;

	s->g = NULL;
	s->sa = NULL;
	s->njobs = 0;
	s->reason = 0;
	if (unlikely(m->nb_segs > 1) && rte_pktmbuf_linearize(m)) {
		/* Larger than one mbuf: the core needs it contiguous. */
		mcd_slot_drop(lc, s, MCSEC_STAT_A_OUT_PKTS_UNSUPPORTED);
		return;
	}
	p = rte_pktmbuf_mtod(m, u8 *);
	len = m->data_len;
	l2 = l2_parse(p, len);
	if (!l2) {
		unmatched(lc, s);
		return;
	}
	s->l2_len = (u8)l2;
	r = mc_flow_parse(p + l2, len - l2, &s->flow);
	if (unlikely(r)) {
		if (maybe_ours(p + l2, len - l2))
			mcd_slot_drop(lc, s, r);
		else
			unmatched(lc, s);
		return;
	}
	s->verdict = MCD_V_WORK;
}

/*
 * The group of a chain (groups that differ only by source, sa.c) that
 * takes this packet: the first whose source matches, source-specific ones
 * being first. NULL when none does. claim: the chain of required ESP
 * decrypt groups' cleartext claims.
 */
static struct mcd_group *by_source(struct mcd_group *g, const struct mc_flow *f,
				   bool claim)
{
	u32 alen = f->family == MC_AF_INET ? 4 : 16;

	for (; g; g = __atomic_load_n(claim ? &g->claim_next : &g->next,
				      __ATOMIC_ACQUIRE))
		if (!g->have_saddr || !memcmp(f->saddr, g->saddr, alen))
			return g;
	return NULL;
}

/*
 * One bulk lookup over the slots still unresolved. wildcard: look up the
 * group's port-0 entry (UDP only; ESP keys have port 0 already). mcsec.ko's
 * rule decides between the two: source before port, so a packet that the
 * exact port gave to a group for any source is looked up again, and a
 * source-specific group of the same direction for any port takes it.
 *
 * A burst mostly holds runs of one flow (a NIC's RSS queue, an encoder's
 * datagrams back to back): a packet whose key equals the previous distinct
 * key shares its lookup, so such a burst costs one hash probe, not 32. The
 * cache lives for this burst only: its group pointers come from this
 * burst's lookup, so they are as safe as the hash's own answers until the
 * worker's next quiescent state (docs: "Changes under traffic").
 */
static void lookup_pass(struct mcd_slot **cand, u32 n, u8 dir, bool wildcard)
{
	struct mcd_gkey keys[MCD_BURST];
	const void *kp[MCD_BURST];
	void *data[MCD_BURST];
	struct mcd_slot *who[MCD_BURST];
	u8 which[MCD_BURST];
	u64 hits = 0;
	u32 k = 0, u = 0;

	for (u32 i = 0; i < n; i++) {
		struct mcd_slot *s = cand[i];
		const struct mc_flow *f = &s->flow;
		u16 port = f->proto == MC_IPPROTO_UDP ? f->dport : 0;

		if ((s->g && (!wildcard || s->g->have_saddr || s->g->dir != dir ||
			      !__atomic_load_n(&mcd_tab.src_anyport,
					       __ATOMIC_RELAXED))) ||
		    (wildcard && !port))
			continue;
		if (f->proto != MC_IPPROTO_UDP && f->proto != MC_IPPROTO_ESP)
			continue;
		mcd_gkey_fill(&keys[u], (u8)f->family, f->daddr, f->proto, dir,
			      wildcard ? 0 : port);
		if (!u || !mcd_gkey_eq(&keys[u], &keys[u - 1])) {
			kp[u] = &keys[u];
			u++;
		}
		which[k] = (u8)(u - 1);
		who[k++] = s;
	}
	if (!u)
		return;
	if (u == 1) {
		if (rte_hash_lookup_data(mcd_tab.hash, kp[0], &data[0]) < 0)
			return;
		hits = 1;
	} else if (rte_hash_lookup_bulk_data(mcd_tab.hash, kp, u, &hits,
					     data) <= 0) {
		return;
	}
	for (u32 i = 0; i < k; i++) {
		struct mcd_group *g = data[which[i]];

		if (!(hits & (1ULL << which[i])))
			continue;
		/* UDP finding an ESP decrypt group found its cleartext
		 * claim. */
		if (g->chained)
			g = by_source(g, &who[i]->flow,
				      who[i]->flow.proto == MC_IPPROTO_UDP &&
				      mcd_format_is_esp(g->format) &&
				      g->dir == MCSEC_DIR_DECRYPT);
		if (g && (!who[i]->g || g->have_saddr))
			who[i]->g = g;
	}
}

/*
 * An ESP packet's SA: the decrypt groups of its address are one chain
 * (sa.c), g the first whose source matches; the SPI names the SA among
 * those whose source matches, and its group takes the packet, as in
 * mcsec.ko (mcsec_lookup_esp). None: s->g stays g, for in-pkts-no-sa.
 */
static struct mcd_sa *esp_sa(struct mcd_slot *s, struct mcd_group *g)
{
	struct mcd_sa *sa = mcd_sa_by_spi(g, s->flow.spi);

	while (!sa && g->chained &&
	       (g = by_source(__atomic_load_n(&g->next, __ATOMIC_ACQUIRE),
			      &s->flow, false))) {
		sa = mcd_sa_by_spi(g, s->flow.spi);
		if (sa)
			s->g = g;
	}
	return sa;
}

/* The group matched; find the SA and make the packet the core's. */
static void resolve(struct mcd_lcore *lc, struct mcd_slot *s)
{
	struct mcd_group *g = s->g;
	struct rte_mbuf *m = s->m;
	u32 frame;

	if (g->have_saddr &&
	    memcmp(s->flow.saddr, g->saddr, g->family == MC_AF_INET ? 4 : 16)) {
		s->g = NULL;
		unmatched(lc, s);
		return;
	}
	if (g->format <= MCSEC_FORMAT_ESP_TRANSPORT) {
		if (g->dir == MCSEC_DIR_ENCRYPT) {
			s->sa = __atomic_load_n(&g->tx_sa, __ATOMIC_ACQUIRE);
			if (!s->sa) {
				mcd_slot_drop(lc, s, MCSEC_STAT_A_OUT_PKTS_NO_SA);
				return;
			}
		} else if (s->flow.proto == MC_IPPROTO_UDP) {
			/* A required group's address and port in clear. */
			mcd_slot_drop(lc, s, MCSEC_STAT_A_IN_PKTS_CLEARTEXT);
			return;
		} else {
			s->sa = esp_sa(s, g);
			if (!s->sa) {
				mcd_slot_drop(lc, s, MCSEC_STAT_A_IN_PKTS_NO_SA);
				return;
			}
		}
	}
	frame = s->l2_len + s->flow.ip_len;
	if (m->pkt_len > frame)
		rte_pktmbuf_trim(m, (u16)(m->pkt_len - frame));
	/* All of s->l2, a fixed-size copy (an IP header follows, >= 20 bytes). */
	memcpy(s->l2, rte_pktmbuf_mtod(m, u8 *), MCD_L2_MAX);
	s->pkt.data = rte_pktmbuf_mtod(m, u8 *) + s->l2_len;
	s->pkt.len = s->flow.ip_len;
	s->pkt.headroom = rte_pktmbuf_headroom(m);
	s->pkt.tailroom = rte_pktmbuf_tailroom(m);
	s->in_len = s->flow.ip_len;
	s->udp_csum_zero = s->flow.family == MC_AF_INET &&
			   s->flow.proto == MC_IPPROTO_UDP &&
			   mc_get_be16(s->pkt.data + s->flow.payload_off - 2) == 0;
}

void mcd_classify(struct mcd_lcore *lc, struct mcd_slot *s, u32 n, u8 role)
{
	struct mcd_slot *cand[MCD_BURST];
	u32 nc = 0;

	/*
	 * The headers of packet i + MCD_PREFETCH are fetched while packet i is
	 * parsed: its mbuf (fetched by mcd_burst) says where they are, and
	 * by the time the parser gets there they are in L1, not in L2 or the
	 * LLC where a NIC put them.
	 */
	for (u32 i = 0; i < n && i < MCD_PREFETCH; i++)
		rte_prefetch0(rte_pktmbuf_mtod(s[i].m, void *));
	for (u32 i = 0; i < n; i++) {
		if (i + MCD_PREFETCH < n)
			rte_prefetch0(rte_pktmbuf_mtod(s[i + MCD_PREFETCH].m, void *));
		parse_one(lc, &s[i]);
		if (s[i].verdict == MCD_V_WORK)
			cand[nc++] = &s[i];
	}
	if (!nc)
		return;
	for (u8 dir = MCSEC_DIR_ENCRYPT; dir <= MCSEC_DIR_DECRYPT; dir++) {
		if (!(role & (dir == MCSEC_DIR_ENCRYPT ? MCD_ROLE_ENCRYPT :
						       MCD_ROLE_DECRYPT)))
			continue;
		lookup_pass(cand, nc, dir, false);
		lookup_pass(cand, nc, dir, true);
	}
	for (u32 i = 0; i < nc; i++) {
		if (!cand[i]->g)
			unmatched(lc, cand[i]);
		else
			resolve(lc, cand[i]);
	}
}

void mcd_mbuf_sync(struct mcd_slot *s)
{
	struct rte_mbuf *m = s->m;
	u8 *frame = s->pkt.data - s->l2_len;
	u32 want = s->l2_len + s->pkt.len;

	/* Untagged Ethernet as a fixed-size copy, not a memcpy call. */
	if (likely(s->l2_len == RTE_ETHER_HDR_LEN))
		memcpy(frame, s->l2, RTE_ETHER_HDR_LEN);
	else
		memcpy(frame, s->l2, s->l2_len);
	mc_put_be16(frame + s->l2_len - 2,
		    s->pkt.data[0] >> 4 == 4 ? ETH_P_IPV4 : ETH_P_IPV6);
	/*
	 * The fields themselves, not rte_pktmbuf_prepend/adj/append/trim and
	 * their checks: the mbuf is one segment (classify made it so) and the
	 * core kept the packet inside the headroom and tailroom it was given,
	 * which resolve() measured from this mbuf's buffer.
	 */
	m->data_off = (u16)(frame - (u8 *)m->buf_addr);
	m->data_len = (u16)want;
	m->pkt_len = want;
	m->ol_flags = 0;
	m->packet_type = 0;
}
