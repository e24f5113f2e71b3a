// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * member.c: the group member. It joins a key server over mutual TLS, says
 * HELLO, and applies what the server sends to its fast path through
 * libmcsec, acknowledging each message with the fast path's answer.
 *
 * It installs keys only for groups the server made it a member of (GROUP),
 * and sends only in groups where it is the sender. When the server goes
 * away, nothing is removed: the fast path keeps forwarding on the keys it
 * has (up to their hard lifetime) while the member reconnects with
 * exponential backoff, trying each configured server in turn. On
 * reconnection the server sends the whole state again and, at SYNCED, the
 * member removes what the server no longer mentions.
 *
 * SIGHUP reads the configuration again. A file with an error, or TLS files
 * or a fast path that cannot be loaded, is refused whole (FILE:LINE in the
 * log) and the running configuration stays. If what the connection
 * depends on changed (the servers, the server's identity, the contents of
 * the certificate, key, CA or CRL files, the fast path), the member leaves
 * its server and joins again at once; the fast path forwards on its keys
 * meanwhile, and a new fast path gets every key in the resynchronisation.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include <openssl/evp.h>

#include "libmcsec.h"
#include "fastpath.h"
#include "log.h"
#include "member.h"
#include "tls.h"

#define KEYS_MAX	8	/* per group: old, cur, next and some slack */
#define CONNECT_MS	5000

struct mkey {
	uint32_t spi;
	uint8_t parity;
	uint64_t epoch;		/* 0: found in the fast path, epoch unknown */
	bool seen;
};

struct mgroup {
	char name[MCSECD_NAME_MAX + 1];
	struct proto_msg def;	/* the GROUP message (no key in it) */
	uint32_t id;		/* in the fast path */
	int nkeys;
	struct mkey keys[KEYS_MAX];
	bool seen;
};

struct member {
	const char *config_path;
	struct config *cfg;
	SSL_CTX *ctx;
	unsigned char tls_digest[EVP_MAX_MD_SIZE];	/* of the TLS files' contents */
	struct fastpath fp;
	struct conn c;
	bool welcomed, synced;
	bool reconnect;		/* a reload changed what the session depends on */
	int server;		/* index of the server in use */
	const char *server_name;
	int sigfd;
	bool stop;
	int ngroups;
	struct mgroup *groups;
};

static struct mgroup *find_group(struct member *mb, const char *name)
{
	for (int i = 0; i < mb->ngroups; i++)
		if (!strcmp(mb->groups[i].name, name))
			return &mb->groups[i];
	return NULL;
}

static struct mkey *find_key(struct mgroup *g, uint32_t spi, uint8_t parity)
{
	for (int i = 0; i < g->nkeys; i++)
		if (g->keys[i].spi == spi && g->keys[i].parity == parity)
			return &g->keys[i];
	return NULL;
}

static void drop_key(struct mgroup *g, struct mkey *k)
{
	*k = g->keys[--g->nkeys];
}

static void drop_group(struct member *mb, struct mgroup *g)
{
	*g = mb->groups[--mb->ngroups];
}

static bool same_def(const struct proto_msg *a, const struct proto_msg *b)
{
	return a->family == b->family && !memcmp(a->daddr, b->daddr, 16) &&
	       proto_has(a, MCSECD_A_SADDR) == proto_has(b, MCSECD_A_SADDR) &&
	       !memcmp(a->saddr, b->saddr, 16) && a->port == b->port &&
	       a->format == b->format && a->suite == b->suite && a->role == b->role &&
	       a->flags == b->flags;
}

static int on_group(struct member *mb, const struct proto_msg *m, char *err, size_t len)
{
	struct fp_sa_name names[KEYS_MAX];
	struct mgroup *g = find_group(mb, m->group);
	int n, ret;

	if (g && same_def(&g->def, m)) {
		g->seen = true;
		return 0;
	}
	if (g) {
		log_info("group %s: redefined by the server", g->name);
		fp_group_del(&mb->fp, g->id, err, len);
		drop_group(mb, g);
	}
	g = realloc(mb->groups, (mb->ngroups + 1) * sizeof(*g));
	if (!g) {
		snprintf(err, len, "out of memory");
		return -ENOMEM;
	}
	mb->groups = g;
	g = &mb->groups[mb->ngroups];
	memset(g, 0, sizeof(*g));
	ret = fp_group(&mb->fp, m, &g->id, names, &n, KEYS_MAX, err, len);
	if (ret)
		return ret;
	mb->ngroups++;
	snprintf(g->name, sizeof(g->name), "%s", m->group);
	g->def = *m;
	g->seen = true;
	for (int i = 0; i < n; i++) {
		g->keys[g->nkeys].spi = names[i].spi;
		g->keys[g->nkeys].parity = names[i].parity;
		g->nkeys++;
	}
	log_info("group %s: %s %s port %u, fast path group %u%s", g->name,
		 mcsec_dir_name(m->role), mcsec_format_name(m->format), m->port, g->id,
		 n ? " (kept from before)" : "");
	return 0;
}

static int on_key(struct member *mb, const struct proto_msg *m, char *err, size_t len)
{
	struct mgroup *g = find_group(mb, m->group);
	struct mkey *k;
	int ret;

	if (!g) {
		/* never a key for a group the server did not make us a member of */
		snprintf(err, len, "not a member of group %s", m->group);
		return -EPERM;
	}
	if (m->suite != g->def.suite) {
		snprintf(err, len, "suite %s is not the group's", mcsec_suite_name(m->suite));
		return -EINVAL;
	}
	if (m->active && g->def.role != MCSEC_DIR_ENCRYPT) {
		snprintf(err, len, "this member does not send in group %s", m->group);
		return -EPERM;
	}
	k = find_key(g, m->spi, m->parity);
	if (k && k->epoch && k->epoch != m->epoch) {
		snprintf(err, len, "key %u of epoch %llu already installed", m->spi ? m->spi : m->parity,
			 (unsigned long long)k->epoch);
		return -EEXIST;
	}
	/* A TS control word of unknown epoch (kept from before a restart) is
	 * replaced; an ESP SPI is never reused by the server for another key. */
	if (k && !k->epoch && m->parity) {
		ret = fp_key_del(&mb->fp, g->id, 0, m->parity, err, len);
		if (ret)
			return ret;
		drop_key(g, k);
		k = NULL;
	}
	if (!k) {
		if (g->nkeys == KEYS_MAX) {
			snprintf(err, len, "%d keys in group %s already", KEYS_MAX, g->name);
			return -ENOSPC;
		}
		ret = fp_key_add(&mb->fp, g->id, g->def.format, m, err, len);
		if (ret)
			return ret;
		k = &g->keys[g->nkeys++];
		k->spi = m->spi;
		k->parity = m->parity;
		if (m->parity)
			log_info("group %s: key epoch %llu installed (parity %s)", g->name,
				 (unsigned long long)m->epoch, mcsec_parity_name(m->parity));
		else
			log_info("group %s: key epoch %llu installed (spi 0x%08x)", g->name,
				 (unsigned long long)m->epoch, m->spi);
	}
	k->epoch = m->epoch;
	k->seen = true;
	if (m->active) {
		ret = fp_key_active(&mb->fp, g->id, m->spi, m->parity, err, len);
		if (ret)
			return ret;
	}
	return 0;
}

static int on_switch(struct member *mb, const struct proto_msg *m, char *err, size_t len)
{
	struct mgroup *g = find_group(mb, m->group);
	struct mkey *k = g ? find_key(g, m->spi, m->parity) : NULL;
	int ret;

	if (!g || g->def.role != MCSEC_DIR_ENCRYPT) {
		snprintf(err, len, "this member does not send in group %s", m->group);
		return -EPERM;
	}
	if (!k) {
		snprintf(err, len, "no such key in group %s", m->group);
		return -ENOENT;
	}
	ret = fp_key_active(&mb->fp, g->id, m->spi, m->parity, err, len);
	if (!ret)
		log_info("group %s: sending with key epoch %llu", g->name,
			 (unsigned long long)m->epoch);
	return ret;
}

static int on_retire(struct member *mb, const struct proto_msg *m, char *err, size_t len)
{
	struct mgroup *g = find_group(mb, m->group);
	struct mkey *k = g ? find_key(g, m->spi, m->parity) : NULL;
	int ret;

	if (!k)
		return 0;	/* already gone: what was asked is true */
	ret = fp_key_del(&mb->fp, g->id, m->spi, m->parity, err, len);
	if (!ret) {
		log_info("group %s: key epoch %llu retired", g->name,
			 (unsigned long long)k->epoch);
		drop_key(g, k);
	}
	return ret;
}

static int on_leave(struct member *mb, const struct proto_msg *m, char *err, size_t len)
{
	struct mgroup *g = find_group(mb, m->group);
	int ret;

	if (!g)
		return 0;
	ret = fp_group_del(&mb->fp, g->id, err, len);
	log_info("group %s: left", g->name);
	drop_group(mb, g);
	return ret;
}

/* SYNCED: what the server did not mention is no longer ours. */
static void on_synced(struct member *mb)
{
	char err[256];
	int keys = 0;

	for (int i = 0; i < mb->ngroups;) {
		struct mgroup *g = &mb->groups[i];

		if (!g->seen) {
			log_info("group %s: not ours any more, removed", g->name);
			if (fp_group_del(&mb->fp, g->id, err, sizeof(err)))
				log_warn("group %s: %s", g->name, err);
			drop_group(mb, g);
			continue;
		}
		for (int j = 0; j < g->nkeys;) {
			struct mkey *k = &g->keys[j];

			if (k->seen) {
				j++;
				continue;
			}
			if (fp_key_del(&mb->fp, g->id, k->spi, k->parity, err, sizeof(err)))
				log_warn("group %s: %s", g->name, err);
			drop_key(g, k);
		}
		keys += g->nkeys;
		i++;
	}
	mb->synced = true;
	log_info("synced with %s: %d group%s, %d key%s", mb->server_name, mb->ngroups,
		 mb->ngroups == 1 ? "" : "s", keys, keys == 1 ? "" : "s");
}

static int on_msg(struct conn *c, struct proto_msg *m, void *arg)
{
	struct member *mb = arg;
	struct proto_msg ack = { .type = MCSECD_MSG_ACK, .ack_seq = m->seq };
	char err[256] = "", text[256];
	int ret = 0;

	switch (m->type) {
	case MCSECD_MSG_WELCOME:
		log_info("connected to %s as %s", mb->server_name, m->identity);
		mb->welcomed = true;
		return 0;
	case MCSECD_MSG_SYNCED:
		on_synced(mb);
		return 0;
	case MCSECD_MSG_GROUP: ret = on_group(mb, m, err, sizeof(err)); break;
	case MCSECD_MSG_KEY: ret = on_key(mb, m, err, sizeof(err)); break;
	case MCSECD_MSG_SWITCH: ret = on_switch(mb, m, err, sizeof(err)); break;
	case MCSECD_MSG_RETIRE: ret = on_retire(mb, m, err, sizeof(err)); break;
	case MCSECD_MSG_LEAVE: ret = on_leave(mb, m, err, sizeof(err)); break;
	default:
		log_warn("%s: protocol error: unexpected %s", mb->server_name,
			 proto_msg_name(m->type));
		return -1;
	}
	if (ret)
		log_warn("group %s: %s refused: %s", m->group, proto_msg_name(m->type), err);
	ack.status = ret < 0 ? (uint32_t)-ret : 0;
	proto_set(&ack, MCSECD_A_ACK_SEQ);
	proto_set(&ack, MCSECD_A_STATUS);
	if (err[0]) {
		/* the extack text goes back, kept printable */
		snprintf(ack.text, sizeof(ack.text), "%s", err);
		for (char *p = ack.text; *p; p++)
			if (*p < 0x20 || *p > 0x7e)
				*p = '?';
		proto_set(&ack, MCSECD_A_TEXT);
	}
	if (conn_send(c, &ack, text, sizeof(text)) < 0)
		return -1;
	return 0;
}

/* A TCP connection within CONNECT_MS, or -1. */
static int dial(const struct cfg_endpoint *ep, char *err, size_t len)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai, *a;
	char port[8];
	int fd = -1, r;

	snprintf(port, sizeof(port), "%u", ep->port);
	r = getaddrinfo(ep->host, port, &hints, &ai);
	if (r) {
		snprintf(err, len, "%s", gai_strerror(r));
		return -1;
	}
	snprintf(err, len, "no address");
	for (a = ai; a; a = a->ai_next) {
		struct pollfd p;
		int one = 1, soerr = 0;
		socklen_t sl = sizeof(soerr);

		fd = socket(a->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		if (connect(fd, a->ai_addr, a->ai_addrlen) < 0 && errno != EINPROGRESS)
			goto next;
		p.fd = fd;
		p.events = POLLOUT;
		if (poll(&p, 1, CONNECT_MS) != 1) {
			errno = ETIMEDOUT;
			goto next;
		}
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
		if (soerr) {
			errno = soerr;
			goto next;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
		break;
next:
		snprintf(err, len, "%s", strerror(errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

/* SHA-256 of the TLS files' names and contents: a renewed certificate at
 * the same path is a change too. Nothing of the key stays in memory. */
static int tls_digest(const struct cfg_tls *t, unsigned char *out, char *err, size_t len)
{
	const char *files[] = { t->cert, t->key, t->ca, t->crl };
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char buf[4096];
	int ret = -1;

	if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		snprintf(err, len, "sha256: out of memory");
		goto out;
	}
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		FILE *f;
		size_t n;

		EVP_DigestUpdate(md, files[i], strlen(files[i]) + 1);
		if (!files[i][0])
			continue;
		f = fopen(files[i], "r");
		if (!f) {
			snprintf(err, len, "%s: %s", files[i], strerror(errno));
			goto out;
		}
		while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
			EVP_DigestUpdate(md, buf, n);
		fclose(f);
	}
	ret = EVP_DigestFinal_ex(md, out, NULL) == 1 ? 0 : -1;
	if (ret)
		snprintf(err, len, "sha256 failed");
out:
	explicit_bzero(buf, sizeof(buf));
	EVP_MD_CTX_free(md);
	return ret;
}

static bool same_servers(const struct cfg_client *a, const struct cfg_client *b)
{
	if (a->nservers != b->nservers || strcmp(a->server_identity, b->server_identity))
		return false;
	for (int i = 0; i < a->nservers; i++)
		if (strcmp(a->server[i].host, b->server[i].host) ||
		    a->server[i].port != b->server[i].port)
			return false;
	return true;
}

static bool same_fastpath(const struct cfg_client *a, const struct cfg_client *b)
{
	return a->fastpath == b->fastpath &&
	       (a->fastpath != CFG_FP_DPDK || !strcmp(a->dpdk_socket, b->dpdk_socket));
}

static void drop_groups(struct member *mb)
{
	for (int i = 0; i < mb->ngroups; i++)
		proto_wipe(&mb->groups[i].def);
	free(mb->groups);
	mb->groups = NULL;
	mb->ngroups = 0;
}

/* SIGHUP: the new configuration whole, or none of it. */
static void reload(struct member *mb)
{
	unsigned char digest[EVP_MAX_MD_SIZE] = { 0 };
	struct fastpath fp = { 0 };
	char err[512], what[96] = "";
	bool servers, tls, fpath;
	struct config cfg;
	SSL_CTX *ctx;

	log_info("SIGHUP: reloading %s", mb->config_path);
	if (config_load(mb->config_path, &cfg, err, sizeof(err)) < 0) {
		log_err("reload refused, keeping the running configuration: %s", err);
		return;
	}
	if (cfg.role != CFG_ROLE_MEMBER) {
		log_err("reload refused, keeping the running configuration: %s is not a "
			"member's configuration", mb->config_path);
		goto fail_cfg;
	}
	ctx = tls_ctx_new(&cfg.client.tls, false, err, sizeof(err));
	if (!ctx) {
		log_err("reload refused, keeping the running configuration: %s", err);
		goto fail_cfg;
	}
	if (tls_digest(&cfg.client.tls, digest, err, sizeof(err)) < 0) {
		log_err("reload refused, keeping the running configuration: %s", err);
		goto fail_ctx;
	}
	servers = !same_servers(&mb->cfg->client, &cfg.client);
	tls = memcmp(digest, mb->tls_digest, sizeof(digest)) != 0;
	fpath = !same_fastpath(&mb->cfg->client, &cfg.client);
	if (fpath && fp_open(&fp, &cfg.client, err, sizeof(err)) < 0) {
		log_err("reload refused, keeping the running configuration: fast path: %s", err);
		goto fail_ctx;
	}
	/* committed from here on */
	SSL_CTX_free(mb->ctx);
	mb->ctx = ctx;
	memcpy(mb->tls_digest, digest, sizeof(digest));
	if (fpath) {
		/* the old fast path keeps what it has, as when mcsecd stops */
		fp_close(&mb->fp);
		mb->fp = fp;
		drop_groups(mb);
		if (fp.kind == CFG_FP_NONE)
			log_warn("fastpath none: keys are acknowledged and not installed (tests only)");
	}
	config_free(mb->cfg);
	*mb->cfg = cfg;
	if (servers || mb->server >= mb->cfg->client.nservers)
		mb->server = 0;
	snprintf(what, sizeof(what), "%s%s%s", servers ? " servers" : "", tls ? " tls" : "",
		 fpath ? " fastpath" : "");
	if (what[0]) {
		mb->reconnect = true;
		log_info("configuration reloaded, changed:%s: joining again (the fast path "
			 "forwards on its keys meanwhile)", what);
	} else {
		log_info("configuration reloaded: the session stays");
	}
	return;
fail_ctx:
	SSL_CTX_free(ctx);
fail_cfg:
	config_free(&cfg);
}

static void on_signal(struct member *mb)
{
	struct signalfd_siginfo si;

	while (read(mb->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			reload(mb);
		} else {
			log_info("signal %u: stopping (the fast path keeps its keys)", si.ssi_signo);
			mb->stop = true;
		}
	}
}

/* Waits for the socket (in, and out if wanted) or a signal. */
static int wait_io(struct member *mb, int timeout)
{
	struct pollfd p[2] = {
		{ .fd = mb->sigfd, .events = POLLIN },
		{ .fd = mb->c.fd, .events = POLLIN | (mb->c.want_write ? POLLOUT : 0) },
	};
	int r = poll(p, mb->c.fd >= 0 ? 2 : 1, timeout);

	if (r > 0 && p[0].revents)
		on_signal(mb);
	return r;
}

/* One session with one server, until it ends (or a reload asks for a new one). */
static void session(struct member *mb)
{
	const struct cfg_endpoint *ep = &mb->cfg->client.server[mb->server];
	struct proto_msg hello = { .type = MCSECD_MSG_HELLO };
	char err[512], name[96];
	int64_t deadline;
	int fd, r;

	snprintf(name, sizeof(name), "%s:%u", ep->host, ep->port);
	mb->server_name = name;
	fd = dial(ep, err, sizeof(err));
	if (fd < 0) {
		log_rl(LOG_WARN, "server %s: %s", name, err);
		return;
	}
	if (conn_init(&mb->c, mb->ctx, fd, false, mb->cfg->client.server_identity, name) < 0) {
		close(fd);
		mb->c.fd = -1;
		return;
	}
	deadline = now_ms() + CONNECT_MS;
	while ((r = conn_handshake(&mb->c, err, sizeof(err))) == 0 && !mb->stop &&
	       !mb->reconnect && now_ms() < deadline)
		wait_io(mb, 200);
	if (mb->reconnect)
		goto out;
	if (r != 1) {
		log_rl(LOG_WARN, "server %s: %s", name, r < 0 ? err : "TLS handshake timed out");
		goto out;
	}
	snprintf(hello.text, sizeof(hello.text), "mcsecd %s", MCSEC_VERSION);
	proto_set(&hello, MCSECD_A_TEXT);
	if (conn_send(&mb->c, &hello, err, sizeof(err)) < 0)
		goto out;
	for (int i = 0; i < mb->ngroups; i++) {
		mb->groups[i].seen = false;
		for (int j = 0; j < mb->groups[i].nkeys; j++)
			mb->groups[i].keys[j].seen = false;
	}
	mb->synced = mb->welcomed = false;
	while (!mb->stop && !mb->reconnect) {
		r = conn_read(&mb->c, on_msg, mb, err, sizeof(err));
		if (r == -2)
			log_warn("server %s: protocol error: %s", name, err);
		if (r || mb->c.closed)
			break;
		conn_flush(&mb->c);
		if (mb->c.closed)
			break;
		wait_io(mb, 1000);
	}
	if (mb->reconnect)
		log_info("leaving server %s for the new configuration", name);
	else if (!mb->stop && !mb->welcomed)
		log_rl(LOG_WARN, "server %s refused this member: %s", name, err);
	else if (!mb->stop)
		log_warn("server %s lost (%s): forwarding goes on with the current keys",
			 name, r == -2 ? "protocol error" : err);
out:
	conn_free(&mb->c);
}

int member_run(const char *config_path, struct config *cfg)
{
	struct member mb = { .config_path = config_path, .cfg = cfg, .sigfd = -1 };
	const struct cfg_client *cc = &cfg->client;	/* *cfg changes on reload */
	uint32_t backoff = cc->backoff_min_ms;
	char err[512];
	sigset_t set;

	mb.c.fd = -1;
	mb.ctx = tls_ctx_new(&cc->tls, false, err, sizeof(err));
	if (!mb.ctx || tls_digest(&cc->tls, mb.tls_digest, err, sizeof(err)) < 0) {
		log_err("%s", err);
		SSL_CTX_free(mb.ctx);
		return 1;
	}
	if (fp_open(&mb.fp, cc, err, sizeof(err)) < 0) {
		log_err("fast path: %s", err);
		SSL_CTX_free(mb.ctx);
		return 1;
	}
	if (cc->fastpath == CFG_FP_NONE)
		log_warn("fastpath none: keys are acknowledged and not installed (tests only)");
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	mb.sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	log_info("member of %d server%s, fast path %s", cc->nservers,
		 cc->nservers == 1 ? "" : "s",
		 cc->fastpath == CFG_FP_KERNEL ? "kernel" : cc->fastpath == CFG_FP_DPDK ?
		 cc->dpdk_socket : "none");
	while (!mb.stop) {
		uint32_t jitter;
		int64_t until;

		session(&mb);
		if (mb.stop)
			break;
		if (mb.reconnect) {
			/* a reload: join again at once, from the first server */
			mb.reconnect = false;
			backoff = cc->backoff_min_ms;
			continue;
		}
		/* a session that got synced was a success: start the backoff over */
		if (mb.synced)
			backoff = cc->backoff_min_ms;
		mb.synced = false;
		mb.server = (mb.server + 1) % cc->nservers;
		if (getrandom(&jitter, sizeof(jitter), 0) != sizeof(jitter))
			jitter = 0;
		until = now_ms() + backoff / 2 + jitter % (backoff / 2 + 1);
		log_debug("reconnecting in %lld ms", (long long)(until - now_ms()));
		while (!mb.stop && !mb.reconnect && now_ms() < until)
			wait_io(&mb, (int)(until - now_ms()));
		if (mb.reconnect) {
			mb.reconnect = false;
			backoff = cc->backoff_min_ms;
			continue;
		}
		backoff = backoff * 2 > cc->backoff_max_ms ? cc->backoff_max_ms : backoff * 2;
	}
	fp_close(&mb.fp);
	SSL_CTX_free(mb.ctx);
	drop_groups(&mb);
	close(mb.sigfd);
	return 0;
}
