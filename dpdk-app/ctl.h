/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The control socket: a UNIX SOCK_SEQPACKET socket serving the generic
 * netlink messages of include/uapi/linux/mcsec.h exactly as mcsec.ko does
 * (family id MCSEC_DPDK_FAMILY_ID, libmcsec.h). Split by concern:
 *   ctl.c      the socket: listening, peer credentials, connections,
 *              the main lcore's poll, event delivery
 *   ctl_cmd.c  the requests, as kmod/netlink.c answers them
 *   nl.c       policies, extack, acks and dump packets (the netlink core)
 *   lifetime.c SA lifetimes and sequence exhaustion: events, expiry
 */
#ifndef MCSEC_DPDK_CTL_H
#define MCSEC_DPDK_CTL_H

#include <stdbool.h>
#include <sys/types.h>

#include "libmcsec.h"
#include "mcsec-dpdk.h"
#include "nl.h"

struct mcd_conn {
	int fd;
	bool allowed;		/* root, or the appliance's own uid */
	bool events;		/* subscribed (MCSEC_CMD_EVENT) */
	bool lost;		/* an event did not fit: ENOBUFS owed */
	uid_t uid;
};

/* ctl.c: false with a message when the socket cannot be set up. */
bool mcd_ctl_open(const char *path, char *err, size_t errlen);
/* Serves the socket for up to timeout_ms (main lcore). */
void mcd_ctl_poll(int timeout_ms);
void mcd_ctl_close(void);
/* Sends an event to every subscribed connection. */
void mcd_ctl_event(const struct mcd_group *g, const struct mcd_sa *sa,
		   u8 type, u8 limit);
/* A message that outlives the buffer it was written in (extack). */
const char *mcd_ctl_msg(const char *msg);

/* ctl_cmd.c */
void mcd_ctl_request(struct mcd_conn *c, const void *buf, int len,
		     struct mcd_out *o);
void mcd_ctl_event_msg(struct mcd_out *o, const struct mcd_group *g,
		       const struct mcd_sa *sa, u8 type, u8 limit);

/* lifetime.c: checks every SA (main lcore, a few times a second). */
void mcd_lifetimes_check(void);

/* telemetry.c: the /mcsec/ commands of DPDK telemetry. */
void mcd_telemetry_init(void);

#endif /* MCSEC_DPDK_CTL_H */
