// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * DPDK telemetry (usertools/dpdk-telemetry.py, or any client of the
 * telemetry socket): the counters under their uapi names, lower case
 * (MCSEC_STAT_A_IN_PKTS_AUTH_FAILED is "in_pkts_auth_failed"; mcsecctl's
 * "in-pkts-auth-failed" with '_', the only separator DPDK's telemetry
 * accepts in a name).
 *   /mcsec/stats       the appliance's totals (MCSEC_CMD_STATS_GET)
 *   /mcsec/groups      the IDs of the groups
 *   /mcsec/group,ID    one group: id, name and its counters
 * The callbacks run on the telemetry thread: they read the group list
 * under mcd_tab.lock, which the main lcore holds while changing it.
 */
#include <stdlib.h>

#include <rte_telemetry.h>

#include "ctl.h"

static void put_counters(struct rte_tel_data *d, const u64 *c)
{
	for (int st = MCSEC_STAT_A_PAD + 1; st <= MCSEC_STAT_A_MAX; st++) {
		const char *n = mcsec_stat_name(st);
		char name[64];
		size_t i;

		if (!n)
			continue;
		for (i = 0; n[i] && i < sizeof(name) - 1; i++)
			name[i] = n[i] == '-' ? '_' : n[i];
		name[i] = 0;
		rte_tel_data_add_dict_u64(d, name, c[st]);
	}
}

static int tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	u64 c[MCD_NSTATS];

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_spinlock_lock(&mcd_tab.lock);
	mcd_stats_total(c);
	rte_spinlock_unlock(&mcd_tab.lock);
	rte_tel_data_start_dict(d);
	put_counters(d, c);
	return 0;
}

static int tel_groups(const char *cmd, const char *params, struct rte_tel_data *d)
{
	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_array(d, RTE_TEL_U64_VAL);
	rte_spinlock_lock(&mcd_tab.lock);
	for (u32 i = 0; i < mcd_tab.ngroups; i++)
		rte_tel_data_add_array_u64(d, mcd_tab.groups[i]->id);
	rte_spinlock_unlock(&mcd_tab.lock);
	return 0;
}

static int tel_group(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct mcd_group *g = NULL;
	char name[sizeof(g->name)];
	u64 c[MCD_NSTATS];
	unsigned long id;
	char *end;

	RTE_SET_USED(cmd);
	if (!params || !*params)
		return -1;
	id = strtoul(params, &end, 0);
	if (*end || !id || id > UINT32_MAX)
		return -1;
	rte_spinlock_lock(&mcd_tab.lock);
	g = mcd_group_by_id((u32)id);
	if (g) {
		mcd_stats_row(g->slot, c);
		snprintf(name, sizeof(name), "%s", g->name);
	}
	rte_spinlock_unlock(&mcd_tab.lock);
	if (!g)
		return -1;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "id", id);
	rte_tel_data_add_dict_string(d, "name", name);
	put_counters(d, c);
	return 0;
}

void mcd_telemetry_init(void)
{
	rte_telemetry_register_cmd("/mcsec/stats", tel_stats,
		"The appliance's counters (uapi names). No parameters");
	rte_telemetry_register_cmd("/mcsec/groups", tel_groups,
		"The IDs of the groups. No parameters");
	rte_telemetry_register_cmd("/mcsec/group", tel_group,
		"One group's name and counters. Parameter: group ID");
}
