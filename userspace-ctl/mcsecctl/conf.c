// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The configuration file of showconf and setconf: one command per line,
 * the words of `mcsecctl group add|set` and `mcsecctl sa add|set` without
 * the program name; '#' starts a comment, blank lines are ignored, words
 * are separated by blanks (no quoting).
 *
 * The fast paths never give keys back, so showconf names key files by a
 * convention: KEYDIR/GROUP_PORT[_SRC][_IIF]_DIR_SPI|PARITY.key, KEYDIR being
 * `key-dir DIR` (default /etc/mcsec/keys). The operator keeps the keys
 * there; showconf warns on stderr about each one that is missing.
 *
 * setconf checks the whole file first (errors as FILE:LINE:COL, every one
 * of them), then applies it line by line and stops at the first failure,
 * naming its line; what came before stays applied. Relative key-file paths
 * are relative to the file's directory.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mcsecctl.h"

#define CONF_MAX_WORDS	64
#define CONF_MAX_BYTES	(16 * 1024 * 1024)

static bool blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
}

int conf_split(char *line, unsigned int lineno, struct word *store, int max)
{
	char *p = line;
	int n = 0;

	for (;;) {
		while (blank(*p))
			p++;
		if (!*p || *p == '#')
			return n;
		if (n == max)
			return -1;
		store[n++] = (struct word){ p, lineno, (unsigned int)(p - line) + 1 };
		while (*p && !blank(*p))
			p++;
		if (*p)
			*p++ = 0;
	}
}

/* One line's command; the words are those of one config line. */
static int conf_cmd(const struct ctx *ctx, struct words *ws, struct cmd *c)
{
	static const char *const objects[] = { "group", "sa", NULL };
	static const char *const verbs[] = { "add", "set", NULL };
	int obj, verb;

	obj = words_keyword(ws, "object (group or sa)", objects);
	if (obj < 0)
		return EXIT_USAGE;
	verb = words_keyword(ws, "verb (add or set)", verbs);
	if (verb < 0)
		return EXIT_USAGE;
	return obj == 0 ? group_parse(ws, (enum verb)verb, c) :
			  sa_parse(ws, ctx, (enum verb)verb, c);
}

static int conf_line(const struct ctx *ctx, const char *file, char *line,
		     unsigned int lineno, struct cmd *c)
{
	struct word store[CONF_MAX_WORDS];
	struct words ws = { .w = store, .file = file, .err = stderr };

	ws.n = conf_split(line, lineno, store, CONF_MAX_WORDS);
	if (ws.n < 0) {
		fprintf(stderr, "%s:%u:1: more than %d words\n", file, lineno,
			CONF_MAX_WORDS);
		return EXIT_USAGE;
	}
	if (!ws.n)
		return -1;	/* nothing on this line */
	c->line = lineno;
	return conf_cmd(ctx, &ws, c);
}

static int grow(struct cmd **cmds, int n, int *cap)
{
	struct cmd *bigger;

	if (n < *cap)
		return 0;
	*cap = *cap ? 2 * *cap : 32;
	bigger = realloc(*cmds, (size_t)*cap * sizeof(**cmds));
	if (!bigger)
		return -1;
	*cmds = bigger;
	return 0;
}

int conf_check(const struct ctx *ctx, const char *file, char *text,
	       struct cmd **cmds, int *n_cmds)
{
	unsigned int lineno;
	int cap = 0, ret, status = EXIT_OK;
	char *line, *nl;

	*cmds = NULL;
	*n_cmds = 0;
	for (lineno = 1, line = text; line; lineno++, line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		if (grow(cmds, *n_cmds, &cap))
			return EXIT_RUNTIME;
		memset(&(*cmds)[*n_cmds], 0, sizeof(**cmds));
		ret = conf_line(ctx, file, line, lineno, &(*cmds)[*n_cmds]);
		if (ret > 0)
			status = ret;
		if (!ret)
			(*n_cmds)++;
		else
			cmd_free(&(*cmds)[*n_cmds]);
	}
	return status;
}

/* The whole file (or stdin), NUL-terminated; NULL with errno on failure. */
static char *slurp(const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "re") : stdin;
	size_t len = 0, n;
	char *buf, *bigger;

	if (!f)
		return NULL;
	buf = malloc(4096);
	for (size_t cap = 4096; buf; ) {
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0 || len >= CONF_MAX_BYTES)
			break;
		if (len + 1 == cap) {
			cap *= 2;
			bigger = realloc(buf, cap);
			if (!bigger) {
				free(buf);
				buf = NULL;
			}
			buf = bigger;
		}
	}
	if (buf && (ferror(f) || len >= CONF_MAX_BYTES)) {
		errno = ferror(f) ? EIO : EFBIG;
		free(buf);
		buf = NULL;
	}
	if (buf)
		buf[len] = 0;
	if (f != stdin)
		fclose(f);
	return buf;
}

static int apply(struct ctx *ctx, const char *file, struct cmd *cmds, int n)
{
	char where[PATH_MAX + 32];
	int i, ret = EXIT_OK;

	for (i = 0; i < n && !ret; i++) {
		snprintf(where, sizeof(where), "%s:%u", file, cmds[i].line);
		ret = cmd_exec(ctx, &cmds[i], where);
	}
	return ret;
}

static void key_dir_of(const char *file, char *buf, size_t len)
{
	char copy[PATH_MAX];

	snprintf(copy, sizeof(copy), "%s", strcmp(file, "-") ? file : ".");
	snprintf(buf, len, "%s", strcmp(file, "-") ? dirname(copy) : ".");
}

int do_setconf(struct ctx *ctx, struct words *ws)
{
	char dir[PATH_MAX], *text;
	struct cmd *cmds;
	const char *file;
	int i, n, ret;

	file = words_next(ws);
	if (!file || !strcmp(file, "help")) {
		fputs("usage: mcsecctl setconf FILE   (as showconf prints it; - is stdin)\n",
		      file ? stdout : stderr);
		return file ? EXIT_OK : EXIT_USAGE;
	}
	if (words_more(ws))
		return words_error(ws, ws->i, "setconf takes one FILE, not also '%s'",
				   words_peek(ws));
	text = slurp(file);
	if (!text) {
		fprintf(stderr, PROG ": setconf: %s: %s\n", file, strerror(errno));
		return EXIT_RUNTIME;
	}
	key_dir_of(file, dir, sizeof(dir));
	ctx->key_dir = dir;
	ret = conf_check(ctx, strcmp(file, "-") ? file : "<stdin>", text, &cmds, &n);
	if (!ret)
		ret = apply(ctx, strcmp(file, "-") ? file : "<stdin>", cmds, n);
	for (i = 0; i < n; i++)
		cmd_free(&cmds[i]);
	free(cmds);
	free(text);
	return ret;
}
