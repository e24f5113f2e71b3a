/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * mcsecd's configuration: one INI file (inih), two roles.
 *
 * Key server:  [server], then [group NAME] and [member NAME] sections.
 * Member:      [member] (no name): the servers it joins and its fast path.
 *
 * Every error is reported as FILE:LINE: message.
 */
#ifndef MCSECD_CONFIG_H
#define MCSECD_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "proto.h"

#define CFG_PATH_MAX	256
#define CFG_IDENT_MAX	MCSECD_TEXT_MAX
#define CFG_SERVERS_MAX	4
#define CFG_LIST_MAX	64	/* names in one list */

enum cfg_role { CFG_ROLE_NONE, CFG_ROLE_SERVER, CFG_ROLE_MEMBER };
enum cfg_fastpath { CFG_FP_KERNEL = 1, CFG_FP_DPDK, CFG_FP_NONE };

struct cfg_list {
	int n, line;
	char name[CFG_LIST_MAX][MCSECD_NAME_MAX + 1];
};

struct cfg_group {
	char name[MCSECD_NAME_MAX + 1];
	int line;
	uint16_t family;
	uint8_t daddr[16], saddr[16];
	bool has_saddr, has_port;
	uint16_t saddr_family;
	uint16_t port;
	uint8_t format, suite;
	uint32_t flags;		/* MCSEC_GROUP_F_* */
	uint32_t rekey;		/* seconds: ESP key lifetime / TS crypto period */
	struct cfg_list encrypt, decrypt;
};

struct cfg_member {
	char name[MCSECD_NAME_MAX + 1];
	int line;
	char identity[CFG_IDENT_MAX + 1];	/* certificate CN or SAN (DNS) */
	struct cfg_list groups;			/* the channel package */
};

struct cfg_endpoint {
	char host[64];
	uint16_t port;
};

struct cfg_tls {
	char cert[CFG_PATH_MAX], key[CFG_PATH_MAX], ca[CFG_PATH_MAX], crl[CFG_PATH_MAX];
};

struct cfg_server {
	struct cfg_endpoint listen;
	struct cfg_tls tls;
	char state[CFG_PATH_MAX];	/* the state file */
	uint32_t ack_timeout_ms;	/* how long a rotation waits for acks */
	uint32_t grace_ms;		/* old key kept after the switch */
	uint32_t max_members;
};

struct cfg_client {
	int nservers;
	struct cfg_endpoint server[CFG_SERVERS_MAX];
	char server_identity[CFG_IDENT_MAX + 1];	/* checked if set */
	struct cfg_tls tls;
	enum cfg_fastpath fastpath;
	char dpdk_socket[CFG_PATH_MAX];
	uint32_t backoff_min_ms, backoff_max_ms;
};

struct config {
	char file[CFG_PATH_MAX];
	enum cfg_role role;
	struct cfg_server server;
	struct cfg_client client;
	int ngroups, nmembers;
	struct cfg_group *groups;
	struct cfg_member *members;
};

/* Parses path. Returns 0, or -1 with "FILE:LINE: message" in err. */
int config_load(const char *path, struct config *cfg, char *err, size_t err_len);
void config_free(struct config *cfg);

const struct cfg_group *config_group(const struct config *cfg, const char *name);
const struct cfg_member *config_member(const struct config *cfg, const char *name);
/* The member whose identity is ident (NULL: none). */
const struct cfg_member *config_member_by_identity(const struct config *cfg,
						   const char *ident);
/* What a member is in a group: MCSEC_DIR_ENCRYPT, _DECRYPT, or 0 (none). */
uint8_t config_role(const struct config *cfg, const struct cfg_group *g,
		    const struct cfg_member *m);

#endif /* MCSECD_CONFIG_H */
