// SPDX-License-Identifier: GPL-2.0
/*
 * Groups and SAs: the per-namespace tables, their counters and lifetimes.
 *
 * Two indexes over the same groups: an xarray by ID for the control path
 * (dumps resume from an ID, requests name groups by ID) and a small RCU hash
 * by group address for the packet path. Writers hold mcsec_net.lock; the
 * packet path takes no lock but the SA's own spinlock around the replay
 * window update, which the core wants serialised per SA.
 *
 * Lifetimes: packets and bytes are counted per SA in the packet path, which
 * refuses an SA past a hard limit at once (fail closed) and wakes the
 * per-namespace lifetime worker when it crosses any limit. The worker, in
 * process context under the lock, sends the events and removes hard-expired
 * SAs; it also polls once a second while some SA has a limit in seconds.
 */
#include <linux/jhash.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/xarray.h>

#include "crypto.h"
#include "group.h"
#include "mcsec.h"
#include "suite.h"

struct mcsec_stats __percpu *mcsec_stats_alloc(void)
{
	struct mcsec_stats __percpu *st;
	int cpu;

	st = alloc_percpu_gfp(struct mcsec_stats, GFP_KERNEL);
	if (!st)
		return NULL;
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(st, cpu)->syncp);
	return st;
}

/* Packet path: the caller keeps the CPU (bottom halves disabled). */
void mcsec_stats_add(struct mcsec_stats __percpu *st, unsigned int idx, u64 n)
{
	struct mcsec_stats *s = this_cpu_ptr(st);

	if (idx > MCSEC_STAT_A_MAX)
		return;
	u64_stats_update_begin(&s->syncp);
	s->c[idx] += n;
	u64_stats_update_end(&s->syncp);
}

void mcsec_stats_read(struct mcsec_stats __percpu *st,
		      u64 out[MCSEC_STAT_A_MAX + 1])
{
	u64 one[MCSEC_STAT_A_MAX + 1];
	unsigned int start, i;
	int cpu;

	memset(out, 0, sizeof(one));
	for_each_possible_cpu(cpu) {
		const struct mcsec_stats *s = per_cpu_ptr(st, cpu);

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			memcpy(one, s->c, sizeof(one));
		} while (u64_stats_fetch_retry(&s->syncp, start));
		for (i = 0; i <= MCSEC_STAT_A_MAX; i++)
			out[i] += one[i];
	}
}

static u32 mcsec_alen(u16 family)
{
	return family == AF_INET ? 4 : 16;
}

static struct hlist_head *mcsec_bucket(struct mcsec_net *mn, u16 family,
				       const void *daddr)
{
	u32 h = jhash(daddr, mcsec_alen(family), family);

	return &mn->hash[h & (MCSEC_HASH_SIZE - 1)];
}

void mcsec_changed(struct mcsec_net *mn)
{
	/* Never 0: a dump's cb->seq of 0 means "not checked". */
	if (!++mn->genid)
		mn->genid = 1;
}

/*
 * How well a group matches a packet: -1 not at all, else higher is more
 * specific (source, then input interface, then port). ESP carries no port
 * that the group could be asked about, so esp ignores it.
 */
static int mcsec_score(const struct mcsec_group *g, u16 family,
		       const void *daddr, const void *saddr, u16 dport,
		       int ifindex, u8 dir, bool esp)
{
	const struct mcsec_match *m = &g->m;
	u32 alen = mcsec_alen(family);

	if (m->family != family || m->dir != dir ||
	    memcmp(&m->daddr, daddr, alen))
		return -1;
	if (m->has_saddr && memcmp(&m->saddr, saddr, alen))
		return -1;
	if (m->ifindex && m->ifindex != ifindex)
		return -1;
	if (!esp && m->port && m->port != dport)
		return -1;
	return (m->has_saddr ? 4 : 0) + (m->ifindex ? 2 : 0) +
	       (m->port ? 1 : 0);
}

struct mcsec_group *mcsec_lookup(struct mcsec_net *mn, u16 family,
				 const void *daddr, const void *saddr,
				 u16 dport, int ifindex, u8 dir, bool esp)
{
	struct mcsec_group *g, *best = NULL;
	int score, best_score = -1;

	hlist_for_each_entry_rcu(g, mcsec_bucket(mn, family, daddr), hnode) {
		score = mcsec_score(g, family, daddr, saddr, dport, ifindex,
				    dir, esp);
		if (score > best_score) {
			best = g;
			best_score = score;
		}
	}
	return best;
}

/*
 * ESP arriving at a group address. Receivers look group SAs up by (SPI,
 * group address), RFC 5374 section 5.1, narrowed by source and input
 * interface where the group names them. Without such an SA, *gp is the ESP
 * decrypt group the packet is addressed to (its drop counts there as
 * IN_PKTS_NO_SA), or NULL: then it is not ours (Linux xfrm's, maybe). TS
 * groups of the same address never claim ESP.
 */
struct mcsec_sa *mcsec_lookup_esp(struct mcsec_net *mn, u16 family,
				  const void *daddr, const void *saddr,
				  int ifindex, u32 spi, struct mcsec_group **gp)
{
	struct mcsec_group *g, *best = NULL;
	int i, score, best_score = -1;
	struct mcsec_sa *sa;

	hlist_for_each_entry_rcu(g, mcsec_bucket(mn, family, daddr), hnode) {
		if (mcsec_format_is_ts(g->format))
			continue;
		score = mcsec_score(g, family, daddr, saddr, 0, ifindex,
				    MCSEC_DIR_DECRYPT, true);
		if (score < 0)
			continue;
		for (i = 0; i < MCSEC_GROUP_MAX_SA; i++) {
			sa = rcu_dereference(g->sa[i]);
			if (sa && sa->spi == spi) {
				*gp = g;
				return sa;
			}
		}
		if (score > best_score) {
			best = g;
			best_score = score;
		}
	}
	*gp = best;
	return NULL;
}

struct mcsec_sa *mcsec_group_tx_sa(struct mcsec_group *g)
{
	u8 parity;

	if (!mcsec_format_is_ts(g->format))
		return rcu_dereference(g->tx_sa);
	parity = READ_ONCE(g->tx_parity);
	if (parity != MCSEC_PARITY_EVEN && parity != MCSEC_PARITY_ODD)
		return NULL;
	return rcu_dereference(g->sa[parity - 1]);
}

static void mcsec_lifetime_kick(struct mcsec_sa *sa)
{
	struct mcsec_net *mn = sa->group->mn;

	mod_delayed_work(mcsec_wq, &mn->lifetime_work, 0);
}

/*
 * The counter only moves forward: once it reaches 0 (after 2^64 - 1 with
 * ESN, or set so here past 2^32 - 1 without) it stays there, so a spent
 * space can never wrap into reuse, and dumps show 0 for "spent" rather than
 * a number past the end of the space.
 */
u64 mcsec_sa_next_seq(struct mcsec_sa *sa)
{
	u64 seq = atomic64_fetch_add_unless(&sa->seq_next, 1, 0);
	u64 last = (sa->flags & MCSEC_SA_F_ESN) ? U64_MAX : U32_MAX;

	if (seq && seq <= last)
		return seq;
	/* Racing senders past the end only ever store the same 0. */
	atomic64_set(&sa->seq_next, 0);
	if (!test_and_set_bit(MCSEC_SA_EXHAUSTED, &sa->state))
		mcsec_lifetime_kick(sa);
	return 0;
}

static bool mcsec_over(u64 limit, u64 v)
{
	return limit && v > limit;
}

static bool mcsec_reached(u64 limit, u64 v)
{
	return limit && v >= limit;
}

bool mcsec_sa_usable(const struct mcsec_sa *sa)
{
	if (test_bit(MCSEC_SA_HARD_HIT, &sa->state))
		return false;
	return !mcsec_reached(sa->hard.seconds,
			      ktime_get_seconds() - sa->added);
}

bool mcsec_sa_account(struct mcsec_sa *sa, u32 bytes)
{
	u64 p = atomic64_inc_return(&sa->pkts);
	u64 b = atomic64_add_return(bytes, &sa->bytes);

	if (mcsec_over(sa->hard.packets, p) || mcsec_over(sa->hard.bytes, b)) {
		if (!test_and_set_bit(MCSEC_SA_HARD_HIT, &sa->state))
			mcsec_lifetime_kick(sa);
		return false;
	}
	if (mcsec_reached(sa->hard.packets, p) ||
	    mcsec_reached(sa->hard.bytes, b)) {
		/* This one may still go; the SA is spent after it. */
		if (!test_and_set_bit(MCSEC_SA_HARD_HIT, &sa->state))
			mcsec_lifetime_kick(sa);
		return true;
	}
	if ((mcsec_reached(sa->soft.packets, p) ||
	     mcsec_reached(sa->soft.bytes, b)) &&
	    !test_and_set_bit(MCSEC_SA_SOFT_HIT, &sa->state))
		mcsec_lifetime_kick(sa);
	return true;
}

static void mcsec_sa_free_work(struct work_struct *w)
{
	struct mcsec_sa *sa = container_of(to_rcu_work(w), struct mcsec_sa,
					   free_work);

	mcsec_key_free(sa->key);
	free_percpu(sa->stats);
	/* Replay state and salt are not secret, but the SA held the key. */
	kfree_sensitive(sa);
}

static int mcsec_sa_slot(struct mcsec_group *g, struct mcsec_sa *sa)
{
	int i;

	for (i = 0; i < MCSEC_GROUP_MAX_SA; i++)
		if (rcu_access_pointer(g->sa[i]) == sa)
			return i;
	return -1;
}

struct mcsec_sa *mcsec_sa_find(struct mcsec_group *g, u32 spi, u8 parity)
{
	struct mcsec_sa *sa;
	int i;

	if (mcsec_format_is_ts(g->format)) {
		if (parity != MCSEC_PARITY_EVEN && parity != MCSEC_PARITY_ODD)
			return NULL;
		return rcu_dereference_protected(g->sa[parity - 1],
					lockdep_is_held(&g->mn->lock));
	}
	for (i = 0; i < MCSEC_GROUP_MAX_SA; i++) {
		sa = rcu_dereference_protected(g->sa[i],
					lockdep_is_held(&g->mn->lock));
		if (sa && sa->spi == spi)
			return sa;
	}
	return NULL;
}

bool mcsec_sa_is_active(struct mcsec_sa *sa)
{
	struct mcsec_group *g = sa->group;

	if (mcsec_format_is_ts(g->format))
		return READ_ONCE(g->tx_parity) == sa->parity;
	return rcu_access_pointer(g->tx_sa) == sa;
}

/* Writer side: does the group's sender have an SA to use? */
static bool mcsec_group_tx_sa_locked(struct mcsec_group *g)
{
	u8 parity = g->tx_parity;

	if (!mcsec_format_is_ts(g->format))
		return rcu_access_pointer(g->tx_sa);
	return (parity == MCSEC_PARITY_EVEN || parity == MCSEC_PARITY_ODD) &&
	       rcu_access_pointer(g->sa[parity - 1]);
}

static void mcsec_sa_activate(struct mcsec_group *g, struct mcsec_sa *sa)
{
	if (mcsec_format_is_ts(g->format))
		WRITE_ONCE(g->tx_parity, sa->parity);
	else
		rcu_assign_pointer(g->tx_sa, sa);
}

/* A free slot: TS keys sit at their parity, ESP SAs anywhere. */
static int mcsec_sa_free_slot(struct mcsec_group *g, u8 parity)
{
	int i;

	if (mcsec_format_is_ts(g->format))
		return rcu_access_pointer(g->sa[parity - 1]) ? -EEXIST :
							       parity - 1;
	for (i = 0; i < MCSEC_GROUP_MAX_SA; i++)
		if (!rcu_access_pointer(g->sa[i]))
			return i;
	return -ENOSPC;
}

static int mcsec_sa_init(struct mcsec_group *g, struct mcsec_sa *sa,
			 const struct mcsec_sa_cfg *cfg)
{
	sa->group = g;
	sa->spi = cfg->spi;
	sa->parity = cfg->parity;
	sa->suite = cfg->suite;
	sa->flags = cfg->flags & MCSEC_SA_F_ESN;
	sa->soft = cfg->soft;
	sa->hard = cfg->hard;
	sa->replay_window = cfg->replay_window;
	sa->added = ktime_get_seconds();
	spin_lock_init(&sa->lock);
	atomic64_set(&sa->seq_next, cfg->seq ? cfg->seq : 1);
	INIT_RCU_WORK(&sa->free_work, mcsec_sa_free_work);
	sa->stats = mcsec_stats_alloc();
	if (!sa->stats)
		return -ENOMEM;
	sa->key = mcsec_key_new(cfg->suite, cfg->key, cfg->key_len);
	if (IS_ERR(sa->key)) {
		int err = PTR_ERR(sa->key);

		sa->key = NULL;
		return err;
	}
	sa->esp.spi = cfg->spi;
	sa->esp.suite = cfg->suite;
	sa->esp.format = g->format;
	sa->esp.esn = !!(cfg->flags & MCSEC_SA_F_ESN);
	sa->esp.key = sa->key;
	if (cfg->salt)
		memcpy(sa->esp.salt, cfg->salt, MC_SALT_LEN);
	if (mc_replay_init(&sa->esp.replay, cfg->replay_window))
		return -EINVAL;
	return 0;
}

/*
 * Receivers find an SA by (group address, SPI) before they know which of
 * the address's groups it belongs to (mcsec_lookup_esp): two decrypt groups
 * of one address (other ports or sources) must not share an SPI, or the
 * first one's SA would take the other's packets.
 */
static bool mcsec_spi_taken(struct mcsec_group *g, u32 spi)
{
	struct mcsec_net *mn = g->mn;
	u32 alen = mcsec_alen(g->m.family);
	struct mcsec_group *o;

	hlist_for_each_entry(o, mcsec_bucket(mn, g->m.family, &g->m.daddr),
			     hnode) {
		if (o == g || o->m.family != g->m.family ||
		    o->m.dir != MCSEC_DIR_DECRYPT ||
		    mcsec_format_is_ts(o->format) ||
		    memcmp(&o->m.daddr, &g->m.daddr, alen))
			continue;
		if (mcsec_sa_find(o, spi, 0))
			return true;
	}
	return false;
}

struct mcsec_sa *mcsec_sa_add(struct mcsec_group *g,
			      const struct mcsec_sa_cfg *cfg)
{
	struct mcsec_sa *sa;
	int slot, err;

	lockdep_assert_held(&g->mn->lock);
	if (!mcsec_format_is_ts(g->format) && mcsec_sa_find(g, cfg->spi, 0))
		return ERR_PTR(-EEXIST);
	if (!mcsec_format_is_ts(g->format) && g->m.dir == MCSEC_DIR_DECRYPT &&
	    mcsec_spi_taken(g, cfg->spi))
		return ERR_PTR(-EADDRINUSE);
	slot = mcsec_sa_free_slot(g, cfg->parity);
	if (slot < 0)
		return ERR_PTR(slot);
	sa = kzalloc(sizeof(*sa), GFP_KERNEL);
	if (!sa)
		return ERR_PTR(-ENOMEM);
	err = mcsec_sa_init(g, sa, cfg);
	if (err) {
		mcsec_key_free(sa->key);
		free_percpu(sa->stats);
		kfree_sensitive(sa);
		return ERR_PTR(err);
	}
	rcu_assign_pointer(g->sa[slot], sa);
	/* The first SA of a group starts sending; later ones on request. */
	if (g->m.dir == MCSEC_DIR_ENCRYPT &&
	    ((cfg->flags & MCSEC_SA_F_ACTIVE) || !mcsec_group_tx_sa_locked(g)))
		mcsec_sa_activate(g, sa);
	if (sa->soft.seconds || sa->hard.seconds)
		queue_delayed_work(mcsec_wq, &g->mn->lifetime_work, HZ);
	mcsec_changed(g->mn);
	return sa;
}

void mcsec_sa_del(struct mcsec_sa *sa)
{
	struct mcsec_group *g = sa->group;
	int slot = mcsec_sa_slot(g, sa);

	lockdep_assert_held(&g->mn->lock);
	if (slot >= 0)
		RCU_INIT_POINTER(g->sa[slot], NULL);
	/* Deleting the sender's SA stops the sender: it fails closed. */
	if (rcu_access_pointer(g->tx_sa) == sa)
		RCU_INIT_POINTER(g->tx_sa, NULL);
	queue_rcu_work(mcsec_wq, &sa->free_work);
	mcsec_changed(g->mn);
}

int mcsec_group_set_tx_parity(struct mcsec_group *g, u8 parity)
{
	if (!mcsec_sa_find(g, 0, parity))
		return -ENOENT;
	WRITE_ONCE(g->tx_parity, parity);
	mcsec_changed(g->mn);
	return 0;
}

int mcsec_group_set_tx_spi(struct mcsec_group *g, u32 spi)
{
	struct mcsec_sa *sa = mcsec_sa_find(g, spi, 0);

	if (!sa)
		return -ENOENT;
	rcu_assign_pointer(g->tx_sa, sa);
	mcsec_changed(g->mn);
	return 0;
}

void mcsec_group_set_flags(struct mcsec_group *g, u32 flags)
{
	WRITE_ONCE(g->flags, flags);
	mcsec_changed(g->mn);
}

static bool mcsec_match_equal(const struct mcsec_match *a,
			      const struct mcsec_match *b)
{
	u32 alen = mcsec_alen(a->family);

	return a->family == b->family && a->dir == b->dir &&
	       a->port == b->port && a->ifindex == b->ifindex &&
	       a->has_saddr == b->has_saddr &&
	       !memcmp(&a->daddr, &b->daddr, alen) &&
	       (!a->has_saddr || !memcmp(&a->saddr, &b->saddr, alen));
}

struct mcsec_group *mcsec_group_by_match(struct mcsec_net *mn,
					 const struct mcsec_match *m)
{
	struct mcsec_group *g;

	lockdep_assert_held(&mn->lock);
	hlist_for_each_entry(g, mcsec_bucket(mn, m->family, &m->daddr), hnode)
		if (mcsec_match_equal(&g->m, m))
			return g;
	return NULL;
}

struct mcsec_group *mcsec_group_by_id(struct mcsec_net *mn, u32 id)
{
	lockdep_assert_held(&mn->lock);
	return xa_load(&mn->groups, id);
}

static void mcsec_group_free(struct mcsec_group *g)
{
	free_percpu(g->stats);
	kfree(g->pids);
	kfree(g->ts.pid_map);
	kfree(g);
}

static void mcsec_group_free_work(struct work_struct *w)
{
	mcsec_group_free(container_of(to_rcu_work(w), struct mcsec_group,
				      free_work));
}

/* The PID list as given (for dumps) and as the core's bitmap. */
static int mcsec_group_set_pids(struct mcsec_group *g, const u16 *pids,
				u32 n)
{
	u8 *map;
	u32 i;

	if (!n)
		return 0;
	g->pids = kmemdup(pids, n * sizeof(*pids), GFP_KERNEL);
	map = kzalloc(MC_TS_PID_MAP_BYTES, GFP_KERNEL);
	if (!g->pids || !map) {
		kfree(map);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		map[pids[i] >> 3] |= 1U << (pids[i] & 7);
	g->n_pids = n;
	g->ts.pid_map = map;
	return 0;
}

struct mcsec_group *mcsec_group_add(struct mcsec_net *mn,
				    const struct mcsec_group_cfg *cfg)
{
	struct mcsec_group *g;
	int err;

	lockdep_assert_held(&mn->lock);
	if (mcsec_group_by_match(mn, &cfg->m))
		return ERR_PTR(-EEXIST);
	g = kzalloc(sizeof(*g), GFP_KERNEL);
	if (!g)
		return ERR_PTR(-ENOMEM);
	g->mn = mn;
	g->m = cfg->m;
	g->format = cfg->format;
	g->flags = cfg->flags;
	g->ts.format = cfg->format;
	g->ts.rtp = !!(cfg->flags & MCSEC_GROUP_F_RTP);
	INIT_RCU_WORK(&g->free_work, mcsec_group_free_work);
	g->stats = mcsec_stats_alloc();
	err = g->stats ? mcsec_group_set_pids(g, cfg->pids, cfg->n_pids) :
			 -ENOMEM;
	if (!err)
		err = xa_alloc_cyclic(&mn->groups, &g->id, g,
				      XA_LIMIT(1, U32_MAX), &mn->next_id,
				      GFP_KERNEL);
	if (err < 0) {
		mcsec_group_free(g);
		return ERR_PTR(err);
	}
	hlist_add_head_rcu(&g->hnode, mcsec_bucket(mn, g->m.family,
						   &g->m.daddr));
	WRITE_ONCE(mn->n_groups, mn->n_groups + 1);
	mcsec_changed(mn);
	return g;
}

void mcsec_group_del(struct mcsec_group *g)
{
	struct mcsec_net *mn = g->mn;
	struct mcsec_sa *sa;
	int i;

	lockdep_assert_held(&mn->lock);
	for (i = 0; i < MCSEC_GROUP_MAX_SA; i++) {
		sa = rcu_dereference_protected(g->sa[i],
					       lockdep_is_held(&mn->lock));
		if (sa)
			mcsec_sa_del(sa);
	}
	hlist_del_rcu(&g->hnode);
	xa_erase(&mn->groups, g->id);
	WRITE_ONCE(mn->n_groups, mn->n_groups - 1);
	queue_rcu_work(mcsec_wq, &g->free_work);
	mcsec_changed(mn);
}

void mcsec_groups_flush(struct mcsec_net *mn)
{
	struct mcsec_group *g;
	unsigned long id;

	lockdep_assert_held(&mn->lock);
	xa_for_each(&mn->groups, id, g)
		mcsec_group_del(g);
}

/* Which limit of lt is reached by the SA's counts and age, 0 if none. */
static u8 mcsec_limit_reached(const struct mcsec_lifetime *lt,
			      struct mcsec_sa *sa, time64_t age)
{
	if (mcsec_reached(lt->packets, atomic64_read(&sa->pkts)))
		return MCSEC_LIMIT_PACKETS;
	if (mcsec_reached(lt->bytes, atomic64_read(&sa->bytes)))
		return MCSEC_LIMIT_BYTES;
	if (mcsec_reached(lt->seconds, age))
		return MCSEC_LIMIT_SECONDS;
	return 0;
}

/*
 * One SA's lifetime check, under the lock. Returns true while the SA still
 * needs the once-a-second poll (a limit in seconds not reached yet).
 */
static bool mcsec_sa_check(struct mcsec_net *mn, struct mcsec_group *g,
			   struct mcsec_sa *sa)
{
	time64_t age = ktime_get_seconds() - sa->added;
	u8 limit;

	if (test_bit(MCSEC_SA_EXHAUSTED, &sa->state) &&
	    !test_and_set_bit(MCSEC_SA_EXHAUSTED_SENT, &sa->state))
		mcsec_nl_event(mn, g, sa, MCSEC_EVENT_SEQ_EXHAUSTED, 0);
	/*
	 * Soft before hard: a burst may cross both before the worker runs,
	 * and a listener must still see the soft limit it asked for.
	 */
	limit = mcsec_limit_reached(&sa->soft, sa, age);
	if (limit && !test_and_set_bit(MCSEC_SA_SOFT_SENT, &sa->state))
		mcsec_nl_event(mn, g, sa, MCSEC_EVENT_SOFT_EXPIRE, limit);
	limit = mcsec_limit_reached(&sa->hard, sa, age);
	if (limit) {
		set_bit(MCSEC_SA_HARD_HIT, &sa->state);
		mcsec_nl_event(mn, g, sa, MCSEC_EVENT_HARD_EXPIRE, limit);
		mcsec_sa_del(sa);
		return false;
	}
	return sa->hard.seconds ||
	       (sa->soft.seconds && !test_bit(MCSEC_SA_SOFT_SENT, &sa->state));
}

static void mcsec_lifetime_work(struct work_struct *w)
{
	struct mcsec_net *mn = container_of(to_delayed_work(w),
					    struct mcsec_net, lifetime_work);
	struct mcsec_group *g;
	struct mcsec_sa *sa;
	bool again = false;
	unsigned long id;
	int i;

	mutex_lock(&mn->lock);
	xa_for_each(&mn->groups, id, g) {
		for (i = 0; i < MCSEC_GROUP_MAX_SA; i++) {
			sa = rcu_dereference_protected(g->sa[i],
					lockdep_is_held(&mn->lock));
			if (sa)
				again |= mcsec_sa_check(mn, g, sa);
		}
	}
	if (again && !mn->dying)
		queue_delayed_work(mcsec_wq, &mn->lifetime_work, HZ);
	mutex_unlock(&mn->lock);
}

int mcsec_groups_init(struct mcsec_net *mn)
{
	xa_init_flags(&mn->groups, XA_FLAGS_ALLOC1);
	INIT_DELAYED_WORK(&mn->lifetime_work, mcsec_lifetime_work);
	mn->genid = 1;
	mn->stats = mcsec_stats_alloc();
	return mn->stats ? 0 : -ENOMEM;
}

/* The hooks are gone and no request can reach a dying namespace. */
void mcsec_groups_exit(struct mcsec_net *mn)
{
	mutex_lock(&mn->lock);
	mn->dying = true;
	mutex_unlock(&mn->lock);
	cancel_delayed_work_sync(&mn->lifetime_work);
	mutex_lock(&mn->lock);
	mcsec_groups_flush(mn);
	mutex_unlock(&mn->lock);
	xa_destroy(&mn->groups);
	/* The hooks are unregistered: no CPU still counts into these. */
	free_percpu(mn->stats);
	mn->stats = NULL;
}
