// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Groups and SAs at run time.
 *
 * Groups live in an rte_hash keyed on (family, group address, UDP port,
 * protocol, direction); an ESP decrypt group is keyed on protocol ESP and
 * port 0 (the port is inside the ciphertext), its SAs told apart by SPI.
 *
 * Changes happen while the workers forward, and never stop them: the hash
 * is created for lock-free reader/writer concurrency, an SA or a group is
 * published with release stores once it is complete, and what is taken
 * away is first unpublished, then the main lcore waits until every worker
 * has reported a quiescent state (rte_rcu_qsbr, once per poll loop: no
 * worker can still hold a pointer from before), and only then wipes and
 * frees it. Only the main lcore writes; it is the single writer the hash
 * and QSBR expect. Keys are expanded once, by the main lcore's engine, and
 * shared by every lcore's engine (they run the same intel-ipsec-mb path).
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include "mcsec-dpdk.h"
#include "suite.h"

struct mcd_tables mcd_tab;

const char *mcd_format_name(u8 format)
{
	switch (format) {
	case MCSEC_FORMAT_ESP_TUNNEL: return "esp-tunnel";
	case MCSEC_FORMAT_ESP_TRANSPORT: return "esp-transport";
	case MCSEC_FORMAT_TS_CISSA: return "ts-cissa";
	case MCSEC_FORMAT_TS_IDSA: return "ts-idsa";
	default: return "?";
	}
}

const char *mcd_suite_name(u8 suite)
{
	switch (suite) {
	case MCSEC_SUITE_AES128_GCM: return "aes128-gcm";
	case MCSEC_SUITE_AES256_GCM: return "aes256-gcm";
	case MCSEC_SUITE_AES128_GMAC: return "aes128-gmac";
	case MCSEC_SUITE_CHACHA20_POLY1305: return "chacha20-poly1305";
	case MCSEC_SUITE_AES128_CBC: return "aes128-cbc";
	default: return "?";
	}
}

const char *mcd_dir_name(u8 dir)
{
	return dir == MCSEC_DIR_ENCRYPT ? "encrypt" :
	       dir == MCSEC_DIR_DECRYPT ? "decrypt" : "?";
}

bool mcd_format_is_esp(u8 format)
{
	return format == MCSEC_FORMAT_ESP_TUNNEL ||
	       format == MCSEC_FORMAT_ESP_TRANSPORT;
}

u64 mcd_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec;
}

bool mcd_tables_init(char *err, size_t errlen)
{
	struct rte_hash_parameters hp = {
		.name = "mcsec_groups",
		.entries = MCD_MAX_GROUPS * 2,
		.key_len = sizeof(struct mcd_gkey),
		.hash_func = rte_hash_crc,
		.socket_id = (int)rte_socket_id(),
		/* Workers look up while the main lcore adds and deletes;
		 * deleted key slots are freed by us after a grace period. */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};
	size_t sz;

	rte_spinlock_init(&mcd_tab.lock);
	mcd_tab.next_id = 1;
	mcd_tab.hash = rte_hash_create(&hp);
	if (!mcd_tab.hash) {
		snprintf(err, errlen, "cannot create the group hash: %s",
			 rte_strerror(rte_errno));
		return false;
	}
	/* Worker numbers index it: room for every lcore there can be. */
	sz = rte_rcu_qsbr_get_memsize(MCD_MAX_LCORES);
	mcd_tab.qsbr = rte_zmalloc("mcsec_qsbr", sz, RTE_CACHE_LINE_SIZE);
	if (!mcd_tab.qsbr || rte_rcu_qsbr_init(mcd_tab.qsbr, MCD_MAX_LCORES)) {
		snprintf(err, errlen, "cannot set up RCU for the workers");
		return false;
	}
	mcd_tab.keyeng = mc_crypto_new();
	if (!mcd_tab.keyeng) {
		snprintf(err, errlen, "intel-ipsec-mb cannot run on this CPU");
		return false;
	}
	return true;
}

/* Workers: register before the first lookup, go offline when leaving. */
void mcd_rcu_worker_start(u32 index)
{
	rte_rcu_qsbr_thread_register(mcd_tab.qsbr, index);
	rte_rcu_qsbr_thread_online(mcd_tab.qsbr, index);
}

void mcd_rcu_worker_stop(u32 index)
{
	rte_rcu_qsbr_thread_offline(mcd_tab.qsbr, index);
	rte_rcu_qsbr_thread_unregister(mcd_tab.qsbr, index);
}

/* Returns once no worker can hold a pointer unpublished before the call. */
static void grace_period(void)
{
	if (mcd_tab.qsbr)
		rte_rcu_qsbr_synchronize(mcd_tab.qsbr, RTE_QSBR_THRID_INVALID);
}

static void sa_free(struct mcd_sa *sa)
{
	if (!sa)
		return;
	mc_key_free(sa->key);
	mcd_cdev_session_free(sa->cdev);
	if (sa->row) {
		mcd_stats_sa_clear(sa->row);
		mcd_tab.sa_row_used[sa->row] = false;
	}
	/* The salt is key material too, and the replay state is the SA's. */
	explicit_bzero(sa, sizeof(*sa));
	rte_free(sa);
}

static void group_free(struct mcd_group *g)
{
	for (u32 i = 0; i < MCD_MAX_SAS; i++)
		sa_free(g->sas[i]);
	for (u32 i = 0; i < 2; i++)
		sa_free(g->parity_sa[i]);
	rte_free(g->pids);
	rte_free(g);
}

void mcd_tables_free(void)
{
	for (u32 i = 0; i < mcd_tab.ngroups; i++)
		group_free(mcd_tab.groups[i]);
	mcd_tab.ngroups = 0;
	rte_hash_free(mcd_tab.hash);
	mcd_tab.hash = NULL;
	mc_crypto_free(mcd_tab.keyeng);
	mcd_tab.keyeng = NULL;
	rte_free(mcd_tab.qsbr);
	mcd_tab.qsbr = NULL;
}

struct mcd_group *mcd_group_new(char *err, size_t errlen)
{
	struct mcd_group *g;

	g = rte_zmalloc("mcsec_group", sizeof(*g), RTE_CACHE_LINE_SIZE);
	if (!g)
		snprintf(err, errlen, "out of memory");
	return g;
}

void mcd_group_discard(struct mcd_group *g)
{
	if (g)
		group_free(g);
}

struct mcd_group *mcd_group_by_id(u32 id)
{
	for (u32 i = 0; i < mcd_tab.ngroups; i++)
		if (mcd_tab.groups[i]->id == id)
			return mcd_tab.groups[i];
	return NULL;
}

/* Lock-free for the workers: the slots are scanned with acquire loads. */
struct mcd_sa *mcd_sa_by_spi(const struct mcd_group *g, u32 spi)
{
	for (u32 i = 0; i < MCD_MAX_SAS; i++) {
		struct mcd_sa *sa = __atomic_load_n(&g->sas[i], __ATOMIC_ACQUIRE);

		if (sa && sa->spi == spi)
			return sa;
	}
	return NULL;
}

struct mcd_sa *mcd_sa_by_parity(const struct mcd_group *g, u8 parity)
{
	if (parity != MCSEC_PARITY_EVEN && parity != MCSEC_PARITY_ODD)
		return NULL;
	return g->parity_sa[parity - 1];
}

bool mcd_sa_is_active(const struct mcd_group *g, const struct mcd_sa *sa)
{
	if (g->dir != MCSEC_DIR_ENCRYPT)
		return false;
	if (mcd_format_is_esp(g->format))
		return g->tx_sa == sa;
	return g->tx_parity == sa->parity;
}

void mcd_group_set_tx(struct mcd_group *g, struct mcd_sa *sa)
{
	if (mcd_format_is_esp(g->format))
		__atomic_store_n(&g->tx_sa, sa, __ATOMIC_RELEASE);
	else
		__atomic_store_n(&g->tx_parity,
				 sa ? sa->parity : MCSEC_PARITY_UNSPEC,
				 __ATOMIC_RELEASE);
	mcd_tab.genid++;
}

static bool esp_decrypt(const struct mcd_group *g)
{
	return mcd_format_is_esp(g->format) && g->dir == MCSEC_DIR_DECRYPT;
}

/* The first group of the chain g's first key is in (g's own or not), or
 * NULL when there is none yet. */
static struct mcd_group *chain_head(const struct mcd_gkey *k)
{
	struct mcd_group *head;

	return rte_hash_lookup_data(mcd_tab.hash, k, (void **)&head) < 0 ? NULL : head;
}

/*
 * ESP decrypt groups of one address tell their packets apart by SPI, as in
 * mcsec.ko (mcsec_spi_taken): an SPI names one SA among all of them, or the
 * first group's SA would take the other's packets. True (and why, in err)
 * when a group of k's chain other than g has spi.
 */
static bool spi_taken(const struct mcd_gkey *k, const struct mcd_group *g,
		      u32 spi, char *err, size_t errlen)
{
	for (struct mcd_group *o = chain_head(k); o; o = o->next) {
		if (o != g && mcd_sa_by_spi(o, spi)) {
			snprintf(err, errlen, "SPI 0x%x is group %s's already (an SPI names one SA among the decrypt groups of an address)",
				 spi, o->name);
			return true;
		}
	}
	return false;
}

/*
 * Key expansion and ESP parameters of a fresh SA; returns 0, -EEXIST (an SA
 * with this SPI or parity), -EADDRINUSE (another decrypt group of the
 * address has the SPI), -ENOSPC (the group is full), -EINVAL (suite or
 * replay window does not fit) or -ENOMEM, with a message in err.
 */
int mcd_sa_insert(struct mcd_group *g, const struct mcd_sa *tmpl,
		  const struct mcd_key_material *km, char *err, size_t errlen)
{
	u32 kl = mc_suite_key_len(tmpl->suite);
	bool esp = mcd_format_is_esp(g->format);
	struct mcd_sa *sa;
	int slot = -1;

	if (esp ? !mc_suite_is_esp(tmpl->suite) :
	    tmpl->suite != MCSEC_SUITE_AES128_CBC) {
		snprintf(err, errlen, "suite %s does not fit format %s",
			 mcd_suite_name(tmpl->suite), mcd_format_name(g->format));
		return -EINVAL;
	}
	if (esp && (!tmpl->spi || mcd_sa_by_spi(g, tmpl->spi))) {
		snprintf(err, errlen, "SPI 0x%x is 0 or already in the group",
			 tmpl->spi);
		return -EEXIST;
	}
	if (esp && g->dir == MCSEC_DIR_DECRYPT && g->committed && g->chained &&
	    spi_taken(&g->keys[0], g, tmpl->spi, err, errlen))
		return -EADDRINUSE;
	if (!esp &&
	    (tmpl->parity < MCSEC_PARITY_EVEN || tmpl->parity > MCSEC_PARITY_ODD ||
	     g->parity_sa[tmpl->parity - 1])) {
		snprintf(err, errlen, "TS SA needs parity even or odd, once each");
		return -EEXIST;
	}
	for (u32 i = 0; esp && i < MCD_MAX_SAS && slot < 0; i++)
		if (!g->sas[i])
			slot = (int)i;
	if (esp && slot < 0) {
		snprintf(err, errlen, "more than %u SAs in a group", MCD_MAX_SAS);
		return -ENOSPC;
	}
	sa = rte_zmalloc("mcsec_sa", sizeof(*sa), RTE_CACHE_LINE_SIZE);
	if (!sa) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	*sa = *tmpl;
	sa->row = 0;
	for (u32 i = 1; i <= MCD_MAX_SA_ROWS && !sa->row; i++)
		if (!mcd_tab.sa_row_used[i])
			sa->row = i;
	if (!sa->row) {
		snprintf(err, errlen, "more than %u SAs", MCD_MAX_SA_ROWS);
		rte_free(sa);
		return -ENOSPC;
	}
	mcd_tab.sa_row_used[sa->row] = true;
	sa->flags &= MCSEC_SA_F_ESN;
	sa->added = mcd_now();
	sa->hard_hit = 0;
	sa->acct_pkts = sa->acct_bytes = 0;
	/* The workers stop at the hard time themselves, to the TSC tick. */
	sa->hard_tsc = sa->hard.seconds &&
		       sa->hard.seconds < UINT64_MAX / 4 / rte_get_tsc_hz() ?
		       rte_get_tsc_cycles() + sa->hard.seconds * rte_get_tsc_hz() : 0;
	rte_spinlock_init(&sa->lock);
	if (km->len < kl + (esp ? MC_SALT_LEN : 0u) ||
	    !(sa->key = mc_key_new(mcd_tab.keyeng, sa->suite, km->bytes, kl))) {
		snprintf(err, errlen, "the crypto backend refused the %s key",
			 mcd_suite_name(sa->suite));
		sa_free(sa);
		return -EINVAL;
	}
	if (esp) {
		sa->esp.spi = sa->spi;
		sa->esp.suite = sa->suite;
		sa->esp.format = g->format;
		sa->esp.esn = sa->flags & MCSEC_SA_F_ESN;
		memcpy(sa->esp.salt, km->bytes + kl, MC_SALT_LEN);
		sa->esp.key = sa->key;
		/* NULL without --cryptodev or when the device lacks the
		 * suite: the SA then runs on the lcores' engines. */
		sa->cdev = mcd_cdev_session_new(sa->suite,
						g->dir == MCSEC_DIR_ENCRYPT,
						sa->esp.esn, km->bytes, kl);
		sa->cdev_aad_len = sa->esp.esn ? 12 : 8;
		if (mc_replay_init(&sa->esp.replay,
				   g->dir == MCSEC_DIR_DECRYPT ? sa->replay_window : 0)) {
			snprintf(err, errlen,
				 "replay-window %u: 0, or 64..4096 in steps of 64",
				 sa->replay_window);
			sa_free(sa);
			return -EINVAL;
		}
		if (!sa->next_seq)
			sa->next_seq = 1;
		sa->seq0 = sa->next_seq;
		__atomic_store_n(&g->sas[slot], sa, __ATOMIC_RELEASE);
		/* The first SA of a sender starts sending; later ones on
		 * request (as in mcsec.ko). */
		if (g->dir == MCSEC_DIR_ENCRYPT &&
		    (tmpl->flags & MCSEC_SA_F_ACTIVE || !g->tx_sa))
			mcd_group_set_tx(g, sa);
	} else {
		__atomic_store_n(&g->parity_sa[sa->parity - 1], sa,
				 __ATOMIC_RELEASE);
		/* The control socket's groups follow mcsec.ko (a scrambler
		 * without a key for its parity takes this one); a
		 * configuration file's keep the parity the file gave. */
		if (g->dir == MCSEC_DIR_ENCRYPT &&
		    (tmpl->flags & MCSEC_SA_F_ACTIVE ||
		     (g->committed && !mcd_sa_by_parity(g, g->tx_parity))))
			mcd_group_set_tx(g, sa);
	}
	g->nsas++;
	mcd_tab.genid++;
	return 0;
}

bool mcd_sa_add(struct mcd_group *g, const struct mcd_sa *tmpl,
		const struct mcd_key_material *km, char *err, size_t errlen)
{
	return !mcd_sa_insert(g, tmpl, km, err, errlen);
}

void mcd_sa_del(struct mcd_group *g, struct mcd_sa *sa)
{
	/* Deleting the sender's SA stops the sender: it fails closed. */
	if (mcd_sa_is_active(g, sa))
		mcd_group_set_tx(g, NULL);
	for (u32 i = 0; i < MCD_MAX_SAS; i++)
		if (g->sas[i] == sa)
			__atomic_store_n(&g->sas[i], NULL, __ATOMIC_RELEASE);
	for (u32 i = 0; i < 2; i++)
		if (g->parity_sa[i] == sa)
			__atomic_store_n(&g->parity_sa[i], NULL, __ATOMIC_RELEASE);
	g->nsas--;
	mcd_tab.genid++;
	grace_period();
	sa_free(sa);
}

static bool same_match(const struct mcd_group *a, const struct mcd_group *b)
{
	u32 alen = a->family == MC_AF_INET ? 4 : 16;

	return a->family == b->family && a->dir == b->dir &&
	       a->port == b->port && a->have_saddr == b->have_saddr &&
	       !memcmp(a->daddr, b->daddr, alen) &&
	       (!a->have_saddr || !memcmp(a->saddr, b->saddr, alen));
}

static u32 slot_alloc(void)
{
	for (u32 s = 1; s <= MCD_MAX_GROUPS; s++) {
		if (!mcd_tab.slot_used[s]) {
			mcd_tab.slot_used[s] = true;
			return s;
		}
	}
	return 0;
}

/* IDs grow (wrapping, skipping live ones) so a deleted group's ID is not
 * soon taken by another: a client holding it gets ENOENT, not a stranger. */
static u32 id_alloc(void)
{
	for (;;) {
		u32 id = mcd_tab.next_id++;

		if (!mcd_tab.next_id)
			mcd_tab.next_id = 1;
		if (id && !mcd_group_by_id(id))
			return id;
	}
}

/* groups[] stays in ascending ID order: dumps walk it as mcsec.ko does. */
static void list_insert(struct mcd_group *g)
{
	u32 i = mcd_tab.ngroups;

	rte_spinlock_lock(&mcd_tab.lock);
	while (i && mcd_tab.groups[i - 1]->id > g->id) {
		mcd_tab.groups[i] = mcd_tab.groups[i - 1];
		i--;
	}
	mcd_tab.groups[i] = g;
	mcd_tab.ngroups++;
	rte_spinlock_unlock(&mcd_tab.lock);
}

static void list_remove(struct mcd_group *g)
{
	rte_spinlock_lock(&mcd_tab.lock);
	for (u32 i = 0; i < mcd_tab.ngroups; i++) {
		if (mcd_tab.groups[i] != g)
			continue;
		memmove(&mcd_tab.groups[i], &mcd_tab.groups[i + 1],
			(mcd_tab.ngroups - i - 1) * sizeof(mcd_tab.groups[0]));
		mcd_tab.ngroups--;
		break;
	}
	rte_spinlock_unlock(&mcd_tab.lock);
}

/* The cleartext claim of a required ESP decrypt group: its UDP key. */
static bool wants_claim(const struct mcd_group *g, u32 flags)
{
	return mcd_format_is_esp(g->format) && g->dir == MCSEC_DIR_DECRYPT &&
	       flags & MCSEC_GROUP_F_REQUIRED;
}

static int key_publish(struct mcd_group *g, const struct mcd_gkey *k)
{
	int r;

	if (rte_hash_lookup(mcd_tab.hash, k) >= 0)
		return -EEXIST;
	r = rte_hash_add_key_data(mcd_tab.hash, k, g);
	if (r < 0)
		return r;
	g->keys[g->nkeys++] = *k;
	return 0;
}

/* The link of key idx's chain: 0 the group's own key, 1 its claim. */
static struct mcd_group **link_of(struct mcd_group *g, u32 idx)
{
	return idx ? &g->claim_next : &g->next;
}

/*
 * A group's key idx (g->nkeys, the next): the first group of its
 * (address, port, direction; an ESP decrypt group's has its address
 * alone), or linked into the chain of those that differ by source (ESP
 * decrypt: or port): a source-specific one in front (the hash's data then
 * points to it, an atomic update), the one for any source at the end.
 * Readers see either the old chain or the new one, never a broken one.
 */
static int chain_publish(struct mcd_group *g, const struct mcd_gkey *k, u32 idx)
{
	struct mcd_group *head, *last;
	int r;

	*link_of(g, idx) = NULL;
	if (rte_hash_lookup_data(mcd_tab.hash, k, (void **)&head) < 0)
		return key_publish(g, k);
	/* Another kind of key (a claim, a group's own), or no chain. */
	if (!head->chained || idx >= head->nkeys || !mcd_gkey_eq(&head->keys[idx], k))
		return -EEXIST;
	if (g->have_saddr) {
		*link_of(g, idx) = head;
		r = rte_hash_add_key_data(mcd_tab.hash, k, g);
		if (r < 0)
			return r;
	} else {
		for (last = head; *link_of(last, idx); last = *link_of(last, idx))
			;
		/* One for any source; ESP decrypt: one for any source per port. */
		if (!last->have_saddr && (idx || !esp_decrypt(g)))
			return -EEXIST;
		__atomic_store_n(link_of(last, idx), g, __ATOMIC_RELEASE);
	}
	g->keys[g->nkeys++] = *k;
	return 0;
}

/* A UDP group for one source and any port (classify looks it up twice). */
static bool src_anyport(const struct mcd_group *g)
{
	return g->chained && g->have_saddr && !g->port && !esp_decrypt(g);
}

/* Unlinks key idx; returns the hash position to free, or -1. */
static int32_t chain_unpublish(struct mcd_group *g, const struct mcd_gkey *k,
			       u32 idx)
{
	struct mcd_group *head, *prev, *next = *link_of(g, idx);

	if (rte_hash_lookup_data(mcd_tab.hash, k, (void **)&head) < 0)
		return -1;
	if (head == g) {
		if (!next)
			return rte_hash_del_key(mcd_tab.hash, k);
		rte_hash_add_key_data(mcd_tab.hash, k, next);
		return -1;
	}
	for (prev = head; prev && *link_of(prev, idx) != g; prev = *link_of(prev, idx))
		;
	if (prev)
		__atomic_store_n(link_of(prev, idx), next, __ATOMIC_RELEASE);
	return -1;
}

/*
 * Takes the group's keys out of the hash. Their slots in the hash stay
 * reserved (lock-free mode) until free_positions(), after a grace period.
 */
static u32 keys_unpublish(struct mcd_group *g, u32 from, int32_t *pos)
{
	u32 n = 0;

	for (u32 i = from; i < g->nkeys; i++) {
		int32_t p = g->chained ? chain_unpublish(g, &g->keys[i], i) :
			    rte_hash_del_key(mcd_tab.hash, &g->keys[i]);

		if (p >= 0)
			pos[n++] = p;
	}
	g->nkeys = from;
	return n;
}

static void free_positions(const int32_t *pos, u32 n)
{
	for (u32 i = 0; i < n; i++)
		rte_hash_free_key_with_position(mcd_tab.hash, pos[i]);
}

/* A configuration file gives PID ranges: dumps list them one by one. */
static bool pids_from_map(struct mcd_group *g)
{
	u32 n = 0;

	g->pids = rte_malloc("mcsec_pids", sizeof(u16) * (MCD_PID_MAX + 1), 0);
	if (!g->pids)
		return false;
	for (u32 pid = 0; pid <= MCD_PID_MAX; pid++)
		if (g->pid_map[pid / 8] & (1u << (pid % 8)))
			g->pids[n++] = (u16)pid;
	g->npids = n;
	return true;
}

int mcd_group_publish(struct mcd_group *g, char *err, size_t errlen)
{
	struct mcd_gkey k;
	char addr[INET6_ADDRSTRLEN];
	u8 proto = MC_IPPROTO_UDP;
	u16 port = g->port;
	int32_t pos[2];
	int r;

	if (g->dir != MCSEC_DIR_ENCRYPT && g->dir != MCSEC_DIR_DECRYPT) {
		snprintf(err, errlen, "a group needs a direction");
		return -EINVAL;
	}
	switch (g->format) {
	case MCSEC_FORMAT_ESP_TUNNEL:
	case MCSEC_FORMAT_ESP_TRANSPORT:
		g->ops = g->dir == MCSEC_DIR_ENCRYPT ? &mcd_ops_esp_encrypt :
						       &mcd_ops_esp_decrypt;
		if (g->dir == MCSEC_DIR_DECRYPT) {
			proto = MC_IPPROTO_ESP;
			port = 0;
		}
		break;
	case MCSEC_FORMAT_TS_CISSA:
	case MCSEC_FORMAT_TS_IDSA:
		if (!g->port) {
			snprintf(err, errlen, "TS formats need a UDP port");
			return -EINVAL;
		}
		g->ops = g->dir == MCSEC_DIR_ENCRYPT ? &mcd_ops_ts_scramble :
						       &mcd_ops_ts_descramble;
		g->ts.format = g->format;
		g->ts.rtp = g->flags & MCSEC_GROUP_F_RTP;
		g->ts.pid_map = g->have_pids ? g->pid_map : NULL;
		break;
	default:
		snprintf(err, errlen, "a group needs a format");
		return -EINVAL;
	}
	inet_ntop(g->family == MC_AF_INET ? AF_INET : AF_INET6, g->daddr,
		  addr, sizeof(addr));
	snprintf(g->name, sizeof(g->name), g->family == MC_AF_INET ?
		 "%s:%u %s %s" : "[%s]:%u %s %s", addr, g->port,
		 mcd_dir_name(g->dir), mcd_format_name(g->format));
	for (u32 i = 0; i < mcd_tab.ngroups; i++) {
		if (same_match(mcd_tab.groups[i], g)) {
			snprintf(err, errlen, "a group with this match exists");
			return -EEXIST;
		}
	}
	if (mcd_tab.ngroups >= MCD_MAX_GROUPS) {
		snprintf(err, errlen, "the appliance holds %u groups already",
			 MCD_MAX_GROUPS);
		return -ENOSPC;
	}
	g->nkeys = 0;
	mcd_gkey_fill(&k, g->family, g->daddr, proto, g->dir, port);
	for (u32 i = 0; esp_decrypt(g) && i < MCD_MAX_SAS; i++)
		if (g->sas[i] && spi_taken(&k, g, g->sas[i]->spi, err, errlen))
			return -EEXIST;
	g->chained = true;
	r = chain_publish(g, &k, 0);
	if (r == -EEXIST) {
		g->chained = false;
		snprintf(err, errlen, proto == MC_IPPROTO_ESP ?
			 "another ESP decrypt group of this address is in the way" :
			 "a required ESP decrypt group claims this address and port in clear");
		return r;
	}
	/* A required ESP decrypt group also claims its address and port in
	 * clear, to drop cleartext that pretends to be the group. */
	if (!r && wants_claim(g, g->flags)) {
		mcd_gkey_fill(&k, g->family, g->daddr, MC_IPPROTO_UDP, g->dir,
			      g->port);
		r = chain_publish(g, &k, 1);
		if (r) {
			free_positions(pos, keys_unpublish(g, 0, pos));
			snprintf(err, errlen,
				 "its address and port in clear are another group's");
			return r == -EEXIST ? r : -ENOSPC;
		}
	}
	if (r) {
		snprintf(err, errlen, "group %s: hash insert failed: %s",
			 g->name, strerror(-r));
		return -ENOSPC;
	}
	if (g->have_pids && !g->pids && !pids_from_map(g)) {
		free_positions(pos, keys_unpublish(g, 0, pos));
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (src_anyport(g))
		__atomic_fetch_add(&mcd_tab.src_anyport, 1, __ATOMIC_RELEASE);
	g->id = id_alloc();
	g->slot = slot_alloc();
	g->committed = true;
	list_insert(g);
	mcd_tab.genid++;
	return 0;
}

bool mcd_group_commit(struct mcd_group *g, char *err, size_t errlen)
{
	/* A configuration file's scrambler starts on even by default. */
	if (!mcd_format_is_esp(g->format) && g->dir == MCSEC_DIR_ENCRYPT &&
	    !g->tx_parity)
		g->tx_parity = MCSEC_PARITY_EVEN;
	return !mcd_group_publish(g, err, errlen);
}

bool mcd_group_set_flags(struct mcd_group *g, u32 flags, char *err,
			 size_t errlen)
{
	bool had = wants_claim(g, g->flags), wants = wants_claim(g, flags);
	struct mcd_gkey k;
	int32_t pos[2];
	u32 n;

	if (wants && !had) {
		mcd_gkey_fill(&k, g->family, g->daddr, MC_IPPROTO_UDP, g->dir,
			      g->port);
		if (chain_publish(g, &k, 1)) {
			snprintf(err, errlen,
				 "its address and port in clear are another group's");
			return false;
		}
	} else if (had && !wants) {
		n = keys_unpublish(g, 1, pos);
		grace_period();
		free_positions(pos, n);
	}
	__atomic_store_n(&g->flags, flags, __ATOMIC_RELEASE);
	mcd_tab.genid++;
	return true;
}

void mcd_groups_del(struct mcd_group **gs, u32 n)
{
	static int32_t pos[2 * MCD_MAX_GROUPS];	/* main lcore only */
	u32 npos = 0;

	for (u32 i = 0; i < n; i++) {
		npos += keys_unpublish(gs[i], 0, pos + npos);
		if (src_anyport(gs[i]))
			__atomic_fetch_sub(&mcd_tab.src_anyport, 1, __ATOMIC_RELEASE);
		list_remove(gs[i]);
	}
	mcd_tab.genid++;
	grace_period();
	free_positions(pos, npos);
	for (u32 i = 0; i < n; i++) {
		rte_spinlock_lock(&mcd_tab.lock);
		mcd_stats_retire(gs[i]->slot);
		mcd_tab.slot_used[gs[i]->slot] = false;
		rte_spinlock_unlock(&mcd_tab.lock);
		group_free(gs[i]);
	}
}

void mcd_group_del(struct mcd_group *g)
{
	mcd_groups_del(&g, 1);
}
