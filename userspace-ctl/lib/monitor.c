// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Events: the kernel's "events" multicast group, or on the appliance's
 * socket a subscription request (MCSEC_CMD_EVENT, no attributes, acked).
 * An overrun socket (ENOBUFS) is reported as an event of type
 * MCSEC_EVENT_UNSPEC: some events were lost.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "internal.h"

static int subscribe(struct mcsec_conn *conn, struct mcsec_err *err)
{
	char buf[64] __attribute__((aligned(8)));
	struct nlmsghdr *nlh;

	if (conn->dpdk) {
		nlh = mcsec_req_start(conn, buf, MCSEC_CMD_EVENT, NLM_F_ACK);
		return mcsec_exchange(conn, nlh, NULL, NULL, err);
	}
	if (!conn->events_grp)
		return mcsec_fail(err, ENOENT,
				  "the mcsec family has no \"events\" group");
	if (setsockopt(conn->fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
		       &conn->events_grp, sizeof(conn->events_grp)))
		return mcsec_fail(err, errno, "subscribing to events: %s",
				  strerror(errno));
	return 0;
}

static bool is_event(const struct mcsec_conn *conn, const struct nlmsghdr *nlh)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);

	return nlh->nlmsg_type == conn->family &&
	       mnl_nlmsg_get_payload_len(nlh) >= sizeof(*genl) &&
	       genl->cmd == MCSEC_CMD_EVENT;
}

/* The events of one packet; non-zero when cb asked to stop. */
static int deliver(struct mcsec_conn *conn, int len, mcsec_event_cb cb,
		   void *arg)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)conn->rbuf;
	struct mcsec_event_msg ev;

	for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		if (!is_event(conn, nlh) || mcsec_parse_event(nlh, &ev))
			continue;
		if (cb(&ev, arg))
			return 1;
	}
	return 0;
}

int mcsec_monitor(struct mcsec_conn *conn, mcsec_event_cb cb, void *arg,
		  struct mcsec_err *err)
{
	struct mcsec_event_msg lost = { .type = MCSEC_EVENT_UNSPEC };
	int ret = subscribe(conn, err);

	while (!ret) {
		ret = mcsec_recv(conn);
		if (ret == -ENOBUFS) {
			ret = cb(&lost, arg) ? 1 : 0;
			continue;
		}
		if (ret < 0)
			return mcsec_fail(err, -ret, "receive: %s",
					  strerror(-ret));
		ret = deliver(conn, ret, cb, arg);
	}
	return ret > 0 ? 0 : ret;
}
