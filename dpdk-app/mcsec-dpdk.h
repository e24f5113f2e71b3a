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
 *   cdev.c      rte_cryptodev as an option for the ESP AEAD jobs
 */
#ifndef MCSEC_DPDK_H
#define MCSEC_DPDK_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_rcu_qsbr.h>
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
/* Counter rows of SAs (row 0 unused): every group full. */
#define MCD_MAX_SA_ROWS		(MCD_MAX_GROUPS * MCD_MAX_SAS)
#define MCD_L2_MAX		22	/* Ethernet + two VLAN tags */
#define MCD_KEY_MAX		36	/* 32-byte key + 4-byte salt */
#define MCD_PID_MAX		0x1ffe	/* 0x1fff is the null packet */
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

/* Lifetime limits, 0 = unlimited (MCSEC_LIFETIME_A_*). */
struct mcd_lifetime {
	u64 packets, bytes, seconds;
};

/* mcd_sa.events: what the control side already said about the SA. */
enum {
	MCD_SA_SOFT_SENT = 1 << 0,
	MCD_SA_EXHAUSTED_SENT = 1 << 1,
};

struct mcd_sa {
	/* The sender's next sequence number: a burst reserves its block
	 * with one atomic add, so lcores never share a number. */
	u64 next_seq __rte_cache_aligned;
	/* Packets and bytes the SA carried, for its lifetimes: taken before
	 * use, once per SA per burst (xform.c's sa_take, as mcsec.ko's
	 * mcsec_sa_account per packet), read by the main lcore. */
	u64 acct_pkts, acct_bytes;
	/* Set by the lcore whose burst reached a hard limit (or its time):
	 * no packet uses the SA after that; the main lcore then sends the
	 * events and removes it. */
	u8 hard_hit;
	u64 hard_tsc;			/* TSC of the hard seconds limit, 0: none */
	/* Serialises the replay window update (decap_finish) per SA. */
	rte_spinlock_t lock __rte_cache_aligned;
	struct mc_esp_sa esp;		/* ESP SAs */
	struct mc_key *key;
	u32 spi;
	u8 parity;			/* TS SAs: enum mcsec_parity */
	u8 suite;
	u32 flags;			/* MCSEC_SA_F_ESN (ACTIVE is the group's) */
	u32 replay_window;
	/* Control side only (main lcore): lifetimes and their events. */
	struct mcd_lifetime soft, hard;
	u64 seq0;			/* first number sent: packets = seq - seq0 */
	u64 added;			/* mcd_now() when installed */
	u32 row;			/* its counter row (MCSEC_SA_A_STATS) */
	u32 events;			/* MCD_SA_* */
	/* --cryptodev: the SA's session (NULL: the lcores' engines). */
	void *cdev;
	u8 cdev_aad_len;
};

/* The key of the group hash. It is hashed whole, by rte_hash_crc in 64-bit
 * words, hence the alignment (24 bytes, so the size stays). */
struct __attribute__((aligned(8))) mcd_gkey {
	union {
		struct {
			u8 addr[16];
			u16 port;	/* UDP destination port, 0 = any */
			u8 family;
			u8 proto;	/* UDP, or ESP for ESP decrypt groups */
			u8 dir;
			u8 pad[3];
		};
		u64 w[3];
	};
};

/*
 * Fills a key from its fields as three whole words, composed in registers
 * and stored at once: a key written field by field and then read back by
 * the 64-bit compares and the hash would wait on each load for the byte
 * stores under it (no store forwarding across them), a stall per packet.
 */
static inline void mcd_gkey_fill(struct mcd_gkey *k, u8 family,
				 const u8 *addr, u8 proto, u8 dir, u16 port)
{
	u64 a = 0, b = 0;

	RTE_BUILD_BUG_ON(sizeof(*k) != 3 * sizeof(u64));
	RTE_BUILD_BUG_ON(offsetof(struct mcd_gkey, port) != 16 ||
			 offsetof(struct mcd_gkey, family) != 18 ||
			 offsetof(struct mcd_gkey, proto) != 19 ||
			 offsetof(struct mcd_gkey, dir) != 20);
	if (family == MC_AF_INET) {
		u32 v4;

		memcpy(&v4, addr, 4);
		a = v4;
	} else {
		memcpy(&a, addr, 8);
		memcpy(&b, addr + 8, 8);
	}
	k->w[0] = a;
	k->w[1] = b;
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	k->w[2] = port | (u64)family << 16 | (u64)proto << 24 | (u64)dir << 32;
#else
	k->w[2] = (u64)port << 48 | (u64)family << 40 | (u64)proto << 32 |
		  (u64)dir << 24;
#endif
}

static inline bool mcd_gkey_eq(const struct mcd_gkey *x,
			       const struct mcd_gkey *y)
{
	return !((x->w[0] ^ y->w[0]) | (x->w[1] ^ y->w[1]) |
		 (x->w[2] ^ y->w[2]));
}

struct mcd_group {
	u32 id;				/* 1.., unique while it exists */
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
	/*
	 * Read by the workers without locks: every pointer below is stored
	 * with release and loaded with acquire semantics, and an object
	 * unpublished from here is freed only after an RCU grace period.
	 */
	struct mcd_sa *sas[MCD_MAX_SAS];	/* ESP: any slot; TS: unused */
	u32 nsas;				/* writer side count */
	struct mcd_sa *tx_sa;		/* encrypt: the active SA, or NULL */
	/* TS */
	struct mc_ts_cfg ts;
	bool have_pids;
	u8 pid_map[MC_TS_PID_MAP_BYTES];
	u16 *pids;			/* the list as given, for dumps */
	u32 npids;
	struct mcd_sa *parity_sa[2];	/* even, odd */
	u8 tx_parity;			/* enum mcsec_parity, 0: none */
	/* The hash keys the group is published under (writer side). */
	struct mcd_gkey keys[2];
	u32 nkeys;
	/*
	 * Groups that differ only by source share their hash key (keys[0]; ESP
	 * decrypt groups, keyed by address alone, also by port): the hash
	 * holds the first, each links the next (stored with release),
	 * source-specific ones before those for any source, so the first whose
	 * source matches wins, as in mcsec.ko. Required ESP decrypt groups'
	 * cleartext claims (keys[1]) chain the same way through claim_next.
	 */
	struct mcd_group *next, *claim_next;
	bool chained;			/* its keys are such chains' */
	bool committed;
	char name[96];			/* "239.1.2.3:5004 encrypt esp-tunnel" */
};

/*
 * The tables. Workers only look groups up in the hash (lock-free reader
 * concurrency) and follow the group's SA pointers; every change is made by
 * the main lcore (configuration file, control socket, lifetimes), which
 * unpublishes an object, waits for the workers' quiescent states
 * (rte_rcu_qsbr) and only then wipes and frees it. `lock` orders the main
 * lcore's changes to groups[] against the telemetry thread's reads.
 */
struct mcd_tables {
	struct rte_hash *hash;
	struct mcd_group *groups[MCD_MAX_GROUPS];	/* ascending ID */
	u32 ngroups;
	u32 next_id;
	bool slot_used[MCD_MAX_GROUPS + 1];
	u64 retired[MCD_NSTATS];	/* counters of deleted groups */
	bool sa_row_used[MCD_MAX_SA_ROWS + 1];
	u32 genid;			/* bumped by every change */
	/* Source-specific UDP groups for any port: while there are none, a
	 * packet the exact port matched needs no second lookup. */
	u32 src_anyport;
	struct mc_crypto *keyeng;	/* expands keys (main lcore only) */
	struct rte_rcu_qsbr *qsbr;
	rte_spinlock_t lock;
};

extern struct mcd_tables mcd_tab;

bool mcd_tables_init(char *err, size_t errlen);
void mcd_tables_free(void);
struct mcd_group *mcd_group_new(char *err, size_t errlen);
/* Frees a group that was never committed (and its SAs). */
void mcd_group_discard(struct mcd_group *g);
/* Checks the group, chooses its operations, gives it an ID and a counter
 * row and publishes it in the hash. */
bool mcd_group_commit(struct mcd_group *g, char *err, size_t errlen);
/* Unpublishes a committed group, waits a grace period, frees it. */
void mcd_group_del(struct mcd_group *g);
/* Several at once: one grace period for all of them. */
void mcd_groups_del(struct mcd_group **gs, u32 n);
struct mcd_group *mcd_group_by_id(u32 id);
/* Sets MCSEC_GROUP_F_* (REQUIRED claims or frees the cleartext key). */
bool mcd_group_set_flags(struct mcd_group *g, u32 flags, char *err,
			 size_t errlen);
/* The same, 0 or -errno (EEXIST, ENOSPC, EINVAL), for the control socket. */
int mcd_group_publish(struct mcd_group *g, char *err, size_t errlen);
/* Adds an SA to g from raw key material (wiped by the caller). */
int mcd_sa_insert(struct mcd_group *g, const struct mcd_sa *tmpl,
		  const struct mcd_key_material *km, char *err, size_t errlen);
bool mcd_sa_add(struct mcd_group *g, const struct mcd_sa *tmpl,
		const struct mcd_key_material *km, char *err, size_t errlen);
/* Unpublishes an SA (the sender fails closed if it was active), waits a
 * grace period, wipes and frees it. */
void mcd_sa_del(struct mcd_group *g, struct mcd_sa *sa);
struct mcd_sa *mcd_sa_by_spi(const struct mcd_group *g, u32 spi);
struct mcd_sa *mcd_sa_by_parity(const struct mcd_group *g, u8 parity);
bool mcd_sa_is_active(const struct mcd_group *g, const struct mcd_sa *sa);
/* The sender switches to sa (NULL: stops, fails closed). */
void mcd_group_set_tx(struct mcd_group *g, struct mcd_sa *sa);
/* Workers' side of RCU: register and go online before the first lookup,
 * report a quiescent state once per poll loop (no group or SA pointer is
 * held across it), go offline when leaving. */
void mcd_rcu_worker_start(u32 index);
void mcd_rcu_worker_stop(u32 index);
static inline void mcd_rcu_quiescent(u32 index)
{
	rte_rcu_qsbr_quiescent(mcd_tab.qsbr, index);
}
/* Seconds of a monotonic clock (lifetimes). */
u64 mcd_now(void);
bool mcd_format_is_esp(u8 format);

const char *mcd_format_name(u8 format);
const char *mcd_suite_name(u8 suite);
const char *mcd_dir_name(u8 dir);

/* Can the SA still be used (no hard limit reached)? Workers, per burst. */
static inline bool mcd_sa_usable(struct mcd_sa *sa)
{
	return !__atomic_load_n(&sa->hard_hit, __ATOMIC_ACQUIRE);
}

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
	/* --cryptodev: ops that came back done (ok or tag mismatch), ops
	 * the device refused or failed (their packets dropped), jobs run on
	 * the lcore because no op was free. */
	u64 cdev_ops, cdev_failed, cdev_fallback;
};

/* Per lcore: MCD_MAX_GROUPS + 1 rows of MCD_NSTATS counters. */
u64 *mcd_stats_alloc(unsigned int socket);
/* Per lcore: MCD_MAX_SA_ROWS + 1 rows, one per SA (as mcsec.ko's sa->stats). */
u64 *mcd_stats_alloc_sa(unsigned int socket);
void mcd_stats_free(u64 *rows);
static inline void mcd_count(u64 *rows, u32 slot, int stat, u64 v)
{
	rows[(size_t)slot * MCD_NSTATS + (u32)stat] += v;
}
/* Sum of one counter over every lcore (racy reads of 64-bit words). */
u64 mcd_stats_sum(u32 slot, int stat);
/* One row summed over the lcores. */
void mcd_stats_row(u32 slot, u64 out[MCD_NSTATS]);
/* An SA's row summed over the lcores; zeroed when the SA is freed. */
void mcd_stats_sa_row(u32 row, u64 out[MCD_NSTATS]);
void mcd_stats_sa_clear(u32 row);
/* Every counter of the appliance: row 0, every group, deleted groups. */
void mcd_stats_total(u64 out[MCD_NSTATS]);
/* A deleted group's row (after its grace period): added to the totals
 * and zeroed for the next group. Under mcd_tab.lock. */
void mcd_stats_retire(u32 slot);
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
	u16 want_mtu;		/* --mtu: set on every port; 0 = theirs */
	/* Per port id: the largest IP packet it sends (0: the PMD knows no
	 * MTU); a packet the appliance made larger is dropped, counted. */
	u16 mtu[RTE_MAX_ETHPORTS];
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
	u16 tx_mtu;			/* this burst's egress MTU, 0: none */
	u64 *stats;			/* counter rows */
	u64 *sa_stats;			/* the SAs' counter rows */
	struct mcd_lcore_app_stats app;
	struct mcd_slot slots[MCD_BURST];
} __rte_cache_aligned;

extern struct mcd_lcore *mcd_lcores[MCD_MAX_LCORES];
extern volatile bool mcd_quit;
extern bool mcd_unmatched_drop;

struct mcd_lcore *mcd_lcore_new(unsigned int lcore_id, u32 index,
				char *err, size_t errlen);
void mcd_lcore_free(struct mcd_lcore *lc);
/*
 * mcsec-dpdk-bench-stages only (worker.c built with MCD_STAGES): TSC cycles
 * per stage of mcd_burst: classify, order + prepare, crypto, finish, mbuf
 * sync, tx + free; and the packets they were summed over.
 */
#define MCD_NSTAGES		6
extern u64 mcd_stage_cycles[MCD_NSTAGES], mcd_stage_pkts;

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

/* ---- cdev.c: rte_cryptodev as an option ------------------------------- */

struct mcd_cdev {
	bool on;
	int dev;			/* -1: none */
	struct rte_mempool *sess_pool, *op_pool;
	char name[64];			/* "NAME (driver)" */
};

extern struct mcd_cdev mcd_cdev;

/* Finds (or creates, for a vdev name) the crypto device, one queue pair
 * per worker; false with a message. */
bool mcd_cdev_init(const char *name, u16 nqp, char *err, size_t errlen);
void mcd_cdev_close(void);
/* An ESP SA's session from its raw key (without salt), or NULL when the
 * device does not do the suite. */
void *mcd_cdev_session_new(u8 suite, bool encrypt, bool esn, const u8 *key,
			   u32 key_len);
void mcd_cdev_session_free(void *sess);
/* Runs the burst's jobs: the device takes the ESP AEAD jobs of SAs with a
 * session, the lcore's engine the rest. Returns the jobs in MC_JOB_ERROR. */
u32 mcd_cdev_run(struct mcd_lcore *lc, struct mcd_slot **order, u32 n);

/* ---- csum.c -------------------------------------------------------------- */

/* mc_csum_add() with the bulk in AVX-512 or AVX2 when the CPU has it:
 * the same result. */
u32 mcd_csum_add(u32 sum, const u8 *p, u32 len);
/* Which bulk sum to use at most (0 portable, 1 AVX2, 2 AVX-512; the CPU
 * may allow less): the best at start; tests try each. Returns the one
 * chosen. Not while workers run. */
int mcd_csum_select(int simd);
/* mc_udp_csum_update() on top of mcd_csum_add(). */
void mcd_udp_csum_update(u8 *pkt, const struct mc_flow *f);

/* ---- xform.c: the operations a group chooses once --------------------- */

extern const struct mcd_group_ops mcd_ops_esp_encrypt, mcd_ops_esp_decrypt,
	mcd_ops_ts_scramble, mcd_ops_ts_descramble;

/* ---- ops (sa.c) ---------------------------------------------------------- */

/* An SA's counter, as mcsec.ko counts what happened on an SA. */
static inline void mcd_count_sa(struct mcd_lcore *lc, const struct mcd_sa *sa,
				int stat, u64 v)
{
	if (sa)
		lc->sa_stats[(size_t)sa->row * MCD_NSTATS + (u32)stat] += v;
}

/* A slot failed: counted in its group's (and SA's) row and dropped. */
static inline void mcd_slot_drop(struct mcd_lcore *lc, struct mcd_slot *s,
				 int reason)
{
	s->verdict = MCD_V_DROP;
	s->reason = reason;
	s->njobs = 0;
	mcd_count(lc->stats, s->g ? s->g->slot : 0, reason, 1);
	mcd_count_sa(lc, s->sa, reason, 1);
}

#endif /* MCSEC_DPDK_H */
