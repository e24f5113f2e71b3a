// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * config.c: mcsecd's INI file, parsed by inih, checked as a whole.
 *
 * inih hands us name=value pairs but neither line numbers nor empty
 * sections, so the file is fed through our own fgets-style reader that
 * counts lines and notices section headers: every error, syntactic or
 * semantic (a member naming an unknown group), names FILE:LINE.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "libmcsec.h"
#include "config.h"

enum sect_kind { S_NONE, S_SERVER, S_CLIENT, S_GROUP, S_MEMBER, S_BAD };

struct parse {
	struct config *cfg;
	FILE *f;
	int line;		/* of the last line the reader returned */
	bool line_done;		/* that line ended with '\n' */
	enum sect_kind kind;
	int index;		/* of the group or member being filled */
	uint32_t seen;		/* keys already set in this section */
	int seen_server_line, seen_client_line;
	char *err;
	size_t err_len;
	bool failed;
};

static void perr(struct parse *p, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void perr(struct parse *p, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->failed)
		return;	/* the first error is the one that counts */
	p->failed = true;
	n = snprintf(p->err, p->err_len, "%s:%d: ", p->cfg->file, line);
	if (n < 0 || (size_t)n >= p->err_len)
		return;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->err_len - n, fmt, ap);
	va_end(ap);
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = 0;
	return s;
}

static bool valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > MCSECD_NAME_MAX)
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

/* A new [section]: what it is, and a fresh group or member for it. */
static void new_section(struct parse *p, char *hdr)
{
	struct config *cfg = p->cfg;
	char *kind = trim(hdr), *name = strpbrk(kind, " \t");

	p->seen = 0;
	p->kind = S_BAD;
	if (name) {
		*name++ = 0;
		name = trim(name);
	}
	if (!strcmp(kind, "server") && !name) {
		if (p->seen_server_line)
			return perr(p, p->line, "second [server] section (first at line %d)",
				    p->seen_server_line);
		p->seen_server_line = p->line;
		p->kind = S_SERVER;
	} else if (!strcmp(kind, "member") && !name) {
		if (p->seen_client_line)
			return perr(p, p->line, "second [member] section (first at line %d)",
				    p->seen_client_line);
		p->seen_client_line = p->line;
		p->kind = S_CLIENT;
	} else if ((!strcmp(kind, "group") || !strcmp(kind, "member")) && name) {
		bool group = kind[0] == 'g';
		int i, n = group ? cfg->ngroups : cfg->nmembers;
		void *arr;

		if (!valid_name(name))
			return perr(p, p->line, "%s name '%s': 1 to %d of A-Z a-z 0-9 . _ -",
				    kind, name, MCSECD_NAME_MAX);
		for (i = 0; i < n; i++) {
			const char *other = group ? cfg->groups[i].name : cfg->members[i].name;
			int line = group ? cfg->groups[i].line : cfg->members[i].line;

			if (!strcmp(other, name))
				return perr(p, p->line, "%s '%s' already defined at line %d",
					    kind, name, line);
		}
		arr = group ? realloc(cfg->groups, (n + 1) * sizeof(*cfg->groups))
			    : realloc(cfg->members, (n + 1) * sizeof(*cfg->members));
		if (!arr)
			return perr(p, p->line, "out of memory");
		if (group) {
			cfg->groups = arr;
			memset(&cfg->groups[n], 0, sizeof(cfg->groups[n]));
			strcpy(cfg->groups[n].name, name);
			cfg->groups[n].line = p->line;
			cfg->ngroups++;
		} else {
			cfg->members = arr;
			memset(&cfg->members[n], 0, sizeof(cfg->members[n]));
			strcpy(cfg->members[n].name, name);
			cfg->members[n].line = p->line;
			cfg->nmembers++;
		}
		p->index = n;
		p->kind = group ? S_GROUP : S_MEMBER;
	} else {
		perr(p, p->line, "unknown section [%s%s%s]: expected [server], [member], "
		     "[group NAME] or [member NAME]", kind, name ? " " : "", name ? name : "");
	}
}

/* inih's reader: counts lines and sees section headers first. */
static char *reader(char *str, int num, void *stream)
{
	struct parse *p = stream;
	char *s;
	size_t n;

	if (!fgets(str, num, p->f))
		return NULL;
	if (p->line_done || p->line == 0)
		p->line++;
	n = strlen(str);
	p->line_done = n && str[n - 1] == '\n';
	if (!p->line_done && !feof(p->f)) {
		perr(p, p->line, "line longer than %d characters", num - 3);
		return NULL;
	}
	s = str + strspn(str, " \t");
	if (*s == '[') {
		char copy[256], *end;

		snprintf(copy, sizeof(copy), "%s", s + 1);
		end = strchr(copy, ']');
		if (!end) {
			perr(p, p->line, "section header without ']'");
			return NULL;
		}
		*end = 0;
		new_section(p, copy);
	}
	return str;
}

static int parse_u32(const char *v, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long x;

	errno = 0;
	x = strtoul(v, &end, 0);
	if (errno || end == v || *end || v[0] == '-' || x < min || x > max)
		return -1;
	*out = (uint32_t)x;
	return 0;
}

/* "90", "90s", "250ms", "5m", "1h" -> milliseconds. */
static int parse_duration(const char *v, uint32_t *ms)
{
	char *end;
	unsigned long x;
	unsigned long mul = 1000;

	errno = 0;
	x = strtoul(v, &end, 10);
	if (errno || end == v || v[0] == '-')
		return -1;
	if (!strcmp(end, "ms"))
		mul = 1;
	else if (!*end || !strcmp(end, "s"))
		mul = 1000;
	else if (!strcmp(end, "m"))
		mul = 60000;
	else if (!strcmp(end, "h"))
		mul = 3600000;
	else
		return -1;
	if (x > UINT32_MAX / mul)
		return -1;
	*ms = (uint32_t)(x * mul);
	return 0;
}

static int parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "on"))
		*out = true;
	else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "off"))
		*out = false;
	else
		return -1;
	return 0;
}

/* "1.2.3.4:7443", "[2001:db8::1]:7443", "host.example:7443". */
static int parse_endpoint(const char *v, struct cfg_endpoint *ep)
{
	const char *colon;
	size_t hlen;
	uint32_t port;

	if (v[0] == '[') {
		const char *close = strchr(v, ']');

		if (!close || close[1] != ':')
			return -1;
		hlen = close - v - 1;
		v++;
		colon = close + 1;
	} else {
		colon = strrchr(v, ':');
		if (!colon || memchr(v, ':', colon - v))
			return -1;
		hlen = colon - v;
	}
	if (hlen == 0 || hlen >= sizeof(ep->host) ||
	    parse_u32(colon + 1, 1, 65535, &port) < 0)
		return -1;
	memcpy(ep->host, v, hlen);
	ep->host[hlen] = 0;
	ep->port = (uint16_t)port;
	return 0;
}

static int parse_list(struct parse *p, const char *v, struct cfg_list *l)
{
	char copy[1024], *save, *tok;

	snprintf(copy, sizeof(copy), "%s", v);
	l->line = p->line;
	for (tok = strtok_r(copy, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
		if (!valid_name(tok)) {
			perr(p, p->line, "'%s' is not a valid name", tok);
			return -1;
		}
		for (int i = 0; i < l->n; i++)
			if (!strcmp(l->name[i], tok)) {
				perr(p, p->line, "'%s' listed twice", tok);
				return -1;
			}
		if (l->n == CFG_LIST_MAX) {
			perr(p, p->line, "more than %d names in one list", CFG_LIST_MAX);
			return -1;
		}
		strcpy(l->name[l->n++], tok);
	}
	return 0;
}

static int set_path(struct parse *p, char *dst, const char *v)
{
	if (strlen(v) >= CFG_PATH_MAX || !v[0]) {
		perr(p, p->line, "path empty or longer than %d", CFG_PATH_MAX - 1);
		return -1;
	}
	strcpy(dst, v);
	return 0;
}

/* Keys of each section, in the order of their bit in parse->seen. */
static const char *const server_keys[] = { "listen", "certificate", "key", "ca", "crl",
	"state", "ack-timeout", "grace", "max-members", NULL };
static const char *const client_keys[] = { "server", "server-identity", "certificate",
	"key", "ca", "crl", "fastpath", "backoff-min", "backoff-max", NULL };
static const char *const group_keys[] = { "address", "source", "port", "format", "suite",
	"rekey", "rtp", "required", "encrypt", "decrypt", NULL };
static const char *const member_keys[] = { "identity", "groups", NULL };

static int key_index(struct parse *p, const char *const *keys, const char *name,
		     bool repeatable)
{
	for (int i = 0; keys[i]; i++) {
		if (strcmp(keys[i], name))
			continue;
		if ((p->seen & (1u << i)) && !repeatable) {
			perr(p, p->line, "'%s' set twice in this section", name);
			return -1;
		}
		p->seen |= 1u << i;
		return i;
	}
	perr(p, p->line, "unknown key '%s'", name);
	return -1;
}

static void server_key(struct parse *p, const char *name, const char *v)
{
	struct cfg_server *s = &p->cfg->server;

	switch (key_index(p, server_keys, name, false)) {
	case 0:
		if (parse_endpoint(v, &s->listen) < 0)
			perr(p, p->line, "listen '%s': expected ADDRESS:PORT", v);
		break;
	case 1: set_path(p, s->tls.cert, v); break;
	case 2: set_path(p, s->tls.key, v); break;
	case 3: set_path(p, s->tls.ca, v); break;
	case 4: set_path(p, s->tls.crl, v); break;
	case 5: set_path(p, s->state, v); break;
	case 6:
		if (parse_duration(v, &s->ack_timeout_ms) < 0 || !s->ack_timeout_ms)
			perr(p, p->line, "ack-timeout '%s': expected a duration (5s, 500ms)", v);
		break;
	case 7:
		if (parse_duration(v, &s->grace_ms) < 0)
			perr(p, p->line, "grace '%s': expected a duration (10s, 500ms)", v);
		break;
	case 8:
		if (parse_u32(v, 1, 100000, &s->max_members) < 0)
			perr(p, p->line, "max-members '%s': expected 1 to 100000", v);
		break;
	}
}

static void client_key(struct parse *p, const char *name, const char *v)
{
	struct cfg_client *c = &p->cfg->client;

	switch (key_index(p, client_keys, name, !strcmp(name, "server"))) {
	case 0: {
		char copy[512], *save, *tok;

		snprintf(copy, sizeof(copy), "%s", v);
		for (tok = strtok_r(copy, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
			if (c->nservers == CFG_SERVERS_MAX)
				return perr(p, p->line, "more than %d servers", CFG_SERVERS_MAX);
			if (parse_endpoint(tok, &c->server[c->nservers]) < 0)
				return perr(p, p->line, "server '%s': expected HOST:PORT", tok);
			c->nservers++;
		}
		break;
	}
	case 1:
		if (strlen(v) > CFG_IDENT_MAX || !v[0])
			return perr(p, p->line, "server-identity: 1 to %d characters", CFG_IDENT_MAX);
		strcpy(c->server_identity, v);
		break;
	case 2: set_path(p, c->tls.cert, v); break;
	case 3: set_path(p, c->tls.key, v); break;
	case 4: set_path(p, c->tls.ca, v); break;
	case 5: set_path(p, c->tls.crl, v); break;
	case 6:
		if (!strcmp(v, "kernel")) {
			c->fastpath = CFG_FP_KERNEL;
		} else if (!strncmp(v, "dpdk:", 5) && v[5]) {
			c->fastpath = CFG_FP_DPDK;
			set_path(p, c->dpdk_socket, v + 5);
		} else if (!strcmp(v, "none")) {
			c->fastpath = CFG_FP_NONE;
		} else {
			perr(p, p->line, "fastpath '%s': expected kernel, dpdk:SOCKET or none", v);
		}
		break;
	case 7:
		if (parse_duration(v, &c->backoff_min_ms) < 0 || !c->backoff_min_ms)
			perr(p, p->line, "backoff-min '%s': expected a duration", v);
		break;
	case 8:
		if (parse_duration(v, &c->backoff_max_ms) < 0 || !c->backoff_max_ms)
			perr(p, p->line, "backoff-max '%s': expected a duration", v);
		break;
	}
}

static int parse_addr(const char *v, uint16_t *family, uint8_t *bytes)
{
	if (inet_pton(AF_INET, v, bytes) == 1)
		*family = AF_INET;
	else if (inet_pton(AF_INET6, v, bytes) == 1)
		*family = AF_INET6;
	else
		return -1;
	return 0;
}

static void group_key(struct parse *p, const char *name, const char *v)
{
	struct cfg_group *g = &p->cfg->groups[p->index];
	uint16_t fam;
	uint32_t u;
	bool b;

	switch (key_index(p, group_keys, name, false)) {
	case 0:
		if (parse_addr(v, &g->family, g->daddr) < 0)
			return perr(p, p->line, "address '%s': not an IPv4 or IPv6 address", v);
		if (g->family == AF_INET ? (g->daddr[0] & 0xf0) != 0xe0 : g->daddr[0] != 0xff)
			return perr(p, p->line, "address '%s': not a multicast group", v);
		break;
	case 1:
		if (parse_addr(v, &fam, g->saddr) < 0)
			return perr(p, p->line, "source '%s': not an IPv4 or IPv6 address", v);
		if (g->family && fam != g->family)
			return perr(p, p->line, "source '%s': not of the group's address family", v);
		g->has_saddr = true;
		g->saddr_family = fam;
		break;
	case 2:
		if (parse_u32(v, 0, 65535, &u) < 0)
			return perr(p, p->line, "port '%s': expected 0 to 65535", v);
		g->port = (uint16_t)u;
		g->has_port = true;
		break;
	case 3:
		g->format = mcsec_format_parse(v);
		if (!g->format)
			perr(p, p->line, "format '%s': expected esp-tunnel, esp-transport, "
			     "ts-cissa or ts-idsa", v);
		break;
	case 4:
		g->suite = mcsec_suite_parse(v);
		if (!g->suite)
			perr(p, p->line, "suite '%s': expected aes128-gcm, aes256-gcm, "
			     "aes128-gmac, chacha20-poly1305 or aes128-cbc", v);
		break;
	case 5:
		if (parse_duration(v, &u) < 0 || u < 1000)
			return perr(p, p->line, "rekey '%s': expected a duration of 1s or more", v);
		g->rekey = u / 1000;
		break;
	case 6:
	case 7:
		if (parse_bool(v, &b) < 0)
			return perr(p, p->line, "%s '%s': expected yes or no", name, v);
		if (b)
			g->flags |= name[0] == 'r' && name[1] == 't' ? MCSEC_GROUP_F_RTP
								     : MCSEC_GROUP_F_REQUIRED;
		break;
	case 8: parse_list(p, v, &g->encrypt); break;
	case 9: parse_list(p, v, &g->decrypt); break;
	}
}

static void member_key(struct parse *p, const char *name, const char *v)
{
	struct cfg_member *m = &p->cfg->members[p->index];

	switch (key_index(p, member_keys, name, false)) {
	case 0:
		if (strlen(v) > CFG_IDENT_MAX || !v[0])
			return perr(p, p->line, "identity: 1 to %d characters", CFG_IDENT_MAX);
		strcpy(m->identity, v);
		break;
	case 1: parse_list(p, v, &m->groups); break;
	}
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse *p = user;

	(void)section;	/* the reader saw it first */
	if (p->failed)
		return 0;
	switch (p->kind) {
	case S_NONE: perr(p, p->line, "'%s' outside any section", name); break;
	case S_SERVER: server_key(p, name, value); break;
	case S_CLIENT: client_key(p, name, value); break;
	case S_GROUP: group_key(p, name, value); break;
	case S_MEMBER: member_key(p, name, value); break;
	case S_BAD: break;	/* already reported */
	}
	return !p->failed;
}

/* --- checks of the whole file --------------------------------------------- */

static int check_group(struct parse *p, struct cfg_group *g)
{
	if (!g->family) {
		perr(p, g->line, "group %s: no address", g->name);
		return -1;
	}
	if (g->has_saddr && g->saddr_family != g->family) {
		perr(p, g->line, "group %s: source and address of different families", g->name);
		return -1;
	}
	if (!g->format) {
		perr(p, g->line, "group %s: no format", g->name);
		return -1;
	}
	if (!g->suite)
		g->suite = mcsec_format_is_ts(g->format) ? MCSEC_SUITE_AES128_CBC
							 : MCSEC_SUITE_AES128_GCM;
	if (mcsec_format_is_ts(g->format) != (g->suite == MCSEC_SUITE_AES128_CBC)) {
		perr(p, g->line, "group %s: suite %s does not go with format %s", g->name,
		     mcsec_suite_name(g->suite), mcsec_format_name(g->format));
		return -1;
	}
	if (mcsec_format_is_ts(g->format) && (!g->has_port || !g->port)) {
		perr(p, g->line, "group %s: a TS group needs a port", g->name);
		return -1;
	}
	if ((g->flags & MCSEC_GROUP_F_RTP) && !mcsec_format_is_ts(g->format)) {
		perr(p, g->line, "group %s: rtp is for TS formats", g->name);
		return -1;
	}
	if (!g->rekey)
		g->rekey = 3600;
	for (int i = 0; i < g->encrypt.n; i++) {
		if (!config_member(p->cfg, g->encrypt.name[i])) {
			perr(p, g->encrypt.line, "group %s: unknown member '%s'", g->name,
			     g->encrypt.name[i]);
			return -1;
		}
		for (int j = 0; j < g->decrypt.n; j++)
			if (!strcmp(g->encrypt.name[i], g->decrypt.name[j])) {
				perr(p, g->decrypt.line, "group %s: member '%s' both encrypts and "
				     "decrypts", g->name, g->decrypt.name[j]);
				return -1;
			}
	}
	for (int j = 0; j < g->decrypt.n; j++)
		if (!config_member(p->cfg, g->decrypt.name[j])) {
			perr(p, g->decrypt.line, "group %s: unknown member '%s'", g->name,
			     g->decrypt.name[j]);
			return -1;
		}
	return 0;
}

static int check_member(struct parse *p, struct cfg_member *m)
{
	if (!m->identity[0])
		strcpy(m->identity, m->name);
	for (int i = 0; i < p->cfg->nmembers; i++) {
		const struct cfg_member *o = &p->cfg->members[i];

		if (o != m && o->line < m->line && !strcmp(o->identity, m->identity)) {
			perr(p, m->line, "member %s: identity '%s' is already member %s's",
			     m->name, m->identity, o->name);
			return -1;
		}
	}
	for (int i = 0; i < m->groups.n; i++) {
		const struct cfg_group *g = config_group(p->cfg, m->groups.name[i]);

		if (!g) {
			perr(p, m->groups.line, "member %s: unknown group '%s'", m->name,
			     m->groups.name[i]);
			return -1;
		}
		for (int j = 0; j < g->encrypt.n; j++)
			if (!strcmp(g->encrypt.name[j], m->name)) {
				perr(p, m->groups.line, "member %s: encrypts group %s, cannot also "
				     "receive it", m->name, g->name);
				return -1;
			}
	}
	return 0;
}

static int check_tls(struct parse *p, const struct cfg_tls *t, int line, const char *what)
{
	if (!t->cert[0] || !t->key[0] || !t->ca[0]) {
		perr(p, line, "[%s] needs certificate, key and ca", what);
		return -1;
	}
	return 0;
}

static int check_all(struct parse *p)
{
	struct config *cfg = p->cfg;
	int i;

	if (p->seen_server_line && p->seen_client_line) {
		perr(p, p->seen_client_line, "[member] and [server] in one file: a file "
		     "configures one role (server line %d)", p->seen_server_line);
		return -1;
	}
	if (p->seen_client_line) {
		cfg->role = CFG_ROLE_MEMBER;
		if (cfg->ngroups || cfg->nmembers) {
			perr(p, cfg->ngroups ? cfg->groups[0].line : cfg->members[0].line,
			     "[group] and [member NAME] sections belong in a server's file");
			return -1;
		}
		if (!cfg->client.nservers) {
			perr(p, p->seen_client_line, "[member] needs a server");
			return -1;
		}
		if (!cfg->client.fastpath) {
			perr(p, p->seen_client_line, "[member] needs a fastpath "
			     "(kernel, dpdk:SOCKET or none)");
			return -1;
		}
		if (cfg->client.backoff_max_ms < cfg->client.backoff_min_ms) {
			perr(p, p->seen_client_line, "backoff-max below backoff-min");
			return -1;
		}
		return check_tls(p, &cfg->client.tls, p->seen_client_line, "member");
	}
	if (!p->seen_server_line) {
		perr(p, 1, "no [server] or [member] section: which role is this?");
		return -1;
	}
	cfg->role = CFG_ROLE_SERVER;
	if (!cfg->server.listen.port) {
		perr(p, p->seen_server_line, "[server] needs listen = ADDRESS:PORT");
		return -1;
	}
	if (!cfg->server.state[0]) {
		perr(p, p->seen_server_line, "[server] needs state = FILE");
		return -1;
	}
	if (check_tls(p, &cfg->server.tls, p->seen_server_line, "server") < 0)
		return -1;
	for (i = 0; i < cfg->ngroups; i++)
		if (check_group(p, &cfg->groups[i]) < 0)
			return -1;
	for (i = 0; i < cfg->nmembers; i++)
		if (check_member(p, &cfg->members[i]) < 0)
			return -1;
	return 0;
}

int config_load(const char *path, struct config *cfg, char *err, size_t err_len)
{
	struct parse p = { .cfg = cfg, .err = err, .err_len = err_len };
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->file, sizeof(cfg->file), "%s", path);
	cfg->server.ack_timeout_ms = 5000;
	cfg->server.grace_ms = 5000;
	cfg->server.max_members = 4096;
	cfg->client.backoff_min_ms = 500;
	cfg->client.backoff_max_ms = 30000;
	p.f = fopen(path, "r");
	if (!p.f) {
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
		return -1;
	}
	ini_stop_on_first_error = true;
	ini_allow_multiline = false;	/* an indented line is an error, not a value */
	ret = ini_parse_stream(reader, &p, handler, &p);
	fclose(p.f);
	if (ret && !p.failed)
		perr(&p, ret > 0 ? ret : p.line, "syntax error (expected [section] or name = value)");
	if (!p.failed)
		check_all(&p);
	if (p.failed) {
		config_free(cfg);
		return -1;
	}
	return 0;
}

void config_free(struct config *cfg)
{
	free(cfg->groups);
	free(cfg->members);
	cfg->groups = NULL;
	cfg->members = NULL;
	cfg->ngroups = cfg->nmembers = 0;
}

const struct cfg_group *config_group(const struct config *cfg, const char *name)
{
	for (int i = 0; i < cfg->ngroups; i++)
		if (!strcmp(cfg->groups[i].name, name))
			return &cfg->groups[i];
	return NULL;
}

const struct cfg_member *config_member(const struct config *cfg, const char *name)
{
	for (int i = 0; i < cfg->nmembers; i++)
		if (!strcmp(cfg->members[i].name, name))
			return &cfg->members[i];
	return NULL;
}

const struct cfg_member *config_member_by_identity(const struct config *cfg,
						   const char *ident)
{
	for (int i = 0; i < cfg->nmembers; i++)
		if (!strcmp(cfg->members[i].identity, ident))
			return &cfg->members[i];
	return NULL;
}

static bool listed(const struct cfg_list *l, const char *name)
{
	for (int i = 0; i < l->n; i++)
		if (!strcmp(l->name[i], name))
			return true;
	return false;
}

uint8_t config_role(const struct config *cfg, const struct cfg_group *g,
		    const struct cfg_member *m)
{
	(void)cfg;
	if (listed(&g->encrypt, m->name))
		return MCSEC_DIR_ENCRYPT;
	if (listed(&g->decrypt, m->name) || listed(&m->groups, g->name))
		return MCSEC_DIR_DECRYPT;
	return 0;
}
