// SPDX-License-Identifier: GPL-2.0 OR MIT
/* mcsecd's configuration: both roles parsed, and every kind of error
 * reported as FILE:LINE: message with the right line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "libmcsec.h"
#include "config.h"
#include "tap.h"

static char path[64], err[512];
static struct config cfg;

static int load(const char *text)
{
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/mcsecd-test-%d.conf", getpid());
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	config_free(&cfg);
	err[0] = 0;
	return config_load(path, &cfg, err, sizeof(err));
}

/* The file fails with exactly "FILE:LINE: msg". */
static void fails(const char *text, int line, const char *msg, const char *what)
{
	char want[512];

	snprintf(want, sizeof(want), "%s:%d: %s", path, line, msg);
	if (!tap_ok(load(text) < 0 && !strcmp(err, want), "%s", what))
		tap_diag("got '%s', want '%s'", err, want);
}

#define SERVER "[server]\nlisten = 127.0.0.1:7443\ncertificate = s.crt\nkey = s.key\n" \
	"ca = ca.crt\nstate = /tmp/st\n"		/* lines 1-6 */

int main(void)
{
	const struct cfg_group *g;
	const struct cfg_member *m;

	tap_ok(load(SERVER
		"ack-timeout = 750ms\ngrace = 2s\n"
		"[group tv1]\naddress = 239.1.1.1\nport = 5000\nformat = ts-cissa\n"
		"rekey = 10s\nrtp = yes\nencrypt = head\ndecrypt = edge1\n"
		"; a comment\n"
		"[group v6]\naddress = ff3e::1\nsource = 2001:db8::1\nformat = esp-tunnel\n"
		"suite = aes256-gcm\nrequired = yes\nencrypt = head\n"
		"[member head]\nidentity = head.example.net\n"
		"[member edge1]\n"
		"[member edge2]\ngroups = v6, tv1\n") == 0, "server file parsed (%s)", err);
	g = config_group(&cfg, "tv1");
	tap_ok(cfg.role == CFG_ROLE_SERVER && cfg.ngroups == 2 && cfg.nmembers == 3 &&
	       cfg.server.ack_timeout_ms == 750 && cfg.server.grace_ms == 2000 &&
	       cfg.server.listen.port == 7443 && !strcmp(cfg.server.listen.host, "127.0.0.1"),
	       "server values");
	tap_ok(g && g->format == MCSEC_FORMAT_TS_CISSA && g->suite == MCSEC_SUITE_AES128_CBC &&
	       g->port == 5000 && g->rekey == 10 && g->flags == MCSEC_GROUP_F_RTP &&
	       g->family == AF_INET && !memcmp(g->daddr, "\xef\x01\x01\x01", 4),
	       "TS group: default suite aes128-cbc, port, period, rtp");
	g = config_group(&cfg, "v6");
	tap_ok(g && g->family == AF_INET6 && g->has_saddr && g->suite == MCSEC_SUITE_AES256_GCM &&
	       g->flags == MCSEC_GROUP_F_REQUIRED && g->rekey == 3600 && g->daddr[0] == 0xff,
	       "ESP IPv6 group with source, required, default rekey 1h");
	m = config_member(&cfg, "edge1");
	tap_ok(m && !strcmp(m->identity, "edge1") &&
	       !strcmp(config_member(&cfg, "head")->identity, "head.example.net"),
	       "identity defaults to the member's name");
	tap_ok(config_role(&cfg, config_group(&cfg, "tv1"), config_member(&cfg, "head")) == MCSEC_DIR_ENCRYPT &&
	       config_role(&cfg, config_group(&cfg, "tv1"), m) == MCSEC_DIR_DECRYPT &&
	       config_role(&cfg, config_group(&cfg, "v6"), m) == 0 &&
	       config_role(&cfg, config_group(&cfg, "v6"), config_member(&cfg, "edge2")) == MCSEC_DIR_DECRYPT &&
	       config_member_by_identity(&cfg, "head.example.net") == config_member(&cfg, "head"),
	       "roles: encrypt list, decrypt list, channel package, none");

	tap_ok(load("[member]\nserver = 10.0.0.1:7443, [2001:db8::2]:7443\n"
		    "server-identity = keys.example.net\n"
		    "certificate = m.crt\nkey = m.key\nca = ca.crt\nfastpath = dpdk:/run/mcsec.sock\n"
		    "backoff-min = 100ms\nbackoff-max = 10s\n") == 0 &&
	       cfg.role == CFG_ROLE_MEMBER && cfg.client.nservers == 2 &&
	       !strcmp(cfg.client.server[1].host, "2001:db8::2") && cfg.client.server[1].port == 7443 &&
	       cfg.client.fastpath == CFG_FP_DPDK && !strcmp(cfg.client.dpdk_socket, "/run/mcsec.sock") &&
	       cfg.client.backoff_min_ms == 100 && cfg.client.backoff_max_ms == 10000,
	       "member file parsed: two servers, DPDK socket, backoff (%s)", err);

	fails("", 1, "no [server] or [member] section: which role is this?", "empty file");
	fails(SERVER "bogus = 1\n", 7, "unknown key 'bogus'", "unknown key");
	fails(SERVER "listen = 1.2.3.4:1\n", 7, "'listen' set twice in this section", "key set twice");
	fails(SERVER "[groupe x]\n", 7, "unknown section [groupe x]: expected [server], [member], "
	      "[group NAME] or [member NAME]", "unknown section");
	fails(SERVER "[group a/b]\n", 7, "group name 'a/b': 1 to 63 of A-Z a-z 0-9 . _ -", "bad group name");
	fails(SERVER "[group a\n", 7, "section header without ']'", "unclosed section header");
	fails(SERVER "just words\n", 7, "syntax error (expected [section] or name = value)", "line without '='");
	fails("x = 1\n[server]\n", 1, "'x' outside any section", "key before any section");
	fails(SERVER "[group g]\naddress = 10.1.1.1\n", 8, "address '10.1.1.1': not a multicast group",
	      "unicast group address");
	fails(SERVER "[group g]\naddress = 239.1.1.1\nsource = ::1\n", 9,
	      "source '::1': not of the group's address family", "source of another family");
	fails(SERVER "[group g]\naddress = 239.1.1.1\nformat = ts-aes\n", 9,
	      "format 'ts-aes': expected esp-tunnel, esp-transport, ts-cissa or ts-idsa", "unknown format");
	fails(SERVER "[group g]\naddress = 239.1.1.1\nformat = ts-idsa\nsuite = aes128-gcm\nport = 1\n", 7,
	      "group g: suite aes128-gcm does not go with format ts-idsa", "suite not of the format");
	fails(SERVER "[group g]\naddress = 239.1.1.1\nformat = ts-idsa\n", 7,
	      "group g: a TS group needs a port", "TS group without port");
	fails(SERVER "[group g]\naddress = 239.1.1.1\nformat = esp-tunnel\nrekey = 500ms\n", 10,
	      "rekey '500ms': expected a duration of 1s or more", "rekey below a second");
	fails(SERVER "[group g]\naddress = 239.1.1.1\nport = 70000\n", 9,
	      "port '70000': expected 0 to 65535", "port out of range");
	fails(SERVER "[group g]\naddress = 239.1.1.1\nformat = esp-tunnel\n\nencrypt = ghost\n", 11,
	      "group g: unknown member 'ghost'", "encrypt names an unknown member");
	fails(SERVER "[member a]\ngroups = nope\n", 8, "member a: unknown group 'nope'",
	      "member names an unknown group");
	fails(SERVER "[group g]\naddress = 239.1.1.1\nformat = esp-tunnel\nencrypt = a\n"
	      "decrypt = a\n[member a]\n", 11, "group g: member 'a' both encrypts and decrypts",
	      "a member both encrypts and decrypts");
	fails(SERVER "[group g]\naddress = 239.1.1.1\nformat = esp-tunnel\nencrypt = a\n"
	      "[member a]\ngroups = g\n", 12, "member a: encrypts group g, cannot also receive it",
	      "an encrypter's channel package holds its group");
	fails(SERVER "[member a]\nidentity = x\n[member b]\nidentity = x\n", 9,
	      "member b: identity 'x' is already member a's", "two members with one identity");
	fails(SERVER "[member a]\n[member a]\n", 8, "member 'a' already defined at line 7", "member defined twice");
	fails(SERVER "[member a]\ngroups = x x\n", 8, "'x' listed twice", "a name listed twice");
	fails(SERVER "[server]\n", 7, "second [server] section (first at line 1)", "two [server] sections");
	fails(SERVER "[member]\nserver = 1.2.3.4:5\n", 7,
	      "[member] and [server] in one file: a file configures one role (server line 1)",
	      "both roles in one file");
	fails(SERVER "ack-timeout = soon\n", 7, "ack-timeout 'soon': expected a duration (5s, 500ms)",
	      "bad duration");
	fails("[server]\nlisten = 127.0.0.1\n", 2, "listen '127.0.0.1': expected ADDRESS:PORT",
	      "listen without port");
	fails("[server]\nlisten = 127.0.0.1:1\nstate = /x\n", 1, "[server] needs certificate, key and ca",
	      "server without TLS files");
	fails("[member]\nserver = a:1\ncertificate = c\nkey = k\nca = ca\n", 1,
	      "[member] needs a fastpath (kernel, dpdk:SOCKET or none)", "member without fastpath");
	fails("[member]\nfastpath = xdp\n", 2, "fastpath 'xdp': expected kernel, dpdk:SOCKET or none",
	      "unknown fastpath");
	fails("[member]\nserver = a:1\nfastpath = kernel\ncertificate = c\nkey = k\nca = ca\n"
	      "[group g]\n", 7, "[group] and [member NAME] sections belong in a server's file",
	      "group in a member's file");
	{
		char big[600];

		memset(big, 'x', sizeof(big));
		memcpy(big, "[server]\nstate = ", 17);
		big[sizeof(big) - 2] = '\n';
		big[sizeof(big) - 1] = 0;
		fails(big, 2, "line longer than 197 characters", "overlong line");
	}
	config_free(&cfg);
	unlink(path);
	tap_ok(config_load("/nonexistent/mcsecd.conf", &cfg, err, sizeof(err)) < 0 &&
	       !strcmp(err, "/nonexistent/mcsecd.conf: No such file or directory"),
	       "missing file named");
	return tap_done();
}
