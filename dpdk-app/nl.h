/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The part of the kernel's netlink core that the control socket needs to
 * answer exactly as mcsec.ko does: strict attribute policies (the kernel's
 * NL_VALIDATE_STRICT: unknown and unsupported attributes, exact lengths of
 * fixed-size types, NLA_F_NESTED, ranges, masks, rejected attributes, bytes
 * left over), extack (message, offending attribute offset, missing
 * attribute), acks and errors with CAP_ACK semantics (the request is never
 * echoed: an SA_ADD would carry its key back), and replies and dumps
 * packed into SEQPACKET packets of whole messages.
 */
#ifndef MCSEC_DPDK_NL_H
#define MCSEC_DPDK_NL_H

#include <stdbool.h>
#include <stdint.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

enum mcd_nla_type {
	MCD_NLA_UNSPEC,		/* in range but not accepted */
	MCD_NLA_U8,
	MCD_NLA_U16,
	MCD_NLA_U32,
	MCD_NLA_U64,
	MCD_NLA_BINARY,
	MCD_NLA_NESTED,
	MCD_NLA_REJECT,
};

enum mcd_nla_check {
	MCD_CHECK_NONE,
	MCD_CHECK_RANGE,	/* integers: value; binary: length */
	MCD_CHECK_MASK,
};

struct mcd_nla_policy {
	uint8_t type;			/* enum mcd_nla_type */
	uint8_t check;			/* enum mcd_nla_check */
	uint64_t min, max, mask;
	const struct mcd_nla_policy *nested;
	uint16_t nested_max;
	const char *reject_message;
};

struct mcd_extack {
	const char *msg;
	const struct nlattr *bad_attr;
	const struct nlattr *miss_nest;
	uint32_t miss_type;
};

#define MCD_SET_MSG(ex, m)		((ex)->msg = (m))
#define MCD_SET_MSG_ATTR(ex, a, m)	((ex)->msg = (m), (ex)->bad_attr = (a))

/*
 * Parses the attributes in [head, head + len) into tb[0..maxtype] (the last
 * of a type wins, as in the kernel), validating them against pol. Returns 0
 * or -errno with ex filled the way the kernel's nla_parse would.
 */
int mcd_nla_parse(const struct nlattr **tb, uint16_t maxtype, const void *head,
		  int len, const struct mcd_nla_policy *pol,
		  struct mcd_extack *ex);
int mcd_nla_parse_nested(const struct nlattr **tb, uint16_t maxtype,
			 const struct nlattr *nest,
			 const struct mcd_nla_policy *pol,
			 struct mcd_extack *ex);

/* NL_REQ_ATTR_CHECK: true (and ex says which) when tb[type] is missing. */
bool mcd_req_attr_missing(struct mcd_extack *ex, const struct nlattr *nest,
			  const struct nlattr **tb, uint32_t type);

/* Replies of one request, written into packets of whole messages. */
#define MCD_PKT_MAX	(64 * 1024)	/* libmcsec reads up to this */
#define MCD_MSG_MAX	(20 * 1024)	/* the largest reply: 8191 PIDs */

struct mcd_out {
	int fd;
	bool failed;			/* a send failed: the peer is gone */
	uint32_t len;
	char *buf;			/* MCD_PKT_MAX */
};

/* Starts a message of the mcsec family (or NLMSG_DONE/ERROR: genl false)
 * answering req; flushes the packet first when the message might not fit. */
struct nlmsghdr *mcd_out_msg(struct mcd_out *o, const struct nlmsghdr *req,
			     uint16_t type, uint16_t flags, uint8_t cmd,
			     bool genl);
/* Ends the message started last (its length is already in nlmsg_len). */
void mcd_out_end(struct mcd_out *o, struct nlmsghdr *nlh);
/* Sends what is buffered as one packet. */
void mcd_out_flush(struct mcd_out *o);
/* NLMSG_ERROR for req: err 0 is an ack. Extack TLVs when ex has any. */
void mcd_out_ack(struct mcd_out *o, const struct nlmsghdr *req, int err,
		 const struct mcd_extack *ex);
/* NLMSG_DONE ending a dump of req. */
void mcd_out_done(struct mcd_out *o, const struct nlmsghdr *req);

#endif /* MCSEC_DPDK_NL_H */
