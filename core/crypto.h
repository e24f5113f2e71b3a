/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The userspace crypto backend: runs core jobs with intel-ipsec-mb. Shared
 * by mcsec-pcap and mcsec-dpdk. Not part of the freestanding core: it links
 * against libIPSec_MB and libc. One engine per thread.
 */
#ifndef MCSEC_CORE_CRYPTO_H
#define MCSEC_CORE_CRYPTO_H

#include "job.h"

struct mc_crypto;
struct mc_key;

/* NULL when the library or CPU cannot run (errno says why). */
struct mc_crypto *mc_crypto_new(void);
void mc_crypto_free(struct mc_crypto *c);
/* Which code path the library chose (e.g. "avx512"), for logs and benches. */
const char *mc_crypto_arch(const struct mc_crypto *c);

/*
 * Expand raw key bytes for a suite (enum mcsec_suite). The salt is not part
 * of the key: the core puts it in each job's nonce. Returns NULL when the
 * length is wrong for the suite or the suite is unknown. The raw bytes may
 * be wiped by the caller afterwards.
 */
struct mc_key *mc_key_new(struct mc_crypto *c, u8 suite, const u8 *raw,
			  u32 len);
/* Wipes the expanded key before freeing it. */
void mc_key_free(struct mc_key *k);

/*
 * Runs jobs[0..n) and sets each job's status. Returns how many got
 * MC_JOB_ERROR (the backend could not run them), so that a caller can skip
 * looking when none did; a failed tag check is not an error.
 */
u32 mc_crypto_run(struct mc_crypto *c, struct mc_job *jobs, u32 n);

#endif /* MCSEC_CORE_CRYPTO_H */
