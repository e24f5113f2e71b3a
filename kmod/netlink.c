// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "mcsec": the one way userspace talks to the
 * module. The messages are documented in include/uapi/linux/mcsec.h.
 *
 * The family carries no operations yet. genl_register_family() accepts
 * that (genl_validate_ops() only checks the ops it is given), and the
 * genetlink core answers every command with -EOPNOTSUPP on its own, which
 * is exactly the truth until the handlers exist.
 */
#include <net/genetlink.h>
#include <uapi/linux/mcsec.h>

#include "mcsec.h"

/* Indexes into mcsec_mcgrps[], as genlmsg_multicast_netns() wants them. */
enum mcsec_mcgrp {
	MCSEC_MCGRP_EVENTS_IDX,
};

static const struct genl_multicast_group mcsec_mcgrps[] = {
	[MCSEC_MCGRP_EVENTS_IDX] = { .name = MCSEC_MCGRP_EVENTS },
};

static struct genl_family mcsec_genl_family __ro_after_init = {
	.name = MCSEC_GENL_NAME,
	.version = MCSEC_GENL_VERSION,
	.maxattr = MCSEC_A_MAX,
	/* Each namespace has its own groups: requests act on the caller's. */
	.netnsok = true,
	/*
	 * A new family validates every command strictly: no attribute may be
	 * unknown or trailing, reserved header fields must be zero.
	 */
	.resv_start_op = MCSEC_CMD_MAX + 1,
	.mcgrps = mcsec_mcgrps,
	.n_mcgrps = ARRAY_SIZE(mcsec_mcgrps),
	.module = THIS_MODULE,
};

int __init mcsec_genl_init(void)
{
	return genl_register_family(&mcsec_genl_family);
}

void __exit mcsec_genl_exit(void)
{
	genl_unregister_family(&mcsec_genl_family);
}
