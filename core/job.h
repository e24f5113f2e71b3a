/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Crypto work as the core describes it and a backend runs it.
 *
 * The core never touches a cipher: it parses and builds headers, decides what
 * must be encrypted, decrypted or authenticated, and writes that down as jobs.
 * An environment runs a whole burst of jobs at once (kernel crypto API in
 * mcsec.ko, intel-ipsec-mb in mcsec-pcap and mcsec-dpdk, OpenSSL as the test
 * oracle) and hands them back to the core's finish step. Splitting prepare /
 * crypto / finish is what lets the DPDK appliance batch a burst per SA.
 *
 * AEAD jobs (AES-GCM, AES-GMAC, ChaCha20-Poly1305):
 *   nonce    = iv[0..iv_len)                (salt || explicit IV, 12 bytes)
 *   AAD      = aad[0..aad_len) || aad2[0..aad2_len)
 *              (aad2 is used by GMAC, whose AAD runs over IV and payload)
 *   data     = data[0..len), encrypted or decrypted in place (len 0 for GMAC)
 *   tag      = tag[0..tag_len), written on encrypt, compared on decrypt
 * CBC jobs (MPEG-TS scrambling, AES-128):
 *   data[0..len) in place; the first len - len % 16 bytes are AES-CBC with
 *   iv[0..16); the final len % 16 bytes follow the residual rule:
 *   MC_RESIDUAL_CLEAR  (DVB-CISSA) they stay clear;
 *   MC_RESIDUAL_IDSA   (ATIS-IDSA, DVS-042) they are XORed with
 *                      AES-Encrypt(K, last full ciphertext block, or the IV
 *                      when there is none), on both encrypt and decrypt.
 * The key handle belongs to the backend and carries the algorithm.
 */
#ifndef MCSEC_CORE_JOB_H
#define MCSEC_CORE_JOB_H

#include "compat.h"

enum mc_job_op {
	MC_OP_AEAD_ENCRYPT,
	MC_OP_AEAD_DECRYPT,
	MC_OP_CBC_ENCRYPT,
	MC_OP_CBC_DECRYPT,
};

enum mc_residual {
	MC_RESIDUAL_CLEAR,
	MC_RESIDUAL_IDSA,
};

/* Set by the backend in job->status. */
enum mc_job_status {
	MC_JOB_OK = 0,
	MC_JOB_AUTH_FAILED = 1,		/* AEAD decrypt: tag mismatch */
	MC_JOB_ERROR = 2,		/* the backend could not run it */
};

struct mc_job {
	const void *key;	/* backend key handle */
	u8 *data;
	u32 len;
	u8 *aad2;
	u32 aad2_len;
	u8 *tag;
	u8 op;			/* enum mc_job_op */
	u8 residual;		/* enum mc_residual, CBC jobs */
	u8 status;		/* enum mc_job_status, written by the backend */
	u8 iv_len;
	u8 aad_len;
	u8 tag_len;
	u8 iv[16];
	u8 aad[12];		/* SPI || [seq high] || seq low */
};

#endif /* MCSEC_CORE_JOB_H */
