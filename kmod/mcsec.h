/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of mcsec.ko share with each other. Nothing here is ABI:
 * userspace sees only include/uapi/linux/mcsec.h.
 */
#ifndef MCSEC_KMOD_MCSEC_H
#define MCSEC_KMOD_MCSEC_H

#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

/*
 * Per network namespace state. Groups belong to the namespace they were
 * added in, so every table the fast path reads hangs off here rather than
 * being global.
 */
#define MCSEC_HASH_BITS	8
#define MCSEC_HASH_SIZE	(1U << MCSEC_HASH_BITS)

struct mcsec_stats;

struct mcsec_net {
	/*
	 * Serialises writers of this namespace's group table (netlink
	 * requests, namespace teardown). Readers in the packet path will use
	 * RCU and never take it.
	 */
	struct mutex lock;
	struct net *net;
	/* Groups by ID (dumps resume from an ID), under lock. */
	struct xarray groups;
	u32 next_id;
	/* Groups by group address, for the packet path (RCU). */
	struct hlist_head hash[MCSEC_HASH_SIZE];
	/* Groups installed: the hooks' cheapest pre-filter (READ_ONCE). */
	unsigned int n_groups;
	/* Bumped on every change, so that dumps can flag inconsistency. */
	unsigned int genid;
	/* Namespace totals, unmatched packets included. */
	struct mcsec_stats __percpu *stats;
	/* Lifetimes in seconds, and events the packet path asked for. */
	struct delayed_work lifetime_work;
	bool dying;
};

extern unsigned int mcsec_net_id;

static inline struct mcsec_net *mcsec_pernet(const struct net *net)
{
	return net_generic(net, mcsec_net_id);
}

/* Deferred frees and the lifetime worker run here; drained at unload. */
extern struct workqueue_struct *mcsec_wq;

int mcsec_genl_init(void);
void mcsec_genl_exit(void);

struct mcsec_group;
struct mcsec_sa;
/* Sends MCSEC_CMD_EVENT to the "events" group of the SA's namespace. */
void mcsec_nl_event(struct mcsec_net *mn, const struct mcsec_group *g,
		    const struct mcsec_sa *sa, u8 type, u8 limit);

int mcsec_hooks_register(struct net *net);
void mcsec_hooks_unregister(struct net *net);

#endif /* MCSEC_KMOD_MCSEC_H */
