/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* libmcsec internals: the connection and the request/reply exchange. */
#ifndef LIBMCSEC_INTERNAL_H
#define LIBMCSEC_INTERNAL_H

#include <libmnl/libmnl.h>

#include "libmcsec.h"

/* Room for any request: a PID list of 8191 entries is the largest. */
#define MCSEC_REQ_MAX		(32 * 1024)
#define MCSEC_RECV_MAX		(64 * 1024)

struct mcsec_conn {
	int fd;
	bool dpdk;
	uint16_t family;	/* the generic netlink family id */
	uint32_t events_grp;	/* the "events" multicast group, kernel */
	uint32_t seq;
	char *rbuf;		/* MCSEC_RECV_MAX */
};

/* Called for each reply that is neither an ack, an error nor DONE. */
typedef int (*mcsec_reply_cb)(const struct nlmsghdr *nlh, void *arg);

/* A request of the mcsec family: header, genl header, flags. */
struct nlmsghdr *mcsec_req_start(struct mcsec_conn *conn, void *buf,
				 uint8_t cmd, uint16_t flags);
/* Same for another family (the controller): type and genl cmd. */
struct nlmsghdr *mcsec_req_start_type(struct mcsec_conn *conn, void *buf,
				      uint16_t type, uint8_t cmd,
				      uint16_t flags);
/* Sends nlh and reads until its ack, its error or NLMSG_DONE. */
int mcsec_exchange(struct mcsec_conn *conn, const struct nlmsghdr *nlh,
		   mcsec_reply_cb cb, void *arg, struct mcsec_err *err);
/* Fills err: errno e and a printf message. Returns -e. */
int mcsec_fail(struct mcsec_err *err, int e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Receives one packet into conn->rbuf; returns its length or -errno. */
int mcsec_recv(struct mcsec_conn *conn);
/* Kernel family lookup (family.c). */
int mcsec_resolve_family(struct mcsec_conn *conn, struct mcsec_err *err);

/* Message content (msg.c, parse.c). */
void mcsec_put_group_match(struct nlmsghdr *nlh, const struct mcsec_group *g);
void mcsec_put_group_id(struct nlmsghdr *nlh, uint32_t id);
void mcsec_put_sa_name(struct nlmsghdr *nlh, const struct mcsec_sa *sa);
void mcsec_put_sa_add(struct nlmsghdr *nlh, const struct mcsec_sa *sa);
int mcsec_parse_group(const struct nlmsghdr *nlh, struct mcsec_group *g);
int mcsec_parse_group_id(const struct nlmsghdr *nlh, uint32_t *id);
int mcsec_parse_sa(const struct nlmsghdr *nlh, struct mcsec_sa *sa);
int mcsec_parse_stats(const struct nlattr *nest, uint64_t *stats);
int mcsec_parse_event(const struct nlmsghdr *nlh, struct mcsec_event_msg *ev);
/* The top-level attributes of an mcsec message, by type; NULL if absent. */
int mcsec_parse_top(const struct nlmsghdr *nlh,
		    const struct nlattr *tb[MCSEC_A_MAX + 1]);

#endif /* LIBMCSEC_INTERNAL_H */
