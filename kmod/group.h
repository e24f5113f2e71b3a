/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Groups and SAs of one network namespace.
 *
 * Readers (the netfilter hooks) walk the tables under RCU and never block;
 * writers (netlink requests, the lifetime worker, namespace teardown) hold
 * mcsec_net.lock. Objects are unpublished first and freed after a grace
 * period, in process context (rcu_work), because freeing a crypto transform
 * is not something to do from an RCU callback in softirq.
 */
#ifndef MCSEC_KMOD_GROUP_H
#define MCSEC_KMOD_GROUP_H

#include <linux/atomic.h>
#include <linux/in6.h>
#include <linux/spinlock.h>
#include <linux/u64_stats_sync.h>
#include <linux/workqueue.h>
#include <uapi/linux/mcsec.h>

#include "esp.h"
#include "ts.h"

struct mcsec_net;
struct mcsec_key;

/* ESP SAs a group may hold at once: old, current and next of a rotation. */
#define MCSEC_GROUP_MAX_SA	4

union mcsec_addr {
	__be32 v4;
	struct in6_addr v6;
	u8 b[16];
};

/* Per-CPU counters, indexed by MCSEC_STAT_A_*. */
struct mcsec_stats {
	u64 c[MCSEC_STAT_A_MAX + 1];
	struct u64_stats_sync syncp;
};

struct mcsec_lifetime {
	u64 packets;	/* 0 = unlimited, as the uapi says */
	u64 bytes;
	u64 seconds;
};

/* What names a group: two groups never share all of it. */
struct mcsec_match {
	u16 family;		/* AF_INET or AF_INET6 */
	u8 dir;			/* enum mcsec_dir */
	bool has_saddr;
	u16 port;		/* UDP destination port, 0 = any */
	int ifindex;		/* input interface, 0 = any */
	union mcsec_addr daddr;
	union mcsec_addr saddr;
};

/* Bits of mcsec_sa.state: each event is sent once. */
enum {
	MCSEC_SA_SOFT_HIT,	/* a soft limit was reached */
	MCSEC_SA_SOFT_SENT,
	MCSEC_SA_HARD_HIT,	/* a hard limit was reached: stop using it */
	MCSEC_SA_EXHAUSTED,	/* sequence space spent */
	MCSEC_SA_EXHAUSTED_SENT,
};

struct mcsec_sa_cfg {
	u32 spi;		/* ESP */
	u8 parity;		/* TS */
	u8 suite;
	u32 flags;		/* MCSEC_SA_F_* */
	const u8 *key;
	u32 key_len;
	const u8 *salt;		/* ESP: MC_SALT_LEN bytes */
	u64 seq;		/* first sequence number to send */
	u32 replay_window;
	struct mcsec_lifetime soft, hard;
};

struct mcsec_sa {
	struct mcsec_group *group;
	u32 spi;
	u8 parity;
	u8 suite;
	u32 flags;		/* MCSEC_SA_F_ESN only; ACTIVE is the group's */
	struct mcsec_key *key;
	/* ESP parameters for the core; replay state updated under lock. */
	struct mc_esp_sa esp;
	spinlock_t lock;
	atomic64_t seq_next;	/* sender: next sequence number, 0 = spent */
	u32 replay_window;
	struct mcsec_lifetime soft, hard;
	time64_t added;		/* ktime_get_seconds() when installed */
	atomic64_t pkts;	/* for the lifetimes */
	atomic64_t bytes;
	unsigned long state;
	struct mcsec_stats __percpu *stats;
	struct rcu_work free_work;
};

struct mcsec_group {
	struct hlist_node hnode;	/* mcsec_net.hash, by group address */
	struct mcsec_net *mn;
	u32 id;
	struct mcsec_match m;
	u8 format;			/* enum mcsec_format */
	u8 tx_parity;			/* TS scrambler parity, READ_ONCE */
	u32 flags;			/* MCSEC_GROUP_F_*, READ_ONCE */
	u16 *pids;			/* as given, for dumps */
	u32 n_pids;
	struct mc_ts_cfg ts;		/* ts.pid_map built from pids */
	struct mcsec_sa __rcu *sa[MCSEC_GROUP_MAX_SA];	/* TS: [parity - 1] */
	struct mcsec_sa __rcu *tx_sa;	/* ESP sender's SA */
	struct mcsec_stats __percpu *stats;
	struct rcu_work free_work;
};

struct mcsec_group_cfg {
	struct mcsec_match m;
	u8 format;
	u32 flags;
	const u16 *pids;
	u32 n_pids;
};

static inline bool mcsec_format_is_ts(u8 format)
{
	return format == MCSEC_FORMAT_TS_CISSA ||
	       format == MCSEC_FORMAT_TS_IDSA;
}

int mcsec_groups_init(struct mcsec_net *mn);
void mcsec_groups_exit(struct mcsec_net *mn);

/* Writers: all of these need mn->lock. */
struct mcsec_group *mcsec_group_add(struct mcsec_net *mn,
				    const struct mcsec_group_cfg *cfg);
struct mcsec_group *mcsec_group_by_id(struct mcsec_net *mn, u32 id);
struct mcsec_group *mcsec_group_by_match(struct mcsec_net *mn,
					 const struct mcsec_match *m);
void mcsec_group_del(struct mcsec_group *g);
void mcsec_groups_flush(struct mcsec_net *mn);
void mcsec_group_set_flags(struct mcsec_group *g, u32 flags);
int mcsec_group_set_tx_parity(struct mcsec_group *g, u8 parity);
int mcsec_group_set_tx_spi(struct mcsec_group *g, u32 spi);

struct mcsec_sa *mcsec_sa_add(struct mcsec_group *g,
			      const struct mcsec_sa_cfg *cfg);
struct mcsec_sa *mcsec_sa_find(struct mcsec_group *g, u32 spi, u8 parity);
void mcsec_sa_del(struct mcsec_sa *sa);
bool mcsec_sa_is_active(struct mcsec_sa *sa);
/* Bumps the namespace generation: dumps in progress see a change. */
void mcsec_changed(struct mcsec_net *mn);

/* Readers: RCU and bottom halves disabled. */
struct mcsec_group *mcsec_lookup(struct mcsec_net *mn, u16 family,
				 const void *daddr, const void *saddr,
				 u16 dport, int ifindex, u8 dir, bool esp);
struct mcsec_sa *mcsec_lookup_esp(struct mcsec_net *mn, u16 family,
				  const void *daddr, const void *saddr,
				  int ifindex, u32 spi, struct mcsec_group **gp);
struct mcsec_sa *mcsec_group_tx_sa(struct mcsec_group *g);
/* Next sequence number for the sender, 0 when the space is spent. */
u64 mcsec_sa_next_seq(struct mcsec_sa *sa);
/*
 * Counts a packet against the SA's lifetimes. False when a hard limit is
 * reached (the packet must not use the SA); crossing a limit wakes the
 * lifetime worker, which sends the events and removes the SA.
 */
bool mcsec_sa_account(struct mcsec_sa *sa, u32 bytes);
bool mcsec_sa_usable(const struct mcsec_sa *sa);

/* Counters. */
struct mcsec_stats __percpu *mcsec_stats_alloc(void);
void mcsec_stats_add(struct mcsec_stats __percpu *st, unsigned int idx,
		     u64 n);
void mcsec_stats_read(struct mcsec_stats __percpu *st,
		      u64 out[MCSEC_STAT_A_MAX + 1]);

#endif /* MCSEC_KMOD_GROUP_H */
