// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer target for userspace-ctl/mcsecd/proto.c: arbitrary bytes as one
 * received message (copied into a buffer of exactly their size so that ASan
 * sees any read past it).
 *
 * Properties:
 * - the parser never reads outside the message and never crashes;
 * - a refused message leaves the decoded structure all zero;
 * - an accepted message is rebuilt by proto_build, and the rebuilt bytes
 *   parse to the very same structure (nothing accepted that the sender
 *   side could not say, nothing lost in decoding).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[MCSECD_MSG_MAX];
	struct proto_msg m, again;
	char err[256];
	uint8_t *copy;
	int len;

	copy = malloc(size + 1);
	if (!copy)
		return 0;
	memcpy(copy + 1, data, size);
	(void)proto_frame_len(copy + 1, size);
	if (proto_parse(copy + 1, size, &m, err, sizeof(err)) < 0) {
		for (size_t i = 0; i < sizeof(m); i++)
			if (((uint8_t *)&m)[i])
				__builtin_trap();
		free(copy);
		return 0;
	}
	len = proto_build(out, sizeof(out), &m, err, sizeof(err));
	if (len < 0)
		__builtin_trap();
	if (proto_parse(out, (size_t)len, &again, err, sizeof(err)) < 0 ||
	    memcmp(&m, &again, sizeof(m)))
		__builtin_trap();
	free(copy);
	return 0;
}
