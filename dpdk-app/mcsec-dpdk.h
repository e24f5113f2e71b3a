/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * mcsec-dpdk: the DPDK appliance. Split by concern:
 *   main.c      EAL, application options, launching the lcores, exit
 *   config.c    the configuration file (groups and SAs)
 *   keyfile.c   key files (hex, '#' comments)
 *   sa.c        groups and SAs at run time: keys, the group hash, the
 *               per-group prepare/finish operations chosen once
 *   port.c      ports, queues, RSS, the mbuf pool
 *   classify.c  Ethernet and IP parse, the bulk group lookup of a burst
 *   worker.c    the lcore loop: rx, classify, group by SA, one crypto call,
 *               finish, tx
 *   xform.c     the per-group operations: ESP encap/decap, TS scramble and
 *               descramble, sequence number reservation
 *   stats.c     per-lcore counters, summed on read
 */
#ifndef MCSEC_DPDK_H
#define MCSEC_DPDK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_common.h>
#include <rte_spinlock.h>

#include "compat.h"
#include "crypto.h"
#include "esp.h"
#include "pkt.h"
#include "ts.h"
#include <uapi/linux/mcsec.h>

#define MCD_NAME		"mcsec-dpdk"
#define MCD_BURST		32
#define MCD_MAX_PORTS		16
#define MCD_MAX_LCORES		RTE_MAX_LCORE
#define MCD_MAX_GROUPS		1024
#define MCD_MAX_SAS		4	/* per ESP group: rotation needs 2 */
#define MCD_L2_MAX		22	/* Ethernet + two VLAN tags */
#define MCD_KEY_MAX		36	/* 32-byte key + 4-byte salt */
/* Jobs of one burst: one per ESP packet, one per TS packet of a datagram. */
#define MCD_JOBS		(MCD_BURST * MC_TS_MAX_PER_DGRAM)

/* Counters: the uapi's MCSEC_STAT_A_* rows, per group (row 0: no group). */
#define MCD_NSTATS		(MCSEC_STAT_A_MAX + 1)

enum mcd_role {
	MCD_ROLE_ENCRYPT = 1 << 0,	/* apply encrypt groups */
	MCD_ROLE_DECRYPT = 1 << 1,	/* apply decrypt groups */
	MCD_ROLE_BOTH = MCD_ROLE_ENCRYPT | MCD_ROLE_DECRYPT,
};

/* ---- keyfile.c ----------------------------------------------------------- */

struct mcd_key_material {
	u8 bytes[MCD_KEY_MAX];
	u32 len;
};

/*
 * Reads hex from path ('#' to end of line is a comment, whitespace is
 * ignored) into km, expecting exactly `expected` bytes. On error writes a
 * message into err and returns false; the key material is wiped.
 */
bool mcd_key_file_read(const char *path, u32 expected,
		       struct mcd_key_material *km, char *err, size_t errlen);
void mcd_key_wipe(struct mcd_key_material *km);

/* ---- sa.c: groups and SAs at run time ----------------------------------- */

struct mcd_group;
struct mcd_sa;
struct mcd_slot;
struct mcd_lcore;

/*
 * What a group does to the packets of one SA in a burst, chosen once when
 * the group is created (by format and direction). prepare fills the slots'
 * jobs; finish runs after the burst's single crypto call.
 */
struct mcd_group_ops {
	void (*prepare)(struct mcd_lcore *lc, struct mcd_group *g,
			struct mcd_sa *sa, struct mcd_slot **s, u32 n);
	void (*finish)(struct mcd_lcore *lc, struct mcd_group *g,
		       struct mcd_sa *sa, struct mcd_slot **s, u32 n);
};

struct mcd_sa {
	/* The sender's next sequence number: a burst reserves its block
	 * with one atomic add, so lcores never share a number. */
	u64 next_seq __rte_cache_aligned;
	/* Serialises the replay window update (decap_finish) per SA. */
	rte_spinlock_t lock __rte_cache_aligned;
	struct mc_esp_sa esp;		/* ESP SAs */
	struct mc_key *key;
	u32 spi;
	u8 parity;			/* TS SAs: enum mcsec_parity */
	u8 suite;
	u32 flags;			/* MCSEC_SA_F_* */
	u32 replay_window;
};

struct mcd_group {
	u32 id;				/* 1.. */
	u32 slot;			/* index of its counter row */
	u8 family;
	u8 daddr[16];
	bool have_saddr;
	u8 saddr[16];
	u16 port;
	u8 dir;				/* enum mcsec_dir */
	u8 format;			/* enum mcsec_format */
	u32 flags;			/* MCSEC_GROUP_F_* */
	const struct mcd_group_ops *ops;
	/* ESP */
	struct mcd_sa *sas[MCD_MAX_SAS];
	u32 nsas;
	struct mcd_sa *tx_sa;		/* encrypt: the active SA, or NULL */
	/* TS */
	struct mc_ts_cfg ts;
	bool have_pids;
	u8 pid_map[MC_TS_PID_MAP_BYTES];
	struct mcd_sa *parity_sa[2];	/* even, odd */
	u8 tx_parity;			/* enum mcsec_parity */
	char name[96];			/* "239.1.2.3:5004 encrypt esp-tunnel" */
};

/* The key of the group hash. Zeroed before filling: it is hashed whole. */
struct mcd_gkey {
	u8 addr[16];
	u16 port;			/* UDP destination port, 0 = any */
	u8 family;
	u8 proto;			/* UDP, or ESP for ESP decrypt groups */
	u8 dir;
	u8 pad[3];
};

struct mcd_tables {
	struct rte_hash *hash;
	struct mcd_group *groups[MCD_MAX_GROUPS];
	u32 ngroups;
	struct mc_crypto *keyeng;	/* expands keys (main lcore only) */
};

extern struct mcd_tables mcd_tab;

bool mcd_tables_init(char *err, size_t errlen);
void mcd_tables_free(void);
struct mcd_group *mcd_group_new(char *err, size_t errlen);
/* Checks the group, chooses its operations and inserts it in the hash. */
bool mcd_group_commit(struct mcd_group *g, char *err, size_t errlen);
/* Adds an SA to g from raw key material (wiped by the caller). */
bool mcd_sa_add(struct mcd_group *g, const struct mcd_sa *tmpl,
		const struct mcd_key_material *km, char *err, size_t errlen);
struct mcd_sa *mcd_sa_by_spi(const struct mcd_group *g, u32 spi);
void mcd_gkey_fill(struct mcd_gkey *k, u8 family, const u8 *addr, u8 proto,
		   u8 dir, u16 port);

const char *mcd_format_name(u8 format);
const char *mcd_suite_name(u8 suite);
const char *mcd_dir_name(u8 dir);

/* ---- config.c ------------------------------------------------------------ */

/* Reads the configuration file into mcd_tab; false with a message. */
bool mcd_config_load(const char *path, char *err, size_t errlen);

/* ---- stats.c ------------------------------------------------------------- */

struct mcd_lcore_app_stats {
	u64 rx, tx, tx_full;		/* tx_full: the tx ring refused them */
	u64 processed;			/* rx'ed and either sent or freed */
	u64 crypto_errors;		/* the backend could not run a job */
	u64 busy_cycles;		/* TSC cycles spent on non-empty bursts */
	u64 bursts;
};

/* Per lcore: MCD_MAX_GROUPS + 1 rows of MCD_NSTATS counters. */
u64 *mcd_stats_alloc(unsigned int socket);
void mcd_stats_free(u64 *rows);
static inline void mcd_count(u64 *rows, u32 slot, int stat, u64 v)
{
	rows[(size_t)slot * MCD_NSTATS + (u32)stat] += v;
}
/* Sum of one counter over every lcore (racy reads of 64-bit words). */
u64 mcd_stats_sum(u32 slot, int stat);
void mcd_stats_print(FILE *f);

/* ---- port.c -------------------------------------------------------------- */

struct mcd_port_cfg {
	u16 rx;			/* port id */
	u16 tx;			/* its peer: processed packets leave here */
	u8 role;		/* enum mcd_role */
};

struct mcd_ports {
	struct mcd_port_cfg map[MCD_MAX_PORTS];
	u32 n;
	u16 nq;			/* rx and tx queues per port: one per worker */
	struct rte_mempool *pool;
};

extern struct mcd_ports mcd_ports;

bool mcd_ports_init(u16 nq, u32 mbuf_data_room, char *err, size_t errlen);
void mcd_ports_stop(void);

/* ---- worker.c ------------------------------------------------------------ */

/* One rx queue an lcore polls and where its packets go. */
struct mcd_rxq {
	u16 port, queue;
	u16 tx_port, tx_queue;
	u8 role;
};

/* Per-packet state through one burst. */
struct mcd_slot {
	struct rte_mbuf *m;
	struct mcd_group *g;
	struct mcd_sa *sa;
	struct mc_pkt pkt;
	struct mc_flow flow;
	struct mc_esp_rx rx;
	struct mc_ts_tally tally;
	u32 job0, njobs;
	u32 in_len;			/* IP bytes before the transform */
	int reason;			/* 0, or why it is dropped */
	u8 verdict;			/* enum mcd_verdict */
	u8 l2_len;
	bool udp_csum_zero;
	bool done;			/* decrypted already by prepare */
	u8 l2[MCD_L2_MAX];
};

enum mcd_verdict {
	MCD_V_FORWARD,		/* unmatched, forwarded unchanged */
	MCD_V_DROP,
	MCD_V_WORK,		/* the group's: transformed */
};

struct mcd_lcore {
	unsigned int lcore_id;
	u32 index;			/* worker number, = its queue */
	struct mcd_rxq rxq[MCD_MAX_PORTS];
	u32 nrxq;
	struct mc_crypto *c;
	struct mc_job *jobs;		/* MCD_JOBS */
	u32 njobs;
	u64 *stats;			/* counter rows */
	struct mcd_lcore_app_stats app;
	struct mcd_slot slots[MCD_BURST];
} __rte_cache_aligned;

extern struct mcd_lcore *mcd_lcores[MCD_MAX_LCORES];
extern volatile bool mcd_quit;
extern bool mcd_unmatched_drop;

struct mcd_lcore *mcd_lcore_new(unsigned int lcore_id, u32 index,
				char *err, size_t errlen);
void mcd_lcore_free(struct mcd_lcore *lc);
/* Processes one received burst and transmits it (the loop's body). */
void mcd_burst(struct mcd_lcore *lc, const struct mcd_rxq *q,
	       struct rte_mbuf **pkts, u16 n);
/* rte_eal_remote_launch entry: polls its queues until mcd_quit. */
int mcd_worker_main(void *arg);

/* ---- classify.c ---------------------------------------------------------- */

/*
 * Classifies slots[0..n) of a burst received on a port of the given role:
 * sets verdict, g and (ESP) sa, reason for drops, and prepares pkt (the
 * core's view of the mbuf) for the packets to work on.
 */
void mcd_classify(struct mcd_lcore *lc, struct mcd_slot *s, u32 n, u8 role);
/* Makes the mbuf match the core's new packet bounds; rewrites Ethernet. */
void mcd_mbuf_sync(struct mcd_slot *s);

/* ---- xform.c: the operations a group chooses once --------------------- */

extern const struct mcd_group_ops mcd_ops_esp_encrypt, mcd_ops_esp_decrypt,
	mcd_ops_ts_scramble, mcd_ops_ts_descramble;

/* ---- ops (sa.c) ---------------------------------------------------------- */

/* A slot failed: counted in its group's row and dropped. */
static inline void mcd_slot_drop(struct mcd_lcore *lc, struct mcd_slot *s,
				 int reason)
{
	s->verdict = MCD_V_DROP;
	s->reason = reason;
	s->njobs = 0;
	mcd_count(lc->stats, s->g ? s->g->slot : 0, reason, 1);
}

#endif /* MCSEC_DPDK_H */
