// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Running parsed commands: the connection, naming a group by its selector,
 * and errors as the peer said them (errno text, then its extack message).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mcsecctl.h"

int report(const char *what, const struct mcsec_err *err)
{
	fprintf(stderr, PROG ": %s: %s%s%s\n", what, strerror(err->code),
		err->msg[0] ? ": " : "", err->msg);
	return EXIT_RUNTIME;
}

int ctx_conn(struct ctx *ctx, const char *what)
{
	struct mcsec_err err = { 0 };
	int ret;

	if (ctx->conn)
		return EXIT_OK;
	ret = ctx->dpdk ? mcsec_open_dpdk(&ctx->conn, ctx->dpdk, &err) :
			  mcsec_open_kernel(&ctx->conn, &err);
	return ret ? report(what, &err) : EXIT_OK;
}

/* "239.1.1.1 port 5000 dir encrypt", as the operator would type it. */
static void describe(const struct mcsec_match *m, char *buf, size_t len)
{
	char addr[64];
	int off;

	format_addr(&m->daddr, addr, sizeof(addr));
	off = snprintf(buf, len, "%s", addr);
	if (m->has_port)
		off += snprintf(buf + off, len - (size_t)off, " port %u", m->port);
	if (m->has_saddr) {
		format_addr(&m->saddr, addr, sizeof(addr));
		off += snprintf(buf + off, len - (size_t)off, " src %s", addr);
	}
	if (m->dir)
		snprintf(buf + off, len - (size_t)off, " dir %s",
			 mcsec_dir_name(m->dir));
}

int resolve_group(struct ctx *ctx, const struct mcsec_match *m,
		  struct mcsec_group *g, const char *what)
{
	struct mcsec_err err = { 0 };
	char sel[256];

	if (!mcsec_group_find(ctx->conn, m, g, &err))
		return EXIT_OK;
	describe(m, sel, sizeof(sel));
	if (err.code == ENOENT || err.code == ENOTUNIQ)
		fprintf(stderr, PROG ": %s: group %s: %s\n", what, sel, err.msg);
	else
		report(what, &err);
	return EXIT_RUNTIME;
}

void cmd_free(struct cmd *c)
{
	mcsec_key_free(c->key);
	c->key = NULL;
	c->sa.key = NULL;
}

static int exec_group(struct ctx *ctx, struct cmd *c, const char *what,
		      struct mcsec_err *err)
{
	struct mcsec_group g;
	int ret;

	if (c->verb == VERB_ADD)
		return mcsec_group_add(ctx->conn, &c->group, NULL, err);
	ret = resolve_group(ctx, &c->match, &g, what);
	if (ret)
		return 1;	/* already reported */
	if (c->verb == VERB_SET)
		return mcsec_group_set_parity(ctx->conn, g.id, c->parity, err);
	return mcsec_group_del(ctx->conn, g.id, err);
}

static int exec_sa(struct ctx *ctx, struct cmd *c, const char *what,
		   struct mcsec_err *err)
{
	struct mcsec_group g;
	if (resolve_group(ctx, &c->match, &g, what))
		return 1;	/* already reported */
	c->sa.group_id = g.id;
	if (c->verb == VERB_ADD)
		return mcsec_sa_add(ctx->conn, &c->sa, err);
	if (c->verb == VERB_SET)
		return mcsec_sa_set_active(ctx->conn, &c->sa, err);
	return mcsec_sa_del(ctx->conn, &c->sa, err);
}

int cmd_exec(struct ctx *ctx, struct cmd *c, const char *where)
{
	static const char *const verbs[] = { "add", "set", "del", "show" };
	struct mcsec_err err = { 0 };
	char what[512];
	int ret;

	snprintf(what, sizeof(what), "%s%s%s %s", where ? where : "",
		 where ? ": " : "", c->object == OBJ_GROUP ? "group" : "sa",
		 verbs[c->verb]);
	ret = ctx_conn(ctx, what);
	if (ret)
		return ret;
	ret = c->object == OBJ_GROUP ? exec_group(ctx, c, what, &err) :
				       exec_sa(ctx, c, what, &err);
	if (ret > 0)
		return EXIT_RUNTIME;
	return ret ? report(what, &err) : EXIT_OK;
}

static int collect(const struct mcsec_group *g, void *arg)
{
	struct group_list *gl = arg;
	struct mcsec_group *grown;

	if (gl->n < 0)
		return 1;
	if (gl->n == gl->cap) {
		gl->cap = gl->cap ? 2 * gl->cap : 16;
		grown = realloc(gl->g, (size_t)gl->cap * sizeof(*grown));
		if (!grown) {
			gl->n = -1;
			return 1;
		}
		gl->g = grown;
	}
	gl->g[gl->n++] = *g;
	return 0;
}

int group_list_load(struct ctx *ctx, struct group_list *gl, const char *what)
{
	struct mcsec_err err = { 0 };
	int ret, tries = 0;

	do {
		gl->n = 0;
		ret = mcsec_group_dump(ctx->conn, collect, gl, &err);
	} while (ret == -EINTR && ++tries < 5);
	if (!ret && gl->n < 0)
	{
		err.code = ENOMEM;
		ret = -ENOMEM;
	}
	if (ret) {
		group_list_free(gl);
		return report(what, &err);
	}
	return EXIT_OK;
}

const struct mcsec_group *group_list_find(const struct group_list *gl,
					  uint32_t id)
{
	int lo = 0, hi = gl->n - 1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;

		if (gl->g[mid].id == id)
			return &gl->g[mid];
		if (gl->g[mid].id < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

void group_list_free(struct group_list *gl)
{
	free(gl->g);
	*gl = (struct group_list){ 0 };
}
