// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * IP/UDP/ESP header parsing and Internet checksums for the shared core.
 *
 * The parser is the gate every packet passes before any other core code
 * touches it, so it is strict: whatever it accepts, the rest of the core may
 * index without further bounds checks up to f->ip_len.
 */
#include "pkt.h"
#include <uapi/linux/mcsec.h>

#define IPV4_HLEN	20
#define IPV6_HLEN	40
#define UDP_HLEN	8
#define IPV4_MF_OFFSET	0x3fff	/* MF flag and fragment offset */

/* IPv6 next headers (RFC 8200 and the IANA list) that are extension headers. */
static bool ipv6_is_ext(u8 nh)
{
	switch (nh) {
	case 0:		/* hop-by-hop options */
	case 43:	/* routing */
	case 51:	/* AH */
	case 60:	/* destination options */
	case 135:	/* mobility */
	case 139:	/* HIP */
	case 140:	/* shim6 */
	case 253:	/* experimental */
	case 254:
		return true;
	default:
		return false;
	}
}

static int parse_ipv4(const u8 *p, u32 len, struct mc_flow *f)
{
	u32 hl, tot;

	if (len < IPV4_HLEN)
		return MCSEC_STAT_A_IN_PKTS_TRUNCATED;
	hl = (p[0] & 0x0fu) * 4;
	tot = mc_get_be16(p + 2);
	if (hl < IPV4_HLEN || tot < hl)
		return MCSEC_STAT_A_IN_PKTS_MALFORMED;
	/* tot >= hl, so this also proves the options are in the buffer. */
	if (tot > len)
		return MCSEC_STAT_A_IN_PKTS_TRUNCATED;
	/* A fragment carries only part of a flow: nothing here can use it. */
	if (mc_get_be16(p + 6) & IPV4_MF_OFFSET)
		return MCSEC_STAT_A_IN_PKTS_MALFORMED;
	f->family = MC_AF_INET;
	f->ttl = p[8];
	f->proto = p[9];
	f->saddr = p + 12;
	f->daddr = p + 16;
	f->l3_len = hl;
	f->ip_len = tot;
	return 0;
}

static int parse_ipv6(const u8 *p, u32 len, struct mc_flow *f)
{
	u32 tot;

	if (len < IPV6_HLEN)
		return MCSEC_STAT_A_IN_PKTS_TRUNCATED;
	tot = IPV6_HLEN + mc_get_be16(p + 4);
	if (tot > len)
		return MCSEC_STAT_A_IN_PKTS_TRUNCATED;
	/*
	 * Fragments are refused as for IPv4; other extension headers could be
	 * walked, but no group traffic carries them, so keep the gate simple.
	 */
	if (p[6] == 44)
		return MCSEC_STAT_A_IN_PKTS_MALFORMED;
	if (ipv6_is_ext(p[6]))
		return MCSEC_STAT_A_OUT_PKTS_UNSUPPORTED;
	f->family = MC_AF_INET6;
	f->proto = p[6];
	f->ttl = p[7];
	f->saddr = p + 8;
	f->daddr = p + 24;
	f->l3_len = IPV6_HLEN;
	f->ip_len = tot;
	return 0;
}

static int parse_udp(const u8 *l4, u32 avail, struct mc_flow *f)
{
	u32 ulen;

	if (avail < UDP_HLEN)
		return MCSEC_STAT_A_IN_PKTS_TRUNCATED;
	ulen = mc_get_be16(l4 + 4);
	if (ulen < UDP_HLEN)
		return MCSEC_STAT_A_IN_PKTS_MALFORMED;
	if (ulen > avail)
		return MCSEC_STAT_A_IN_PKTS_TRUNCATED;
	/*
	 * A shorter UDP length than the IP payload is legal (Linux trims the
	 * rest): the payload is what UDP says.
	 */
	f->sport = mc_get_be16(l4);
	f->dport = mc_get_be16(l4 + 2);
	f->payload_off += UDP_HLEN;
	f->payload_len = ulen - UDP_HLEN;
	return 0;
}

int mc_flow_parse(const u8 *p, u32 len, struct mc_flow *f)
{
	u32 avail;
	int err;

	memset(f, 0, sizeof(*f));
	if (len < 1)
		return MCSEC_STAT_A_IN_PKTS_TRUNCATED;
	switch (p[0] >> 4) {
	case 4:
		err = parse_ipv4(p, len, f);
		break;
	case 6:
		err = parse_ipv6(p, len, f);
		break;
	default:
		err = MCSEC_STAT_A_IN_PKTS_MALFORMED;
	}
	if (err)
		return err;
	avail = f->ip_len - f->l3_len;
	f->payload_off = f->l3_len;
	f->payload_len = avail;
	if (f->proto == MC_IPPROTO_UDP)
		return parse_udp(p + f->l3_len, avail, f);
	if (f->proto == MC_IPPROTO_ESP) {
		if (avail < 4)
			return MCSEC_STAT_A_IN_PKTS_TRUNCATED;
		f->spi = mc_get_be32(p + f->l3_len);
	}
	return 0;
}

/*
 * The one's complement sum of 8-byte blocks in the CPU's own byte order,
 * folded to 16 bits. RFC 1071 2(B): the sum is byte-order independent, so
 * this is the big-endian sum with its two bytes swapped on a little-endian
 * CPU. With 128-bit integers, two add-with-carry chains of whole 64-bit
 * words (2^64 = 1 mod 0xffff, so the carries fold in at the end); else
 * 32-bit halves into four 64-bit accumulators. Neither can overflow for a
 * u32 length, and neither swaps bytes in the loop.
 */
static u32 csum_native(const u8 *p, u32 blocks)
{
	u64 w, v, s;
	u32 i = 0;
#ifdef __SIZEOF_INT128__
	unsigned __int128 a = 0, b = 0;

	for (; i + 2 <= blocks; i += 2) {
		memcpy(&w, p + 8 * i, 8);
		memcpy(&v, p + 8 * i + 8, 8);
		a += w;
		b += v;
	}
	if (i < blocks) {
		memcpy(&w, p + 8 * i, 8);
		a += w;
	}
	a += b;
	w = (u64)a;
	s = w + (u64)(a >> 64);
	s += s < w;		/* end-around carry */
	s = (s & 0xffffffffu) + (s >> 32);
#else
	u64 a = 0, b = 0, c = 0, d = 0;

	for (; i + 2 <= blocks; i += 2) {
		memcpy(&w, p + 8 * i, 8);
		memcpy(&v, p + 8 * i + 8, 8);
		a += w & 0xffffffffu;
		b += w >> 32;
		c += v & 0xffffffffu;
		d += v >> 32;
	}
	if (i < blocks) {
		memcpy(&w, p + 8 * i, 8);
		a += w & 0xffffffffu;
		b += w >> 32;
	}
	a += b;
	c += d;
	s = (a & 0xffffffffu) + (a >> 32) + (c & 0xffffffffu) + (c >> 32);
#endif
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	s = (s >> 8 | s << 8) & 0xffff;
#endif
	return (u32)s;
}

/*
 * Adds p[0..len) as big-endian 16-bit words to a 32-bit partial sum: from
 * 64 bytes on, the bulk in 8-byte native words (a UDP checksum over a
 * 7-packet TS datagram was the largest cost of descrambling it), the rest
 * in 4-byte words.
 * Only the last chunk of a chained sum may have an odd length.
 */
u32 mc_csum_add(u32 sum, const u8 *p, u32 len)
{
	u64 acc = sum;
	u32 i = 0;

	/*
	 * Not for headers: one just written in smaller stores (an ESP outer
	 * header) would stall 8-byte loads until the stores reach the cache.
	 */
	if (len >= 64) {
		i = len & ~7u;
		acc += csum_native(p, i / 8);
	}
	for (; i + 4 <= len; i += 4)
		acc += mc_get_be32(p + i);
	if (i + 2 <= len) {
		acc += mc_get_be16(p + i);
		i += 2;
	}
	if (i < len)
		acc += (u32)p[i] << 8;
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffffffffu) + (acc >> 32);
	return (u32)acc;
}

void mc_ipv4_csum_update(u8 *iph)
{
	u32 hl = (iph[0] & 0x0fu) * 4;

	mc_put_be16(iph + 10, 0);
	mc_put_be16(iph + 10, mc_csum_fold(mc_csum_add(0, iph, hl)));
}

/*
 * Both pseudo-headers sum to the addresses + protocol + UDP length; the
 * UDP header is summed from its parse, not from memory: loads over a
 * checksum field just zeroed would wait for that store to reach the cache.
 */
u32 mc_udp_csum_start(const struct mc_flow *f)
{
	u32 alen = f->family == MC_AF_INET ? 4 : 16;
	u32 ulen = f->payload_len + UDP_HLEN;
	u32 sum;

	sum = mc_csum_add(MC_IPPROTO_UDP + ulen, f->saddr, alen);
	sum = mc_csum_add(sum, f->daddr, alen);
	return sum + f->sport + f->dport + ulen;
}

void mc_udp_csum_store(u8 *pkt, const struct mc_flow *f, u32 sum)
{
	u16 csum = mc_csum_fold(sum);

	/* 0 means "no checksum" on the wire (and is forbidden for IPv6). */
	mc_put_be16(pkt + f->payload_off - 2, csum ? csum : 0xffff);
}

void mc_udp_csum_update(u8 *pkt, const struct mc_flow *f)
{
	mc_udp_csum_store(pkt, f, mc_csum_add(mc_udp_csum_start(f),
					      pkt + f->payload_off,
					      f->payload_len));
}
