/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of mcsec.ko share with each other. Nothing here is ABI:
 * userspace sees only include/uapi/linux/mcsec.h.
 */
#ifndef MCSEC_KMOD_MCSEC_H
#define MCSEC_KMOD_MCSEC_H

#include <linux/mutex.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

/*
 * Per network namespace state. Groups belong to the namespace they were
 * added in, so every table the fast path reads hangs off here rather than
 * being global.
 */
struct mcsec_net {
	/*
	 * Serialises writers of this namespace's group table (netlink
	 * requests, namespace teardown). Readers in the packet path will use
	 * RCU and never take it.
	 */
	struct mutex lock;
};

extern unsigned int mcsec_net_id;

static inline struct mcsec_net *mcsec_pernet(const struct net *net)
{
	return net_generic(net, mcsec_net_id);
}

int mcsec_genl_init(void);
void mcsec_genl_exit(void);

#endif /* MCSEC_KMOD_MCSEC_H */
