// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * mcsecctl group add|set|del|show.
 *
 *   group add GROUP port N [src ADDR] [iif DEV] dir encrypt|decrypt
 *             format esp-tunnel|esp-transport|ts-cissa|ts-idsa
 *             [required] [rtp] [pids LIST]
 *   group set GROUP port N [src|iif|dir ...] parity even|odd
 *   group del GROUP port N [src|iif|dir ...]
 *   group show [GROUP [port N] [src|iif|dir ...]]
 *
 * The words after GROUP name the group (the selector): port, src, iif and
 * dir, in any order. A selector that matches more than one group is
 * refused with a hint to add dir, src or iif.
 */
#include <net/if.h>
#include <string.h>

#include "mcsecctl.h"

enum gw { GW_PORT, GW_SRC, GW_IIF, GW_DIR, GW_FORMAT, GW_REQUIRED, GW_RTP,
	  GW_PIDS, GW_PARITY, GW_MAX };

static const char *const gw_names[] = {
	"port", "src", "iif", "dir", "format", "required", "rtp", "pids",
	"parity", NULL,
};

/* Which words each verb takes after GROUP (a bit per enum gw). */
static unsigned int gw_allowed(enum verb verb)
{
	unsigned int sel = 1u << GW_PORT | 1u << GW_SRC | 1u << GW_IIF |
			   1u << GW_DIR;

	switch (verb) {
	case VERB_ADD:
		return sel | 1u << GW_FORMAT | 1u << GW_REQUIRED |
		       1u << GW_RTP | 1u << GW_PIDS;
	case VERB_SET:
		return sel | 1u << GW_PARITY;
	default:
		return sel;
	}
}

int group_parse_daddr(struct words *ws, struct cmd *c)
{
	int at = ws->i;
	const char *s = words_next(ws);

	if (!s)
		return words_error(ws, at, "GROUP expected: a multicast IPv4 or IPv6 address");
	if (!parse_addr(s, &c->match.daddr))
		return words_error(ws, at, "GROUP '%s' is not an IPv4 or IPv6 address", s);
	if (!addr_is_multicast(&c->match.daddr))
		return words_error(ws, at, "GROUP %s is not a multicast address", s);
	c->has_match = true;
	return 0;
}

static int value_port(struct words *ws, struct cmd *c, const char *v, int at)
{
	uint64_t p;

	if (!parse_u64(v, 65535, &p))
		return words_error(ws, at, "port '%s': expected 0..65535 (0: any)", v);
	c->match.has_port = true;
	c->match.port = (uint16_t)p;
	return 0;
}

static int value_src(struct words *ws, struct cmd *c, const char *v, int at)
{
	if (!parse_addr(v, &c->match.saddr))
		return words_error(ws, at, "src '%s' is not an IPv4 or IPv6 address", v);
	if (c->match.saddr.family != c->match.daddr.family)
		return words_error(ws, at, "src %s is not of the group's address family", v);
	if (addr_is_multicast(&c->match.saddr))
		return words_error(ws, at, "src %s is a multicast address", v);
	c->match.has_saddr = true;
	return 0;
}

static int value_iif(struct words *ws, struct cmd *c, const char *v, int at)
{
	c->match.ifindex = if_nametoindex(v);
	if (!c->match.ifindex)
		return words_error(ws, at, "iif '%s': no such interface", v);
	return 0;
}

static int value_enum(struct words *ws, const char *kw, const char *v, int at,
		      uint8_t parsed, const char *choices, uint8_t *out)
{
	if (!parsed)
		return words_error(ws, at, "%s '%s': expected %s", kw, v, choices);
	*out = parsed;
	return 0;
}

static int value_pids(struct words *ws, struct cmd *c, const char *v, int at)
{
	if (!parse_pids(v, c->group.pid_map))
		return words_error(ws, at, "pids '%s': expected PIDs 0..0x1FFE and ranges, e.g. 256,0x101,300-310", v);
	c->group.has_pids = true;
	return 0;
}

/* One keyword's value (the keyword was word at - 1). */
static int group_value(struct words *ws, struct cmd *c, enum gw k)
{
	int at = ws->i;
	const char *v = words_value(ws, gw_names[k]);

	if (!v)
		return EXIT_USAGE;
	switch (k) {
	case GW_PORT: return value_port(ws, c, v, at);
	case GW_SRC: return value_src(ws, c, v, at);
	case GW_IIF: return value_iif(ws, c, v, at);
	case GW_DIR:
		return value_enum(ws, "dir", v, at, mcsec_dir_parse(v),
				  "encrypt or decrypt", &c->match.dir);
	case GW_FORMAT:
		return value_enum(ws, "format", v, at, mcsec_format_parse(v),
				  "esp-tunnel, esp-transport, ts-cissa or ts-idsa",
				  &c->group.format);
	case GW_PARITY:
		return value_enum(ws, "parity", v, at, mcsec_parity_parse(v),
				  "even or odd", &c->parity);
	case GW_PIDS: return value_pids(ws, c, v, at);
	default: return EXIT_USAGE;
	}
}

int group_selector_value(struct words *ws, struct cmd *c, int k)
{
	return group_value(ws, c, (enum gw)k);
}

static int group_word(struct words *ws, struct cmd *c, unsigned int allowed,
		      unsigned int *seen)
{
	int at = ws->i, k = words_keyword(ws, "word", gw_names);

	if (k < 0)
		return EXIT_USAGE;
	if (!(allowed & 1u << k))
		return words_error(ws, at, "'%s' does not belong in group %s",
				   gw_names[k], c->verb == VERB_SET ? "set" :
				   c->verb == VERB_DEL ? "del" : "show");
	if (*seen & 1u << k)
		return words_error(ws, at, "'%s' given twice", gw_names[k]);
	*seen |= 1u << k;
	if (k == GW_REQUIRED)
		c->group.flags |= MCSEC_GROUP_F_REQUIRED;
	else if (k == GW_RTP)
		c->group.flags |= MCSEC_GROUP_F_RTP;
	else
		return group_value(ws, c, (enum gw)k);
	return 0;
}

static int need(struct words *ws, unsigned int seen, enum gw k,
		const char *what)
{
	if (seen & 1u << k)
		return 0;
	return words_error(ws, ws->n, "%s is required", what);
}

static int check_add(struct words *ws, struct cmd *c, unsigned int seen)
{
	struct mcsec_group *g = &c->group;

	if (need(ws, seen, GW_PORT, "port N") ||
	    need(ws, seen, GW_DIR, "dir encrypt|decrypt") ||
	    need(ws, seen, GW_FORMAT,
		 "format esp-tunnel|esp-transport|ts-cissa|ts-idsa"))
		return EXIT_USAGE;
	g->daddr = c->match.daddr;
	g->has_saddr = c->match.has_saddr;
	g->saddr = c->match.saddr;
	g->port = c->match.port;
	g->ifindex = c->match.ifindex;
	g->dir = c->match.dir;
	return 0;
}

int group_parse(struct words *ws, enum verb verb, struct cmd *c)
{
	unsigned int seen = 0, allowed = gw_allowed(verb);
	int ret;

	c->object = OBJ_GROUP;
	c->verb = verb;
	ret = group_parse_daddr(ws, c);
	while (!ret && words_more(ws))
		ret = group_word(ws, c, allowed, &seen);
	if (ret)
		return ret;
	if (verb == VERB_ADD)
		return check_add(ws, c, seen);
	if (verb == VERB_SET)
		return need(ws, seen, GW_PARITY, "parity even|odd");
	if (verb == VERB_DEL)
		return need(ws, seen, GW_PORT, "port N");
	return 0;
}

/* Prints one group through the printer. */
static void print_group(struct ctx *ctx, const struct mcsec_group *g)
{
	struct printer *pr = &ctx->pr;
	char buf[8 * 1024], ifname[IF_NAMESIZE];

	pr_obj_begin(pr, NULL, PR_INLINE);
	format_addr(&g->daddr, buf, sizeof(buf));
	pr_str(pr, "group", buf);
	pr_u64(pr, "port", g->port);
	if (g->has_saddr) {
		format_addr(&g->saddr, buf, sizeof(buf));
		pr_str(pr, "src", buf);
	}
	if (g->ifindex)
		pr_str(pr, "iif", if_indextoname(g->ifindex, ifname) ?
		       ifname : "?");
	pr_str(pr, "dir", mcsec_dir_name(g->dir) ?: "?");
	pr_str(pr, "format", mcsec_format_name(g->format) ?: "?");
	pr_flag(pr, "required", g->flags & MCSEC_GROUP_F_REQUIRED);
	pr_flag(pr, "rtp", g->flags & MCSEC_GROUP_F_RTP);
	if (g->has_pids) {
		format_pids(g->pid_map, buf, sizeof(buf));
		pr_str(pr, "pids", buf);
	}
	if (g->tx_parity)
		pr_str(pr, "tx-parity", mcsec_parity_name(g->tx_parity) ?: "?");
	if (g->tx_spi)
		pr_hex32(pr, "tx-spi", g->tx_spi);
	pr_u64(pr, "id", g->id);
	if (ctx->stats && g->has_stats) {
		pr_obj_begin(pr, "stats", PR_LINES);
		pr_stats(pr, g->stats);
		pr_obj_end(pr);
	}
	pr_obj_end(pr);
}

struct show_filter {
	struct ctx *ctx;
	const struct cmd *c;
};

static int show_one(const struct mcsec_group *g, void *arg)
{
	struct show_filter *f = arg;
	const struct mcsec_match *m = &f->c->match;

	if (f->c->has_match &&
	    (m->daddr.family != g->daddr.family ||
	     memcmp(m->daddr.bytes, g->daddr.bytes, 16) ||
	     (m->has_port && m->port != g->port) ||
	     (m->dir && m->dir != g->dir) ||
	     (m->ifindex && m->ifindex != g->ifindex) ||
	     (m->has_saddr && (!g->has_saddr ||
			       memcmp(m->saddr.bytes, g->saddr.bytes, 16)))))
		return 0;
	print_group(f->ctx, g);
	return 0;
}

static int group_show(struct ctx *ctx, struct words *ws)
{
	struct cmd c = { 0 };
	struct show_filter f = { ctx, &c };
	struct mcsec_err err = { 0 };
	int ret;

	if (words_more(ws) && (ret = group_parse(ws, VERB_SHOW, &c)))
		return ret;
	ret = ctx_conn(ctx, "group show");
	if (ret)
		return ret;
	pr_list_begin(&ctx->pr);
	ret = mcsec_group_dump(ctx->conn, show_one, &f, &err);
	pr_list_end(&ctx->pr);
	return ret ? report("group show", &err) : EXIT_OK;
}

static const char group_help[] =
"usage: mcsecctl group add GROUP port N [src ADDR] [iif DEV] dir encrypt|decrypt\n"
"                          format esp-tunnel|esp-transport|ts-cissa|ts-idsa\n"
"                          [required] [rtp] [pids LIST]\n"
"       mcsecctl group set GROUP port N [SELECTOR] parity even|odd\n"
"       mcsecctl group del GROUP port N [SELECTOR]\n"
"       mcsecctl group show [GROUP [port N] [SELECTOR]]\n"
"GROUP is a multicast IPv4 or IPv6 address; port 0 means any port (ESP).\n"
"SELECTOR: src ADDR, iif DEV, dir encrypt|decrypt: needed only where\n"
"several groups share the address and port.\n"
"LIST: PIDs and ranges, e.g. 256,0x101,300-310 (TS formats).\n";

int do_group(struct ctx *ctx, struct words *ws)
{
	static const char *const verbs[] = { "add", "set", "del", "show",
					     "list", "help", NULL };
	struct cmd c = { 0 };
	int v, ret;

	if (!words_more(ws))
		return group_show(ctx, ws);
	v = words_keyword(ws, "group command", verbs);
	if (v < 0)
		return EXIT_USAGE;
	if (v == 5) {
		fputs(group_help, stdout);
		return EXIT_OK;
	}
	if (v == 3 || v == 4)
		return group_show(ctx, ws);
	ret = group_parse(ws, (enum verb)v, &c);
	if (!ret)
		ret = cmd_exec(ctx, &c, NULL);
	return ret;
}
