// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Reply attributes into the library's structures. Every attribute is
 * length-checked before use; unknown ones are skipped (a newer peer may
 * add some), a known one of the wrong size makes the reply malformed.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/genetlink.h>

#include "internal.h"

struct table {
	const struct nlattr **tb;
	int max;
};

static int table_put(const struct nlattr *a, void *data)
{
	struct table *t = data;
	int type = mnl_attr_get_type(a);

	if (type <= t->max)
		t->tb[type] = a;
	return MNL_CB_OK;
}

static int parse_nest(const struct nlattr *nest, const struct nlattr **tb,
		      int max)
{
	struct table t = { tb, max };

	memset(tb, 0, sizeof(*tb) * (size_t)(max + 1));
	return mnl_attr_parse_nested(nest, table_put, &t) < 0 ? -EBADMSG : 0;
}

int mcsec_parse_top(const struct nlmsghdr *nlh,
		    const struct nlattr *tb[MCSEC_A_MAX + 1])
{
	struct table t = { tb, MCSEC_A_MAX };

	memset(tb, 0, sizeof(*tb) * (MCSEC_A_MAX + 1));
	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), table_put, &t) < 0)
		return -EBADMSG;
	return 0;
}

/* Fixed-size integer attributes: false when present with the wrong size. */
static bool get_u8(const struct nlattr *a, uint8_t *v)
{
	if (!a)
		return true;
	if (mnl_attr_validate(a, MNL_TYPE_U8) < 0)
		return false;
	*v = mnl_attr_get_u8(a);
	return true;
}

static bool get_u16(const struct nlattr *a, uint16_t *v)
{
	if (!a)
		return true;
	if (mnl_attr_validate(a, MNL_TYPE_U16) < 0)
		return false;
	*v = mnl_attr_get_u16(a);
	return true;
}

static bool get_u32(const struct nlattr *a, uint32_t *v)
{
	if (!a)
		return true;
	if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
		return false;
	*v = mnl_attr_get_u32(a);
	return true;
}

static bool get_u64(const struct nlattr *a, uint64_t *v)
{
	if (!a)
		return true;
	if (mnl_attr_validate(a, MNL_TYPE_U64) < 0)
		return false;
	*v = mnl_attr_get_u64(a);
	return true;
}

int mcsec_parse_stats(const struct nlattr *nest, uint64_t *stats)
{
	const struct nlattr *tb[MCSEC_STAT_A_MAX + 1];
	int i;

	memset(stats, 0, sizeof(*stats) * MCSEC_NSTATS);
	if (parse_nest(nest, tb, MCSEC_STAT_A_MAX))
		return -EBADMSG;
	for (i = MCSEC_STAT_A_PAD + 1; i <= MCSEC_STAT_A_MAX; i++)
		if (!get_u64(tb[i], &stats[i]))
			return -EBADMSG;
	return 0;
}

static bool get_addr(const struct nlattr *a, uint16_t family,
		     struct mcsec_addr *addr)
{
	uint16_t len = family == AF_INET ? 4 : 16;

	if (mnl_attr_get_payload_len(a) != len)
		return false;
	addr->family = family;
	memcpy(addr->bytes, mnl_attr_get_payload(a), len);
	return true;
}

static bool get_pids(const struct nlattr *a, uint8_t *map)
{
	const uint16_t *pids = mnl_attr_get_payload(a);
	uint32_t i, n = mnl_attr_get_payload_len(a) / 2;

	if (mnl_attr_get_payload_len(a) % 2)
		return false;
	for (i = 0; i < n; i++) {
		uint16_t pid;

		memcpy(&pid, &pids[i], sizeof(pid));
		if (pid > MCSEC_PID_MAX)
			return false;
		map[pid / 8] |= (uint8_t)(1u << (pid % 8));
	}
	return true;
}

static int group_addrs(const struct nlattr **tb, struct mcsec_group *g)
{
	uint16_t family = 0;

	if (!tb[MCSEC_GROUP_A_FAMILY] || !tb[MCSEC_GROUP_A_DADDR] ||
	    !get_u16(tb[MCSEC_GROUP_A_FAMILY], &family) ||
	    (family != AF_INET && family != AF_INET6) ||
	    !get_addr(tb[MCSEC_GROUP_A_DADDR], family, &g->daddr))
		return -EBADMSG;
	g->has_saddr = tb[MCSEC_GROUP_A_SADDR] != NULL;
	if (g->has_saddr && !get_addr(tb[MCSEC_GROUP_A_SADDR], family, &g->saddr))
		return -EBADMSG;
	return 0;
}

int mcsec_parse_group(const struct nlmsghdr *nlh, struct mcsec_group *g)
{
	const struct nlattr *top[MCSEC_A_MAX + 1], *tb[MCSEC_GROUP_A_MAX + 1];

	memset(g, 0, sizeof(*g));
	if (mcsec_parse_top(nlh, top) || !top[MCSEC_A_GROUP] ||
	    parse_nest(top[MCSEC_A_GROUP], tb, MCSEC_GROUP_A_MAX) ||
	    group_addrs(tb, g))
		return -EBADMSG;
	if (!get_u32(tb[MCSEC_GROUP_A_ID], &g->id) ||
	    !get_u16(tb[MCSEC_GROUP_A_PORT], &g->port) ||
	    !get_u32(tb[MCSEC_GROUP_A_IFINDEX], &g->ifindex) ||
	    !get_u8(tb[MCSEC_GROUP_A_DIR], &g->dir) ||
	    !get_u8(tb[MCSEC_GROUP_A_FORMAT], &g->format) ||
	    !get_u32(tb[MCSEC_GROUP_A_FLAGS], &g->flags) ||
	    !get_u8(tb[MCSEC_GROUP_A_TX_PARITY], &g->tx_parity) ||
	    !get_u32(tb[MCSEC_GROUP_A_TX_SPI], &g->tx_spi))
		return -EBADMSG;
	g->has_pids = tb[MCSEC_GROUP_A_PIDS] != NULL;
	if (g->has_pids && !get_pids(tb[MCSEC_GROUP_A_PIDS], g->pid_map))
		return -EBADMSG;
	g->has_stats = tb[MCSEC_GROUP_A_STATS] != NULL;
	if (g->has_stats)
		return mcsec_parse_stats(tb[MCSEC_GROUP_A_STATS], g->stats);
	return 0;
}

static int parse_lifetime(const struct nlattr *nest, struct mcsec_lifetime *lt)
{
	const struct nlattr *tb[MCSEC_LIFETIME_A_MAX + 1];

	if (parse_nest(nest, tb, MCSEC_LIFETIME_A_MAX) ||
	    !get_u64(tb[MCSEC_LIFETIME_A_PACKETS], &lt->packets) ||
	    !get_u64(tb[MCSEC_LIFETIME_A_BYTES], &lt->bytes) ||
	    !get_u64(tb[MCSEC_LIFETIME_A_SECONDS], &lt->seconds))
		return -EBADMSG;
	return 0;
}

static int group_id(const struct nlattr *nest, uint32_t *id)
{
	const struct nlattr *tb[MCSEC_GROUP_A_MAX + 1];

	if (!nest || parse_nest(nest, tb, MCSEC_GROUP_A_MAX) ||
	    !tb[MCSEC_GROUP_A_ID] || !get_u32(tb[MCSEC_GROUP_A_ID], id))
		return -EBADMSG;
	return 0;
}

static int sa_lifetimes(const struct nlattr **tb, struct mcsec_sa *sa)
{
	sa->has_soft = tb[MCSEC_SA_A_LIFETIME_SOFT] != NULL;
	sa->has_hard = tb[MCSEC_SA_A_LIFETIME_HARD] != NULL;
	if ((sa->has_soft &&
	     parse_lifetime(tb[MCSEC_SA_A_LIFETIME_SOFT], &sa->soft)) ||
	    (sa->has_hard &&
	     parse_lifetime(tb[MCSEC_SA_A_LIFETIME_HARD], &sa->hard)))
		return -EBADMSG;
	return 0;
}

int mcsec_parse_sa(const struct nlmsghdr *nlh, struct mcsec_sa *sa)
{
	const struct nlattr *top[MCSEC_A_MAX + 1], *tb[MCSEC_SA_A_MAX + 1];

	memset(sa, 0, sizeof(*sa));
	if (mcsec_parse_top(nlh, top) ||
	    group_id(top[MCSEC_A_GROUP], &sa->group_id) ||
	    !top[MCSEC_A_SA] || parse_nest(top[MCSEC_A_SA], tb, MCSEC_SA_A_MAX))
		return -EBADMSG;
	sa->has_seq = tb[MCSEC_SA_A_SEQ] != NULL;
	sa->has_replay_window = tb[MCSEC_SA_A_REPLAY_WINDOW] != NULL;
	sa->has_flags = tb[MCSEC_SA_A_FLAGS] != NULL;
	if (!get_u32(tb[MCSEC_SA_A_SPI], &sa->spi) ||
	    !get_u8(tb[MCSEC_SA_A_PARITY], &sa->parity) ||
	    !get_u8(tb[MCSEC_SA_A_SUITE], &sa->suite) ||
	    !get_u64(tb[MCSEC_SA_A_SEQ], &sa->seq) ||
	    !get_u32(tb[MCSEC_SA_A_REPLAY_WINDOW], &sa->replay_window) ||
	    !get_u32(tb[MCSEC_SA_A_FLAGS], &sa->flags) ||
	    sa_lifetimes(tb, sa))
		return -EBADMSG;
	sa->has_stats = tb[MCSEC_SA_A_STATS] != NULL;
	if (sa->has_stats)
		return mcsec_parse_stats(tb[MCSEC_SA_A_STATS], sa->stats);
	return 0;
}

int mcsec_parse_event(const struct nlmsghdr *nlh, struct mcsec_event_msg *ev)
{
	const struct nlattr *top[MCSEC_A_MAX + 1], *tb[MCSEC_EVENT_A_MAX + 1];

	memset(ev, 0, sizeof(*ev));
	if (mcsec_parse_top(nlh, top) || !top[MCSEC_A_EVENT] ||
	    parse_nest(top[MCSEC_A_EVENT], tb, MCSEC_EVENT_A_MAX) ||
	    !tb[MCSEC_EVENT_A_TYPE] ||
	    !get_u8(tb[MCSEC_EVENT_A_TYPE], &ev->type) ||
	    !get_u32(tb[MCSEC_EVENT_A_GROUP_ID], &ev->group_id) ||
	    !get_u32(tb[MCSEC_EVENT_A_SPI], &ev->spi) ||
	    !get_u8(tb[MCSEC_EVENT_A_PARITY], &ev->parity) ||
	    !get_u8(tb[MCSEC_EVENT_A_LIMIT], &ev->limit))
		return -EBADMSG;
	return 0;
}

int mcsec_parse_group_id(const struct nlmsghdr *nlh, uint32_t *id)
{
	const struct nlattr *top[MCSEC_A_MAX + 1];

	if (mcsec_parse_top(nlh, top))
		return -EBADMSG;
	return group_id(top[MCSEC_A_GROUP], id);
}
