// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer target for group ESP.
 *
 * Input: one configuration byte, then the rest.
 *   bits 0-1 suite (AES128-GCM, AES256-GCM, AES128-GMAC, ChaCha20-Poly1305)
 *   bit 2    transport mode (else tunnel)
 *   bit 3    ESN
 *   bit 4    IPv6 inner packet for (b)
 * (a) The rest is a received packet for a fixed SA: decap_prepare, the
 *     oracle, decap_finish. No crash, no read outside the packet (it sits in
 *     a heap block of exactly its size), the job and the bounds stay inside.
 * (b) The rest becomes the payload of a valid IPv4/IPv6 UDP packet whose
 *     header fields are taken from its first bytes: encap, run, decap must
 *     give the same packet back.
 *
 * The seed corpus (fuzz/corpus/fuzz_esp/) holds valid ESP packets of each
 * suite and mode for the fixed SA; it was written once by this file built
 * as a program:
 *   cc -DMC_FUZZ_GEN -Iinclude -Icore fuzz/fuzz_esp.c core/esp.c \
 *      core/replay.c core/pkt.c core/tests/oracle.c -lcrypto -o /tmp/gen
 *   /tmp/gen fuzz/corpus/fuzz_esp
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp.h"
#include "oracle.h"
#include "suite.h"

#define SPI		0x00c0ffeeu
#define ROOM		64
#define MAX_INNER	1500

static const u8 suites[4] = { MCSEC_SUITE_AES128_GCM, MCSEC_SUITE_AES256_GCM,
			      MCSEC_SUITE_AES128_GMAC, MCSEC_SUITE_CHACHA20_POLY1305 };
static const u8 raw_key[32] = "mcsec fuzz key, 32 bytes long!!";
static const u8 salt[4] = { 0xde, 0xad, 0xbe, 0xef };
static struct mc_oracle_key *keys[4];

#define CHECK(c)							\
	do {								\
		if (!(c)) {						\
			fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #c); \
			abort();					\
		}							\
	} while (0)

static void setup(void)
{
	unsigned int i;

	if (keys[0])
		return;
	for (i = 0; i < 4; i++) {
		keys[i] = mc_oracle_key_new(suites[i], raw_key, mc_suite_key_len(suites[i]));
		CHECK(keys[i]);
	}
}

static void sa_init(struct mc_esp_sa *sa, u8 cfg, u32 window)
{
	memset(sa, 0, sizeof(*sa));
	sa->spi = SPI;
	sa->suite = suites[cfg & 3];
	sa->format = cfg & 4 ? MCSEC_FORMAT_ESP_TRANSPORT : MCSEC_FORMAT_ESP_TUNNEL;
	sa->esn = cfg & 8;
	memcpy(sa->salt, salt, 4);
	sa->key = keys[cfg & 3];
	CHECK(!mc_replay_init(&sa->replay, window));
}

static bool inside(const u8 *p, u32 n, const u8 *lo, const u8 *hi)
{
	return p >= lo && n <= (u32)(hi - p);
}

/* (a): whatever arrives, the core stays inside the packet. */
static void fuzz_decap(u8 cfg, const u8 *data, u32 n)
{
	u8 *buf = malloc(n ? n : 1), *end = buf + n;
	struct mc_pkt pkt = { buf, n, 0, 0 };
	struct mc_esp_sa sa;
	struct mc_esp_rx rx;
	struct mc_job job;
	int err;

	CHECK(buf);
	memcpy(buf, data, n);
	sa_init(&sa, cfg, 64);
	err = mc_esp_decap_prepare(&sa, &pkt, &job, &rx);
	CHECK(pkt.data == buf && pkt.len == n);
	if (!err) {
		CHECK(inside(job.data, job.len, buf, end));
		CHECK(inside(job.tag, job.tag_len, buf, end));
		CHECK(!job.aad2_len || inside(job.aad2, job.aad2_len, buf, end));
		mc_oracle_run(&job, 1);
		err = mc_esp_decap_finish(&sa, &pkt, &job, &rx);
		if (!err)
			CHECK(sa.replay.top >= rx.seq && pkt.len <= n);
#ifdef MC_FUZZ_GEN
		CHECK(!err);
#endif
	}
#ifdef MC_FUZZ_GEN
	CHECK(!err);
#endif
	CHECK(pkt.data - pkt.headroom == buf);
	CHECK(pkt.data + pkt.len + pkt.tailroom == end);
	free(buf);
}

/* Makes a valid UDP packet around the payload; header fields from its head. */
static u32 make_inner(u8 *p, bool v6, const u8 *d, u32 n)
{
	u8 hdr[40] = { 0 };
	u32 l3 = v6 ? 40 : 20, len;
	struct mc_flow f;

	if (n > MAX_INNER - 48)
		n = MAX_INNER - 48;
	memcpy(hdr, d, n < 40 ? n : 40);
	len = l3 + 8 + n;
	memcpy(p, hdr, l3);
	if (v6) {
		p[0] = (u8)(0x60 | (p[0] & 0x0f));
		mc_put_be16(p + 4, (u16)(len - 40));
		p[6] = MC_IPPROTO_UDP;
	} else {
		p[0] = 0x45;
		mc_put_be16(p + 2, (u16)len);
		p[6] &= 0x40;			/* DF only: not a fragment */
		p[7] = 0;
		p[9] = MC_IPPROTO_UDP;
		mc_ipv4_csum_update(p);
	}
	mc_put_be16(p + l3, 4000);
	mc_put_be16(p + l3 + 2, 5000);
	mc_put_be16(p + l3 + 4, (u16)(8 + n));
	memcpy(p + l3 + 8, d, n);
	CHECK(!mc_flow_parse(p, len, &f));
	mc_udp_csum_update(p, &f);
	return len;
}

/* (b): every valid inner packet comes back as it went in. */
static void fuzz_roundtrip(u8 cfg, const u8 *data, u32 n)
{
	static u8 in[MAX_INNER], buf[ROOM + MAX_INNER + ROOM];
	struct mc_pkt pkt = { buf + ROOM, 0, ROOM, 0 };
	struct mc_esp_sa tx, rxsa;
	struct mc_esp_rx rx;
	struct mc_job job;
	u64 seq = 1;
	u32 len;
	int err;

	if (n >= 8)
		seq = mc_get_be64(data);
	if (!(cfg & 8))
		seq &= 0xffffffffu;
	if (!seq)
		seq = 1;
	len = make_inner(in, cfg & 16, data, n);
	memcpy(pkt.data, in, len);
	pkt.len = len;
	pkt.tailroom = sizeof(buf) - ROOM - len;
	sa_init(&tx, cfg, 0);
	sa_init(&rxsa, cfg, 64);
	rxsa.replay.top = seq - 1;
	err = mc_esp_encap(&tx, seq, &pkt, &job);
	CHECK(!err);
	CHECK(pkt.data - pkt.headroom == buf && pkt.data + pkt.len + pkt.tailroom == buf + sizeof(buf));
	mc_oracle_run(&job, 1);
	CHECK(job.status == MC_JOB_OK);
	err = mc_esp_decap_prepare(&rxsa, &pkt, &job, &rx);
	CHECK(!err);
	CHECK(rx.seq == seq);
	mc_oracle_run(&job, 1);
	err = mc_esp_decap_finish(&rxsa, &pkt, &job, &rx);
	CHECK(!err);
	CHECK(pkt.len == len && !memcmp(pkt.data, in, len));
	CHECK(pkt.data - pkt.headroom == buf && pkt.data + pkt.len + pkt.tailroom == buf + sizeof(buf));
	CHECK(rxsa.replay.top == seq);
}

#ifndef MC_FUZZ_GEN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 4096)
		return 0;
	setup();
	fuzz_decap(data[0], data + 1, (u32)size - 1);
	fuzz_roundtrip(data[0], data + 1, (u32)size - 1);
	return 0;
}
#else
/* The seed corpus: one valid packet per suite, mode and family. */
int main(int argc, char **argv)
{
	static u8 buf[ROOM + MAX_INNER + ROOM];
	u8 in[MAX_INNER], payload[24];
	unsigned int cfg;

	if (argc != 2)
		return 2;
	setup();
	for (cfg = 0; cfg < 32; cfg += 1) {
		struct mc_pkt pkt = { buf + ROOM, 0, ROOM, 0 };
		struct mc_esp_sa tx;
		struct mc_job job;
		char name[512];
		FILE *fp;
		u32 len, i;
		u8 c = (u8)cfg;

		/* ESN in half the files (transport XOR IPv6), all 4 pad cases. */
		if (!!(cfg & 8) != (!!(cfg & 4) ^ !!(cfg & 16)))
			continue;
		for (i = 0; i < sizeof(payload); i++)
			payload[i] = (u8)(0x30 + i + cfg);
		len = make_inner(in, cfg & 16, payload, 12 + cfg % 4);
		memcpy(pkt.data, in, len);
		pkt.len = len;
		pkt.tailroom = sizeof(buf) - ROOM - len;
		sa_init(&tx, c, 0);
		CHECK(!mc_esp_encap(&tx, 1 + cfg, &pkt, &job));
		mc_oracle_run(&job, 1);
		CHECK(job.status == MC_JOB_OK);
		snprintf(name, sizeof(name), "%s/%s-%s-ipv%c%s", argv[1],
			 (const char *[]){ "aes128gcm", "aes256gcm", "gmac", "chacha" }[cfg & 3],
			 cfg & 4 ? "transport" : "tunnel", cfg & 16 ? '6' : '4',
			 cfg & 8 ? "-esn" : "");
		/* Self-check: the packet must pass both halves of the target. */
		fuzz_decap(c, pkt.data, pkt.len);
		fuzz_roundtrip(c, pkt.data, pkt.len);
		fp = fopen(name, "wb");
		CHECK(fp);
		fwrite(&c, 1, 1, fp);
		fwrite(pkt.data, 1, pkt.len, fp);
		fclose(fp);
	}
	return 0;
}
#endif
