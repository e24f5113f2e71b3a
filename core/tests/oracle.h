/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The test oracle: runs core jobs with OpenSSL, written straight from the
 * standards and independent of the intel-ipsec-mb backend. Tests only; never
 * in a data path (OpenSSL's GCM is several times slower here).
 */
#ifndef MCSEC_ORACLE_H
#define MCSEC_ORACLE_H

#include "job.h"

struct mc_oracle_key;

struct mc_oracle_key *mc_oracle_key_new(u8 suite, const u8 *raw, u32 len);
void mc_oracle_key_free(struct mc_oracle_key *k);
/* Runs jobs whose key handles are oracle keys; sets each job's status. */
void mc_oracle_run(struct mc_job *jobs, u32 n);

#endif
