/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* A minimal TAP producer for the native tests: one line per assertion group. */
#ifndef MCSEC_TAP_H
#define MCSEC_TAP_H

#include <stdbool.h>

/* Records one result; prints "ok N - name" or "not ok N - name". */
bool tap_ok(bool cond, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A diagnostic line ("# ..."). */
void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints the plan "1..N" and returns the exit status: 0 if all passed. */
int tap_done(void);
/* Parses hex into out; returns the number of bytes or -1. */
int tap_hex(const char *hex, unsigned char *out, int max);

#endif
