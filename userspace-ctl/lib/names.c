// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The names of the uapi enums, as mcsecctl reads and prints them. Counters
 * keep their uapi names, lower case with dashes: MCSEC_STAT_A_IN_PKTS_OK is
 * "in-pkts-ok".
 */
#include <string.h>

#include "libmcsec.h"
#include "suite.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const char *const dir_names[] = {
	[MCSEC_DIR_ENCRYPT] = "encrypt",
	[MCSEC_DIR_DECRYPT] = "decrypt",
};

static const char *const format_names[] = {
	[MCSEC_FORMAT_ESP_TUNNEL] = "esp-tunnel",
	[MCSEC_FORMAT_ESP_TRANSPORT] = "esp-transport",
	[MCSEC_FORMAT_TS_CISSA] = "ts-cissa",
	[MCSEC_FORMAT_TS_IDSA] = "ts-idsa",
};

static const char *const suite_names[] = {
	[MCSEC_SUITE_AES128_GCM] = "aes128-gcm",
	[MCSEC_SUITE_AES256_GCM] = "aes256-gcm",
	[MCSEC_SUITE_AES128_GMAC] = "aes128-gmac",
	[MCSEC_SUITE_CHACHA20_POLY1305] = "chacha20-poly1305",
	[MCSEC_SUITE_AES128_CBC] = "aes128-cbc",
};

static const char *const parity_names[] = {
	[MCSEC_PARITY_EVEN] = "even",
	[MCSEC_PARITY_ODD] = "odd",
};

static const char *const event_names[] = {
	[MCSEC_EVENT_SOFT_EXPIRE] = "soft-expire",
	[MCSEC_EVENT_HARD_EXPIRE] = "hard-expire",
	[MCSEC_EVENT_SEQ_EXHAUSTED] = "seq-exhausted",
};

static const char *const limit_names[] = {
	[MCSEC_LIMIT_PACKETS] = "packets",
	[MCSEC_LIMIT_BYTES] = "bytes",
	[MCSEC_LIMIT_SECONDS] = "seconds",
};

static const char *const stat_names[] = {
	[MCSEC_STAT_A_OUT_PKTS_PROTECTED] = "out-pkts-protected",
	[MCSEC_STAT_A_OUT_OCTETS_PROTECTED] = "out-octets-protected",
	[MCSEC_STAT_A_OUT_PKTS_NO_SA] = "out-pkts-no-sa",
	[MCSEC_STAT_A_OUT_PKTS_SEQ_EXHAUSTED] = "out-pkts-seq-exhausted",
	[MCSEC_STAT_A_OUT_PKTS_TOO_BIG] = "out-pkts-too-big",
	[MCSEC_STAT_A_OUT_PKTS_UNSUPPORTED] = "out-pkts-unsupported",
	[MCSEC_STAT_A_IN_PKTS_OK] = "in-pkts-ok",
	[MCSEC_STAT_A_IN_OCTETS_OK] = "in-octets-ok",
	[MCSEC_STAT_A_IN_PKTS_TRUNCATED] = "in-pkts-truncated",
	[MCSEC_STAT_A_IN_PKTS_MALFORMED] = "in-pkts-malformed",
	[MCSEC_STAT_A_IN_PKTS_NO_SA] = "in-pkts-no-sa",
	[MCSEC_STAT_A_IN_PKTS_REPLAYED] = "in-pkts-replayed",
	[MCSEC_STAT_A_IN_PKTS_LATE] = "in-pkts-late",
	[MCSEC_STAT_A_IN_PKTS_AUTH_FAILED] = "in-pkts-auth-failed",
	[MCSEC_STAT_A_IN_PKTS_BAD_PADDING] = "in-pkts-bad-padding",
	[MCSEC_STAT_A_IN_PKTS_BAD_NEXT_HEADER] = "in-pkts-bad-next-header",
	[MCSEC_STAT_A_IN_PKTS_CLEARTEXT] = "in-pkts-cleartext",
	[MCSEC_STAT_A_TS_PKTS_SCRAMBLED] = "ts-pkts-scrambled",
	[MCSEC_STAT_A_TS_PKTS_DESCRAMBLED] = "ts-pkts-descrambled",
	[MCSEC_STAT_A_TS_PKTS_CLEAR] = "ts-pkts-clear",
	[MCSEC_STAT_A_TS_PKTS_NO_PAYLOAD] = "ts-pkts-no-payload",
	[MCSEC_STAT_A_TS_PKTS_ALREADY_SCRAMBLED] = "ts-pkts-already-scrambled",
	[MCSEC_STAT_A_TS_PKTS_RESERVED_SC] = "ts-pkts-reserved-sc",
	[MCSEC_STAT_A_PKTS_UNMATCHED] = "pkts-unmatched",
};

static const char *lookup(const char *const *names, size_t n, unsigned int v)
{
	return v < n ? names[v] : NULL;
}

static uint8_t reverse(const char *const *names, size_t n, const char *s)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (names[i] && !strcmp(names[i], s))
			return (uint8_t)i;
	return 0;
}

const char *mcsec_dir_name(uint8_t dir)
{
	return lookup(dir_names, ARRAY_LEN(dir_names), dir);
}

const char *mcsec_format_name(uint8_t format)
{
	return lookup(format_names, ARRAY_LEN(format_names), format);
}

const char *mcsec_suite_name(uint8_t suite)
{
	return lookup(suite_names, ARRAY_LEN(suite_names), suite);
}

const char *mcsec_parity_name(uint8_t parity)
{
	return lookup(parity_names, ARRAY_LEN(parity_names), parity);
}

const char *mcsec_event_name(uint8_t type)
{
	return lookup(event_names, ARRAY_LEN(event_names), type);
}

const char *mcsec_limit_name(uint8_t limit)
{
	return lookup(limit_names, ARRAY_LEN(limit_names), limit);
}

const char *mcsec_stat_name(int stat)
{
	return stat < 0 ? NULL :
	       lookup(stat_names, ARRAY_LEN(stat_names), (unsigned int)stat);
}

uint8_t mcsec_dir_parse(const char *s)
{
	return reverse(dir_names, ARRAY_LEN(dir_names), s);
}

uint8_t mcsec_format_parse(const char *s)
{
	return reverse(format_names, ARRAY_LEN(format_names), s);
}

uint8_t mcsec_suite_parse(const char *s)
{
	return reverse(suite_names, ARRAY_LEN(suite_names), s);
}

uint8_t mcsec_parity_parse(const char *s)
{
	return reverse(parity_names, ARRAY_LEN(parity_names), s);
}

bool mcsec_format_is_ts(uint8_t format)
{
	return format == MCSEC_FORMAT_TS_CISSA || format == MCSEC_FORMAT_TS_IDSA;
}

uint32_t mcsec_suite_key_len(uint8_t suite)
{
	return mc_suite_key_len(suite);
}

uint32_t mcsec_suite_salt_len(uint8_t suite)
{
	if (suite == MCSEC_SUITE_AES128_CBC || !mcsec_suite_key_len(suite))
		return 0;
	return MCSEC_SALT_LEN;
}
