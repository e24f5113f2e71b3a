// SPDX-License-Identifier: GPL-2.0
/*
 * mcsec.ko: module lifetime and per network namespace state.
 *
 * Bring-up order matters: the per-namespace state must exist before the
 * netlink family makes the module reachable from userspace, and the family
 * must be gone before that state is torn down, so that no request can ever
 * find a namespace without its mcsec_net.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <net/genetlink.h>
#include <uapi/linux/mcsec.h>

#include "crypto.h"
#include "group.h"
#include "mcsec.h"

unsigned int mcsec_net_id __read_mostly;
struct workqueue_struct *mcsec_wq __read_mostly;

static int __net_init mcsec_net_init(struct net *net)
{
	struct mcsec_net *mn = mcsec_pernet(net);
	int err;

	mutex_init(&mn->lock);
	mn->net = net;
	err = mcsec_groups_init(mn);
	if (err)
		goto err_groups;
	err = mcsec_hooks_register(net);
	if (err)
		goto err_hooks;
	return 0;

err_hooks:
	mcsec_groups_exit(mn);
err_groups:
	free_percpu(mn->stats);
	mutex_destroy(&mn->lock);
	return err;
}

static void __net_exit mcsec_net_exit(struct net *net)
{
	struct mcsec_net *mn = mcsec_pernet(net);

	/* No packet may find the tables while they are torn down. */
	mcsec_hooks_unregister(net);
	mcsec_groups_exit(mn);
	mutex_destroy(&mn->lock);
}

/*
 * .id and .size make the netns core allocate a zeroed struct mcsec_net for
 * every namespace, the ones that exist at load time included, and free it
 * after .exit: no allocation or list of our own to get wrong.
 */
static struct pernet_operations mcsec_net_ops = {
	.init = mcsec_net_init,
	.exit = mcsec_net_exit,
	.id = &mcsec_net_id,
	.size = sizeof(struct mcsec_net),
};

static int __init mcsec_init(void)
{
	int ret;

	mcsec_wq = alloc_workqueue("mcsec", 0, 0);
	if (!mcsec_wq)
		return -ENOMEM;

	ret = mcsec_crypto_init();
	if (ret)
		goto err_crypto;

	ret = register_pernet_subsys(&mcsec_net_ops);
	if (ret)
		goto err_pernet;

	ret = mcsec_genl_init();
	if (ret)
		goto err_genl;

	pr_info("secure multicast fast path loaded\n");
	return 0;

err_genl:
	unregister_pernet_subsys(&mcsec_net_ops);
err_pernet:
	mcsec_crypto_exit();
err_crypto:
	destroy_workqueue(mcsec_wq);
	return ret;
}

static void __exit mcsec_exit(void)
{
	mcsec_genl_exit();
	unregister_pernet_subsys(&mcsec_net_ops);
	/*
	 * Objects freed by the namespaces' exit wait for a grace period and
	 * then for a work item: let the callbacks queue their work, then
	 * drain it, before the code that runs it goes away.
	 */
	rcu_barrier();
	destroy_workqueue(mcsec_wq);
	mcsec_crypto_exit();
}

module_init(mcsec_init);
module_exit(mcsec_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Secure multicast and IPTV fast path (group ESP, MPEG-TS scrambling)");
MODULE_ALIAS_GENL_FAMILY(MCSEC_GENL_NAME);
