// SPDX-License-Identifier: GPL-2.0 OR MIT
/* The one printer: JSON escaping, JSON structure, text layout. */
#include <stdlib.h>
#include <string.h>

#include "mcsecctl.h"
#include "tap.h"

static char *out;
static size_t out_len;

static FILE *capture(void)
{
	free(out);
	out = NULL;
	return open_memstream(&out, &out_len);
}

static void sample(struct printer *pr)
{
	pr_list_begin(pr);
	pr_obj_begin(pr, NULL, PR_INLINE);
	pr_str(pr, "group", "239.1.1.1");
	pr_u64(pr, "port", 5000);
	pr_flag(pr, "required", true);
	pr_flag(pr, "rtp", false);
	pr_hex32(pr, "tx-spi", 0x1000);
	pr_obj_begin(pr, "stats", PR_LINES);
	pr_u64(pr, "in-pkts-ok", 3);
	pr_u64(pr, "in-pkts-auth-failed", 1);
	pr_obj_end(pr);
	pr_obj_end(pr);
	pr_obj_begin(pr, NULL, PR_INLINE);
	pr_str(pr, "group", "ff3e::1");
	pr_obj_end(pr);
	pr_list_end(pr);
}

int main(void)
{
	struct printer pr;
	FILE *f;

	f = capture();
	json_escape(f, "a\"b\\c\n\t\x01\x7f/é");
	fclose(f);
	tap_ok(!strcmp(out, "\"a\\\"b\\\\c\\n\\t\\u0001\\u007f/é\""),
	       "JSON escaping of quotes, backslash, controls; UTF-8 kept");
	f = capture();
	pr_init(&pr, f, true, false);
	sample(&pr);
	fclose(f);
	tap_ok(!strcmp(out, "[{\"group\":\"239.1.1.1\",\"port\":5000,\"required\":true,"
			   "\"rtp\":false,\"tx-spi\":4096,\"stats\":{\"in-pkts-ok\":3,"
			   "\"in-pkts-auth-failed\":1}},{\"group\":\"ff3e::1\"}]\n"),
	       "JSON: list of objects, nested stats, numbers and booleans");
	f = capture();
	pr_init(&pr, f, false, false);
	sample(&pr);
	fclose(f);
	tap_ok(!strcmp(out, "group 239.1.1.1 port 5000 required tx-spi 0x00001000\n"
			   "    in-pkts-ok 3\n    in-pkts-auth-failed 1\n"
			   "group ff3e::1\n"),
	       "text: one line per record, counters indented below");
	f = capture();
	pr_init(&pr, f, true, true);
	sample(&pr);
	fclose(f);
	tap_ok(strstr(out, "[\n  {\n    \"group\": \"239.1.1.1\",") != NULL &&
	       out[strlen(out) - 2] == ']', "pretty JSON is indented");
	f = capture();
	pr_init(&pr, f, true, false);
	pr_obj_begin(&pr, NULL, PR_INLINE);
	pr_str(&pr, "event", "soft-expire");
	pr_obj_end(&pr);
	pr_obj_begin(&pr, NULL, PR_INLINE);
	pr_str(&pr, "event", "hard-expire");
	pr_obj_end(&pr);
	fclose(f);
	tap_ok(!strcmp(out, "{\"event\":\"soft-expire\"}\n{\"event\":\"hard-expire\"}\n"),
	       "top-level objects are JSON lines (monitor)");
	free(out);
	return tap_done();
}
