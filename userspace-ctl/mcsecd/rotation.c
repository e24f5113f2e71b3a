// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * rotation.c: hitless key rotation, one state machine per group.
 *
 *   IDLE        the senders use cur; at rekey-at (or on a revocation):
 *   DISTRIBUTE  next drawn and saved, then sent to every member (senders
 *               install it unused); wait until every member it waits for
 *               (the connected ones: not_awaited) acknowledged it, at
 *               most ack-timeout;
 *   SWITCH      next becomes cur (saved), the senders are told to switch;
 *               wait until every configured sender uses cur: one that is
 *               slow, stopped or cut off from the server still sends with
 *               old, so old stays at the receivers until it switched (it
 *               does at its next ack, or when it resyncs after a
 *               reconnection); only a revoked sender is not waited for;
 *   GRACE       old is kept for the packets still in flight, grace long;
 *   -> IDLE     old retired everywhere.
 *
 * Receivers therefore hold a key before any sender uses it, and keep the
 * old one until nothing sent with it can still arrive: no packet is lost.
 * Every phase change is written to the state file before any member hears
 * of it, so a server killed at any point resumes the same rotation with
 * the same keys. A revocation asks for a rotation at once: the one under
 * way (which the revoked member may have seen) is finished without grace
 * and a fresh one follows.
 */
#include <inttypes.h>
#include <string.h>

#include "libmcsec.h"
#include "log.h"
#include "server.h"

static const struct cfg_group *cfg_of(struct server *s, const struct gstate *g)
{
	return config_group(&s->cfg, g->name);
}

/* Configured members of g with the role (0: any role). */
static int configured(struct server *s, const struct cfg_group *cg, uint8_t role)
{
	int n = 0;

	for (int i = 0; i < s->cfg.nmembers; i++) {
		uint8_t r = config_role(&s->cfg, cg, &s->cfg.members[i]);

		if (r && (!role || r == role))
			n++;
	}
	return n;
}

/* Connected members of g with the role (0: any). */
static int connected(struct server *s, const struct gstate *g, uint8_t role)
{
	int n = 0;

	for (struct session *se = s->sessions; se; se = se->next) {
		struct membership *m = se->hello && !se->c.closed ? session_membership(se, g) : NULL;

		if (m && (!role || m->role == role))
			n++;
	}
	return n;
}

/* Why a configured member of g is not a receiver the rotation waits for,
 * or NULL if it is. The connected ones are waited for, and so is one whose
 * session ended less than ack-timeout ago (it may be on its way back: a
 * reconnecting member, or every member just after a server start). One
 * whose certificate is known to be refused is not, nor one gone for longer
 * (it gets the current keys when it comes back): neither can acknowledge,
 * and waiting for them would hold every rotation for its whole ack-timeout. */
static const char *not_awaited(struct server *s, const struct gstate *g,
			       const struct cfg_member *cm)
{
	struct session *se = session_of(s, cm->name);
	struct mnote *n;
	int64_t gone;

	if (se && session_membership(se, g))
		return NULL;
	n = member_note(s, cm->name, false);
	if (n && n->revoked[0])
		return n->revoked;
	gone = n && n->gone > s->started ? n->gone : s->started;
	if (!se && now_ms() - gone < s->cfg.server.ack_timeout_ms)
		return NULL;
	return se ? "connected, not a member of the group yet" : "not connected";
}

/* The members of g (with the role) a phase waits for: the connected ones,
 * counted from the sessions (one per member); the others are looked at one
 * by one only when some may be on their way back. */
static int awaited(struct server *s, const struct gstate *g, const struct cfg_group *cg,
		   uint8_t role)
{
	int64_t now = now_ms();
	bool recent = server_starting(s);
	int n;

	for (int i = 0; !recent && i < s->nnotes; i++)
		recent = now - s->notes[i].gone < s->cfg.server.ack_timeout_ms;
	n = connected(s, g, role);
	if (!recent || n == configured(s, cg, role))
		return n;	/* the common cases: no member lookups */
	n = 0;
	for (int i = 0; i < s->cfg.nmembers; i++) {
		const struct cfg_member *cm = &s->cfg.members[i];
		uint8_t r = config_role(&s->cfg, cg, cm);

		if (r && (!role || r == role) && !not_awaited(s, g, cm))
			n++;
	}
	return n;
}

/* The members a phase waited for in vain: those not_awaited() keeps, with
 * the role, that have not acknowledged epoch (as active), by name. */
static void missing(struct server *s, const struct gstate *g, const struct cfg_group *cg,
		    uint8_t role, uint64_t epoch, bool active, char *out, size_t len)
{
	size_t n = 0;

	out[0] = 0;
	for (int i = 0; i < s->cfg.nmembers && n + 1 < len; i++) {
		const struct cfg_member *cm = &s->cfg.members[i];
		uint8_t r = config_role(&s->cfg, cg, cm);
		struct session *se;
		struct membership *m;

		if (!r || (role && r != role) || not_awaited(s, g, cm))
			continue;
		se = session_of(s, cm->name);
		m = se ? session_membership(se, g) : NULL;
		if (m && (active ? m->active : m->acked) >= epoch)
			continue;
		n += snprintf(out + n, len - n, "%s%s%s", n ? ", " : "", cm->name,
			      m ? "" : " (on its way back)");
	}
	if (n >= len && len > 4)
		snprintf(out + len - 4, 4, "...");
}

/* Each configured member of g the rotation does not wait for, logged once
 * per reason (not at every rotation). */
static void log_not_awaited(struct server *s, const struct gstate *g, const struct cfg_group *cg)
{
	int n = configured(s, cg, 0);

	if (connected(s, g, 0) == n && !server_starting(s))
		return;	/* everyone is here: the common case, no member lookups */
	for (int i = 0; i < s->cfg.nmembers; i++) {
		const struct cfg_member *cm = &s->cfg.members[i];
		const char *why = config_role(&s->cfg, cg, cm) ? not_awaited(s, g, cm) : NULL;
		struct mnote *note = why ? member_note(s, cm->name, true) : NULL;

		if (note && strcmp(note->logged, why)) {
			log_info("member %s: rotations do not wait for it: %s", cm->name, why);
			snprintf(note->logged, sizeof(note->logged), "%.*s", (int)sizeof(note->logged) - 1, why);
		}
	}
}

/* How many configured senders of g do not use epoch yet, their names in
 * who. Connected or not: a sender the server cannot reach keeps sending
 * with the key it has. A member known to be revoked is not counted: what
 * it sends is no longer the group's. */
static int senders_behind(struct server *s, const struct gstate *g, const struct cfg_group *cg,
			  uint64_t epoch, char *who, size_t len)
{
	size_t w = 0;
	int n = 0;

	who[0] = 0;
	for (int i = 0; i < s->cfg.nmembers; i++) {
		const struct cfg_member *cm = &s->cfg.members[i];
		struct session *se;
		struct membership *m;
		struct mnote *note;

		if (config_role(&s->cfg, cg, cm) != MCSEC_DIR_ENCRYPT)
			continue;
		note = member_note(s, cm->name, false);
		if (note && note->revoked[0])
			continue;
		se = session_of(s, cm->name);
		m = se && se->hello && !se->c.closed ? session_membership(se, g) : NULL;
		if (m && m->active >= epoch)
			continue;
		n++;
		if (w + 1 < len)
			w += (size_t)snprintf(who + w, len - w, "%s%s%s", w ? ", " : "", cm->name,
					      m ? "" : " (not connected)");
	}
	if (w >= len && len > 4)
		snprintf(who + len - 4, 4, "...");
	return n;
}

/* Connected members of g (with the role) that acked epoch (as active). */
static int acked(struct server *s, const struct gstate *g, uint8_t role, uint64_t epoch,
		 bool active)
{
	int n = 0;

	for (struct session *se = s->sessions; se; se = se->next) {
		struct membership *m = se->hello && !se->c.closed ? session_membership(se, g) : NULL;

		if (m && (!role || m->role == role) && (active ? m->active : m->acked) >= epoch)
			n++;
	}
	return n;
}

static void describe(const struct gkey *k, char *out, size_t len)
{
	if (k->parity)
		snprintf(out, len, "epoch %" PRIu64 " parity %s", k->epoch,
			 mcsec_parity_name(k->parity));
	else
		snprintf(out, len, "epoch %" PRIu64 " spi 0x%08x", k->epoch, k->spi);
}

int rotation_init_group(struct server *s, struct gstate *g, const struct cfg_group *cg)
{
	int64_t now = wall_ms();
	char what[64];
	int ret;

	if (!g->cur.set) {
		ret = keystore_new_key(g, &g->cur);
		if (ret < 0) {
			log_err("group %s: no key: %s", g->name, strerror(-ret));
			return ret;
		}
		g->cur.created = now;
		g->phase = PH_IDLE;
		g->rekey_at = now + (int64_t)cg->rekey * 1000;
		describe(&g->cur, what, sizeof(what));
		log_info("group %s: first key, %s", g->name, what);
		s->dirty = true;
	}
	if (!g->rekey_at) {
		g->rekey_at = now + (int64_t)cg->rekey * 1000;
		s->dirty = true;
	}
	return 0;
}

void rotation_request(struct server *s, struct gstate *g, const char *why)
{
	log_info("group %s: rotation at once: %s", g->name, why);
	g->pending = true;
	s->dirty = true;
}

/* Sends k to every member of g (never to one that lost it). */
static int send_all(struct server *s, struct gstate *g, uint8_t role, uint8_t type,
		    const struct gkey *k)
{
	int n = 0;

	for (struct session *se = s->sessions; se; se = se->next) {
		struct membership *m = se->hello && !se->c.closed ? session_membership(se, g) : NULL;

		if (!m || (role && m->role != role))
			continue;
		if (type == MCSECD_MSG_KEY)
			send_key(s, se, g, k, false);
		else
			send_name(s, se, type, g, k);
		n++;
	}
	return n;
}

static void start(struct server *s, struct gstate *g, const struct cfg_group *cg)
{
	bool revocation = g->pending;
	int64_t now = wall_ms();
	char what[64];
	int ret, n;

	ret = keystore_new_key(g, &g->next);
	if (ret < 0) {
		log_err("group %s: no new key: %s", g->name, strerror(-ret));
		g->rekey_at = now + 5000;
		return;
	}
	g->next.created = now;
	g->phase = PH_DISTRIBUTE;
	g->deadline = now + s->cfg.server.ack_timeout_ms;
	g->pending = false;
	s->dirty = true;
	server_save(s);
	if (s->dirty) {
		/* not on disk: a restart would lose it, so nobody may have it */
		gkey_wipe(&g->next);
		g->phase = PH_IDLE;
		g->pending = revocation;
		g->rekey_at = now + 5000;
		return;
	}
	n = send_all(s, g, 0, MCSECD_MSG_KEY, &g->next);
	describe(&g->next, what, sizeof(what));
	log_info("group %s: rotation %" PRIu64 " (%s): %s sent to %d of %d members",
		 g->name, g->rotations + 1, revocation ? "revocation" : "scheduled", what, n,
		 configured(s, cg, 0));
	log_not_awaited(s, g, cg);
}

static void to_switch(struct server *s, struct gstate *g, const struct cfg_group *cg,
		      bool timed_out)
{
	int64_t now = wall_ms();
	char what[64];
	int n;

	if (timed_out) {
		char who[256];

		missing(s, g, cg, 0, g->next.epoch, false, who, sizeof(who));
		log_warn("group %s: %d of %d members acknowledged epoch %" PRIu64
			 " within ack-timeout (not: %s); switching", g->name,
			 acked(s, g, 0, g->next.epoch, false), awaited(s, g, cg, 0), g->next.epoch,
			 who);
	}
	gkey_wipe(&g->old);
	g->old = g->cur;
	g->cur = g->next;
	gkey_wipe(&g->next);
	g->phase = PH_SWITCH;
	g->deadline = now + s->cfg.server.ack_timeout_ms;
	s->dirty = true;
	server_save(s);
	n = send_all(s, g, MCSEC_DIR_ENCRYPT, MCSECD_MSG_SWITCH, &g->cur);
	describe(&g->cur, what, sizeof(what));
	log_info("group %s: %d sender%s told to switch to %s", g->name, n, n == 1 ? "" : "s",
		 what);
}

/* Every sender uses cur: old is kept grace long for what is in flight. */
static void to_grace(struct server *s, struct gstate *g, const struct cfg_group *cg)
{
	int64_t now = wall_ms();

	if (g->late)
		log_info("group %s: every sender switched to epoch %" PRIu64 " at last",
			 g->name, g->cur.epoch);
	g->late = false;
	g->phase = PH_GRACE;
	g->deadline = now + s->cfg.server.grace_ms;
	g->rekey_at = now + (int64_t)cg->rekey * 1000;
	g->rotations++;
	s->dirty = true;
	server_save(s);
}

/* A sender has not switched within ack-timeout: said once per rotation;
 * the rotation holds old for it and looks again every ack-timeout. */
static void switch_late(struct server *s, struct gstate *g, const char *who)
{
	if (!g->late)
		log_warn("group %s: not every sender switched to epoch %" PRIu64
			 " within ack-timeout (not: %s); the old key stays until they do",
			 g->name, g->cur.epoch, who);
	g->late = true;
	g->deadline = wall_ms() + s->cfg.server.ack_timeout_ms;
}

static void to_idle(struct server *s, struct gstate *g)
{
	char what[64];

	if (g->old.set) {
		send_all(s, g, 0, MCSECD_MSG_RETIRE, &g->old);
		describe(&g->old, what, sizeof(what));
		log_info("group %s: rotation %" PRIu64 " done, %s retired", g->name,
			 g->rotations, what);
	}
	gkey_wipe(&g->old);
	g->phase = PH_IDLE;
	s->dirty = true;
	server_save(s);
}

static int64_t step(struct server *s, struct gstate *g, int64_t now)
{
	const struct cfg_group *cg = cfg_of(s, g);

	if (!cg)
		return INT64_MAX;
	switch (g->phase) {
	case PH_IDLE:
		if (g->pending || now >= g->rekey_at)
			start(s, g, cg);
		return g->phase == PH_IDLE ? g->rekey_at : now;
	case PH_DISTRIBUTE:
		if (acked(s, g, 0, g->next.epoch, false) >= awaited(s, g, cg, 0))
			to_switch(s, g, cg, false);
		else if (now >= g->deadline)
			to_switch(s, g, cg, true);
		return g->phase == PH_DISTRIBUTE ? g->deadline : now;
	case PH_SWITCH: {
		char who[256];

		if (!senders_behind(s, g, cg, g->cur.epoch, who, sizeof(who)))
			to_grace(s, g, cg);
		else if (now >= g->deadline)
			switch_late(s, g, who);
		return g->phase == PH_SWITCH ? g->deadline : now;
	}
	case PH_GRACE:
		/* a revocation does not wait: the old key is known to the member gone */
		if (g->pending || now >= g->deadline)
			to_idle(s, g);
		return g->phase == PH_GRACE ? g->deadline : now;
	}
	return INT64_MAX;
}

int64_t rotation_tick(struct server *s)
{
	int64_t now = wall_ms(), next = INT64_MAX;

	for (int i = 0; i < s->ks.n; i++) {
		int64_t t = step(s, &s->ks.g[i], now);

		if (t < next)
			next = t;
	}
	if (next == INT64_MAX)
		return 1000;
	return next <= now ? 0 : next - now;
}
