/* SPDX-License-Identifier: GPL-2.0 OR MIT */
#ifndef MCSECD_MEMBER_H
#define MCSECD_MEMBER_H

#include "config.h"

/* The member role: joins a key server and keeps the fast path's keys. */
int member_run(const char *config_path, struct config *cfg);

#endif
