// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The configuration file: groups and their SAs, one object per line.
 *
 *   # comment
 *   group ADDR[:PORT] encrypt|decrypt FORMAT [rtp] [required]
 *         [source ADDR] [pids LIST] [parity even|odd]
 *   sa spi N [suite S] key-file F [seq N] [replay-window N] [no-esn] [active]
 *      [soft-packets N] [hard-packets N] [soft-bytes N] [hard-bytes N]
 *      [soft-seconds N] [hard-seconds N]   (lifetimes, ESP and TS SAs)
 *   sa parity even|odd key-file F
 *
 * FORMAT is esp-tunnel, esp-transport, ts-cissa or ts-idsa; S is
 * aes128-gcm (default), aes256-gcm, aes128-gmac or chacha20-poly1305; an
 * IPv6 group is written [ff3e::1]:5004. An sa line belongs to the group
 * above it. Key files hold hex (key || 4-byte salt for ESP, the 16-byte
 * control word for TS); a relative path is relative to the configuration
 * file. ESN is on and the replay window is 64 unless said otherwise.
 */
#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "mcsec-dpdk.h"
#include "suite.h"

#define MAX_TOKENS	32

struct cfg_ctx {
	const char *path;
	char dir[PATH_MAX];
	u32 line;
	struct mcd_group *g;	/* the group sa lines attach to */
	char *err;
	size_t errlen;
};

static bool fail(struct cfg_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static bool fail(struct cfg_ctx *c, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(c->err, c->errlen, "%s:%u: %s", c->path, c->line, msg);
	return false;
}

static bool parse_num(const char *s, u64 max, u64 *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

static bool parse_addr(const char *s, u8 *family, u8 *addr)
{
	if (inet_pton(AF_INET, s, addr) == 1) {
		*family = MC_AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, s, addr) == 1) {
		*family = MC_AF_INET6;
		return true;
	}
	return false;
}

/* ADDR, ADDR:PORT, [ADDR6], [ADDR6]:PORT, or a bare IPv6 ADDR. */
static bool parse_group_addr(struct cfg_ctx *c, const char *arg,
			     struct mcd_group *g)
{
	char a[INET6_ADDRSTRLEN + 1];
	const char *port = NULL, *end;
	size_t n;
	u64 p = 0;

	if (arg[0] == '[') {
		end = strchr(arg, ']');
		if (!end || (end[1] && end[1] != ':'))
			goto bad;
		n = (size_t)(end - arg - 1);
		arg++;
		if (end[1] == ':')
			port = end + 2;
	} else if (strchr(arg, ':') && strchr(arg, ':') == strrchr(arg, ':')) {
		end = strchr(arg, ':');
		n = (size_t)(end - arg);
		port = end + 1;
	} else {
		n = strlen(arg);
	}
	if (n >= sizeof(a))
		goto bad;
	memcpy(a, arg, n);
	a[n] = 0;
	if (!parse_addr(a, &g->family, g->daddr))
		goto bad;
	if (port && (!parse_num(port, 65535, &p) || !p))
		return fail(c, "group %s: port must be 1..65535", port);
	g->port = (u16)p;
	if (g->family == MC_AF_INET ? (g->daddr[0] & 0xf0) != 0xe0 :
	    g->daddr[0] != 0xff)
		return fail(c, "group %s is not a multicast address", a);
	return true;
bad:
	return fail(c, "group address: expected ADDR[:PORT], e.g. 239.1.2.3:5004 or [ff3e::1]:5004");
}

static bool parse_pids(struct cfg_ctx *c, const char *arg, struct mcd_group *g)
{
	char buf[1024], *tok, *save = NULL;

	if (!arg || strlen(arg) >= sizeof(buf))
		return fail(c, "pids: expected a list like 256,0x101,300-310");
	strcpy(buf, arg);
	memset(g->pid_map, 0, sizeof(g->pid_map));
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *dash = strchr(tok, '-');
		u64 lo, hi;

		if (dash)
			*dash = 0;
		if (!parse_num(tok, 0x1ffe, &lo))
			return fail(c, "pids: %s is not a PID 0..0x1FFE", tok);
		hi = lo;
		if (dash && (!parse_num(dash + 1, 0x1ffe, &hi) || hi < lo))
			return fail(c, "pids: bad range end %s", dash + 1);
		for (u64 v = lo; v <= hi; v++)
			g->pid_map[v / 8] |= (u8)(1u << (v % 8));
	}
	g->have_pids = true;
	return true;
}

static bool parse_parity(const char *s, u8 *out)
{
	if (!s)
		return false;
	if (!strcmp(s, "even"))
		*out = MCSEC_PARITY_EVEN;
	else if (!strcmp(s, "odd"))
		*out = MCSEC_PARITY_ODD;
	else
		return false;
	return true;
}

static bool parse_format(const char *s, u8 *out)
{
	for (u8 f = 1; f <= MCSEC_FORMAT_MAX; f++)
		if (s && !strcmp(s, mcd_format_name(f))) {
			*out = f;
			return true;
		}
	return false;
}

static bool do_group(struct cfg_ctx *c, char **t, int n)
{
	struct mcd_group *g;
	int i;

	if (c->g && !mcd_group_commit(c->g, c->err, c->errlen))
		return false;
	c->g = NULL;
	if (n < 4)
		return fail(c, "group ADDR[:PORT] encrypt|decrypt FORMAT [options]");
	g = mcd_group_new(c->err, c->errlen);
	if (!g)
		return false;
	c->g = g;	/* discarded by mcd_config_load if never committed */
	if (!parse_group_addr(c, t[1], g))
		return false;
	if (!strcmp(t[2], "encrypt"))
		g->dir = MCSEC_DIR_ENCRYPT;
	else if (!strcmp(t[2], "decrypt"))
		g->dir = MCSEC_DIR_DECRYPT;
	else
		return fail(c, "direction %s: encrypt or decrypt", t[2]);
	if (!parse_format(t[3], &g->format))
		return fail(c, "format %s: esp-tunnel, esp-transport, ts-cissa or ts-idsa",
			    t[3]);
	for (i = 4; i < n; i++) {
		const char *v = i + 1 < n ? t[i + 1] : NULL;

		if (!strcmp(t[i], "rtp")) {
			g->flags |= MCSEC_GROUP_F_RTP;
		} else if (!strcmp(t[i], "required")) {
			g->flags |= MCSEC_GROUP_F_REQUIRED;
		} else if (!strcmp(t[i], "source")) {
			u8 fam;

			if (!v || !parse_addr(v, &fam, g->saddr) || fam != g->family)
				return fail(c, "source: an address of the group's family");
			g->have_saddr = true;
			i++;
		} else if (!strcmp(t[i], "pids")) {
			if (!parse_pids(c, v, g))
				return false;
			i++;
		} else if (!strcmp(t[i], "parity")) {
			if (!parse_parity(v, &g->tx_parity))
				return fail(c, "parity: even or odd");
			i++;
		} else {
			return fail(c, "unknown group option %s", t[i]);
		}
	}
	bool esp = g->format <= MCSEC_FORMAT_ESP_TRANSPORT;
	if (esp && (g->flags & MCSEC_GROUP_F_RTP || g->have_pids || g->tx_parity))
		return fail(c, "rtp, pids and parity apply to TS formats");
	c->g = g;
	return true;
}


/* soft-packets .. hard-seconds: the lifetime field it names, or NULL. */
static u64 *lifetime_field(struct mcd_sa *sa, const char *a)
{
	static const char *const names[] = { "packets", "bytes", "seconds" };

	for (int hard = 0; hard < 2; hard++) {
		struct mcd_lifetime *l = hard ? &sa->hard : &sa->soft;
		u64 *f[] = { &l->packets, &l->bytes, &l->seconds };
		const char *pre = hard ? "hard-" : "soft-";

		if (strncmp(a, pre, 5))
			continue;
		for (int k = 0; k < 3; k++)
			if (!strcmp(a + 5, names[k]))
				return f[k];
	}
	return NULL;
}

static bool do_sa(struct cfg_ctx *c, char **t, int n)
{
	struct mcd_group *g = c->g;
	struct mcd_sa sa = { .suite = MCSEC_SUITE_AES128_GCM,
			     .replay_window = 64, .flags = MCSEC_SA_F_ESN };
	struct mcd_key_material km;
	const char *keyfile = NULL;
	char path[PATH_MAX];
	bool esp, ok;
	u64 v, *lt;

	if (!g)
		return fail(c, "an sa line needs a group line above it");
	esp = g->format <= MCSEC_FORMAT_ESP_TRANSPORT;
	if (!esp)
		sa.suite = MCSEC_SUITE_AES128_CBC;
	for (int i = 1; i < n; i++) {
		const char *a = t[i], *val = i + 1 < n ? t[i + 1] : NULL;

		if (!strcmp(a, "spi") && esp) {
			if (!parse_num(val, UINT32_MAX, &v) || !v)
				return fail(c, "spi: 1..0xffffffff");
			sa.spi = (u32)v;
			i++;
		} else if (!strcmp(a, "parity") && !esp) {
			if (!parse_parity(val, &sa.parity))
				return fail(c, "parity: even or odd");
			i++;
		} else if (!strcmp(a, "suite") && esp) {
			u8 s;

			for (s = 1; s <= MCSEC_SUITE_MAX; s++)
				if (val && !strcmp(val, mcd_suite_name(s)))
					break;
			if (s > MCSEC_SUITE_MAX || !mc_suite_is_esp(s))
				return fail(c, "suite: aes128-gcm, aes256-gcm, aes128-gmac or chacha20-poly1305");
			sa.suite = s;
			i++;
		} else if (!strcmp(a, "key-file")) {
			if (!val)
				return fail(c, "key-file needs a path");
			keyfile = val;
			i++;
		} else if (!strcmp(a, "seq") && esp && g->dir == MCSEC_DIR_ENCRYPT) {
			if (!parse_num(val, UINT64_MAX, &v) || !v)
				return fail(c, "seq: the first sequence number, >= 1");
			sa.next_seq = v;
			i++;
		} else if (!strcmp(a, "replay-window") && esp &&
			   g->dir == MCSEC_DIR_DECRYPT) {
			if (!parse_num(val, 4096, &v))
				return fail(c, "replay-window: 0, or 64..4096 in steps of 64");
			sa.replay_window = (u32)v;
			i++;
		} else if (!strcmp(a, "no-esn") && esp) {
			sa.flags &= ~(u32)MCSEC_SA_F_ESN;
		} else if (!strcmp(a, "active") && esp) {
			sa.flags |= MCSEC_SA_F_ACTIVE;
		} else if ((lt = lifetime_field(&sa, a))) {
			if (!parse_num(val, UINT64_MAX, lt) || !*lt)
				return fail(c, "%s: a number >= 1", a);
			i++;
		} else {
			return fail(c, "sa option %s does not apply to a %s %s group",
				    a, mcd_dir_name(g->dir), mcd_format_name(g->format));
		}
	}
	if ((sa.soft.packets && sa.hard.packets && sa.soft.packets >= sa.hard.packets) ||
	    (sa.soft.bytes && sa.hard.bytes && sa.soft.bytes >= sa.hard.bytes) ||
	    (sa.soft.seconds && sa.hard.seconds && sa.soft.seconds >= sa.hard.seconds))
		return fail(c, "soft lifetime not below the hard one");
	if (esp && !sa.spi)
		return fail(c, "an ESP sa needs spi");
	if (!esp && !sa.parity)
		return fail(c, "a TS sa needs parity even or odd");
	if (!keyfile)
		return fail(c, "an sa needs key-file (keys are never given inline)");
	if ((size_t)snprintf(path, sizeof(path), "%s%s%s",
			     keyfile[0] == '/' ? "" : c->dir,
			     keyfile[0] == '/' ? "" : "/", keyfile) >= sizeof(path))
		return fail(c, "key-file: path too long");
	if (!mcd_key_file_read(path, mc_suite_key_len(sa.suite) +
			       (esp ? MC_SALT_LEN : 0), &km, c->err, c->errlen))
		return false;
	char why[256];

	ok = mcd_sa_add(g, &sa, &km, why, sizeof(why));
	mcd_key_wipe(&km);
	if (!ok)
		return fail(c, "%s", why);
	return true;
}

bool mcd_config_load(const char *path, char *err, size_t errlen)
{
	struct cfg_ctx c = { .path = path, .err = err, .errlen = errlen };
	char line[4096], tmp[PATH_MAX];
	FILE *f;
	bool ok = true;

	snprintf(tmp, sizeof(tmp), "%s", path);
	snprintf(c.dir, sizeof(c.dir), "%s", dirname(tmp));
	f = fopen(path, "re");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return false;
	}
	while (ok && fgets(line, sizeof(line), f)) {
		char *t[MAX_TOKENS], *save = NULL, *hash = strchr(line, '#');
		int n = 0;

		c.line++;
		if (hash)
			*hash = 0;
		for (char *w = strtok_r(line, " \t\r\n", &save); w;
		     w = strtok_r(NULL, " \t\r\n", &save)) {
			if (n == MAX_TOKENS) {
				ok = fail(&c, "too many words");
				break;
			}
			t[n++] = w;
		}
		if (!ok || !n)
			continue;
		if (!strcmp(t[0], "group"))
			ok = do_group(&c, t, n);
		else if (!strcmp(t[0], "sa"))
			ok = do_sa(&c, t, n);
		else
			ok = fail(&c, "unknown line %s (group or sa)", t[0]);
	}
	fclose(f);
	if (ok && c.g)
		ok = mcd_group_commit(c.g, err, errlen);
	if (!ok && c.g && !c.g->committed)
		mcd_group_discard(c.g);
	return ok;
}
