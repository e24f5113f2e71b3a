// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "oracle.h"

#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "suite.h"

struct mc_oracle_key {
	u8 suite;
	u32 len;
	u8 raw[32];
};

struct mc_oracle_key *mc_oracle_key_new(u8 suite, const u8 *raw, u32 len)
{
	struct mc_oracle_key *k;

	if (!mc_suite_key_len(suite) || mc_suite_key_len(suite) != len)
		return NULL;
	k = calloc(1, sizeof(*k));
	if (!k)
		return NULL;
	k->suite = suite;
	k->len = len;
	memcpy(k->raw, raw, len);
	return k;
}

void mc_oracle_key_free(struct mc_oracle_key *k)
{
	if (!k)
		return;
	OPENSSL_cleanse(k, sizeof(*k));
	free(k);
}

static const EVP_CIPHER *aead_cipher(const struct mc_oracle_key *k)
{
	switch (k->suite) {
	case MCSEC_SUITE_AES128_GCM:
	case MCSEC_SUITE_AES128_GMAC:
		return EVP_aes_128_gcm();
	case MCSEC_SUITE_AES256_GCM:
		return EVP_aes_256_gcm();
	case MCSEC_SUITE_CHACHA20_POLY1305:
		return EVP_chacha20_poly1305();
	default:
		return NULL;
	}
}

static u8 run_aead(struct mc_job *j, const struct mc_oracle_key *k)
{
	bool enc = j->op == MC_OP_AEAD_ENCRYPT;
	const EVP_CIPHER *cipher = aead_cipher(k);
	EVP_CIPHER_CTX *ctx;
	u8 status = MC_JOB_ERROR;
	int n;

	if (!cipher)
		return MC_JOB_ERROR;
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return MC_JOB_ERROR;
	if (!EVP_CipherInit_ex(ctx, cipher, NULL, NULL, NULL, enc) ||
	    !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, j->iv_len, NULL) ||
	    !EVP_CipherInit_ex(ctx, NULL, NULL, k->raw, j->iv, enc))
		goto out;
	if (j->aad_len && !EVP_CipherUpdate(ctx, NULL, &n, j->aad, j->aad_len))
		goto out;
	if (j->aad2_len && !EVP_CipherUpdate(ctx, NULL, &n, j->aad2, (int)j->aad2_len))
		goto out;
	if (j->len && !EVP_CipherUpdate(ctx, j->data, &n, j->data, (int)j->len))
		goto out;
	if (enc) {
		if (EVP_CipherFinal_ex(ctx, j->data + j->len, &n) &&
		    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, j->tag_len, j->tag))
			status = MC_JOB_OK;
	} else {
		if (!EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, j->tag_len, j->tag))
			goto out;
		status = EVP_CipherFinal_ex(ctx, j->data + j->len, &n) ?
			 MC_JOB_OK : MC_JOB_AUTH_FAILED;
	}
out:
	EVP_CIPHER_CTX_free(ctx);
	return status;
}

/* One AES block, for the IDSA residual rule. */
static bool aes_block(const struct mc_oracle_key *k, const u8 in[16], u8 out[16])
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n, ok;

	if (!ctx)
		return false;
	ok = EVP_EncryptInit_ex(ctx, EVP_aes_128_ecb(), NULL, k->raw, NULL) &&
	     EVP_CIPHER_CTX_set_padding(ctx, 0) &&
	     EVP_EncryptUpdate(ctx, out, &n, in, 16);
	EVP_CIPHER_CTX_free(ctx);
	return ok;
}

static u8 run_cbc(struct mc_job *j, const struct mc_oracle_key *k)
{
	bool enc = j->op == MC_OP_CBC_ENCRYPT;
	u32 full = j->len - j->len % 16, res = j->len % 16, i;
	u8 chain[16], pad[16];
	EVP_CIPHER_CTX *ctx;
	int n, ok = 1;

	if (k->suite != MCSEC_SUITE_AES128_CBC)
		return MC_JOB_ERROR;
	/* The residual keystream comes from the last full ciphertext block
	 * (or the IV): read it before an in-place decrypt overwrites it. */
	memcpy(chain, full ? j->data + full - 16 : j->iv, 16);
	if (full) {
		ctx = EVP_CIPHER_CTX_new();
		if (!ctx)
			return MC_JOB_ERROR;
		ok = EVP_CipherInit_ex(ctx, EVP_aes_128_cbc(), NULL, k->raw, j->iv, enc) &&
		     EVP_CIPHER_CTX_set_padding(ctx, 0) &&
		     EVP_CipherUpdate(ctx, j->data, &n, j->data, (int)full);
		EVP_CIPHER_CTX_free(ctx);
		if (enc)
			memcpy(chain, j->data + full - 16, 16);
	}
	if (ok && res && j->residual == MC_RESIDUAL_IDSA) {
		ok = aes_block(k, chain, pad);
		for (i = 0; i < res; i++)
			j->data[full + i] ^= pad[i];
	}
	return ok ? MC_JOB_OK : MC_JOB_ERROR;
}

void mc_oracle_run(struct mc_job *jobs, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++) {
		struct mc_job *j = &jobs[i];
		const struct mc_oracle_key *k = j->key;

		switch (j->op) {
		case MC_OP_AEAD_ENCRYPT:
		case MC_OP_AEAD_DECRYPT:
			j->status = run_aead(j, k);
			break;
		case MC_OP_CBC_ENCRYPT:
		case MC_OP_CBC_DECRYPT:
			j->status = run_cbc(j, k);
			break;
		default:
			j->status = MC_JOB_ERROR;
		}
	}
}
