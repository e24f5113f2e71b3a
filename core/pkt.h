/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * A packet as the core sees it, and the parse of its IP/UDP/ESP headers.
 *
 * The environment hands the core one contiguous, writable buffer that starts
 * at the IP header (the kernel linearises and unclones the skb first, DPDK
 * uses one segment). Encapsulation grows the packet into the room around it
 * and reports the new bounds; the environment then syncs its own metadata.
 */
#ifndef MCSEC_CORE_PKT_H
#define MCSEC_CORE_PKT_H

#include "compat.h"

struct mc_pkt {
	u8 *data;	/* first byte of the IP header */
	u32 len;	/* bytes from data on */
	u32 headroom;	/* writable bytes before data */
	u32 tailroom;	/* writable bytes after data + len */
};

#define MC_IPPROTO_IPIP	4
#define MC_IPPROTO_UDP	17
#define MC_IPPROTO_IPV6	41
#define MC_IPPROTO_ESP	50

/*
 * What mc_flow_parse() found. Offsets count from pkt->data. Addresses point
 * into the packet (4 or 16 bytes by family).
 */
struct mc_flow {
	u16 family;		/* MC_AF_INET or MC_AF_INET6 */
	u8 proto;		/* upper-layer protocol after the IP header */
	u8 ttl;			/* TTL / hop limit */
	const u8 *saddr;
	const u8 *daddr;
	u32 l3_len;		/* IP header length (no IPv6 extension headers) */
	u32 ip_len;		/* total length the IP header claims */
	u16 sport, dport;	/* UDP only */
	u32 payload_off;	/* UDP payload / ESP header offset */
	u32 payload_len;
	u32 spi;		/* ESP only */
};

/*
 * Parse an IPv4 or IPv6 header and, for UDP and ESP, the next header.
 * Returns 0, or the MCSEC_STAT_A_* reason: IN_PKTS_TRUNCATED when the buffer
 * is shorter than the headers claim, IN_PKTS_MALFORMED for a bad version,
 * header length or fragment, OUT_PKTS_UNSUPPORTED for IPv6 extension
 * headers. Trailing bytes beyond the IP length are allowed (Ethernet pads).
 */
int mc_flow_parse(const u8 *p, u32 len, struct mc_flow *f);

/*
 * RFC 1071 one's-complement sum helpers (for environments without one).
 * mc_csum_add() accumulates (only the last chunk may be odd); mc_csum_fold()
 * folds to 16 bits and complements: the value to store in the header.
 */
u32 mc_csum_add(u32 sum, const u8 *p, u32 len);

/* Inline: three adds, called per packet on every path. */
static inline u16 mc_csum_fold(u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (u16)~sum;
}
/* Recompute the IPv4 header checksum in place. */
void mc_ipv4_csum_update(u8 *iph);
/* Recompute the UDP checksum of a parsed packet in place (IPv4 and IPv6). */
void mc_udp_csum_update(u8 *pkt, const struct mc_flow *f);
/*
 * Its two halves, for an environment with a faster bulk sum: the sum of
 * the pseudo-header and UDP header (from the parse, checksum field as 0),
 * then, given that sum plus the payload's, the checksum stored.
 */
u32 mc_udp_csum_start(const struct mc_flow *f);
void mc_udp_csum_store(u8 *pkt, const struct mc_flow *f, u32 sum);

#endif /* MCSEC_CORE_PKT_H */
