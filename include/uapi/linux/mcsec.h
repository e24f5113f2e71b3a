/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * mcsec: secure multicast and IPTV fast path, control API version 1.
 *
 * This header is the one definition of the generic netlink family "mcsec"
 * served by mcsec.ko, and of the very same messages served by mcsec-dpdk on
 * its UNIX SOCK_SEQPACKET control socket. Every attribute enum starts at 1;
 * every nesting level has its own enum. Integers are host byte order unless
 * the name says BE; addresses are raw network-order bytes (4 or 16).
 *
 * Objects
 * -------
 * A *group* is one protected multicast flow in one network namespace,
 * matched by (family, group address, optional source, UDP port, optional
 * input interface) and bound to one direction and one format. A group holds
 * *SAs*: for ESP formats, group SAs named by SPI (at least two may coexist so
 * that rotation is hitless; one is the active sender SA); for TS formats, an
 * even and an odd control word named by parity.
 *
 * Message tree
 * ------------
 * MCSEC_CMD_GROUP_ADD   (request, NLM_F_ACK; reply: MCSEC_CMD_GROUP_ADD with
 *                        MCSEC_A_GROUP { MCSEC_GROUP_A_ID })
 *   MCSEC_A_GROUP: NLA_NESTED
 *     MCSEC_GROUP_A_FAMILY:  NLA_U16, AF_INET or AF_INET6          (required)
 *     MCSEC_GROUP_A_DADDR:   NLA_BINARY, 4 or 16 bytes, multicast  (required)
 *     MCSEC_GROUP_A_SADDR:   NLA_BINARY, 4 or 16 bytes, unicast    (optional)
 *     MCSEC_GROUP_A_PORT:    NLA_U16, UDP destination port, 0 = any
 *                            (required for TS formats)
 *     MCSEC_GROUP_A_IFINDEX: NLA_U32, input interface, must exist  (optional)
 *     MCSEC_GROUP_A_DIR:     NLA_U8, enum mcsec_dir                (required)
 *     MCSEC_GROUP_A_FORMAT:  NLA_U8, enum mcsec_format             (required)
 *     MCSEC_GROUP_A_FLAGS:   NLA_U32, MCSEC_GROUP_F_*              (optional)
 *     MCSEC_GROUP_A_PIDS:    NLA_BINARY, array of __u16 PIDs (0..0x1FFE),
 *                            replaces the default PID selection    (optional)
 *
 * MCSEC_CMD_GROUP_SET   (request, NLM_F_ACK)
 *   MCSEC_A_GROUP: NLA_NESTED
 *     MCSEC_GROUP_A_ID, or the match tuple of GROUP_ADD, names the group
 *     MCSEC_GROUP_A_TX_PARITY: NLA_U8, enum mcsec_parity: TS scrambler flips
 *     MCSEC_GROUP_A_TX_SPI:    NLA_U32: ESP sender switches to this SA
 *     MCSEC_GROUP_A_FLAGS:     NLA_U32
 *
 * MCSEC_CMD_GROUP_DEL   (request, NLM_F_ACK)
 *   MCSEC_A_GROUP: NLA_NESTED { MCSEC_GROUP_A_ID or the match tuple }
 *
 * MCSEC_CMD_GROUP_GET   (request: do with the group named, or NLM_F_DUMP)
 *   reply, one message per group:
 *   MCSEC_A_GROUP: NLA_NESTED
 *     MCSEC_GROUP_A_ID, _FAMILY, _DADDR, [_SADDR], _PORT, [_IFINDEX], _DIR,
 *     _FORMAT, _FLAGS, [_PIDS], [_TX_PARITY], [_TX_SPI]
 *     MCSEC_GROUP_A_STATS: NLA_NESTED { MCSEC_STAT_A_*: NLA_U64 }
 *
 * MCSEC_CMD_SA_ADD      (request, NLM_F_ACK)
 *   MCSEC_A_GROUP: NLA_NESTED { MCSEC_GROUP_A_ID or the match tuple }
 *   MCSEC_A_SA: NLA_NESTED
 *     MCSEC_SA_A_SPI:        NLA_U32, != 0                 (ESP formats)
 *                            unique per group, and in decrypt groups per
 *                            group address (receivers look up by it)
 *     MCSEC_SA_A_PARITY:     NLA_U8, enum mcsec_parity     (TS formats)
 *     MCSEC_SA_A_SUITE:      NLA_U8, enum mcsec_suite      (required)
 *     MCSEC_SA_A_KEY:        NLA_BINARY, exactly the suite's key length
 *     MCSEC_SA_A_SALT:       NLA_BINARY, exactly 4 bytes   (GCM/GMAC suites)
 *     MCSEC_SA_A_SEQ:        NLA_U64, next sequence number to send, >= 1
 *     MCSEC_SA_A_REPLAY_WINDOW: NLA_U32, packets, a multiple of 64 within
 *                            [64, 4096]; 0 disables anti-replay
 *     MCSEC_SA_A_FLAGS:      NLA_U32, MCSEC_SA_F_*
 *     MCSEC_SA_A_LIFETIME_SOFT: NLA_NESTED { MCSEC_LIFETIME_A_* }
 *     MCSEC_SA_A_LIFETIME_HARD: NLA_NESTED { MCSEC_LIFETIME_A_* }
 *       MCSEC_LIFETIME_A_PACKETS: NLA_U64 (0 = unlimited)
 *       MCSEC_LIFETIME_A_BYTES:   NLA_U64 (0 = unlimited)
 *       MCSEC_LIFETIME_A_SECONDS: NLA_U64 (0 = unlimited)
 *
 * MCSEC_CMD_SA_SET      (request, NLM_F_ACK)
 *   MCSEC_A_GROUP { ... }, MCSEC_A_SA { _SPI or _PARITY, [_FLAGS: ACTIVE] }
 *   Keys are immutable once installed: a KEY or SALT attribute is refused.
 *   FLAGS may repeat the SA's ESN bit (or leave it out), not turn it on.
 *
 * MCSEC_CMD_SA_DEL      (request, NLM_F_ACK)
 *   MCSEC_A_GROUP { ... }, MCSEC_A_SA { _SPI or _PARITY }
 *
 * MCSEC_CMD_SA_GET      (request: do, or NLM_F_DUMP with MCSEC_A_GROUP)
 *   reply, one message per SA: MCSEC_A_GROUP { MCSEC_GROUP_A_ID },
 *   MCSEC_A_SA { _SPI or _PARITY, _SUITE, _SEQ, _REPLAY_WINDOW, _FLAGS,
 *                _LIFETIME_SOFT, _LIFETIME_HARD, _STATS { MCSEC_STAT_A_* } }
 *   KEY and SALT are never dumped.
 *
 * MCSEC_CMD_FLUSH       (request, NLM_F_ACK): deletes every group of the
 *                        caller's network namespace
 *
 * MCSEC_CMD_STATS_GET   (request): reply MCSEC_A_STATS { MCSEC_STAT_A_* },
 *                        the namespace's totals, including packets that
 *                        matched no group
 *
 * MCSEC_CMD_EVENT       (notification on multicast group "events")
 *   MCSEC_A_EVENT: NLA_NESTED
 *     MCSEC_EVENT_A_TYPE:     NLA_U8, enum mcsec_event
 *     MCSEC_EVENT_A_GROUP_ID: NLA_U32
 *     MCSEC_EVENT_A_SPI:      NLA_U32    (ESP SAs)
 *     MCSEC_EVENT_A_PARITY:   NLA_U8     (TS SAs)
 *     MCSEC_EVENT_A_LIMIT:    NLA_U8, enum mcsec_limit (expiry events)
 *
 * Every request needs CAP_NET_ADMIN in the namespace that owns the socket.
 * Errors carry an extack message naming the attribute at fault.
 *
 * mcsec-dpdk's control socket (UNIX SOCK_SEQPACKET)
 * -------------------------------------------------
 * The same messages, byte for byte, with these transport rules:
 *   - the family id is fixed (MCSEC_DPDK_FAMILY_ID, 0x4d43, libmcsec.h):
 *     there is no generic netlink controller; any other nlmsg_type gets
 *     -ENOENT, as genetlink answers an unknown family;
 *   - a packet holds one or more whole messages (at most 64 KiB); replies
 *     and dumps (NLM_F_MULTI, ended by NLMSG_DONE) come back in packets of
 *     whole messages; errors and acks are NLMSG_ERROR as with
 *     NETLINK_CAP_ACK and NETLINK_EXT_ACK set: the request is never echoed,
 *     extack TLVs (NLMSGERR_ATTR_MSG, _OFFS, _MISS_TYPE, _MISS_NEST) follow;
 *   - the peer's credentials (SO_PEERCRED) stand for CAP_NET_ADMIN: root or
 *     the appliance's own uid; anyone else gets -EPERM for every request;
 *   - events: a connection subscribes by sending MCSEC_CMD_EVENT with no
 *     attributes (NLM_F_ACK to know it took); MCSEC_CMD_EVENT messages then
 *     arrive on it with nlmsg_seq 0, as the "events" group sends them;
 *   - a subscriber whose socket was full lost events: where a netlink
 *     socket's recv() would fail with ENOBUFS, it gets one NLMSG_ERROR
 *     with nlmsg_seq 0 and error -ENOBUFS (no request header) as soon as
 *     its socket has room, before any later event.
 */
#ifndef _UAPI_LINUX_MCSEC_H
#define _UAPI_LINUX_MCSEC_H

#include <linux/types.h>

#define MCSEC_GENL_NAME		"mcsec"
#define MCSEC_GENL_VERSION	1
#define MCSEC_MCGRP_EVENTS	"events"

enum mcsec_cmd {
	MCSEC_CMD_UNSPEC,
	MCSEC_CMD_GROUP_ADD,
	MCSEC_CMD_GROUP_SET,
	MCSEC_CMD_GROUP_DEL,
	MCSEC_CMD_GROUP_GET,
	MCSEC_CMD_SA_ADD,
	MCSEC_CMD_SA_SET,
	MCSEC_CMD_SA_DEL,
	MCSEC_CMD_SA_GET,
	MCSEC_CMD_FLUSH,
	MCSEC_CMD_STATS_GET,
	MCSEC_CMD_EVENT,
	__MCSEC_CMD_MAX
};
#define MCSEC_CMD_MAX (__MCSEC_CMD_MAX - 1)

/* Top level. */
enum mcsec_attr {
	MCSEC_A_UNSPEC,
	MCSEC_A_GROUP,		/* nest: enum mcsec_group_attr */
	MCSEC_A_SA,		/* nest: enum mcsec_sa_attr */
	MCSEC_A_STATS,		/* nest: enum mcsec_stat_attr */
	MCSEC_A_EVENT,		/* nest: enum mcsec_event_attr */
	__MCSEC_A_MAX
};
#define MCSEC_A_MAX (__MCSEC_A_MAX - 1)

enum mcsec_dir {
	MCSEC_DIR_UNSPEC,
	MCSEC_DIR_ENCRYPT,	/* protect: encapsulate or scramble */
	MCSEC_DIR_DECRYPT,	/* verify and strip, or descramble */
	__MCSEC_DIR_MAX
};
#define MCSEC_DIR_MAX (__MCSEC_DIR_MAX - 1)

enum mcsec_format {
	MCSEC_FORMAT_UNSPEC,
	MCSEC_FORMAT_ESP_TUNNEL,	/* RFC 5374 tunnel, address preserving */
	MCSEC_FORMAT_ESP_TRANSPORT,	/* RFC 4303 transport */
	MCSEC_FORMAT_TS_CISSA,		/* ETSI TS 103 127 DVB-CISSA v1 */
	MCSEC_FORMAT_TS_IDSA,		/* ATIS-0800006 IDSA */
	__MCSEC_FORMAT_MAX
};
#define MCSEC_FORMAT_MAX (__MCSEC_FORMAT_MAX - 1)

enum mcsec_suite {
	MCSEC_SUITE_UNSPEC,
	MCSEC_SUITE_AES128_GCM,		/* RFC 4106, 16-byte key + 4-byte salt */
	MCSEC_SUITE_AES256_GCM,		/* RFC 4106, 32-byte key + 4-byte salt */
	MCSEC_SUITE_AES128_GMAC,	/* RFC 4543, 16-byte key + 4-byte salt */
	MCSEC_SUITE_CHACHA20_POLY1305,	/* RFC 7634, 32-byte key + 4-byte salt */
	MCSEC_SUITE_AES128_CBC,		/* TS formats: the control word, 16 bytes */
	__MCSEC_SUITE_MAX
};
#define MCSEC_SUITE_MAX (__MCSEC_SUITE_MAX - 1)

/* transport_scrambling_control values of the parities: 10 even, 11 odd. */
enum mcsec_parity {
	MCSEC_PARITY_UNSPEC,
	MCSEC_PARITY_EVEN,
	MCSEC_PARITY_ODD,
	__MCSEC_PARITY_MAX
};
#define MCSEC_PARITY_MAX (__MCSEC_PARITY_MAX - 1)

enum mcsec_group_flags {
	MCSEC_GROUP_F_REQUIRED	= 1U << 0,	/* drop cleartext claiming the group */
	MCSEC_GROUP_F_RTP	= 1U << 1,	/* TS behind an RTP header */
};
#define MCSEC_GROUP_F_ALL	(MCSEC_GROUP_F_REQUIRED | MCSEC_GROUP_F_RTP)

enum mcsec_group_attr {
	MCSEC_GROUP_A_UNSPEC,
	MCSEC_GROUP_A_ID,
	MCSEC_GROUP_A_FAMILY,
	MCSEC_GROUP_A_DADDR,
	MCSEC_GROUP_A_SADDR,
	MCSEC_GROUP_A_PORT,
	MCSEC_GROUP_A_IFINDEX,
	MCSEC_GROUP_A_DIR,
	MCSEC_GROUP_A_FORMAT,
	MCSEC_GROUP_A_FLAGS,
	MCSEC_GROUP_A_PIDS,
	MCSEC_GROUP_A_TX_PARITY,
	MCSEC_GROUP_A_TX_SPI,
	MCSEC_GROUP_A_STATS,
	MCSEC_GROUP_A_PAD,
	__MCSEC_GROUP_A_MAX
};
#define MCSEC_GROUP_A_MAX (__MCSEC_GROUP_A_MAX - 1)

enum mcsec_sa_flags {
	MCSEC_SA_F_ESN		= 1U << 0,	/* 64-bit extended sequence numbers */
	MCSEC_SA_F_ACTIVE	= 1U << 1,	/* the group's sender uses this SA */
};
#define MCSEC_SA_F_ALL		(MCSEC_SA_F_ESN | MCSEC_SA_F_ACTIVE)

enum mcsec_sa_attr {
	MCSEC_SA_A_UNSPEC,
	MCSEC_SA_A_SPI,
	MCSEC_SA_A_PARITY,
	MCSEC_SA_A_SUITE,
	MCSEC_SA_A_KEY,
	MCSEC_SA_A_SALT,
	MCSEC_SA_A_SEQ,
	MCSEC_SA_A_REPLAY_WINDOW,
	MCSEC_SA_A_FLAGS,
	MCSEC_SA_A_LIFETIME_SOFT,
	MCSEC_SA_A_LIFETIME_HARD,
	MCSEC_SA_A_STATS,
	MCSEC_SA_A_PAD,
	__MCSEC_SA_A_MAX
};
#define MCSEC_SA_A_MAX (__MCSEC_SA_A_MAX - 1)

enum mcsec_lifetime_attr {
	MCSEC_LIFETIME_A_UNSPEC,
	MCSEC_LIFETIME_A_PACKETS,
	MCSEC_LIFETIME_A_BYTES,
	MCSEC_LIFETIME_A_SECONDS,
	MCSEC_LIFETIME_A_PAD,
	__MCSEC_LIFETIME_A_MAX
};
#define MCSEC_LIFETIME_A_MAX (__MCSEC_LIFETIME_A_MAX - 1)

enum mcsec_limit {
	MCSEC_LIMIT_UNSPEC,
	MCSEC_LIMIT_PACKETS,
	MCSEC_LIMIT_BYTES,
	MCSEC_LIMIT_SECONDS,
	__MCSEC_LIMIT_MAX
};

/*
 * Counters, all NLA_U64. The same numbers index the fast paths' per-CPU
 * counter arrays and are the drop reasons the shared core returns, so a
 * reason and its counter can never disagree. Names follow RFC 4303 / the
 * IEEE 802.1AE MIB where those have one.
 */
enum mcsec_stat_attr {
	MCSEC_STAT_A_UNSPEC,
	MCSEC_STAT_A_PAD,
	/* encrypt direction */
	MCSEC_STAT_A_OUT_PKTS_PROTECTED,	/* ESP built or TS datagram scrambled */
	MCSEC_STAT_A_OUT_OCTETS_PROTECTED,	/* bytes before protection */
	MCSEC_STAT_A_OUT_PKTS_NO_SA,		/* no active SA / no key for parity */
	MCSEC_STAT_A_OUT_PKTS_SEQ_EXHAUSTED,	/* sequence space spent: fail closed */
	MCSEC_STAT_A_OUT_PKTS_TOO_BIG,		/* no room for the headers */
	MCSEC_STAT_A_OUT_PKTS_UNSUPPORTED,	/* e.g. IPv6 extension headers */
	/* decrypt direction */
	MCSEC_STAT_A_IN_PKTS_OK,		/* verified / descrambled */
	MCSEC_STAT_A_IN_OCTETS_OK,		/* bytes after removal */
	MCSEC_STAT_A_IN_PKTS_TRUNCATED,		/* shorter than its headers say */
	MCSEC_STAT_A_IN_PKTS_MALFORMED,		/* bad IP/UDP/RTP/TS header */
	MCSEC_STAT_A_IN_PKTS_NO_SA,		/* unknown SPI, or no key for parity */
	MCSEC_STAT_A_IN_PKTS_REPLAYED,		/* already seen in the window */
	MCSEC_STAT_A_IN_PKTS_LATE,		/* left of the window */
	MCSEC_STAT_A_IN_PKTS_AUTH_FAILED,	/* ICV mismatch */
	MCSEC_STAT_A_IN_PKTS_BAD_PADDING,	/* padding not 1, 2, 3, ... */
	MCSEC_STAT_A_IN_PKTS_BAD_NEXT_HEADER,	/* inner protocol not what the mode allows */
	MCSEC_STAT_A_IN_PKTS_CLEARTEXT,		/* cleartext for a required group */
	/* MPEG-TS, counted per 188-byte TS packet */
	MCSEC_STAT_A_TS_PKTS_SCRAMBLED,
	MCSEC_STAT_A_TS_PKTS_DESCRAMBLED,
	MCSEC_STAT_A_TS_PKTS_CLEAR,		/* PID not selected, passed clear */
	MCSEC_STAT_A_TS_PKTS_NO_PAYLOAD,	/* adaptation field only */
	MCSEC_STAT_A_TS_PKTS_ALREADY_SCRAMBLED,	/* scrambler left it alone */
	MCSEC_STAT_A_TS_PKTS_RESERVED_SC,	/* scrambling control 01 */
	/* namespace totals only */
	MCSEC_STAT_A_PKTS_UNMATCHED,		/* inspected, matched no group */
	__MCSEC_STAT_A_MAX
};
#define MCSEC_STAT_A_MAX (__MCSEC_STAT_A_MAX - 1)

enum mcsec_event {
	MCSEC_EVENT_UNSPEC,
	MCSEC_EVENT_SOFT_EXPIRE,	/* rekey now */
	MCSEC_EVENT_HARD_EXPIRE,	/* SA removed */
	MCSEC_EVENT_SEQ_EXHAUSTED,	/* sender stopped on this SA */
	__MCSEC_EVENT_MAX
};

enum mcsec_event_attr {
	MCSEC_EVENT_A_UNSPEC,
	MCSEC_EVENT_A_TYPE,
	MCSEC_EVENT_A_GROUP_ID,
	MCSEC_EVENT_A_SPI,
	MCSEC_EVENT_A_PARITY,
	MCSEC_EVENT_A_LIMIT,
	__MCSEC_EVENT_A_MAX
};
#define MCSEC_EVENT_A_MAX (__MCSEC_EVENT_A_MAX - 1)

#endif /* _UAPI_LINUX_MCSEC_H */
