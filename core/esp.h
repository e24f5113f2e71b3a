/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Group ESP (RFC 4303 with the multicast extensions of RFC 5374).
 *
 * Wire layout, byte-identical to Linux xfrm with rfc4106(gcm(aes)):
 *   tunnel:    outer IP | SPI | seq lo | IV (8) | E(inner IP | pad | pl | nh) | ICV
 *   transport: IP       | SPI | seq lo | IV (8) | E(L4 payload | pad | pl | nh) | ICV
 * The outer header of tunnel mode preserves the inner source and group
 * address (RFC 5374 section 3.1), so multicast routing works on ciphertext.
 * Padding is 1, 2, 3, ... to a 4-byte boundary; the IV is the 64-bit
 * sequence number, which is unique per SA and so never repeats a nonce;
 * nonce = salt || IV. AAD = SPI || [seq high, with ESN] || seq low.
 * GMAC (RFC 4543) authenticates IV and payload as AAD and encrypts nothing.
 */
#ifndef MCSEC_CORE_ESP_H
#define MCSEC_CORE_ESP_H

#include "compat.h"
#include "job.h"
#include "pkt.h"
#include "replay.h"

#define MC_ESP_HDR_LEN		8	/* SPI + sequence number */
#define MC_ESP_IV_LEN		8
#define MC_ESP_ICV_LEN		16
/* Worst case growth: outer IPv6 + ESP + IV, and pad (3) + trailer (2) + ICV. */
#define MC_ESP_MAX_HEADROOM	(40 + MC_ESP_HDR_LEN + MC_ESP_IV_LEN)
#define MC_ESP_MAX_TAILROOM	(3 + 2 + MC_ESP_ICV_LEN)

struct mc_esp_sa {
	u32 spi;
	u8 suite;		/* enum mcsec_suite: a GCM, GMAC or ChaCha suite */
	u8 format;		/* MCSEC_FORMAT_ESP_TUNNEL or _TRANSPORT */
	bool esn;		/* 64-bit sequence numbers */
	u8 salt[4];
	const void *key;	/* backend key handle */
	struct mc_replay replay;	/* receive side */
};

/* Per-packet state carried from decap_prepare to decap_finish. */
struct mc_esp_rx {
	u64 seq;		/* full sequence number, inferred */
	u32 esp_off;		/* offset of the ESP header */
};

/*
 * Encapsulate pkt with sequence number seq (allocated by the caller, which
 * owns the SA's counter). Fills *job; the packet is final once the backend
 * ran it. Returns 0 or a reason: OUT_PKTS_SEQ_EXHAUSTED when seq is 0 or
 * beyond the SA's sequence space, OUT_PKTS_TOO_BIG when the room around pkt
 * is short, OUT_PKTS_UNSUPPORTED or IN_PKTS_MALFORMED for an inner packet
 * the mode cannot carry, OUT_PKTS_NO_SA for an SA that is not an ESP one.
 * On error pkt is unchanged.
 */
int mc_esp_encap(const struct mc_esp_sa *sa, u64 seq, struct mc_pkt *pkt,
		 struct mc_job *job);

/*
 * The same for a caller that already parsed pkt: f is what mc_flow_parse()
 * returned 0 for on these bytes (pkt->data, any length from f->ip_len on),
 * unchanged since. Saves parsing the packet a second time.
 */
int mc_esp_encap_flow(const struct mc_esp_sa *sa, u64 seq, struct mc_pkt *pkt,
		      const struct mc_flow *f, struct mc_job *job);

/*
 * Decapsulation, step one: pkt holds an IP packet carrying ESP for this SA.
 * Checks the headers and the replay window (without updating it) and fills
 * *job and *rx. Returns 0 or a reason (IN_PKTS_TRUNCATED, _MALFORMED,
 * _NO_SA when the SPI is not the SA's, _REPLAYED, _LATE). pkt is unchanged.
 */
int mc_esp_decap_prepare(const struct mc_esp_sa *sa, const struct mc_pkt *pkt,
			 struct mc_job *job, struct mc_esp_rx *rx);

/* The same with the caller's parse of pkt (as for mc_esp_encap_flow). */
int mc_esp_decap_prepare_flow(const struct mc_esp_sa *sa,
			      const struct mc_pkt *pkt,
			      const struct mc_flow *f, struct mc_job *job,
			      struct mc_esp_rx *rx);

/*
 * Step two, after the backend ran the job: checks its status, updates the
 * replay window, checks padding and next header, and strips ESP so that pkt
 * holds the inner packet (tunnel) or the restored packet (transport).
 * Returns 0 or a reason (IN_PKTS_AUTH_FAILED, _REPLAYED, _LATE,
 * _BAD_PADDING, _BAD_NEXT_HEADER, and _MALFORMED when the inner header does
 * not fit the payload or the job is not this packet's). On error the bounds
 * are unchanged, though the backend may have decrypted the bytes in place.
 * The caller serialises it per SA.
 */
int mc_esp_decap_finish(struct mc_esp_sa *sa, struct mc_pkt *pkt,
			const struct mc_job *job, const struct mc_esp_rx *rx);

/*
 * Bursts and ESN: every packet of a burst is prepared before any of them
 * finishes, so each one's high sequence half is inferred from the window as
 * it stood before the burst. Once the window holds a verified packet, that
 * inference is exact across a 2^32 wrap inside the burst; before it, it is
 * not (a receiver joining a sender just below the wrap). A caller that
 * batches gives a packet for which this is true a burst of its own.
 */
static inline bool mc_esp_rx_needs_anchor(const struct mc_esp_sa *sa)
{
	return sa->esn && !sa->replay.top;
}

#endif /* MCSEC_CORE_ESP_H */
