// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * mcsecctl sa add|set|del|show.
 *
 *   sa add GROUP port N [SELECTOR] spi SPI suite SUITE key-file F [seq N]
 *          [replay-window N] [no-esn] [lifetime [soft|hard] packets N
 *          bytes N seconds N ...]
 *   sa add GROUP port N [SELECTOR] parity even|odd key-file F
 *   sa set GROUP port N [SELECTOR] spi SPI|parity P active
 *   sa del GROUP port N [SELECTOR] spi SPI|parity P
 *   sa show [GROUP [port N] [SELECTOR]]
 *
 * ESP SAs are named by SPI, TS control words by parity. Keys come from key
 * files only; `key HEX` is refused.
 */
#include <limits.h>
#include <arpa/inet.h>
#include <string.h>

#include "mcsecctl.h"

enum sw { SW_PORT, SW_SRC, SW_IIF, SW_DIR, SW_SPI, SW_PARITY, SW_SUITE,
	  SW_KEY_FILE, SW_SEQ, SW_REPLAY, SW_NO_ESN, SW_LIFETIME, SW_SOFT,
	  SW_HARD, SW_PACKETS, SW_BYTES, SW_SECONDS, SW_ACTIVE, SW_KEY };

static const char *const sw_names[] = {
	"port", "src", "iif", "dir", "spi", "parity", "suite", "key-file",
	"seq", "replay-window", "no-esn", "lifetime", "soft", "hard",
	"packets", "bytes", "seconds", "active", "key", NULL,
};

#define SEL_BITS (1u << SW_PORT | 1u << SW_SRC | 1u << SW_IIF | 1u << SW_DIR)
#define NAME_BITS (1u << SW_SPI | 1u << SW_PARITY)
#define ADD_BITS (SEL_BITS | NAME_BITS | 1u << SW_SUITE | 1u << SW_KEY_FILE | \
		  1u << SW_SEQ | 1u << SW_REPLAY | 1u << SW_NO_ESN |	      \
		  1u << SW_LIFETIME | 1u << SW_SOFT | 1u << SW_HARD |	      \
		  1u << SW_PACKETS | 1u << SW_BYTES | 1u << SW_SECONDS |       \
		  1u << SW_KEY)

struct sa_parse {
	struct words *ws;
	const struct ctx *ctx;
	struct cmd *c;
	unsigned int seen;
	const char *key_file;
	int key_file_at;
	struct mcsec_lifetime *lt;	/* after "lifetime": soft or hard */
};

static unsigned int sw_allowed(enum verb verb)
{
	switch (verb) {
	case VERB_ADD: return ADD_BITS;
	case VERB_SET: return SEL_BITS | NAME_BITS | 1u << SW_ACTIVE | 1u << SW_KEY;
	case VERB_DEL: return SEL_BITS | NAME_BITS;
	default: return SEL_BITS;
	}
}

static const char *verb_name(enum verb verb)
{
	static const char *const names[] = { "add", "set", "del", "show" };

	return names[verb];
}

static int num(struct sa_parse *p, const char *kw, uint64_t max, uint64_t *v)
{
	int at = p->ws->i;
	const char *s = words_value(p->ws, kw);

	if (!s)
		return EXIT_USAGE;
	if (!parse_u64(s, max, v))
		return words_error(p->ws, at, "%s '%s': expected a number 0..%llu",
				   kw, s, (unsigned long long)max);
	return 0;
}

static int word_spi(struct sa_parse *p)
{
	uint64_t v;
	int at = p->ws->i, ret = num(p, "spi", UINT32_MAX, &v);

	if (ret)
		return ret;
	if (!v)
		return words_error(p->ws, at, "spi 0 is reserved: expected 1..0xffffffff");
	p->c->sa.spi = (uint32_t)v;
	p->c->has_spi = true;
	return 0;
}

static int word_enum(struct sa_parse *p, const char *kw, uint8_t (*parse)(const char *),
		     const char *choices, uint8_t *out)
{
	int at = p->ws->i;
	const char *s = words_value(p->ws, kw);

	if (!s)
		return EXIT_USAGE;
	*out = parse(s);
	if (!*out)
		return words_error(p->ws, at, "%s '%s': expected %s", kw, s, choices);
	return 0;
}

static int word_replay(struct sa_parse *p)
{
	uint64_t v;
	int at = p->ws->i, ret = num(p, "replay-window", 4096, &v);

	if (ret)
		return ret;
	if (v && (v < 64 || v % 64))
		return words_error(p->ws, at, "replay-window %llu: expected 0 (off) or a multiple of 64 in 64..4096",
				   (unsigned long long)v);
	p->c->sa.replay_window = (uint32_t)v;
	p->c->sa.has_replay_window = true;
	return 0;
}

static int word_seq(struct sa_parse *p)
{
	int at = p->ws->i, ret = num(p, "seq", UINT64_MAX, &p->c->sa.seq);

	if (!ret && !p->c->sa.seq)
		return words_error(p->ws, at, "seq 0: the first sequence number is 1 or more");
	p->c->sa.has_seq = true;
	return ret;
}

/* packets, bytes, seconds: only after "lifetime". */
static int word_limit(struct sa_parse *p, enum sw k, int at)
{
	uint64_t *field;

	if (!p->lt)
		return words_error(p->ws, at, "'%s' belongs after 'lifetime'", sw_names[k]);
	field = k == SW_PACKETS ? &p->lt->packets :
		k == SW_BYTES ? &p->lt->bytes : &p->lt->seconds;
	return num(p, sw_names[k], UINT64_MAX, field);
}

static int word_soft_hard(struct sa_parse *p, enum sw k, int at)
{
	if (!p->lt)
		return words_error(p->ws, at, "'%s' belongs after 'lifetime'", sw_names[k]);
	p->lt = k == SW_SOFT ? &p->c->sa.soft : &p->c->sa.hard;
	if (k == SW_SOFT)
		p->c->sa.has_soft = true;
	else
		p->c->sa.has_hard = true;
	return 0;
}

static int word_key_file(struct sa_parse *p, int at)
{
	p->key_file = words_value(p->ws, "key-file");
	p->key_file_at = at;
	return p->key_file ? 0 : EXIT_USAGE;
}

/* The once-only words; lifetime's may repeat (soft ... hard ...). */
static bool repeatable(enum sw k)
{
	return k >= SW_LIFETIME && k <= SW_SECONDS;
}

static int sa_value(struct sa_parse *p, enum sw k, int at)
{
	switch (k) {
	case SW_SPI: return word_spi(p);
	case SW_PARITY:
		p->c->has_parity = true;
		return word_enum(p, "parity", mcsec_parity_parse, "even or odd",
				 &p->c->sa.parity);
	case SW_SUITE:
		p->c->has_suite = true;
		return word_enum(p, "suite", mcsec_suite_parse,
				 "aes128-gcm, aes256-gcm, aes128-gmac, chacha20-poly1305 (ESP) or aes128-cbc (TS)",
				 &p->c->sa.suite);
	case SW_KEY_FILE: return word_key_file(p, at);
	case SW_SEQ: return word_seq(p);
	case SW_REPLAY: return word_replay(p);
	case SW_NO_ESN: return 0;
	case SW_LIFETIME:
		p->lt = &p->c->sa.hard;
		p->c->sa.has_hard = true;
		return 0;
	case SW_SOFT:
	case SW_HARD: return word_soft_hard(p, k, at);
	case SW_ACTIVE: return 0;
	case SW_KEY:
		return words_error(p->ws, at, "keys are never given on the command line (every user can read it): put the key in a file and use key-file F");
	default: return word_limit(p, k, at);
	}
}

static int sa_word(struct sa_parse *p)
{
	int at = p->ws->i, k = words_keyword(p->ws, "word", sw_names);

	if (k < 0)
		return EXIT_USAGE;
	if (k == SW_KEY)
		return sa_value(p, SW_KEY, at);
	if (!(sw_allowed(p->c->verb) & 1u << k))
		return words_error(p->ws, at, "'%s' does not belong in sa %s",
				   sw_names[k], verb_name(p->c->verb));
	if ((p->seen & 1u << k) && !repeatable(k))
		return words_error(p->ws, at, "'%s' given twice", sw_names[k]);
	p->seen |= 1u << k;
	if (k <= SW_DIR)	/* the same words as the group's selector */
		return group_selector_value(p->ws, p->c, k);
	return sa_value(p, (enum sw)k, at);
}

static int check_name(struct sa_parse *p)
{
	if (p->c->has_spi && p->c->has_parity)
		return words_error(p->ws, p->ws->n, "spi and parity exclude each other: spi names ESP SAs, parity TS keys");
	if (!p->c->has_spi && !p->c->has_parity)
		return words_error(p->ws, p->ws->n, "spi SPI (ESP) or parity even|odd (TS) is required");
	return 0;
}

static int check_esp(struct sa_parse *p)
{
	struct mcsec_sa *sa = &p->c->sa;

	if (!p->c->has_suite)
		return words_error(p->ws, p->ws->n, "suite aes128-gcm|aes256-gcm|aes128-gmac|chacha20-poly1305 is required");
	if (sa->suite == MCSEC_SUITE_AES128_CBC)
		return words_error(p->ws, p->ws->n, "suite aes128-cbc is the TS control word: name it by parity");
	sa->has_flags = true;
	sa->flags = p->seen & 1u << SW_NO_ESN ? 0 : MCSEC_SA_F_ESN;
	return 0;
}

static int check_ts(struct sa_parse *p)
{
	static const enum sw esp_only[] = { SW_SEQ, SW_REPLAY, SW_NO_ESN };
	size_t i;

	for (i = 0; i < sizeof(esp_only) / sizeof(esp_only[0]); i++)
		if (p->seen & 1u << esp_only[i])
			return words_error(p->ws, p->ws->n, "'%s' is for ESP SAs (spi), not TS keys (parity)",
					   sw_names[esp_only[i]]);
	if (p->c->has_suite && p->c->sa.suite != MCSEC_SUITE_AES128_CBC)
		return words_error(p->ws, p->ws->n, "TS keys (parity) take suite aes128-cbc only");
	p->c->sa.suite = MCSEC_SUITE_AES128_CBC;
	return 0;
}

/* "aes128-gcm needs 20 (the 16-byte key followed by the 4-byte salt)" */
static void needs(uint8_t suite, char *buf, size_t len)
{
	uint32_t k = mcsec_suite_key_len(suite), s = mcsec_suite_salt_len(suite);

	if (s)
		snprintf(buf, len, "%s needs %u (the %u-byte key followed by the %u-byte salt)",
			 mcsec_suite_name(suite), k + s, k, s);
	else
		snprintf(buf, len, "%s needs %u (an AES-128 control word, no salt)",
			 mcsec_suite_name(suite), k);
}

static int key_path(struct sa_parse *p, char *buf, size_t len)
{
	const char *f = p->key_file;

	if (!strcmp(f, "-") && p->ws->file)
		return words_error(p->ws, p->key_file_at + 1, "key-file - (stdin) is for the command line, not config files");
	if (f[0] != '/' && strcmp(f, "-") && p->ctx->key_dir)
		snprintf(buf, len, "%s/%s", p->ctx->key_dir, f);
	else
		snprintf(buf, len, "%s", f);
	return 0;
}

static int read_key(struct sa_parse *p)
{
	char path[PATH_MAX], msg[512], want[128];
	uint32_t expect = mcsec_suite_key_len(p->c->sa.suite) +
			  mcsec_suite_salt_len(p->c->sa.suite);
	int n;

	if (!p->key_file)
		return words_error(p->ws, p->ws->n, "key-file F is required (hex; '-' reads stdin)");
	if (key_path(p, path, sizeof(path)))
		return EXIT_USAGE;
	p->c->key = mcsec_key_alloc();
	if (!p->c->key)
		return words_error(p->ws, p->key_file_at, "out of memory");
	n = mcsec_key_read(path, p->c->key, msg, sizeof(msg));
	if (n < 0)
		return words_error(p->ws, p->key_file_at + 1, "%s", msg);
	if ((uint32_t)n != expect) {
		needs(p->c->sa.suite, want, sizeof(want));
		return words_error(p->ws, p->key_file_at + 1, "key file %s: %d bytes of key material, %s",
				   path, n, want);
	}
	p->c->sa.key = p->c->key;
	return 0;
}

static int check_add(struct sa_parse *p)
{
	int ret = check_name(p);

	if (!ret)
		ret = p->c->has_spi ? check_esp(p) : check_ts(p);
	if (!ret && !(p->seen & 1u << SW_PORT))
		ret = words_error(p->ws, p->ws->n, "port N is required");
	return ret ? ret : read_key(p);
}

int sa_parse(struct words *ws, const struct ctx *ctx, enum verb verb,
	     struct cmd *c)
{
	struct sa_parse p = { .ws = ws, .ctx = ctx, .c = c };
	int ret;

	c->object = OBJ_SA;
	c->verb = verb;
	ret = group_parse_daddr(ws, c);
	while (!ret && words_more(ws))
		ret = sa_word(&p);
	if (ret || verb == VERB_SHOW)
		return ret;
	if (verb == VERB_ADD)
		return check_add(&p);
	ret = check_name(&p);
	if (!ret && verb == VERB_SET && !(p.seen & 1u << SW_ACTIVE))
		ret = words_error(ws, ws->n, "sa set needs 'active' (the sender switches to this SA)");
	return ret;
}

static void print_lifetime(struct printer *pr, const char *key,
			   const struct mcsec_lifetime *lt)
{
	pr_obj_begin(pr, key, PR_INLINE);
	pr_u64(pr, "packets", lt->packets);
	pr_u64(pr, "bytes", lt->bytes);
	pr_u64(pr, "seconds", lt->seconds);
	pr_obj_end(pr);
}

static bool lifetime_set(const struct mcsec_lifetime *lt)
{
	return lt->packets || lt->bytes || lt->seconds;
}

static void print_sa(struct ctx *ctx, const struct mcsec_group *g,
		     const struct mcsec_sa *sa)
{
	struct printer *pr = &ctx->pr;
	char addr[INET6_ADDRSTRLEN + 1];

	pr_obj_begin(pr, NULL, PR_INLINE);
	format_addr(&g->daddr, addr, sizeof(addr));
	pr_str(pr, "group", addr);
	pr_u64(pr, "port", g->port);
	pr_str(pr, "dir", mcsec_dir_name(g->dir) ?: "?");
	if (sa->parity)
		pr_str(pr, "parity", mcsec_parity_name(sa->parity) ?: "?");
	else
		pr_hex32(pr, "spi", sa->spi);
	pr_str(pr, "suite", mcsec_suite_name(sa->suite) ?: "?");
	if (sa->has_seq)
		pr_u64(pr, "seq", sa->seq);
	if (sa->has_replay_window)
		pr_u64(pr, "replay-window", sa->replay_window);
	if (!sa->parity)
		pr_flag(pr, "esn", sa->flags & MCSEC_SA_F_ESN);
	pr_flag(pr, "active", sa->flags & MCSEC_SA_F_ACTIVE);
	pr_u64(pr, "group-id", sa->group_id);
	if (sa->has_soft && (pr->json || lifetime_set(&sa->soft)))
		print_lifetime(pr, "lifetime-soft", &sa->soft);
	if (sa->has_hard && (pr->json || lifetime_set(&sa->hard)))
		print_lifetime(pr, "lifetime-hard", &sa->hard);
	if (ctx->stats && sa->has_stats) {
		pr_obj_begin(pr, "stats", PR_LINES);
		pr_stats(pr, sa->stats);
		pr_obj_end(pr);
	}
	pr_obj_end(pr);
}

struct sa_show {
	struct ctx *ctx;
	const struct group_list *groups;
};

static int sa_show_one(const struct mcsec_sa *sa, void *arg)
{
	struct sa_show *s = arg;
	const struct mcsec_group *g = group_list_find(s->groups, sa->group_id);

	if (g)	/* else added after the group dump: not in this picture */
		print_sa(s->ctx, g, sa);
	return 0;
}

static int sa_show(struct ctx *ctx, struct words *ws)
{
	struct mcsec_err err = { 0 };
	struct group_list gl = { 0 };
	struct sa_show s = { ctx, &gl };
	struct mcsec_group g;
	struct cmd c = { 0 };
	uint32_t id = 0;
	int ret;

	if (words_more(ws) && (ret = sa_parse(ws, ctx, VERB_SHOW, &c)))
		return ret;
	ret = ctx_conn(ctx, "sa show");
	if (!ret && c.has_match) {
		ret = resolve_group(ctx, &c.match, &g, "sa show");
		id = g.id;
	}
	if (!ret)
		ret = group_list_load(ctx, &gl, "sa show");
	if (ret)
		return ret;
	pr_list_begin(&ctx->pr);
	ret = mcsec_sa_dump(ctx->conn, id, sa_show_one, &s, &err);
	pr_list_end(&ctx->pr);
	group_list_free(&gl);
	return ret ? report("sa show", &err) : EXIT_OK;
}

static const char sa_help[] =
"usage: mcsecctl sa add GROUP port N [SELECTOR] spi SPI suite SUITE key-file F\n"
"                       [seq N] [replay-window N] [no-esn]\n"
"                       [lifetime [soft|hard] [packets N] [bytes N] [seconds N] ...]\n"
"       mcsecctl sa add GROUP port N [SELECTOR] parity even|odd key-file F\n"
"       mcsecctl sa set GROUP port N [SELECTOR] spi SPI|parity P active\n"
"       mcsecctl sa del GROUP port N [SELECTOR] spi SPI|parity P\n"
"       mcsecctl sa show [GROUP [port N] [SELECTOR]]\n"
"SUITE: aes128-gcm, aes256-gcm, aes128-gmac, chacha20-poly1305.\n"
"Key files hold hex ('#' comments); ESP: key then 4-byte salt, as ip xfrm\n"
"takes rfc4106 keys; TS: the 16-byte control word. '-' reads stdin.\n"
"SELECTOR: src ADDR, iif DEV, dir encrypt|decrypt.\n";

int do_sa(struct ctx *ctx, struct words *ws)
{
	static const char *const verbs[] = { "add", "set", "del", "show",
					     "list", "help", NULL };
	struct cmd c = { 0 };
	int v, ret;

	if (!words_more(ws))
		return sa_show(ctx, ws);
	v = words_keyword(ws, "sa command", verbs);
	if (v < 0)
		return EXIT_USAGE;
	if (v == 5) {
		fputs(sa_help, stdout);
		return EXIT_OK;
	}
	if (v == 3 || v == 4)
		return sa_show(ctx, ws);
	ret = sa_parse(ws, ctx, (enum verb)v, &c);
	if (!ret)
		ret = cmd_exec(ctx, &c, NULL);
	cmd_free(&c);
	return ret;
}
