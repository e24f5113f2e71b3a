// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * fastpath.c: a member's groups and keys into mcsec.ko (generic netlink) or
 * mcsec-dpdk (its control socket), both through libmcsec. Keys pass in
 * libmcsec's locked key pages and are wiped after use.
 *
 * "none" installs nothing and says so in the logs: it is for testing the
 * key server and for its benchmarks, never for forwarding.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "libmcsec.h"
#include "fastpath.h"

static int fp_fail(const struct mcsec_err *e, int ret, char *err, size_t len)
{
	snprintf(err, len, "%s%s%s", strerror(-ret), e->msg[0] ? ": " : "", e->msg);
	return ret;
}

int fp_open(struct fastpath *fp, const struct cfg_client *c, char *err, size_t len)
{
	struct mcsec_err e = { 0 };
	int ret = 0;

	memset(fp, 0, sizeof(*fp));
	fp->kind = c->fastpath;
	if (fp->kind == CFG_FP_KERNEL)
		ret = mcsec_open_kernel(&fp->conn, &e);
	else if (fp->kind == CFG_FP_DPDK)
		ret = mcsec_open_dpdk(&fp->conn, c->dpdk_socket, &e);
	return ret ? fp_fail(&e, ret, err, len) : 0;
}

void fp_close(struct fastpath *fp)
{
	if (fp->conn)
		mcsec_close(fp->conn);
	fp->conn = NULL;
}

static void to_group(const struct proto_msg *m, struct mcsec_group *g)
{
	size_t alen = m->family == AF_INET ? 4 : 16;

	memset(g, 0, sizeof(*g));
	g->daddr.family = m->family;
	memcpy(g->daddr.bytes, m->daddr, alen);
	if (proto_has(m, MCSECD_A_SADDR)) {
		g->has_saddr = true;
		g->saddr.family = m->family;
		memcpy(g->saddr.bytes, m->saddr, alen);
	}
	g->port = m->port;
	g->dir = m->role;
	g->format = m->format;
	g->flags = m->flags;
}

struct names {
	struct fp_sa_name *v;
	int n, max;
};

static int collect(const struct mcsec_sa *sa, void *arg)
{
	struct names *n = arg;

	if (n->n < n->max) {
		n->v[n->n].spi = sa->spi;
		n->v[n->n].parity = sa->parity;
		n->n++;
	}
	return 0;
}

int fp_group(struct fastpath *fp, const struct proto_msg *m, uint32_t *id,
	     struct fp_sa_name *names, int *nnames, int max, char *err, size_t len)
{
	struct mcsec_err e = { 0 };
	struct mcsec_group g, found;
	struct mcsec_match match = { 0 };
	struct names n = { names, 0, max };
	int ret;

	*nnames = 0;
	if (!fp->conn) {
		*id = ++fp->fake_id;
		return 0;
	}
	to_group(m, &g);
	match.daddr = g.daddr;
	match.has_port = true;
	match.port = g.port;
	match.has_saddr = g.has_saddr;
	match.saddr = g.saddr;
	match.dir = g.dir;
	ret = mcsec_group_find(fp->conn, &match, &found, &e);
	if (ret == 0 && found.format == g.format && found.flags == g.flags &&
	    found.has_saddr == g.has_saddr) {
		/* ours from before a restart: keep it, and what it holds */
		*id = found.id;
		ret = mcsec_sa_dump(fp->conn, found.id, collect, &n, &e);
		if (ret)
			return fp_fail(&e, ret, err, len);
		*nnames = n.n;
		return 0;
	}
	if (ret == 0) {
		/* the same flow set up differently: ours now */
		ret = mcsec_group_del(fp->conn, found.id, &e);
		if (ret)
			return fp_fail(&e, ret, err, len);
	} else if (ret != -ENOENT) {
		return fp_fail(&e, ret, err, len);
	}
	memset(&e, 0, sizeof(e));
	ret = mcsec_group_add(fp->conn, &g, id, &e);
	return ret ? fp_fail(&e, ret, err, len) : 0;
}

int fp_group_del(struct fastpath *fp, uint32_t id, char *err, size_t len)
{
	struct mcsec_err e = { 0 };
	int ret;

	if (!fp->conn)
		return 0;
	ret = mcsec_group_del(fp->conn, id, &e);
	return ret && ret != -ENOENT ? fp_fail(&e, ret, err, len) : 0;
}

int fp_key_add(struct fastpath *fp, uint32_t id, uint8_t fmt, const struct proto_msg *m,
	       char *err, size_t len)
{
	struct mcsec_err e = { 0 };
	struct mcsec_sa sa = { .group_id = id, .suite = m->suite };
	struct mcsec_key *key;
	int ret;

	if (!fp->conn)
		return 0;
	key = mcsec_key_alloc();
	if (!key) {
		snprintf(err, len, "out of memory");
		return -ENOMEM;
	}
	key->len = m->key_len;
	memcpy(key->bytes, m->key, m->key_len);
	sa.key = key;
	if (mcsec_format_is_ts(fmt)) {
		sa.parity = m->parity;
	} else {
		sa.spi = m->spi;
		sa.has_flags = true;
		sa.flags = MCSEC_SA_F_ESN;
	}
	if (proto_has(m, MCSECD_A_LIFETIME) && m->lifetime) {
		sa.has_hard = true;
		sa.hard.seconds = m->lifetime;
	}
	ret = mcsec_sa_add(fp->conn, &sa, &e);
	mcsec_key_free(key);
	return ret ? fp_fail(&e, ret, err, len) : 0;
}

/* SA_SET active or SA_DEL of the key named by spi (ESP) or parity (TS). */
static int sa_op(struct fastpath *fp, int (*op)(struct mcsec_conn *, const struct mcsec_sa *,
						  struct mcsec_err *),
		 uint32_t id, uint32_t spi, uint8_t parity, bool gone_ok, char *err, size_t len)
{
	struct mcsec_err e = { 0 };
	struct mcsec_sa sa = { .group_id = id, .spi = spi, .parity = parity };
	int ret;

	if (!fp->conn)
		return 0;
	ret = op(fp->conn, &sa, &e);
	if (ret == -ENOENT && gone_ok)
		ret = 0;
	return ret ? fp_fail(&e, ret, err, len) : 0;
}

int fp_key_active(struct fastpath *fp, uint32_t id, uint32_t spi, uint8_t parity,
		  char *err, size_t len)
{
	return sa_op(fp, mcsec_sa_set_active, id, spi, parity, false, err, len);
}

int fp_key_del(struct fastpath *fp, uint32_t id, uint32_t spi, uint8_t parity,
	       char *err, size_t len)
{
	/* already gone is what was asked */
	return sa_op(fp, mcsec_sa_del, id, spi, parity, true, err, len);
}
