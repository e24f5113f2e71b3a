// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The two transports of the same messages: generic netlink to mcsec.ko and
 * a UNIX SOCK_SEQPACKET socket to mcsec-dpdk. Past opening, the code does
 * not care which one it talks to: send one request, read packets of whole
 * netlink messages until the request's ack, error or NLMSG_DONE.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "internal.h"

int mcsec_fail(struct mcsec_err *err, int e, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		err->code = e;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return -e;
}

static struct mcsec_conn *conn_new(bool dpdk)
{
	struct mcsec_conn *conn = calloc(1, sizeof(*conn));

	if (!conn)
		return NULL;
	conn->rbuf = malloc(MCSEC_RECV_MAX);
	if (!conn->rbuf) {
		free(conn);
		return NULL;
	}
	conn->fd = -1;
	conn->dpdk = dpdk;
	conn->seq = (uint32_t)time(NULL);
	return conn;
}

void mcsec_close(struct mcsec_conn *conn)
{
	if (!conn)
		return;
	if (conn->fd >= 0)
		close(conn->fd);
	explicit_bzero(conn->rbuf, MCSEC_RECV_MAX);
	free(conn->rbuf);
	free(conn);
}

bool mcsec_is_dpdk(const struct mcsec_conn *conn)
{
	return conn->dpdk;
}

static int set_opt(int fd, int opt)
{
	int one = 1;

	return setsockopt(fd, SOL_NETLINK, opt, &one, sizeof(one));
}

static int netlink_socket(struct mcsec_err *err)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return mcsec_fail(err, errno, "netlink socket: %s",
				  strerror(errno));
	/* Errors with their extack text; acks without the request echoed
	 * (an SA_ADD echo would carry the key back). */
	if (set_opt(fd, NETLINK_EXT_ACK) || set_opt(fd, NETLINK_CAP_ACK) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int e = errno;

		close(fd);
		return mcsec_fail(err, e, "netlink socket: %s", strerror(e));
	}
	return fd;
}

int mcsec_open_kernel(struct mcsec_conn **connp, struct mcsec_err *err)
{
	struct mcsec_conn *conn = conn_new(false);
	int ret;

	if (!conn)
		return mcsec_fail(err, ENOMEM, "out of memory");
	ret = netlink_socket(err);
	if (ret >= 0) {
		conn->fd = ret;
		ret = mcsec_resolve_family(conn, err);
	}
	if (ret < 0) {
		mcsec_close(conn);
		return ret;
	}
	*connp = conn;
	return 0;
}

int mcsec_open_dpdk(struct mcsec_conn **connp, const char *path,
		    struct mcsec_err *err)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct mcsec_conn *conn;
	int e;

	if (strlen(path) >= sizeof(sun.sun_path))
		return mcsec_fail(err, ENAMETOOLONG,
				  "DPDK socket %s: path too long", path);
	conn = conn_new(true);
	if (!conn)
		return mcsec_fail(err, ENOMEM, "out of memory");
	memcpy(sun.sun_path, path, strlen(path));
	conn->family = MCSEC_DPDK_FAMILY_ID;
	conn->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (conn->fd >= 0 &&
	    !connect(conn->fd, (struct sockaddr *)&sun, sizeof(sun))) {
		*connp = conn;
		return 0;
	}
	e = errno;
	mcsec_close(conn);
	return mcsec_fail(err, e, "DPDK socket %s: %s", path, strerror(e));
}

struct nlmsghdr *mcsec_req_start_type(struct mcsec_conn *conn, void *buf,
				      uint16_t type, uint8_t cmd,
				      uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++conn->seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = MCSEC_GENL_VERSION;
	return nlh;
}

struct nlmsghdr *mcsec_req_start(struct mcsec_conn *conn, void *buf,
				 uint8_t cmd, uint16_t flags)
{
	return mcsec_req_start_type(conn, buf, conn->family, cmd, flags);
}

static int send_req(struct mcsec_conn *conn, const struct nlmsghdr *nlh,
		    struct mcsec_err *err)
{
	ssize_t n;

	do {
		n = send(conn->fd, nlh, nlh->nlmsg_len, 0);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return mcsec_fail(err, errno, "send: %s", strerror(errno));
	if ((size_t)n != nlh->nlmsg_len)
		return mcsec_fail(err, EMSGSIZE, "send: short write");
	return 0;
}

/*
 * mcsec-dpdk's in-band overrun notice (the uapi's transport rules): one
 * NLMSG_ERROR, seq 0, error -ENOBUFS, where a netlink socket's recv() would
 * have failed with ENOBUFS. Requests never have seq 0 answered so.
 */
static bool is_overrun(const void *buf, ssize_t n)
{
	const struct nlmsghdr *nlh = buf;
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

	return n == (ssize_t)(sizeof(*nlh) + sizeof(*e)) &&
	       nlh->nlmsg_len == (uint32_t)n && nlh->nlmsg_type == NLMSG_ERROR &&
	       nlh->nlmsg_seq == 0 && e->error == -ENOBUFS;
}

int mcsec_recv(struct mcsec_conn *conn)
{
	ssize_t n;

	do {
		n = recv(conn->fd, conn->rbuf, MCSEC_RECV_MAX, MSG_TRUNC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ECONNRESET;
	if (n > MCSEC_RECV_MAX)
		return -EMSGSIZE;
	if (conn->dpdk && is_overrun(conn->rbuf, n))
		return -ENOBUFS;
	return (int)n;
}

struct extack {
	const char *msg;
};

static int extack_attr(const struct nlattr *a, void *data)
{
	struct extack *ea = data;

	if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
	    !mnl_attr_validate(a, MNL_TYPE_NUL_STRING))
		ea->msg = mnl_attr_get_str(a);
	return MNL_CB_OK;
}

/* The extack TLVs after an error's fixed part (capped or not). */
static const char *extack_msg(const struct nlmsghdr *nlh, size_t fixed)
{
	struct extack ea = { NULL };

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) ||
	    mnl_nlmsg_get_payload_len(nlh) <= fixed)
		return NULL;
	mnl_attr_parse(nlh, (unsigned int)fixed, extack_attr, &ea);
	return ea.msg;
}

/* NLMSG_ERROR: 0 for an ack, else -errno with err filled. */
static int handle_error(const struct nlmsghdr *nlh, struct mcsec_err *err)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t fixed = sizeof(*e);
	const char *msg;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e))
		return mcsec_fail(err, EBADMSG, "truncated error message");
	if (!e->error)
		return 0;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		fixed += e->msg.nlmsg_len - sizeof(e->msg);
	msg = extack_msg(nlh, fixed);
	return mcsec_fail(err, -e->error, "%s", msg ? msg : "");
}

/* NLMSG_DONE carries the dump's status, and extack TLVs after it. */
static int handle_done(const struct nlmsghdr *nlh, struct mcsec_err *err)
{
	const int *status = mnl_nlmsg_get_payload(nlh);
	const char *msg;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(int) || *status >= 0)
		return 0;
	msg = extack_msg(nlh, sizeof(int));
	return mcsec_fail(err, -*status, "%s", msg ? msg : "");
}

enum { GO_ON = 1 };

/* One reply message: GO_ON, 0 at the end, or -errno. */
static int handle_msg(const struct nlmsghdr *nlh, mcsec_reply_cb cb,
		      void *arg, struct mcsec_err *err)
{
	int ret;

	if (nlh->nlmsg_type == NLMSG_ERROR)
		return handle_error(nlh, err);
	if (nlh->nlmsg_type == NLMSG_DONE)
		return handle_done(nlh, err);
	if (nlh->nlmsg_type < NLMSG_MIN_TYPE)
		return GO_ON;
	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		return mcsec_fail(err, EINTR,
				  "the table changed during the dump");
	ret = cb ? cb(nlh, arg) : 0;
	if (ret < 0)
		return mcsec_fail(err, -ret, "malformed reply");
	return GO_ON;
}

/* Walks one packet; GO_ON while the request is not finished. */
static int handle_packet(struct mcsec_conn *conn, int len, uint32_t seq,
			 mcsec_reply_cb cb, void *arg, struct mcsec_err *err)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)conn->rbuf;
	int ret = GO_ON;

	while (ret == GO_ON && mnl_nlmsg_ok(nlh, len)) {
		if (nlh->nlmsg_seq == seq)
			ret = handle_msg(nlh, cb, arg, err);
		nlh = mnl_nlmsg_next(nlh, &len);
	}
	return ret;
}

int mcsec_exchange(struct mcsec_conn *conn, const struct nlmsghdr *nlh,
		   mcsec_reply_cb cb, void *arg, struct mcsec_err *err)
{
	int ret = send_req(conn, nlh, err);

	while (!ret || ret == GO_ON) {
		ret = mcsec_recv(conn);
		if (ret < 0)
			return mcsec_fail(err, -ret, "receive: %s",
					  strerror(-ret));
		ret = handle_packet(conn, ret, nlh->nlmsg_seq, cb, arg, err);
		if (!ret)
			break;
	}
	return ret;
}
