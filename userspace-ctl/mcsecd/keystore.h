/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The key server's group state: each group's keys (current, next, old),
 * where its rotation stands, and the state file that keeps all of it
 * across restarts, written atomically (tmp + fsync + rename), mode 0600.
 */
#ifndef MCSECD_KEYSTORE_H
#define MCSECD_KEYSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

struct gkey {
	bool set;
	uint32_t spi;		/* ESP */
	uint8_t parity;		/* TS */
	uint64_t epoch;		/* unique in its group, grows */
	int64_t created;	/* wall clock, ms */
	uint32_t len;
	uint8_t key[MCSECD_KEYMAT_MAX];	/* key || salt */
};

/*
 * A rotation: DISTRIBUTE (next sent to every member, waiting for their
 * acks) -> SWITCH (next became cur, the senders told, waiting for their
 * acks) -> GRACE (old kept until the deadline, then retired) -> IDLE.
 */
enum gphase { PH_IDLE, PH_DISTRIBUTE, PH_SWITCH, PH_GRACE };

struct gstate {
	char name[MCSECD_NAME_MAX + 1];
	uint8_t format, suite;
	uint64_t epoch;			/* the last one given out */
	struct gkey cur, next, old;
	enum gphase phase;
	int64_t deadline;		/* wall ms: this phase ends at the latest */
	int64_t rekey_at;		/* wall ms: the next scheduled rotation */
	uint64_t rotations;
	bool pending;			/* rotate again as soon as this one ends */
	bool live;			/* in the current configuration */
	bool late;			/* SWITCH: a sender is past ack-timeout */
};

struct keystore {
	char path[256];
	int n;
	struct gstate *g;
};

/* Reads the state file (a missing one is an empty state). 0, or -1 with
 * "FILE:LINE: reason" in err. */
int keystore_load(struct keystore *ks, const char *path, char *err, size_t len);
/* Writes the whole state atomically. 0 or -1 (errno, reason in err). */
int keystore_save(const struct keystore *ks, char *err, size_t len);
void keystore_free(struct keystore *ks);

struct gstate *keystore_find(struct keystore *ks, const char *name);
struct gstate *keystore_add(struct keystore *ks, const char *name, uint8_t format,
			    uint8_t suite);
void keystore_del(struct keystore *ks, struct gstate *g);

/* Draws a fresh key for g from getrandom(2): a new epoch, an SPI unused in
 * the group (ESP) or the parity other than cur's (TS). 0 or -errno. */
int keystore_new_key(struct gstate *g, struct gkey *k);
void gkey_wipe(struct gkey *k);

/* Writes buf to path atomically with mode 0600. 0 or -errno. */
int write_atomic(const char *path, const void *buf, size_t len);

const char *gphase_name(enum gphase p);

#endif
