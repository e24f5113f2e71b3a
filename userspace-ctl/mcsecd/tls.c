// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * tls.c: OpenSSL contexts for mutual TLS 1.3, certificate identities, and
 * the non-blocking message stream that the server (epoll) and the member
 * (poll) both drive.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "log.h"
#include "tls.h"

/* What the verify callback saw first, kept per SSL for the log line. */
static int verify_idx = -1;

struct verify_note {
	int error, depth;
	char subject[256];
	bool revoked;		/* server: the peer's own certificate is on the CRL */
};

static int verify_cb(int ok, X509_STORE_CTX *store)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct verify_note *note = ssl ? SSL_get_ex_data(ssl, verify_idx) : NULL;
	X509 *cert = X509_STORE_CTX_get_current_cert(store);

	if (!ok && note && ssl && SSL_is_server(ssl) && !note->revoked &&
	    X509_STORE_CTX_get_error(store) == X509_V_ERR_CERT_REVOKED &&
	    X509_STORE_CTX_get_error_depth(store) == 0) {
		/*
		 * The member's own certificate is on the CRL. The rest of the
		 * chain is still checked (signatures come after the CRL), and
		 * only a certificate that passes all of it is taken as a
		 * member's revoked one: the server then knows which configured
		 * member it is, tells the rotations not to wait for it, and
		 * refuses the session before HELLO (tls_peer_revoked). A forged
		 * certificate fails on its signature as before.
		 */
		note->revoked = true;
		if (cert)
			X509_NAME_oneline(X509_get_subject_name(cert), note->subject,
					  sizeof(note->subject));
		return 1;
	}
	if (!ok && note && !note->error) {
		note->error = X509_STORE_CTX_get_error(store);
		note->depth = X509_STORE_CTX_get_error_depth(store);
		if (cert)
			X509_NAME_oneline(X509_get_subject_name(cert), note->subject,
					  sizeof(note->subject));
	}
	return ok;
}

static void ssl_reason(char *out, size_t len)
{
	unsigned long e = ERR_get_error();

	if (e)
		ERR_error_string_n(e, out, len);
	else
		snprintf(out, len, "%s", strerror(errno ? errno : EPROTO));
	ERR_clear_error();
}

static int load_crl(X509_STORE *store, const char *path, char *err, size_t len)
{
	FILE *f = fopen(path, "r");
	X509_CRL *crl;
	int n = 0;

	if (!f) {
		snprintf(err, len, "crl %s: %s", path, strerror(errno));
		return -1;
	}
	while ((crl = PEM_read_X509_CRL(f, NULL, NULL, NULL))) {
		X509_STORE_add_crl(store, crl);
		X509_CRL_free(crl);
		n++;
	}
	fclose(f);
	ERR_clear_error();	/* the end of the file */
	if (!n) {
		snprintf(err, len, "crl %s: no PEM CRL in it", path);
		return -1;
	}
	X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
	return 0;
}

SSL_CTX *tls_ctx_new(const struct cfg_tls *t, bool server, char *err, size_t len)
{
	SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
	char why[256];

	if (verify_idx < 0)
		verify_idx = SSL_get_ex_new_index(0, "mcsecd verify", NULL, NULL, NULL);
	if (!ctx)
		goto ssl_fail;
	if (!SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) ||
	    !SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION))
		goto ssl_fail;
	if (SSL_CTX_use_certificate_chain_file(ctx, t->cert) != 1) {
		ssl_reason(why, sizeof(why));
		snprintf(err, len, "certificate %s: %s", t->cert, why);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, t->key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		ssl_reason(why, sizeof(why));
		snprintf(err, len, "key %s: %s", t->key, why);
		goto fail;
	}
	if (SSL_CTX_load_verify_locations(ctx, t->ca, NULL) != 1) {
		ssl_reason(why, sizeof(why));
		snprintf(err, len, "ca %s: %s", t->ca, why);
		goto fail;
	}
	if (t->crl[0] && load_crl(SSL_CTX_get_cert_store(ctx), t->crl, err, len) < 0)
		goto fail;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_cb);
	SSL_CTX_set_verify_depth(ctx, 4);
	/* no resumption: every connection shows its certificate again */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_num_tickets(ctx, 0);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
			 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	return ctx;

ssl_fail:
	ssl_reason(why, sizeof(why));
	snprintf(err, len, "TLS context: %s", why);
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

bool tls_peer_revoked(SSL *ssl, char *out, size_t len)
{
	struct verify_note *note = SSL_get_ex_data(ssl, verify_idx);

	if (!note || !note->revoked)
		return false;
	snprintf(out, len, "certificate refused: %s (depth 0, %s)",
		 X509_verify_cert_error_string(X509_V_ERR_CERT_REVOKED),
		 note->subject[0] ? note->subject : "no subject");
	return true;
}

void tls_failure(SSL *ssl, char *out, size_t len)
{
	struct verify_note *note = SSL_get_ex_data(ssl, verify_idx);
	char why[256];

	if (note && note->error) {
		snprintf(out, len, "certificate refused: %s (depth %d, %s)",
			 X509_verify_cert_error_string(note->error), note->depth,
			 note->subject[0] ? note->subject : "no subject");
		ERR_clear_error();
		return;
	}
	ssl_reason(why, sizeof(why));
	snprintf(out, len, "TLS handshake failed: %s", why);
}

static void add_ident(char ident[][MCSECD_TEXT_MAX + 1], int *n, int max,
		      const unsigned char *s, int len)
{
	if (*n >= max || len <= 0 || len > MCSECD_TEXT_MAX || memchr(s, 0, len))
		return;
	for (int i = 0; i < *n; i++)
		if (!strncmp(ident[i], (const char *)s, len) && !ident[i][len])
			return;	/* the CN again as a DNS name */
	memcpy(ident[*n], s, len);
	ident[*n][len] = 0;
	(*n)++;
}

int tls_peer_identities(SSL *ssl, char ident[][MCSECD_TEXT_MAX + 1], int max)
{
	X509 *cert = SSL_get0_peer_certificate(ssl);
	GENERAL_NAMES *sans;
	X509_NAME *subj;
	int n = 0, i;

	if (!cert)
		return 0;
	subj = X509_get_subject_name(cert);
	i = X509_NAME_get_index_by_NID(subj, NID_commonName, -1);
	if (i >= 0) {
		ASN1_STRING *cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, i));

		add_ident(ident, &n, max, ASN1_STRING_get0_data(cn), ASN1_STRING_length(cn));
	}
	sans = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	for (i = 0; sans && i < sk_GENERAL_NAME_num(sans); i++) {
		GENERAL_NAME *gn = sk_GENERAL_NAME_value(sans, i);

		if (gn->type == GEN_DNS || gn->type == GEN_URI)
			add_ident(ident, &n, max, ASN1_STRING_get0_data(gn->d.ia5),
				  ASN1_STRING_length(gn->d.ia5));
	}
	GENERAL_NAMES_free(sans);
	return n;
}

void tls_peer_subject(SSL *ssl, char *out, size_t len)
{
	X509 *cert = SSL_get0_peer_certificate(ssl);

	if (!cert)
		snprintf(out, len, "no certificate");
	else
		X509_NAME_oneline(X509_get_subject_name(cert), out, (int)len);
}

int tls_reverify(SSL_CTX *ctx, SSL *ssl, char *err, size_t len)
{
	X509 *cert = SSL_get0_peer_certificate(ssl);
	STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
	X509_STORE_CTX *sctx = X509_STORE_CTX_new();
	int ret = -1;

	if (!cert || !sctx) {
		snprintf(err, len, "no certificate to verify");
		goto out;
	}
	if (X509_STORE_CTX_init(sctx, SSL_CTX_get_cert_store(ctx), cert, chain) != 1) {
		snprintf(err, len, "cannot verify: out of memory");
		goto out;
	}
	X509_STORE_CTX_set_purpose(sctx, X509_PURPOSE_SSL_CLIENT);
	if (X509_verify_cert(sctx) == 1) {
		ret = 0;
	} else {
		char subj[256];

		X509 *bad = X509_STORE_CTX_get_current_cert(sctx);

		/* the words of the handshake's refusal (tls_failure) */
		X509_NAME_oneline(X509_get_subject_name(bad ? bad : cert), subj, sizeof(subj));
		snprintf(err, len, "certificate refused: %s (depth %d, %s)",
			 X509_verify_cert_error_string(X509_STORE_CTX_get_error(sctx)),
			 X509_STORE_CTX_get_error_depth(sctx), subj);
	}
out:
	X509_STORE_CTX_free(sctx);
	ERR_clear_error();
	return ret;
}

/* --- the message stream ---------------------------------------------------- */

int conn_init(struct conn *c, SSL_CTX *ctx, int fd, bool server, const char *sni,
	      const char *peer)
{
	struct verify_note *note;

	memset(c, 0, sizeof(*c));
	c->fd = fd;
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	c->ssl = SSL_new(ctx);
	note = calloc(1, sizeof(*note));
	if (!c->ssl || !note) {
		free(note);
		SSL_free(c->ssl);
		c->ssl = NULL;
		return -1;
	}
	SSL_set_ex_data(c->ssl, verify_idx, note);
	SSL_set_fd(c->ssl, fd);
	if (server) {
		SSL_set_accept_state(c->ssl);
	} else {
		SSL_set_connect_state(c->ssl);
		if (sni && sni[0]) {
			/* the server's certificate must name this identity */
			SSL_set_tlsext_host_name(c->ssl, sni);
			SSL_set1_host(c->ssl, sni);
		}
	}
	return 0;
}

void conn_free(struct conn *c)
{
	if (c->ssl) {
		free(SSL_get_ex_data(c->ssl, verify_idx));
		if (c->handshaken && !c->closed)
			SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
	}
	if (c->fd >= 0)
		close(c->fd);
	if (c->wbuf) {
		explicit_bzero(c->wbuf, c->wcap);
		free(c->wbuf);
	}
	explicit_bzero(c->rbuf, sizeof(c->rbuf));
	c->ssl = NULL;
	c->wbuf = NULL;
	c->fd = -1;
}

int conn_handshake(struct conn *c, char *err, size_t len)
{
	int r;

	ERR_clear_error();
	r = SSL_do_handshake(c->ssl);
	if (r == 1) {
		c->handshaken = true;
		c->want_write = c->wlen > 0;
		return 1;
	}
	switch (SSL_get_error(c->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		c->want_write = false;
		return 0;
	case SSL_ERROR_WANT_WRITE:
		c->want_write = true;
		return 0;
	default:
		tls_failure(c->ssl, err, len);
		c->closed = true;
		return -1;
	}
}

int conn_flush(struct conn *c)
{
	size_t off = 0;

	if (!c->handshaken || !c->wlen) {
		c->want_write = c->wlen > 0;
		return 0;
	}
	while (off < c->wlen) {
		int r;

		ERR_clear_error();
		r = SSL_write(c->ssl, c->wbuf + off, (int)(c->wlen - off));
		if (r > 0) {
			off += r;
			continue;
		}
		r = SSL_get_error(c->ssl, r);
		if (r == SSL_ERROR_WANT_WRITE || r == SSL_ERROR_WANT_READ)
			break;
		c->closed = true;
		return -1;
	}
	/* what left is wiped: it may have held a key */
	memmove(c->wbuf, c->wbuf + off, c->wlen - off);
	explicit_bzero(c->wbuf + c->wlen - off, off);
	c->wlen -= off;
	c->want_write = c->wlen > 0;
	return 0;
}

int conn_send(struct conn *c, const struct proto_msg *m, char *err, size_t len)
{
	uint8_t msg[MCSECD_MSG_MAX];
	int n = proto_build(msg, sizeof(msg), m, err, len);

	if (n < 0)
		return -1;
	if (c->closed) {
		explicit_bzero(msg, n);
		snprintf(err, len, "connection closed");
		return -1;
	}
	if (c->wlen + n > c->wcap) {
		size_t cap = c->wcap ? c->wcap * 2 : 4096;
		uint8_t *nb;

		while (cap < c->wlen + n)
			cap *= 2;
		if (cap > 4 << 20) {	/* a peer that reads nothing */
			explicit_bzero(msg, n);
			snprintf(err, len, "peer does not read: %zu bytes queued", c->wlen);
			c->closed = true;
			return -1;
		}
		nb = malloc(cap);
		if (!nb) {
			explicit_bzero(msg, n);
			snprintf(err, len, "out of memory");
			return -1;
		}
		if (c->wbuf) {
			memcpy(nb, c->wbuf, c->wlen);
			explicit_bzero(c->wbuf, c->wcap);
			free(c->wbuf);
		}
		c->wbuf = nb;
		c->wcap = cap;
	}
	memcpy(c->wbuf + c->wlen, msg, n);
	c->wlen += n;
	explicit_bzero(msg, n);
	if (conn_flush(c) < 0) {
		snprintf(err, len, "write failed");
		return -1;
	}
	return 0;
}

/* Hands every whole message in rbuf to cb. */
static int conn_deliver(struct conn *c, conn_msg_cb cb, void *arg, char *err, size_t len)
{
	while (c->rlen) {
		struct proto_msg m;
		int flen = proto_frame_len(c->rbuf, c->rlen), r;

		if (flen < 0) {
			snprintf(err, len, "message length out of [%d, %d]", MCSECD_MSG_MIN,
				 MCSECD_MSG_MAX);
			return -2;
		}
		if (flen == 0 || (size_t)flen > c->rlen)
			return 0;
		if (proto_parse(c->rbuf, flen, &m, err, len) < 0)
			return -2;
		memmove(c->rbuf, c->rbuf + flen, c->rlen - flen);
		c->rlen -= flen;
		explicit_bzero(c->rbuf + c->rlen, flen);
		r = cb(c, &m, arg);
		proto_wipe(&m);
		if (r)
			return r;
	}
	return 0;
}

int conn_read(struct conn *c, conn_msg_cb cb, void *arg, char *err, size_t len)
{
	for (;;) {
		int r;

		ERR_clear_error();
		r = SSL_read(c->ssl, c->rbuf + c->rlen, (int)(sizeof(c->rbuf) - c->rlen));
		if (r > 0) {
			c->rlen += r;
			r = conn_deliver(c, cb, arg, err, len);
			if (r)
				return r;
			continue;
		}
		switch (SSL_get_error(c->ssl, r)) {
		case SSL_ERROR_WANT_READ:
			return 0;
		case SSL_ERROR_WANT_WRITE:
			c->want_write = true;
			return 0;
		case SSL_ERROR_ZERO_RETURN:
			snprintf(err, len, "closed by peer");
			break;
		default: {
			char why[200];

			ssl_reason(why, sizeof(why));
			snprintf(err, len, "connection lost: %s", why);
		}
		}
		c->closed = true;
		return -1;
	}
}
