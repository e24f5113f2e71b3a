/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The one place where the shared core meets its environment. The core is
 * compiled into mcsec.ko, into mcsec-dpdk and natively (tests, fuzzers,
 * mcsec-pcap); everything it needs from outside is named here: fixed-width
 * types, memcpy/memset/memmove, and unaligned big-endian loads and stores.
 * No other core file includes a system header.
 */
#ifndef MCSEC_CORE_COMPAT_H
#define MCSEC_CORE_COMPAT_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/string.h>
#include <linux/compiler.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int32_t s32;
#define memcpy(d, s, n)		__builtin_memcpy(d, s, n)
#define memmove(d, s, n)	__builtin_memmove(d, s, n)
#define memset(d, c, n)		__builtin_memset(d, c, n)
#ifndef likely
#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)
#endif
#endif

/* Address families as Linux numbers them (the uapi header uses these). */
#define MC_AF_INET	2
#define MC_AF_INET6	10

#if !defined(__KERNEL__) && defined(__BYTE_ORDER__) && \
	(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ || \
	 __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
/*
 * Userspace: one unaligned load or store and a byte swap. GCC 12 merges the
 * byte-wise form below into wide stores only sometimes, and then through a
 * stack slot whose two halves a 16-byte load reads back, which waits for
 * both stores (no store forwarding): a fifth of an ESP encapsulation.
 * The same values either way.
 */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define MC_BE16(v)	__builtin_bswap16(v)
#define MC_BE32(v)	__builtin_bswap32(v)
#define MC_BE64(v)	__builtin_bswap64(v)
#else
#define MC_BE16(v)	(v)
#define MC_BE32(v)	(v)
#define MC_BE64(v)	(v)
#endif

static inline u16 mc_get_be16(const u8 *p)
{
	u16 v;

	memcpy(&v, p, 2);
	return MC_BE16(v);
}

static inline u32 mc_get_be32(const u8 *p)
{
	u32 v;

	memcpy(&v, p, 4);
	return MC_BE32(v);
}

static inline u64 mc_get_be64(const u8 *p)
{
	u64 v;

	memcpy(&v, p, 8);
	return MC_BE64(v);
}

static inline void mc_put_be16(u8 *p, u16 v)
{
	v = MC_BE16(v);
	memcpy(p, &v, 2);
}

static inline void mc_put_be32(u8 *p, u32 v)
{
	v = MC_BE32(v);
	memcpy(p, &v, 4);
}

static inline void mc_put_be64(u8 *p, u64 v)
{
	v = MC_BE64(v);
	memcpy(p, &v, 8);
}
#else
/* Byte-wise loads and stores: no alignment or endianness assumptions. */
static inline u16 mc_get_be16(const u8 *p)
{
	return (u16)(p[0] << 8 | p[1]);
}

static inline u32 mc_get_be32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

static inline u64 mc_get_be64(const u8 *p)
{
	return (u64)mc_get_be32(p) << 32 | mc_get_be32(p + 4);
}

static inline void mc_put_be16(u8 *p, u16 v)
{
	p[0] = (u8)(v >> 8);
	p[1] = (u8)v;
}

static inline void mc_put_be32(u8 *p, u32 v)
{
	p[0] = (u8)(v >> 24);
	p[1] = (u8)(v >> 16);
	p[2] = (u8)(v >> 8);
	p[3] = (u8)v;
}

static inline void mc_put_be64(u8 *p, u64 v)
{
	mc_put_be32(p, (u32)(v >> 32));
	mc_put_be32(p + 4, (u32)v);
}
#endif

#endif /* MCSEC_CORE_COMPAT_H */
