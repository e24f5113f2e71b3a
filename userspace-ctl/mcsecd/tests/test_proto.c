// SPDX-License-Identifier: GPL-2.0 OR MIT
/* The mcsecd protocol: round trips of every message, and every kind of
 * malformed message refused with its reason (hand-made bytes, not the
 * builder's, so the parser is not checked against itself only). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "libmcsec.h"
#include "proto.h"
#include "tap.h"

static uint8_t buf[MCSECD_MSG_MAX + 64];
static char err[256];

static void key_msg(struct proto_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->type = MCSECD_MSG_KEY;
	m->seq = 42;
	strcpy(m->group, "iptv-1.hd");
	m->suite = MCSEC_SUITE_AES128_GCM;
	m->key_len = 20;
	for (int i = 0; i < 20; i++)
		m->key[i] = (uint8_t)(0xa0 + i);
	m->spi = 0x1001;
	m->epoch = 7;
	m->lifetime = 3600;
	m->active = 1;
	m->present = PROTO_BIT(MCSECD_A_GROUP) | PROTO_BIT(MCSECD_A_SUITE) |
		     PROTO_BIT(MCSECD_A_KEY) | PROTO_BIT(MCSECD_A_SPI) |
		     PROTO_BIT(MCSECD_A_EPOCH) | PROTO_BIT(MCSECD_A_LIFETIME) |
		     PROTO_BIT(MCSECD_A_ACTIVE);
}

static void group_msg(struct proto_msg *m, bool v6)
{
	memset(m, 0, sizeof(*m));
	m->type = MCSECD_MSG_GROUP;
	m->seq = 3;
	strcpy(m->group, "g6");
	m->family = v6 ? AF_INET6 : AF_INET;
	if (v6) {
		m->daddr[0] = 0xff;
		m->daddr[1] = 0x3e;
		m->daddr[15] = 1;
		m->saddr[0] = 0x20;
		m->saddr[15] = 9;
	} else {
		memcpy(m->daddr, "\xef\x01\x01\x01", 4);
		memcpy(m->saddr, "\x0a\x00\x01\x01", 4);
	}
	m->port = 5000;
	m->format = MCSEC_FORMAT_TS_CISSA;
	m->suite = MCSEC_SUITE_AES128_CBC;
	m->role = MCSEC_DIR_DECRYPT;
	m->flags = MCSEC_GROUP_F_RTP;
	m->present = PROTO_BIT(MCSECD_A_GROUP) | PROTO_BIT(MCSECD_A_FAMILY) |
		     PROTO_BIT(MCSECD_A_DADDR) | PROTO_BIT(MCSECD_A_SADDR) |
		     PROTO_BIT(MCSECD_A_PORT) | PROTO_BIT(MCSECD_A_FORMAT) |
		     PROTO_BIT(MCSECD_A_SUITE) | PROTO_BIT(MCSECD_A_ROLE) |
		     PROTO_BIT(MCSECD_A_FLAGS);
}

/* Builds m, parses the bytes back and compares every field. */
static bool round_trip(const struct proto_msg *m)
{
	struct proto_msg back;
	int len = proto_build(buf, sizeof(buf), m, err, sizeof(err));

	if (len < 0) {
		tap_diag("build: %s", err);
		return false;
	}
	if (proto_frame_len(buf, 4) != len)
		return false;
	if (proto_parse(buf, len, &back, err, sizeof(err)) < 0) {
		tap_diag("parse: %s", err);
		return false;
	}
	return memcmp(&back, m, sizeof(back)) == 0;
}

/* Hand-made messages: a header and raw attributes appended one by one. */
static size_t raw_len;

static void raw_start(uint8_t cmd, uint8_t version)
{
	struct nlmsghdr nlh = { .nlmsg_type = MCSECD_PROTO_TYPE, .nlmsg_seq = 1 };
	struct genlmsghdr gh = { .cmd = cmd, .version = version };

	memset(buf, 0, sizeof(buf));
	memcpy(buf, &nlh, sizeof(nlh));
	memcpy(buf + sizeof(nlh), &gh, sizeof(gh));
	raw_len = sizeof(nlh) + sizeof(gh);
}

static void raw_attr(uint16_t type, const void *data, uint16_t len)
{
	struct nlattr a = { .nla_len = (uint16_t)(sizeof(a) + len), .nla_type = type };

	memcpy(buf + raw_len, &a, sizeof(a));
	memcpy(buf + raw_len + sizeof(a), data, len);
	raw_len += (sizeof(a) + len + 3) & ~3u;
}

static int raw_parse(struct proto_msg *m)
{
	uint32_t l = (uint32_t)raw_len;

	memcpy(buf, &l, sizeof(l));
	return proto_parse(buf, raw_len, m, err, sizeof(err));
}

/* A valid ACK from raw bytes, then one change: the result and reason. */
static void ack_base(void)
{
	uint32_t seq = 9, status = 0;

	raw_start(MCSECD_MSG_ACK, MCSECD_PROTO_VERSION);
	raw_attr(MCSECD_A_ACK_SEQ, &seq, 4);
	raw_attr(MCSECD_A_STATUS, &status, 4);
}

static bool refused(const char *why)
{
	struct proto_msg m;
	int ret = raw_parse(&m);

	if (ret == 0)
		return false;
	if (!strstr(err, why)) {
		tap_diag("reason '%s', expected '%s'", err, why);
		return false;
	}
	/* nothing half-decoded is left behind */
	for (size_t i = 0; i < sizeof(m); i++)
		if (((uint8_t *)&m)[i])
			return false;
	return true;
}

/* The fuzzer's seeds are encoded by fuzz/mkseeds_mcsecd_proto.py with
 * Python's struct: each must parse, a second opinion on the wire format. */
static void seeds(void)
{
	DIR *d = opendir(MCSECD_SEEDS);
	struct dirent *e;
	int n = 0, ok = 0;

	while (d && (e = readdir(d))) {
		char path[512];
		struct proto_msg m;
		FILE *f;
		size_t len;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", MCSECD_SEEDS, e->d_name);
		f = fopen(path, "rb");
		if (!f)
			continue;
		len = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		n++;
		if (proto_parse(buf, len, &m, err, sizeof(err)) == 0 &&
		    strncmp(proto_msg_name(m.type), e->d_name, strlen(proto_msg_name(m.type))) == 0)
			ok++;
		else
			tap_diag("seed %s: %s", e->d_name, err);
	}
	if (d)
		closedir(d);
	tap_ok(n >= 12 && ok == n, "the %d seeds written by Python's struct parse as their type", n);
}

int main(void)
{
	struct proto_msg m, back;
	int len, bad, i;
	uint32_t u32;
	uint16_t u16;
	uint8_t u8;

	key_msg(&m);
	tap_ok(round_trip(&m), "KEY with spi, lifetime, active round-trips");
	group_msg(&m, false);
	tap_ok(round_trip(&m), "GROUP IPv4 with source and flags round-trips");
	group_msg(&m, true);
	tap_ok(round_trip(&m), "GROUP IPv6 round-trips");

	memset(&m, 0, sizeof(m));
	m.type = MCSECD_MSG_ACK;
	m.seq = 1;
	m.ack_seq = 99;
	m.status = EPERM;
	strcpy(m.text, "not authorized for group x");
	m.present = PROTO_BIT(MCSECD_A_ACK_SEQ) | PROTO_BIT(MCSECD_A_STATUS) |
		    PROTO_BIT(MCSECD_A_TEXT);
	tap_ok(round_trip(&m), "ACK with text round-trips");

	memset(&m, 0, sizeof(m));
	m.type = MCSECD_MSG_SYNCED;
	tap_ok(round_trip(&m), "SYNCED without attributes round-trips");
	memset(&m, 0, sizeof(m));
	m.type = MCSECD_MSG_SWITCH;
	strcpy(m.group, "g");
	m.parity = MCSEC_PARITY_ODD;
	m.epoch = 2;
	m.present = PROTO_BIT(MCSECD_A_GROUP) | PROTO_BIT(MCSECD_A_PARITY) |
		    PROTO_BIT(MCSECD_A_EPOCH);
	tap_ok(round_trip(&m), "SWITCH by parity round-trips");

	/* the builder refuses what the parser would */
	key_msg(&m);
	m.key_len = 16;
	tap_ok(proto_build(buf, sizeof(buf), &m, err, sizeof(err)) == -EINVAL &&
	       strstr(err, "the suite needs 20"), "builder refuses a key of the wrong length (%s)", err);
	key_msg(&m);
	m.present |= PROTO_BIT(MCSECD_A_PARITY);
	m.parity = 1;
	tap_ok(proto_build(buf, sizeof(buf), &m, err, sizeof(err)) < 0,
	       "builder refuses a KEY with both spi and parity");
	key_msg(&m);
	tap_ok(proto_build(buf, 100, &m, err, sizeof(err)) == -ENOBUFS,
	       "builder refuses a buffer below the limit");

	/* framing */
	u32 = MCSECD_MSG_MAX + 1;
	memcpy(buf, &u32, 4);
	tap_ok(proto_frame_len(buf, 3) == 0 && proto_frame_len(buf, 4) == -EMSGSIZE,
	       "frame length above the limit refused, short prefix waits");
	u32 = 19;
	memcpy(buf, &u32, 4);
	tap_ok(proto_frame_len(buf, 4) == -EMSGSIZE, "frame length below the header refused");

	/* every prefix of a KEY whose last attribute is required is refused */
	key_msg(&m);
	m.present &= ~(PROTO_BIT(MCSECD_A_LIFETIME) | PROTO_BIT(MCSECD_A_ACTIVE));
	len = proto_build(buf, sizeof(buf), &m, err, sizeof(err));
	bad = 0;
	for (i = 0; i < len; i++) {
		uint8_t copy[MCSECD_MSG_MAX];
		uint32_t l = (uint32_t)i;

		memcpy(copy, buf, len);
		if (i >= 4)
			memcpy(copy, &l, 4);
		if (proto_parse(copy, i, &back, err, sizeof(err)) == 0)
			bad++;
	}
	tap_ok(bad == 0, "all %d truncations of a KEY refused", len);

	ack_base();
	tap_ok(raw_parse(&back) == 0 && back.ack_seq == 9, "hand-made ACK accepted");
	ack_base();
	buf[17] = 2;
	tap_ok(refused("protocol version 2"), "version 2 refused");
	ack_base();
	buf[16] = 0;
	tap_ok(refused("unknown message type 0"), "message type 0 refused");
	ack_base();
	buf[16] = MCSECD_MSG_MAX_TYPE + 1;
	tap_ok(refused("unknown message type"), "message type past the last refused");
	ack_base();
	buf[4] = 0x10;
	tap_ok(refused("not an mcsecd message"), "netlink type other than mcsecd refused");
	ack_base();
	buf[6] = 1;
	tap_ok(refused("not an mcsecd message"), "header flags refused");
	ack_base();
	u32 = 1;
	raw_attr(MCSECD_A_ACK_SEQ, &u32, 4);
	tap_ok(refused("attribute ack-seq repeated"), "repeated attribute refused");
	ack_base();
	raw_attr(MCSECD_A_MAX + 1, &u32, 4);
	tap_ok(refused("unknown attribute"), "unknown attribute refused");
	ack_base();
	raw_attr(MCSECD_A_SPI, &u32, 4);
	tap_ok(refused("attribute spi not allowed in ack"), "attribute of another message refused");
	ack_base();
	raw_attr(MCSECD_A_TEXT | NLA_F_NESTED, "x", 2);
	tap_ok(refused("flags not allowed"), "nested flag refused");
	ack_base();
	raw_attr(MCSECD_A_TEXT, "abc", 3);
	tap_ok(refused("attribute text: not a valid string"), "string without NUL refused");
	ack_base();
	raw_attr(MCSECD_A_TEXT, "a\nb", 4);
	tap_ok(refused("attribute text: not a valid string"), "unprintable text refused");
	ack_base();
	raw_attr(MCSECD_A_TEXT, "a\0b", 4);
	tap_ok(refused("attribute text: not a valid string"), "embedded NUL refused");
	raw_start(MCSECD_MSG_ACK, MCSECD_PROTO_VERSION);
	u32 = 1;
	raw_attr(MCSECD_A_ACK_SEQ, &u32, 4);
	tap_ok(refused("ack without attribute status"), "missing required attribute refused");
	ack_base();
	u16 = 1;
	raw_len -= 8;	/* replace STATUS by a 2-byte one */
	raw_attr(MCSECD_A_STATUS, &u16, 2);
	tap_ok(refused("attribute status: length 2, expected 4"), "short integer refused");
	ack_base();
	buf[raw_len - 8] = 200;	/* STATUS nla_len beyond the message */
	tap_ok(refused("overruns the message"), "attribute overrunning the message refused");
	ack_base();
	raw_len += 2;
	tap_ok(refused("overruns the message"), "2 trailing bytes refused");
	ack_base();
	u32 = 5000;
	memcpy(buf + raw_len - 4, &u32, 4);
	tap_ok(refused("is not an errno"), "status out of range refused");

	/* group values */
	raw_start(MCSECD_MSG_GROUP, MCSECD_PROTO_VERSION);
	u16 = AF_INET;
	raw_attr(MCSECD_A_GROUP, "g", 2);
	raw_attr(MCSECD_A_FAMILY, &u16, 2);
	raw_attr(MCSECD_A_DADDR, "\x0a\x00\x00\x01", 4);
	raw_attr(MCSECD_A_PORT, &u16, 2);
	u8 = MCSEC_FORMAT_ESP_TUNNEL;
	raw_attr(MCSECD_A_FORMAT, &u8, 1);
	u8 = MCSEC_SUITE_AES128_GCM;
	raw_attr(MCSECD_A_SUITE, &u8, 1);
	u8 = MCSEC_DIR_ENCRYPT;
	raw_attr(MCSECD_A_ROLE, &u8, 1);
	tap_ok(refused("not a multicast address"), "unicast group address refused");
	buf[40] = 0xef;	/* daddr's first byte: 20 header + 8 (group) + 8 (family) + 4 */
	tap_ok(raw_parse(&back) == 0, "the same with 239.0.0.1 accepted");
	raw_attr(MCSECD_A_SADDR, "\x0a\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01", 16);
	tap_ok(refused("saddr: length 16 does not fit"), "IPv6 source in an IPv4 group refused");
	raw_len -= 20;
	raw_attr(MCSECD_A_FLAGS, "\x00\x00\x01\x00", 4);
	tap_ok(refused("flags: unknown bits"), "unknown group flags refused");
	raw_len -= 8;
	u8 = 9;
	raw_attr(MCSECD_A_SADDR, "\x0a\x00\x00\x01\x00", 5);
	tap_ok(refused("length 5, expected 4 or 16"), "5-byte address refused");

	raw_start(MCSECD_MSG_GROUP, MCSECD_PROTO_VERSION);
	u16 = AF_INET;
	raw_attr(MCSECD_A_GROUP, "../etc", 7);
	tap_ok(refused("attribute group: not a valid name"), "group name with a slash refused");

	/* key values */
	raw_start(MCSECD_MSG_KEY, MCSECD_PROTO_VERSION);
	raw_attr(MCSECD_A_GROUP, "g", 2);
	u8 = MCSEC_SUITE_AES128_CBC;
	raw_attr(MCSECD_A_SUITE, &u8, 1);
	raw_attr(MCSECD_A_KEY, "0123456789abcdef", 16);
	raw_attr(MCSECD_A_EPOCH, "\1\0\0\0\0\0\0\0", 8);
	tap_ok(refused("key needs exactly one of spi and parity"), "KEY without spi or parity refused");
	u32 = 0x100;
	raw_attr(MCSECD_A_SPI, &u32, 4);
	tap_ok(refused("a TS control word has a parity"), "control word with an spi refused");
	raw_len -= 8;
	u8 = 3;
	raw_attr(MCSECD_A_PARITY, &u8, 1);
	tap_ok(refused("unknown parity 3"), "parity 3 refused");
	buf[raw_len - 4] = MCSEC_PARITY_EVEN;
	tap_ok(raw_parse(&back) == 0 && back.parity == MCSEC_PARITY_EVEN && back.key_len == 16,
	       "even control word accepted");
	raw_attr(MCSECD_A_ACTIVE, "\2", 1);
	tap_ok(refused("active: 2 is not 0 or 1"), "active 2 refused");

	/* an oversize message */
	memset(buf, 0, sizeof(buf));
	u32 = MCSECD_MSG_MAX + 4;
	memcpy(buf, &u32, 4);
	tap_ok(proto_parse(buf, u32, &back, err, sizeof(err)) == -EMSGSIZE,
	       "message above the length limit refused");

	/* every single-byte corruption of a KEY: no crash, and a change of the
	 * key bytes themselves is the only one that can pass unchanged */
	key_msg(&m);
	len = proto_build(buf, sizeof(buf), &m, err, sizeof(err));
	bad = 0;
	for (i = 0; i < len; i++) {
		for (int v = 0; v < 256; v += 37) {
			uint8_t copy[MCSECD_MSG_MAX];

			memcpy(copy, buf, len);
			copy[i] = (uint8_t)v;
			if (proto_parse(copy, len, &back, err, sizeof(err)) == 0 &&
			    back.key_len != 20)
				bad++;
		}
	}
	tap_ok(bad == 0, "every byte of a KEY corrupted: nothing decodes to a wrong key length");
	seeds();
	return tap_done();
}
