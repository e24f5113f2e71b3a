// SPDX-License-Identifier: GPL-2.0 OR MIT
/* mcsecctl's words: prefixes, numbers, addresses, PID lists, and command
 * parsing that needs no kernel (errors name the word at fault). */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "mcsecctl.h"
#include "tap.h"

static char errbuf[4096];

/* Parses one command line; usage errors land in errbuf. */
static int parse(const char *line, struct cmd *c)
{
	static const char *const objects[] = { "group", "sa", NULL };
	static const char *const verbs[] = { "add", "set", "del", "show", NULL };
	char *copy = strdup(line), *argv[64], *tok, *save = NULL;
	struct word store[64];
	struct ctx ctx = { 0 };
	struct words ws;
	int argc = 0, obj, verb, ret;
	FILE *err = fmemopen(errbuf, sizeof(errbuf), "w");

	for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	words_from_argv(&ws, store, argc, argv);
	ws.err = err;
	memset(c, 0, sizeof(*c));
	obj = words_keyword(&ws, "object", objects);
	verb = words_keyword(&ws, "verb", verbs);
	ret = obj == 0 ? group_parse(&ws, (enum verb)verb, c) :
			 sa_parse(&ws, &ctx, (enum verb)verb, c);
	fclose(err);
	free(copy);
	return ret;
}

static void test_prefixes(void)
{
	static const char *const names[] = { "group", "sa", "stats", "setconf", NULL };

	tap_ok(match_word("group", names) == 0, "exact word");
	tap_ok(match_word("g", names) == 0, "unique prefix");
	tap_ok(match_word("s", names) == -2, "ambiguous prefix");
	tap_ok(match_word("st", names) == 2, "longer prefix disambiguates");
	tap_ok(match_word("x", names) == -1 && match_word("", names) == -1,
	       "unknown and empty words");
}

static void test_numbers(void)
{
	uint64_t v;

	tap_ok(parse_u64("0x10", 100, &v) && v == 16, "hex number");
	tap_ok(!parse_u64("-1", 100, &v) && !parse_u64("1x", 100, &v) &&
	       !parse_u64("", 100, &v) && !parse_u64("101", 100, &v) &&
	       !parse_u64(" 1", 100, &v), "bad numbers refused");
	tap_ok(parse_u64("18446744073709551615", UINT64_MAX, &v) &&
	       !parse_u64("18446744073709551616", UINT64_MAX, &v),
	       "u64 bounds");
}

static void test_addrs(void)
{
	struct mcsec_addr a;
	char buf[64];

	tap_ok(parse_addr("239.1.1.1", &a) && a.family == AF_INET &&
	       addr_is_multicast(&a), "IPv4 multicast");
	tap_ok(parse_addr("ff3e::1", &a) && a.family == AF_INET6 &&
	       addr_is_multicast(&a), "IPv6 multicast");
	tap_ok(parse_addr("10.0.0.1", &a) && !addr_is_multicast(&a),
	       "unicast is not multicast");
	tap_ok(!parse_addr("239.1.1", &a) && !parse_addr("host", &a),
	       "not addresses");
	parse_addr("ff3e::1", &a);
	format_addr(&a, buf, sizeof(buf));
	tap_ok(!strcmp(buf, "ff3e::1"), "address printed back");
}

static void test_pids(void)
{
	uint8_t map[MCSEC_PID_MAP_BYTES];
	char buf[256];

	tap_ok(parse_pids("300-310,256,0x101,257", map), "PID list parses");
	format_pids(map, buf, sizeof(buf));
	tap_ok(!strcmp(buf, "256-257,300-310"), "PIDs as sorted ranges: %s", buf);
	tap_ok(!parse_pids("0x1fff", map) && !parse_pids("5-4", map) &&
	       !parse_pids("1,,2", map) && !parse_pids(",1", map) &&
	       !parse_pids("1,", map) && !parse_pids("", map) &&
	       !parse_pids("a", map), "bad PID lists refused");
}

static void test_group_parse(void)
{
	struct cmd c;

	tap_ok(!parse("group add 239.1.1.1 port 5000 dir encrypt format ts-cissa required rtp pids 256", &c) &&
	       c.group.format == MCSEC_FORMAT_TS_CISSA && c.group.port == 5000 &&
	       c.group.dir == MCSEC_DIR_ENCRYPT &&
	       c.group.flags == (MCSEC_GROUP_F_REQUIRED | MCSEC_GROUP_F_RTP) &&
	       c.group.has_pids, "group add parses");
	tap_ok(!parse("group a 239.1.1.1 po 5000 di decrypt fo esp-tunnel", &c) &&
	       c.group.dir == MCSEC_DIR_DECRYPT, "prefixes of verbs and words");
	tap_ok(parse("group add 10.1.1.1 port 1 dir encrypt format esp-tunnel", &c) == 2 &&
	       strstr(errbuf, "GROUP 10.1.1.1 is not a multicast address"),
	       "unicast group refused");
	tap_ok(parse("group add 239.1.1.1 port 5000 dir encrypt", &c) == 2 &&
	       strstr(errbuf, "format esp-tunnel|"), "missing format named");
	tap_ok(parse("group add 239.1.1.1 port 70000 dir encrypt format esp-tunnel", &c) == 2 &&
	       strstr(errbuf, "port '70000'"), "bad port named");
	tap_ok(parse("group add 239.1.1.1 port 1 dir encrypt format esp-tunnel bogus", &c) == 2 &&
	       strstr(errbuf, "'bogus' is not known"), "unknown word named");
	tap_ok(parse("group add 239.1.1.1 port 1 src ff3e::2 dir encrypt format esp-tunnel", &c) == 2 &&
	       strstr(errbuf, "not of the group's address family"), "src family checked");
	tap_ok(parse("group del 239.1.1.1 port 1 format esp-tunnel", &c) == 2 &&
	       strstr(errbuf, "does not belong in group del"), "add-only word refused in del");
	tap_ok(!parse("group set 239.1.1.1 port 1 dir encrypt parity odd", &c) &&
	       c.parity == MCSEC_PARITY_ODD, "group set parity");
}

static void test_sa_parse(void)
{
	struct cmd c;

	tap_ok(parse("sa add 239.1.1.1 port 1 spi 1 suite aes128-gcm key 0x00112233", &c) == 2 &&
	       strstr(errbuf, "use key-file"), "a key on the command line is refused");
	tap_ok(parse("sa add 239.1.1.1 port 1 spi 1 key-file /nonexistent", &c) == 2 &&
	       strstr(errbuf, "suite"), "ESP SA needs a suite");
	tap_ok(parse("sa add 239.1.1.1 port 1 spi 0 suite aes128-gcm key-file x", &c) == 2 &&
	       strstr(errbuf, "spi 0"), "spi 0 refused");
	tap_ok(parse("sa add 239.1.1.1 port 1 spi 1 parity even suite aes128-gcm key-file x", &c) == 2 &&
	       strstr(errbuf, "exclude"), "spi and parity exclusive");
	tap_ok(parse("sa add 239.1.1.1 port 1 parity odd seq 5 key-file x", &c) == 2 &&
	       strstr(errbuf, "'seq' is for ESP"), "seq refused for TS keys");
	tap_ok(parse("sa add 239.1.1.1 port 1 spi 1 suite aes128-gcm replay-window 100 key-file x", &c) == 2 &&
	       strstr(errbuf, "multiple of 64"), "replay window checked");
	tap_ok(parse("sa add 239.1.1.1 port 1 spi 1 suite aes128-gcm packets 5 key-file x", &c) == 2 &&
	       strstr(errbuf, "after 'lifetime'"), "limits only after lifetime");
	tap_ok(parse("sa add 239.1.1.1 port 1 spi 1 suite aes128-gcm key-file /nonexistent", &c) == 2 &&
	       strstr(errbuf, "/nonexistent: No such file"), "missing key file named");
	tap_ok(!parse("sa set 239.1.1.1 port 1 spi 0x10 active", &c) &&
	       c.sa.spi == 16 && c.has_spi, "sa set active");
	tap_ok(parse("sa set 239.1.1.1 port 1 spi 0x10", &c) == 2 &&
	       strstr(errbuf, "'active'"), "sa set without active");
	tap_ok(!parse("sa del 239.1.1.1 port 1 dir decrypt parity odd", &c) &&
	       c.sa.parity == MCSEC_PARITY_ODD && c.match.dir == MCSEC_DIR_DECRYPT,
	       "sa del by parity with a selector");
}

int main(void)
{
	test_prefixes();
	test_numbers();
	test_addrs();
	test_pids();
	test_group_parse();
	test_sa_parse();
	return tap_done();
}
