// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * proto.c: the mcsecd message format (see proto.h): one validating parser
 * that every received byte goes through, and a builder that runs its own
 * output through that parser so that nothing invalid is ever sent.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "libmcsec.h"
#include "proto.h"

enum attr_kind { K_U8, K_U16, K_U32, K_U64, K_NAME, K_TEXT, K_BINARY };

struct attr_policy {
	const char *name;
	enum attr_kind kind;
	uint16_t min, max;	/* K_BINARY: length bounds */
};

static const struct attr_policy policy[MCSECD_A_MAX + 1] = {
	[MCSECD_A_GROUP]	= { .name = "group", .kind = K_NAME },
	[MCSECD_A_FAMILY]	= { .name = "family", .kind = K_U16 },
	[MCSECD_A_DADDR]	= { .name = "daddr", .kind = K_BINARY, .min = 4, .max = 16 },
	[MCSECD_A_SADDR]	= { .name = "saddr", .kind = K_BINARY, .min = 4, .max = 16 },
	[MCSECD_A_PORT]		= { .name = "port", .kind = K_U16 },
	[MCSECD_A_FORMAT]	= { .name = "format", .kind = K_U8 },
	[MCSECD_A_SUITE]	= { .name = "suite", .kind = K_U8 },
	[MCSECD_A_ROLE]		= { .name = "role", .kind = K_U8 },
	[MCSECD_A_FLAGS]	= { .name = "flags", .kind = K_U32 },
	[MCSECD_A_SPI]		= { .name = "spi", .kind = K_U32 },
	[MCSECD_A_PARITY]	= { .name = "parity", .kind = K_U8 },
	[MCSECD_A_KEY]		= { .name = "key", .kind = K_BINARY, .min = 1, .max = MCSECD_KEYMAT_MAX },
	[MCSECD_A_LIFETIME]	= { .name = "lifetime", .kind = K_U64 },
	[MCSECD_A_EPOCH]	= { .name = "epoch", .kind = K_U64 },
	[MCSECD_A_ACTIVE]	= { .name = "active", .kind = K_U8 },
	[MCSECD_A_ACK_SEQ]	= { .name = "ack-seq", .kind = K_U32 },
	[MCSECD_A_STATUS]	= { .name = "status", .kind = K_U32 },
	[MCSECD_A_TEXT]		= { .name = "text", .kind = K_TEXT },
	[MCSECD_A_IDENTITY]	= { .name = "identity", .kind = K_TEXT },
};

#define B(a) PROTO_BIT(MCSECD_A_##a)
#define NAMED_KEY (B(SPI) | B(PARITY))	/* exactly one of them */

struct msg_policy {
	const char *name;
	uint32_t required, optional;
	bool key_name;		/* needs exactly one of SPI and PARITY */
};

static const struct msg_policy msgs[MCSECD_MSG_MAX_TYPE + 1] = {
	[MCSECD_MSG_HELLO]	= { .name = "hello", .optional = B(TEXT) },
	[MCSECD_MSG_WELCOME]	= { .name = "welcome", .required = B(IDENTITY),
				    .optional = B(TEXT) },
	[MCSECD_MSG_GROUP]	= { .name = "group",
				    .required = B(GROUP) | B(FAMILY) | B(DADDR) | B(PORT) |
						B(FORMAT) | B(SUITE) | B(ROLE),
				    .optional = B(SADDR) | B(FLAGS) },
	[MCSECD_MSG_KEY]	= { .name = "key",
				    .required = B(GROUP) | B(SUITE) | B(KEY) | B(EPOCH),
				    .optional = B(LIFETIME) | B(ACTIVE), .key_name = true },
	[MCSECD_MSG_SWITCH]	= { .name = "switch", .required = B(GROUP) | B(EPOCH),
				    .key_name = true },
	[MCSECD_MSG_RETIRE]	= { .name = "retire", .required = B(GROUP), .key_name = true },
	[MCSECD_MSG_LEAVE]	= { .name = "leave", .required = B(GROUP) },
	[MCSECD_MSG_SYNCED]	= { .name = "synced" },
	[MCSECD_MSG_ACK]	= { .name = "ack", .required = B(ACK_SEQ) | B(STATUS),
				    .optional = B(TEXT) },
};

const char *proto_msg_name(uint8_t type)
{
	return type <= MCSECD_MSG_MAX_TYPE && msgs[type].name ?
		msgs[type].name : "unknown";
}

const char *proto_attr_name(int attr)
{
	return attr > 0 && attr <= MCSECD_A_MAX ? policy[attr].name : "unknown";
}

static int fail(char *err, size_t len, int e, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t len, int e, const char *fmt, ...)
{
	va_list ap;

	if (err && len) {
		va_start(ap, fmt);
		vsnprintf(err, len, fmt, ap);
		va_end(ap);
	}
	return -e;
}

void proto_wipe(struct proto_msg *m)
{
	explicit_bzero(m, sizeof(*m));
}

int proto_frame_len(const void *buf, size_t avail)
{
	uint32_t len;

	if (avail < sizeof(len))
		return 0;
	memcpy(&len, buf, sizeof(len));
	if (len < MCSECD_MSG_MIN || len > MCSECD_MSG_MAX)
		return -EMSGSIZE;
	return (int)len;
}

/* A group name: what a config section name and a file name may hold. */
static bool name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > MCSECD_NAME_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '_' ||
		      s[i] == '-'))
			return false;
	return true;
}

static bool text_ok(const char *s, size_t n)
{
	size_t i;

	if (n > MCSECD_TEXT_MAX)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}

/* Decodes one attribute, already known to fit in the message. */
static int decode_attr(const struct nlattr *a, struct proto_msg *m,
		       char *err, size_t elen)
{
	int type = mnl_attr_get_type(a);
	const struct attr_policy *p = &policy[type];
	uint16_t plen = mnl_attr_get_payload_len(a);
	const char *s = mnl_attr_get_payload(a);
	static const uint16_t width[] = { [K_U8] = 1, [K_U16] = 2, [K_U32] = 4, [K_U64] = 8 };

	switch (p->kind) {
	case K_U8: case K_U16: case K_U32: case K_U64:
		if (plen != width[p->kind])
			return fail(err, elen, EINVAL, "attribute %s: length %u, expected %u",
				    p->name, plen, width[p->kind]);
		break;
	case K_NAME: case K_TEXT:
		/* NUL-terminated, the NUL the last byte, nothing unprintable */
		if (plen < 1 || s[plen - 1] != 0 || memchr(s, 0, plen) != s + plen - 1 ||
		    !(p->kind == K_NAME ? name_ok(s, plen - 1) : text_ok(s, plen - 1)))
			return fail(err, elen, EINVAL, "attribute %s: not a valid %s",
				    p->name, p->kind == K_NAME ? "name" : "string");
		break;
	case K_BINARY:
		if (plen < p->min || plen > p->max)
			return fail(err, elen, EINVAL, "attribute %s: length %u out of [%u, %u]",
				    p->name, plen, p->min, p->max);
		break;
	}

	switch (type) {
	case MCSECD_A_GROUP: memcpy(m->group, s, plen); break;
	case MCSECD_A_FAMILY: m->family = mnl_attr_get_u16(a); break;
	case MCSECD_A_DADDR:
	case MCSECD_A_SADDR:
		if (plen != 4 && plen != 16)
			return fail(err, elen, EINVAL, "attribute %s: length %u, expected 4 or 16",
				    p->name, plen);
		/* checked against the family once both are known */
		memcpy(type == MCSECD_A_DADDR ? m->daddr : m->saddr, s, plen);
		break;
	case MCSECD_A_PORT: m->port = mnl_attr_get_u16(a); break;
	case MCSECD_A_FORMAT: m->format = mnl_attr_get_u8(a); break;
	case MCSECD_A_SUITE: m->suite = mnl_attr_get_u8(a); break;
	case MCSECD_A_ROLE: m->role = mnl_attr_get_u8(a); break;
	case MCSECD_A_FLAGS: m->flags = mnl_attr_get_u32(a); break;
	case MCSECD_A_SPI: m->spi = mnl_attr_get_u32(a); break;
	case MCSECD_A_PARITY: m->parity = mnl_attr_get_u8(a); break;
	case MCSECD_A_KEY: memcpy(m->key, s, plen); m->key_len = plen; break;
	case MCSECD_A_LIFETIME: m->lifetime = mnl_attr_get_u64(a); break;
	case MCSECD_A_EPOCH: m->epoch = mnl_attr_get_u64(a); break;
	case MCSECD_A_ACTIVE: m->active = mnl_attr_get_u8(a); break;
	case MCSECD_A_ACK_SEQ: m->ack_seq = mnl_attr_get_u32(a); break;
	case MCSECD_A_STATUS: m->status = mnl_attr_get_u32(a); break;
	case MCSECD_A_TEXT: memcpy(m->text, s, plen); break;
	case MCSECD_A_IDENTITY: memcpy(m->identity, s, plen); break;
	}
	return 0;
}

/* Values that need more than one attribute, or a range. */
static int check_values(const struct proto_msg *m, uint32_t daddr_len,
			uint32_t saddr_len, char *err, size_t elen)
{
	uint32_t want = m->family == AF_INET ? 4 : 16;

	if (proto_has(m, MCSECD_A_FAMILY) && m->family != AF_INET && m->family != AF_INET6)
		return fail(err, elen, EINVAL, "attribute family: %u is not AF_INET or AF_INET6",
			    m->family);
	if (proto_has(m, MCSECD_A_DADDR) && daddr_len != want)
		return fail(err, elen, EINVAL, "attribute daddr: length %u does not fit the family",
			    daddr_len);
	if (proto_has(m, MCSECD_A_SADDR) && saddr_len != want)
		return fail(err, elen, EINVAL, "attribute saddr: length %u does not fit the family",
			    saddr_len);
	if (proto_has(m, MCSECD_A_DADDR) &&
	    !(want == 4 ? (m->daddr[0] & 0xf0) == 0xe0 : m->daddr[0] == 0xff))
		return fail(err, elen, EINVAL, "attribute daddr: not a multicast address");
	if (proto_has(m, MCSECD_A_FORMAT) && (m->format < 1 || m->format > MCSEC_FORMAT_MAX))
		return fail(err, elen, EINVAL, "attribute format: unknown format %u", m->format);
	if (proto_has(m, MCSECD_A_SUITE) && !mcsec_suite_key_len(m->suite))
		return fail(err, elen, EINVAL, "attribute suite: unknown suite %u", m->suite);
	if (proto_has(m, MCSECD_A_FORMAT) && proto_has(m, MCSECD_A_SUITE) &&
	    mcsec_format_is_ts(m->format) != (m->suite == MCSEC_SUITE_AES128_CBC))
		return fail(err, elen, EINVAL, "attribute suite: %s does not go with format %s",
			    mcsec_suite_name(m->suite), mcsec_format_name(m->format));
	if (proto_has(m, MCSECD_A_ROLE) && (m->role < 1 || m->role > MCSEC_DIR_MAX))
		return fail(err, elen, EINVAL, "attribute role: unknown role %u", m->role);
	if (proto_has(m, MCSECD_A_FLAGS) && (m->flags & ~MCSEC_GROUP_F_ALL))
		return fail(err, elen, EINVAL, "attribute flags: unknown bits 0x%x",
			    m->flags & ~MCSEC_GROUP_F_ALL);
	if (proto_has(m, MCSECD_A_SPI) && m->spi == 0)
		return fail(err, elen, EINVAL, "attribute spi: 0 is reserved");
	if (proto_has(m, MCSECD_A_PARITY) && (m->parity < 1 || m->parity > MCSEC_PARITY_MAX))
		return fail(err, elen, EINVAL, "attribute parity: unknown parity %u", m->parity);
	if (proto_has(m, MCSECD_A_PARITY) && proto_has(m, MCSECD_A_SUITE) &&
	    m->suite != MCSEC_SUITE_AES128_CBC)
		return fail(err, elen, EINVAL, "attribute parity: only TS control words have one");
	if (proto_has(m, MCSECD_A_SPI) && proto_has(m, MCSECD_A_SUITE) &&
	    m->suite == MCSEC_SUITE_AES128_CBC)
		return fail(err, elen, EINVAL, "attribute spi: a TS control word has a parity");
	if (proto_has(m, MCSECD_A_KEY) &&
	    m->key_len != mcsec_suite_key_len(m->suite) + mcsec_suite_salt_len(m->suite))
		return fail(err, elen, EINVAL, "attribute key: length %u, the suite needs %u",
			    m->key_len, mcsec_suite_key_len(m->suite) + mcsec_suite_salt_len(m->suite));
	if (proto_has(m, MCSECD_A_ACTIVE) && m->active > 1)
		return fail(err, elen, EINVAL, "attribute active: %u is not 0 or 1", m->active);
	if (proto_has(m, MCSECD_A_STATUS) && m->status > 4095)
		return fail(err, elen, EINVAL, "attribute status: %u is not an errno", m->status);
	return 0;
}

/* Checks and decodes the attribute at *off, and moves *off past it. */
static int next_attr(const void *buf, size_t len, size_t *off,
		     const struct msg_policy *mp, struct proto_msg *m,
		     uint32_t addr_len[2], char *err, size_t elen)
{
	const struct nlattr *a = (const void *)((const char *)buf + *off);
	size_t left = len - *off, step;
	int type, ret;

	if (left < sizeof(*a) || a->nla_len < sizeof(*a) || a->nla_len > left)
		return fail(err, elen, EPROTO, "attribute at offset %zu overruns the message", *off);
	if (a->nla_type & (NLA_F_NESTED | NLA_F_NET_BYTEORDER))
		return fail(err, elen, EPROTO, "attribute at offset %zu: flags not allowed", *off);
	type = a->nla_type;
	if (type < 1 || type > MCSECD_A_MAX)
		return fail(err, elen, EPROTO, "unknown attribute %d", type);
	if (m->present & PROTO_BIT(type))
		return fail(err, elen, EPROTO, "attribute %s repeated", policy[type].name);
	if (!((mp->required | mp->optional | (mp->key_name ? NAMED_KEY : 0)) & PROTO_BIT(type)))
		return fail(err, elen, EPROTO, "attribute %s not allowed in %s",
			    policy[type].name, mp->name);
	ret = decode_attr(a, m, err, elen);
	if (ret < 0)
		return ret;
	if (type == MCSECD_A_DADDR || type == MCSECD_A_SADDR)
		addr_len[type == MCSECD_A_SADDR] = mnl_attr_get_payload_len(a);
	m->present |= PROTO_BIT(type);
	/* the padding to 4 bytes belongs to the message, except at its end */
	step = MNL_ALIGN(a->nla_len);
	*off += step <= left ? step : a->nla_len;
	return 0;
}

static int parse_aligned(const void *buf, size_t len, struct proto_msg *m,
			 char *err, size_t elen)
{
	const struct nlmsghdr *nlh = buf;
	const struct genlmsghdr *gh;
	const struct msg_policy *mp;
	uint32_t addr_len[2] = { 0, 0 }, missing;
	size_t off;
	int ret;

	memset(m, 0, sizeof(*m));
	if (len < MCSECD_MSG_MIN || len > MCSECD_MSG_MAX)
		return fail(err, elen, EMSGSIZE, "message of %zu bytes, limits [%u, %u]",
			    len, MCSECD_MSG_MIN, MCSECD_MSG_MAX);
	if (nlh->nlmsg_len != len)
		return fail(err, elen, EPROTO, "header length %u, message %zu", nlh->nlmsg_len, len);
	if (nlh->nlmsg_type != MCSECD_PROTO_TYPE || nlh->nlmsg_flags || nlh->nlmsg_pid)
		return fail(err, elen, EPROTO, "not an mcsecd message (type 0x%x flags 0x%x)",
			    nlh->nlmsg_type, nlh->nlmsg_flags);
	gh = (const void *)(nlh + 1);
	if (gh->version != MCSECD_PROTO_VERSION || gh->reserved)
		return fail(err, elen, EPROTONOSUPPORT, "protocol version %u, this is %u",
			    gh->version, MCSECD_PROTO_VERSION);
	if (gh->cmd < 1 || gh->cmd > MCSECD_MSG_MAX_TYPE)
		return fail(err, elen, EPROTO, "unknown message type %u", gh->cmd);
	m->type = gh->cmd;
	m->seq = nlh->nlmsg_seq;
	mp = &msgs[m->type];

	for (off = MCSECD_MSG_MIN; off < len;) {
		ret = next_attr(buf, len, &off, mp, m, addr_len, err, elen);
		if (ret < 0)
			goto wipe;
	}

	missing = mp->required & ~m->present;
	if (missing) {
		ret = fail(err, elen, EPROTO, "%s without attribute %s", mp->name,
			   policy[__builtin_ctz(missing)].name);
		goto wipe;
	}
	if (mp->key_name && __builtin_popcount(m->present & NAMED_KEY) != 1) {
		ret = fail(err, elen, EPROTO, "%s needs exactly one of spi and parity", mp->name);
		goto wipe;
	}
	ret = check_values(m, addr_len[0], addr_len[1], err, elen);
	if (ret < 0)
		goto wipe;
	return 0;
wipe:
	proto_wipe(m);
	return ret;
}

/* The bytes may sit anywhere in a stream buffer: they are parsed from an
 * aligned copy, which is wiped afterwards (it may hold a key). */
int proto_parse(const void *buf, size_t len, struct proto_msg *m,
		char *err, size_t elen)
{
	union {
		struct nlmsghdr h;
		uint64_t align;
		uint8_t b[MCSECD_MSG_MAX];
	} copy;
	int ret;

	if (len < MCSECD_MSG_MIN || len > MCSECD_MSG_MAX) {
		memset(m, 0, sizeof(*m));
		return fail(err, elen, EMSGSIZE, "message of %zu bytes, limits [%u, %u]",
			    len, MCSECD_MSG_MIN, MCSECD_MSG_MAX);
	}
	memcpy(copy.b, buf, len);
	ret = parse_aligned(copy.b, len, m, err, elen);
	explicit_bzero(copy.b, len);
	return ret;
}

static void put_string(struct nlmsghdr *nlh, int type, const char *s)
{
	mnl_attr_put_strz(nlh, type, s);
}

int proto_build(void *buf, size_t size, const struct proto_msg *m,
		char *err, size_t elen)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *gh;
	struct proto_msg check;
	uint32_t alen = m->family == AF_INET ? 4 : 16;
	int ret;

	/* the largest message fits MCSECD_MSG_MAX; the caller's buffer must too */
	if (size < MCSECD_MSG_MAX)
		return fail(err, elen, ENOBUFS, "buffer of %zu bytes, need %u", size,
			    MCSECD_MSG_MAX);
	memset(buf, 0, MCSECD_MSG_MAX);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = MCSECD_PROTO_TYPE;
	nlh->nlmsg_seq = m->seq;
	gh = mnl_nlmsg_put_extra_header(nlh, sizeof(*gh));
	gh->cmd = m->type;
	gh->version = MCSECD_PROTO_VERSION;

#define PUT(attr, fn, v) do { if (proto_has(m, MCSECD_A_##attr)) fn(nlh, MCSECD_A_##attr, v); } while (0)
	PUT(GROUP, put_string, m->group);
	PUT(FAMILY, mnl_attr_put_u16, m->family);
	if (proto_has(m, MCSECD_A_DADDR))
		mnl_attr_put(nlh, MCSECD_A_DADDR, alen, m->daddr);
	if (proto_has(m, MCSECD_A_SADDR))
		mnl_attr_put(nlh, MCSECD_A_SADDR, alen, m->saddr);
	PUT(PORT, mnl_attr_put_u16, m->port);
	PUT(FORMAT, mnl_attr_put_u8, m->format);
	PUT(SUITE, mnl_attr_put_u8, m->suite);
	PUT(ROLE, mnl_attr_put_u8, m->role);
	PUT(FLAGS, mnl_attr_put_u32, m->flags);
	PUT(SPI, mnl_attr_put_u32, m->spi);
	PUT(PARITY, mnl_attr_put_u8, m->parity);
	if (proto_has(m, MCSECD_A_KEY))
		mnl_attr_put(nlh, MCSECD_A_KEY, m->key_len, m->key);
	PUT(LIFETIME, mnl_attr_put_u64, m->lifetime);
	PUT(EPOCH, mnl_attr_put_u64, m->epoch);
	PUT(ACTIVE, mnl_attr_put_u8, m->active);
	PUT(ACK_SEQ, mnl_attr_put_u32, m->ack_seq);
	PUT(STATUS, mnl_attr_put_u32, m->status);
	PUT(TEXT, put_string, m->text);
	PUT(IDENTITY, put_string, m->identity);
#undef PUT

	if (nlh->nlmsg_len > MCSECD_MSG_MAX)
		return fail(err, elen, EMSGSIZE, "message too long");
	ret = proto_parse(buf, nlh->nlmsg_len, &check, err, elen);
	proto_wipe(&check);
	if (ret < 0) {
		explicit_bzero(buf, MCSECD_MSG_MAX);
		return ret;
	}
	return (int)nlh->nlmsg_len;
}
