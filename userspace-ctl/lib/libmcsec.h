/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * libmcsec: the client library of the mcsec control API.
 *
 * One API over two transports carrying the very same messages (nlmsghdr +
 * genlmsghdr + attributes of include/uapi/linux/mcsec.h), byte for byte:
 *
 *   - the kernel: generic netlink family "mcsec", its id resolved with
 *     CTRL_CMD_GETFAMILY, NETLINK_EXT_ACK and NETLINK_CAP_ACK enabled;
 *   - the DPDK appliance: a UNIX SOCK_SEQPACKET socket. There is no
 *     generic netlink controller there, so the family id is the fixed
 *     MCSEC_DPDK_FAMILY_ID below, which mcsec-dpdk also uses. Each packet
 *     holds one or more whole netlink messages; acks, errors (with extack
 *     TLVs when there is a message), dumps and NLMSG_DONE work as on
 *     netlink. A connection subscribes to events by sending MCSEC_CMD_EVENT
 *     with no attributes and NLM_F_ACK.
 *
 * Every function returns 0 or a negative errno and, on failure, fills the
 * caller's struct mcsec_err with that errno and the peer's extack text.
 * Keys live in struct mcsec_key, allocated locked (mlock, MADV_DONTDUMP)
 * and wiped when freed; the library never prints them.
 */
#ifndef LIBMCSEC_H
#define LIBMCSEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uapi/linux/mcsec.h>

/* The generic netlink family id on mcsec-dpdk's control socket. */
#define MCSEC_DPDK_FAMILY_ID	0x4d43	/* "MC" */

/* Environment variable naming the appliance's socket (mcsecctl --dpdk). */
#define MCSEC_DPDK_SOCKET_ENV	"MCSEC_DPDK_SOCKET"

#define MCSEC_KEY_MAX		64	/* bytes, any suite plus its salt */
#define MCSEC_SALT_LEN		4
#define MCSEC_PID_MAX		0x1ffe
#define MCSEC_PID_MAP_BYTES	((MCSEC_PID_MAX + 8) / 8)
#define MCSEC_NSTATS		(MCSEC_STAT_A_MAX + 1)

struct mcsec_err {
	int code;		/* positive errno, 0 when none */
	char msg[256];		/* the peer's extack text, or the library's */
};

struct mcsec_conn;

struct mcsec_addr {
	uint16_t family;	/* AF_INET or AF_INET6 */
	uint8_t bytes[16];
};

struct mcsec_group {
	uint32_t id;			/* 0: not known yet */
	struct mcsec_addr daddr;
	bool has_saddr;
	struct mcsec_addr saddr;
	uint16_t port;			/* 0: any */
	uint32_t ifindex;		/* 0: any */
	uint8_t dir;			/* enum mcsec_dir */
	uint8_t format;			/* enum mcsec_format */
	uint32_t flags;			/* MCSEC_GROUP_F_* */
	bool has_pids;
	uint8_t pid_map[MCSEC_PID_MAP_BYTES];
	uint8_t tx_parity;		/* 0: none */
	uint32_t tx_spi;		/* 0: none */
	bool has_stats;
	uint64_t stats[MCSEC_NSTATS];
};

struct mcsec_lifetime {
	uint64_t packets, bytes, seconds;	/* 0: unlimited */
};

struct mcsec_key {
	uint32_t len;
	uint8_t bytes[MCSEC_KEY_MAX];
};

struct mcsec_sa {
	uint32_t group_id;
	uint32_t spi;			/* ESP formats */
	uint8_t parity;			/* TS formats */
	uint8_t suite;
	bool has_seq, has_replay_window, has_flags, has_soft, has_hard;
	uint64_t seq;
	uint32_t replay_window;
	uint32_t flags;			/* MCSEC_SA_F_* */
	struct mcsec_lifetime soft, hard;
	bool has_stats;
	uint64_t stats[MCSEC_NSTATS];
	const struct mcsec_key *key;	/* add only: key || salt */
};

struct mcsec_event_msg {
	uint8_t type;			/* enum mcsec_event */
	uint32_t group_id;
	uint32_t spi;
	uint8_t parity;
	uint8_t limit;			/* enum mcsec_limit, 0: none */
};

/* What names a group: unset fields match anything. */
struct mcsec_match {
	struct mcsec_addr daddr;
	bool has_port;
	uint16_t port;
	bool has_saddr;
	struct mcsec_addr saddr;
	uint32_t ifindex;
	uint8_t dir;
};

/* Connections (transport.c). */
int mcsec_open_kernel(struct mcsec_conn **conn, struct mcsec_err *err);
int mcsec_open_dpdk(struct mcsec_conn **conn, const char *path,
		    struct mcsec_err *err);
void mcsec_close(struct mcsec_conn *conn);
bool mcsec_is_dpdk(const struct mcsec_conn *conn);

/* Requests (api.c). Callbacks return 0 to go on, anything else stops. */
typedef int (*mcsec_group_cb)(const struct mcsec_group *g, void *arg);
typedef int (*mcsec_sa_cb)(const struct mcsec_sa *sa, void *arg);
typedef int (*mcsec_event_cb)(const struct mcsec_event_msg *ev, void *arg);

int mcsec_group_add(struct mcsec_conn *conn, const struct mcsec_group *g,
		    uint32_t *id, struct mcsec_err *err);
int mcsec_group_set_parity(struct mcsec_conn *conn, uint32_t id,
			   uint8_t parity, struct mcsec_err *err);
int mcsec_group_set_flags(struct mcsec_conn *conn, uint32_t id,
			  uint32_t flags, struct mcsec_err *err);
int mcsec_group_del(struct mcsec_conn *conn, uint32_t id,
		    struct mcsec_err *err);
int mcsec_group_get(struct mcsec_conn *conn, uint32_t id,
		    struct mcsec_group *g, struct mcsec_err *err);
int mcsec_group_dump(struct mcsec_conn *conn, mcsec_group_cb cb, void *arg,
		     struct mcsec_err *err);
int mcsec_group_find(struct mcsec_conn *conn, const struct mcsec_match *m,
		     struct mcsec_group *g, struct mcsec_err *err);
int mcsec_sa_add(struct mcsec_conn *conn, const struct mcsec_sa *sa,
		 struct mcsec_err *err);
int mcsec_sa_set_active(struct mcsec_conn *conn, const struct mcsec_sa *sa,
			struct mcsec_err *err);
int mcsec_sa_del(struct mcsec_conn *conn, const struct mcsec_sa *sa,
		 struct mcsec_err *err);
/* group_id 0: the SAs of every group. */
int mcsec_sa_dump(struct mcsec_conn *conn, uint32_t group_id, mcsec_sa_cb cb,
		  void *arg, struct mcsec_err *err);
int mcsec_flush(struct mcsec_conn *conn, struct mcsec_err *err);
int mcsec_stats_get(struct mcsec_conn *conn, uint64_t stats[MCSEC_NSTATS],
		    struct mcsec_err *err);
/* Subscribes to events and calls cb for each until cb returns non-zero. */
int mcsec_monitor(struct mcsec_conn *conn, mcsec_event_cb cb, void *arg,
		  struct mcsec_err *err);

/* Keys (key.c): locked, wiped on free; the file format of mcsec-pcap. */
struct mcsec_key *mcsec_key_alloc(void);
void mcsec_key_free(struct mcsec_key *key);
/* Reads hex ('#' comments, whitespace ignored; "-" is stdin) into key and
 * returns how many bytes the file holds (key->len stops at MCSEC_KEY_MAX,
 * so a count above it means "too long"). On failure returns -errno and
 * writes a message naming path and line (never a key byte) to msg. */
int mcsec_key_read(const char *path, struct mcsec_key *key, char *msg,
		   size_t msg_len);

/* Names (names.c): the words of mcsecctl and of the docs. NULL: unknown. */
const char *mcsec_dir_name(uint8_t dir);
const char *mcsec_format_name(uint8_t format);
const char *mcsec_suite_name(uint8_t suite);
const char *mcsec_parity_name(uint8_t parity);
const char *mcsec_event_name(uint8_t type);
const char *mcsec_limit_name(uint8_t limit);
const char *mcsec_stat_name(int stat);	/* "in-pkts-auth-failed" */
/* Reverse lookups: 0 when unknown. */
uint8_t mcsec_dir_parse(const char *s);
uint8_t mcsec_format_parse(const char *s);
uint8_t mcsec_suite_parse(const char *s);
uint8_t mcsec_parity_parse(const char *s);
bool mcsec_format_is_ts(uint8_t format);
/* Key length without salt; 0 for an unknown suite. */
uint32_t mcsec_suite_key_len(uint8_t suite);
/* Salt length: 4 for the ESP suites, 0 for the TS control word. */
uint32_t mcsec_suite_salt_len(uint8_t suite);

#endif /* LIBMCSEC_H */
