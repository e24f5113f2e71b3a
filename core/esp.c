// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Group ESP: building and checking the packets, the crypto left to jobs.
 *
 * Layout and padding are what Linux's esp4/esp6 produce for
 * rfc4106(gcm(aes)), rfc4543(gcm(aes)) and rfc7539esp(chacha20,poly1305):
 * those have a cipher block size of 1, which Linux aligns to 4. The one
 * difference is the explicit IV: ours is the 64-bit sequence number itself
 * (unique per SA, so the nonce never repeats), where Linux's seqiv XORs in a
 * random salt. Receivers, Linux's and ours, take the IV from the wire.
 *
 * Every check happens before the first byte is written, so a packet that
 * fails keeps its bytes and bounds (fail closed). The one exception is the
 * backend's in-place decryption of a packet whose ICV then fails.
 */
#include "esp.h"
#include "suite.h"

#define ESP_SEQ_OFF	4
#define ESP_IV_OFF	MC_ESP_HDR_LEN
#define ESP_DATA_OFF	(MC_ESP_HDR_LEN + MC_ESP_IV_LEN)
#define ESP_TRAILER_LEN	2		/* pad length, next header */
#define ESP_ALIGN	4
#define ESP_NONCE_LEN	(MC_SALT_LEN + MC_ESP_IV_LEN)
#define ESP_OVERHEAD	(ESP_DATA_OFF + MC_ESP_ICV_LEN)

#define IPV4_HLEN	20
#define IPV6_HLEN	40
#define IPV4_DF		0x4000
#define IP_LEN_MAX	0xffff
#define IPPROTO_NONE	59		/* RFC 4303 dummy packet */
#define ECN_MASK	3
#define ECN_CE		3

static bool esp_sa_ok(const struct mc_esp_sa *sa)
{
	return mc_suite_is_esp(sa->suite) &&
	       (sa->format == MCSEC_FORMAT_ESP_TUNNEL ||
		sa->format == MCSEC_FORMAT_ESP_TRANSPORT);
}

/* Padding 1, 2, 3, ... so that payload + trailer ends on a 4-byte boundary. */
static u32 esp_pad_len(u32 plen)
{
	return (ESP_ALIGN - (plen + ESP_TRAILER_LEN) % ESP_ALIGN) % ESP_ALIGN;
}

/*
 * Moves pkt to [data, data + len) inside the same buffer; the room on each
 * side follows from the buffer's fixed ends.
 */
static void esp_set_bounds(struct mc_pkt *pkt, u8 *data, u32 len)
{
	u32 cap = pkt->headroom + pkt->len + pkt->tailroom;
	u8 *base = pkt->data - pkt->headroom;

	pkt->headroom = (u32)(data - base);
	pkt->len = len;
	pkt->tailroom = cap - pkt->headroom - len;
	pkt->data = data;
}

/* IPv4 total length and IPv6 payload length are 16-bit fields. */
static bool esp_len_fits(u16 family, u32 tot)
{
	return family == MC_AF_INET ? tot <= IP_LEN_MAX :
				      tot - IPV6_HLEN <= IP_LEN_MAX;
}

/*
 * AAD = SPI || [seq high] || seq low (RFC 4106 section 5, RFC 4543 3.3,
 * RFC 7634 2.1). The high half is never sent: with ESN it is the receiver's
 * inference, and a wrong one fails the ICV.
 */
static u8 esp_put_aad(u8 *aad, const u8 *esp, u64 seq, bool esn)
{
	memcpy(aad, esp, 4);
	if (!esn) {
		memcpy(aad + 4, esp + ESP_SEQ_OFF, 4);
		return 8;
	}
	mc_put_be32(aad + 4, (u32)(seq >> 32));
	memcpy(aad + 8, esp + ESP_SEQ_OFF, 4);
	return 12;
}

/*
 * One AEAD job over an ESP packet whose clen bytes of (to be) ciphertext
 * follow the IV. GMAC encrypts nothing: IV, payload and trailer become the
 * second part of the AAD (RFC 4543 section 3.5).
 */
static void esp_fill_job(const struct mc_esp_sa *sa, struct mc_job *job,
			 u8 *esp, u32 clen, u64 seq, u8 op)
{
	u8 *ct = esp + ESP_DATA_OFF;

	memset(job, 0, sizeof(*job));
	job->key = sa->key;
	job->op = op;
	job->iv_len = ESP_NONCE_LEN;
	memcpy(job->iv, sa->salt, MC_SALT_LEN);
	memcpy(job->iv + MC_SALT_LEN, esp + ESP_IV_OFF, MC_ESP_IV_LEN);
	job->aad_len = esp_put_aad(job->aad, esp, seq, sa->esn);
	job->data = ct;
	job->tag = ct + clen;
	job->tag_len = MC_ESP_ICV_LEN;
	if (sa->suite == MCSEC_SUITE_AES128_GMAC) {
		job->aad2 = esp + ESP_IV_OFF;
		job->aad2_len = MC_ESP_IV_LEN + clen;
	} else {
		job->len = clen;
	}
}

/* ESP header, IV and trailer around plen payload bytes already in place. */
static void esp_write(const struct mc_esp_sa *sa, u8 *esp, u64 seq, u32 plen,
		      u32 pad, u8 nh)
{
	u8 *t = esp + ESP_DATA_OFF + plen;
	u32 i;

	mc_put_be32(esp, sa->spi);
	mc_put_be32(esp + ESP_SEQ_OFF, (u32)seq);
	mc_put_be64(esp + ESP_IV_OFF, seq);
	for (i = 0; i < pad; i++)
		t[i] = (u8)(i + 1);
	t[pad] = (u8)pad;
	t[pad + 1] = nh;
}

/* Room for front bytes before the packet and back bytes after its first keep. */
static bool esp_room(const struct mc_pkt *pkt, u32 front, u32 keep, u32 back)
{
	return pkt->headroom >= front &&
	       (u64)pkt->tailroom + pkt->len - keep >= back;
}

/*
 * RFC 5374 section 3.1 address preservation: the outer header repeats the
 * inner source and group so multicast routing works on ciphertext; DSCP and
 * ECN (RFC 6040 normal mode), DF, ID and TTL are copied too.
 */
/*
 * The outer header's checksum, summed from the values it is made of rather
 * than read back: loads over the bytes and halves just stored would wait
 * for those stores to reach the cache (no store forwarding across them).
 */
static u16 esp_outer_ipv4_csum(const u8 *in, u32 tot)
{
	u32 sum = (0x45u << 8 | in[1]) + tot + mc_get_be16(in + 4) +
		  (mc_get_be16(in + 6) & IPV4_DF) +
		  ((u32)in[8] << 8 | MC_IPPROTO_ESP) +
		  mc_get_be16(in + 12) + mc_get_be16(in + 14) +
		  mc_get_be16(in + 16) + mc_get_be16(in + 18);

	return mc_csum_fold(sum);
}

static void esp_outer_ipv4(u8 *ip, const u8 *in, u32 tot)
{
	ip[0] = 0x45;
	ip[1] = in[1];
	mc_put_be16(ip + 2, (u16)tot);
	memcpy(ip + 4, in + 4, 2);
	mc_put_be16(ip + 6, mc_get_be16(in + 6) & IPV4_DF);
	ip[8] = in[8];
	ip[9] = MC_IPPROTO_ESP;
	memcpy(ip + 12, in + 12, 8);
	mc_put_be16(ip + 10, esp_outer_ipv4_csum(in, tot));
}

static void esp_outer_ipv6(u8 *ip, const u8 *in, u32 tot)
{
	memcpy(ip, in, 4);		/* version, traffic class, flow label */
	mc_put_be16(ip + 4, (u16)(tot - IPV6_HLEN));
	ip[6] = MC_IPPROTO_ESP;
	ip[7] = in[7];
	memcpy(ip + 8, in + 8, 32);
}

static int esp_encap_tunnel(const struct mc_esp_sa *sa, u64 seq,
			    struct mc_pkt *pkt, const struct mc_flow *f,
			    struct mc_job *job)
{
	bool v4 = f->family == MC_AF_INET;
	u32 outer = v4 ? IPV4_HLEN : IPV6_HLEN;
	u32 plen = f->ip_len;
	u32 pad = esp_pad_len(plen);
	u32 clen = plen + pad + ESP_TRAILER_LEN;
	u32 front = outer + ESP_DATA_OFF;
	u32 tot = front + clen + MC_ESP_ICV_LEN;
	u8 *ip = pkt->data - front;

	if (!esp_room(pkt, front, plen, clen - plen + MC_ESP_ICV_LEN) ||
	    !esp_len_fits(f->family, tot))
		return MCSEC_STAT_A_OUT_PKTS_TOO_BIG;
	if (v4)
		esp_outer_ipv4(ip, pkt->data, tot);
	else
		esp_outer_ipv6(ip, pkt->data, tot);
	esp_write(sa, ip + outer, seq, plen, pad,
		  v4 ? MC_IPPROTO_IPIP : MC_IPPROTO_IPV6);
	esp_fill_job(sa, job, ip + outer, clen, seq, MC_OP_AEAD_ENCRYPT);
	esp_set_bounds(pkt, ip, tot);
	return 0;
}

/* Points the IP header at ESP (or back at nh) for a new total length. */
static void esp_fix_ip(u8 *ip, u8 nh, u32 tot)
{
	if (ip[0] >> 4 == 4) {
		ip[9] = nh;
		mc_put_be16(ip + 2, (u16)tot);
		mc_ipv4_csum_update(ip);
	} else {
		ip[6] = nh;
		mc_put_be16(ip + 4, (u16)(tot - IPV6_HLEN));
	}
}

/*
 * Transport mode: ESP goes between the IP header (options kept) and its
 * payload. 4, 41 and 59 would read as tunnel mode or a dummy packet on the
 * other side, so such payloads are refused.
 */
static int esp_encap_transport(const struct mc_esp_sa *sa, u64 seq,
			       struct mc_pkt *pkt, const struct mc_flow *f,
			       struct mc_job *job)
{
	u32 l3 = f->l3_len;
	u32 plen = f->ip_len - l3;
	u32 pad = esp_pad_len(plen);
	u32 clen = plen + pad + ESP_TRAILER_LEN;
	u32 tot = l3 + ESP_DATA_OFF + clen + MC_ESP_ICV_LEN;
	u8 nh = f->proto;
	u8 *ip = pkt->data - ESP_DATA_OFF;

	if (nh == MC_IPPROTO_IPIP || nh == MC_IPPROTO_IPV6 ||
	    nh == IPPROTO_NONE)
		return MCSEC_STAT_A_OUT_PKTS_UNSUPPORTED;
	if (!esp_room(pkt, ESP_DATA_OFF, f->ip_len,
		      clen - plen + MC_ESP_ICV_LEN) ||
	    !esp_len_fits(f->family, tot))
		return MCSEC_STAT_A_OUT_PKTS_TOO_BIG;
	memmove(ip, pkt->data, l3);
	esp_fix_ip(ip, MC_IPPROTO_ESP, tot);
	esp_write(sa, ip + l3, seq, plen, pad, nh);
	esp_fill_job(sa, job, ip + l3, clen, seq, MC_OP_AEAD_ENCRYPT);
	esp_set_bounds(pkt, ip, tot);
	return 0;
}

int mc_esp_encap_flow(const struct mc_esp_sa *sa, u64 seq, struct mc_pkt *pkt,
		      const struct mc_flow *f, struct mc_job *job)
{
	if (!esp_sa_ok(sa))
		return MCSEC_STAT_A_OUT_PKTS_NO_SA;
	/* 0 is never sent, and is what a spent counter wraps to. */
	if (!seq || (!sa->esn && seq > 0xffffffffu))
		return MCSEC_STAT_A_OUT_PKTS_SEQ_EXHAUSTED;
	if (sa->format == MCSEC_FORMAT_ESP_TUNNEL)
		return esp_encap_tunnel(sa, seq, pkt, f, job);
	return esp_encap_transport(sa, seq, pkt, f, job);
}

int mc_esp_encap(const struct mc_esp_sa *sa, u64 seq, struct mc_pkt *pkt,
		 struct mc_job *job)
{
	struct mc_flow f;
	int err;

	if (!esp_sa_ok(sa))
		return MCSEC_STAT_A_OUT_PKTS_NO_SA;
	if (!seq || (!sa->esn && seq > 0xffffffffu))
		return MCSEC_STAT_A_OUT_PKTS_SEQ_EXHAUSTED;
	err = mc_flow_parse(pkt->data, pkt->len, &f);
	if (err)
		return err == MCSEC_STAT_A_OUT_PKTS_UNSUPPORTED ? err :
			MCSEC_STAT_A_IN_PKTS_MALFORMED;
	return mc_esp_encap_flow(sa, seq, pkt, &f, job);
}

int mc_esp_decap_prepare_flow(const struct mc_esp_sa *sa,
			      const struct mc_pkt *pkt,
			      const struct mc_flow *f, struct mc_job *job,
			      struct mc_esp_rx *rx)
{
	u32 clen;
	u64 seq;
	u8 *esp;
	int err;

	if (!esp_sa_ok(sa))
		return MCSEC_STAT_A_IN_PKTS_NO_SA;
	if (f->proto != MC_IPPROTO_ESP)
		return MCSEC_STAT_A_IN_PKTS_MALFORMED;
	if (f->spi != sa->spi)
		return MCSEC_STAT_A_IN_PKTS_NO_SA;
	if (f->payload_len < ESP_OVERHEAD + ESP_TRAILER_LEN)
		return MCSEC_STAT_A_IN_PKTS_TRUNCATED;
	/* RFC 4303 2.4: pad length and next header end on a 4-byte boundary. */
	clen = f->payload_len - ESP_OVERHEAD;
	if (clen % ESP_ALIGN)
		return MCSEC_STAT_A_IN_PKTS_MALFORMED;
	esp = pkt->data + f->payload_off;
	seq = mc_replay_infer(&sa->replay, mc_get_be32(esp + ESP_SEQ_OFF),
			      sa->esn);
	err = mc_replay_check(&sa->replay, seq);
	if (err)
		return err;
	esp_fill_job(sa, job, esp, clen, seq, MC_OP_AEAD_DECRYPT);
	rx->seq = seq;
	rx->esp_off = f->payload_off;
	return 0;
}

int mc_esp_decap_prepare(const struct mc_esp_sa *sa, const struct mc_pkt *pkt,
			 struct mc_job *job, struct mc_esp_rx *rx)
{
	struct mc_flow f;
	int err;

	if (!esp_sa_ok(sa))
		return MCSEC_STAT_A_IN_PKTS_NO_SA;
	err = mc_flow_parse(pkt->data, pkt->len, &f);
	if (err)
		return err == MCSEC_STAT_A_IN_PKTS_TRUNCATED ? err :
			MCSEC_STAT_A_IN_PKTS_MALFORMED;
	return mc_esp_decap_prepare_flow(sa, pkt, &f, job, rx);
}

/* The IP length the header at ip claims (validated by decap_prepare). */
static u32 esp_ip_len(const u8 *ip)
{
	if (ip[0] >> 4 == 4)
		return mc_get_be16(ip + 2);
	return IPV6_HLEN + mc_get_be16(ip + 4);
}

/* RFC 4303 2.4: the default padding is 1, 2, 3, ...; anything else is bad. */
static bool esp_pad_ok(const u8 *pt, u32 clen, u32 pad)
{
	const u8 *p;
	u32 i;

	if (pad + ESP_TRAILER_LEN > clen)
		return false;
	p = pt + clen - ESP_TRAILER_LEN - pad;
	for (i = 0; i < pad; i++)
		if (p[i] != (u8)(i + 1))
			return false;
	return true;
}

/*
 * The inner packet of tunnel mode: its version must be what the next header
 * says, its header and length must fit the payload. Returns its length.
 */
static int esp_inner_len(const u8 *in, u32 plen, u8 nh, u32 *ilen)
{
	u32 hl;

	if (nh != MC_IPPROTO_IPIP && nh != MC_IPPROTO_IPV6)
		return MCSEC_STAT_A_IN_PKTS_BAD_NEXT_HEADER;
	if (!plen)
		return MCSEC_STAT_A_IN_PKTS_MALFORMED;
	if ((in[0] >> 4) != (nh == MC_IPPROTO_IPIP ? 4 : 6))
		return MCSEC_STAT_A_IN_PKTS_BAD_NEXT_HEADER;
	if (nh == MC_IPPROTO_IPIP) {
		if (plen < IPV4_HLEN)
			return MCSEC_STAT_A_IN_PKTS_MALFORMED;
		hl = (in[0] & 0x0fu) * 4;
		*ilen = mc_get_be16(in + 2);
		if (hl < IPV4_HLEN || *ilen < hl)
			return MCSEC_STAT_A_IN_PKTS_MALFORMED;
	} else {
		if (plen < IPV6_HLEN)
			return MCSEC_STAT_A_IN_PKTS_MALFORMED;
		*ilen = IPV6_HLEN + mc_get_be16(in + 4);
	}
	/* Shorter is fine: TFC padding (RFC 4303 2.7) is trimmed. */
	return *ilen > plen ? MCSEC_STAT_A_IN_PKTS_MALFORMED : 0;
}

/* ECN field of an IP header (the low two bits of TOS / traffic class). */
static u8 esp_ecn(const u8 *ip)
{
	return ip[0] >> 4 == 4 ? ip[1] & ECN_MASK : (ip[1] >> 4) & ECN_MASK;
}

/*
 * RFC 6040 decapsulation as Linux does it: congestion marked on the outer
 * header is carried to an ECN-capable inner one. Not-ECT inner packets pass
 * as they are (Linux does not drop them either).
 */
static void esp_ecn_decap(const u8 *outer, u8 *in)
{
	u8 ecn = esp_ecn(in);

	if (esp_ecn(outer) != ECN_CE || !ecn || ecn == ECN_CE)
		return;
	if (in[0] >> 4 == 4) {
		in[1] |= ECN_CE;
		mc_ipv4_csum_update(in);
	} else {
		in[1] |= ECN_CE << 4;
	}
}

static int esp_strip_tunnel(struct mc_pkt *pkt, u8 *in, u32 plen, u8 nh)
{
	u32 ilen;
	int err = esp_inner_len(in, plen, nh, &ilen);

	if (err)
		return err;
	esp_ecn_decap(pkt->data, in);
	esp_set_bounds(pkt, in, ilen);
	return 0;
}

/* Transport mode: the IP header moves up over ESP header and IV. */
static int esp_strip_transport(struct mc_pkt *pkt, u32 l3, u32 plen, u8 nh)
{
	u8 *ip = pkt->data + ESP_DATA_OFF;

	if (nh == MC_IPPROTO_IPIP || nh == MC_IPPROTO_IPV6 ||
	    nh == IPPROTO_NONE)
		return MCSEC_STAT_A_IN_PKTS_BAD_NEXT_HEADER;
	memmove(ip, pkt->data, l3);
	esp_fix_ip(ip, nh, l3 + plen);
	esp_set_bounds(pkt, ip, l3 + plen);
	return 0;
}

int mc_esp_decap_finish(struct mc_esp_sa *sa, struct mc_pkt *pkt,
			const struct mc_job *job, const struct mc_esp_rx *rx)
{
	u8 *pt = pkt->data + rx->esp_off + ESP_DATA_OFF;
	u32 clen = esp_ip_len(pkt->data) - rx->esp_off - ESP_OVERHEAD;
	u32 pad, plen;
	u8 nh;
	int err;

	if (job->status != MC_JOB_OK)
		return MCSEC_STAT_A_IN_PKTS_AUTH_FAILED;
	/* A job that is not this packet's must not vouch for it. */
	if (job->tag != pt + clen)
		return MCSEC_STAT_A_IN_PKTS_MALFORMED;
	err = mc_replay_update(&sa->replay, rx->seq);
	if (err)
		return err;
	pad = pt[clen - 2];
	nh = pt[clen - 1];
	if (!esp_pad_ok(pt, clen, pad))
		return MCSEC_STAT_A_IN_PKTS_BAD_PADDING;
	plen = clen - ESP_TRAILER_LEN - pad;
	if (sa->format == MCSEC_FORMAT_ESP_TUNNEL)
		return esp_strip_tunnel(pkt, pt, plen, nh);
	return esp_strip_transport(pkt, rx->esp_off, plen, nh);
}
