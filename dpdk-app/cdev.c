// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * rte_cryptodev as an option (--cryptodev NAME): the ESP AEAD jobs of a
 * burst go to a crypto device (a hardware PMD, or a software vdev such as
 * crypto_aesni_mb, crypto_aesni_gcm or crypto_openssl) instead of the
 * lcore's own intel-ipsec-mb engine. Everything else stays as it is: the
 * core still builds and checks the packets (so the output is byte-identical
 * to the direct path), and jobs the device cannot take (TS, GMAC, a suite
 * the PMD lacks) run on the lcore's engine in the same burst, while the
 * device works on the rest.
 *
 * Sessions: one symmetric session per SA, created by the main lcore when
 * the SA is added (the raw key goes to the PMD once and is wiped by the
 * caller) and freed with the SA after its grace period, which also clears
 * the PMD's copy of the key (rte_cryptodev_sym_session_free).
 *
 * Per burst (run to completion): one op per job, allocated in bulk, one
 * enqueue, the CPU's jobs, then dequeue until every accepted op is back;
 * ops the device refused or failed mark their jobs MC_JOB_ERROR (the worker
 * drops and counts those packets); all ops go back to the pool in bulk.
 * Worker i uses queue pair i.
 *
 * The core hands jobs pointers into the mbuf's buffer, past its current
 * data (ESP encap grows the packet into head- and tailroom before the
 * mbuf is synced), so for the time of the op the mbuf is widened to its
 * whole buffer and the offsets count from buf_addr; it is put back as it
 * was when the op returns.
 */
/* The session pool call is still marked experimental in 22.11. */
#define ALLOW_EXPERIMENTAL_API 1

#include <string.h>

#include <rte_bus_vdev.h>
#include <rte_crypto.h>
#include <rte_cryptodev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_pause.h>

#include "mcsec-dpdk.h"

/* The op's private area: nonce, AAD, and what to put back afterwards. */
struct cdev_priv {
	u8 iv[16];
	u8 aad[16];
	struct mc_job *job;
	struct rte_mbuf *m;
	u16 data_off, data_len;
	u32 pkt_len;
};

#define CDEV_IV_OFF	(sizeof(struct rte_crypto_op) + sizeof(struct rte_crypto_sym_op))
#define CDEV_OPS	8192
#define CDEV_DESC	2048

struct mcd_cdev mcd_cdev = { .dev = -1 };

static const struct {
	u8 suite;
	enum rte_crypto_aead_algorithm algo;
	u16 key;
} aead_suites[] = {
	{ MCSEC_SUITE_AES128_GCM, RTE_CRYPTO_AEAD_AES_GCM, 16 },
	{ MCSEC_SUITE_AES256_GCM, RTE_CRYPTO_AEAD_AES_GCM, 32 },
	{ MCSEC_SUITE_CHACHA20_POLY1305, RTE_CRYPTO_AEAD_CHACHA20_POLY1305, 32 },
};

/* Does the device do this ESP suite with this AAD length? */
static int suite_index(u8 suite, u16 aad_len)
{
	for (u32 i = 0; i < RTE_DIM(aead_suites); i++) {
		struct rte_cryptodev_sym_capability_idx idx = {
			.type = RTE_CRYPTO_SYM_XFORM_AEAD,
			.algo.aead = aead_suites[i].algo,
		};
		const struct rte_cryptodev_symmetric_capability *cap;

		if (aead_suites[i].suite != suite)
			continue;
		cap = rte_cryptodev_sym_capability_get((u8)mcd_cdev.dev, &idx);
		if (!cap || rte_cryptodev_sym_capability_check_aead(cap,
				aead_suites[i].key, MC_ESP_ICV_LEN, aad_len, 12))
			return -1;
		return (int)i;
	}
	return -1;
}

static bool find_or_create(const char *name, u16 nqp, char *err, size_t errlen)
{
	char args[64];
	int id = rte_cryptodev_get_dev_id(name);

	if (id < 0) {
		/* Not probed: a software PMD's vdev name ("crypto_aesni_mb"). */
		snprintf(args, sizeof(args), "max_nb_queue_pairs=%u,socket_id=%d",
			 nqp, (int)rte_socket_id());
		if (rte_vdev_init(name, args) == 0)
			id = rte_cryptodev_get_dev_id(name);
	}
	if (id < 0) {
		snprintf(err, errlen, "--cryptodev %s: no such crypto device "
			 "(a probed device's name, or a crypto vdev such as "
			 "crypto_aesni_mb, crypto_aesni_gcm, crypto_openssl)", name);
		return false;
	}
	mcd_cdev.dev = id;
	return true;
}

bool mcd_cdev_init(const char *name, u16 nqp, char *err, size_t errlen)
{
	struct rte_cryptodev_info info;
	struct rte_cryptodev_config conf = {
		.socket_id = (int)rte_socket_id(),
		.nb_queue_pairs = nqp,
		.ff_disable = RTE_CRYPTODEV_FF_ASYMMETRIC_CRYPTO |
			      RTE_CRYPTODEV_FF_SECURITY,
	};
	struct rte_cryptodev_qp_conf qp = { .nb_descriptors = CDEV_DESC };
	u8 dev;
	u32 ssize;

	if (!find_or_create(name, nqp, err, errlen))
		return false;
	dev = (u8)mcd_cdev.dev;
	rte_cryptodev_info_get(dev, &info);
	if (!(info.feature_flags & RTE_CRYPTODEV_FF_SYMMETRIC_CRYPTO) ||
	    (suite_index(MCSEC_SUITE_AES128_GCM, 8) < 0 &&
	     suite_index(MCSEC_SUITE_AES256_GCM, 8) < 0 &&
	     suite_index(MCSEC_SUITE_CHACHA20_POLY1305, 8) < 0)) {
		snprintf(err, errlen, "--cryptodev %s (%s): no AES-GCM or "
			 "ChaCha20-Poly1305 with a 16-byte ICV", name,
			 info.driver_name);
		return false;
	}
	if (info.max_nb_queue_pairs < nqp) {
		snprintf(err, errlen, "--cryptodev %s: %u queue pairs, %u workers",
			 name, info.max_nb_queue_pairs, nqp);
		return false;
	}
	if (info.sym.max_nb_sessions &&
	    info.sym.max_nb_sessions < MCD_MAX_GROUPS * MCD_MAX_SAS)
		RTE_LOG(WARNING, USER1, "--cryptodev %s: only %u sessions\n",
			name, info.sym.max_nb_sessions);
	ssize = rte_cryptodev_sym_get_private_session_size(dev);
	mcd_cdev.sess_pool = rte_cryptodev_sym_session_pool_create(
		"mcsec_cdev_sess", MCD_MAX_GROUPS * MCD_MAX_SAS, ssize, 0, 0,
		(int)rte_socket_id());
	mcd_cdev.op_pool = rte_crypto_op_pool_create("mcsec_cdev_ops",
		RTE_CRYPTO_OP_TYPE_SYMMETRIC, CDEV_OPS, 128,
		sizeof(struct cdev_priv), (int)rte_socket_id());
	if (!mcd_cdev.sess_pool || !mcd_cdev.op_pool) {
		snprintf(err, errlen, "--cryptodev %s: out of memory for pools", name);
		goto fail;
	}
	if (rte_cryptodev_configure(dev, &conf)) {
		snprintf(err, errlen, "--cryptodev %s: configure failed", name);
		goto fail;
	}
	qp.mp_session = mcd_cdev.sess_pool;
	for (u16 q = 0; q < nqp; q++) {
		if (rte_cryptodev_queue_pair_setup(dev, q, &qp,
						   (int)rte_socket_id())) {
			snprintf(err, errlen, "--cryptodev %s: queue pair %u: "
				 "setup failed", name, q);
			goto fail;
		}
	}
	if (rte_cryptodev_start(dev)) {
		snprintf(err, errlen, "--cryptodev %s: start failed", name);
		goto fail;
	}
	snprintf(mcd_cdev.name, sizeof(mcd_cdev.name), "%s (%s)", name,
		 info.driver_name);
	mcd_cdev.on = true;
	return true;
fail:
	mcd_cdev_close();
	return false;
}

void mcd_cdev_close(void)
{
	if (mcd_cdev.dev < 0)
		return;
	if (mcd_cdev.on)
		rte_cryptodev_stop((u8)mcd_cdev.dev);
	rte_cryptodev_close((u8)mcd_cdev.dev);
	rte_mempool_free(mcd_cdev.op_pool);
	rte_mempool_free(mcd_cdev.sess_pool);
	mcd_cdev.op_pool = mcd_cdev.sess_pool = NULL;
	mcd_cdev.on = false;
	mcd_cdev.dev = -1;
}

/*
 * A session for an ESP SA, or NULL: no device, or the device lacks the
 * suite (the SA then runs on the lcores' engines, as without --cryptodev).
 */
void *mcd_cdev_session_new(u8 suite, bool encrypt, bool esn, const u8 *key,
			   u32 key_len)
{
	u16 aad_len = esn ? 12 : 8;
	struct rte_crypto_sym_xform x = {
		.type = RTE_CRYPTO_SYM_XFORM_AEAD,
		.aead = {
			.op = encrypt ? RTE_CRYPTO_AEAD_OP_ENCRYPT :
					RTE_CRYPTO_AEAD_OP_DECRYPT,
			.key = { .data = key, .length = (u16)key_len },
			.iv = { .offset = CDEV_IV_OFF, .length = 12 },
			.digest_length = MC_ESP_ICV_LEN,
			.aad_length = aad_len,
		},
	};
	int i;

	if (!mcd_cdev.on || (i = suite_index(suite, aad_len)) < 0 ||
	    aead_suites[i].key != key_len)
		return NULL;
	x.aead.algo = aead_suites[i].algo;
	return rte_cryptodev_sym_session_create((u8)mcd_cdev.dev, &x,
						mcd_cdev.sess_pool);
}

void mcd_cdev_session_free(void *sess)
{
	if (sess)
		rte_cryptodev_sym_session_free((u8)mcd_cdev.dev, sess);
}

static struct cdev_priv *priv_of(struct rte_crypto_op *op)
{
	return rte_crypto_op_ctod_offset(op, struct cdev_priv *, CDEV_IV_OFF);
}

/* The job's op: the mbuf widened to its buffer, offsets from buf_addr. */
static void op_fill(struct rte_crypto_op *op, struct mcd_slot *s,
		    struct mc_job *j)
{
	struct cdev_priv *p = priv_of(op);
	struct rte_crypto_sym_op *sym = op->sym;
	struct rte_mbuf *m = s->m;
	u8 *base = m->buf_addr;

	memcpy(p->iv, j->iv, 12);
	memcpy(p->aad, j->aad, j->aad_len);
	p->job = j;
	p->m = m;
	p->data_off = m->data_off;
	p->data_len = m->data_len;
	p->pkt_len = m->pkt_len;
	m->data_off = 0;
	m->data_len = m->buf_len;
	m->pkt_len = m->buf_len;

	rte_crypto_op_attach_sym_session(op, s->sa->cdev);
	sym->m_src = m;
	sym->m_dst = NULL;
	sym->aead.data.offset = (u32)(j->data - base);
	sym->aead.data.length = j->len;
	sym->aead.digest.data = j->tag;
	sym->aead.digest.phys_addr = rte_pktmbuf_iova_offset(m, j->tag - base);
	sym->aead.aad.data = p->aad;
	sym->aead.aad.phys_addr = rte_crypto_op_ctophys_offset(op,
		CDEV_IV_OFF + offsetof(struct cdev_priv, aad));
}

/* The op is back (or never went): the job's status, the mbuf as it was. */
static u32 op_done(struct mcd_lcore *lc, struct rte_crypto_op *op, bool sent)
{
	struct cdev_priv *p = priv_of(op);

	p->m->data_off = p->data_off;
	p->m->data_len = p->data_len;
	p->m->pkt_len = p->pkt_len;
	if (sent && op->status == RTE_CRYPTO_OP_STATUS_SUCCESS) {
		p->job->status = MC_JOB_OK;
		lc->app.cdev_ops++;
		return 0;
	}
	if (sent && op->status == RTE_CRYPTO_OP_STATUS_AUTH_FAILED) {
		p->job->status = MC_JOB_AUTH_FAILED;
		lc->app.cdev_ops++;
		return 0;
	}
	p->job->status = MC_JOB_ERROR;
	lc->app.cdev_failed++;
	return 1;
}

/* The jobs the device does not take, in as few calls as they allow. */
static u32 run_direct(struct mcd_lcore *lc, const bool *offl)
{
	u32 errors = 0, i = 0;

	while (i < lc->njobs) {
		u32 k = i;

		while (k < lc->njobs && !offl[k])
			k++;
		if (k > i)
			errors += mc_crypto_run(lc->c, &lc->jobs[i], k - i);
		i = k + 1;
	}
	return errors;
}

u32 mcd_cdev_run(struct mcd_lcore *lc, struct mcd_slot **order, u32 n)
{
	struct rte_crypto_op *ops[MCD_BURST], *back[MCD_BURST];
	struct mcd_slot *cand[MCD_BURST];
	bool offl[MCD_JOBS];
	u8 dev = (u8)mcd_cdev.dev;
	u16 qp = (u16)lc->index, nenq, ndeq = 0;
	u32 nop = 0, errors = 0;

	for (u32 i = 0; i < n; i++) {
		struct mcd_slot *s = order[i];
		const struct mc_job *j;

		if (s->verdict != MCD_V_WORK || s->njobs != 1 || !s->sa ||
		    !s->sa->cdev)
			continue;
		j = &lc->jobs[s->job0];
		if (j->op > MC_OP_AEAD_DECRYPT || j->aad_len != s->sa->cdev_aad_len ||
		    j->iv_len != 12 || j->tag_len != MC_ESP_ICV_LEN || j->aad2_len)
			continue;
		cand[nop++] = s;
	}
	if (nop && rte_crypto_op_bulk_alloc(mcd_cdev.op_pool,
			RTE_CRYPTO_OP_TYPE_SYMMETRIC, ops, (u16)nop) != nop) {
		/* No op to be had: this burst's jobs run here instead. */
		lc->app.cdev_fallback += nop;
		nop = 0;
	}
	memset(offl, 0, sizeof(*offl) * lc->njobs);
	for (u32 i = 0; i < nop; i++) {
		op_fill(ops[i], cand[i], &lc->jobs[cand[i]->job0]);
		offl[cand[i]->job0] = true;
	}
	nenq = nop ? rte_cryptodev_enqueue_burst(dev, qp, ops, (u16)nop) : 0;
	for (u32 i = nenq; i < nop; i++)
		errors += op_done(lc, ops[i], false);

	/* The device works while the lcore runs what it cannot take. */
	errors += run_direct(lc, offl);

	while (ndeq < nenq) {
		u16 got = rte_cryptodev_dequeue_burst(dev, qp, &back[ndeq],
						      nenq - ndeq);

		for (u16 i = 0; i < got; i++)
			errors += op_done(lc, back[ndeq + i], true);
		ndeq += got;
		if (!got)
			rte_pause();
	}
	if (nop)
		rte_mempool_put_bulk(mcd_cdev.op_pool, (void **)ops, nop);
	return errors;
}
