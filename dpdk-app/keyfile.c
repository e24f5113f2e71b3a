// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Key files, in the one format every mcsec tool reads (libmcsec's
 * mcsec_key_read: hex, whitespace ignored, '#' comments to the end of the
 * line). ESP key material is the key followed by its 4-byte salt, as
 * `ip xfrm` takes it; a TS control word is 16 bytes. Keys never come from
 * the command line. The file is decoded into libmcsec's locked, undumped
 * page and only the expected number of bytes is copied out of it.
 */
#include <errno.h>
#include <string.h>

#include "libmcsec.h"
#include "mcsec-dpdk.h"

void mcd_key_wipe(struct mcd_key_material *km)
{
	explicit_bzero(km->bytes, sizeof(km->bytes));
	km->len = 0;
}

bool mcd_key_file_read(const char *path, u32 expected,
		       struct mcd_key_material *km, char *err, size_t errlen)
{
	struct mcsec_key *key;
	int n;

	km->len = 0;
	key = mcsec_key_alloc();
	if (!key) {
		snprintf(err, errlen, "key file %s: %s", path, strerror(ENOMEM));
		return false;
	}
	n = mcsec_key_read(path, key, err, errlen);
	if (n >= 0 && ((u32)n != expected || expected > sizeof(km->bytes))) {
		snprintf(err, errlen,
			 "key file %s: %d bytes of key material, expected %u",
			 path, n, expected);
		n = -EINVAL;
	}
	if (n >= 0) {
		memcpy(km->bytes, key->bytes, expected);
		km->len = expected;
	}
	mcsec_key_free(key);
	return n >= 0;
}
