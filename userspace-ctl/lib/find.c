// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * A group by what an operator knows of it (address, port, and where that is
 * not enough, source, input interface or direction), resolved to its ID by
 * a dump: the requests that follow name the group by ID, which both fast
 * paths take. What is not given matches anything, but where that leaves
 * several, the one group that has none of what was left out (no source, no
 * input interface) is the one meant: (*,G) next to (S,G) is "G".
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "internal.h"

struct finder {
	const struct mcsec_match *m;
	struct mcsec_group *found;
	int n;
	struct mcsec_group bare;	/* the first match without what m lacks */
	int nbare;
};

/* g has no source where m gives none, no input interface where m gives
 * none. */
static bool bare(const struct mcsec_match *m, const struct mcsec_group *g)
{
	return (m->has_saddr || !g->has_saddr) && (m->ifindex || !g->ifindex);
}

static bool addr_eq(const struct mcsec_addr *a, const struct mcsec_addr *b)
{
	return a->family == b->family &&
	       !memcmp(a->bytes, b->bytes, a->family == AF_INET ? 4 : 16);
}

static bool matches(const struct mcsec_match *m, const struct mcsec_group *g)
{
	if (!addr_eq(&m->daddr, &g->daddr))
		return false;
	if (m->has_port && m->port != g->port)
		return false;
	if (m->has_saddr && (!g->has_saddr || !addr_eq(&m->saddr, &g->saddr)))
		return false;
	if (m->ifindex && m->ifindex != g->ifindex)
		return false;
	return !m->dir || m->dir == g->dir;
}

static int find_one(const struct mcsec_group *g, void *arg)
{
	struct finder *f = arg;

	if (!matches(f->m, g))
		return 0;
	if (!f->n++)
		*f->found = *g;
	if (bare(f->m, g) && !f->nbare++)
		f->bare = *g;
	return 0;
}

int mcsec_group_find(struct mcsec_conn *conn, const struct mcsec_match *m,
		     struct mcsec_group *g, struct mcsec_err *err)
{
	struct finder f = { .m = m, .found = g };
	int ret, tries = 0;

	do {
		f.n = 0;
		f.nbare = 0;
		ret = mcsec_group_dump(conn, find_one, &f, err);
	} while (ret == -EINTR && ++tries < 5);
	if (ret)
		return ret;
	if (!f.n)
		return mcsec_fail(err, ENOENT, "no such group");
	if (f.n > 1 && f.nbare == 1) {
		*g = f.bare;
		return 0;
	}
	if (f.n > 1)
		return mcsec_fail(err, ENOTUNIQ,
				  "%d groups match: give the direction, source or input interface",
				  f.n);
	return 0;
}
