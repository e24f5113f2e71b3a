// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The words of a command and strict parsers for their values. An error
 * names the word at fault: "mcsecctl: ..." on the command line,
 * "FILE:LINE:COL: ..." in a config file.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "mcsecctl.h"

void words_from_argv(struct words *ws, struct word *store, int argc,
		     char **argv)
{
	int i;

	for (i = 0; i < argc; i++)
		store[i] = (struct word){ argv[i], 0, 0 };
	*ws = (struct words){ .w = store, .n = argc, .err = stderr };
}

bool words_more(const struct words *ws)
{
	return ws->i < ws->n;
}

const char *words_peek(const struct words *ws)
{
	return words_more(ws) ? ws->w[ws->i].s : NULL;
}

const char *words_next(struct words *ws)
{
	return words_more(ws) ? ws->w[ws->i++].s : NULL;
}

/* Where a word is: its line and column, or just past the last word. */
static void position(const struct words *ws, int at, unsigned int *line,
		     unsigned int *col)
{
	const struct word *last;

	if (at < ws->n) {
		*line = ws->w[at].line;
		*col = ws->w[at].col;
		return;
	}
	last = ws->n ? &ws->w[ws->n - 1] : NULL;
	*line = last ? last->line : 0;
	*col = last ? last->col + (unsigned int)strlen(last->s) + 1 : 1;
}

int words_error(const struct words *ws, int at, const char *fmt, ...)
{
	unsigned int line, col;
	va_list ap;

	if (ws->file) {
		position(ws, at, &line, &col);
		fprintf(ws->err, "%s:%u:%u: ", ws->file, line, col);
	} else {
		fputs(PROG ": ", ws->err);
	}
	va_start(ap, fmt);
	vfprintf(ws->err, fmt, ap);
	va_end(ap);
	fputc('\n', ws->err);
	return EXIT_USAGE;
}

int match_word(const char *s, const char *const *names)
{
	size_t len = strlen(s);
	int i, found = -1;

	if (!len)
		return -1;
	for (i = 0; names[i]; i++)
		if (!strcmp(s, names[i]))
			return i;
	for (i = 0; names[i]; i++) {
		if (strncmp(s, names[i], len))
			continue;
		if (found >= 0)
			return -2;
		found = i;
	}
	return found;
}

static void list_names(FILE *f, const char *const *names)
{
	int i;

	for (i = 0; names[i]; i++)
		fprintf(f, "%s%s", i ? ", " : "", names[i]);
}

int words_keyword(struct words *ws, const char *what,
		  const char *const *names)
{
	int at = ws->i, k;
	const char *s = words_next(ws);

	if (!s) {
		words_error(ws, at, "%s expected", what);
		return -1;
	}
	k = match_word(s, names);
	if (k >= 0)
		return k;
	words_error(ws, at, "%s '%s' is %s", what, s,
		    k == -2 ? "ambiguous" : "not known");
	fputs("  expected one of: ", ws->err);
	list_names(ws->err, names);
	fputc('\n', ws->err);
	return -1;
}

const char *words_value(struct words *ws, const char *keyword)
{
	const char *s = words_next(ws);

	if (!s)
		words_error(ws, ws->i, "'%s' needs a value", keyword);
	return s;
}

bool parse_u64(const char *s, uint64_t max, uint64_t *v)
{
	unsigned long long x;
	char *end;

	if (!*s || *s == '-' || *s == '+' || *s == ' ' || *s == '\t')
		return false;
	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno || *end || x > max)
		return false;
	*v = x;
	return true;
}

bool parse_addr(const char *s, struct mcsec_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->bytes) == 1) {
		a->family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, s, a->bytes) == 1) {
		a->family = AF_INET6;
		return true;
	}
	return false;
}

bool addr_is_multicast(const struct mcsec_addr *a)
{
	return a->family == AF_INET ? (a->bytes[0] & 0xf0) == 0xe0 :
				      a->bytes[0] == 0xff;
}

void format_addr(const struct mcsec_addr *a, char *buf, size_t len)
{
	if (!inet_ntop(a->family, a->bytes, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

static bool pid_range(char *tok, uint8_t *map)
{
	char *dash = strchr(tok, '-');
	uint64_t lo, hi, v;

	if (dash)
		*dash = 0;
	if (!parse_u64(tok, MCSEC_PID_MAX, &lo))
		return false;
	hi = lo;
	if (dash && (!parse_u64(dash + 1, MCSEC_PID_MAX, &hi) || hi < lo))
		return false;
	for (v = lo; v <= hi; v++)
		map[v / 8] |= (uint8_t)(1u << (v % 8));
	return true;
}

bool parse_pids(const char *s, uint8_t *map)
{
	char *copy = strdup(s), *tok, *save = NULL;
	bool ok = copy && *s && s[strlen(s) - 1] != ',' && !strstr(s, ",,") &&
		  *s != ',';

	memset(map, 0, MCSEC_PID_MAP_BYTES);
	for (tok = ok ? strtok_r(copy, ",", &save) : NULL; tok && ok;
	     tok = strtok_r(NULL, ",", &save))
		ok = pid_range(tok, map);
	free(copy);
	return ok;
}

static bool pid_set(const uint8_t *map, unsigned int pid)
{
	return pid <= MCSEC_PID_MAX && (map[pid / 8] & (1u << (pid % 8)));
}

void format_pids(const uint8_t *map, char *buf, size_t len)
{
	unsigned int pid = 0, end;
	size_t off = 0;

	buf[0] = 0;
	while (pid <= MCSEC_PID_MAX && off < len) {
		if (!pid_set(map, pid)) {
			pid++;
			continue;
		}
		for (end = pid; pid_set(map, end + 1); end++)
			;
		off += (size_t)snprintf(buf + off, len - off,
					end == pid ? "%s%u" : "%s%u-%u",
					off ? "," : "", pid, end);
		pid = end + 1;
	}
}
