// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Key files: hex digits, whitespace ignored, '#' comments to the end of the
 * line, the same format mcsec-pcap reads. ESP key material is the key
 * followed by its 4-byte salt, as `ip xfrm` takes it; a TS control word is
 * 16 bytes. Keys never come from the command line. The file is read with
 * read(2) into a stack buffer (no stdio buffer keeps a copy) wiped after.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "mcsec-dpdk.h"

#define KEY_FILE_MAX	65536

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

void mcd_key_wipe(struct mcd_key_material *km)
{
	explicit_bzero(km->bytes, sizeof(km->bytes));
	km->len = 0;
}

bool mcd_key_file_read(const char *path, u32 expected,
		       struct mcd_key_material *km, char *err, size_t errlen)
{
	u8 buf[512];
	bool comment = false, ok = true;
	u64 ndigits = 0, total = 0;
	u32 line = 1;
	int fd, half = -1;
	ssize_t n;

	km->len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "key file %s: %s", path, strerror(errno));
		return false;
	}
	while (ok && (n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "key file %s: %s", path,
				 strerror(errno));
			ok = false;
			break;
		}
		total += (u64)n;
		if (total > KEY_FILE_MAX) {
			snprintf(err, errlen, "key file %s: larger than 64 KiB",
				 path);
			ok = false;
			break;
		}
		for (ssize_t i = 0; i < n && ok; i++) {
			int c = buf[i], v;

			if (c == '\n') {
				line++;
				comment = false;
			} else if (comment || c == ' ' || c == '\t' ||
				   c == '\r' || c == '\v' || c == '\f') {
				continue;
			} else if (c == '#') {
				comment = true;
			} else if ((v = hexval(c)) < 0) {
				/* The character is not shown: it may be
				 * part of a key. */
				snprintf(err, errlen,
					 "key file %s: line %u: not a hex digit",
					 path, line);
				ok = false;
			} else {
				ndigits++;
				if (half < 0) {
					half = v;
					continue;
				}
				if (km->len < MCD_KEY_MAX)
					km->bytes[km->len] = (u8)(half << 4 | v);
				km->len++;
				half = -1;
			}
		}
	}
	explicit_bzero(buf, sizeof(buf));
	half = -1;
	close(fd);
	if (ok && ndigits % 2) {
		snprintf(err, errlen, "key file %s: odd number of hex digits",
			 path);
		ok = false;
	}
	if (ok && km->len != expected) {
		snprintf(err, errlen,
			 "key file %s: %u bytes of key material, expected %u",
			 path, km->len, expected);
		ok = false;
	}
	if (!ok)
		mcd_key_wipe(km);
	return ok;
}
