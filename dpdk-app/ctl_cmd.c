// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The requests of the control API (include/uapi/linux/mcsec.h), answered
 * as mcsec.ko answers them (kmod/netlink.c): the same policies, the same
 * checks in the same order, the same extack texts and errnos, the same
 * replies attribute by attribute. Where the appliance differs it says so
 * in the extack text: it has no input interfaces (MCSEC_GROUP_A_IFINDEX is
 * refused).
 * Only the main lcore runs this, so requests never race each other; the
 * workers see changes through the RCU protocol of sa.c.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_malloc.h>

#include "ctl.h"
#include "nl.h"
#include "replay.h"
#include "suite.h"

#define U64MAX	UINT64_MAX

static const struct mcd_nla_policy lifetime_policy[MCSEC_LIFETIME_A_MAX + 1] = {
	[MCSEC_LIFETIME_A_PACKETS] = { .type = MCD_NLA_U64 },
	[MCSEC_LIFETIME_A_BYTES] = { .type = MCD_NLA_U64 },
	[MCSEC_LIFETIME_A_SECONDS] = { .type = MCD_NLA_U64 },
};

#define RANGE(t, lo, hi) { .type = (t), .check = MCD_CHECK_RANGE, .min = (lo), .max = (hi) }
#define MASK(t, m) { .type = (t), .check = MCD_CHECK_MASK, .mask = (m) }
#define NESTED(p, n) { .type = MCD_NLA_NESTED, .nested = (p), .nested_max = (n) }
#define REJECT(m) { .type = MCD_NLA_REJECT, .reject_message = (m) }

static const struct mcd_nla_policy group_policy[MCSEC_GROUP_A_MAX + 1] = {
	[MCSEC_GROUP_A_ID] = RANGE(MCD_NLA_U32, 1, UINT32_MAX),
	[MCSEC_GROUP_A_FAMILY] = { .type = MCD_NLA_U16 },
	[MCSEC_GROUP_A_DADDR] = RANGE(MCD_NLA_BINARY, 4, 16),
	[MCSEC_GROUP_A_SADDR] = RANGE(MCD_NLA_BINARY, 4, 16),
	[MCSEC_GROUP_A_PORT] = { .type = MCD_NLA_U16 },
	[MCSEC_GROUP_A_IFINDEX] = RANGE(MCD_NLA_U32, 1, INT_MAX),
	[MCSEC_GROUP_A_DIR] = RANGE(MCD_NLA_U8, MCSEC_DIR_ENCRYPT, MCSEC_DIR_MAX),
	[MCSEC_GROUP_A_FORMAT] = RANGE(MCD_NLA_U8, MCSEC_FORMAT_ESP_TUNNEL,
				       MCSEC_FORMAT_MAX),
	[MCSEC_GROUP_A_FLAGS] = MASK(MCD_NLA_U32, MCSEC_GROUP_F_ALL),
	[MCSEC_GROUP_A_PIDS] = RANGE(MCD_NLA_BINARY, 2, 2 * (MCD_PID_MAX + 1)),
	[MCSEC_GROUP_A_TX_PARITY] = RANGE(MCD_NLA_U8, MCSEC_PARITY_EVEN,
					  MCSEC_PARITY_MAX),
	[MCSEC_GROUP_A_TX_SPI] = RANGE(MCD_NLA_U32, 1, UINT32_MAX),
	[MCSEC_GROUP_A_STATS] = REJECT("statistics are read-only"),
};

static const struct mcd_nla_policy sa_policy[MCSEC_SA_A_MAX + 1] = {
	[MCSEC_SA_A_SPI] = RANGE(MCD_NLA_U32, 1, UINT32_MAX),
	[MCSEC_SA_A_PARITY] = RANGE(MCD_NLA_U8, MCSEC_PARITY_EVEN, MCSEC_PARITY_MAX),
	[MCSEC_SA_A_SUITE] = RANGE(MCD_NLA_U8, MCSEC_SUITE_AES128_GCM,
				   MCSEC_SUITE_MAX),
	[MCSEC_SA_A_KEY] = RANGE(MCD_NLA_BINARY, 16, 32),
	[MCSEC_SA_A_SALT] = RANGE(MCD_NLA_BINARY, MC_SALT_LEN, MC_SALT_LEN),
	[MCSEC_SA_A_SEQ] = RANGE(MCD_NLA_U64, 1, U64MAX),
	[MCSEC_SA_A_REPLAY_WINDOW] = RANGE(MCD_NLA_U32, 0, MC_REPLAY_MAX),
	[MCSEC_SA_A_FLAGS] = MASK(MCD_NLA_U32, MCSEC_SA_F_ALL),
	[MCSEC_SA_A_LIFETIME_SOFT] = NESTED(lifetime_policy, MCSEC_LIFETIME_A_MAX),
	[MCSEC_SA_A_LIFETIME_HARD] = NESTED(lifetime_policy, MCSEC_LIFETIME_A_MAX),
	[MCSEC_SA_A_STATS] = REJECT("statistics are read-only"),
};

static const struct mcd_nla_policy top_policy[MCSEC_A_MAX + 1] = {
	[MCSEC_A_GROUP] = NESTED(group_policy, MCSEC_GROUP_A_MAX),
	[MCSEC_A_SA] = NESTED(sa_policy, MCSEC_SA_A_MAX),
	[MCSEC_A_STATS] = REJECT("statistics are read-only"),
	[MCSEC_A_EVENT] = REJECT("events are sent, not received"),
};

/* One request being answered. */
struct req {
	const struct nlmsghdr *nlh;
	const struct nlattr *attrs[MCSEC_A_MAX + 1];
	struct mcd_extack *ex;
	struct mcd_out *out;
	struct mcd_conn *conn;
};

typedef const struct nlattr *tb_t;

static int refuse(tb_t *tb, const int *which, int n, struct mcd_extack *ex)
{
	for (int i = 0; i < n; i++) {
		if (tb[which[i]]) {
			MCD_SET_MSG_ATTR(ex, tb[which[i]],
					 "attribute not allowed in this request");
			return -EINVAL;
		}
	}
	return 0;
}

#define REFUSE(tb, arr, ex) refuse(tb, arr, (int)RTE_DIM(arr), ex)

static int parse_nest(struct req *r, tb_t *tb, uint16_t maxtype, int type,
		      const struct mcd_nla_policy *pol)
{
	if (mcd_req_attr_missing(r->ex, NULL, r->attrs, (uint32_t)type)) {
		MCD_SET_MSG(r->ex, type == MCSEC_A_GROUP ? "MCSEC_A_GROUP missing" :
						       "MCSEC_A_SA missing");
		return -EINVAL;
	}
	return mcd_nla_parse_nested(tb, maxtype, r->attrs[type], pol, r->ex);
}

/* ---- groups -------------------------------------------------------------- */

static bool is_mcast(u8 family, const u8 *a)
{
	return family == MC_AF_INET ? (a[0] & 0xf0) == 0xe0 : a[0] == 0xff;
}

static int parse_addr(const struct nlattr *a, u8 family, u8 *out, bool mcast,
		      struct mcd_extack *ex)
{
	u32 alen = family == MC_AF_INET ? 4 : 16;
	bool is_mc;

	if (mnl_attr_get_payload_len(a) != alen) {
		MCD_SET_MSG_ATTR(ex, a, "address length does not match the family");
		return -EINVAL;
	}
	memset(out, 0, 16);
	memcpy(out, mnl_attr_get_payload(a), alen);
	is_mc = is_mcast(family, out);
	if (mcast && !is_mc) {
		MCD_SET_MSG_ATTR(ex, a, "group address is not multicast");
		return -EINVAL;
	}
	if (!mcast && is_mc) {
		MCD_SET_MSG_ATTR(ex, a, "source address is multicast");
		return -EINVAL;
	}
	return 0;
}

/* The match tuple into m: family, group, [source], [port], [iif], dir. */
static int parse_match(const struct nlattr *nest, tb_t *tb, struct mcd_group *m,
		       u32 *ifindex, struct mcd_extack *ex)
{
	u16 family;
	int err;

	memset(m, 0, sizeof(*m));
	*ifindex = 0;
	if (mcd_req_attr_missing(ex, nest, tb, MCSEC_GROUP_A_FAMILY)) {
		MCD_SET_MSG(ex, "address family missing");
		return -EINVAL;
	}
	family = mnl_attr_get_u16(tb[MCSEC_GROUP_A_FAMILY]);
	if (family != AF_INET && family != AF_INET6) {
		MCD_SET_MSG_ATTR(ex, tb[MCSEC_GROUP_A_FAMILY],
				 "family must be AF_INET or AF_INET6");
		return -EAFNOSUPPORT;
	}
	m->family = family == AF_INET ? MC_AF_INET : MC_AF_INET6;
	if (mcd_req_attr_missing(ex, nest, tb, MCSEC_GROUP_A_DADDR)) {
		MCD_SET_MSG(ex, "group address missing");
		return -EINVAL;
	}
	err = parse_addr(tb[MCSEC_GROUP_A_DADDR], m->family, m->daddr, true, ex);
	if (err)
		return err;
	if (tb[MCSEC_GROUP_A_SADDR]) {
		err = parse_addr(tb[MCSEC_GROUP_A_SADDR], m->family, m->saddr,
				 false, ex);
		if (err)
			return err;
		m->have_saddr = true;
	}
	if (mcd_req_attr_missing(ex, nest, tb, MCSEC_GROUP_A_DIR)) {
		MCD_SET_MSG(ex, "direction missing");
		return -EINVAL;
	}
	m->dir = mnl_attr_get_u8(tb[MCSEC_GROUP_A_DIR]);
	if (tb[MCSEC_GROUP_A_PORT])
		m->port = mnl_attr_get_u16(tb[MCSEC_GROUP_A_PORT]);
	if (tb[MCSEC_GROUP_A_IFINDEX])
		*ifindex = mnl_attr_get_u32(tb[MCSEC_GROUP_A_IFINDEX]);
	return 0;
}

static const int match_attrs[] = {
	MCSEC_GROUP_A_FAMILY, MCSEC_GROUP_A_DADDR, MCSEC_GROUP_A_SADDR,
	MCSEC_GROUP_A_PORT, MCSEC_GROUP_A_IFINDEX, MCSEC_GROUP_A_DIR,
};

static struct mcd_group *find_by_match(const struct mcd_group *m)
{
	u32 alen = m->family == MC_AF_INET ? 4 : 16;

	for (u32 i = 0; i < mcd_tab.ngroups; i++) {
		struct mcd_group *g = mcd_tab.groups[i];

		if (g->family == m->family && g->dir == m->dir &&
		    g->port == m->port && g->have_saddr == m->have_saddr &&
		    !memcmp(g->daddr, m->daddr, alen) &&
		    (!g->have_saddr || !memcmp(g->saddr, m->saddr, alen)))
			return g;
	}
	return NULL;
}

/* The group a request names, by ID or by its match tuple; NULL + *err. */
static struct mcd_group *find_group(const struct nlattr *nest, tb_t *tb,
				    struct mcd_extack *ex, int *err)
{
	struct mcd_group m, *g;
	u32 ifindex;

	if (tb[MCSEC_GROUP_A_ID]) {
		*err = REFUSE(tb, match_attrs, ex);
		if (*err) {
			MCD_SET_MSG(ex, "name the group by ID or by match, not both");
			return NULL;
		}
		g = mcd_group_by_id(mnl_attr_get_u32(tb[MCSEC_GROUP_A_ID]));
		if (!g) {
			MCD_SET_MSG_ATTR(ex, tb[MCSEC_GROUP_A_ID], "no group with this ID");
			*err = -ENOENT;
		}
		return g;
	}
	*err = parse_match(nest, tb, &m, &ifindex, ex);
	if (*err)
		return NULL;
	/* No group of the appliance has an input interface. */
	g = ifindex ? NULL : find_by_match(&m);
	if (!g) {
		MCD_SET_MSG_ATTR(ex, nest, "no group matches");
		*err = -ENOENT;
	}
	return g;
}

static const int group_name_only[] = {
	MCSEC_GROUP_A_FORMAT, MCSEC_GROUP_A_FLAGS, MCSEC_GROUP_A_PIDS,
	MCSEC_GROUP_A_TX_PARITY, MCSEC_GROUP_A_TX_SPI,
};

static int group_name(struct req *r, tb_t *tb)
{
	int err = parse_nest(r, tb, MCSEC_GROUP_A_MAX, MCSEC_A_GROUP, group_policy);

	return err ? err : REFUSE(tb, group_name_only, r->ex);
}

static void put_stats(struct nlmsghdr *nlh, int type, const u64 *c)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, (uint16_t)type);

	for (int i = MCSEC_STAT_A_PAD + 1; i <= MCSEC_STAT_A_MAX; i++)
		mnl_attr_put_u64(nlh, (uint16_t)i, c[i]);
	mnl_attr_nest_end(nlh, nest);
}

static void put_group_attrs(struct nlmsghdr *nlh, const struct mcd_group *g)
{
	u32 alen = g->family == MC_AF_INET ? 4 : 16;
	u64 c[MCD_NSTATS];

	mnl_attr_put_u32(nlh, MCSEC_GROUP_A_ID, g->id);
	mnl_attr_put_u16(nlh, MCSEC_GROUP_A_FAMILY,
			 g->family == MC_AF_INET ? AF_INET : AF_INET6);
	mnl_attr_put(nlh, MCSEC_GROUP_A_DADDR, alen, g->daddr);
	if (g->have_saddr)
		mnl_attr_put(nlh, MCSEC_GROUP_A_SADDR, alen, g->saddr);
	mnl_attr_put_u16(nlh, MCSEC_GROUP_A_PORT, g->port);
	mnl_attr_put_u8(nlh, MCSEC_GROUP_A_DIR, g->dir);
	mnl_attr_put_u8(nlh, MCSEC_GROUP_A_FORMAT, g->format);
	mnl_attr_put_u32(nlh, MCSEC_GROUP_A_FLAGS, g->flags);
	if (g->npids)
		mnl_attr_put(nlh, MCSEC_GROUP_A_PIDS, g->npids * sizeof(u16),
			     g->pids);
	if (!mcd_format_is_esp(g->format)) {
		if (g->tx_parity)
			mnl_attr_put_u8(nlh, MCSEC_GROUP_A_TX_PARITY, g->tx_parity);
	} else if (g->tx_sa) {
		mnl_attr_put_u32(nlh, MCSEC_GROUP_A_TX_SPI, g->tx_sa->spi);
	}
	mcd_stats_row(g->slot, c);
	put_stats(nlh, MCSEC_GROUP_A_STATS, c);
}

static void fill_group(struct req *r, const struct mcd_group *g, u16 flags)
{
	struct nlmsghdr *nlh = mcd_out_msg(r->out, r->nlh, MCSEC_DPDK_FAMILY_ID,
					   flags, MCSEC_CMD_GROUP_GET, true);
	struct nlattr *nest = mnl_attr_nest_start(nlh, MCSEC_A_GROUP);

	put_group_attrs(nlh, g);
	mnl_attr_nest_end(nlh, nest);
	mcd_out_end(r->out, nlh);
}

/* PIDs: an array of host-order u16, each 0..0x1FFE (0x1FFF is null). */
static int parse_pids(const struct nlattr *a, struct mcd_group *g,
		      struct mcd_extack *ex)
{
	const u16 *pids = mnl_attr_get_payload(a);
	u32 n = mnl_attr_get_payload_len(a) / sizeof(u16);

	if (mnl_attr_get_payload_len(a) % sizeof(u16)) {
		MCD_SET_MSG_ATTR(ex, a, "PID list length is odd");
		return -EINVAL;
	}
	for (u32 i = 0; i < n; i++) {
		if (pids[i] > MCD_PID_MAX) {
			MCD_SET_MSG_ATTR(ex, a, "PID above 0x1FFE");
			return -ERANGE;
		}
	}
	g->pids = rte_malloc("mcsec_pids", n * sizeof(u16), 0);
	if (!g->pids)
		return -ENOMEM;
	memcpy(g->pids, pids, n * sizeof(u16));
	g->npids = n;
	g->have_pids = true;
	for (u32 i = 0; i < n; i++)
		g->pid_map[pids[i] >> 3] |= (u8)(1u << (pids[i] & 7));
	return 0;
}

static int group_cfg(const struct nlattr *nest, tb_t *tb, struct mcd_group *g,
		     struct mcd_extack *ex)
{
	static const int refused[] = {
		MCSEC_GROUP_A_ID, MCSEC_GROUP_A_TX_PARITY, MCSEC_GROUP_A_TX_SPI,
	};
	u32 ifindex;
	bool ts;
	int err;

	err = REFUSE(tb, refused, ex);
	if (!err)
		err = parse_match(nest, tb, g, &ifindex, ex);
	if (err)
		return err;
	if (ifindex) {
		MCD_SET_MSG_ATTR(ex, tb[MCSEC_GROUP_A_IFINDEX],
				 "the appliance has no input interfaces (its ports are DPDK ports, not the kernel interfaces an iif names; --port ROLE chooses where groups apply): leave iif out");
		return -EOPNOTSUPP;
	}
	if (mcd_req_attr_missing(ex, nest, tb, MCSEC_GROUP_A_FORMAT)) {
		MCD_SET_MSG(ex, "format missing");
		return -EINVAL;
	}
	g->format = mnl_attr_get_u8(tb[MCSEC_GROUP_A_FORMAT]);
	ts = !mcd_format_is_esp(g->format);
	if (tb[MCSEC_GROUP_A_FLAGS])
		g->flags = mnl_attr_get_u32(tb[MCSEC_GROUP_A_FLAGS]);
	if (ts && !g->port) {
		MCD_SET_MSG_ATTR(ex, nest, "TS formats need a UDP port");
		return -EINVAL;
	}
	if (!ts && (g->flags & MCSEC_GROUP_F_RTP)) {
		MCD_SET_MSG_ATTR(ex, tb[MCSEC_GROUP_A_FLAGS],
				 "the RTP flag is for TS formats only");
		return -EINVAL;
	}
	if (!tb[MCSEC_GROUP_A_PIDS])
		return 0;
	if (!ts) {
		MCD_SET_MSG_ATTR(ex, tb[MCSEC_GROUP_A_PIDS],
				 "a PID list is for TS formats only");
		return -EINVAL;
	}
	return parse_pids(tb[MCSEC_GROUP_A_PIDS], g, ex);
}

static void reply_id(struct req *r, u32 id)
{
	struct nlmsghdr *nlh = mcd_out_msg(r->out, r->nlh, MCSEC_DPDK_FAMILY_ID,
					   0, MCSEC_CMD_GROUP_ADD, true);
	struct nlattr *nest = mnl_attr_nest_start(nlh, MCSEC_A_GROUP);

	mnl_attr_put_u32(nlh, MCSEC_GROUP_A_ID, id);
	mnl_attr_nest_end(nlh, nest);
	mcd_out_end(r->out, nlh);
}

static int cmd_group_add(struct req *r)
{
	tb_t tb[MCSEC_GROUP_A_MAX + 1];
	char why[256];
	struct mcd_group *g;
	int err;

	err = parse_nest(r, tb, MCSEC_GROUP_A_MAX, MCSEC_A_GROUP, group_policy);
	if (err)
		return err;
	g = mcd_group_new(why, sizeof(why));
	if (!g)
		return -ENOMEM;
	err = group_cfg(r->attrs[MCSEC_A_GROUP], tb, g, r->ex);
	if (!err) {
		err = mcd_group_publish(g, why, sizeof(why));
		if (err == -EEXIST && find_by_match(g))
			MCD_SET_MSG_ATTR(r->ex, r->attrs[MCSEC_A_GROUP],
					 "a group with this match exists");
		else if (err)
			MCD_SET_MSG_ATTR(r->ex, r->attrs[MCSEC_A_GROUP],
					 mcd_ctl_msg(why));
	}
	if (err) {
		mcd_group_discard(g);
		return err;
	}
	reply_id(r, g->id);
	return 0;
}

/*
 * GROUP_SET's switch of the sender's key: TX_SPI on an ESP sender, the
 * scrambler's parity (TX_PARITY) on a TS one.
 */
static int set_tx(struct mcd_group *g, const struct nlattr *a, bool spi,
		  struct mcd_extack *ex)
{
	struct mcd_sa *sa;

	if (mcd_format_is_esp(g->format) != spi) {
		MCD_SET_MSG_ATTR(ex, a, spi ? "TS groups have no SPI" :
					      "ESP groups have no parity");
		return -EINVAL;
	}
	if (g->dir != MCSEC_DIR_ENCRYPT) {
		MCD_SET_MSG_ATTR(ex, a, spi ? "only senders have an active SA" :
					      "only scramblers have a parity");
		return -EINVAL;
	}
	sa = spi ? mcd_sa_by_spi(g, mnl_attr_get_u32(a)) :
		   mcd_sa_by_parity(g, mnl_attr_get_u8(a));
	if (!sa) {
		MCD_SET_MSG_ATTR(ex, a, spi ? "no SA with this SPI" :
					      "no key of this parity installed");
		return -ENOENT;
	}
	mcd_group_set_tx(g, sa);
	return 0;
}

static int set_flags(struct mcd_group *g, const struct nlattr *a,
		     struct mcd_extack *ex)
{
	u32 flags = mnl_attr_get_u32(a);
	char why[256];

	if ((flags ^ g->flags) & MCSEC_GROUP_F_RTP) {
		MCD_SET_MSG_ATTR(ex, a, "the RTP flag is fixed when the group is added");
		return -EINVAL;
	}
	if (!mcd_group_set_flags(g, flags, why, sizeof(why))) {
		MCD_SET_MSG_ATTR(ex, a, mcd_ctl_msg(why));
		return -EEXIST;
	}
	return 0;
}

static int cmd_group_set(struct req *r)
{
	static const int refused[] = { MCSEC_GROUP_A_FORMAT, MCSEC_GROUP_A_PIDS };
	tb_t tb[MCSEC_GROUP_A_MAX + 1];
	struct mcd_group *g;
	int err;

	err = parse_nest(r, tb, MCSEC_GROUP_A_MAX, MCSEC_A_GROUP, group_policy);
	if (!err)
		err = REFUSE(tb, refused, r->ex);
	if (err)
		return err;
	g = find_group(r->attrs[MCSEC_A_GROUP], tb, r->ex, &err);
	if (!err && tb[MCSEC_GROUP_A_FLAGS])
		err = set_flags(g, tb[MCSEC_GROUP_A_FLAGS], r->ex);
	if (!err && tb[MCSEC_GROUP_A_TX_PARITY])
		err = set_tx(g, tb[MCSEC_GROUP_A_TX_PARITY], false, r->ex);
	if (!err && tb[MCSEC_GROUP_A_TX_SPI])
		err = set_tx(g, tb[MCSEC_GROUP_A_TX_SPI], true, r->ex);
	return err;
}

static int cmd_group_del(struct req *r)
{
	tb_t tb[MCSEC_GROUP_A_MAX + 1];
	struct mcd_group *g;
	int err = group_name(r, tb);

	if (err)
		return err;
	g = find_group(r->attrs[MCSEC_A_GROUP], tb, r->ex, &err);
	if (!err)
		mcd_group_del(g);
	return err;
}

static int cmd_group_get(struct req *r)
{
	tb_t tb[MCSEC_GROUP_A_MAX + 1];
	struct mcd_group *g;
	int err = group_name(r, tb);

	if (err)
		return err;
	g = find_group(r->attrs[MCSEC_A_GROUP], tb, r->ex, &err);
	if (!err)
		fill_group(r, g, 0);
	return err;
}

static int dump_groups(struct req *r)
{
	for (u32 i = 0; i < mcd_tab.ngroups; i++)
		fill_group(r, mcd_tab.groups[i], NLM_F_MULTI);
	mcd_out_done(r->out, r->nlh);
	return 0;
}

/* ---- SAs ----------------------------------------------------------------- */

static void put_lifetime(struct nlmsghdr *nlh, int type,
			 const struct mcd_lifetime *lt)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, (uint16_t)type);

	mnl_attr_put_u64(nlh, MCSEC_LIFETIME_A_PACKETS, lt->packets);
	mnl_attr_put_u64(nlh, MCSEC_LIFETIME_A_BYTES, lt->bytes);
	mnl_attr_put_u64(nlh, MCSEC_LIFETIME_A_SECONDS, lt->seconds);
	mnl_attr_nest_end(nlh, nest);
}

/* Everything about an SA but its key and salt, which never leave. */
static void put_sa_attrs(struct nlmsghdr *nlh, const struct mcd_group *g,
			 const struct mcd_sa *sa)
{
	bool ts = !mcd_format_is_esp(g->format);
	u32 flags = sa->flags;

	if (mcd_sa_is_active(g, sa))
		flags |= MCSEC_SA_F_ACTIVE;
	if (ts)
		mnl_attr_put_u8(nlh, MCSEC_SA_A_PARITY, sa->parity);
	else
		mnl_attr_put_u32(nlh, MCSEC_SA_A_SPI, sa->spi);
	mnl_attr_put_u8(nlh, MCSEC_SA_A_SUITE, sa->suite);
	if (!ts) {
		mnl_attr_put_u64(nlh, MCSEC_SA_A_SEQ,
				 __atomic_load_n(&sa->next_seq, __ATOMIC_RELAXED));
		mnl_attr_put_u32(nlh, MCSEC_SA_A_REPLAY_WINDOW, sa->replay_window);
	}
	mnl_attr_put_u32(nlh, MCSEC_SA_A_FLAGS, flags);
	u64 c[MCD_NSTATS];

	put_lifetime(nlh, MCSEC_SA_A_LIFETIME_SOFT, &sa->soft);
	put_lifetime(nlh, MCSEC_SA_A_LIFETIME_HARD, &sa->hard);
	mcd_stats_sa_row(sa->row, c);
	put_stats(nlh, MCSEC_SA_A_STATS, c);
}

static void fill_sa(struct req *r, const struct mcd_group *g,
		    const struct mcd_sa *sa, u16 flags)
{
	struct nlmsghdr *nlh = mcd_out_msg(r->out, r->nlh, MCSEC_DPDK_FAMILY_ID,
					   flags, MCSEC_CMD_SA_GET, true);
	struct nlattr *nest = mnl_attr_nest_start(nlh, MCSEC_A_GROUP);

	mnl_attr_put_u32(nlh, MCSEC_GROUP_A_ID, g->id);
	mnl_attr_nest_end(nlh, nest);
	nest = mnl_attr_nest_start(nlh, MCSEC_A_SA);
	put_sa_attrs(nlh, g, sa);
	mnl_attr_nest_end(nlh, nest);
	mcd_out_end(r->out, nlh);
}

static void parse_lifetime(const struct nlattr *a, struct mcd_lifetime *lt)
{
	tb_t tb[MCSEC_LIFETIME_A_MAX + 1];
	struct mcd_extack ex = { 0 };

	memset(lt, 0, sizeof(*lt));
	/* Validated with the request already. */
	if (!a || mcd_nla_parse_nested(tb, MCSEC_LIFETIME_A_MAX, a,
				       lifetime_policy, &ex))
		return;
	if (tb[MCSEC_LIFETIME_A_PACKETS])
		lt->packets = mnl_attr_get_u64(tb[MCSEC_LIFETIME_A_PACKETS]);
	if (tb[MCSEC_LIFETIME_A_BYTES])
		lt->bytes = mnl_attr_get_u64(tb[MCSEC_LIFETIME_A_BYTES]);
	if (tb[MCSEC_LIFETIME_A_SECONDS])
		lt->seconds = mnl_attr_get_u64(tb[MCSEC_LIFETIME_A_SECONDS]);
}

/* A soft limit at or past its hard one would never be seen. */
static bool soft_ok(u64 soft, u64 hard)
{
	return !soft || !hard || soft < hard;
}

static int parse_lifetimes(tb_t *tb,
			   struct mcd_sa *sa, struct mcd_extack *ex)
{
	struct mcd_lifetime *s = &sa->soft, *h = &sa->hard;

	parse_lifetime(tb[MCSEC_SA_A_LIFETIME_SOFT], s);
	parse_lifetime(tb[MCSEC_SA_A_LIFETIME_HARD], h);
	if (!soft_ok(s->packets, h->packets) || !soft_ok(s->bytes, h->bytes) ||
	    !soft_ok(s->seconds, h->seconds)) {
		MCD_SET_MSG_ATTR(ex, tb[MCSEC_SA_A_LIFETIME_SOFT],
				 "soft lifetime not below the hard one");
		return -EINVAL;
	}
	return 0;
}

static int parse_key(const struct nlattr *nest, tb_t *tb, struct mcd_sa *sa,
		     struct mcd_key_material *km, struct mcd_extack *ex)
{
	const struct nlattr *a = tb[MCSEC_SA_A_KEY];
	u32 kl = mc_suite_key_len(sa->suite);

	if (mcd_req_attr_missing(ex, nest, tb, MCSEC_SA_A_KEY)) {
		MCD_SET_MSG(ex, "key missing");
		return -EINVAL;
	}
	if (mnl_attr_get_payload_len(a) != kl) {
		MCD_SET_MSG_ATTR(ex, a, "key length does not match the suite");
		return -EINVAL;
	}
	memcpy(km->bytes, mnl_attr_get_payload(a), kl);
	km->len = kl;
	if (tb[MCSEC_SA_A_SALT]) {
		memcpy(km->bytes + kl, mnl_attr_get_payload(tb[MCSEC_SA_A_SALT]),
		       MC_SALT_LEN);
		km->len += MC_SALT_LEN;
	}
	return 0;
}

/* ESP SAs: SPI, an AEAD suite, salt, sequence, replay window. */
static int sa_esp(const struct nlattr *nest, tb_t *tb, struct mcd_sa *sa,
		  struct mcd_extack *ex)
{
	static const int refused[] = { MCSEC_SA_A_PARITY };
	u32 w;

	if (REFUSE(tb, refused, ex))
		return -EINVAL;
	if (!mc_suite_is_esp(sa->suite)) {
		MCD_SET_MSG_ATTR(ex, tb[MCSEC_SA_A_SUITE], "suite does not fit an ESP group");
		return -EINVAL;
	}
	if (mcd_req_attr_missing(ex, nest, tb, MCSEC_SA_A_SALT)) {
		MCD_SET_MSG(ex, "ESP suites need a 4-byte salt");
		return -EINVAL;
	}
	if (tb[MCSEC_SA_A_SEQ])
		sa->next_seq = mnl_attr_get_u64(tb[MCSEC_SA_A_SEQ]);
	/* Anti-replay is on unless asked off: 64 packets by default. */
	w = MC_REPLAY_MIN;
	if (tb[MCSEC_SA_A_REPLAY_WINDOW])
		w = mnl_attr_get_u32(tb[MCSEC_SA_A_REPLAY_WINDOW]);
	if (w % 64) {
		MCD_SET_MSG_ATTR(ex, tb[MCSEC_SA_A_REPLAY_WINDOW],
				 "replay window must be 0 or a multiple of 64 in [64, 4096]");
		return -EINVAL;
	}
	sa->replay_window = w;
	return 0;
}

/* TS keys: a parity and an AES-128-CBC control word, nothing else. */
static int sa_ts(tb_t *tb, struct mcd_sa *sa, struct mcd_extack *ex)
{
	static const int refused[] = {
		MCSEC_SA_A_SPI, MCSEC_SA_A_SALT, MCSEC_SA_A_SEQ,
		MCSEC_SA_A_REPLAY_WINDOW,
	};

	if (REFUSE(tb, refused, ex))
		return -EINVAL;
	if (sa->suite != MCSEC_SUITE_AES128_CBC) {
		MCD_SET_MSG_ATTR(ex, tb[MCSEC_SA_A_SUITE], "suite does not fit a TS group");
		return -EINVAL;
	}
	if (sa->flags & MCSEC_SA_F_ESN) {
		MCD_SET_MSG_ATTR(ex, tb[MCSEC_SA_A_FLAGS], "ESN is for ESP SAs only");
		return -EINVAL;
	}
	return 0;
}

/* The SA a request names: by SPI in ESP groups, by parity in TS groups. */
static int sa_name(const struct mcd_group *g, const struct nlattr *nest,
		   tb_t *tb, u32 *spi, u8 *parity, struct mcd_extack *ex)
{
	int type = mcd_format_is_esp(g->format) ? MCSEC_SA_A_SPI :
						  MCSEC_SA_A_PARITY;

	if (mcd_req_attr_missing(ex, nest, tb, (u32)type)) {
		MCD_SET_MSG(ex, type == MCSEC_SA_A_SPI ? "ESP SAs are named by SPI" :
						       "TS keys are named by parity");
		return -EINVAL;
	}
	*spi = type == MCSEC_SA_A_SPI ? mnl_attr_get_u32(tb[type]) : 0;
	*parity = type == MCSEC_SA_A_PARITY ? mnl_attr_get_u8(tb[type]) : 0;
	return 0;
}

static int sa_cfg(const struct mcd_group *g, const struct nlattr *nest,
		  tb_t *tb, struct mcd_sa *sa, struct mcd_key_material *km,
		  struct mcd_extack *ex)
{
	int err = sa_name(g, nest, tb, &sa->spi, &sa->parity, ex);

	if (err)
		return err;
	if (mcd_req_attr_missing(ex, nest, tb, MCSEC_SA_A_SUITE)) {
		MCD_SET_MSG(ex, "suite missing");
		return -EINVAL;
	}
	sa->suite = mnl_attr_get_u8(tb[MCSEC_SA_A_SUITE]);
	if (tb[MCSEC_SA_A_FLAGS])
		sa->flags = mnl_attr_get_u32(tb[MCSEC_SA_A_FLAGS]);
	err = mcd_format_is_esp(g->format) ? sa_esp(nest, tb, sa, ex) :
					     sa_ts(tb, sa, ex);
	if (!err)
		err = parse_key(nest, tb, sa, km, ex);
	if (!err)
		err = parse_lifetimes(tb, sa, ex);
	return err;
}

/* Parses MCSEC_A_GROUP and MCSEC_A_SA and finds the group. */
static struct mcd_group *sa_group(struct req *r, tb_t *sa_tb, int *err)
{
	tb_t tb[MCSEC_GROUP_A_MAX + 1];

	*err = group_name(r, tb);
	if (!*err)
		*err = parse_nest(r, sa_tb, MCSEC_SA_A_MAX, MCSEC_A_SA, sa_policy);
	if (*err)
		return NULL;
	return find_group(r->attrs[MCSEC_A_GROUP], tb, r->ex, err);
}

static int cmd_sa_add(struct req *r)
{
	const struct nlattr *nest = r->attrs[MCSEC_A_SA];
	tb_t tb[MCSEC_SA_A_MAX + 1];
	struct mcd_key_material km = { .len = 0 };
	struct mcd_sa tmpl;
	struct mcd_group *g;
	char why[256];
	int err;

	memset(&tmpl, 0, sizeof(tmpl));
	g = sa_group(r, tb, &err);
	if (!err)
		err = sa_cfg(g, nest, tb, &tmpl, &km, r->ex);
	if (!err) {
		err = mcd_sa_insert(g, &tmpl, &km, why, sizeof(why));
		if (err == -EEXIST) {
			MCD_SET_MSG_ATTR(r->ex, nest,
					 "the group has an SA with this SPI or parity");
		} else if (err == -EADDRINUSE) {
			MCD_SET_MSG_ATTR(r->ex, tb[MCSEC_SA_A_SPI],
					 "another decrypt group of this address has an SA with this SPI");
			err = -EEXIST;
		} else if (err == -ENOSPC) {
			MCD_SET_MSG_ATTR(r->ex, nest, "the group holds 4 SAs already");
		} else if (err) {
			MCD_SET_MSG_ATTR(r->ex, tb[MCSEC_SA_A_SUITE],
					 "the appliance cannot set up this suite");
		}
	}
	mcd_key_wipe(&km);
	explicit_bzero(&tmpl, sizeof(tmpl));
	return err;
}

static struct mcd_sa *sa_find(const struct mcd_group *g,
			      const struct nlattr *nest, tb_t *tb,
			      struct mcd_extack *ex, int *err)
{
	struct mcd_sa *sa;
	u32 spi;
	u8 parity;

	*err = sa_name(g, nest, tb, &spi, &parity, ex);
	if (*err)
		return NULL;
	sa = mcd_format_is_esp(g->format) ? mcd_sa_by_spi(g, spi) :
					    mcd_sa_by_parity(g, parity);
	if (!sa) {
		MCD_SET_MSG_ATTR(ex, nest, "no such SA in the group");
		*err = -ENOENT;
	}
	return sa;
}

/* SA_SET: the ACTIVE flag moves; keys and parameters are immutable. */
static int sa_flags(struct mcd_group *g, struct mcd_sa *sa, tb_t *tb,
		    struct mcd_extack *ex)
{
	u32 flags;

	if (!tb[MCSEC_SA_A_FLAGS])
		return 0;
	flags = mnl_attr_get_u32(tb[MCSEC_SA_A_FLAGS]);
	/* Only ACTIVE moves. ESN may be left out or repeated as it is (a
	 * client that echoes a dump's flags), but never turned on. */
	if ((flags & MCSEC_SA_F_ESN) && !(sa->flags & MCSEC_SA_F_ESN)) {
		MCD_SET_MSG_ATTR(ex, tb[MCSEC_SA_A_FLAGS],
				 "ESN is fixed when the SA is added");
		return -EINVAL;
	}
	if (flags & MCSEC_SA_F_ACTIVE)
		mcd_group_set_tx(g, sa);
	else if (mcd_sa_is_active(g, sa))
		mcd_group_set_tx(g, NULL);	/* the sender fails closed */
	return 0;
}

static int cmd_sa_set(struct req *r)
{
	static const int refused[] = {
		MCSEC_SA_A_SUITE, MCSEC_SA_A_SEQ, MCSEC_SA_A_REPLAY_WINDOW,
		MCSEC_SA_A_LIFETIME_SOFT, MCSEC_SA_A_LIFETIME_HARD,
	};
	tb_t tb[MCSEC_SA_A_MAX + 1];
	struct mcd_group *g;
	struct mcd_sa *sa;
	int err;

	g = sa_group(r, tb, &err);
	if (err)
		return err;
	if (tb[MCSEC_SA_A_KEY] || tb[MCSEC_SA_A_SALT]) {
		MCD_SET_MSG_ATTR(r->ex, tb[MCSEC_SA_A_KEY] ? tb[MCSEC_SA_A_KEY] :
				 tb[MCSEC_SA_A_SALT], "keys are immutable once installed");
		return -EPERM;
	}
	err = REFUSE(tb, refused, r->ex);
	if (err)
		return err;
	sa = sa_find(g, r->attrs[MCSEC_A_SA], tb, r->ex, &err);
	if (!err)
		err = sa_flags(g, sa, tb, r->ex);
	return err;
}

static int cmd_sa_del(struct req *r)
{
	static const int refused[] = {
		MCSEC_SA_A_SUITE, MCSEC_SA_A_KEY, MCSEC_SA_A_SALT,
		MCSEC_SA_A_SEQ, MCSEC_SA_A_REPLAY_WINDOW, MCSEC_SA_A_FLAGS,
		MCSEC_SA_A_LIFETIME_SOFT, MCSEC_SA_A_LIFETIME_HARD,
	};
	tb_t tb[MCSEC_SA_A_MAX + 1];
	struct mcd_group *g;
	struct mcd_sa *sa;
	int err;

	g = sa_group(r, tb, &err);
	if (!err)
		err = REFUSE(tb, refused, r->ex);
	if (err)
		return err;
	sa = sa_find(g, r->attrs[MCSEC_A_SA], tb, r->ex, &err);
	if (!err)
		mcd_sa_del(g, sa);
	return err;
}

static int cmd_sa_get(struct req *r)
{
	tb_t tb[MCSEC_SA_A_MAX + 1];
	struct mcd_group *g;
	struct mcd_sa *sa;
	int err;

	g = sa_group(r, tb, &err);
	if (err)
		return err;
	sa = sa_find(g, r->attrs[MCSEC_A_SA], tb, r->ex, &err);
	if (!err)
		fill_sa(r, g, sa, 0);
	return err;
}

static void dump_group_sas(struct req *r, const struct mcd_group *g)
{
	bool esp = mcd_format_is_esp(g->format);

	for (u32 i = 0; i < (esp ? MCD_MAX_SAS : 2u); i++) {
		const struct mcd_sa *sa = esp ? g->sas[i] : g->parity_sa[i];

		if (sa)
			fill_sa(r, g, sa, NLM_F_MULTI);
	}
}

/* The dump's .start: the one group a request names, if it names one. */
static int dump_sas(struct req *r)
{
	const struct nlattr *nest = r->attrs[MCSEC_A_GROUP];
	tb_t tb[MCSEC_GROUP_A_MAX + 1];
	struct mcd_group *g;
	int err;

	if (nest) {
		err = mcd_nla_parse_nested(tb, MCSEC_GROUP_A_MAX, nest,
					   group_policy, r->ex);
		if (!err)
			err = REFUSE(tb, group_name_only, r->ex);
		if (!err)
			g = find_group(nest, tb, r->ex, &err);
		if (err)
			return err;
		dump_group_sas(r, g);
	} else {
		for (u32 i = 0; i < mcd_tab.ngroups; i++)
			dump_group_sas(r, mcd_tab.groups[i]);
	}
	mcd_out_done(r->out, r->nlh);
	return 0;
}

/* ---- the rest ------------------------------------------------------------ */

static int cmd_flush(struct req *r)
{
	static struct mcd_group *all[MCD_MAX_GROUPS];
	u32 n = mcd_tab.ngroups;

	RTE_SET_USED(r);
	/* A copy: deleting takes them out of mcd_tab.groups. */
	memcpy(all, mcd_tab.groups, n * sizeof(all[0]));
	mcd_groups_del(all, n);
	return 0;
}

static int cmd_stats_get(struct req *r)
{
	struct nlmsghdr *nlh;
	u64 c[MCD_NSTATS];

	mcd_stats_total(c);
	nlh = mcd_out_msg(r->out, r->nlh, MCSEC_DPDK_FAMILY_ID, 0,
			  MCSEC_CMD_STATS_GET, true);
	put_stats(nlh, MCSEC_A_STATS, c);
	mcd_out_end(r->out, nlh);
	return 0;
}

/* The appliance's stand-in for joining the "events" multicast group. */
static int cmd_subscribe(struct req *r)
{
	for (int i = 1; i <= MCSEC_A_MAX; i++) {
		if (r->attrs[i]) {
			MCD_SET_MSG_ATTR(r->ex, r->attrs[i],
					 "attribute not allowed in this request");
			return -EINVAL;
		}
	}
	r->conn->events = true;
	return 0;
}

struct op {
	int (*doit)(struct req *r);
	int (*dumpit)(struct req *r);
};

static const struct op ops[MCSEC_CMD_MAX + 1] = {
	[MCSEC_CMD_GROUP_ADD] = { cmd_group_add, NULL },
	[MCSEC_CMD_GROUP_SET] = { cmd_group_set, NULL },
	[MCSEC_CMD_GROUP_DEL] = { cmd_group_del, NULL },
	[MCSEC_CMD_GROUP_GET] = { cmd_group_get, dump_groups },
	[MCSEC_CMD_SA_ADD] = { cmd_sa_add, NULL },
	[MCSEC_CMD_SA_SET] = { cmd_sa_set, NULL },
	[MCSEC_CMD_SA_DEL] = { cmd_sa_del, NULL },
	[MCSEC_CMD_SA_GET] = { cmd_sa_get, dump_sas },
	[MCSEC_CMD_FLUSH] = { cmd_flush, NULL },
	[MCSEC_CMD_STATS_GET] = { cmd_stats_get, NULL },
	[MCSEC_CMD_EVENT] = { cmd_subscribe, NULL },
};

/*
 * One generic netlink message, as genl_family_rcv_msg() takes it: header
 * length, command, permission, dump or do, the family's attribute policy.
 * Returns the error to ack with; *dumped when a dump answered instead.
 */
static int genl_msg(struct mcd_conn *c, const struct nlmsghdr *nlh,
		    struct mcd_out *o, struct mcd_extack *ex, bool *dumped)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	struct req r = { .nlh = nlh, .ex = ex, .out = o, .conn = c };
	bool dump = (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	const struct op *op;
	int err;

	if (nlh->nlmsg_type != MCSEC_DPDK_FAMILY_ID)
		return -ENOENT;
	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + GENL_HDRLEN)
		return -EINVAL;
	if (genl->cmd > MCSEC_CMD_MAX || !(op = &ops[genl->cmd])->doit)
		return -EOPNOTSUPP;
	if (!c->allowed)
		return -EPERM;
	if (dump && !op->dumpit)
		return -EOPNOTSUPP;
	/* genl_header_check(): every command of the family is validated. */
	if (genl->reserved) {
		MCD_SET_MSG(ex, "genlmsghdr.reserved field is not 0");
		return -EINVAL;
	}
	if ((nlh->nlmsg_flags & ~(dump ? NLM_F_DUMP : 0)) &
	    ~(NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO)) {
		MCD_SET_MSG(ex, "ambiguous or reserved bits set in nlmsg_flags");
		return -EINVAL;
	}
	err = mcd_nla_parse(r.attrs, MCSEC_A_MAX,
			    (const char *)genl + GENL_HDRLEN,
			    (int)(nlh->nlmsg_len - MNL_NLMSG_HDRLEN - GENL_HDRLEN),
			    top_policy, ex);
	if (err)
		return err;
	if (dump) {
		err = op->dumpit(&r);
		*dumped = !err;
		return err;
	}
	return op->doit(&r);
}

/*
 * A packet from a client, walked as netlink_rcv_skb() walks an skb: every
 * whole message in turn, an error (or an ack when asked for one) after each
 * that is not a dump, a truncated tail ignored.
 */
void mcd_ctl_request(struct mcd_conn *c, const void *buf, int len,
		     struct mcd_out *o)
{
	const struct nlmsghdr *nlh = buf;

	while (len >= (int)MNL_NLMSG_HDRLEN) {
		struct mcd_extack ex = { 0 };
		bool dumped = false;
		int err = 0, msglen;

		if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN || len < (int)nlh->nlmsg_len)
			return;
		if ((nlh->nlmsg_flags & NLM_F_REQUEST) &&
		    nlh->nlmsg_type >= NLMSG_MIN_TYPE)
			err = genl_msg(c, nlh, o, &ex, &dumped);
		if (!dumped && (err || nlh->nlmsg_flags & NLM_F_ACK))
			mcd_out_ack(o, nlh, err, &ex);
		msglen = (int)MNL_ALIGN(nlh->nlmsg_len);
		if (msglen > len)
			msglen = len;
		len -= msglen;
		nlh = (const struct nlmsghdr *)((const char *)nlh + msglen);
	}
}

/* ---- events -------------------------------------------------------------- */

void mcd_ctl_event_msg(struct mcd_out *o, const struct mcd_group *g,
		       const struct mcd_sa *sa, u8 type, u8 limit)
{
	struct nlmsghdr *nlh = mcd_out_msg(o, NULL, MCSEC_DPDK_FAMILY_ID, 0,
					   MCSEC_CMD_EVENT, true);
	struct nlattr *nest = mnl_attr_nest_start(nlh, MCSEC_A_EVENT);

	mnl_attr_put_u8(nlh, MCSEC_EVENT_A_TYPE, type);
	mnl_attr_put_u32(nlh, MCSEC_EVENT_A_GROUP_ID, g->id);
	if (mcd_format_is_esp(g->format))
		mnl_attr_put_u32(nlh, MCSEC_EVENT_A_SPI, sa->spi);
	else
		mnl_attr_put_u8(nlh, MCSEC_EVENT_A_PARITY, sa->parity);
	if (limit)
		mnl_attr_put_u8(nlh, MCSEC_EVENT_A_LIMIT, limit);
	mnl_attr_nest_end(nlh, nest);
	mcd_out_end(o, nlh);
}
