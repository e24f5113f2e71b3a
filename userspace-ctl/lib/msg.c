// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Request attributes, as include/uapi/linux/mcsec.h lays them out. */
#include <sys/socket.h>

#include "internal.h"

static uint16_t addr_len(const struct mcsec_addr *a)
{
	return a->family == AF_INET ? 4 : 16;
}

static void put_pids(struct nlmsghdr *nlh, const uint8_t *map)
{
	uint16_t pids[MCSEC_PID_MAX + 1];
	uint32_t n = 0, pid;

	for (pid = 0; pid <= MCSEC_PID_MAX; pid++)
		if (map[pid / 8] & (1u << (pid % 8)))
			pids[n++] = (uint16_t)pid;
	mnl_attr_put(nlh, MCSEC_GROUP_A_PIDS, n * sizeof(pids[0]), pids);
}

/* The MCSEC_A_GROUP nest of GROUP_ADD: the match and the group's setup. */
void mcsec_put_group_match(struct nlmsghdr *nlh, const struct mcsec_group *g)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, MCSEC_A_GROUP);

	mnl_attr_put_u16(nlh, MCSEC_GROUP_A_FAMILY, g->daddr.family);
	mnl_attr_put(nlh, MCSEC_GROUP_A_DADDR, addr_len(&g->daddr),
		     g->daddr.bytes);
	if (g->has_saddr)
		mnl_attr_put(nlh, MCSEC_GROUP_A_SADDR, addr_len(&g->saddr),
			     g->saddr.bytes);
	mnl_attr_put_u16(nlh, MCSEC_GROUP_A_PORT, g->port);
	if (g->ifindex)
		mnl_attr_put_u32(nlh, MCSEC_GROUP_A_IFINDEX, g->ifindex);
	mnl_attr_put_u8(nlh, MCSEC_GROUP_A_DIR, g->dir);
	mnl_attr_put_u8(nlh, MCSEC_GROUP_A_FORMAT, g->format);
	if (g->flags)
		mnl_attr_put_u32(nlh, MCSEC_GROUP_A_FLAGS, g->flags);
	if (g->has_pids)
		put_pids(nlh, g->pid_map);
	mnl_attr_nest_end(nlh, nest);
}

void mcsec_put_group_id(struct nlmsghdr *nlh, uint32_t id)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, MCSEC_A_GROUP);

	mnl_attr_put_u32(nlh, MCSEC_GROUP_A_ID, id);
	mnl_attr_nest_end(nlh, nest);
}

static void put_name(struct nlmsghdr *nlh, const struct mcsec_sa *sa)
{
	if (sa->parity)
		mnl_attr_put_u8(nlh, MCSEC_SA_A_PARITY, sa->parity);
	else
		mnl_attr_put_u32(nlh, MCSEC_SA_A_SPI, sa->spi);
}

/* MCSEC_A_GROUP { ID } and MCSEC_A_SA { SPI or PARITY [FLAGS] }. */
void mcsec_put_sa_name(struct nlmsghdr *nlh, const struct mcsec_sa *sa)
{
	struct nlattr *nest;

	mcsec_put_group_id(nlh, sa->group_id);
	nest = mnl_attr_nest_start(nlh, MCSEC_A_SA);
	put_name(nlh, sa);
	if (sa->has_flags)
		mnl_attr_put_u32(nlh, MCSEC_SA_A_FLAGS, sa->flags);
	mnl_attr_nest_end(nlh, nest);
}

static void put_lifetime(struct nlmsghdr *nlh, uint16_t type,
			 const struct mcsec_lifetime *lt)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);

	mnl_attr_put_u64(nlh, MCSEC_LIFETIME_A_PACKETS, lt->packets);
	mnl_attr_put_u64(nlh, MCSEC_LIFETIME_A_BYTES, lt->bytes);
	mnl_attr_put_u64(nlh, MCSEC_LIFETIME_A_SECONDS, lt->seconds);
	mnl_attr_nest_end(nlh, nest);
}

/* The key file holds key || salt; the wire has them apart. */
static void put_key(struct nlmsghdr *nlh, const struct mcsec_sa *sa)
{
	uint32_t klen = mcsec_suite_key_len(sa->suite);
	uint32_t slen = mcsec_suite_salt_len(sa->suite);

	mnl_attr_put(nlh, MCSEC_SA_A_KEY, klen, sa->key->bytes);
	if (slen)
		mnl_attr_put(nlh, MCSEC_SA_A_SALT, slen,
			     sa->key->bytes + klen);
}

void mcsec_put_sa_add(struct nlmsghdr *nlh, const struct mcsec_sa *sa)
{
	struct nlattr *nest;

	mcsec_put_group_id(nlh, sa->group_id);
	nest = mnl_attr_nest_start(nlh, MCSEC_A_SA);
	put_name(nlh, sa);
	mnl_attr_put_u8(nlh, MCSEC_SA_A_SUITE, sa->suite);
	put_key(nlh, sa);
	if (sa->has_seq)
		mnl_attr_put_u64(nlh, MCSEC_SA_A_SEQ, sa->seq);
	if (sa->has_replay_window)
		mnl_attr_put_u32(nlh, MCSEC_SA_A_REPLAY_WINDOW,
				 sa->replay_window);
	if (sa->has_flags)
		mnl_attr_put_u32(nlh, MCSEC_SA_A_FLAGS, sa->flags);
	if (sa->has_soft)
		put_lifetime(nlh, MCSEC_SA_A_LIFETIME_SOFT, &sa->soft);
	if (sa->has_hard)
		put_lifetime(nlh, MCSEC_SA_A_LIFETIME_HARD, &sa->hard);
	mnl_attr_nest_end(nlh, nest);
}
