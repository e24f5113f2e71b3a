// SPDX-License-Identifier: GPL-2.0 OR MIT
/* log.c: one line per event on stderr, with a level prefix systemd reads. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <time.h>

#include "log.h"

static const char *log_role = "mcsecd";
static int log_verbosity = LOG_INFO;
static bool log_journal;	/* stderr is journald: priority prefixes */

void log_init(const char *role, int verbosity)
{
	log_role = role;
	log_verbosity = verbosity;
	log_journal = getenv("JOURNAL_STREAM") != NULL;
	setvbuf(stderr, NULL, _IOLBF, 0);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	/* sd-daemon(3) priority prefixes: err, warning, info, debug */
	static const char *const prefix[] = { "<3>", "<4>", "<6>", "<7>" };
	static const char *const word[] = { "error: ", "warning: ", "", "debug: " };
	char line[1024];
	va_list ap;

	if ((int)level > log_verbosity)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (log_journal) {
		fprintf(stderr, "%s%s: %s%s\n", prefix[level], log_role, word[level], line);
	} else {
		/* journald stamps its lines; a plain stderr gets the time here */
		struct timespec ts;
		struct tm tm;
		char when[16];

		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ld %s: %s%s\n", when, ts.tv_nsec / 1000000, log_role,
			word[level], line);
	}
}

int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool ratelimit_ok(struct ratelimit *rl, uint32_t *missed)
{
	int64_t t = now_ms() / 1000;

	*missed = 0;
	if (t != rl->window) {
		*missed = rl->missed;
		rl->window = t;
		rl->n = 0;
		rl->missed = 0;
	}
	if (rl->n >= 10) {
		rl->missed++;
		return false;
	}
	rl->n++;
	return true;
}
