/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The mcsecd protocol between the key server and its members, carried in
 * TLS 1.3 records over TCP.
 *
 * A message is framed exactly like a generic netlink message, so that the
 * attribute encoding (and libmnl) is the one the fast paths already use:
 *
 *   struct nlmsghdr    len (whole message), type = MCSECD_PROTO_TYPE,
 *                      flags = 0, seq (the sender's, for acks), pid = 0
 *   struct genlmsghdr  cmd = enum mcsecd_msg, version = MCSECD_PROTO_VERSION,
 *                      reserved = 0
 *   attributes         struct nlattr, 4-byte aligned, no nesting
 *
 * Every received message is validated before anything looks at it: the
 * length within [MCSECD_MSG_MIN, MCSECD_MSG_MAX], the header fields, the
 * attributes consuming the payload exactly, each known, not repeated, of
 * its type and length, every required one present and none that the
 * message type does not allow (the table in proto.c), and the values in
 * range (enums, address lengths agreeing with the family, the key exactly
 * the suite's length). Anything else is refused as a whole.
 *
 * Messages (s: server, m: member), every server message but WELCOME and
 * SYNCED is answered by an ACK carrying its seq:
 *   HELLO   m->s  [TEXT]                       first message of a member
 *   WELCOME s->m  IDENTITY [TEXT]              the identity the server saw
 *   GROUP   s->m  GROUP FAMILY DADDR PORT FORMAT SUITE ROLE [SADDR] [FLAGS]
 *                                              join (or keep) a group
 *   KEY     s->m  GROUP SUITE KEY EPOCH SPI|PARITY [LIFETIME] [ACTIVE]
 *                                              install an SA / control word
 *   SWITCH  s->m  GROUP EPOCH SPI|PARITY       the sender uses this key now
 *   RETIRE  s->m  GROUP SPI|PARITY             remove an SA / control word
 *   LEAVE   s->m  GROUP                        the member lost the group
 *   SYNCED  s->m  -                            the full state has been sent
 *   ACK     m->s  ACK_SEQ STATUS [TEXT]        STATUS is 0 or a positive errno
 */
#ifndef MCSECD_PROTO_H
#define MCSECD_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MCSECD_PROTO_VERSION	1
#define MCSECD_PROTO_TYPE	0x4d44		/* "MD" */
#define MCSECD_MSG_MIN		20		/* nlmsghdr + genlmsghdr */
#define MCSECD_MSG_MAX		2048		/* the length limit */
#define MCSECD_NAME_MAX		63		/* group names */
#define MCSECD_TEXT_MAX		255		/* TEXT and IDENTITY */
#define MCSECD_KEYMAT_MAX	64

enum mcsecd_msg {
	MCSECD_MSG_UNSPEC,
	MCSECD_MSG_HELLO,
	MCSECD_MSG_WELCOME,
	MCSECD_MSG_GROUP,
	MCSECD_MSG_KEY,
	MCSECD_MSG_SWITCH,
	MCSECD_MSG_RETIRE,
	MCSECD_MSG_LEAVE,
	MCSECD_MSG_SYNCED,
	MCSECD_MSG_ACK,
	__MCSECD_MSG_MAX
};
#define MCSECD_MSG_MAX_TYPE (__MCSECD_MSG_MAX - 1)

enum mcsecd_attr {
	MCSECD_A_UNSPEC,
	MCSECD_A_GROUP,		/* string: group name, [A-Za-z0-9._-]{1,63} */
	MCSECD_A_FAMILY,	/* u16: AF_INET, AF_INET6 */
	MCSECD_A_DADDR,		/* binary 4 or 16: multicast group address */
	MCSECD_A_SADDR,		/* binary 4 or 16: source */
	MCSECD_A_PORT,		/* u16: UDP destination port */
	MCSECD_A_FORMAT,	/* u8: enum mcsec_format */
	MCSECD_A_SUITE,		/* u8: enum mcsec_suite */
	MCSECD_A_ROLE,		/* u8: enum mcsec_dir, what this member does */
	MCSECD_A_FLAGS,		/* u32: MCSEC_GROUP_F_* */
	MCSECD_A_SPI,		/* u32, != 0 */
	MCSECD_A_PARITY,	/* u8: enum mcsec_parity */
	MCSECD_A_KEY,		/* binary: key || salt, the suite's length */
	MCSECD_A_LIFETIME,	/* u64: hard lifetime, seconds, 0 = none */
	MCSECD_A_EPOCH,		/* u64: the key's generation in its group */
	MCSECD_A_ACTIVE,	/* u8 0/1: KEY is the sender's current key */
	MCSECD_A_ACK_SEQ,	/* u32: the seq acknowledged */
	MCSECD_A_STATUS,	/* u32: 0 or a positive errno */
	MCSECD_A_TEXT,		/* string: free text, printable */
	MCSECD_A_IDENTITY,	/* string: a certificate identity, printable */
	__MCSECD_A_MAX
};
#define MCSECD_A_MAX (__MCSECD_A_MAX - 1)

#define PROTO_BIT(a)	(1u << (a))

/* A message, decoded. present has PROTO_BIT(attr) for each attribute. */
struct proto_msg {
	uint8_t type;
	uint32_t seq;
	uint32_t present;
	char group[MCSECD_NAME_MAX + 1];
	uint16_t family;
	uint8_t daddr[16], saddr[16];
	uint16_t port;
	uint8_t format, suite, role, parity, active;
	uint32_t flags, spi;
	uint32_t key_len;
	uint8_t key[MCSECD_KEYMAT_MAX];
	uint64_t lifetime, epoch;
	uint32_t ack_seq, status;
	char text[MCSECD_TEXT_MAX + 1];
	char identity[MCSECD_TEXT_MAX + 1];
};

static inline bool proto_has(const struct proto_msg *m, int attr)
{
	return m->present & PROTO_BIT(attr);
}

static inline void proto_set(struct proto_msg *m, int attr)
{
	m->present |= PROTO_BIT(attr);
}

/* Wipes a message (it may hold a key). */
void proto_wipe(struct proto_msg *m);

/*
 * Looks at the first bytes of a stream: returns the length of the message
 * that starts there (once 4 bytes are there), 0 if fewer than 4 bytes are
 * there yet, or -EMSGSIZE / -EPROTO for a length out of bounds.
 */
int proto_frame_len(const void *buf, size_t avail);

/*
 * Validates and decodes one whole message of len bytes. Returns 0, or a
 * negative errno with a one-line reason in err (never a key byte).
 */
int proto_parse(const void *buf, size_t len, struct proto_msg *m,
		char *err, size_t err_len);

/*
 * Encodes m (its present attributes) into buf. Returns the message
 * length, or a negative errno if m would not pass proto_parse itself.
 */
int proto_build(void *buf, size_t size, const struct proto_msg *m,
		char *err, size_t err_len);

const char *proto_msg_name(uint8_t type);
const char *proto_attr_name(int attr);

#endif /* MCSECD_PROTO_H */
