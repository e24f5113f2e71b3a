// SPDX-License-Identifier: GPL-2.0 OR MIT
/* The requests of the control API, one function each. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/genetlink.h>

#include "internal.h"

/* Builds into a stack buffer the size of any request but an SA_ADD. */
#define REQ_BUF(name) char name[MCSEC_REQ_MAX] __attribute__((aligned(8)))

static int genl_cmd(const struct nlmsghdr *nlh)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*genl))
		return -1;
	return genl->cmd;
}

static int add_reply(const struct nlmsghdr *nlh, void *arg)
{
	if (genl_cmd(nlh) != MCSEC_CMD_GROUP_ADD)
		return -EBADMSG;
	return mcsec_parse_group_id(nlh, arg);
}

int mcsec_group_add(struct mcsec_conn *conn, const struct mcsec_group *g,
		    uint32_t *id, struct mcsec_err *err)
{
	REQ_BUF(buf);
	struct nlmsghdr *nlh;
	uint32_t got = 0;
	int ret;

	nlh = mcsec_req_start(conn, buf, MCSEC_CMD_GROUP_ADD, NLM_F_ACK);
	mcsec_put_group_match(nlh, g);
	ret = mcsec_exchange(conn, nlh, add_reply, &got, err);
	if (!ret && id)
		*id = got;
	return ret;
}

static int group_set(struct mcsec_conn *conn, uint32_t id, uint16_t type,
		     uint32_t value, bool u8, struct mcsec_err *err)
{
	REQ_BUF(buf);
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	nlh = mcsec_req_start(conn, buf, MCSEC_CMD_GROUP_SET, NLM_F_ACK);
	nest = mnl_attr_nest_start(nlh, MCSEC_A_GROUP);
	mnl_attr_put_u32(nlh, MCSEC_GROUP_A_ID, id);
	if (u8)
		mnl_attr_put_u8(nlh, type, (uint8_t)value);
	else
		mnl_attr_put_u32(nlh, type, value);
	mnl_attr_nest_end(nlh, nest);
	return mcsec_exchange(conn, nlh, NULL, NULL, err);
}

int mcsec_group_set_parity(struct mcsec_conn *conn, uint32_t id,
			   uint8_t parity, struct mcsec_err *err)
{
	return group_set(conn, id, MCSEC_GROUP_A_TX_PARITY, parity, true, err);
}

int mcsec_group_set_flags(struct mcsec_conn *conn, uint32_t id,
			  uint32_t flags, struct mcsec_err *err)
{
	return group_set(conn, id, MCSEC_GROUP_A_FLAGS, flags, false, err);
}

static int simple(struct mcsec_conn *conn, uint8_t cmd, uint32_t id,
		  struct mcsec_err *err)
{
	REQ_BUF(buf);
	struct nlmsghdr *nlh = mcsec_req_start(conn, buf, cmd, NLM_F_ACK);

	if (id)
		mcsec_put_group_id(nlh, id);
	return mcsec_exchange(conn, nlh, NULL, NULL, err);
}

int mcsec_group_del(struct mcsec_conn *conn, uint32_t id,
		    struct mcsec_err *err)
{
	return simple(conn, MCSEC_CMD_GROUP_DEL, id, err);
}

int mcsec_flush(struct mcsec_conn *conn, struct mcsec_err *err)
{
	return simple(conn, MCSEC_CMD_FLUSH, 0, err);
}

static int get_reply(const struct nlmsghdr *nlh, void *arg)
{
	if (genl_cmd(nlh) != MCSEC_CMD_GROUP_GET)
		return -EBADMSG;
	return mcsec_parse_group(nlh, arg);
}

int mcsec_group_get(struct mcsec_conn *conn, uint32_t id,
		    struct mcsec_group *g, struct mcsec_err *err)
{
	REQ_BUF(buf);
	struct nlmsghdr *nlh;

	nlh = mcsec_req_start(conn, buf, MCSEC_CMD_GROUP_GET, NLM_F_ACK);
	mcsec_put_group_id(nlh, id);
	memset(g, 0, sizeof(*g));
	return mcsec_exchange(conn, nlh, get_reply, g, err);
}

struct group_walk {
	mcsec_group_cb cb;
	void *arg;
	struct mcsec_group g;
	bool stopped;
};

static int group_walk_one(const struct nlmsghdr *nlh, void *arg)
{
	struct group_walk *w = arg;
	int ret;

	if (w->stopped)
		return 0;
	ret = get_reply(nlh, &w->g);
	if (ret)
		return ret;
	w->stopped = w->cb(&w->g, w->arg) != 0;
	return 0;
}

int mcsec_group_dump(struct mcsec_conn *conn, mcsec_group_cb cb, void *arg,
		     struct mcsec_err *err)
{
	REQ_BUF(buf);
	struct group_walk *w = calloc(1, sizeof(*w));
	struct nlmsghdr *nlh;
	int ret;

	if (!w)
		return mcsec_fail(err, ENOMEM, "out of memory");
	w->cb = cb;
	w->arg = arg;
	nlh = mcsec_req_start(conn, buf, MCSEC_CMD_GROUP_GET, NLM_F_DUMP);
	ret = mcsec_exchange(conn, nlh, group_walk_one, w, err);
	free(w);
	return ret;
}

struct sa_walk {
	mcsec_sa_cb cb;
	void *arg;
	bool stopped;
};

static int sa_walk_one(const struct nlmsghdr *nlh, void *arg)
{
	struct sa_walk *w = arg;
	struct mcsec_sa sa;
	int ret;

	if (genl_cmd(nlh) != MCSEC_CMD_SA_GET)
		return -EBADMSG;
	ret = mcsec_parse_sa(nlh, &sa);
	if (!ret && !w->stopped)
		w->stopped = w->cb(&sa, w->arg) != 0;
	return ret;
}

int mcsec_sa_dump(struct mcsec_conn *conn, uint32_t group_id, mcsec_sa_cb cb,
		  void *arg, struct mcsec_err *err)
{
	struct sa_walk w = { cb, arg, false };
	REQ_BUF(buf);
	struct nlmsghdr *nlh;

	nlh = mcsec_req_start(conn, buf, MCSEC_CMD_SA_GET, NLM_F_DUMP);
	if (group_id)
		mcsec_put_group_id(nlh, group_id);
	return mcsec_exchange(conn, nlh, sa_walk_one, &w, err);
}

/* SA_ADD is built in a locked page of its own: it carries the key. */
int mcsec_sa_add(struct mcsec_conn *conn, const struct mcsec_sa *sa,
		 struct mcsec_err *err)
{
	struct mcsec_key *page = mcsec_key_alloc();
	struct nlmsghdr *nlh;
	int ret;

	if (!page)
		return mcsec_fail(err, ENOMEM, "out of memory");
	if (!sa->key || sa->key->len != mcsec_suite_key_len(sa->suite) +
					mcsec_suite_salt_len(sa->suite)) {
		mcsec_key_free(page);
		return mcsec_fail(err, EINVAL,
				  "key length does not match the suite");
	}
	nlh = mcsec_req_start(conn, page, MCSEC_CMD_SA_ADD, NLM_F_ACK);
	mcsec_put_sa_add(nlh, sa);
	ret = mcsec_exchange(conn, nlh, NULL, NULL, err);
	mcsec_key_free(page);
	return ret;
}

/*
 * The sender switches SA (or the scrambler parity): GROUP_SET with TX_SPI or
 * TX_PARITY, which needs nothing else of the SA (SA_SET with the ACTIVE flag
 * would have to repeat the SA's ESN flag).
 */
int mcsec_sa_set_active(struct mcsec_conn *conn, const struct mcsec_sa *sa,
			struct mcsec_err *err)
{
	if (sa->parity)
		return mcsec_group_set_parity(conn, sa->group_id, sa->parity,
					      err);
	return group_set(conn, sa->group_id, MCSEC_GROUP_A_TX_SPI, sa->spi,
			 false, err);
}

int mcsec_sa_del(struct mcsec_conn *conn, const struct mcsec_sa *sa,
		 struct mcsec_err *err)
{
	REQ_BUF(buf);
	struct mcsec_sa named = *sa;
	struct nlmsghdr *nlh;

	named.has_flags = false;
	nlh = mcsec_req_start(conn, buf, MCSEC_CMD_SA_DEL, NLM_F_ACK);
	mcsec_put_sa_name(nlh, &named);
	return mcsec_exchange(conn, nlh, NULL, NULL, err);
}

static int stats_reply(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *top[MCSEC_A_MAX + 1];

	if (genl_cmd(nlh) != MCSEC_CMD_STATS_GET || mcsec_parse_top(nlh, top) ||
	    !top[MCSEC_A_STATS])
		return -EBADMSG;
	return mcsec_parse_stats(top[MCSEC_A_STATS], arg);
}

int mcsec_stats_get(struct mcsec_conn *conn, uint64_t stats[MCSEC_NSTATS],
		    struct mcsec_err *err)
{
	REQ_BUF(buf);
	struct nlmsghdr *nlh;

	nlh = mcsec_req_start(conn, buf, MCSEC_CMD_STATS_GET, NLM_F_ACK);
	return mcsec_exchange(conn, nlh, stats_reply, stats, err);
}
