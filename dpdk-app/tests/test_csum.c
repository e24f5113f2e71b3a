// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The appliance's UDP checksum (csum.c: AVX-512, AVX2 or portable bulk sum)
 * against a plain RFC 1071 sum written here, 16-bit big-endian word by word,
 * and against the core's mc_udp_csum_update(): every length from 0 to 2100
 * bytes at every start offset 0..63, odd partial sums, random data, and
 * random IPv4 and IPv6 UDP datagrams up to 9000 bytes. Exact equality, for
 * each bulk sum this CPU can run (the others are reported as skipped).
 */
#include <stdlib.h>
#include <string.h>

#include "mcsec-dpdk.h"
#include "tap.h"

/* RFC 1071, the obvious way: big-endian words, end-around carries. */
static u32 ref_sum(u32 sum, const u8 *p, u32 len)
{
	u64 s = sum;

	for (u32 i = 0; i + 1 < len; i += 2)
		s += (u32)p[i] << 8 | p[i + 1];
	if (len & 1)
		s += (u32)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (u32)s;
}

static u32 fold16(u32 s)
{
	u64 x = s;

	while (x >> 16)
		x = (x & 0xffff) + (x >> 16);
	return (u32)x;
}

/* An IPv4 or IPv6 UDP datagram of payload bytes at p, random contents. */
static u32 make_udp(u8 *p, bool v6, u32 payload)
{
	u32 hl = v6 ? 40 : 20, ulen = 8 + payload;

	for (u32 i = 0; i < hl + ulen; i++)
		p[i] = (u8)rand();
	if (v6) {
		p[0] = 0x60;
		mc_put_be16(p + 4, (u16)ulen);
		p[6] = MC_IPPROTO_UDP;
	} else {
		p[0] = 0x45;
		mc_put_be16(p + 2, (u16)(hl + ulen));
		mc_put_be16(p + 6, 0);
		p[9] = MC_IPPROTO_UDP;
	}
	mc_put_be16(p + hl + 4, (u16)ulen);
	return hl + ulen;
}

static void run(int simd)
{
	static u8 buf[16384], a[16384], b[16384];
	static const char *const names[] = { "portable", "AVX2", "AVX-512" };
	const char *name = names[simd];
	u32 bad = 0, n = 0;

	srand(4242);
	for (u32 i = 0; i < sizeof(buf); i++)
		buf[i] = (u8)rand();
	for (u32 off = 0; off < 64; off++)
		for (u32 len = 0; len <= 2100; len++, n++) {
			/* Odd partial sums, and all ones: the sum that wraps most. */
			u32 seed = (u32)rand() % 3 ? (u32)rand() : 0xffffffffu;
			u32 want = ref_sum(fold16(seed), buf + off, len);
			u32 got = fold16(mcd_csum_add(seed, buf + off, len));

			bad += got != want;
		}
	tap_ok(!bad, "%s: mcd_csum_add == RFC 1071 reference: %u of %u sums differ",
	       name, bad, n);

	memset(a, 0xff, 9000);
	bad = fold16(mcd_csum_add(0, a, 9000)) != ref_sum(0, a, 9000);
	memset(a, 0, 9000);
	bad += fold16(mcd_csum_add(0, a, 9000)) != ref_sum(0, a, 9000);
	tap_ok(!bad, "%s: all-ones and all-zero 9000-byte buffers", name);

	bad = 0;
	n = 0;
	for (int v6 = 0; v6 < 2; v6++)
		for (int k = 0; k < 3000; k++, n++) {
			u32 payload = k < 2100 ? (u32)k : (u32)rand() % 9000;
			u32 len = make_udp(a, v6, payload);
			struct mc_flow f;

			if (mc_flow_parse(a, len, &f)) {
				bad++;
				continue;
			}
			memcpy(b, a, len);
			mc_udp_csum_update(a, &f);
			/* The same bounds and offsets, in b's copy. */
			f.saddr = b + (f.saddr - a);
			f.daddr = b + (f.daddr - a);
			mcd_udp_csum_update(b, &f);
			bad += memcmp(a, b, len) != 0;
		}
	tap_ok(!bad, "%s: mcd_udp_csum_update == mc_udp_csum_update: %u of %u datagrams differ",
	       name, bad, n);
}

int main(void)
{
	for (int simd = 2; simd >= 0; simd--) {
		if (mcd_csum_select(simd) != simd) {
			for (int k = 0; k < 3; k++)
				tap_ok(true, "# SKIP this CPU has no %s",
				       simd == 2 ? "AVX-512" : "AVX2");
			continue;
		}
		run(simd);
	}
	return tap_done();
}
