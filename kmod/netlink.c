// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "mcsec": the one way userspace talks to the
 * module. The messages are documented in include/uapi/linux/mcsec.h.
 *
 * Validation happens in two layers. The policies below are strict per
 * nesting level (unknown attributes, wrong types and lengths, values out of
 * range and unknown flag bits are refused by the netlink core with the
 * offending attribute named); the handlers then check what depends on other
 * attributes (address length per family, key length per suite, suite per
 * group format) and say in the extack message what was wrong.
 *
 * Every command needs CAP_NET_ADMIN in the user namespace that owns the
 * caller's network namespace (GENL_UNS_ADMIN_PERM): a container's root
 * manages its own groups, nobody else's. Reads too: the statistics and the
 * group list of a namespace are its operator's business.
 *
 * Writers hold the namespace's mutex; dumps hold it per message batch and
 * stamp every message with the namespace generation, so a client learns
 * through NLM_F_DUMP_INTR when the table changed under a dump.
 */
#include <linux/ipv6.h>
#include <linux/netdevice.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <uapi/linux/mcsec.h>

#include "group.h"
#include "mcsec.h"
#include "suite.h"

/* Indexes into mcsec_mcgrps[], as genlmsg_multicast_netns() wants them. */
enum mcsec_mcgrp {
	MCSEC_MCGRP_EVENTS_IDX,
};

/*
 * Events name groups, SPIs and when keys run out: a namespace's operator's
 * business, like every request. Kernels with GENL_MCAST_CAP_NET_ADMIN (6.7,
 * and the stable kernels it went back to, Debian's 6.1 among them) refuse
 * the subscription of a caller without CAP_NET_ADMIN in the namespace.
 */
static const struct genl_multicast_group mcsec_mcgrps[] = {
	[MCSEC_MCGRP_EVENTS_IDX] = {
		.name = MCSEC_MCGRP_EVENTS,
#ifdef GENL_MCAST_CAP_NET_ADMIN
		.flags = GENL_MCAST_CAP_NET_ADMIN,
#endif
	},
};

#define MCSEC_PID_MAX	0x1ffe

static const struct nla_policy mcsec_lifetime_policy[MCSEC_LIFETIME_A_MAX + 1] = {
	[MCSEC_LIFETIME_A_PACKETS] = { .type = NLA_U64 },
	[MCSEC_LIFETIME_A_BYTES] = { .type = NLA_U64 },
	[MCSEC_LIFETIME_A_SECONDS] = { .type = NLA_U64 },
};

static struct netlink_range_validation mcsec_ifindex_range = {
	.min = 1,
	.max = INT_MAX,
};

static const struct nla_policy mcsec_group_policy[MCSEC_GROUP_A_MAX + 1] = {
	[MCSEC_GROUP_A_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[MCSEC_GROUP_A_FAMILY] = { .type = NLA_U16 },
	[MCSEC_GROUP_A_DADDR] = NLA_POLICY_RANGE(NLA_BINARY, 4, 16),
	[MCSEC_GROUP_A_SADDR] = NLA_POLICY_RANGE(NLA_BINARY, 4, 16),
	[MCSEC_GROUP_A_PORT] = { .type = NLA_U16 },
	[MCSEC_GROUP_A_IFINDEX] = NLA_POLICY_FULL_RANGE(NLA_U32,
							&mcsec_ifindex_range),
	[MCSEC_GROUP_A_DIR] = NLA_POLICY_RANGE(NLA_U8, MCSEC_DIR_ENCRYPT,
					       MCSEC_DIR_MAX),
	[MCSEC_GROUP_A_FORMAT] = NLA_POLICY_RANGE(NLA_U8,
						  MCSEC_FORMAT_ESP_TUNNEL,
						  MCSEC_FORMAT_MAX),
	[MCSEC_GROUP_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, MCSEC_GROUP_F_ALL),
	[MCSEC_GROUP_A_PIDS] = NLA_POLICY_RANGE(NLA_BINARY, 2,
						2 * (MCSEC_PID_MAX + 1)),
	[MCSEC_GROUP_A_TX_PARITY] = NLA_POLICY_RANGE(NLA_U8,
						     MCSEC_PARITY_EVEN,
						     MCSEC_PARITY_MAX),
	[MCSEC_GROUP_A_TX_SPI] = NLA_POLICY_MIN(NLA_U32, 1),
	[MCSEC_GROUP_A_STATS] = { .type = NLA_REJECT,
				  .reject_message = "statistics are read-only" },
};

static const struct nla_policy mcsec_sa_policy[MCSEC_SA_A_MAX + 1] = {
	[MCSEC_SA_A_SPI] = NLA_POLICY_MIN(NLA_U32, 1),
	[MCSEC_SA_A_PARITY] = NLA_POLICY_RANGE(NLA_U8, MCSEC_PARITY_EVEN,
					       MCSEC_PARITY_MAX),
	[MCSEC_SA_A_SUITE] = NLA_POLICY_RANGE(NLA_U8, MCSEC_SUITE_AES128_GCM,
					      MCSEC_SUITE_MAX),
	[MCSEC_SA_A_KEY] = NLA_POLICY_RANGE(NLA_BINARY, 16, 32),
	[MCSEC_SA_A_SALT] = NLA_POLICY_EXACT_LEN(MC_SALT_LEN),
	[MCSEC_SA_A_SEQ] = NLA_POLICY_MIN(NLA_U64, 1),
	[MCSEC_SA_A_REPLAY_WINDOW] = NLA_POLICY_MAX(NLA_U32, MC_REPLAY_MAX),
	[MCSEC_SA_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, MCSEC_SA_F_ALL),
	[MCSEC_SA_A_LIFETIME_SOFT] = NLA_POLICY_NESTED(mcsec_lifetime_policy),
	[MCSEC_SA_A_LIFETIME_HARD] = NLA_POLICY_NESTED(mcsec_lifetime_policy),
	[MCSEC_SA_A_STATS] = { .type = NLA_REJECT,
			       .reject_message = "statistics are read-only" },
};

static const struct nla_policy mcsec_policy[MCSEC_A_MAX + 1] = {
	[MCSEC_A_GROUP] = NLA_POLICY_NESTED(mcsec_group_policy),
	[MCSEC_A_SA] = NLA_POLICY_NESTED(mcsec_sa_policy),
	[MCSEC_A_STATS] = { .type = NLA_REJECT,
			    .reject_message = "statistics are read-only" },
	[MCSEC_A_EVENT] = { .type = NLA_REJECT,
			    .reject_message = "events are sent, not received" },
};

static struct genl_family mcsec_genl_family;

static struct mcsec_net *mcsec_info_net(struct genl_info *info)
{
	return mcsec_pernet(genl_info_net(info));
}

/* Refuses attrs[which...] that this request does not take. */
static int mcsec_nl_refuse(struct nlattr **tb, const int *which, int n,
			   struct netlink_ext_ack *extack)
{
	int i;

	for (i = 0; i < n; i++) {
		if (tb[which[i]]) {
			NL_SET_ERR_MSG_ATTR(extack, tb[which[i]],
					    "attribute not allowed in this request");
			return -EINVAL;
		}
	}
	return 0;
}

static int mcsec_nl_parse_nest(struct nlattr **tb, int maxtype,
			       struct genl_info *info, int type,
			       const struct nla_policy *pol)
{
	if (GENL_REQ_ATTR_CHECK(info, type)) {
		if (type == MCSEC_A_GROUP)
			NL_SET_ERR_MSG(info->extack, "MCSEC_A_GROUP missing");
		else
			NL_SET_ERR_MSG(info->extack, "MCSEC_A_SA missing");
		return -EINVAL;
	}
	return nla_parse_nested(tb, maxtype, info->attrs[type], pol,
				info->extack);
}

static int mcsec_nl_addr(struct nlattr *nest, struct nlattr *a, u16 family,
			 union mcsec_addr *addr, bool mcast,
			 struct netlink_ext_ack *extack)
{
	u32 alen = family == AF_INET ? 4 : 16;
	bool is_mc;

	if (nla_len(a) != alen) {
		NL_SET_ERR_MSG_ATTR(extack, a,
				    "address length does not match the family");
		return -EINVAL;
	}
	memset(addr, 0, sizeof(*addr));
	nla_memcpy(addr, a, alen);
	is_mc = family == AF_INET ? ipv4_is_multicast(addr->v4) :
				    ipv6_addr_is_multicast(&addr->v6);
	if (mcast && !is_mc) {
		NL_SET_ERR_MSG_ATTR(extack, a, "group address is not multicast");
		return -EINVAL;
	}
	if (!mcast && is_mc) {
		NL_SET_ERR_MSG_ATTR(extack, a, "source address is multicast");
		return -EINVAL;
	}
	return 0;
}

static int mcsec_nl_family(struct nlattr *nest, struct nlattr **tb,
			   u16 *family, struct netlink_ext_ack *extack)
{
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, MCSEC_GROUP_A_FAMILY)) {
		NL_SET_ERR_MSG(extack, "address family missing");
		return -EINVAL;
	}
	*family = nla_get_u16(tb[MCSEC_GROUP_A_FAMILY]);
	if (*family != AF_INET && *family != AF_INET6) {
		NL_SET_ERR_MSG_ATTR(extack, tb[MCSEC_GROUP_A_FAMILY],
				    "family must be AF_INET or AF_INET6");
		return -EAFNOSUPPORT;
	}
	return 0;
}

/* The match tuple: family, group, [source], [port], [input if], dir. */
static int mcsec_nl_match(struct net *net, struct nlattr *nest,
			  struct nlattr **tb, struct mcsec_match *m,
			  struct netlink_ext_ack *extack)
{
	int err;

	memset(m, 0, sizeof(*m));
	err = mcsec_nl_family(nest, tb, &m->family, extack);
	if (err)
		return err;
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, MCSEC_GROUP_A_DADDR)) {
		NL_SET_ERR_MSG(extack, "group address missing");
		return -EINVAL;
	}
	err = mcsec_nl_addr(nest, tb[MCSEC_GROUP_A_DADDR], m->family,
			    &m->daddr, true, extack);
	if (err)
		return err;
	if (tb[MCSEC_GROUP_A_SADDR]) {
		err = mcsec_nl_addr(nest, tb[MCSEC_GROUP_A_SADDR], m->family,
				    &m->saddr, false, extack);
		if (err)
			return err;
		m->has_saddr = true;
	}
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, MCSEC_GROUP_A_DIR)) {
		NL_SET_ERR_MSG(extack, "direction missing");
		return -EINVAL;
	}
	m->dir = nla_get_u8(tb[MCSEC_GROUP_A_DIR]);
	if (tb[MCSEC_GROUP_A_PORT])
		m->port = nla_get_u16(tb[MCSEC_GROUP_A_PORT]);
	if (tb[MCSEC_GROUP_A_IFINDEX])
		m->ifindex = nla_get_u32(tb[MCSEC_GROUP_A_IFINDEX]);
	return 0;
}

static const int mcsec_match_attrs[] = {
	MCSEC_GROUP_A_FAMILY, MCSEC_GROUP_A_DADDR, MCSEC_GROUP_A_SADDR,
	MCSEC_GROUP_A_PORT, MCSEC_GROUP_A_IFINDEX, MCSEC_GROUP_A_DIR,
};

/* The group a request names, by ID or by its match tuple. */
static struct mcsec_group *mcsec_nl_find(struct mcsec_net *mn,
					 struct nlattr *nest,
					 struct nlattr **tb,
					 struct netlink_ext_ack *extack)
{
	struct mcsec_match m;
	struct mcsec_group *g;
	int err;

	if (tb[MCSEC_GROUP_A_ID]) {
		err = mcsec_nl_refuse(tb, mcsec_match_attrs,
				      ARRAY_SIZE(mcsec_match_attrs), extack);
		if (err) {
			NL_SET_ERR_MSG(extack,
				       "name the group by ID or by match, not both");
			return ERR_PTR(err);
		}
		g = mcsec_group_by_id(mn, nla_get_u32(tb[MCSEC_GROUP_A_ID]));
		if (!g)
			NL_SET_ERR_MSG_ATTR(extack, tb[MCSEC_GROUP_A_ID],
					    "no group with this ID");
		return g ? g : ERR_PTR(-ENOENT);
	}
	err = mcsec_nl_match(mn->net, nest, tb, &m, extack);
	if (err)
		return ERR_PTR(err);
	g = mcsec_group_by_match(mn, &m);
	if (!g)
		NL_SET_ERR_MSG_ATTR(extack, nest, "no group matches");
	return g ? g : ERR_PTR(-ENOENT);
}

static int mcsec_nl_put_stats(struct sk_buff *skb, int type,
			      struct mcsec_stats __percpu *st)
{
	u64 c[MCSEC_STAT_A_MAX + 1];
	struct nlattr *nest;
	int i;

	mcsec_stats_read(st, c);
	nest = nla_nest_start(skb, type);
	if (!nest)
		return -EMSGSIZE;
	for (i = MCSEC_STAT_A_PAD + 1; i <= MCSEC_STAT_A_MAX; i++)
		if (nla_put_u64_64bit(skb, i, c[i], MCSEC_STAT_A_PAD))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int mcsec_nl_put_group_attrs(struct sk_buff *skb, struct mcsec_group *g)
{
	const struct mcsec_match *m = &g->m;
	u32 alen = m->family == AF_INET ? 4 : 16;
	struct mcsec_sa *tx;

	if (nla_put_u32(skb, MCSEC_GROUP_A_ID, g->id) ||
	    nla_put_u16(skb, MCSEC_GROUP_A_FAMILY, m->family) ||
	    nla_put(skb, MCSEC_GROUP_A_DADDR, alen, &m->daddr) ||
	    (m->has_saddr &&
	     nla_put(skb, MCSEC_GROUP_A_SADDR, alen, &m->saddr)) ||
	    nla_put_u16(skb, MCSEC_GROUP_A_PORT, m->port) ||
	    (m->ifindex && nla_put_u32(skb, MCSEC_GROUP_A_IFINDEX, m->ifindex)) ||
	    nla_put_u8(skb, MCSEC_GROUP_A_DIR, m->dir) ||
	    nla_put_u8(skb, MCSEC_GROUP_A_FORMAT, g->format) ||
	    nla_put_u32(skb, MCSEC_GROUP_A_FLAGS, READ_ONCE(g->flags)) ||
	    (g->n_pids && nla_put(skb, MCSEC_GROUP_A_PIDS,
				  g->n_pids * sizeof(u16), g->pids)))
		return -EMSGSIZE;
	if (mcsec_format_is_ts(g->format)) {
		if (g->tx_parity &&
		    nla_put_u8(skb, MCSEC_GROUP_A_TX_PARITY, g->tx_parity))
			return -EMSGSIZE;
	} else {
		tx = rcu_dereference_protected(g->tx_sa,
					       lockdep_is_held(&g->mn->lock));
		if (tx && nla_put_u32(skb, MCSEC_GROUP_A_TX_SPI, tx->spi))
			return -EMSGSIZE;
	}
	return mcsec_nl_put_stats(skb, MCSEC_GROUP_A_STATS, g->stats);
}

static int mcsec_nl_fill_group(struct sk_buff *skb, struct mcsec_group *g,
			       u32 portid, u32 seq, int flags,
			       struct netlink_callback *cb)
{
	struct nlattr *nest;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &mcsec_genl_family, flags,
			  MCSEC_CMD_GROUP_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	nest = nla_nest_start(skb, MCSEC_A_GROUP);
	if (!nest || mcsec_nl_put_group_attrs(skb, g))
		goto cancel;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

static int mcsec_nl_put_lifetime(struct sk_buff *skb, int type,
				 const struct mcsec_lifetime *lt)
{
	struct nlattr *nest = nla_nest_start(skb, type);

	if (!nest ||
	    nla_put_u64_64bit(skb, MCSEC_LIFETIME_A_PACKETS, lt->packets,
			      MCSEC_LIFETIME_A_PAD) ||
	    nla_put_u64_64bit(skb, MCSEC_LIFETIME_A_BYTES, lt->bytes,
			      MCSEC_LIFETIME_A_PAD) ||
	    nla_put_u64_64bit(skb, MCSEC_LIFETIME_A_SECONDS, lt->seconds,
			      MCSEC_LIFETIME_A_PAD))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* Everything about an SA but its key and salt, which never leave. */
static int mcsec_nl_put_sa_attrs(struct sk_buff *skb, struct mcsec_sa *sa)
{
	bool ts = mcsec_format_is_ts(sa->group->format);
	u32 flags = sa->flags;

	if (mcsec_sa_is_active(sa))
		flags |= MCSEC_SA_F_ACTIVE;
	if ((ts ? nla_put_u8(skb, MCSEC_SA_A_PARITY, sa->parity) :
		  nla_put_u32(skb, MCSEC_SA_A_SPI, sa->spi)) ||
	    nla_put_u8(skb, MCSEC_SA_A_SUITE, sa->suite) ||
	    (!ts && nla_put_u64_64bit(skb, MCSEC_SA_A_SEQ,
				      atomic64_read(&sa->seq_next),
				      MCSEC_SA_A_PAD)) ||
	    (!ts && nla_put_u32(skb, MCSEC_SA_A_REPLAY_WINDOW,
				sa->replay_window)) ||
	    nla_put_u32(skb, MCSEC_SA_A_FLAGS, flags) ||
	    mcsec_nl_put_lifetime(skb, MCSEC_SA_A_LIFETIME_SOFT, &sa->soft) ||
	    mcsec_nl_put_lifetime(skb, MCSEC_SA_A_LIFETIME_HARD, &sa->hard))
		return -EMSGSIZE;
	return mcsec_nl_put_stats(skb, MCSEC_SA_A_STATS, sa->stats);
}

static int mcsec_nl_fill_sa(struct sk_buff *skb, struct mcsec_sa *sa,
			    u32 portid, u32 seq, int flags,
			    struct netlink_callback *cb)
{
	struct nlattr *nest;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &mcsec_genl_family, flags,
			  MCSEC_CMD_SA_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	nest = nla_nest_start(skb, MCSEC_A_GROUP);
	if (!nest || nla_put_u32(skb, MCSEC_GROUP_A_ID, sa->group->id))
		goto cancel;
	nla_nest_end(skb, nest);
	nest = nla_nest_start(skb, MCSEC_A_SA);
	if (!nest || mcsec_nl_put_sa_attrs(skb, sa))
		goto cancel;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/* PIDs: an array of host-order u16, each 0..0x1FFE (0x1FFF is null). */
static int mcsec_nl_pids(struct nlattr *a, struct mcsec_group_cfg *cfg,
			 struct netlink_ext_ack *extack)
{
	const u16 *pids = nla_data(a);
	u32 i, n = nla_len(a) / sizeof(u16);

	if (nla_len(a) % sizeof(u16)) {
		NL_SET_ERR_MSG_ATTR(extack, a, "PID list length is odd");
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		if (pids[i] > MCSEC_PID_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, a, "PID above 0x1FFE");
			return -ERANGE;
		}
	}
	cfg->pids = pids;
	cfg->n_pids = n;
	return 0;
}

/*
 * A new group's input interface must exist in the caller's namespace now
 * (a typo would otherwise make a group that silently never matches). Only
 * on add: naming an existing group whose interface went away still works.
 */
static int mcsec_nl_ifindex(struct net *net, struct nlattr **tb,
			    struct netlink_ext_ack *extack)
{
	struct nlattr *a = tb[MCSEC_GROUP_A_IFINDEX];
	bool found;

	if (!a)
		return 0;
	rcu_read_lock();
	found = dev_get_by_index_rcu(net, nla_get_u32(a));
	rcu_read_unlock();
	if (found)
		return 0;
	NL_SET_ERR_MSG_ATTR(extack, a, "no such input interface");
	return -ENODEV;
}

static int mcsec_nl_group_cfg(struct mcsec_net *mn, struct nlattr *nest,
			      struct nlattr **tb, struct mcsec_group_cfg *cfg,
			      struct netlink_ext_ack *extack)
{
	static const int refused[] = {
		MCSEC_GROUP_A_ID, MCSEC_GROUP_A_TX_PARITY, MCSEC_GROUP_A_TX_SPI,
	};
	bool ts;
	int err;

	err = mcsec_nl_refuse(tb, refused, ARRAY_SIZE(refused), extack);
	if (!err)
		err = mcsec_nl_match(mn->net, nest, tb, &cfg->m, extack);
	if (!err)
		err = mcsec_nl_ifindex(mn->net, tb, extack);
	if (err)
		return err;
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, MCSEC_GROUP_A_FORMAT)) {
		NL_SET_ERR_MSG(extack, "format missing");
		return -EINVAL;
	}
	cfg->format = nla_get_u8(tb[MCSEC_GROUP_A_FORMAT]);
	ts = mcsec_format_is_ts(cfg->format);
	if (tb[MCSEC_GROUP_A_FLAGS])
		cfg->flags = nla_get_u32(tb[MCSEC_GROUP_A_FLAGS]);
	if (ts && !cfg->m.port) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "TS formats need a UDP port");
		return -EINVAL;
	}
	if (!ts && (cfg->flags & MCSEC_GROUP_F_RTP)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[MCSEC_GROUP_A_FLAGS],
				    "the RTP flag is for TS formats only");
		return -EINVAL;
	}
	if (!tb[MCSEC_GROUP_A_PIDS])
		return 0;
	if (!ts) {
		NL_SET_ERR_MSG_ATTR(extack, tb[MCSEC_GROUP_A_PIDS],
				    "a PID list is for TS formats only");
		return -EINVAL;
	}
	return mcsec_nl_pids(tb[MCSEC_GROUP_A_PIDS], cfg, extack);
}

static int mcsec_nl_reply_id(struct genl_info *info, u32 id)
{
	struct nlattr *nest;
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &mcsec_genl_family, 0,
				MCSEC_CMD_GROUP_ADD);
	if (!hdr)
		goto err;
	nest = nla_nest_start(msg, MCSEC_A_GROUP);
	if (!nest || nla_put_u32(msg, MCSEC_GROUP_A_ID, id))
		goto err;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
err:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static int mcsec_nl_group_add(struct sk_buff *skb, struct genl_info *info)
{
	struct mcsec_net *mn = mcsec_info_net(info);
	struct nlattr *tb[MCSEC_GROUP_A_MAX + 1];
	struct mcsec_group_cfg cfg = {};
	struct mcsec_group *g;
	u32 id;
	int err;

	err = mcsec_nl_parse_nest(tb, MCSEC_GROUP_A_MAX, info, MCSEC_A_GROUP,
				  mcsec_group_policy);
	if (err)
		return err;
	mutex_lock(&mn->lock);
	err = mcsec_nl_group_cfg(mn, info->attrs[MCSEC_A_GROUP], tb, &cfg,
				 info->extack);
	if (err)
		goto out;
	g = mcsec_group_add(mn, &cfg);
	if (IS_ERR(g)) {
		err = PTR_ERR(g);
		if (err == -EEXIST)
			NL_SET_ERR_MSG_ATTR(info->extack,
					    info->attrs[MCSEC_A_GROUP],
					    "a group with this match exists");
		goto out;
	}
	id = g->id;
	err = mcsec_nl_reply_id(info, id);
	/* Without its reply the caller cannot know the group: undo it. */
	if (err)
		mcsec_group_del(g);
out:
	mutex_unlock(&mn->lock);
	return err;
}

/* GROUP_SET on a TS group: the scrambler's parity flips. */
static int mcsec_nl_set_parity(struct mcsec_group *g, struct nlattr *a,
			       struct netlink_ext_ack *extack)
{
	int err;

	if (!mcsec_format_is_ts(g->format)) {
		NL_SET_ERR_MSG_ATTR(extack, a, "ESP groups have no parity");
		return -EINVAL;
	}
	if (g->m.dir != MCSEC_DIR_ENCRYPT) {
		NL_SET_ERR_MSG_ATTR(extack, a, "only scramblers have a parity");
		return -EINVAL;
	}
	err = mcsec_group_set_tx_parity(g, nla_get_u8(a));
	if (err)
		NL_SET_ERR_MSG_ATTR(extack, a, "no key of this parity installed");
	return err;
}

static int mcsec_nl_set_spi(struct mcsec_group *g, struct nlattr *a,
			    struct netlink_ext_ack *extack)
{
	int err;

	if (mcsec_format_is_ts(g->format)) {
		NL_SET_ERR_MSG_ATTR(extack, a, "TS groups have no SPI");
		return -EINVAL;
	}
	if (g->m.dir != MCSEC_DIR_ENCRYPT) {
		NL_SET_ERR_MSG_ATTR(extack, a, "only senders have an active SA");
		return -EINVAL;
	}
	err = mcsec_group_set_tx_spi(g, nla_get_u32(a));
	if (err)
		NL_SET_ERR_MSG_ATTR(extack, a, "no SA with this SPI");
	return err;
}

static int mcsec_nl_set_flags(struct mcsec_group *g, struct nlattr *a,
			      struct netlink_ext_ack *extack)
{
	u32 flags = nla_get_u32(a);

	if (((flags ^ g->flags) & MCSEC_GROUP_F_RTP)) {
		NL_SET_ERR_MSG_ATTR(extack, a,
				    "the RTP flag is fixed when the group is added");
		return -EINVAL;
	}
	mcsec_group_set_flags(g, flags);
	return 0;
}

static int mcsec_nl_group_set(struct sk_buff *skb, struct genl_info *info)
{
	static const int refused[] = { MCSEC_GROUP_A_FORMAT, MCSEC_GROUP_A_PIDS };
	struct mcsec_net *mn = mcsec_info_net(info);
	struct nlattr *tb[MCSEC_GROUP_A_MAX + 1];
	struct netlink_ext_ack *extack = info->extack;
	struct mcsec_group *g;
	int err;

	err = mcsec_nl_parse_nest(tb, MCSEC_GROUP_A_MAX, info, MCSEC_A_GROUP,
				  mcsec_group_policy);
	if (!err)
		err = mcsec_nl_refuse(tb, refused, ARRAY_SIZE(refused), extack);
	if (err)
		return err;
	mutex_lock(&mn->lock);
	g = mcsec_nl_find(mn, info->attrs[MCSEC_A_GROUP], tb, extack);
	err = PTR_ERR_OR_ZERO(g);
	if (!err && tb[MCSEC_GROUP_A_FLAGS])
		err = mcsec_nl_set_flags(g, tb[MCSEC_GROUP_A_FLAGS], extack);
	if (!err && tb[MCSEC_GROUP_A_TX_PARITY])
		err = mcsec_nl_set_parity(g, tb[MCSEC_GROUP_A_TX_PARITY],
					  extack);
	if (!err && tb[MCSEC_GROUP_A_TX_SPI])
		err = mcsec_nl_set_spi(g, tb[MCSEC_GROUP_A_TX_SPI], extack);
	mutex_unlock(&mn->lock);
	return err;
}

static const int mcsec_group_name_only[] = {
	MCSEC_GROUP_A_FORMAT, MCSEC_GROUP_A_FLAGS, MCSEC_GROUP_A_PIDS,
	MCSEC_GROUP_A_TX_PARITY, MCSEC_GROUP_A_TX_SPI,
};

/* Parses MCSEC_A_GROUP of a request that only names a group. */
static int mcsec_nl_group_name(struct genl_info *info, struct nlattr **tb)
{
	int err;

	err = mcsec_nl_parse_nest(tb, MCSEC_GROUP_A_MAX, info, MCSEC_A_GROUP,
				  mcsec_group_policy);
	if (err)
		return err;
	return mcsec_nl_refuse(tb, mcsec_group_name_only,
			       ARRAY_SIZE(mcsec_group_name_only), info->extack);
}

static int mcsec_nl_group_del(struct sk_buff *skb, struct genl_info *info)
{
	struct mcsec_net *mn = mcsec_info_net(info);
	struct nlattr *tb[MCSEC_GROUP_A_MAX + 1];
	struct mcsec_group *g;
	int err;

	err = mcsec_nl_group_name(info, tb);
	if (err)
		return err;
	mutex_lock(&mn->lock);
	g = mcsec_nl_find(mn, info->attrs[MCSEC_A_GROUP], tb, info->extack);
	err = PTR_ERR_OR_ZERO(g);
	if (!err)
		mcsec_group_del(g);
	mutex_unlock(&mn->lock);
	return err;
}

static int mcsec_nl_group_get(struct sk_buff *skb, struct genl_info *info)
{
	struct mcsec_net *mn = mcsec_info_net(info);
	struct nlattr *tb[MCSEC_GROUP_A_MAX + 1];
	struct mcsec_group *g;
	struct sk_buff *msg;
	int err;

	err = mcsec_nl_group_name(info, tb);
	if (err)
		return err;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&mn->lock);
	g = mcsec_nl_find(mn, info->attrs[MCSEC_A_GROUP], tb, info->extack);
	err = PTR_ERR_OR_ZERO(g);
	if (!err)
		err = mcsec_nl_fill_group(msg, g, info->snd_portid,
					  info->snd_seq, 0, NULL);
	mutex_unlock(&mn->lock);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/* cb->args[0]: the next group ID to dump. */
static int mcsec_nl_group_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct mcsec_net *mn = mcsec_pernet(sock_net(skb->sk));
	struct mcsec_group *g;
	unsigned long id;

	mutex_lock(&mn->lock);
	cb->seq = mn->genid;
	xa_for_each_start(&mn->groups, id, g, cb->args[0]) {
		if (mcsec_nl_fill_group(skb, g, NETLINK_CB(cb->skb).portid,
					cb->nlh->nlmsg_seq, NLM_F_MULTI, cb))
			break;
		cb->args[0] = id + 1;
	}
	mutex_unlock(&mn->lock);
	return skb->len;
}

static int mcsec_nl_lifetime(struct nlattr *a, struct mcsec_lifetime *lt,
			     struct netlink_ext_ack *extack)
{
	struct nlattr *tb[MCSEC_LIFETIME_A_MAX + 1];
	int err;

	memset(lt, 0, sizeof(*lt));
	if (!a)
		return 0;
	err = nla_parse_nested(tb, MCSEC_LIFETIME_A_MAX, a,
			       mcsec_lifetime_policy, extack);
	if (err)
		return err;
	if (tb[MCSEC_LIFETIME_A_PACKETS])
		lt->packets = nla_get_u64(tb[MCSEC_LIFETIME_A_PACKETS]);
	if (tb[MCSEC_LIFETIME_A_BYTES])
		lt->bytes = nla_get_u64(tb[MCSEC_LIFETIME_A_BYTES]);
	if (tb[MCSEC_LIFETIME_A_SECONDS])
		lt->seconds = nla_get_u64(tb[MCSEC_LIFETIME_A_SECONDS]);
	return 0;
}

/* A soft limit at or past its hard one would never be seen. */
static bool mcsec_soft_ok(u64 soft, u64 hard)
{
	return !soft || !hard || soft < hard;
}

static int mcsec_nl_lifetimes(struct nlattr **tb, struct mcsec_sa_cfg *cfg,
			      struct netlink_ext_ack *extack)
{
	struct mcsec_lifetime *s = &cfg->soft, *h = &cfg->hard;
	int err;

	err = mcsec_nl_lifetime(tb[MCSEC_SA_A_LIFETIME_SOFT], s, extack);
	if (!err)
		err = mcsec_nl_lifetime(tb[MCSEC_SA_A_LIFETIME_HARD], h, extack);
	if (err)
		return err;
	if (!mcsec_soft_ok(s->packets, h->packets) ||
	    !mcsec_soft_ok(s->bytes, h->bytes) ||
	    !mcsec_soft_ok(s->seconds, h->seconds)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[MCSEC_SA_A_LIFETIME_SOFT],
				    "soft lifetime not below the hard one");
		return -EINVAL;
	}
	return 0;
}

static int mcsec_nl_key(struct nlattr *nest, struct nlattr **tb,
			struct mcsec_sa_cfg *cfg, struct netlink_ext_ack *extack)
{
	struct nlattr *a = tb[MCSEC_SA_A_KEY];

	if (NL_REQ_ATTR_CHECK(extack, nest, tb, MCSEC_SA_A_KEY)) {
		NL_SET_ERR_MSG(extack, "key missing");
		return -EINVAL;
	}
	if (nla_len(a) != mc_suite_key_len(cfg->suite)) {
		NL_SET_ERR_MSG_ATTR(extack, a,
				    "key length does not match the suite");
		return -EINVAL;
	}
	cfg->key = nla_data(a);
	cfg->key_len = nla_len(a);
	return 0;
}

/* ESP SAs: SPI, an AEAD suite, salt, sequence, replay window. */
static int mcsec_nl_sa_esp(struct nlattr *nest, struct nlattr **tb,
			   struct mcsec_sa_cfg *cfg,
			   struct netlink_ext_ack *extack)
{
	static const int refused[] = { MCSEC_SA_A_PARITY };
	u32 w;

	if (mcsec_nl_refuse(tb, refused, ARRAY_SIZE(refused), extack))
		return -EINVAL;
	if (!mc_suite_is_esp(cfg->suite)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[MCSEC_SA_A_SUITE],
				    "suite does not fit an ESP group");
		return -EINVAL;
	}
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, MCSEC_SA_A_SALT)) {
		NL_SET_ERR_MSG(extack, "ESP suites need a 4-byte salt");
		return -EINVAL;
	}
	cfg->salt = nla_data(tb[MCSEC_SA_A_SALT]);
	if (tb[MCSEC_SA_A_SEQ])
		cfg->seq = nla_get_u64(tb[MCSEC_SA_A_SEQ]);
	/* Anti-replay is on unless asked off: 64 packets by default. */
	w = MC_REPLAY_MIN;
	if (tb[MCSEC_SA_A_REPLAY_WINDOW])
		w = nla_get_u32(tb[MCSEC_SA_A_REPLAY_WINDOW]);
	if (w % 64) {
		NL_SET_ERR_MSG_ATTR(extack, tb[MCSEC_SA_A_REPLAY_WINDOW],
				    "replay window must be 0 or a multiple of 64 in [64, 4096]");
		return -EINVAL;
	}
	cfg->replay_window = w;
	return 0;
}

/* TS keys: a parity and an AES-128-CBC control word, nothing else. */
static int mcsec_nl_sa_ts(struct nlattr *nest, struct nlattr **tb,
			  struct mcsec_sa_cfg *cfg,
			  struct netlink_ext_ack *extack)
{
	static const int refused[] = {
		MCSEC_SA_A_SPI, MCSEC_SA_A_SALT, MCSEC_SA_A_SEQ,
		MCSEC_SA_A_REPLAY_WINDOW,
	};

	if (mcsec_nl_refuse(tb, refused, ARRAY_SIZE(refused), extack))
		return -EINVAL;
	if (cfg->suite != MCSEC_SUITE_AES128_CBC) {
		NL_SET_ERR_MSG_ATTR(extack, tb[MCSEC_SA_A_SUITE],
				    "suite does not fit a TS group");
		return -EINVAL;
	}
	if (cfg->flags & MCSEC_SA_F_ESN) {
		NL_SET_ERR_MSG_ATTR(extack, tb[MCSEC_SA_A_FLAGS],
				    "ESN is for ESP SAs only");
		return -EINVAL;
	}
	return 0;
}

/* The SA a request names: by SPI in ESP groups, by parity in TS groups. */
static int mcsec_nl_sa_name(struct mcsec_group *g, struct nlattr *nest,
			    struct nlattr **tb, u32 *spi, u8 *parity,
			    struct netlink_ext_ack *extack)
{
	int type = mcsec_format_is_ts(g->format) ? MCSEC_SA_A_PARITY :
						   MCSEC_SA_A_SPI;

	if (NL_REQ_ATTR_CHECK(extack, nest, tb, type)) {
		if (type == MCSEC_SA_A_SPI)
			NL_SET_ERR_MSG(extack, "ESP SAs are named by SPI");
		else
			NL_SET_ERR_MSG(extack, "TS keys are named by parity");
		return -EINVAL;
	}
	*spi = type == MCSEC_SA_A_SPI ? nla_get_u32(tb[type]) : 0;
	*parity = type == MCSEC_SA_A_PARITY ? nla_get_u8(tb[type]) : 0;
	return 0;
}

static int mcsec_nl_sa_cfg(struct mcsec_group *g, struct nlattr *nest,
			   struct nlattr **tb, struct mcsec_sa_cfg *cfg,
			   struct netlink_ext_ack *extack)
{
	int err;

	err = mcsec_nl_sa_name(g, nest, tb, &cfg->spi, &cfg->parity, extack);
	if (err)
		return err;
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, MCSEC_SA_A_SUITE)) {
		NL_SET_ERR_MSG(extack, "suite missing");
		return -EINVAL;
	}
	cfg->suite = nla_get_u8(tb[MCSEC_SA_A_SUITE]);
	if (tb[MCSEC_SA_A_FLAGS])
		cfg->flags = nla_get_u32(tb[MCSEC_SA_A_FLAGS]);
	err = mcsec_format_is_ts(g->format) ?
		mcsec_nl_sa_ts(nest, tb, cfg, extack) :
		mcsec_nl_sa_esp(nest, tb, cfg, extack);
	if (!err)
		err = mcsec_nl_key(nest, tb, cfg, extack);
	if (!err)
		err = mcsec_nl_lifetimes(tb, cfg, extack);
	return err;
}

/* Parses MCSEC_A_GROUP and MCSEC_A_SA and finds the group. */
static struct mcsec_group *mcsec_nl_sa_group(struct mcsec_net *mn,
					     struct genl_info *info,
					     struct nlattr **sa_tb)
{
	struct nlattr *tb[MCSEC_GROUP_A_MAX + 1];
	int err;

	err = mcsec_nl_group_name(info, tb);
	if (!err)
		err = mcsec_nl_parse_nest(sa_tb, MCSEC_SA_A_MAX, info,
					  MCSEC_A_SA, mcsec_sa_policy);
	if (err)
		return ERR_PTR(err);
	return mcsec_nl_find(mn, info->attrs[MCSEC_A_GROUP], tb, info->extack);
}

static int mcsec_nl_sa_add(struct sk_buff *skb, struct genl_info *info)
{
	struct mcsec_net *mn = mcsec_info_net(info);
	struct nlattr *tb[MCSEC_SA_A_MAX + 1];
	struct nlattr *nest = info->attrs[MCSEC_A_SA];
	struct mcsec_sa_cfg cfg = {};
	struct mcsec_group *g;
	struct mcsec_sa *sa;
	int err;

	mutex_lock(&mn->lock);
	g = mcsec_nl_sa_group(mn, info, tb);
	err = PTR_ERR_OR_ZERO(g);
	if (!err)
		err = mcsec_nl_sa_cfg(g, nest, tb, &cfg, info->extack);
	if (err)
		goto out;
	sa = mcsec_sa_add(g, &cfg);
	err = PTR_ERR_OR_ZERO(sa);
	if (err == -EEXIST) {
		NL_SET_ERR_MSG_ATTR(info->extack, nest,
				    "the group has an SA with this SPI or parity");
	} else if (err == -EADDRINUSE) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[MCSEC_SA_A_SPI],
				    "another decrypt group of this address has an SA with this SPI");
		err = -EEXIST;
	} else if (err == -ENOSPC) {
		NL_SET_ERR_MSG_ATTR(info->extack, nest,
				    "the group holds 4 SAs already");
	} else if (err) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[MCSEC_SA_A_SUITE],
				    "the kernel cannot set up this suite");
	}
out:
	mutex_unlock(&mn->lock);
	return err;
}

static struct mcsec_sa *mcsec_nl_sa_find(struct mcsec_group *g,
					 struct nlattr *nest,
					 struct nlattr **tb,
					 struct netlink_ext_ack *extack)
{
	struct mcsec_sa *sa;
	u32 spi;
	u8 parity;
	int err;

	err = mcsec_nl_sa_name(g, nest, tb, &spi, &parity, extack);
	if (err)
		return ERR_PTR(err);
	sa = mcsec_sa_find(g, spi, parity);
	if (!sa)
		NL_SET_ERR_MSG_ATTR(extack, nest, "no such SA in the group");
	return sa ? sa : ERR_PTR(-ENOENT);
}

/* SA_SET: the ACTIVE flag moves; keys and parameters are immutable. */
static int mcsec_nl_sa_flags(struct mcsec_sa *sa, struct nlattr **tb,
			     struct netlink_ext_ack *extack)
{
	struct mcsec_group *g = sa->group;
	u32 flags;

	if (!tb[MCSEC_SA_A_FLAGS])
		return 0;
	flags = nla_get_u32(tb[MCSEC_SA_A_FLAGS]);
	/*
	 * Only ACTIVE moves. ESN may be left out or repeated as it is (a
	 * client that echoes a dump's flags), but never turned on.
	 */
	if ((flags & MCSEC_SA_F_ESN) && !(sa->flags & MCSEC_SA_F_ESN)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[MCSEC_SA_A_FLAGS],
				    "ESN is fixed when the SA is added");
		return -EINVAL;
	}
	if (flags & MCSEC_SA_F_ACTIVE)
		return mcsec_format_is_ts(g->format) ?
			mcsec_group_set_tx_parity(g, sa->parity) :
			mcsec_group_set_tx_spi(g, sa->spi);
	/* Clearing ACTIVE stops the sender: it fails closed. */
	if (mcsec_sa_is_active(sa)) {
		if (mcsec_format_is_ts(g->format))
			WRITE_ONCE(g->tx_parity, MCSEC_PARITY_UNSPEC);
		else
			RCU_INIT_POINTER(g->tx_sa, NULL);
		mcsec_changed(g->mn);
	}
	return 0;
}

static int mcsec_nl_sa_set(struct sk_buff *skb, struct genl_info *info)
{
	static const int refused[] = {
		MCSEC_SA_A_SUITE, MCSEC_SA_A_SEQ, MCSEC_SA_A_REPLAY_WINDOW,
		MCSEC_SA_A_LIFETIME_SOFT, MCSEC_SA_A_LIFETIME_HARD,
	};
	struct mcsec_net *mn = mcsec_info_net(info);
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *tb[MCSEC_SA_A_MAX + 1];
	struct mcsec_group *g;
	struct mcsec_sa *sa;
	int err;

	mutex_lock(&mn->lock);
	g = mcsec_nl_sa_group(mn, info, tb);
	err = PTR_ERR_OR_ZERO(g);
	if (err)
		goto out;
	if (tb[MCSEC_SA_A_KEY] || tb[MCSEC_SA_A_SALT]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[MCSEC_SA_A_KEY] ?: tb[MCSEC_SA_A_SALT],
				    "keys are immutable once installed");
		err = -EPERM;
		goto out;
	}
	err = mcsec_nl_refuse(tb, refused, ARRAY_SIZE(refused), extack);
	if (err)
		goto out;
	sa = mcsec_nl_sa_find(g, info->attrs[MCSEC_A_SA], tb, extack);
	err = PTR_ERR_OR_ZERO(sa);
	if (!err)
		err = mcsec_nl_sa_flags(sa, tb, extack);
out:
	mutex_unlock(&mn->lock);
	return err;
}

static int mcsec_nl_sa_del(struct sk_buff *skb, struct genl_info *info)
{
	static const int refused[] = {
		MCSEC_SA_A_SUITE, MCSEC_SA_A_KEY, MCSEC_SA_A_SALT,
		MCSEC_SA_A_SEQ, MCSEC_SA_A_REPLAY_WINDOW, MCSEC_SA_A_FLAGS,
		MCSEC_SA_A_LIFETIME_SOFT, MCSEC_SA_A_LIFETIME_HARD,
	};
	struct mcsec_net *mn = mcsec_info_net(info);
	struct nlattr *tb[MCSEC_SA_A_MAX + 1];
	struct mcsec_group *g;
	struct mcsec_sa *sa;
	int err;

	mutex_lock(&mn->lock);
	g = mcsec_nl_sa_group(mn, info, tb);
	err = PTR_ERR_OR_ZERO(g);
	if (!err)
		err = mcsec_nl_refuse(tb, refused, ARRAY_SIZE(refused),
				      info->extack);
	if (err)
		goto out;
	sa = mcsec_nl_sa_find(g, info->attrs[MCSEC_A_SA], tb, info->extack);
	err = PTR_ERR_OR_ZERO(sa);
	if (!err)
		mcsec_sa_del(sa);
out:
	mutex_unlock(&mn->lock);
	return err;
}

static int mcsec_nl_sa_get(struct sk_buff *skb, struct genl_info *info)
{
	struct mcsec_net *mn = mcsec_info_net(info);
	struct nlattr *tb[MCSEC_SA_A_MAX + 1];
	struct mcsec_group *g;
	struct mcsec_sa *sa;
	struct sk_buff *msg;
	int err;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&mn->lock);
	g = mcsec_nl_sa_group(mn, info, tb);
	err = PTR_ERR_OR_ZERO(g);
	if (err)
		goto out;
	sa = mcsec_nl_sa_find(g, info->attrs[MCSEC_A_SA], tb, info->extack);
	err = PTR_ERR_OR_ZERO(sa);
	if (!err)
		err = mcsec_nl_fill_sa(msg, sa, info->snd_portid,
				       info->snd_seq, 0, NULL);
out:
	mutex_unlock(&mn->lock);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/*
 * The group a dump of SAs is restricted to, if the request names one: its
 * ID, or 0 for all groups. Parsed once, in .start.
 */
static int mcsec_nl_sa_dump_start(struct netlink_callback *cb)
{
	const struct genl_dumpit_info *di = genl_dumpit_info(cb);
	struct mcsec_net *mn = mcsec_pernet(sock_net(cb->skb->sk));
	struct nlattr *tb[MCSEC_GROUP_A_MAX + 1];
	struct nlattr *nest = di->attrs[MCSEC_A_GROUP];
	struct mcsec_group *g;
	int err;

	cb->args[0] = 0;	/* next group ID */
	cb->args[1] = 0;	/* next SA slot in it */
	cb->args[2] = 0;	/* the one group, or 0 */
	if (!nest)
		return 0;
	err = nla_parse_nested(tb, MCSEC_GROUP_A_MAX, nest, mcsec_group_policy,
			       cb->extack);
	if (!err)
		err = mcsec_nl_refuse(tb, mcsec_group_name_only,
				      ARRAY_SIZE(mcsec_group_name_only),
				      cb->extack);
	if (err)
		return err;
	mutex_lock(&mn->lock);
	g = mcsec_nl_find(mn, nest, tb, cb->extack);
	err = PTR_ERR_OR_ZERO(g);
	if (!err)
		cb->args[0] = cb->args[2] = g->id;
	mutex_unlock(&mn->lock);
	return err;
}

static int mcsec_nl_sa_dump_group(struct sk_buff *skb,
				  struct netlink_callback *cb,
				  struct mcsec_group *g)
{
	struct mcsec_sa *sa;
	int i;

	for (i = cb->args[1]; i < MCSEC_GROUP_MAX_SA; i++) {
		sa = rcu_dereference_protected(g->sa[i],
					       lockdep_is_held(&g->mn->lock));
		if (sa && mcsec_nl_fill_sa(skb, sa, NETLINK_CB(cb->skb).portid,
					   cb->nlh->nlmsg_seq, NLM_F_MULTI,
					   cb))
			return -EMSGSIZE;
		cb->args[1] = i + 1;
	}
	return 0;
}

static int mcsec_nl_sa_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct mcsec_net *mn = mcsec_pernet(sock_net(skb->sk));
	struct mcsec_group *g;
	unsigned long id;

	mutex_lock(&mn->lock);
	cb->seq = mn->genid;
	xa_for_each_start(&mn->groups, id, g, cb->args[0]) {
		if (cb->args[2] && id != cb->args[2])
			break;
		if (mcsec_nl_sa_dump_group(skb, cb, g))
			break;
		cb->args[0] = id + 1;
		cb->args[1] = 0;
	}
	mutex_unlock(&mn->lock);
	return skb->len;
}

static int mcsec_nl_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct mcsec_net *mn = mcsec_info_net(info);

	mutex_lock(&mn->lock);
	mcsec_groups_flush(mn);
	mutex_unlock(&mn->lock);
	return 0;
}

static int mcsec_nl_stats_get(struct sk_buff *skb, struct genl_info *info)
{
	struct mcsec_net *mn = mcsec_info_net(info);
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &mcsec_genl_family, 0,
				MCSEC_CMD_STATS_GET);
	if (!hdr || mcsec_nl_put_stats(msg, MCSEC_A_STATS, mn->stats)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

void mcsec_nl_event(struct mcsec_net *mn, const struct mcsec_group *g,
		    const struct mcsec_sa *sa, u8 type, u8 limit)
{
	bool ts = mcsec_format_is_ts(g->format);
	struct nlattr *nest;
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &mcsec_genl_family, 0, MCSEC_CMD_EVENT);
	if (!hdr)
		goto err;
	nest = nla_nest_start(msg, MCSEC_A_EVENT);
	if (!nest ||
	    nla_put_u8(msg, MCSEC_EVENT_A_TYPE, type) ||
	    nla_put_u32(msg, MCSEC_EVENT_A_GROUP_ID, g->id) ||
	    (ts ? nla_put_u8(msg, MCSEC_EVENT_A_PARITY, sa->parity) :
		  nla_put_u32(msg, MCSEC_EVENT_A_SPI, sa->spi)) ||
	    (limit && nla_put_u8(msg, MCSEC_EVENT_A_LIMIT, limit)))
		goto err;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	/* -ESRCH (nobody listening) is not an error worth reporting. */
	genlmsg_multicast_netns(&mcsec_genl_family, mn->net, msg, 0,
				MCSEC_MCGRP_EVENTS_IDX, GFP_KERNEL);
	return;
err:
	nlmsg_free(msg);
}

static const struct genl_ops mcsec_genl_ops[] = {
	{
		.cmd = MCSEC_CMD_GROUP_ADD,
		.doit = mcsec_nl_group_add,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = MCSEC_CMD_GROUP_SET,
		.doit = mcsec_nl_group_set,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = MCSEC_CMD_GROUP_DEL,
		.doit = mcsec_nl_group_del,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = MCSEC_CMD_GROUP_GET,
		.doit = mcsec_nl_group_get,
		.dumpit = mcsec_nl_group_dump,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = MCSEC_CMD_SA_ADD,
		.doit = mcsec_nl_sa_add,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = MCSEC_CMD_SA_SET,
		.doit = mcsec_nl_sa_set,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = MCSEC_CMD_SA_DEL,
		.doit = mcsec_nl_sa_del,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = MCSEC_CMD_SA_GET,
		.doit = mcsec_nl_sa_get,
		.start = mcsec_nl_sa_dump_start,
		.dumpit = mcsec_nl_sa_dump,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = MCSEC_CMD_FLUSH,
		.doit = mcsec_nl_flush,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = MCSEC_CMD_STATS_GET,
		.doit = mcsec_nl_stats_get,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

static struct genl_family mcsec_genl_family __ro_after_init = {
	.name = MCSEC_GENL_NAME,
	.version = MCSEC_GENL_VERSION,
	.maxattr = MCSEC_A_MAX,
	.policy = mcsec_policy,
	/* Each namespace has its own groups: requests act on the caller's. */
	.netnsok = true,
	/*
	 * resv_start_op stays 0, as a new family's should: every command is
	 * then validated strictly by the core, genlmsghdr.reserved must be 0
	 * and nlmsg_flags may carry only REQUEST, ACK, ECHO and DUMP. (It is
	 * the first command validated so, not the last legacy one: set past
	 * MCSEC_CMD_MAX it made every command legacy, and a request with
	 * reserved bits set was obeyed.)
	 */
	.ops = mcsec_genl_ops,
	.n_ops = ARRAY_SIZE(mcsec_genl_ops),
	.mcgrps = mcsec_mcgrps,
	.n_mcgrps = ARRAY_SIZE(mcsec_mcgrps),
	.module = THIS_MODULE,
};

int __init mcsec_genl_init(void)
{
	return genl_register_family(&mcsec_genl_family);
}

void __exit mcsec_genl_exit(void)
{
	genl_unregister_family(&mcsec_genl_family);
}
