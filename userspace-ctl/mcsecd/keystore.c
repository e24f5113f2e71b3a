// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * keystore.c: traffic keys from the OS CSPRNG and the server's state file.
 *
 * The state file is text so that an operator can see what it holds (key
 * bytes as hex: the file is 0600, like any private key), one line per
 * group and one per key, rewritten whole after every change of a rotation
 * (a few hundred bytes per group).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libmcsec.h"
#include "keystore.h"

#define STATE_MAGIC "# mcsecd state 1"

const char *gphase_name(enum gphase p)
{
	static const char *const n[] = { "idle", "distribute", "switch", "grace" };

	return p <= PH_GRACE ? n[p] : "?";
}

void gkey_wipe(struct gkey *k)
{
	explicit_bzero(k, sizeof(*k));
}

static int random_bytes(void *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t r = getrandom((uint8_t *)buf + off, len - off, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		off += r;
	}
	return 0;
}

int keystore_new_key(struct gstate *g, struct gkey *k)
{
	uint32_t len = mcsec_suite_key_len(g->suite) + mcsec_suite_salt_len(g->suite);
	int ret;

	memset(k, 0, sizeof(*k));
	if (!len || len > sizeof(k->key))
		return -EINVAL;
	ret = random_bytes(k->key, len);
	if (ret < 0)
		return ret;
	k->len = len;
	if (mcsec_format_is_ts(g->format)) {
		k->parity = g->cur.set && g->cur.parity == MCSEC_PARITY_EVEN ?
			    MCSEC_PARITY_ODD : MCSEC_PARITY_EVEN;
	} else {
		/* 1-255 are reserved (RFC 4303); never one the group holds */
		do {
			ret = random_bytes(&k->spi, sizeof(k->spi));
			if (ret < 0)
				return ret;
		} while (k->spi < 256 || (g->cur.set && k->spi == g->cur.spi) ||
			 (g->old.set && k->spi == g->old.spi) ||
			 (g->next.set && k->spi == g->next.spi));
	}
	k->epoch = ++g->epoch;
	k->set = true;
	return 0;
}

struct gstate *keystore_find(struct keystore *ks, const char *name)
{
	for (int i = 0; i < ks->n; i++)
		if (!strcmp(ks->g[i].name, name))
			return &ks->g[i];
	return NULL;
}

/* The array may move: the server points its sessions at groups again
 * after every change (server.c, sessions_rebind). */
struct gstate *keystore_add(struct keystore *ks, const char *name, uint8_t format,
			    uint8_t suite)
{
	struct gstate *g = realloc(ks->g, (ks->n + 1) * sizeof(*g));

	if (!g)
		return NULL;
	ks->g = g;
	g = &ks->g[ks->n++];
	memset(g, 0, sizeof(*g));
	snprintf(g->name, sizeof(g->name), "%s", name);
	g->format = format;
	g->suite = suite;
	return g;
}

void keystore_del(struct keystore *ks, struct gstate *g)
{
	int i = (int)(g - ks->g);

	gkey_wipe(&g->cur);
	gkey_wipe(&g->next);
	gkey_wipe(&g->old);
	memmove(g, g + 1, (ks->n - i - 1) * sizeof(*g));
	ks->n--;
	explicit_bzero(&ks->g[ks->n], sizeof(*g));
}

void keystore_free(struct keystore *ks)
{
	if (ks->g)
		explicit_bzero(ks->g, ks->n * sizeof(*ks->g));
	free(ks->g);
	ks->g = NULL;
	ks->n = 0;
}

int write_atomic(const char *path, const void *buf, size_t len)
{
	char tmp[512], dir[512];
	size_t off = 0;
	int fd, dfd, e;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	while (off < len) {
		ssize_t w = write(fd, (const char *)buf + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			goto fail;
		off += w;
	}
	if (fchmod(fd, 0600) < 0 || fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto fail;
	/* the rename itself must reach the disk */
	snprintf(dir, sizeof(dir), "%s", path);
	dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return -e;
}

static size_t put_key(char *out, size_t room, const char *slot, const struct gkey *k)
{
	size_t n = snprintf(out, room, "key %s spi 0x%08x parity %u epoch %" PRIu64
			    " created %" PRId64 " material ", slot, k->spi, k->parity,
			    k->epoch, k->created);

	for (uint32_t i = 0; i < k->len && n + 3 < room; i++)
		n += snprintf(out + n, room - n, "%02x", k->key[i]);
	n += snprintf(out + n, room - n, "\n");
	return n;
}

int keystore_save(const struct keystore *ks, char *err, size_t len)
{
	size_t room = 256 + (size_t)ks->n * 1024, n = 0;
	char *buf = malloc(room);
	int ret;

	if (!buf) {
		snprintf(err, len, "state: out of memory");
		return -1;
	}
	n += snprintf(buf, room, STATE_MAGIC " (keys inside: mode 0600, do not edit)\n");
	for (int i = 0; i < ks->n; i++) {
		const struct gstate *g = &ks->g[i];

		n += snprintf(buf + n, room - n, "group %s format %u suite %u epoch %" PRIu64
			      " phase %u deadline %" PRId64 " rekey-at %" PRId64
			      " rotations %" PRIu64 " pending %d\n", g->name, g->format, g->suite,
			      g->epoch, g->phase, g->deadline, g->rekey_at, g->rotations, g->pending);
		if (g->cur.set)
			n += put_key(buf + n, room - n, "cur", &g->cur);
		if (g->next.set)
			n += put_key(buf + n, room - n, "next", &g->next);
		if (g->old.set)
			n += put_key(buf + n, room - n, "old", &g->old);
	}
	ret = write_atomic(ks->path, buf, n);
	explicit_bzero(buf, room);
	free(buf);
	if (ret < 0) {
		snprintf(err, len, "state %s: %s", ks->path, strerror(-ret));
		return -1;
	}
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int parse_key_line(struct gstate *g, const char *line)
{
	char slot[8], hex[2 * MCSECD_KEYMAT_MAX + 3];
	unsigned parity;
	struct gkey k = { .set = true };
	struct gkey *dst;
	size_t hl;
	int ret = -1;

	if (sscanf(line, "key %7s spi %" SCNx32 " parity %u epoch %" SCNu64 " created %" SCNd64
		   " material %130s", slot, &k.spi, &parity, &k.epoch, &k.created, hex) != 6)
		goto out;
	dst = !strcmp(slot, "cur") ? &g->cur : !strcmp(slot, "next") ? &g->next :
	      !strcmp(slot, "old") ? &g->old : NULL;
	hl = strlen(hex);
	if (!dst || dst->set || parity > MCSEC_PARITY_MAX || hl % 2 ||
	    hl / 2 != mcsec_suite_key_len(g->suite) + mcsec_suite_salt_len(g->suite))
		goto out;
	k.parity = (uint8_t)parity;
	k.len = (uint32_t)(hl / 2);
	for (size_t i = 0; i < k.len; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			goto out;
		k.key[i] = (uint8_t)(hi << 4 | lo);
	}
	*dst = k;
	ret = 0;
out:
	explicit_bzero(hex, sizeof(hex));
	gkey_wipe(&k);
	return ret;
}

int keystore_load(struct keystore *ks, const char *path, char *err, size_t len)
{
	struct gstate *g = NULL;
	char line[512];
	int lineno = 0, ret = 0;
	struct stat st;
	FILE *f;

	memset(ks, 0, sizeof(*ks));
	snprintf(ks->path, sizeof(ks->path), "%s", path);
	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, len, "state %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) == 0 && (st.st_mode & 077)) {
		snprintf(err, len, "state %s: mode %04o, must not be readable by others",
			 path, st.st_mode & 07777);
		fclose(f);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char name[MCSECD_NAME_MAX + 2];
		unsigned fmt, suite, phase;
		int pending;
		struct gstate tmp = { 0 };

		lineno++;
		if (lineno == 1) {
			if (strncmp(line, STATE_MAGIC, strlen(STATE_MAGIC)))
				goto bad;
			continue;
		}
		if (!strncmp(line, "group ", 6)) {
			if (sscanf(line, "group %64s format %u suite %u epoch %" SCNu64
				   " phase %u deadline %" SCNd64 " rekey-at %" SCNd64
				   " rotations %" SCNu64 " pending %d", name, &fmt, &suite,
				   &tmp.epoch, &phase, &tmp.deadline, &tmp.rekey_at,
				   &tmp.rotations, &pending) != 9 ||
			    strlen(name) > MCSECD_NAME_MAX || phase > PH_GRACE ||
			    !mcsec_suite_key_len((uint8_t)suite) || keystore_find(ks, name))
				goto bad;
			g = keystore_add(ks, name, (uint8_t)fmt, (uint8_t)suite);
			if (!g)
				goto bad;
			g->epoch = tmp.epoch;
			g->phase = phase;
			g->deadline = tmp.deadline;
			g->rekey_at = tmp.rekey_at;
			g->rotations = tmp.rotations;
			g->pending = pending != 0;
		} else if (!strncmp(line, "key ", 4)) {
			if (!g || parse_key_line(g, line) < 0)
				goto bad;
		} else {
			goto bad;
		}
	}
	goto out;
bad:
	snprintf(err, len, "%s:%d: not a valid state line", path, lineno);
	keystore_free(ks);
	ret = -1;
out:
	explicit_bzero(line, sizeof(line));
	fclose(f);
	return ret;
}
