// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The kernel transport's family id and "events" multicast group, asked of
 * the generic netlink controller (CTRL_CMD_GETFAMILY). Asking by name also
 * makes the kernel load mcsec.ko through its family alias.
 */
#include <errno.h>
#include <string.h>
#include <linux/genetlink.h>

#include "internal.h"

struct family_info {
	uint16_t id;
	uint32_t events;
};

static int mcgrp_attr(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);

	if (type == CTRL_ATTR_MCAST_GRP_NAME &&
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
		return MNL_CB_ERROR;
	if (type == CTRL_ATTR_MCAST_GRP_ID &&
	    mnl_attr_validate(a, MNL_TYPE_U32) < 0)
		return MNL_CB_ERROR;
	if (type <= CTRL_ATTR_MCAST_GRP_MAX)
		tb[type] = a;
	return MNL_CB_OK;
}

static void parse_mcgrps(const struct nlattr *nest, struct family_info *fi)
{
	const struct nlattr *grp;

	mnl_attr_for_each_nested(grp, nest) {
		const struct nlattr *tb[CTRL_ATTR_MCAST_GRP_MAX + 1] = { 0 };

		if (mnl_attr_parse_nested(grp, mcgrp_attr, tb) < 0)
			continue;
		if (tb[CTRL_ATTR_MCAST_GRP_NAME] && tb[CTRL_ATTR_MCAST_GRP_ID] &&
		    !strcmp(mnl_attr_get_str(tb[CTRL_ATTR_MCAST_GRP_NAME]),
			    MCSEC_MCGRP_EVENTS))
			fi->events = mnl_attr_get_u32(tb[CTRL_ATTR_MCAST_GRP_ID]);
	}
}

static int family_attr(const struct nlattr *a, void *data)
{
	struct family_info *fi = data;

	switch (mnl_attr_get_type(a)) {
	case CTRL_ATTR_FAMILY_ID:
		if (mnl_attr_validate(a, MNL_TYPE_U16) < 0)
			return MNL_CB_ERROR;
		fi->id = mnl_attr_get_u16(a);
		break;
	case CTRL_ATTR_MCAST_GROUPS:
		parse_mcgrps(a, fi);
		break;
	}
	return MNL_CB_OK;
}

static int family_reply(const struct nlmsghdr *nlh, void *arg)
{
	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_attr,
			   arg) < 0)
		return -EBADMSG;
	return 0;
}

int mcsec_resolve_family(struct mcsec_conn *conn, struct mcsec_err *err)
{
	char buf[256];
	struct family_info fi = { 0 };
	struct nlmsghdr *nlh;
	int ret;

	nlh = mcsec_req_start_type(conn, buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
				   NLM_F_ACK);
	((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, MCSEC_GENL_NAME);
	ret = mcsec_exchange(conn, nlh, family_reply, &fi, err);
	if (ret == -ENOENT)
		return mcsec_fail(err, ENOENT,
				  "generic netlink family \"mcsec\" not found: is mcsec.ko loaded (modprobe mcsec)?");
	if (ret)
		return ret;
	if (!fi.id)
		return mcsec_fail(err, EBADMSG, "controller reply without a family id");
	conn->family = fi.id;
	conn->events_grp = fi.events;
	return 0;
}
