/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * mcsecctl: the words of a command (from argv or a config file line), the
 * parsed commands, the one printer (text or JSON) and the objects.
 *
 * Every command is parsed completely (keys read, words checked) before
 * anything is sent, so a typo never leaves half a change behind, and
 * setconf can check a whole file before applying it.
 */
#ifndef MCSECCTL_H
#define MCSECCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "libmcsec.h"

#define PROG "mcsecctl"

enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

/* One word and where it came from (line 0: the command line). */
struct word {
	const char *s;
	unsigned int line, col;
};

struct words {
	struct word *w;
	int n, i;
	const char *file;	/* config file name, NULL for argv */
	FILE *err;		/* where usage errors go (stderr) */
};

/* words.c: the cursor and strict value parsers. */
void words_from_argv(struct words *ws, struct word *store, int argc,
		     char **argv);
bool words_more(const struct words *ws);
const char *words_peek(const struct words *ws);
const char *words_next(struct words *ws);
/* Reports at word index at (ws->n: after the last word); returns 2. */
int words_error(const struct words *ws, int at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Index of s among the NULL-terminated names: exact, else a unique prefix;
 * -1 unknown, -2 ambiguous. */
int match_word(const char *s, const char *const *names);
/* Takes the next word as one of names; reports and returns -1 if not. */
int words_keyword(struct words *ws, const char *what,
		  const char *const *names);
/* The value after the keyword just read; reports when missing. */
const char *words_value(struct words *ws, const char *keyword);
bool parse_u64(const char *s, uint64_t max, uint64_t *v);
bool parse_addr(const char *s, struct mcsec_addr *a);
bool addr_is_multicast(const struct mcsec_addr *a);
/* "256,0x101,300-310" into a bitmap; false if malformed. */
bool parse_pids(const char *s, uint8_t *map);
/* The bitmap as sorted ranges ("256,300-310") into buf. */
void format_pids(const uint8_t *map, char *buf, size_t len);
void format_addr(const struct mcsec_addr *a, char *buf, size_t len);

/* print.c: one printer for text and JSON. */
enum pr_style { PR_INLINE, PR_LINES };

struct printer {
	FILE *out;
	bool json, pretty;
	int depth;
	bool first[8];		/* no comma yet at this depth */
	enum pr_style style[8];
	bool line_start;
};

void pr_init(struct printer *pr, FILE *out, bool json, bool pretty);
void pr_list_begin(struct printer *pr);
void pr_list_end(struct printer *pr);
void pr_obj_begin(struct printer *pr, const char *key, enum pr_style style);
void pr_obj_end(struct printer *pr);
void pr_str(struct printer *pr, const char *key, const char *val);
void pr_u64(struct printer *pr, const char *key, uint64_t v);
void pr_hex32(struct printer *pr, const char *key, uint32_t v);
/* JSON: true/false; text: the key alone when true. */
void pr_flag(struct printer *pr, const char *key, bool v);
void pr_stats(struct printer *pr, const uint64_t *stats);
void json_escape(FILE *out, const char *s);

/* A parsed command. */
enum object { OBJ_GROUP, OBJ_SA };
enum verb { VERB_ADD, VERB_SET, VERB_DEL, VERB_SHOW };

struct cmd {
	enum object object;
	enum verb verb;
	unsigned int line;		/* config file line, 0 for argv */
	bool has_match;
	struct mcsec_match match;
	struct mcsec_group group;	/* group add */
	uint8_t parity;			/* group set */
	bool has_spi, has_parity, has_suite;
	struct mcsec_sa sa;		/* sa add, set, del */
	struct mcsec_key *key;		/* sa add */
};

struct ctx {
	struct printer pr;
	bool stats;			/* -s */
	const char *dpdk;		/* --dpdk or MCSEC_DPDK_SOCKET */
	const char *key_dir;		/* relative key files (setconf) */
	struct mcsec_conn *conn;	/* opened on first use */
};

void cmd_free(struct cmd *c);
/* The group selector and add parameters (group.c). */
int group_parse(struct words *ws, enum verb verb, struct cmd *c);
/* GROUP, then one of port, src, iif, dir (k: 0..3) whose value is next. */
int group_parse_daddr(struct words *ws, struct cmd *c);
int group_selector_value(struct words *ws, struct cmd *c, int k);
int sa_parse(struct words *ws, const struct ctx *ctx, enum verb verb,
	     struct cmd *c);
/* Runs a parsed add/set/del; prints errors naming what; returns exit code. */
int cmd_exec(struct ctx *ctx, struct cmd *c, const char *where);

/* Objects: argv after the object word; return the exit code. */
int do_group(struct ctx *ctx, struct words *ws);
int do_sa(struct ctx *ctx, struct words *ws);
int do_stats(struct ctx *ctx, struct words *ws);
int do_monitor(struct ctx *ctx, struct words *ws);
int do_flush(struct ctx *ctx, struct words *ws);
int do_showconf(struct ctx *ctx, struct words *ws);
int do_setconf(struct ctx *ctx, struct words *ws);

/* conf.c: a config file line into words, with columns. */
int conf_split(char *line, unsigned int lineno, struct word *store, int max);
/* Parses all of text (dry run); errors as file:line:col. Returns exit. */
int conf_check(const struct ctx *ctx, const char *file, char *text,
	       struct cmd **cmds, int *n_cmds);

/* exec.c: every group, sorted by ID (dump order), retried when the
 * table changed during the dump. */
struct group_list {
	struct mcsec_group *g;
	int n, cap;
};

int group_list_load(struct ctx *ctx, struct group_list *gl, const char *what);
const struct mcsec_group *group_list_find(const struct group_list *gl,
					  uint32_t id);
void group_list_free(struct group_list *gl);

/* main.c */
int ctx_conn(struct ctx *ctx, const char *what);
int report(const char *what, const struct mcsec_err *err);
/* A selector's group; prints the error. */
int resolve_group(struct ctx *ctx, const struct mcsec_match *m,
		  struct mcsec_group *g, const char *what);

#endif /* MCSECCTL_H */
