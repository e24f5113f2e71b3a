// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The UDP checksum of a whole datagram, for the TS operations: after
 * scrambling or descrambling seven TS packets, the datagram's checksum is
 * recomputed over its 1,300-odd bytes, which cost as much as the rest of
 * the per-datagram work together with the core's portable sum.
 *
 * The core (shared with mcsec.ko, freestanding, no SIMD) keeps its own
 * mc_csum_add(); here the bulk of the datagram is summed with AVX2 when the
 * CPU has it (chosen once at start; DPDK builds for an older baseline), and
 * the rest, the pseudo-header and the final fold are the core's, so the
 * result is bit for bit the core's (dpdk-app/tests/test_csum.c checks it).
 */
#include <stdbool.h>

#include <immintrin.h>

#include "mcsec-dpdk.h"

#define BULK		64	/* bytes per AVX2 iteration */

static bool have_avx2, have_avx512;

/* Once, before main(): the workers only read the answer. */
__attribute__((constructor))
static void csum_init(void)
{
	mcd_csum_select(2);
}

int mcd_csum_select(int simd)
{
	__builtin_cpu_init();
	have_avx2 = simd >= 1 && __builtin_cpu_supports("avx2");
	have_avx512 = simd >= 2 && have_avx2 && __builtin_cpu_supports("avx512f");
	return have_avx512 ? 2 : have_avx2;
}

/* A 64-bit sum of 16-bit words, folded to 16 bits (end-around carries). */
static u32 fold64(u64 s)
{
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (u32)s;
}

/*
 * The same with AVX-512 (64 bytes a register, two chains): half the
 * instructions of the AVX2 loop. intel-ipsec-mb runs its AVX-512 code on
 * the same core anyway, so this costs no frequency the cipher did not.
 */
__attribute__((target("avx512f")))
static u32 sum_avx512(const u8 *p, u32 len)
{
	const __m512i lo16 = _mm512_set1_epi32(0xffff);
	const __m512i lo32 = _mm512_set1_epi64(0xffffffff);
	__m512i a = _mm512_setzero_si512(), b = a, c = a, d = a;
	u32 i = 0;

	for (; i + 2 * BULK <= len; i += 2 * BULK) {
		__m512i v = _mm512_loadu_si512((const void *)(p + i));
		__m512i w = _mm512_loadu_si512((const void *)(p + i + 64));

		a = _mm512_add_epi32(a, _mm512_and_si512(v, lo16));
		b = _mm512_add_epi32(b, _mm512_srli_epi32(v, 16));
		c = _mm512_add_epi32(c, _mm512_and_si512(w, lo16));
		d = _mm512_add_epi32(d, _mm512_srli_epi32(w, 16));
	}
	if (i < len) {
		__m512i v = _mm512_loadu_si512((const void *)(p + i));

		a = _mm512_add_epi32(a, _mm512_and_si512(v, lo16));
		b = _mm512_add_epi32(b, _mm512_srli_epi32(v, 16));
	}
	a = _mm512_add_epi64(_mm512_add_epi64(_mm512_and_si512(a, lo32),
					      _mm512_srli_epi64(a, 32)),
			     _mm512_add_epi64(_mm512_and_si512(b, lo32),
					      _mm512_srli_epi64(b, 32)));
	c = _mm512_add_epi64(_mm512_add_epi64(_mm512_and_si512(c, lo32),
					      _mm512_srli_epi64(c, 32)),
			     _mm512_add_epi64(_mm512_and_si512(d, lo32),
					      _mm512_srli_epi64(d, 32)));
	return fold64((u64)_mm512_reduce_add_epi64(_mm512_add_epi64(a, c)));
}

/*
 * The one's complement sum of p[0..len), len a multiple of 64, in the CPU's
 * byte order, folded to 16 bits. Each 16-bit word is zero-extended into a
 * 32-bit lane (mask and shift), each lane takes at most two words per 128
 * bytes: no lane can overflow below 2^31 bytes, far above a datagram.
 */
__attribute__((target("avx2")))
static u32 sum_avx2(const u8 *p, u32 len)
{
	const __m256i lo16 = _mm256_set1_epi32(0xffff);
	const __m256i lo32 = _mm256_set1_epi64x(0xffffffff);
	__m256i a = _mm256_setzero_si256(), b = a, c = a, d = a;
	__m128i x;
	u32 i = 0;
	u64 s;

	/* Four independent chains: the adds, not the loads, are the limit. */
	for (; i + 2 * BULK <= len; i += 2 * BULK) {
		__m256i v = _mm256_loadu_si256((const void *)(p + i));
		__m256i w = _mm256_loadu_si256((const void *)(p + i + 32));
		__m256i y = _mm256_loadu_si256((const void *)(p + i + 64));
		__m256i z = _mm256_loadu_si256((const void *)(p + i + 96));

		a = _mm256_add_epi32(a, _mm256_and_si256(v, lo16));
		b = _mm256_add_epi32(b, _mm256_srli_epi32(v, 16));
		c = _mm256_add_epi32(c, _mm256_and_si256(w, lo16));
		d = _mm256_add_epi32(d, _mm256_srli_epi32(w, 16));
		a = _mm256_add_epi32(a, _mm256_and_si256(y, lo16));
		b = _mm256_add_epi32(b, _mm256_srli_epi32(y, 16));
		c = _mm256_add_epi32(c, _mm256_and_si256(z, lo16));
		d = _mm256_add_epi32(d, _mm256_srli_epi32(z, 16));
	}
	if (i < len) {
		__m256i v = _mm256_loadu_si256((const void *)(p + i));
		__m256i w = _mm256_loadu_si256((const void *)(p + i + 32));

		a = _mm256_add_epi32(a, _mm256_and_si256(v, lo16));
		b = _mm256_add_epi32(b, _mm256_srli_epi32(v, 16));
		c = _mm256_add_epi32(c, _mm256_and_si256(w, lo16));
		d = _mm256_add_epi32(d, _mm256_srli_epi32(w, 16));
	}
	/* Thirty-two 32-bit lanes, each below 2^31: widen to 64 bits, add. */
	a = _mm256_add_epi64(_mm256_add_epi64(_mm256_and_si256(a, lo32),
					      _mm256_srli_epi64(a, 32)),
			     _mm256_add_epi64(_mm256_and_si256(b, lo32),
					      _mm256_srli_epi64(b, 32)));
	c = _mm256_add_epi64(_mm256_add_epi64(_mm256_and_si256(c, lo32),
					      _mm256_srli_epi64(c, 32)),
			     _mm256_add_epi64(_mm256_and_si256(d, lo32),
					      _mm256_srli_epi64(d, 32)));
	a = _mm256_add_epi64(a, c);
	x = _mm_add_epi64(_mm256_castsi256_si128(a), _mm256_extracti128_si256(a, 1));
	s = (u64)_mm_cvtsi128_si64(x) + (u64)_mm_extract_epi64(x, 1);
	return fold64(s);
}

u32 mcd_csum_add(u32 sum, const u8 *p, u32 len)
{
	u32 bulk = len & ~(u32)(BULK - 1);

	if (!have_avx2 || bulk < 4 * BULK)
		return mc_csum_add(sum, p, len);
	{
		u32 s = have_avx512 ? sum_avx512(p, bulk) : sum_avx2(p, bulk);
		u64 acc;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		/* RFC 1071 2(B): the native sum, bytes swapped, is the
		 * big-endian one. */
		s = (s >> 8 | s << 8) & 0xffff;
#endif
		acc = (u64)sum + s;
		sum = (u32)((acc & 0xffffffffu) + (acc >> 32));
	}
	return mc_csum_add(sum, p + bulk, len - bulk);
}

/* mc_udp_csum_update() with the bulk summed by mcd_csum_add(). */
void mcd_udp_csum_update(u8 *pkt, const struct mc_flow *f)
{
	mc_udp_csum_store(pkt, f, mcd_csum_add(mc_udp_csum_start(f),
					       pkt + f->payload_off,
					       f->payload_len));
}
