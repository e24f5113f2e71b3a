/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel crypto backend of the shared core: key handles for the suites
 * of the uapi header, and a runner for the jobs of core/job.h.
 *
 * Transforms are allocated when an SA is installed (process context, may
 * sleep), never in the packet path. Only synchronous algorithms are used:
 * the hooks run the jobs inline and cannot wait for a completion.
 */
#ifndef MCSEC_KMOD_CRYPTO_H
#define MCSEC_KMOD_CRYPTO_H

#include <linux/types.h>
#include "job.h"

struct mcsec_key;

/* Largest job array the packet path needs: one job per TS packet. */
#define MCSEC_MAX_JOBS	348

/* Per-CPU scratch the packet path borrows with bottom halves disabled. */
struct mcsec_scratch {
	struct mc_job jobs[MCSEC_MAX_JOBS];
	/* An AEAD request with its context: its size is checked per key. */
	u8 req[1024] __aligned(64);
};

int mcsec_crypto_init(void);
void mcsec_crypto_exit(void);

/*
 * The calling CPU's scratch. The caller must have bottom halves disabled
 * (local_bh_disable() or softirq context) from here until it is done.
 */
struct mcsec_scratch *mcsec_scratch_get(void);

/*
 * A key handle for suite (enum mcsec_suite) from len raw bytes (salt
 * excluded). ERR_PTR(-EINVAL) for a wrong length or suite, or whatever the
 * crypto API said (-ENOENT: algorithm not available). May sleep.
 */
struct mcsec_key *mcsec_key_new(u8 suite, const u8 *raw, u32 len);
/* Wipes and frees the key; NULL is fine. May sleep. */
void mcsec_key_free(struct mcsec_key *key);

/* Runs jobs[0..n) in place and sets each job's status. BHs disabled. */
void mcsec_crypto_run(struct mcsec_scratch *s, struct mc_job *jobs, u32 n);

#endif /* MCSEC_KMOD_CRYPTO_H */
