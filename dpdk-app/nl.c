// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Netlink as the kernel speaks it, for the control socket (see nl.h). The
 * validation follows lib/nlattr.c in strict mode, check by check and in
 * the same order, with the same extack texts and errnos, so that a client
 * cannot tell mcsec-dpdk from mcsec.ko by how a bad request is refused.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "nl.h"

static const uint8_t fixed_len[] = {
	[MCD_NLA_U8] = 1, [MCD_NLA_U16] = 2, [MCD_NLA_U32] = 4, [MCD_NLA_U64] = 8,
};

static uint64_t attr_uint(const struct nlattr *a, uint8_t type)
{
	switch (type) {
	case MCD_NLA_U8: return mnl_attr_get_u8(a);
	case MCD_NLA_U16: return mnl_attr_get_u16(a);
	case MCD_NLA_U32: return mnl_attr_get_u32(a);
	case MCD_NLA_U64: return mnl_attr_get_u64(a);
	default: return mnl_attr_get_payload_len(a);	/* binary: its size */
	}
}

static int check_value(const struct nlattr *a, const struct mcd_nla_policy *pt,
		       struct mcd_extack *ex)
{
	uint64_t v;

	if (pt->check == MCD_CHECK_NONE)
		return 0;
	v = attr_uint(a, pt->type);
	if (pt->check == MCD_CHECK_MASK) {
		if (v & ~pt->mask) {
			MCD_SET_MSG_ATTR(ex, a, "reserved bit set");
			return -EINVAL;
		}
		return 0;
	}
	if (v < pt->min || v > pt->max) {
		MCD_SET_MSG_ATTR(ex, a, pt->type == MCD_NLA_BINARY ?
				 "binary attribute size out of range" :
				 "integer out of range");
		return -ERANGE;
	}
	return 0;
}

static int validate_attr(const struct nlattr *a, const struct mcd_nla_policy *pt,
			 struct mcd_extack *ex, int depth);

static int walk(const struct nlattr **tb, uint16_t maxtype, const void *head,
		int len, const struct mcd_nla_policy *pol, struct mcd_extack *ex,
		int depth)
{
	const struct nlattr *a = head;

	if (tb)
		memset(tb, 0, sizeof(*tb) * (maxtype + 1u));
	for (; mnl_attr_ok(a, len); len -= (int)MNL_ALIGN(a->nla_len),
	     a = mnl_attr_next(a)) {
		uint16_t type = mnl_attr_get_type(a);
		int err;

		if (!type || type > maxtype) {
			MCD_SET_MSG_ATTR(ex, a, "Unknown attribute type");
			return -EINVAL;
		}
		err = validate_attr(a, &pol[type], ex, depth);
		if (err)
			return err;
		if (tb)
			tb[type] = a;
	}
	if (len > 0) {
		MCD_SET_MSG(ex, "bytes leftover after parsing attributes");
		return -EINVAL;
	}
	return 0;
}

static int validate_attr(const struct nlattr *a, const struct mcd_nla_policy *pt,
			 struct mcd_extack *ex, int depth)
{
	int len = (int)mnl_attr_get_payload_len(a);
	bool nested = a->nla_type & NLA_F_NESTED;

	if (pt->type < sizeof(fixed_len) && fixed_len[pt->type] &&
	    len != fixed_len[pt->type]) {
		MCD_SET_MSG_ATTR(ex, a, "invalid attribute length");
		return -EINVAL;
	}
	if (pt->type == MCD_NLA_NESTED && !nested) {
		MCD_SET_MSG_ATTR(ex, a, "NLA_F_NESTED is missing");
		return -EINVAL;
	}
	if (pt->type != MCD_NLA_NESTED && pt->type != MCD_NLA_UNSPEC && nested) {
		MCD_SET_MSG_ATTR(ex, a, "NLA_F_NESTED not expected");
		return -EINVAL;
	}
	switch (pt->type) {
	case MCD_NLA_UNSPEC:
		MCD_SET_MSG_ATTR(ex, a, "Unsupported attribute");
		return -EINVAL;
	case MCD_NLA_REJECT:
		MCD_SET_MSG_ATTR(ex, a, pt->reject_message ? pt->reject_message :
				 "Attribute failed policy validation");
		return -EINVAL;
	case MCD_NLA_NESTED:
		/* Empty is allowed; otherwise at least one header. */
		if (!len)
			break;
		if (len < (int)MNL_ATTR_HDRLEN || depth >= 10) {
			MCD_SET_MSG_ATTR(ex, a, "Attribute failed policy validation");
			return -ERANGE;
		}
		if (pt->nested)
			return walk(NULL, pt->nested_max, mnl_attr_get_payload(a),
				    len, pt->nested, ex, depth + 1);
		break;
	default:
		break;
	}
	return check_value(a, pt, ex);
}

int mcd_nla_parse(const struct nlattr **tb, uint16_t maxtype, const void *head,
		  int len, const struct mcd_nla_policy *pol,
		  struct mcd_extack *ex)
{
	return walk(tb, maxtype, head, len, pol, ex, 0);
}

int mcd_nla_parse_nested(const struct nlattr **tb, uint16_t maxtype,
			 const struct nlattr *nest,
			 const struct mcd_nla_policy *pol,
			 struct mcd_extack *ex)
{
	return walk(tb, maxtype, mnl_attr_get_payload(nest),
		    (int)mnl_attr_get_payload_len(nest), pol, ex, 1);
}

bool mcd_req_attr_missing(struct mcd_extack *ex, const struct nlattr *nest,
			  const struct nlattr **tb, uint32_t type)
{
	if (tb[type])
		return false;
	ex->miss_type = type;
	ex->miss_nest = nest;
	return true;
}

void mcd_out_flush(struct mcd_out *o)
{
	ssize_t n;

	if (!o->len)
		return;
	if (!o->failed) {
		do {
			n = send(o->fd, o->buf, o->len, MSG_NOSIGNAL);
		} while (n < 0 && errno == EINTR);
		if (n != (ssize_t)o->len)
			o->failed = true;
	}
	/* Replies carry no key, but the buffer is reused: keep it clean. */
	memset(o->buf, 0, o->len);
	o->len = 0;
}

struct nlmsghdr *mcd_out_msg(struct mcd_out *o, const struct nlmsghdr *req,
			     uint16_t type, uint16_t flags, uint8_t cmd,
			     bool genl)
{
	struct nlmsghdr *nlh;

	if (o->len + MCD_MSG_MAX > MCD_PKT_MAX)
		mcd_out_flush(o);
	nlh = mnl_nlmsg_put_header(o->buf + o->len);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = req ? req->nlmsg_seq : 0;
	nlh->nlmsg_pid = req ? req->nlmsg_pid : 0;
	if (genl) {
		struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));

		g->cmd = cmd;
		g->version = 1;
	}
	return nlh;
}

void mcd_out_end(struct mcd_out *o, struct nlmsghdr *nlh)
{
	o->len += MNL_ALIGN(nlh->nlmsg_len);
}

static uint32_t offset_in(const struct nlmsghdr *req, const void *p)
{
	const char *base = (const char *)req, *q = p;

	if (!p || q < base || q >= base + req->nlmsg_len)
		return 0;
	return (uint32_t)(q - base);
}

void mcd_out_ack(struct mcd_out *o, const struct nlmsghdr *req, int err,
		 const struct mcd_extack *ex)
{
	uint16_t flags = NLM_F_CAPPED;
	struct nlmsghdr *nlh;
	struct nlmsgerr *e;
	uint32_t off;
	bool tlvs;

	off = err && ex ? offset_in(req, ex->bad_attr) : 0;
	tlvs = ex && (ex->msg ||
		      (err && (off || ex->miss_type)));
	if (tlvs)
		flags |= NLM_F_ACK_TLVS;
	nlh = mcd_out_msg(o, req, NLMSG_ERROR, flags, 0, false);
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = err;
	e->msg = *req;
	if (tlvs && ex->msg)
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, ex->msg);
	if (tlvs && err) {
		if (off)
			mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, off);
		if (ex->miss_type)
			mnl_attr_put_u32(nlh, NLMSGERR_ATTR_MISS_TYPE,
					 ex->miss_type);
		off = offset_in(req, ex->miss_nest);
		if (ex->miss_type && off)
			mnl_attr_put_u32(nlh, NLMSGERR_ATTR_MISS_NEST, off);
	}
	mcd_out_end(o, nlh);
}

void mcd_out_done(struct mcd_out *o, const struct nlmsghdr *req)
{
	struct nlmsghdr *nlh = mcd_out_msg(o, req, NLMSG_DONE, NLM_F_MULTI, 0,
					   false);
	int *status = mnl_nlmsg_put_extra_header(nlh, sizeof(int));

	*status = 0;
	mcd_out_end(o, nlh);
}
