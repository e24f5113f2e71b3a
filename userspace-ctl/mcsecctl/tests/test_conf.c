// SPDX-License-Identifier: GPL-2.0 OR MIT
/* The setconf file: words with their columns, and errors as FILE:LINE:COL
 * for every bad line, checked before anything is applied. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mcsecctl.h"
#include "tap.h"

static char errs[8192];

/* Runs conf_check on text with stderr captured into errs. */
static int check(const char *text, int *n)
{
	char tmpl[] = "/tmp/mcsecctl-confXXXXXX", *copy = strdup(text);
	int fd = mkstemp(tmpl), saved = dup(STDERR_FILENO), ret, i;
	struct ctx ctx = { 0 };
	struct cmd *cmds;
	ssize_t len;

	fflush(stderr);
	dup2(fd, STDERR_FILENO);
	ret = conf_check(&ctx, "test.conf", copy, &cmds, n);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	len = pread(fd, errs, sizeof(errs) - 1, 0);
	errs[len > 0 ? len : 0] = 0;
	close(fd);
	unlink(tmpl);
	for (i = 0; i < *n; i++)
		cmd_free(&cmds[i]);
	free(cmds);
	free(copy);
	return ret;
}

int main(void)
{
	char line[] = "  group add\t239.1.1.1  # comment";
	struct word w[8];
	int n, ret;

	n = conf_split(line, 7, w, 8);
	tap_ok(n == 3 && !strcmp(w[0].s, "group") && w[0].col == 3 &&
	       w[2].col == 13 && w[2].line == 7 && !strcmp(w[2].s, "239.1.1.1"),
	       "split: words, columns, comment dropped");
	ret = check("# header\n\ngroup add 239.1.1.1 port 5000 dir encrypt format esp-tunnel\n"
		    "group set 239.1.1.1 port 5000 parity even\n", &n);
	tap_ok(ret == 0 && n == 2, "comments and blank lines skipped, two commands");
	ret = check("group add 239.1.1.1 port 5000 dir sideways format esp-tunnel\n", &n);
	tap_ok(ret == 2 && strstr(errs, "test.conf:1:35: dir 'sideways'"),
	       "bad value at line:col");
	ret = check("\n\ngroup add 239.1.1.1 port 5000 dir encrypt\n", &n);
	tap_ok(ret == 2 && strstr(errs, "test.conf:3:43: format"),
	       "missing word reported just past the line's end");
	ret = check("group show\n", &n);
	tap_ok(ret == 2 && strstr(errs, "test.conf:1:7: verb"),
	       "only add and set belong in a config");
	ret = check("sa add 239.1.1.1 port 1 spi 1 suite aes128-gcm key-file -\n", &n);
	tap_ok(ret == 2 && strstr(errs, "test.conf:1:57: key-file - (stdin)"),
	       "stdin key files refused in a config");
	ret = check("group add 239.1.1.1 port 1 dir encrypt format esp-tunnel\n"
		    "group add 10.0.0.1 port 1 dir encrypt format esp-tunnel\n"
		    "flush\n", &n);
	tap_ok(ret == 2 && n == 1 && strstr(errs, "test.conf:2:11:") &&
	       strstr(errs, "test.conf:3:1:"), "every bad line is reported");
	return tap_done();
}
