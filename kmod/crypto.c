// SPDX-License-Identifier: GPL-2.0
/*
 * Runs the shared core's crypto jobs with the kernel crypto API.
 *
 * Algorithms, all synchronous (CRYPTO_ALG_ASYNC masked out), because the
 * netfilter hooks finish a packet before they return:
 *   AES-GCM           "gcm(aes)": the core hands us the 12-byte nonce
 *                     (salt || IV) and the AAD ready-made, so the plain GCM
 *                     mode fits, not the rfc4106 wrapper that would rebuild
 *                     them from the packet.
 *   AES-GMAC          the same "gcm(aes)" with everything as AAD and no
 *                     plaintext (RFC 4543): aad || aad2 as two entries.
 *   ChaCha20-Poly1305 "rfc7539(chacha20,poly1305)", 12-byte nonce.
 *   AES-128-CBC (TS)  "cbc(aes)" for the full blocks, and the AES library
 *                     (aes_encrypt() on an expanded key) for the one block
 *                     of the IDSA residual rule.
 *
 * The SIMD drivers. On x86 the AES-NI GCM and CBC implementations are
 * registered twice: as internal algorithms ("__generic-gcm-aesni",
 * "__cbc-aes-aesni", CRYPTO_ALG_INTERNAL) that use the FPU unconditionally,
 * and as crypto/simd.c wrappers around them that are asynchronous because,
 * when the FPU is not usable, they defer the request to cryptd. With ASYNC
 * masked out the crypto API cannot pick the wrappers, and builds
 * gcm_base(ctr(aes-aesni), ghash-generic) and cbc(aes-aesni) instead: one
 * kernel_fpu_begin()/end() per 16-byte block and table-driven GHASH, several
 * times slower. So a key holds both:
 *   - the internal SIMD transform, allocated by driver name with
 *     CRYPTO_ALG_INTERNAL (as crypto/simd.c itself does), used only where
 *     crypto_simd_usable() holds at the moment of the call;
 *   - the portable synchronous transform above, used otherwise: it is
 *     correct in any context (aes-aesni checks crypto_simd_usable() per
 *     block and falls back to the generic cipher).
 * That is the SIMD wrapper's own decision, made inline instead of by cryptd:
 * in the hooks (softirq or BHs disabled) the FPU is usable unless the
 * softirq interrupted a kernel_fpu_begin() section, which is rare, and then
 * the slow path costs a little time and no correctness. Where the driver
 * does not exist (no AES-NI, aesni_intel not loaded when the SA is
 * installed, another architecture whose "gcm(aes)" is already synchronous
 * SIMD) the portable transform is all there is. Both are keyed alike; the
 * module parameter simd=0 leaves the SIMD transform out of new keys (for
 * comparisons in bench/).
 *
 * Nothing is allocated per packet: the AEAD request lives in a per-CPU
 * scratch area (kmalloc'ed, so scatterlists may point into it, which they
 * may not for vmalloc'ed stacks or per-CPU chunks), and the CBC request is a
 * SYNC_SKCIPHER_REQUEST_ON_STACK that carries no pointer to itself.
 */
#include <crypto/aead.h>
#include <crypto/aes.h>
#include <crypto/algapi.h>
#include <crypto/internal/simd.h>
#include <crypto/skcipher.h>
#include <linux/err.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <asm/simd.h>
#include <uapi/linux/mcsec.h>

#include "crypto.h"
#include "suite.h"

#define MCSEC_AEAD_ICV_LEN	16
#define MCSEC_AEAD_NONCE_LEN	12

/* Internal SIMD drivers whose public wrappers are asynchronous. */
#define MCSEC_GCM_SIMD	"__generic-gcm-aesni"
#define MCSEC_CBC_SIMD	"__cbc-aes-aesni"

static bool simd = true;
module_param(simd, bool, 0644);
MODULE_PARM_DESC(simd, "Use the internal AES-NI GCM/CBC drivers where the FPU is usable (read when an SA is installed; default on)");

struct mcsec_key {
	u8 suite;
	struct crypto_aead *aead;		/* ESP suites: any context */
	struct crypto_aead *aead_simd;		/* when crypto_simd_usable() */
	struct crypto_sync_skcipher *cbc;	/* AES-128-CBC: any context */
	struct crypto_sync_skcipher *cbc_simd;	/* when crypto_simd_usable() */
	struct crypto_aes_ctx aes;		/* AES-128-CBC: IDSA residual */
};

static DEFINE_PER_CPU(struct mcsec_scratch *, mcsec_scratch_ptr);

struct mcsec_scratch *mcsec_scratch_get(void)
{
	return *this_cpu_ptr(&mcsec_scratch_ptr);
}

int mcsec_crypto_init(void)
{
	struct mcsec_scratch *s;
	int cpu;

	for_each_possible_cpu(cpu) {
		s = kzalloc_node(sizeof(*s), GFP_KERNEL, cpu_to_node(cpu));
		if (!s)
			goto err;
		per_cpu(mcsec_scratch_ptr, cpu) = s;
	}
	return 0;
err:
	mcsec_crypto_exit();
	return -ENOMEM;
}

void mcsec_crypto_exit(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		/* The scratch held plaintext and keystream at times: wipe it. */
		kfree_sensitive(per_cpu(mcsec_scratch_ptr, cpu));
		per_cpu(mcsec_scratch_ptr, cpu) = NULL;
	}
}

static const char *mcsec_aead_name(u8 suite)
{
	switch (suite) {
	case MCSEC_SUITE_AES128_GCM:
	case MCSEC_SUITE_AES256_GCM:
	case MCSEC_SUITE_AES128_GMAC:
		return "gcm(aes)";
	case MCSEC_SUITE_CHACHA20_POLY1305:
		return "rfc7539(chacha20,poly1305)";
	default:
		return NULL;
	}
}

/* The request must fit the per-CPU scratch, checked once per transform. */
static int mcsec_aead_init(struct crypto_aead *tfm, const u8 *raw, u32 len)
{
	int err;

	if (sizeof(struct aead_request) + crypto_aead_reqsize(tfm) >
	    sizeof_field(struct mcsec_scratch, req) ||
	    crypto_aead_ivsize(tfm) != MCSEC_AEAD_NONCE_LEN)
		return -EOPNOTSUPP;
	err = crypto_aead_setkey(tfm, raw, len);
	if (err)
		return err;
	return crypto_aead_setauthsize(tfm, MCSEC_AEAD_ICV_LEN);
}

/*
 * The internal SIMD transform, or NULL. CRYPTO_NOLOAD: the driver's module
 * has no alias for the internal name, and a modprobe per SA installed on a
 * machine without it would only cost time.
 */
static struct crypto_aead *mcsec_aead_simd(u8 suite, const u8 *raw, u32 len)
{
	struct crypto_aead *tfm;

	if (!simd || suite == MCSEC_SUITE_CHACHA20_POLY1305)
		return NULL;
	tfm = crypto_alloc_aead(MCSEC_GCM_SIMD, CRYPTO_ALG_INTERNAL,
				CRYPTO_ALG_INTERNAL | CRYPTO_ALG_ASYNC |
				CRYPTO_NOLOAD);
	if (IS_ERR(tfm))
		return NULL;
	if (mcsec_aead_init(tfm, raw, len)) {
		crypto_free_aead(tfm);
		return NULL;
	}
	return tfm;
}

static int mcsec_key_aead(struct mcsec_key *k, const u8 *raw, u32 len)
{
	struct crypto_aead *tfm;
	int err;

	tfm = crypto_alloc_aead(mcsec_aead_name(k->suite), 0,
				CRYPTO_ALG_ASYNC);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	k->aead = tfm;
	err = mcsec_aead_init(tfm, raw, len);
	if (err)
		return err;
	k->aead_simd = mcsec_aead_simd(k->suite, raw, len);
	return 0;
}

static struct crypto_sync_skcipher *mcsec_cbc_alloc(const char *name, u32 type,
						    u32 mask, const u8 *raw,
						    u32 len)
{
	struct crypto_sync_skcipher *tfm;
	int err;

	tfm = crypto_alloc_sync_skcipher(name, type, mask);
	if (IS_ERR(tfm))
		return tfm;
	err = crypto_sync_skcipher_setkey(tfm, raw, len);
	if (err) {
		crypto_free_sync_skcipher(tfm);
		return ERR_PTR(err);
	}
	return tfm;
}

static int mcsec_key_cbc(struct mcsec_key *k, const u8 *raw, u32 len)
{
	struct crypto_sync_skcipher *tfm;

	tfm = mcsec_cbc_alloc("cbc(aes)", 0, 0, raw, len);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	k->cbc = tfm;
	if (simd) {
		tfm = mcsec_cbc_alloc(MCSEC_CBC_SIMD, CRYPTO_ALG_INTERNAL,
				      CRYPTO_ALG_INTERNAL | CRYPTO_NOLOAD,
				      raw, len);
		k->cbc_simd = IS_ERR(tfm) ? NULL : tfm;
	}
	return aes_expandkey(&k->aes, raw, len);
}

struct mcsec_key *mcsec_key_new(u8 suite, const u8 *raw, u32 len)
{
	struct mcsec_key *k;
	int err;

	if (!mc_suite_key_len(suite) || len != mc_suite_key_len(suite))
		return ERR_PTR(-EINVAL);
	k = kzalloc(sizeof(*k), GFP_KERNEL);
	if (!k)
		return ERR_PTR(-ENOMEM);
	k->suite = suite;
	if (suite == MCSEC_SUITE_AES128_CBC)
		err = mcsec_key_cbc(k, raw, len);
	else
		err = mcsec_key_aead(k, raw, len);
	if (err) {
		mcsec_key_free(k);
		return ERR_PTR(err);
	}
	return k;
}

void mcsec_key_free(struct mcsec_key *k)
{
	if (!k)
		return;
	/* crypto_free_*() wipe the transforms' own key schedules. */
	if (!IS_ERR_OR_NULL(k->aead))
		crypto_free_aead(k->aead);
	if (k->aead_simd)
		crypto_free_aead(k->aead_simd);
	if (!IS_ERR_OR_NULL(k->cbc))
		crypto_free_sync_skcipher(k->cbc);
	if (k->cbc_simd)
		crypto_free_sync_skcipher(k->cbc_simd);
	kfree_sensitive(k);
}

static u8 mcsec_status(int err)
{
	if (!err)
		return MC_JOB_OK;
	return err == -EBADMSG ? MC_JOB_AUTH_FAILED : MC_JOB_ERROR;
}

/*
 * One AEAD job: source and destination are the same scatterlist,
 * aad [|| aad2] || data || tag, so the crypto API sees exactly the bytes the
 * core described and writes the result in place.
 */
static void mcsec_run_aead(struct mcsec_scratch *s, struct mc_job *j)
{
	const struct mcsec_key *k = j->key;
	struct aead_request *req = (struct aead_request *)s->req;
	bool enc = j->op == MC_OP_AEAD_ENCRYPT;
	struct scatterlist sg[4];
	unsigned int n = 0;
	int err;

	if (!k->aead || j->iv_len != MCSEC_AEAD_NONCE_LEN ||
	    j->tag_len != MCSEC_AEAD_ICV_LEN) {
		j->status = MC_JOB_ERROR;
		return;
	}
	sg_init_table(sg, ARRAY_SIZE(sg));
	sg_set_buf(&sg[n++], j->aad, j->aad_len);
	if (j->aad2_len)
		sg_set_buf(&sg[n++], j->aad2, j->aad2_len);
	if (j->len)
		sg_set_buf(&sg[n++], j->data, j->len);
	sg_set_buf(&sg[n++], j->tag, j->tag_len);
	sg_mark_end(&sg[n - 1]);

	/* Decided per call: whether the FPU is usable depends on the moment. */
	aead_request_set_tfm(req, k->aead_simd && crypto_simd_usable() ?
				  k->aead_simd : k->aead);
	aead_request_set_callback(req, 0, NULL, NULL);
	aead_request_set_ad(req, j->aad_len + j->aad2_len);
	aead_request_set_crypt(req, sg, sg, j->len + (enc ? 0 : j->tag_len),
			       j->iv);
	err = enc ? crypto_aead_encrypt(req) : crypto_aead_decrypt(req);
	j->status = mcsec_status(err);
}

/* AES-CBC over len bytes in place, iv updated as the chaining value. */
static int mcsec_cbc(struct crypto_sync_skcipher *tfm, bool enc, u8 *data,
		     u32 len, u8 *iv)
{
	SYNC_SKCIPHER_REQUEST_ON_STACK(req, tfm);
	struct scatterlist sg;
	int err;

	sg_init_one(&sg, data, len);
	skcipher_request_set_sync_tfm(req, tfm);
	skcipher_request_set_callback(req, 0, NULL, NULL);
	skcipher_request_set_crypt(req, &sg, &sg, len, iv);
	err = enc ? crypto_skcipher_encrypt(req) :
		    crypto_skcipher_decrypt(req);
	skcipher_request_zero(req);
	return err;
}

/*
 * One CBC job. The IDSA residual is the same on both sides: XOR with
 * AES-Encrypt(K, last full ciphertext block, or the IV when there is none).
 * On decrypt that block must be read before the in-place decryption
 * overwrites it with plaintext; on encrypt it exists only afterwards.
 */
static void mcsec_run_cbc(struct mc_job *j)
{
	const struct mcsec_key *k = j->key;
	bool enc = j->op == MC_OP_CBC_ENCRYPT;
	u32 full = j->len - j->len % AES_BLOCK_SIZE;
	u32 rest = j->len - full;
	u8 prev[AES_BLOCK_SIZE], pad[AES_BLOCK_SIZE], iv[AES_BLOCK_SIZE];
	struct crypto_sync_skcipher *tfm;
	int err = 0;

	if (!k->cbc || j->iv_len != AES_BLOCK_SIZE) {
		j->status = MC_JOB_ERROR;
		return;
	}
	tfm = k->cbc_simd && crypto_simd_usable() ? k->cbc_simd : k->cbc;
	memcpy(iv, j->iv, AES_BLOCK_SIZE);
	if (!enc)
		memcpy(prev, full ? j->data + full - AES_BLOCK_SIZE : j->iv,
		       AES_BLOCK_SIZE);
	if (full)
		err = mcsec_cbc(tfm, enc, j->data, full, iv);
	if (enc)
		memcpy(prev, full ? j->data + full - AES_BLOCK_SIZE : j->iv,
		       AES_BLOCK_SIZE);
	if (!err && rest && j->residual == MC_RESIDUAL_IDSA) {
		aes_encrypt(&k->aes, pad, prev);
		crypto_xor(j->data + full, pad, rest);
		memzero_explicit(pad, sizeof(pad));
	}
	j->status = mcsec_status(err);
}

void mcsec_crypto_run(struct mcsec_scratch *s, struct mc_job *jobs, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++) {
		switch (jobs[i].op) {
		case MC_OP_AEAD_ENCRYPT:
		case MC_OP_AEAD_DECRYPT:
			mcsec_run_aead(s, &jobs[i]);
			break;
		case MC_OP_CBC_ENCRYPT:
		case MC_OP_CBC_DECRYPT:
			mcsec_run_cbc(&jobs[i]);
			break;
		default:
			jobs[i].status = MC_JOB_ERROR;
		}
	}
}
