/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* The key server: sessions with members (server.c), rotations (rotation.c). */
#ifndef MCSECD_SERVER_H
#define MCSECD_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "keystore.h"
#include "tls.h"

/* One group a connected member takes part in. */
struct membership {
	char group[MCSECD_NAME_MAX + 1];	/* by name: the keystore moves */
	uint8_t role;			/* MCSEC_DIR_ENCRYPT or _DECRYPT */
	uint64_t acked;			/* highest key epoch acknowledged */
	uint64_t active;		/* sender: epoch of the key it sends with */
};

/* What an outstanding server message was, so that its ACK means something. */
struct sent {
	uint32_t seq;
	uint8_t type;
	char group[MCSECD_NAME_MAX + 1];
	uint64_t epoch;
	bool active;
};

struct session {
	struct conn c;
	struct session *prev, *next;
	int64_t since;			/* monotonic ms: accepted */
	bool hello;			/* HELLO seen: a known member, synced */
	char member[MCSECD_NAME_MAX + 1];
	char identity[MCSECD_TEXT_MAX + 1];
	int nm;
	struct membership *m;
	uint32_t seq;
	int nsent, capsent;
	struct sent *sent;
};

/* What the server knows of a configured member beyond its session: why
 * its certificate is refused, and the reason the rotations last logged
 * for not waiting for it (each logged once, not at every rotation). */
struct mnote {
	char member[MCSECD_NAME_MAX + 1];
	char revoked[200];		/* "": not known to be revoked */
	char logged[200];
	int64_t gone;			/* monotonic ms its last session ended */
};

struct server {
	const char *config_path;
	struct config cfg;
	SSL_CTX *ctx;
	int lfd, epfd, sigfd;
	struct session *sessions;
	int nsessions;
	struct keystore ks;
	int64_t started;		/* monotonic ms: the server started */
	int nnotes;
	struct mnote *notes;
	bool dirty;			/* the state must be saved */
	bool stop;
};

int server_run(const char *config_path, struct config *cfg);

/* server.c, for rotation.c */
int session_send(struct server *s, struct session *se, struct proto_msg *m);
struct membership *session_membership(struct session *se, const struct gstate *g);
void send_key(struct server *s, struct session *se, const struct gstate *g,
	      const struct gkey *k, bool active);
void send_name(struct server *s, struct session *se, uint8_t type,
	       const struct gstate *g, const struct gkey *k);
void server_save(struct server *s);
/* The session of a member, if it is connected and said HELLO. */
struct session *session_of(struct server *s, const char *member);
/* The note of a member (NULL: none, or out of memory with create). */
struct mnote *member_note(struct server *s, const char *member, bool create);
/* In the first ack-timeout after a start, members are coming back. */
bool server_starting(const struct server *s);

/* rotation.c */
/* Makes sure g has a current key (a new group's first one). */
int rotation_init_group(struct server *s, struct gstate *g, const struct cfg_group *cg);
/* Starts a rotation now (or as soon as the one under way ends). */
void rotation_request(struct server *s, struct gstate *g, const char *why);
/* Moves every group's rotation on; returns ms until the next deadline. */
int64_t rotation_tick(struct server *s);

#endif
