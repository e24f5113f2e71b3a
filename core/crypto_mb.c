// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The userspace crypto backend of crypto.h on intel-ipsec-mb (1.3).
 *
 * One IMB_MGR per engine; an engine belongs to one thread. Each kind of job
 * takes the library's fastest path for it on one core (bench/ measures these
 * against the best of the library's paths for the same bytes):
 *   - AES-GCM (and GMAC with a contiguous AAD): the direct GCM API, one call
 *     per job; the library has no multi-buffer GCM, and the job API only adds
 *     its bookkeeping in front of the same code;
 *   - AES-128-CBC (MPEG-TS): the jobs of a burst are batched by direction and
 *     run by the synchronous cipher burst API (IMB_SUBMIT_CIPHER_BURST), which
 *     fills every SIMD lane; CBC encryption is serial within a packet, so that
 *     is where the speed is. DVB-CISSA runs the full blocks and leaves the
 *     residual clear. ATIS-IDSA's residual (DVS-042: XOR with AES-Encrypt(K,
 *     last full ciphertext block, or the IV below one block), on both
 *     directions) is one AES block through IMB_AES128_CFB_ONE: before the
 *     in-place CBC decryption overwrites that ciphertext block, after the CBC
 *     encryption produced it. This is the rule of the library's DOCSIS BPI
 *     mode, spelled out;
 *   - ChaCha20-Poly1305: the job API (get_next_job / submit_job / flush_job),
 *     interleaved across its lanes.
 * Jobs whose AAD is split (aad2_len != 0, RFC 4543 GMAC puts IV..trailer
 * there) run synchronously: GMAC (nothing to encrypt) through the library's
 * GMAC init/update/finalize, which is GCM with an empty plaintext; anything
 * else through a bounded copy of the AAD and the one-shot direct API.
 * The library computes tags but does not compare them: decrypt jobs write
 * the tag into a buffer of the engine and it is compared here in constant
 * time. Tag buffers and GCM contexts are wiped once per mc_crypto_run().
 *
 * Expanded GCM keys hold precomputed GHASH tables in the layout of the code
 * path the engine chose; keys are meant for engines of the same machine
 * (init_mb_mgr_auto picks the same path for all of them).
 */
#include "crypto.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define NO_COMPAT_IMB_API_053
#include <intel-ipsec-mb.h>

#include "suite.h"

/* Job API (ChaCha20-Poly1305) jobs in flight between two flushes; each has
 * its own tag buffer. */
#define MC_MB_CHUNK		64
/* CBC jobs per cipher burst call: the library's maximum, which it runs
 * fastest (CBC encryption fills its 16 lanes from it). */
#define MC_CBC_BATCH		IMB_MAX_BURST_SIZE
#define MC_TAG_MAX		16
/* The bounded copy of aad || aad2 for the rare split-AAD AEAD job. */
#define MC_AAD_COPY_MAX		(12 + 65535)

struct mc_key {
	union {
		struct gcm_key_data gcm;		/* GCM and GMAC suites */
		struct {
			DECLARE_ALIGNED(u32 enc[4 * 15], 16);
			DECLARE_ALIGNED(u32 dec[4 * 15], 16);
		} cbc;					/* AES-128-CBC */
		u8 chacha[32];				/* ChaCha20-Poly1305 */
	} u;
	u8 suite;
} __attribute__((aligned(64)));

/* CBC jobs of one direction waiting for one cipher burst call. */
struct mc_cbc_batch {
	IMB_JOB ij[MC_CBC_BATCH];
	struct mc_job *j[MC_CBC_BATCH];
	u32 n;
};

struct mc_crypto {
	IMB_MGR *mgr;
	IMB_ARCH arch;
	u8 tags[MC_MB_CHUNK][MC_TAG_MAX] __attribute__((aligned(16)));
	u8 tag[MC_TAG_MAX];	/* the direct GCM API's computed tag */
	struct gcm_context_data gcm;	/* the direct GCM API's context */
	u8 zero[16];		/* src for zero-length jobs */
	u8 *aad_copy;		/* MC_AAD_COPY_MAX bytes, allocated on first use */
	struct mc_cbc_batch cbc[2];	/* [0] encrypt, [1] decrypt */
	u32 errors;		/* MC_JOB_ERROR jobs of this mc_crypto_run */
};

/* The backend could not run j. */
static void job_error(struct mc_crypto *c, struct mc_job *j)
{
	j->status = MC_JOB_ERROR;
	c->errors++;
}

static void wipe(void *p, size_t n)
{
	imb_clear_mem(p, n);
}

static void cbc_init(struct mc_crypto *c);

struct mc_crypto *mc_crypto_new(void)
{
	struct mc_crypto *c = aligned_alloc(64, (sizeof(*c) + 63) & ~(size_t)63);

	if (!c) {
		errno = ENOMEM;
		return NULL;
	}
	memset(c, 0, sizeof(*c));
	c->mgr = alloc_mb_mgr(0);
	if (!c->mgr) {
		free(c);
		errno = ENOMEM;
		return NULL;
	}
	c->arch = IMB_ARCH_NONE;
	init_mb_mgr_auto(c->mgr, &c->arch);
	if (imb_get_errno(c->mgr) || c->arch == IMB_ARCH_NONE) {
		free_mb_mgr(c->mgr);
		free(c);
		errno = ENOTSUP;
		return NULL;
	}
	cbc_init(c);
	return c;
}

void mc_crypto_free(struct mc_crypto *c)
{
	if (!c)
		return;
	free_mb_mgr(c->mgr);
	if (c->aad_copy) {
		wipe(c->aad_copy, MC_AAD_COPY_MAX);
		free(c->aad_copy);
	}
	wipe(c, sizeof(*c));
	free(c);
}

const char *mc_crypto_arch(const struct mc_crypto *c)
{
	switch (c ? c->arch : IMB_ARCH_NONE) {
	case IMB_ARCH_NOAESNI:
		return "noaesni";
	case IMB_ARCH_SSE:
		return "sse";
	case IMB_ARCH_AVX:
		return "avx";
	case IMB_ARCH_AVX2:
		return "avx2";
	case IMB_ARCH_AVX512:
		return "avx512";
	default:
		return "none";
	}
}

struct mc_key *mc_key_new(struct mc_crypto *c, u8 suite, const u8 *raw,
			  u32 len)
{
	struct mc_key *k;

	if (!c || !raw || !mc_suite_key_len(suite) ||
	    len != mc_suite_key_len(suite))
		return NULL;
	k = aligned_alloc(64, sizeof(*k));
	if (!k)
		return NULL;
	memset(k, 0, sizeof(*k));
	k->suite = suite;
	switch (suite) {
	case MCSEC_SUITE_AES128_GCM:
	case MCSEC_SUITE_AES128_GMAC:
		IMB_AES128_GCM_PRE(c->mgr, raw, &k->u.gcm);
		break;
	case MCSEC_SUITE_AES256_GCM:
		IMB_AES256_GCM_PRE(c->mgr, raw, &k->u.gcm);
		break;
	case MCSEC_SUITE_CHACHA20_POLY1305:
		memcpy(k->u.chacha, raw, 32);
		break;
	case MCSEC_SUITE_AES128_CBC:
		IMB_AES_KEYEXP_128(c->mgr, raw, k->u.cbc.enc, k->u.cbc.dec);
		break;
	}
	if (imb_get_errno(c->mgr)) {
		mc_key_free(k);
		return NULL;
	}
	return k;
}

void mc_key_free(struct mc_key *k)
{
	if (!k)
		return;
	wipe(k, sizeof(*k));
	free(k);
}

static bool key_is_gcm(const struct mc_key *k)
{
	return k->suite == MCSEC_SUITE_AES128_GCM ||
	       k->suite == MCSEC_SUITE_AES256_GCM ||
	       k->suite == MCSEC_SUITE_AES128_GMAC;
}

/*
 * Constant time: every byte is looked at whatever the first difference.
 * Tags are 8, 12 or 16 bytes (job_valid), so 4-byte words. The differences
 * gather in a register that the empty asm hides from the compiler at each
 * step, so it cannot stop at the first one; a volatile accumulator did the
 * same but went through the stack, a store-forwarding wait per byte (~20 ns
 * per decrypted packet, a seventh of what GCM itself takes for 1,400 bytes).
 */
static bool tag_equal(const u8 *a, const u8 *b, u32 n)
{
	u32 d = 0, x, y, i;

	for (i = 0; i + 4 <= n; i += 4) {
		memcpy(&x, a + i, 4);
		memcpy(&y, b + i, 4);
		d |= x ^ y;
		__asm__ ("" : "+r" (d));
	}
	for (; i < n; i++) {
		d |= (u32)(a[i] ^ b[i]);
		__asm__ ("" : "+r" (d));
	}
	return d == 0;
}

/* Checks shared by both paths; false when the job cannot run. */
static bool job_valid(const struct mc_job *j)
{
	const struct mc_key *k = j->key;

	if (!k || (j->len && !j->data) || (j->aad2_len && !j->aad2))
		return false;
	switch (j->op) {
	case MC_OP_AEAD_ENCRYPT:
	case MC_OP_AEAD_DECRYPT:
		if (j->iv_len != 12 || j->aad_len > sizeof(j->aad) || !j->tag)
			return false;
		if (key_is_gcm(k))
			return j->tag_len == 8 || j->tag_len == 12 ||
			       j->tag_len == 16;
		return k->suite == MCSEC_SUITE_CHACHA20_POLY1305 &&
		       j->tag_len == 16;
	case MC_OP_CBC_ENCRYPT:
	case MC_OP_CBC_DECRYPT:
		return k->suite == MCSEC_SUITE_AES128_CBC &&
		       (j->residual == MC_RESIDUAL_CLEAR ||
			j->residual == MC_RESIDUAL_IDSA);
	default:
		return false;
	}
}

/* ---- split AAD, run synchronously ------------------------------------ */

static void gmac_tag(struct mc_crypto *c, const struct mc_key *k,
		     const struct mc_job *j, u8 *tag)
{
	struct gcm_context_data ctx;

	if (k->suite == MCSEC_SUITE_AES256_GCM) {
		IMB_AES256_GMAC_INIT(c->mgr, &k->u.gcm, &ctx, j->iv, j->iv_len);
		if (j->aad_len)
			IMB_AES256_GMAC_UPDATE(c->mgr, &k->u.gcm, &ctx, j->aad,
					       j->aad_len);
		IMB_AES256_GMAC_UPDATE(c->mgr, &k->u.gcm, &ctx, j->aad2,
				       j->aad2_len);
		IMB_AES256_GMAC_FINALIZE(c->mgr, &k->u.gcm, &ctx, tag,
					 j->tag_len);
	} else {
		IMB_AES128_GMAC_INIT(c->mgr, &k->u.gcm, &ctx, j->iv, j->iv_len);
		if (j->aad_len)
			IMB_AES128_GMAC_UPDATE(c->mgr, &k->u.gcm, &ctx, j->aad,
					       j->aad_len);
		IMB_AES128_GMAC_UPDATE(c->mgr, &k->u.gcm, &ctx, j->aad2,
				       j->aad2_len);
		IMB_AES128_GMAC_FINALIZE(c->mgr, &k->u.gcm, &ctx, tag,
					 j->tag_len);
	}
	wipe(&ctx, sizeof(ctx));
}

/* aad || aad2 with data: copy the AAD (bounded) and use the direct API. */
static bool split_aead(struct mc_crypto *c, const struct mc_key *k,
		       struct mc_job *j, u8 *tag)
{
	bool enc = j->op == MC_OP_AEAD_ENCRYPT;
	u64 aadl = (u64)j->aad_len + j->aad2_len;
	u8 *out = j->len ? j->data : c->zero;
	const u8 *in = out;

	if (aadl > MC_AAD_COPY_MAX)
		return false;
	if (!c->aad_copy) {
		c->aad_copy = malloc(MC_AAD_COPY_MAX);
		if (!c->aad_copy)
			return false;
	}
	memcpy(c->aad_copy, j->aad, j->aad_len);
	memcpy(c->aad_copy + j->aad_len, j->aad2, j->aad2_len);

	if (k->suite == MCSEC_SUITE_CHACHA20_POLY1305) {
		struct chacha20_poly1305_context_data ctx;

		IMB_CHACHA20_POLY1305_INIT(c->mgr, k->u.chacha, &ctx, j->iv,
					   c->aad_copy, aadl);
		if (enc) {
			IMB_CHACHA20_POLY1305_ENC_UPDATE(c->mgr, k->u.chacha,
							 &ctx, out, in, j->len);
			IMB_CHACHA20_POLY1305_ENC_FINALIZE(c->mgr, &ctx, tag,
							   j->tag_len);
		} else {
			IMB_CHACHA20_POLY1305_DEC_UPDATE(c->mgr, k->u.chacha,
							 &ctx, out, in, j->len);
			IMB_CHACHA20_POLY1305_DEC_FINALIZE(c->mgr, &ctx, tag,
							   j->tag_len);
		}
		wipe(&ctx, sizeof(ctx));
	} else {
		struct gcm_context_data ctx;
		bool big = k->suite == MCSEC_SUITE_AES256_GCM;

		if (enc && big)
			IMB_AES256_GCM_ENC(c->mgr, &k->u.gcm, &ctx, out, in,
					   j->len, j->iv, c->aad_copy, aadl,
					   tag, j->tag_len);
		else if (enc)
			IMB_AES128_GCM_ENC(c->mgr, &k->u.gcm, &ctx, out, in,
					   j->len, j->iv, c->aad_copy, aadl,
					   tag, j->tag_len);
		else if (big)
			IMB_AES256_GCM_DEC(c->mgr, &k->u.gcm, &ctx, out, in,
					   j->len, j->iv, c->aad_copy, aadl,
					   tag, j->tag_len);
		else
			IMB_AES128_GCM_DEC(c->mgr, &k->u.gcm, &ctx, out, in,
					   j->len, j->iv, c->aad_copy, aadl,
					   tag, j->tag_len);
		wipe(&ctx, sizeof(ctx));
	}
	return imb_get_errno(c->mgr) == 0;
}

/*
 * A decrypted job whose tag did not verify must not leave plaintext behind
 * for a careless caller: the ciphertext is gone (in place), so wipe it.
 */
static void finish_aead(struct mc_job *j, const u8 *tag)
{
	if (j->op == MC_OP_AEAD_ENCRYPT) {
		memcpy(j->tag, tag, j->tag_len);
		j->status = MC_JOB_OK;
	} else if (tag_equal(tag, j->tag, j->tag_len)) {
		j->status = MC_JOB_OK;
	} else {
		if (j->len)
			wipe(j->data, j->len);
		j->status = MC_JOB_AUTH_FAILED;
	}
}

static void run_split(struct mc_crypto *c, struct mc_job *j)
{
	const struct mc_key *k = j->key;
	u8 tag[MC_TAG_MAX];

	if (key_is_gcm(k) && j->len == 0) {
		gmac_tag(c, k, j, tag);
		if (imb_get_errno(c->mgr)) {
			job_error(c, j);
			return;
		}
	} else if (!split_aead(c, k, j, tag)) {
		job_error(c, j);
		return;
	}
	finish_aead(j, tag);
	wipe(tag, sizeof(tag));
}

/* ---- ChaCha20-Poly1305, job API ---------------------------------------- */

/* ChaCha20-Poly1305 through the job API. */
static void fill_imb_job(IMB_JOB *ij, struct mc_job *j, u8 *tag, u8 *zero)
{
	const struct mc_key *k = j->key;
	bool enc = j->op == MC_OP_AEAD_ENCRYPT;

	ij->cipher_direction = enc ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
	ij->chain_order = enc ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
	ij->src = j->len ? j->data : zero;
	ij->dst = j->len ? j->data : zero;
	ij->cipher_start_src_offset_in_bytes = 0;
	ij->msg_len_to_cipher_in_bytes = j->len;
	ij->hash_start_src_offset_in_bytes = 0;
	ij->msg_len_to_hash_in_bytes = j->len;
	ij->iv = j->iv;
	ij->iv_len_in_bytes = j->iv_len;
	ij->user_data = j;
	ij->user_data2 = tag;
	ij->auth_tag_output = tag;
	ij->auth_tag_output_len_in_bytes = j->tag_len;
	ij->cipher_mode = IMB_CIPHER_CHACHA20_POLY1305;
	ij->hash_alg = IMB_AUTH_CHACHA20_POLY1305;
	ij->enc_keys = k->u.chacha;
	ij->dec_keys = k->u.chacha;
	ij->key_len_in_bytes = IMB_KEY_256_BYTES;
	ij->u.CHACHA20_POLY1305.aad = j->aad;
	ij->u.CHACHA20_POLY1305.aad_len_in_bytes = j->aad_len;
}

static void complete_imb_job(struct mc_crypto *c, const IMB_JOB *ij)
{
	struct mc_job *j = ij->user_data;

	if (ij->status != IMB_STATUS_COMPLETED) {
		job_error(c, j);
		return;
	}
	finish_aead(j, ij->user_data2);
}

static void drain(struct mc_crypto *c, IMB_JOB *ij)
{
	while (ij) {
		complete_imb_job(c, ij);
		ij = IMB_GET_COMPLETED_JOB(c->mgr);
	}
}

/* ---- AES-GCM, direct API ----------------------------------------------- */

static void run_gcm(struct mc_crypto *c, struct mc_job *j)
{
	const struct mc_key *k = j->key;
	u8 *buf = j->len ? j->data : c->zero;
	bool big = k->suite == MCSEC_SUITE_AES256_GCM;

	if (j->op == MC_OP_AEAD_ENCRYPT) {
		/* The tag goes straight to the packet. */
		if (big)
			IMB_AES256_GCM_ENC(c->mgr, &k->u.gcm, &c->gcm, buf, buf,
					   j->len, j->iv, j->aad, j->aad_len,
					   j->tag, j->tag_len);
		else
			IMB_AES128_GCM_ENC(c->mgr, &k->u.gcm, &c->gcm, buf, buf,
					   j->len, j->iv, j->aad, j->aad_len,
					   j->tag, j->tag_len);
		j->status = MC_JOB_OK;
		return;
	}
	if (big)
		IMB_AES256_GCM_DEC(c->mgr, &k->u.gcm, &c->gcm, buf, buf, j->len,
				   j->iv, j->aad, j->aad_len, c->tag, j->tag_len);
	else
		IMB_AES128_GCM_DEC(c->mgr, &k->u.gcm, &c->gcm, buf, buf, j->len,
				   j->iv, j->aad, j->aad_len, c->tag, j->tag_len);
	finish_aead(j, c->tag);
}

/* ---- AES-128-CBC, cipher burst API -------------------------------------- */

/* IDSA: the final r bytes XORed with AES-Encrypt(K, block before them). */
static void idsa_residual(struct mc_crypto *c, struct mc_job *j)
{
	const struct mc_key *k = j->key;
	u32 full = j->len & ~15u;

	IMB_AES128_CFB_ONE(c->mgr, j->data + full, j->data + full,
			   full ? j->data + full - 16 : j->iv, k->u.cbc.enc,
			   j->len - full);
}

static void cbc_flush(struct mc_crypto *c, u32 dir)
{
	struct mc_cbc_batch *b = &c->cbc[dir];
	u32 done, i;

	if (!b->n)
		return;
	/*
	 * Without the library's own checks (a fifth of the time of a CBC
	 * decryption burst): job_valid() and run_cbc() give it only what it
	 * would accept, a key, an IV of 16, and a whole number of blocks over
	 * non-NULL memory.
	 */
	done = IMB_SUBMIT_CIPHER_BURST_NOCHECK(c->mgr, b->ij, b->n,
					       IMB_CIPHER_CBC,
					       dir ? IMB_DIR_DECRYPT :
						     IMB_DIR_ENCRYPT,
					       IMB_KEY_128_BYTES);
	for (i = 0; i < b->n; i++) {
		struct mc_job *j = b->j[i];

		if (done != b->n || b->ij[i].status != IMB_STATUS_COMPLETED) {
			job_error(c, j);
			continue;
		}
		if (!dir && j->residual == MC_RESIDUAL_IDSA && j->len % 16)
			idsa_residual(c, j);
		j->status = MC_JOB_OK;
	}
	b->n = 0;
}

static void run_cbc(struct mc_crypto *c, struct mc_job *j)
{
	const struct mc_key *k = j->key;
	u32 dir = j->op == MC_OP_CBC_DECRYPT, full = j->len & ~15u;
	bool idsa = j->residual == MC_RESIDUAL_IDSA;
	struct mc_cbc_batch *b = &c->cbc[dir];
	IMB_JOB *ij;

	/* Decrypting in place overwrites the block the residual needs. */
	if (idsa && j->len % 16 && (dir || !full))
		idsa_residual(c, j);
	if (!full) {
		j->status = MC_JOB_OK;	/* no block: done, or nothing to do */
		return;
	}
	if (b->n == MC_CBC_BATCH)
		cbc_flush(c, dir);
	/* The fields every job shares were set once, by cbc_init(). */
	ij = &b->ij[b->n];
	b->j[b->n++] = j;
	ij->enc_keys = k->u.cbc.enc;
	ij->dec_keys = k->u.cbc.dec;
	ij->src = j->data;
	ij->dst = j->data;
	ij->msg_len_to_cipher_in_bytes = full;
	ij->iv = j->iv;
	ij->status = IMB_STATUS_BEING_PROCESSED;
	/* Its status, and an encrypt residual, come in cbc_flush. */
}

/* What every CBC job of a batch shares, written once per engine. */
static void cbc_init(struct mc_crypto *c)
{
	for (u32 dir = 0; dir < 2; dir++) {
		for (u32 i = 0; i < MC_CBC_BATCH; i++) {
			IMB_JOB *ij = &c->cbc[dir].ij[i];

			ij->key_len_in_bytes = IMB_KEY_128_BYTES;
			ij->cipher_start_src_offset_in_bytes = 0;
			ij->iv_len_in_bytes = 16;
			ij->cipher_mode = IMB_CIPHER_CBC;
			ij->cipher_direction = dir ? IMB_DIR_DECRYPT :
						     IMB_DIR_ENCRYPT;
			ij->hash_alg = IMB_AUTH_NULL;
		}
	}
}

/* ---- a burst ------------------------------------------------------------ */

u32 mc_crypto_run(struct mc_crypto *c, struct mc_job *jobs, u32 n)
{
	u32 i, slot = 0;
	bool slots_used = false, gcm_used = false;
	IMB_JOB *ij;

	if (!c) {
		for (i = 0; i < n; i++)
			jobs[i].status = MC_JOB_ERROR;
		return n;
	}
	c->errors = 0;
	for (i = 0; i < n; i++) {
		struct mc_job *j = &jobs[i];

		if (!job_valid(j)) {
			job_error(c, j);
			continue;
		}
		if (j->op == MC_OP_CBC_ENCRYPT || j->op == MC_OP_CBC_DECRYPT) {
			run_cbc(c, j);
			continue;
		}
		if (j->aad2_len) {
			run_split(c, j);
			continue;
		}
		if (key_is_gcm(j->key)) {
			run_gcm(c, j);
			gcm_used = true;
			continue;
		}
		if (slot == MC_MB_CHUNK) {
			/* Every tag buffer is taken: let the lanes finish. */
			while ((ij = IMB_FLUSH_JOB(c->mgr)))
				drain(c, ij);
			slot = 0;
		}
		ij = IMB_GET_NEXT_JOB(c->mgr);
		fill_imb_job(ij, j, c->tags[slot++], c->zero);
		slots_used = true;
		drain(c, IMB_SUBMIT_JOB(c->mgr));
	}
	cbc_flush(c, 0);
	cbc_flush(c, 1);
	if (slots_used) {
		while ((ij = IMB_FLUSH_JOB(c->mgr)))
			drain(c, ij);
		wipe(c->tags, sizeof(c->tags));
	}
	if (gcm_used) {
		wipe(&c->gcm, sizeof(c->gcm));
		wipe(c->tag, sizeof(c->tag));
	}
	return c->errors;
}
