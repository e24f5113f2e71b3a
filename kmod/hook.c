// SPDX-License-Identifier: GPL-2.0
/*
 * Netfilter hooks: where packets meet groups.
 *
 * Per namespace, for IPv4 and IPv6:
 *   PRE_ROUTING at NF_IP_PRI_CONNTRACK - 1: after defragmentation (so ESP
 *     and TS datagrams are whole) and the raw table, before conntrack, so
 *     that conntrack, the filter table and multicast routing see the inner
 *     flow. Decrypt groups verify/strip ESP or descramble TS here, before
 *     multicast routing replicates the packet; encrypt groups protect
 *     traffic entering a head-end router.
 *   LOCAL_OUT at NF_IP_PRI_LAST: after the filter and NAT tables saw the
 *     cleartext the box itself sends; encrypt groups only. Conntrack has
 *     attached the inner flow by then; it is dropped from the skb after
 *     encapsulation, as xfrm does, because what leaves is now ESP.
 * POST_ROUTING is not used yet: per-egress-interface protection would need
 * one group per interface for a flow that multicast routing replicates,
 * which nobody asked for so far.
 *
 * What happens to the skb: the hooks see it with skb->data at the IP
 * header (ip_rcv / ip6_rcv pulled to it on input, the output path builds
 * it there). Matching packets are made private, linear and writable with
 * room for the ESP headers (skb_checksum_help() first for CHECKSUM_PARTIAL,
 * then skb_linearize() and pskb_expand_head(), which also unclones), then
 * the core rewrites the buffer in place and reports the new bounds, which
 * become skb_push/pull/put/trim. The network header is reset to the new
 * start, the transport header follows it, and ip_summed becomes
 * CHECKSUM_NONE: whatever the device said about the old bytes is void.
 * A decrypted tunnel packet keeps its addresses (RFC 5374 address
 * preservation), so at PRE_ROUTING it simply continues as the inner packet:
 * ip_rcv_finish()/ip6_rcv_finish() route on the header now at skb->data and
 * parse IPv4 options from there. GSO packets a group claims are segmented
 * at LOCAL_OUT and each segment sent on through okfn; at PRE_ROUTING (GRO)
 * they are refused and counted, since the hooks after ours could not be
 * replayed for them. GSO packets of other flows pass whole.
 *
 * Fragments: the hooks enable nf_defrag for the namespace, as conntrack
 * does, so that both hooks see whole datagrams (defrag runs at -400 on
 * PRE_ROUTING and LOCAL_OUT). A fragment that still reaches us (defrag
 * failed to reassemble it) toward the address of an encrypt group is
 * dropped: it would otherwise leave in clear.
 *
 * Drops are counted per reason (the core's reasons are counter numbers);
 * debugging output is net_dbg_ratelimited() only.
 */
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/skbuff.h>
#include <linux/udp.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/netfilter/ipv4/nf_defrag_ipv4.h>
#include <net/netfilter/ipv6/nf_defrag_ipv6.h>
#include <net/netfilter/nf_conntrack.h>

#include "crypto.h"
#include "group.h"
#include "mcsec.h"
#include "pkt.h"

/* What the pre-filter learnt from the headers. */
struct mcsec_pkt_info {
	u16 family;
	bool frag;		/* a fragment: no port to read */
	u8 proto;		/* IPPROTO_UDP or IPPROTO_ESP */
	u16 dport;
	u32 spi;
	int ifindex;		/* input interface, 0 on output */
	union mcsec_addr saddr, daddr;
};

/* One packet's trip through a group. */
struct mcsec_ctx {
	struct mcsec_net *mn;
	struct mcsec_group *g;
	struct mcsec_sa *sa;
	struct mcsec_scratch *s;
	bool in;		/* PRE_ROUTING */
};

static void mcsec_count(struct mcsec_ctx *c, unsigned int idx, u64 n)
{
	mcsec_stats_add(c->mn->stats, idx, n);
	if (c->g)
		mcsec_stats_add(c->g->stats, idx, n);
	if (c->sa)
		mcsec_stats_add(c->sa->stats, idx, n);
}

static bool mcsec_l4(struct sk_buff *skb, unsigned int off,
		     struct mcsec_pkt_info *pi)
{
	struct udphdr _uh;
	const struct udphdr *uh;
	__be32 _spi;
	const __be32 *spi;

	if (pi->proto == IPPROTO_UDP) {
		uh = skb_header_pointer(skb, off, sizeof(_uh), &_uh);
		if (!uh)
			return false;
		pi->dport = ntohs(uh->dest);
		return true;
	}
	spi = skb_header_pointer(skb, off, sizeof(_spi), &_spi);
	if (!spi)
		return false;
	pi->spi = ntohl(*spi);
	return true;
}

/* The pre-filter: multicast, UDP or ESP, whole (no fragment). */
static bool mcsec_classify(struct sk_buff *skb, u8 pf,
			   struct mcsec_pkt_info *pi)
{
	if (pf == NFPROTO_IPV4) {
		const struct iphdr *iph = ip_hdr(skb);

		if (!ipv4_is_multicast(iph->daddr) ||
		    (iph->protocol != IPPROTO_UDP &&
		     iph->protocol != IPPROTO_ESP))
			return false;
		pi->family = AF_INET;
		pi->proto = iph->protocol;
		pi->saddr.v4 = iph->saddr;
		pi->daddr.v4 = iph->daddr;
		pi->frag = ip_is_fragment(iph);
		return pi->frag || mcsec_l4(skb, ip_hdrlen(skb), pi);
	} else {
		const struct ipv6hdr *ip6h = ipv6_hdr(skb);

		if (!ipv6_addr_is_multicast(&ip6h->daddr) ||
		    (ip6h->nexthdr != IPPROTO_UDP &&
		     ip6h->nexthdr != IPPROTO_ESP &&
		     ip6h->nexthdr != NEXTHDR_FRAGMENT))
			return false;
		pi->family = AF_INET6;
		pi->proto = ip6h->nexthdr;
		pi->saddr.v6 = ip6h->saddr;
		pi->daddr.v6 = ip6h->daddr;
		pi->frag = ip6h->nexthdr == NEXTHDR_FRAGMENT;
		return pi->frag || mcsec_l4(skb, sizeof(*ip6h), pi);
	}
}

/*
 * A private, linear, writable skb with head and tail bytes of room. The
 * checksum goes first: skb_checksum_help() needs the layout the stack
 * built, and afterwards the payload may change freely.
 */
static int mcsec_skb_prepare(struct sk_buff *skb, unsigned int head,
			     unsigned int tail)
{
	int nhead, ntail;

	if (skb->ip_summed == CHECKSUM_PARTIAL && skb_checksum_help(skb))
		return -ENOMEM;
	if (skb_linearize(skb))
		return -ENOMEM;
	nhead = max_t(int, (int)head - (int)skb_headroom(skb), 0);
	ntail = max_t(int, (int)tail - (int)skb_tailroom(skb), 0);
	if (skb_cloned(skb) || nhead || ntail)
		return pskb_expand_head(skb, nhead, ntail, GFP_ATOMIC);
	return 0;
}

static void mcsec_pkt_of(struct sk_buff *skb, struct mc_pkt *pkt)
{
	pkt->data = skb->data;
	pkt->len = skb->len;
	pkt->headroom = skb_headroom(skb);
	pkt->tailroom = skb_tailroom(skb);
}

/* The skb takes the bounds the core left in pkt; headers follow. */
static void mcsec_skb_sync(struct sk_buff *skb, const struct mc_pkt *pkt)
{
	if (pkt->data < skb->data)
		skb_push(skb, skb->data - pkt->data);
	else
		skb_pull(skb, pkt->data - skb->data);
	if (pkt->len > skb->len)
		skb_put(skb, pkt->len - skb->len);
	else
		skb_trim(skb, pkt->len);
	skb_reset_network_header(skb);
	skb_set_transport_header(skb, (pkt->data[0] >> 4) == 4 ?
				 (pkt->data[0] & 0xf) * 4 :
				 (int)sizeof(struct ipv6hdr));
	skb->ip_summed = CHECKSUM_NONE;
	skb->encapsulation = 0;
}

static int mcsec_esp_encrypt(struct mcsec_ctx *c, struct sk_buff *skb)
{
	struct mc_job *job = &c->s->jobs[0];
	u32 len = skb->len;
	struct mc_pkt pkt;
	u64 seq;
	int err;

	c->sa = mcsec_group_tx_sa(c->g);
	if (!c->sa || !mcsec_sa_usable(c->sa) || !mcsec_sa_account(c->sa, len))
		return MCSEC_STAT_A_OUT_PKTS_NO_SA;
	seq = mcsec_sa_next_seq(c->sa);
	if (!seq)
		return MCSEC_STAT_A_OUT_PKTS_SEQ_EXHAUSTED;
	if (mcsec_skb_prepare(skb, MC_ESP_MAX_HEADROOM, MC_ESP_MAX_TAILROOM))
		return MCSEC_STAT_A_OUT_PKTS_TOO_BIG;
	mcsec_pkt_of(skb, &pkt);
	err = mc_esp_encap(&c->sa->esp, seq, &pkt, job);
	if (err)
		return err;
	mcsec_crypto_run(c->s, job, 1);
	if (job->status != MC_JOB_OK)
		return MCSEC_STAT_A_OUT_PKTS_UNSUPPORTED;
	mcsec_skb_sync(skb, &pkt);
	/* What leaves is ESP now, not the flow conntrack attached. */
	nf_reset_ct(skb);
	mcsec_count(c, MCSEC_STAT_A_OUT_PKTS_PROTECTED, 1);
	mcsec_count(c, MCSEC_STAT_A_OUT_OCTETS_PROTECTED, len);
	return 0;
}

static int mcsec_esp_decrypt(struct mcsec_ctx *c, struct sk_buff *skb,
			     u16 family)
{
	struct mc_job *job = &c->s->jobs[0];
	struct mc_esp_rx rx;
	struct mc_pkt pkt;
	int err;

	if (!mcsec_sa_usable(c->sa) || !mcsec_sa_account(c->sa, skb->len))
		return MCSEC_STAT_A_IN_PKTS_NO_SA;
	if (mcsec_skb_prepare(skb, 0, 0))
		return MCSEC_STAT_A_IN_PKTS_MALFORMED;
	mcsec_pkt_of(skb, &pkt);
	err = mc_esp_decap_prepare(&c->sa->esp, &pkt, job, &rx);
	if (err)
		return err;
	mcsec_crypto_run(c->s, job, 1);
	spin_lock(&c->sa->lock);
	err = mc_esp_decap_finish(&c->sa->esp, &pkt, job, &rx);
	spin_unlock(&c->sa->lock);
	if (err)
		return err;
	/* The inner packet continues in this family's stack: same version. */
	if ((pkt.data[0] >> 4) != (family == AF_INET ? 4 : 6))
		return MCSEC_STAT_A_IN_PKTS_BAD_NEXT_HEADER;
	mcsec_skb_sync(skb, &pkt);
	mcsec_count(c, MCSEC_STAT_A_IN_PKTS_OK, 1);
	mcsec_count(c, MCSEC_STAT_A_IN_OCTETS_OK, pkt.len);
	return 0;
}

/*
 * A UDP checksum that arrived is checked before the payload changes: the
 * one recomputed afterwards would otherwise bless corruption in transit.
 */
static bool mcsec_udp_csum_ok(const u8 *p, const struct mc_flow *f)
{
	const u8 *uh = p + f->payload_off - sizeof(struct udphdr);
	u32 ulen = f->payload_len + sizeof(struct udphdr);
	u32 alen = f->family == MC_AF_INET ? 4 : 16;
	u32 sum;

	if (f->family == MC_AF_INET && !mc_get_be16(uh + 6))
		return true;
	sum = mc_csum_add(MC_IPPROTO_UDP + ulen, f->saddr, alen);
	sum = mc_csum_add(sum, f->daddr, alen);
	return mc_csum_fold(mc_csum_add(sum, uh, ulen)) == 0;
}

static void mcsec_ts_count(struct mcsec_ctx *c, const struct mc_ts_tally *t)
{
	mcsec_count(c, MCSEC_STAT_A_TS_PKTS_SCRAMBLED, t->scrambled);
	mcsec_count(c, MCSEC_STAT_A_TS_PKTS_DESCRAMBLED, t->descrambled);
	mcsec_count(c, MCSEC_STAT_A_TS_PKTS_CLEAR, t->clear);
	mcsec_count(c, MCSEC_STAT_A_TS_PKTS_NO_PAYLOAD, t->no_payload);
	mcsec_count(c, MCSEC_STAT_A_TS_PKTS_ALREADY_SCRAMBLED,
		    t->already_scrambled);
	mcsec_count(c, MCSEC_STAT_A_TS_PKTS_RESERVED_SC, t->reserved_sc);
}

static const void *mcsec_ts_key(struct mcsec_group *g, u8 parity)
{
	struct mcsec_sa *sa = rcu_dereference(g->sa[parity - 1]);

	return sa && mcsec_sa_usable(sa) ? sa->key : NULL;
}

/*
 * Descrambling counts against the lifetimes of the control words it used,
 * as scrambling does: one datagram and its TS bytes against each parity
 * that at least one of its TS packets needed. False when a word reached a
 * hard limit with this datagram's predecessor (it must not be used). The
 * SA's own counters get the datagram when it used one word only.
 */
static bool mcsec_ts_account(struct mcsec_ctx *c, const void *const keys[2],
			     const struct mc_job *jobs, u32 n, u32 len)
{
	bool used[2] = { false, false };
	struct mcsec_sa *sa;
	u32 i, p;

	for (i = 0; i < n; i++)
		for (p = 0; p < 2; p++)
			used[p] |= keys[p] && jobs[i].key == keys[p];
	for (p = 0; p < 2; p++) {
		if (!used[p])
			continue;
		sa = rcu_dereference(c->g->sa[p]);
		if (!sa || !mcsec_sa_account(sa, len))
			return false;
		c->sa = used[!p] ? NULL : sa;
	}
	return true;
}

/* Scramble or descramble the TS packets of a UDP datagram in place. */
static int mcsec_ts(struct mcsec_ctx *c, struct sk_buff *skb)
{
	bool enc = c->g->m.dir == MCSEC_DIR_ENCRYPT;
	const void *keys[2];
	struct mc_ts_tally t;
	struct mc_flow f;
	u32 n, i;
	u8 *p;
	int err;

	if (mcsec_skb_prepare(skb, 0, 0))
		return MCSEC_STAT_A_IN_PKTS_MALFORMED;
	err = mc_flow_parse(skb->data, skb->len, &f);
	if (err)
		return err;
	if (c->in && !mcsec_udp_csum_ok(skb->data, &f))
		return MCSEC_STAT_A_IN_PKTS_MALFORMED;
	p = skb->data + f.payload_off;
	if (enc) {
		u8 parity = READ_ONCE(c->g->tx_parity);

		c->sa = mcsec_group_tx_sa(c->g);
		if (!c->sa || !mcsec_sa_usable(c->sa) ||
		    !mcsec_sa_account(c->sa, f.payload_len))
			return MCSEC_STAT_A_OUT_PKTS_NO_SA;
		err = mc_ts_scramble(&c->g->ts, p, f.payload_len, parity,
				     c->sa->key, c->s->jobs, &n, &t);
	} else {
		keys[0] = mcsec_ts_key(c->g, MCSEC_PARITY_EVEN);
		keys[1] = mcsec_ts_key(c->g, MCSEC_PARITY_ODD);
		err = mc_ts_descramble(&c->g->ts, p, f.payload_len, keys,
				       c->s->jobs, &n, &t);
		if (!err && !t.descrambled &&
		    (READ_ONCE(c->g->flags) & MCSEC_GROUP_F_REQUIRED))
			err = MCSEC_STAT_A_IN_PKTS_CLEARTEXT;
		if (!err && !mcsec_ts_account(c, keys, c->s->jobs, n,
					      f.payload_len))
			err = MCSEC_STAT_A_IN_PKTS_NO_SA;
	}
	if (err)
		return err;
	mcsec_crypto_run(c->s, c->s->jobs, n);
	for (i = 0; i < n; i++)
		if (c->s->jobs[i].status != MC_JOB_OK)
			return enc ? MCSEC_STAT_A_OUT_PKTS_UNSUPPORTED :
				     MCSEC_STAT_A_IN_PKTS_MALFORMED;
	mc_udp_csum_update(skb->data, &f);
	skb->ip_summed = CHECKSUM_NONE;
	mcsec_ts_count(c, &t);
	mcsec_count(c, enc ? MCSEC_STAT_A_OUT_PKTS_PROTECTED :
		    MCSEC_STAT_A_IN_PKTS_OK, 1);
	mcsec_count(c, enc ? MCSEC_STAT_A_OUT_OCTETS_PROTECTED :
		    MCSEC_STAT_A_IN_OCTETS_OK, f.payload_len);
	return 0;
}

/* A UDP packet of the group: what its direction and format ask. */
static int mcsec_udp(struct mcsec_ctx *c, struct sk_buff *skb)
{
	struct mcsec_group *g = c->g;

	if (mcsec_format_is_ts(g->format))
		return mcsec_ts(c, skb);
	if (g->m.dir == MCSEC_DIR_ENCRYPT)
		return mcsec_esp_encrypt(c, skb);
	/* Cleartext for an ESP decrypt group. */
	if (READ_ONCE(g->flags) & MCSEC_GROUP_F_REQUIRED)
		return MCSEC_STAT_A_IN_PKTS_CLEARTEXT;
	return 0;
}

static unsigned int mcsec_verdict(struct mcsec_ctx *c, int reason)
{
	if (!reason)
		return NF_ACCEPT;
	mcsec_count(c, reason, 1);
	net_dbg_ratelimited("mcsec: group %u: drop, reason %d\n",
			    c->g ? c->g->id : 0, reason);
	return NF_DROP;
}

/* ESP at PRE_ROUTING: the SA by (SPI, group), else the group without it. */
static int mcsec_esp_in(struct mcsec_ctx *c, struct sk_buff *skb,
			const struct mcsec_pkt_info *pi)
{
	c->sa = mcsec_lookup_esp(c->mn, pi->family, &pi->daddr, &pi->saddr,
				 pi->ifindex, pi->spi, &c->g);
	if (c->sa)
		return mcsec_esp_decrypt(c, skb, pi->family);
	/* No group: not ours (Linux xfrm's, maybe), pass it on. */
	return c->g ? MCSEC_STAT_A_IN_PKTS_NO_SA : -1;
}

static struct mcsec_group *mcsec_find(struct mcsec_ctx *c,
				      const struct mcsec_pkt_info *pi)
{
	struct mcsec_group *g = NULL;

	if (c->in)
		g = mcsec_lookup(c->mn, pi->family, &pi->daddr, &pi->saddr,
				 pi->dport, pi->ifindex, MCSEC_DIR_DECRYPT,
				 false);
	if (!g)
		g = mcsec_lookup(c->mn, pi->family, &pi->daddr, &pi->saddr,
				 pi->dport, pi->ifindex, MCSEC_DIR_ENCRYPT,
				 false);
	return g;
}

/* A fragment has no port: any encrypt group of its address claims it. */
static int mcsec_frag(struct mcsec_ctx *c, const struct mcsec_pkt_info *pi)
{
	c->g = mcsec_lookup(c->mn, pi->family, &pi->daddr, &pi->saddr, 0,
			    pi->ifindex, MCSEC_DIR_ENCRYPT, true);
	return c->g ? MCSEC_STAT_A_OUT_PKTS_TOO_BIG : -1;
}

/* One non-GSO packet, bottom halves disabled. -1: no group matched. */
static int mcsec_one(struct mcsec_ctx *c, struct sk_buff *skb,
		     const struct mcsec_pkt_info *pi)
{
	if (pi->frag)
		return mcsec_frag(c, pi);
	if (pi->proto == IPPROTO_ESP)
		return c->in ? mcsec_esp_in(c, skb, pi) : -1;
	c->g = mcsec_find(c, pi);
	if (!c->g)
		return -1;
	return mcsec_udp(c, skb);
}

static unsigned int mcsec_run(struct mcsec_ctx *c, struct sk_buff *skb,
			      const struct mcsec_pkt_info *pi)
{
	unsigned int verdict;
	int reason;

	local_bh_disable();
	c->s = mcsec_scratch_get();
	reason = mcsec_one(c, skb, pi);
	if (reason < 0) {
		mcsec_count(c, MCSEC_STAT_A_PKTS_UNMATCHED, 1);
		verdict = NF_ACCEPT;
	} else {
		verdict = mcsec_verdict(c, reason);
	}
	local_bh_enable();
	return verdict;
}

/*
 * GSO at LOCAL_OUT: segments are protected one by one and handed to
 * okfn (dst_output), which is where the original would have gone next;
 * we are the last hook of LOCAL_OUT, so no other hook is skipped.
 */
static unsigned int mcsec_gso_out(struct mcsec_ctx *c, struct sk_buff *skb,
				  const struct mcsec_pkt_info *pi,
				  const struct nf_hook_state *state)
{
	struct sk_buff *segs, *seg, *next;

	segs = skb_gso_segment(skb, 0);
	if (IS_ERR_OR_NULL(segs)) {
		local_bh_disable();
		mcsec_count(c, MCSEC_STAT_A_OUT_PKTS_UNSUPPORTED, 1);
		local_bh_enable();
		return NF_DROP;
	}
	consume_skb(skb);
	skb_list_walk_safe(segs, seg, next) {
		skb_mark_not_on_list(seg);
		c->g = NULL;
		c->sa = NULL;
		if (mcsec_run(c, seg, pi) == NF_ACCEPT)
			state->okfn(state->net, state->sk, seg);
		else
			kfree_skb(seg);
	}
	return NF_STOLEN;
}

/* Would a group take this (GSO) packet? Lookups only, nothing counted. */
static bool mcsec_claimed(struct mcsec_ctx *c, const struct mcsec_pkt_info *pi)
{
	struct mcsec_group *g;

	if (pi->proto == IPPROTO_ESP)
		return c->in &&
		       (mcsec_lookup_esp(c->mn, pi->family, &pi->daddr,
					 &pi->saddr, pi->ifindex, pi->spi, &g) ||
			g);
	return mcsec_find(c, pi);
}

/*
 * GSO packets: only those a group claims are touched. At LOCAL_OUT they
 * are segmented; at PRE_ROUTING (GRO) they are refused and counted, since
 * the hooks after ours could not be replayed per segment. Other flows
 * pass whole, as every unmatched packet does.
 */
static unsigned int mcsec_gso(struct mcsec_ctx *c, struct sk_buff *skb,
			      const struct mcsec_pkt_info *pi,
			      const struct nf_hook_state *state)
{
	bool claimed = mcsec_claimed(c, pi);

	if (claimed && !c->in)
		return mcsec_gso_out(c, skb, pi, state);
	local_bh_disable();
	mcsec_count(c, claimed ? MCSEC_STAT_A_OUT_PKTS_UNSUPPORTED :
		    MCSEC_STAT_A_PKTS_UNMATCHED, 1);
	local_bh_enable();
	return claimed ? NF_DROP : NF_ACCEPT;
}

static unsigned int mcsec_hook(struct sk_buff *skb,
			       const struct nf_hook_state *state, bool in)
{
	struct mcsec_ctx c = { .mn = mcsec_pernet(state->net), .in = in };
	struct mcsec_pkt_info pi = {};

	/* Namespaces without groups pay one load. */
	if (!READ_ONCE(c.mn->n_groups) || !mcsec_classify(skb, state->pf, &pi))
		return NF_ACCEPT;
	pi.ifindex = in && state->in ? state->in->ifindex : 0;
	if (skb_is_gso(skb))
		return mcsec_gso(&c, skb, &pi, state);
	return mcsec_run(&c, skb, &pi);
}

static unsigned int mcsec_hook_in(void *priv, struct sk_buff *skb,
				  const struct nf_hook_state *state)
{
	return mcsec_hook(skb, state, true);
}

static unsigned int mcsec_hook_out(void *priv, struct sk_buff *skb,
				   const struct nf_hook_state *state)
{
	return mcsec_hook(skb, state, false);
}

static const struct nf_hook_ops mcsec_nf_ops[] = {
	{
		.hook = mcsec_hook_in,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = NF_IP_PRI_CONNTRACK - 1,
	}, {
		.hook = mcsec_hook_out,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_LOCAL_OUT,
		.priority = NF_IP_PRI_LAST,
	}, {
		.hook = mcsec_hook_in,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = NF_IP6_PRI_CONNTRACK - 1,
	}, {
		.hook = mcsec_hook_out,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_LOCAL_OUT,
		.priority = NF_IP6_PRI_LAST,
	},
};

int mcsec_hooks_register(struct net *net)
{
	int err;

	err = nf_defrag_ipv4_enable(net);
	if (err)
		goto err_v4;
	err = nf_defrag_ipv6_enable(net);
	if (err)
		goto err_v6;
	err = nf_register_net_hooks(net, mcsec_nf_ops,
				    ARRAY_SIZE(mcsec_nf_ops));
	if (err)
		goto err_hooks;
	return 0;

err_hooks:
	nf_defrag_ipv6_disable(net);
err_v6:
	nf_defrag_ipv4_disable(net);
err_v4:
	return err;
}

void mcsec_hooks_unregister(struct net *net)
{
	nf_unregister_net_hooks(net, mcsec_nf_ops, ARRAY_SIZE(mcsec_nf_ops));
	nf_defrag_ipv6_disable(net);
	nf_defrag_ipv4_disable(net);
}
