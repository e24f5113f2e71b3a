// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Keys: one locked page per key, wiped when freed, and the key-file format
 * of mcsec-pcap: hex digits, whitespace ignored, '#' starts a comment that
 * runs to the end of the line, "-" reads stdin. Files are read with read(2)
 * into a stack buffer (no stdio buffer keeps a copy) that is wiped after.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "libmcsec.h"

#define KEY_FILE_MAX	65536

struct mcsec_key *mcsec_key_alloc(void)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p;

	p = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	/* Best effort: a low RLIMIT_MEMLOCK must not stop an operator. */
	(void)mlock(p, (size_t)page);
	(void)madvise(p, (size_t)page, MADV_DONTDUMP);
	return p;
}

void mcsec_key_free(struct mcsec_key *key)
{
	long page = sysconf(_SC_PAGESIZE);

	if (!key)
		return;
	explicit_bzero(key, sizeof(*key));
	munlock(key, (size_t)page);
	munmap(key, (size_t)page);
}

static int nibble(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

struct hex_state {
	struct mcsec_key *key;
	uint64_t digits;
	uint64_t bytes;		/* found, even past MCSEC_KEY_MAX */
	unsigned int line;
	bool comment;
	int hi;
};

static bool is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* One character; false on a character that is not allowed. */
static bool hex_feed(struct hex_state *st, int c)
{
	int v;

	if (c == '\n') {
		st->line++;
		st->comment = false;
		return true;
	}
	if (st->comment || is_blank(c))
		return true;
	if (c == '#') {
		st->comment = true;
		return true;
	}
	v = nibble(c);
	if (v < 0)
		return false;
	st->digits++;
	if (st->hi < 0) {
		st->hi = v;
		return true;
	}
	if (st->key->len < MCSEC_KEY_MAX)
		st->key->bytes[st->key->len++] = (uint8_t)(st->hi << 4 | v);
	st->bytes++;
	st->hi = -1;
	return true;
}

static int open_key(const char *path, char *msg, size_t msg_len)
{
	int fd;

	if (!strcmp(path, "-"))
		return STDIN_FILENO;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		snprintf(msg, msg_len, "key file %s: %s", path, strerror(errno));
	return fd < 0 ? -errno : fd;
}

/* Reads and decodes the whole file; 0 or -errno with msg written. */
static int hex_read(int fd, const char *path, struct hex_state *st,
		    char *msg, size_t msg_len)
{
	uint8_t chunk[512];
	uint64_t total = 0;
	int err = 0;
	ssize_t n, i;

	while (!err && (n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			snprintf(msg, msg_len, "key file %s: %s", path,
				 strerror(errno));
			break;
		}
		total += (uint64_t)n;
		if (total > KEY_FILE_MAX) {
			snprintf(msg, msg_len,
				 "key file %s: larger than 64 KiB, not a key file",
				 path);
			err = -EFBIG;
		}
		for (i = 0; i < n && !err; i++) {
			if (!hex_feed(st, chunk[i])) {
				/* The character is not shown: it may sit in
				 * the middle of a key. */
				snprintf(msg, msg_len,
					 "key file %s: line %u: not a hex digit (keys are hex; '#' starts a comment)",
					 path, st->line);
				err = -EINVAL;
			}
		}
	}
	explicit_bzero(chunk, sizeof(chunk));
	return err;
}

int mcsec_key_read(const char *path, struct mcsec_key *key, char *msg,
		   size_t msg_len)
{
	struct hex_state st = { .key = key, .line = 1, .hi = -1 };
	int fd, err;

	key->len = 0;
	fd = open_key(path, msg, msg_len);
	if (fd < 0)
		return fd;
	err = hex_read(fd, path, &st, msg, msg_len);
	if (fd != STDIN_FILENO)
		close(fd);
	if (!err && st.digits % 2) {
		snprintf(msg, msg_len, "key file %s: odd number of hex digits (%llu)",
			 path, (unsigned long long)st.digits);
		err = -EINVAL;
	}
	st.hi = -1;
	if (err) {
		explicit_bzero(key, sizeof(*key));
		return err;
	}
	return st.bytes > INT32_MAX ? INT32_MAX : (int)st.bytes;
}
