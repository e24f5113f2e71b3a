/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Logging to stderr (journald adds time and unit); never a key byte. */
#ifndef MCSECD_LOG_H
#define MCSECD_LOG_H

#include <stdbool.h>
#include <stdint.h>

enum log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

void log_init(const char *role, int verbosity);
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* At most 10 lines a second from one call site; the rest are counted and
 * the count is reported with the next line let through. */
struct ratelimit {
	int64_t window;
	uint32_t n, missed;
};
bool ratelimit_ok(struct ratelimit *rl, uint32_t *missed);

#define log_rl(level, fmt, ...) do {					\
	static struct ratelimit _rl;					\
	uint32_t _missed;						\
	if (ratelimit_ok(&_rl, &_missed))				\
		log_msg(level, fmt "%s", ##__VA_ARGS__,			\
			_missed ? " (and more, rate-limited)" : "");	\
} while (0)

#define log_err(...)	log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_DEBUG, __VA_ARGS__)

/* Monotonic and wall clocks in milliseconds. */
int64_t now_ms(void);
int64_t wall_ms(void);

#endif
