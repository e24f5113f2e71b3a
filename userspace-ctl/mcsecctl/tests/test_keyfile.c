// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Key files: mcsec-pcap's format (hex, whitespace and '#' comments
 * ignored, '-' is stdin), errors that never show key material. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libmcsec.h"
#include "tap.h"

static char path[] = "/tmp/mcsecctl-keyXXXXXX";

static int read_text(const char *text, struct mcsec_key *k, char *msg)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
	msg[0] = 0;
	return mcsec_key_read(path, k, msg, 512);
}

int main(void)
{
	struct mcsec_key *k = mcsec_key_alloc();
	char msg[512];
	int fd = mkstemp(path), n, saved;
	int pipefd[2];

	close(fd);
	tap_ok(k != NULL, "locked key page");
	n = read_text("# a comment 0123\n0011223344556677 8899aabbccddeeff\n\tA1B2C3D4 # salt\n", k, msg);
	tap_ok(n == 20 && k->len == 20 && k->bytes[0] == 0 && k->bytes[15] == 0xff &&
	       k->bytes[16] == 0xa1 && k->bytes[19] == 0xd4,
	       "hex with comments and blanks: 20 bytes");
	n = read_text("0011\n22x3\n", k, msg);
	tap_ok(n < 0 && strstr(msg, "line 2: not a hex digit") && !strstr(msg, "22x3"),
	       "bad character: line named, character not shown");
	n = read_text("001", k, msg);
	tap_ok(n < 0 && strstr(msg, "odd number of hex digits (3)"), "odd digit count");
	n = read_text("", k, msg);
	tap_ok(n == 0, "empty file: zero bytes (the caller names the length wanted)");
	{
		char big[201];

		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = 0;
		n = read_text(big, k, msg);
		tap_ok(n == 100 && k->len == MCSEC_KEY_MAX, "too long: counted, stored up to the maximum");
	}
	n = mcsec_key_read("/nonexistent/key", k, msg, sizeof(msg));
	tap_ok(n < 0 && strstr(msg, "/nonexistent/key: No such file"), "missing file named");
	if (pipe(pipefd) == 0) {
		saved = dup(STDIN_FILENO);
		if (write(pipefd[1], "00112233445566778899aabbccddeeff\n", 33) != 33)
			tap_diag("short write");
		close(pipefd[1]);
		dup2(pipefd[0], STDIN_FILENO);
		close(pipefd[0]);
		n = mcsec_key_read("-", k, msg, sizeof(msg));
		dup2(saved, STDIN_FILENO);
		close(saved);
		tap_ok(n == 16 && k->bytes[1] == 0x11, "'-' reads stdin");
	}
	tap_ok(mcsec_suite_key_len(MCSEC_SUITE_AES256_GCM) == 32 &&
	       mcsec_suite_salt_len(MCSEC_SUITE_AES256_GCM) == 4 &&
	       mcsec_suite_salt_len(MCSEC_SUITE_AES128_CBC) == 0,
	       "suite key and salt lengths");
	mcsec_key_free(k);
	unlink(path);
	return tap_done();
}
