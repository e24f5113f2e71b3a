/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Facts about the suites of the uapi header that every environment needs. */
#ifndef MCSEC_CORE_SUITE_H
#define MCSEC_CORE_SUITE_H

#include "compat.h"
#include <uapi/linux/mcsec.h>

#define MC_SALT_LEN	4

/* Bytes of key for a suite (salt excluded), 0 when unknown. */
static inline u32 mc_suite_key_len(u8 suite)
{
	switch (suite) {
	case MCSEC_SUITE_AES128_GCM:
	case MCSEC_SUITE_AES128_GMAC:
	case MCSEC_SUITE_AES128_CBC:
		return 16;
	case MCSEC_SUITE_AES256_GCM:
	case MCSEC_SUITE_CHACHA20_POLY1305:
		return 32;
	default:
		return 0;
	}
}

/* ESP suites carry a 4-byte salt after the key (as `ip xfrm` takes it). */
static inline bool mc_suite_is_esp(u8 suite)
{
	return suite == MCSEC_SUITE_AES128_GCM ||
	       suite == MCSEC_SUITE_AES256_GCM ||
	       suite == MCSEC_SUITE_AES128_GMAC ||
	       suite == MCSEC_SUITE_CHACHA20_POLY1305;
}

#endif /* MCSEC_CORE_SUITE_H */
