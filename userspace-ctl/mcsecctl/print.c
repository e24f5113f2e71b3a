// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The one print path. Every show command describes its output as keys and
 * values; the printer renders them as text (records on one line, "key
 * value" pairs; nested objects on lines of their own, indented) or JSON
 * (-j; -p indents it). Text and JSON cannot drift apart: there is nothing
 * else that prints them.
 */
#include <inttypes.h>
#include <string.h>

#include "mcsecctl.h"

#define PR_MAX_DEPTH 7

void pr_init(struct printer *pr, FILE *out, bool json, bool pretty)
{
	memset(pr, 0, sizeof(*pr));
	pr->out = out;
	pr->json = json;
	pr->pretty = json && pretty;
	pr->first[0] = true;
	pr->line_start = true;
}

void json_escape(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', out);
	for (; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", out);
		else if (*p == '\t')
			fputs("\\t", out);
		else if (*p == '\r')
			fputs("\\r", out);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(out, "\\u%04x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

static void json_indent(struct printer *pr)
{
	int i;

	if (!pr->pretty)
		return;
	fputc('\n', pr->out);
	for (i = 0; i < pr->depth; i++)
		fputs("  ", pr->out);
}

/* Comma, indentation and "key": before a JSON value. */
static void json_key(struct printer *pr, const char *key)
{
	/* Top-level values are documents of their own (monitor: lines). */
	if (pr->depth && !pr->first[pr->depth])
		fputc(',', pr->out);
	pr->first[pr->depth] = false;
	if (pr->depth)
		json_indent(pr);
	if (key) {
		json_escape(pr->out, key);
		fputs(pr->pretty ? ": " : ":", pr->out);
	}
}

/* Separator and "key " before a text value. */
static void text_key(struct printer *pr, const char *key)
{
	int i;

	if (pr->style[pr->depth] == PR_LINES || pr->line_start) {
		if (!pr->line_start)
			fputc('\n', pr->out);
		for (i = 1; i < pr->depth; i++)
			fputs("    ", pr->out);
	} else {
		fputc(' ', pr->out);
	}
	pr->line_start = false;
	if (key)
		fprintf(pr->out, "%s ", key);
}

static void open_level(struct printer *pr, enum pr_style style)
{
	if (pr->depth < PR_MAX_DEPTH)
		pr->depth++;
	pr->first[pr->depth] = true;
	pr->style[pr->depth] = style;
}

static void close_json(struct printer *pr, char c)
{
	bool empty = pr->first[pr->depth];

	pr->depth--;
	if (!empty)
		json_indent(pr);
	fputc(c, pr->out);
	if (!pr->depth)
		fputc('\n', pr->out);
}

void pr_list_begin(struct printer *pr)
{
	if (!pr->json)
		return;
	json_key(pr, NULL);
	fputc('[', pr->out);
	open_level(pr, PR_INLINE);
}

void pr_list_end(struct printer *pr)
{
	if (pr->json)
		close_json(pr, ']');
}

void pr_obj_begin(struct printer *pr, const char *key, enum pr_style style)
{
	if (pr->json) {
		json_key(pr, key);
		fputc('{', pr->out);
	} else if (pr->depth) {
		/* A nested object starts a line of its own, its key first. */
		if (!pr->line_start)
			fputc('\n', pr->out);
		pr->line_start = true;
		if (key && style == PR_INLINE) {
			open_level(pr, style);
			text_key(pr, NULL);
			fputs(key, pr->out);
			return;
		}
	}
	open_level(pr, style);
}

void pr_obj_end(struct printer *pr)
{
	if (pr->json) {
		close_json(pr, '}');
		return;
	}
	pr->depth--;
	if (!pr->depth && !pr->line_start) {
		fputc('\n', pr->out);
		pr->line_start = true;
	}
}

void pr_str(struct printer *pr, const char *key, const char *val)
{
	if (pr->json) {
		json_key(pr, key);
		json_escape(pr->out, val);
	} else {
		text_key(pr, key);
		fputs(val, pr->out);
	}
}

void pr_u64(struct printer *pr, const char *key, uint64_t v)
{
	if (pr->json)
		json_key(pr, key);
	else
		text_key(pr, key);
	fprintf(pr->out, "%" PRIu64, v);
}

void pr_hex32(struct printer *pr, const char *key, uint32_t v)
{
	if (pr->json) {
		json_key(pr, key);
		fprintf(pr->out, "%" PRIu32, v);
	} else {
		text_key(pr, key);
		fprintf(pr->out, "0x%08" PRIx32, v);
	}
}

void pr_flag(struct printer *pr, const char *key, bool v)
{
	if (pr->json) {
		json_key(pr, key);
		fputs(v ? "true" : "false", pr->out);
	} else if (v) {
		text_key(pr, NULL);
		fputs(key, pr->out);
	}
}

/* The counters, by their uapi names. */
void pr_stats(struct printer *pr, const uint64_t *stats)
{
	int i;

	for (i = MCSEC_STAT_A_PAD + 1; i <= MCSEC_STAT_A_MAX; i++)
		pr_u64(pr, mcsec_stat_name(i), stats[i]);
}
