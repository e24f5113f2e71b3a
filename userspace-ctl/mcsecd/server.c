// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * server.c: the key server. One epoll loop: the listening socket, a
 * signalfd (SIGHUP reloads, SIGTERM/SIGINT stop), and one TLS session per
 * member. A session is admitted only if the member's certificate chains to
 * the CA (and is not on the CRL) and one of its identities is a configured
 * member's; it then says HELLO and gets its groups and keys, and
 * acknowledges each message it acts on.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "libmcsec.h"
#include "log.h"
#include "server.h"

#define HANDSHAKE_MS	10000	/* TLS and HELLO must be done by then */
#define SENT_MAX	4096	/* unacknowledged messages a member may owe */

static char tag_listen, tag_signal;	/* epoll data of the two non-sessions */

void server_save(struct server *s)
{
	char err[300];

	if (!s->dirty)
		return;
	if (keystore_save(&s->ks, err, sizeof(err)) < 0) {
		log_rl(LOG_ERR, "%s", err);
		return;
	}
	s->dirty = false;
}

struct session *session_of(struct server *s, const char *member)
{
	for (struct session *se = s->sessions; se; se = se->next)
		if (se->hello && !se->c.closed && !strcmp(se->member, member))
			return se;
	return NULL;
}

struct mnote *member_note(struct server *s, const char *member, bool create)
{
	struct mnote *n;

	for (int i = 0; i < s->nnotes; i++)
		if (!strcmp(s->notes[i].member, member))
			return &s->notes[i];
	if (!create)
		return NULL;
	n = realloc(s->notes, (s->nnotes + 1) * sizeof(*n));
	if (!n)
		return NULL;
	s->notes = n;
	n = &s->notes[s->nnotes++];
	memset(n, 0, sizeof(*n));
	snprintf(n->member, sizeof(n->member), "%s", member);
	return n;
}

bool server_starting(const struct server *s)
{
	return now_ms() - s->started < s->cfg.server.ack_timeout_ms;
}

/* A configured member's certificate is refused: rotations need not wait
 * for it until it comes back with one that is accepted. */
static void note_revoked(struct server *s, const char *member, const char *why)
{
	struct mnote *n = config_member(&s->cfg, member) ? member_note(s, member, true) : NULL;

	if (n)
		snprintf(n->revoked, sizeof(n->revoked), "%.*s", (int)sizeof(n->revoked) - 1, why);
}

struct membership *session_membership(struct session *se, const struct gstate *g)
{
	for (int i = 0; i < se->nm; i++)
		if (!strcmp(se->m[i].group, g->name))
			return &se->m[i];
	return NULL;
}

/* A member's session ends: rotations wait for it a little longer (it may
 * be on its way back), at most ack-timeout after this. */
static void member_gone(struct server *s, const char *member)
{
	struct mnote *n = member_note(s, member, true);

	if (n)
		n->gone = now_ms();
}

static void session_close(struct server *s, struct session *se, const char *why)
{
	if (se->hello) {
		log_info("member %s (%s) disconnected: %s", se->member, se->c.peer, why);
		member_gone(s, se->member);
	} else
		log_debug("%s: closed: %s", se->c.peer, why);
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, se->c.fd, NULL);
	conn_free(&se->c);
	if (se->prev)
		se->prev->next = se->next;
	else
		s->sessions = se->next;
	if (se->next)
		se->next->prev = se->prev;
	s->nsessions--;
	free(se->m);
	free(se->sent);
	free(se);
}

/* Closes a session other than the one being served: it is freed by reap()
 * after the current batch of events, which may still name it. */
static void session_kill(struct server *s, struct session *se, const char *why)
{
	if (se->hello) {
		log_info("member %s (%s) disconnected: %s", se->member, se->c.peer, why);
		member_gone(s, se->member);
	}
	se->hello = false;	/* no more keys, no acks counted */
	se->c.closed = true;
}

static void session_poll(struct server *s, struct session *se)
{
	struct epoll_event ev = {
		.events = EPOLLIN | (se->c.want_write ? EPOLLOUT : 0),
		.data.ptr = se,
	};

	epoll_ctl(s->epfd, EPOLL_CTL_MOD, se->c.fd, &ev);
}

int session_send(struct server *s, struct session *se, struct proto_msg *m)
{
	char err[256];

	(void)s;
	if (se->c.closed)
		return -1;
	m->seq = ++se->seq;
	if (m->type != MCSECD_MSG_WELCOME && m->type != MCSECD_MSG_SYNCED) {
		struct sent *e;

		if (se->nsent == SENT_MAX) {
			log_rl(LOG_WARN, "member %s: %d messages unacknowledged, dropping it",
			       se->member, SENT_MAX);
			se->c.closed = true;
			return -1;
		}
		if (se->nsent == se->capsent) {
			int cap = se->capsent ? se->capsent * 2 : 16;
			struct sent *n = realloc(se->sent, cap * sizeof(*n));

			if (!n)
				return -1;
			se->sent = n;
			se->capsent = cap;
		}
		e = &se->sent[se->nsent++];
		memset(e, 0, sizeof(*e));
		e->seq = m->seq;
		e->type = m->type;
		snprintf(e->group, sizeof(e->group), "%s", m->group);
		e->epoch = m->epoch;
		e->active = m->active;
	}
	if (conn_send(&se->c, m, err, sizeof(err)) < 0) {
		log_rl(LOG_WARN, "member %s: send %s: %s", se->member,
		       proto_msg_name(m->type), err);
		return -1;
	}
	return 0;
}

/* A key is named by its SPI (ESP) or its parity (TS), never both. */
static void set_key_name(struct proto_msg *m, const struct gkey *k)
{
	if (k->parity) {
		m->parity = k->parity;
		proto_set(m, MCSECD_A_PARITY);
	} else {
		m->spi = k->spi;
		proto_set(m, MCSECD_A_SPI);
	}
}

void send_key(struct server *s, struct session *se, const struct gstate *g,
	      const struct gkey *k, bool active)
{
	struct proto_msg m = { .type = MCSECD_MSG_KEY };

	snprintf(m.group, sizeof(m.group), "%s", g->name);
	m.suite = g->suite;
	m.key_len = k->len;
	memcpy(m.key, k->key, k->len);
	m.epoch = k->epoch;
	m.active = active;
	proto_set(&m, MCSECD_A_GROUP);
	proto_set(&m, MCSECD_A_SUITE);
	proto_set(&m, MCSECD_A_KEY);
	proto_set(&m, MCSECD_A_EPOCH);
	proto_set(&m, MCSECD_A_ACTIVE);
	set_key_name(&m, k);
	session_send(s, se, &m);
	proto_wipe(&m);
}

void send_name(struct server *s, struct session *se, uint8_t type,
	       const struct gstate *g, const struct gkey *k)
{
	struct proto_msg m = { .type = type };

	snprintf(m.group, sizeof(m.group), "%s", g->name);
	proto_set(&m, MCSECD_A_GROUP);
	if (type == MCSECD_MSG_SWITCH) {
		m.epoch = k->epoch;
		proto_set(&m, MCSECD_A_EPOCH);
	}
	set_key_name(&m, k);
	session_send(s, se, &m);
}

static void send_leave(struct server *s, struct session *se, const char *group)
{
	struct proto_msg m = { .type = MCSECD_MSG_LEAVE };

	snprintf(m.group, sizeof(m.group), "%s", group);
	proto_set(&m, MCSECD_A_GROUP);
	session_send(s, se, &m);
}

/* The group and every key a member of it needs now, in the order that
 * keeps a sender's traffic flowing: old, cur (the one it sends with), next. */
static void send_group(struct server *s, struct session *se, const struct membership *mb,
		       const struct gstate *g)
{
	const struct cfg_group *cg = config_group(&s->cfg, g->name);
	struct proto_msg m = { .type = MCSECD_MSG_GROUP };
	bool sender = mb->role == MCSEC_DIR_ENCRYPT;

	snprintf(m.group, sizeof(m.group), "%s", g->name);
	m.family = cg->family;
	memcpy(m.daddr, cg->daddr, sizeof(m.daddr));
	m.port = cg->port;
	m.format = cg->format;
	m.suite = cg->suite;
	m.role = mb->role;
	m.flags = cg->flags;
	m.present = PROTO_BIT(MCSECD_A_GROUP) | PROTO_BIT(MCSECD_A_FAMILY) |
		    PROTO_BIT(MCSECD_A_DADDR) | PROTO_BIT(MCSECD_A_PORT) |
		    PROTO_BIT(MCSECD_A_FORMAT) | PROTO_BIT(MCSECD_A_SUITE) |
		    PROTO_BIT(MCSECD_A_ROLE) | PROTO_BIT(MCSECD_A_FLAGS);
	if (cg->has_saddr) {
		memcpy(m.saddr, cg->saddr, sizeof(m.saddr));
		proto_set(&m, MCSECD_A_SADDR);
	}
	session_send(s, se, &m);
	if (g->old.set)
		send_key(s, se, g, &g->old, false);
	if (g->cur.set)
		send_key(s, se, g, &g->cur, sender);
	if (g->next.set)
		send_key(s, se, g, &g->next, false);
}

/* Adds the memberships the configuration gives se and does not have yet,
 * sending each group. */
static void session_join(struct server *s, struct session *se)
{
	const struct cfg_member *cm = config_member(&s->cfg, se->member);

	for (int i = 0; cm && i < s->cfg.ngroups; i++) {
		const struct cfg_group *cg = &s->cfg.groups[i];
		uint8_t role = config_role(&s->cfg, cg, cm);
		struct gstate *g = keystore_find(&s->ks, cg->name);
		struct membership *mb;

		if (!role || !g || session_membership(se, g))
			continue;
		mb = realloc(se->m, (se->nm + 1) * sizeof(*mb));
		if (!mb)
			return;
		se->m = mb;
		mb = &se->m[se->nm++];
		memset(mb, 0, sizeof(*mb));
		snprintf(mb->group, sizeof(mb->group), "%s", g->name);
		mb->role = role;
		send_group(s, se, mb, g);
	}
}

static void on_hello(struct server *s, struct session *se)
{
	struct proto_msg m = { .type = MCSECD_MSG_WELCOME };
	struct mnote *note;

	/* one session per member: a reconnecting member replaces its old one */
	for (struct session *o = s->sessions, *n; o; o = n) {
		n = o->next;
		if (o != se && o->hello && !strcmp(o->member, se->member))
			session_kill(s, o, "replaced by a new connection");
	}
	se->hello = true;
	note = member_note(s, se->member, false);
	if (note)
		note->revoked[0] = note->logged[0] = 0;	/* back, with a good certificate */
	snprintf(m.identity, sizeof(m.identity), "%s", se->identity);
	proto_set(&m, MCSECD_A_IDENTITY);
	session_send(s, se, &m);
	session_join(s, se);
	memset(&m, 0, sizeof(m));
	m.type = MCSECD_MSG_SYNCED;
	session_send(s, se, &m);
	log_info("member %s (%s, %s) joined: %d group%s", se->member, se->identity,
		 se->c.peer, se->nm, se->nm == 1 ? "" : "s");
}

static int on_ack(struct server *s, struct session *se, const struct proto_msg *m)
{
	struct sent e;
	int i;

	for (i = 0; i < se->nsent; i++)
		if (se->sent[i].seq == m->ack_seq)
			break;
	if (i == se->nsent) {
		log_rl(LOG_WARN, "refused %s (%s): protocol error: ack of unknown message %u",
		       se->c.peer, se->member, m->ack_seq);
		return -3;
	}
	e = se->sent[i];
	se->sent[i] = se->sent[--se->nsent];
	if (m->status) {
		log_rl(LOG_WARN, "member %s: group %s: %s refused: %s%s%s", se->member, e.group,
		       proto_msg_name(e.type), strerror((int)m->status), m->text[0] ? ": " : "",
		       m->text);
		return 0;
	}
	if (e.type == MCSECD_MSG_KEY || e.type == MCSECD_MSG_SWITCH) {
		struct gstate *g = keystore_find(&s->ks, e.group);
		struct membership *mb = g ? session_membership(se, g) : NULL;

		if (!mb)
			return 0;
		if (e.epoch > mb->acked)
			mb->acked = e.epoch;
		if ((e.type == MCSECD_MSG_SWITCH || e.active) && e.epoch > mb->active)
			mb->active = e.epoch;
	}
	return 0;
}

static int on_msg(struct conn *c, struct proto_msg *m, void *arg)
{
	struct server *s = arg;
	struct session *se = (struct session *)c;	/* c is its first member */

	if (m->type == MCSECD_MSG_HELLO && !se->hello) {
		on_hello(s, se);
		return 0;
	}
	if (m->type == MCSECD_MSG_ACK && se->hello)
		return on_ack(s, se, m);
	log_rl(LOG_WARN, "refused %s (%s): protocol error: unexpected %s", c->peer,
	       se->member[0] ? se->member : "unidentified", proto_msg_name(m->type));
	return -3;	/* logged: close */
}

/* After the handshake: which configured member this certificate is. */
static int identify(struct server *s, struct session *se)
{
	char ident[TLS_IDENT_MAX][MCSECD_TEXT_MAX + 1], subject[256], list[600] = "";
	int n = tls_peer_identities(se->c.ssl, ident, TLS_IDENT_MAX);
	char why[300];

	if (tls_peer_revoked(se->c.ssl, why, sizeof(why))) {
		/* a genuine certificate of ours, on the CRL: if it is a
		 * configured member's, the rotations stop waiting for it */
		for (int i = 0; i < n; i++) {
			const struct cfg_member *cm = config_member_by_identity(&s->cfg, ident[i]);

			if (cm) {
				note_revoked(s, cm->name, why);
				break;
			}
		}
		log_rl(LOG_WARN, "refused %s: %s", se->c.peer, why);
		return -1;
	}

	for (int i = 0; i < n; i++) {
		const struct cfg_member *cm = config_member_by_identity(&s->cfg, ident[i]);

		if (cm) {
			snprintf(se->member, sizeof(se->member), "%s", cm->name);
			snprintf(se->identity, sizeof(se->identity), "%.*s", MCSECD_TEXT_MAX, ident[i]);
			return 0;
		}
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s'%.*s'",
			 i ? ", " : "", 128, ident[i]);
	}
	tls_peer_subject(se->c.ssl, subject, sizeof(subject));
	log_rl(LOG_WARN, "refused %s: identity not a member: %s (%s)", se->c.peer,
	       n ? list : "no CN or DNS name", subject);
	return -1;
}

static void on_session(struct server *s, struct session *se, uint32_t events)
{
	char err[300] = "";
	int r;

	if (se->c.closed)
		return;	/* killed earlier in this batch, reap() frees it */
	if (!se->c.handshaken) {
		r = conn_handshake(&se->c, err, sizeof(err));
		if (r < 0) {
			log_rl(LOG_WARN, "refused %s: %s", se->c.peer, err);
			session_close(s, se, err);
			return;
		}
		if (r == 0) {
			session_poll(s, se);
			return;
		}
		if (identify(s, se) < 0) {
			session_close(s, se, "not a member");
			return;
		}
	}
	if (events & EPOLLOUT)
		conn_flush(&se->c);
	r = conn_read(&se->c, on_msg, s, err, sizeof(err));
	if (r == -2)
		log_rl(LOG_WARN, "refused %s (%s): protocol error: %s", se->c.peer,
		       se->member[0] ? se->member : "unidentified", err);
	if (r || se->c.closed) {
		session_close(s, se, r <= -2 ? "protocol error" : err[0] ? err : "closed");
		return;
	}
	conn_flush(&se->c);
	if (se->c.closed) {
		session_close(s, se, "write failed");
		return;
	}
	session_poll(s, se);
}

static void on_accept(struct server *s)
{
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		char host[INET6_ADDRSTRLEN], peer[64];
		struct epoll_event ev = { .events = EPOLLIN };
		struct session *se;
		int fd = accept4(s->lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		int one = 1;
		uint16_t port;

		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_rl(LOG_WARN, "accept: %s", strerror(errno));
			return;
		}
		if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *a = (void *)&ss;

			inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
			port = ntohs(a->sin6_port);
			snprintf(peer, sizeof(peer), "[%s]:%u", host, port);
		} else {
			struct sockaddr_in *a = (void *)&ss;

			inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
			port = ntohs(a->sin_port);
			snprintf(peer, sizeof(peer), "%s:%u", host, port);
		}
		if ((uint32_t)s->nsessions >= s->cfg.server.max_members) {
			log_rl(LOG_WARN, "refused %s: max-members (%u) connections open", peer,
			       s->cfg.server.max_members);
			close(fd);
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
		se = calloc(1, sizeof(*se));
		if (!se || conn_init(&se->c, s->ctx, fd, true, NULL, peer) < 0) {
			free(se);
			close(fd);
			continue;
		}
		se->since = now_ms();
		se->next = s->sessions;
		if (s->sessions)
			s->sessions->prev = se;
		s->sessions = se;
		s->nsessions++;
		ev.data.ptr = se;
		epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev);
		on_session(s, se, 0);
	}
}

static int listen_on(const struct cfg_endpoint *ep, char *err, size_t len)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICHOST };
	struct addrinfo *ai;
	char port[8];
	int fd, one = 1, r;

	snprintf(port, sizeof(port), "%u", ep->port);
	r = getaddrinfo(ep->host, port, &hints, &ai);
	if (r) {
		snprintf(err, len, "listen %s: %s", ep->host, gai_strerror(r));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 4096) < 0) {
		snprintf(err, len, "listen %s:%u: %s", ep->host, ep->port, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

/* The keystore follows the configuration: groups gone are dropped, new
 * ones get their first key, a group whose format or suite changed starts
 * over with new keys. */
static int keystore_sync(struct server *s)
{
	for (int i = 0; i < s->ks.n;) {
		struct gstate *g = &s->ks.g[i];
		const struct cfg_group *cg = config_group(&s->cfg, g->name);

		if (!cg || cg->format != g->format || cg->suite != g->suite) {
			log_info("group %s: %s, its keys dropped", g->name,
				 cg ? "format or suite changed" : "no longer configured");
			keystore_del(&s->ks, g);
			s->dirty = true;
			continue;
		}
		i++;
	}
	for (int i = 0; i < s->cfg.ngroups; i++) {
		const struct cfg_group *cg = &s->cfg.groups[i];
		struct gstate *g = keystore_find(&s->ks, cg->name);

		if (!g) {
			g = keystore_add(&s->ks, cg->name, cg->format, cg->suite);
			if (!g)
				return -1;
			s->dirty = true;
		}
		if (rotation_init_group(s, g, cg) < 0)
			return -1;
	}
	server_save(s);
	return s->dirty ? -1 : 0;
}

static bool same_group(const struct cfg_group *a, const struct cfg_group *b)
{
	return a->family == b->family && !memcmp(a->daddr, b->daddr, 16) &&
	       a->has_saddr == b->has_saddr && (!a->has_saddr || !memcmp(a->saddr, b->saddr, 16)) &&
	       a->port == b->port && a->format == b->format && a->suite == b->suite &&
	       a->flags == b->flags;
}

/* A session's memberships after a reload: those whose group definition
 * and role stayed are kept, the others are left (LEAVE), and a member that
 * lost a group makes the group rotate. */
static void session_review(struct server *s, struct session *se, const struct config *old,
			   const struct cfg_member *cm)
{
	int nm = 0;

	for (int i = 0; i < se->nm; i++) {
		struct membership *mb = &se->m[i];
		const struct cfg_group *og = config_group(old, mb->group);
		const struct cfg_group *ng = config_group(&s->cfg, mb->group);
		uint8_t role = ng ? config_role(&s->cfg, ng, cm) : 0;
		struct gstate *g = keystore_find(&s->ks, mb->group);

		if (ng && og && same_group(og, ng) && role == mb->role) {
			se->m[nm++] = *mb;
			continue;
		}
		send_leave(s, se, mb->group);
		log_info("member %s: leaves group %s", se->member, mb->group);
		if (g && !role) {
			char why[128];

			snprintf(why, sizeof(why), "member %s left", se->member);
			rotation_request(s, g, why);
		}
	}
	se->nm = nm;
}

/* SIGHUP: a new configuration (members, groups, CA, CRL). A member no
 * longer allowed, or whose certificate the new CA or CRL refuses, is
 * dropped, and every group it was in rotates at once. */
static void reload(struct server *s)
{
	struct config old = s->cfg, cfg;
	char err[512];
	SSL_CTX *ctx;

	if (config_load(s->config_path, &cfg, err, sizeof(err)) < 0) {
		log_err("reload refused, keeping the running configuration: %s", err);
		return;
	}
	if (cfg.role != CFG_ROLE_SERVER) {
		log_err("reload refused: %s is not a server configuration", s->config_path);
		config_free(&cfg);
		return;
	}
	ctx = tls_ctx_new(&cfg.server.tls, true, err, sizeof(err));
	if (!ctx) {
		log_err("reload refused, keeping the running configuration: %s", err);
		config_free(&cfg);
		return;
	}
	/* where it listens and keeps its state needs a restart */
	cfg.server.listen = old.server.listen;
	snprintf(cfg.server.state, sizeof(cfg.server.state), "%s", old.server.state);
	SSL_CTX_free(s->ctx);
	s->ctx = ctx;
	s->cfg = cfg;

	for (struct session *se = s->sessions, *n; se; se = n) {
		const struct cfg_member *cm;
		const char *why = NULL;

		n = se->next;
		if (!se->hello)
			continue;
		cm = config_member(&s->cfg, se->member);
		if (!cm)
			why = "removed from the configuration";
		else if (strcmp(cm->identity, se->identity))
			why = "its identity changed";
		else if (tls_reverify(s->ctx, se->c.ssl, err, sizeof(err)) < 0)
			why = err;
		if (why) {
			log_warn("member %s revoked: %s", se->member, why);
			if (cm)
				note_revoked(s, se->member, why);
			for (int i = 0; i < se->nm; i++) {
				struct gstate *g = keystore_find(&s->ks, se->m[i].group);

				if (g)
					rotation_request(s, g, "a member was revoked");
			}
			session_kill(s, se, "revoked");
			continue;
		}
		session_review(s, se, &old, cm);
	}
	config_free(&old);
	if (keystore_sync(s) < 0)
		log_err("state not saved after reload");
	for (struct session *se = s->sessions; se; se = se->next)
		if (se->hello) {
			session_join(s, se);
			conn_flush(&se->c);
			session_poll(s, se);
		}
	log_info("configuration reloaded: %d groups, %d members", s->cfg.ngroups,
		 s->cfg.nmembers);
}

/* Sessions that neither finished TLS nor said HELLO in time go. */
static void reap(struct server *s)
{
	int64_t now = now_ms();

	for (struct session *se = s->sessions, *n; se; se = n) {
		n = se->next;
		if (se->c.closed)
			session_close(s, se, "closed");
		else if (!se->hello && now - se->since > HANDSHAKE_MS) {
			log_rl(LOG_WARN, "refused %s: no %s within %d s", se->c.peer,
			       se->c.handshaken ? "HELLO" : "TLS handshake", HANDSHAKE_MS / 1000);
			session_close(s, se, "timeout");
		}
	}
}

static int on_signal(struct server *s)
{
	struct signalfd_siginfo si;

	while (read(s->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			log_info("SIGHUP: reloading %s", s->config_path);
			reload(s);
		} else {
			log_info("signal %u: stopping", si.ssi_signo);
			s->stop = true;
		}
	}
	return 0;
}

/* A restarted server gives the members time to come back before a
 * rotation it resumes may time out. */
static void resume(struct server *s)
{
	int64_t now = wall_ms();

	for (int i = 0; i < s->ks.n; i++) {
		struct gstate *g = &s->ks.g[i];

		if (g->phase == PH_DISTRIBUTE || g->phase == PH_SWITCH) {
			if (g->deadline < now + s->cfg.server.ack_timeout_ms)
				g->deadline = now + s->cfg.server.ack_timeout_ms;
			log_info("group %s: resuming the rotation to epoch %" PRIu64 " (%s)",
				 g->name, g->phase == PH_DISTRIBUTE ? g->next.epoch : g->cur.epoch,
				 gphase_name(g->phase));
		}
	}
}

static int server_init(struct server *s, char *err, size_t len)
{
	struct epoll_event ev = { .events = EPOLLIN };
	sigset_t set;

	s->started = now_ms();
	s->ctx = tls_ctx_new(&s->cfg.server.tls, true, err, len);
	if (!s->ctx)
		return -1;
	if (keystore_load(&s->ks, s->cfg.server.state, err, len) < 0)
		return -1;
	resume(s);
	if (keystore_sync(s) < 0) {
		snprintf(err, len, "state %s: cannot be written", s->cfg.server.state);
		return -1;
	}
	s->lfd = listen_on(&s->cfg.server.listen, err, len);
	if (s->lfd < 0)
		return -1;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	s->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->sigfd < 0 || s->epfd < 0) {
		snprintf(err, len, "epoll/signalfd: %s", strerror(errno));
		return -1;
	}
	ev.data.ptr = &tag_listen;
	epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->lfd, &ev);
	ev.data.ptr = &tag_signal;
	epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->sigfd, &ev);
	return 0;
}

int server_run(const char *config_path, struct config *cfg)
{
	struct server s = { .config_path = config_path, .cfg = *cfg, .lfd = -1,
			    .epfd = -1, .sigfd = -1 };
	struct epoll_event evs[256];
	char err[512];
	int ret = 1;

	if (server_init(&s, err, sizeof(err)) < 0) {
		log_err("%s", err);
		goto out;
	}
	log_info("key server listening on %s:%u: %d groups, %d members, state %s",
		 s.cfg.server.listen.host, s.cfg.server.listen.port, s.cfg.ngroups,
		 s.cfg.nmembers, s.cfg.server.state);
	while (!s.stop) {
		int64_t wait = rotation_tick(&s);
		int n, i;

		for (struct session *se = s.sessions; se; se = se->next)
			if (se->c.want_write)
				session_poll(&s, se);
		n = epoll_wait(s.epfd, evs, 256, (int)(wait > 1000 ? 1000 : wait));
		for (i = 0; i < n; i++) {
			if (evs[i].data.ptr == &tag_listen)
				on_accept(&s);
			else if (evs[i].data.ptr == &tag_signal)
				on_signal(&s);
			else
				on_session(&s, evs[i].data.ptr, evs[i].events);
		}
		reap(&s);
		server_save(&s);
	}
	ret = 0;
out:
	while (s.sessions)
		session_close(&s, s.sessions, "server stopping");
	server_save(&s);
	keystore_free(&s.ks);
	free(s.notes);
	SSL_CTX_free(s.ctx);
	if (s.lfd >= 0)
		close(s.lfd);
	if (s.epfd >= 0)
		close(s.epfd);
	if (s.sigfd >= 0)
		close(s.sigfd);
	config_free(&s.cfg);
	return ret;
}
