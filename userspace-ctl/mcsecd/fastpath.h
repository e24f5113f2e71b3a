/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* What a member does to its fast path, through libmcsec only. */
#ifndef MCSECD_FASTPATH_H
#define MCSECD_FASTPATH_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "proto.h"

struct fastpath {
	enum cfg_fastpath kind;
	struct mcsec_conn *conn;	/* NULL for "none" */
	uint32_t fake_id;		/* "none": group ids handed out */
};

/* The key names a group holds in the fast path already (after a restart). */
struct fp_sa_name {
	uint32_t spi;
	uint8_t parity;
};

int fp_open(struct fastpath *fp, const struct cfg_client *c, char *err, size_t len);
void fp_close(struct fastpath *fp);
/* The group of a GROUP message: found (same format: adopted, its SAs'
 * names in names[], *nnames of them) or added. Its id in *id. */
int fp_group(struct fastpath *fp, const struct proto_msg *m, uint32_t *id,
	     struct fp_sa_name *names, int *nnames, int max, char *err, size_t len);
int fp_group_del(struct fastpath *fp, uint32_t id, char *err, size_t len);
/* Installs the key of a KEY message in group id (format fmt). */
int fp_key_add(struct fastpath *fp, uint32_t id, uint8_t fmt, const struct proto_msg *m,
	       char *err, size_t len);
/* The sender uses this SPI / parity from now on. */
int fp_key_active(struct fastpath *fp, uint32_t id, uint32_t spi, uint8_t parity,
		  char *err, size_t len);
int fp_key_del(struct fastpath *fp, uint32_t id, uint32_t spi, uint8_t parity,
	       char *err, size_t len);

#endif
