/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Mutual TLS 1.3 (OpenSSL) and the framed message stream on top of it.
 */
#ifndef MCSECD_TLS_H
#define MCSECD_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/ssl.h>

#include "config.h"
#include "proto.h"

#define TLS_IDENT_MAX	8	/* identities looked at per certificate */

/* A context: TLS 1.3 only, peer certificate required and verified against
 * ca, with the CRL checked when one is given. NULL with a reason in err. */
SSL_CTX *tls_ctx_new(const struct cfg_tls *t, bool server, char *err, size_t err_len);

/* Why the last handshake on ssl failed, in one line (the verify error and
 * the subject of the certificate it concerns, or OpenSSL's reason). */
void tls_failure(SSL *ssl, char *out, size_t len);

/* Server side, after a handshake that succeeded: true if the peer's own
 * certificate, valid otherwise, is on the CRL (the one refusal the
 * handshake lets through, so that the server learns which member it is);
 * the session must then be refused with the reason in out. */
bool tls_peer_revoked(SSL *ssl, char *out, size_t len);

/* The identities in the peer's certificate: the subject CN, then each DNS
 * and URI subjectAltName. Returns how many. */
int tls_peer_identities(SSL *ssl, char ident[][MCSECD_TEXT_MAX + 1], int max);
/* The peer's subject as one line. */
void tls_peer_subject(SSL *ssl, char *out, size_t len);

/* Verifies the peer's certificate of an open connection again, against the
 * (reloaded) CA and CRL of ctx. 0 or -1 with the reason in err. */
int tls_reverify(SSL_CTX *ctx, SSL *ssl, char *err, size_t len);

/* A connection: one TCP socket, its TLS session, the framing. */
struct conn {
	int fd;
	SSL *ssl;
	bool handshaken, closed;
	bool want_write;		/* the socket must be polled for output */
	char peer[64];			/* address:port, for logs */
	uint8_t rbuf[MCSECD_MSG_MAX] __attribute__((aligned(8)));
	size_t rlen;
	uint8_t *wbuf;			/* pending output, wiped as it leaves */
	size_t wlen, wcap;
};

int conn_init(struct conn *c, SSL_CTX *ctx, int fd, bool server, const char *sni,
	      const char *peer);
void conn_free(struct conn *c);
/* 1: handshake done, 0: in progress, -1: failed (reason in err). */
int conn_handshake(struct conn *c, char *err, size_t len);
/* Queues a message (built and checked by proto_build) and flushes what the
 * socket takes. 0 or -1 (connection broken, or m invalid: reason in err). */
int conn_send(struct conn *c, const struct proto_msg *m, char *err, size_t len);
/* Writes pending output. 0 or -1. */
int conn_flush(struct conn *c);
/* Reads what is there: for each whole valid message calls cb (a non-zero
 * return stops and is returned). Returns 0 when the socket is drained, -1
 * on EOF/error, -2 for a malformed message (reason in err). */
typedef int (*conn_msg_cb)(struct conn *c, struct proto_msg *m, void *arg);
int conn_read(struct conn *c, conn_msg_cb cb, void *arg, char *err, size_t len);

#endif
