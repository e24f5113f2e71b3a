# SPDX-License-Identifier: GPL-2.0 OR MIT
"""mcsec-dpdk's control socket (--ctl), with the appliance running (EAL
without hugepages, one net_null port that receives nothing):

  - mcsecctl --dpdk SOCKET (and $MCSEC_DPDK_SOCKET) drives it unchanged:
    every form of docs/mcsecctl.md, -j, showconf -> flush -> setconf ->
    showconf identical, the appliance's extack texts, monitor events;
  - malformed requests built by hand (nlraw.py, not libmnl): wrong types
    and lengths, missing NLA_F_NESTED, missing attributes (with the
    missing type and nest reported), unknown attributes and commands,
    trailing bytes, truncated and oversized packets, 300 random ones:
    each refused with the kernel's errno and extack text, the connection
    and the appliance alive, and the dumps byte-identical before/after;
  - keys never come back (no KEY/SALT attribute, no key byte in a dump);
  - an unprivileged peer: uid 65534 cannot connect (mode 0600), and one
    that connected with CAP_DAC_OVERRIDE (fsuid 0, euid 65534) gets EPERM
    for reads and writes, nothing changed;
  - DPDK telemetry: /mcsec/stats equals mcsecctl stats, /mcsec/groups and
    /mcsec/group,ID;
  - event overrun: a monitor that stops reading while 600 events happen
    gets the ones that fit, then one events-lost (the appliance's ENOBUFS
    notice), then later events again.

Needs root (the unprivileged cases switch to uid 65534).
Usage: test_dpdk_ctl.py MCSEC_DPDK MCSECCTL"""

import ctypes
import errno
import json
import os
import random
import signal
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mcdtest  # noqa: E402
import nlraw as nl  # noqa: E402

DPDK, CTL = sys.argv[1], sys.argv[2]
t = mcdtest.Tap()

KEYS = {
    "239.1.1.1_5000_encrypt_0x00001000.key": "000102030405060708090a0b0c0d0e0f 01020304",
    "239.1.1.1_5000_encrypt_0x00001001.key": "101112131415161718191a1b1c1d1e1f 11121314",
    "ff3e::1_6000_2001:db8::1_decrypt_0x0000beef.key":
        "000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f a1a2a3a4",
    "239.2.2.2_1234_encrypt_even.key": "00112233445566778899aabbccddeeff",
    "239.2.2.2_1234_encrypt_odd.key": "ffeeddccbbaa99887766554433221100",
    "239.3.3.3_7000_decrypt_odd.key": "0f0e0d0c0b0a09080706050403020100",
    "239.3.3.3_7000_decrypt_even.key": "f0e0d0c0b0a090807060504030201000",
}


class Ctl:
    def __init__(self, sock, keydir):
        self.sock, self.keydir = sock, keydir
        self.out = self.err = ""
        self.rc = 0

    def __call__(self, *args, stdin=None, env_socket=False, pre=()):
        env = dict(os.environ)
        env.pop("MCSEC_DPDK_SOCKET", None)
        cmd = list(pre) + [CTL]
        if env_socket:
            env["MCSEC_DPDK_SOCKET"] = self.sock
        else:
            cmd += ["--dpdk", self.sock]
        p = subprocess.run(cmd + list(args), capture_output=True, env=env,
                           stdin=open(stdin) if stdin else subprocess.DEVNULL,
                           timeout=30)
        self.rc, self.out, self.err = (p.returncode, p.stdout.decode(),
                                       p.stderr.decode())
        return self.rc == 0

    def expect(self, rc, text, *args):
        self(*args)
        return self.rc == rc and text in self.err

    def json(self, *args):
        self("-j", *args)
        return json.loads(self.out) if self.rc == 0 else None

    def key(self, name):
        return os.path.join(self.keydir, name)

    def diag(self):
        return "rc=%d\nstdout:\n%s\nstderr:\n%s" % (self.rc, self.out, self.err)


def mcsecctl_forms(m):
    ok = t.ok
    ok(m("group", "add", "239.1.1.1", "port", "5000", "dir", "encrypt",
         "format", "esp-tunnel", "required"), "group add: ESP tunnel, IPv4, required", m.diag())
    ok(m("group", "add", "ff3e::1", "port", "6000", "src", "2001:db8::1", "dir",
         "decrypt", "format", "esp-transport", env_socket=True),
       "group add: ESP transport, IPv6, with a source ($MCSEC_DPDK_SOCKET)", m.diag())
    ok(m("group", "add", "239.2.2.2", "port", "1234", "dir", "encrypt", "format",
         "ts-cissa", "rtp", "pids", "256,300-310"),
       "group add: TS CISSA with RTP and a PID list", m.diag())
    ok(m("g", "a", "239.3.3.3", "po", "7000", "di", "decrypt", "fo", "ts-idsa"),
       "g a (prefixes): TS IDSA decrypt", m.diag())
    ok(m.expect(1, "File exists: a group with this match exists", "group", "add",
                "239.1.1.1", "port", "5000", "dir", "encrypt", "format", "esp-tunnel"),
       "group add twice: the appliance's extack, exit 1", m.diag())
    ok(m.expect(1, "the appliance has no input interfaces (its ports are DPDK ports", "group",
                "add", "239.4.4.4", "port", "1", "iif", "lo", "dir", "encrypt",
                "format", "esp-tunnel"),
       "group add iif: refused with the appliance's extack", m.diag())
    ok(m.expect(1, "TS formats need a UDP port", "group", "add", "239.9.9.9", "port",
                "0", "dir", "encrypt", "format", "ts-idsa"),
       "group add TS without port: extack", m.diag())
    m("group", "show")
    ok(m.rc == 0 and len(m.out.splitlines()) == 4, "group show lists four groups", m.diag())
    j = m.json("group", "show")
    ok(j and len(j) == 4 and j[0]["group"] == "239.1.1.1" and j[0]["port"] == 5000 and
       j[0]["dir"] == "encrypt" and j[0]["format"] == "esp-tunnel" and j[0]["required"] and
       not j[0]["rtp"] and j[1]["src"] == "2001:db8::1" and j[2]["pids"] == "256,300-310" and
       j[2]["rtp"] and [g["id"] for g in j] == [1, 2, 3, 4],
       "group show -j: every field, IDs 1..4", m.out)

    ok(m("sa", "add", "239.1.1.1", "port", "5000", "spi", "0x1000", "suite",
         "aes128-gcm", "key-file", m.key("239.1.1.1_5000_encrypt_0x00001000.key"),
         "lifetime", "soft", "packets", "1000", "hard", "packets", "2000",
         "bytes", "1000000"), "sa add ESP aes128-gcm with lifetimes", m.diag())
    ok(m("sa", "add", "239.1.1.1", "port", "5000", "spi", "0x1001", "suite",
         "aes128-gcm", "seq", "77", "key-file", "-",
         stdin=m.key("239.1.1.1_5000_encrypt_0x00001001.key")),
       "sa add second ESP SA, key from stdin", m.diag())
    ok(m("sa", "add", "ff3e::1", "port", "6000", "spi", "0xbeef", "suite",
         "aes256-gcm", "replay-window", "256", "no-esn", "key-file",
         m.key("ff3e::1_6000_2001:db8::1_decrypt_0x0000beef.key")),
       "sa add aes256-gcm on the IPv6 group, replay window, no ESN", m.diag())
    ok(m("sa", "add", "239.2.2.2", "port", "1234", "parity", "even", "key-file",
         m.key("239.2.2.2_1234_encrypt_even.key")) and
       m("sa", "add", "239.2.2.2", "port", "1234", "parity", "odd", "key-file",
         m.key("239.2.2.2_1234_encrypt_odd.key")) and
       m("sa", "add", "239.3.3.3", "port", "7000", "parity", "odd", "key-file",
         m.key("239.3.3.3_7000_decrypt_odd.key")),
       "sa add TS even and odd control words", m.diag())
    ok(m.expect(2, "use key-file F", "sa", "add", "239.1.1.1", "port", "5000", "spi",
                "9", "suite", "aes128-gcm", "key", "000102"),
       "sa add with a key on the command line: refused, exit 2", m.diag())
    ok(m.expect(1, "TS keys are named by parity", "sa", "add", "239.2.2.2", "port",
                "1234", "spi", "5", "suite", "aes128-gcm", "key-file",
                m.key("239.1.1.1_5000_encrypt_0x00001000.key")),
       "sa add by SPI on a TS group: extack", m.diag())
    ok(m.expect(1, "File exists: the group has an SA with this SPI or parity", "sa",
                "add", "239.1.1.1", "port", "5000", "spi", "0x1000", "suite",
                "aes128-gcm", "key-file", m.key("239.1.1.1_5000_encrypt_0x00001000.key")),
       "sa add of an existing SPI: extack", m.diag())
    ok(m("sa", "add", "239.3.3.3", "port", "7000", "parity", "even", "lifetime", "soft",
         "packets", "10", "hard", "bytes", "18800", "key-file",
         m.key("239.3.3.3_7000_decrypt_even.key")) and
       [(s["lifetime-soft"]["packets"], s["lifetime-hard"]["bytes"])
        for s in m.json("sa", "show", "239.3.3.3", "port", "7000") if s["parity"] == "even"] ==
       [(10, 18800)] and m("sa", "del", "239.3.3.3", "port", "7000", "parity", "even"),
       "TS lifetimes in packets and bytes: taken and shown (as mcsec.ko), then deleted",
       m.diag())
    ok(m("sa", "set", "239.1.1.1", "port", "5000", "spi", "0x1001", "active"),
       "sa set active: the sender's SA", m.diag())
    ok(m("group", "set", "239.2.2.2", "port", "1234", "parity", "odd"),
       "group set parity: the scrambler's key", m.diag())
    ok(m.expect(1, "only scramblers have a parity", "group", "set", "239.3.3.3",
                "port", "7000", "parity", "odd"),
       "group set parity on a descrambler: extack", m.diag())
    j = m.json("sa", "show")
    ok(j and len(j) == 6 and not any("key" in s or "salt" in s for s in j) and
       [s["spi"] for s in j if s["group"] == "239.1.1.1"] == [4096, 4097] and
       [s["active"] for s in j if s["group"] == "239.1.1.1"] == [False, True] and
       j[1]["seq"] == 77 and j[0]["lifetime-hard"]["packets"] == 2000 and
       j[0]["lifetime-hard"]["bytes"] == 1000000 and j[2]["replay-window"] == 256 and
       not j[2]["esn"] and j[0]["esn"],
       "sa show -j: six SAs, no key, the active one marked", m.out)
    j = m.json("group", "show", "239.2.2.2", "port", "1234")
    ok(j and len(j) == 1 and j[0]["tx-parity"] == "odd", "group show GROUP -j: tx-parity odd",
       m.out)
    j = m.json("-s", "group", "show", "239.1.1.1", "port", "5000")
    ok(j and j[0]["tx-spi"] == 0x1001 and j[0]["stats"]["out-pkts-protected"] == 0,
       "group show -s -j: tx-spi and counters", m.out)
    j = m.json("stats")
    ok(j is not None and len(j) == 24 and all(isinstance(v, int) for v in j.values()),
       "stats -j: every counter", m.out)
    m("stats", "239.1.1.1", "port", "5000")
    ok(m.rc == 0 and "in-pkts-auth-failed 0" in m.out.splitlines(),
       "stats GROUP: text, one counter per line", m.diag())

    m("showconf", "key-dir", m.keydir)
    conf1 = m.out
    ok(m.rc == 0 and not m.err and conf1.count("\n") >= 10,
       "showconf: exit 0, every key file found", m.diag())
    ok(m("flush"), "flush", m.diag())
    ok(m.json("group", "show") == [], "nothing left after flush", m.out)
    path = os.path.join(m.keydir, "..", "conf1")
    with open(path, "w") as f:
        f.write(conf1)
    ok(m("setconf", path), "setconf restores the configuration", m.diag())
    m("showconf", "key-dir", m.keydir)
    ok(m.out == conf1, "showconf after setconf: identical", "%s\n---\n%s" % (conf1, m.out))

    ok(m("sa", "del", "239.1.1.1", "port", "5000", "spi", "0x1000"), "sa del by SPI", m.diag())
    ok(m.expect(1, "no such SA", "sa", "del", "239.1.1.1", "port", "5000", "spi", "0x1000"),
       "sa del again: extack", m.diag())
    ok(m("group", "del", "ff3e::1", "port", "6000"), "group del", m.diag())
    ok(m.expect(1, "no such group", "group", "del", "ff3e::1", "port", "6000"),
       "group del again: no such group, exit 1", m.diag())

    env = dict(os.environ, MCSEC_DPDK_SOCKET=m.sock)
    evf = open(os.path.join(m.keydir, "..", "events"), "w+")
    mon = subprocess.Popen([CTL, "-j", "monitor"], stdout=evf, stderr=subprocess.STDOUT,
                           env=env)
    time.sleep(1)
    m("sa", "add", "239.3.3.3", "port", "7000", "parity", "even", "lifetime", "soft",
      "seconds", "1", "hard", "seconds", "2", "key-file",
      m.key("239.3.3.3_7000_decrypt_even.key"))
    time.sleep(3.5)
    mon.terminate()
    mon.wait()
    evf.seek(0)
    text = evf.read()
    try:
        ev = [json.loads(line) for line in text.splitlines()]
    except ValueError:
        ev = []
    ok([e.get("event") for e in ev] == ["soft-expire", "hard-expire"] and
       ev[0]["group"] == "239.3.3.3" and ev[0]["parity"] == "even" and
       ev[0]["limit"] == "seconds" and ev[1]["limit"] == "seconds",
       "monitor -j: soft then hard expiry (seconds), as JSON lines", text)
    j = m.json("sa", "show", "239.3.3.3", "port", "7000")
    ok(j is not None and [s["parity"] for s in j] == ["odd"],
       "the hard-expired key is gone, the other stays", m.out)
    ok(all(m(o, "help") for o in ("group", "sa", "stats", "monitor", "flush",
                                   "showconf", "setconf")),
       "help for every object", m.diag())


def g_match(daddr=b"\xef\x05\x05\x05", port=5555, dirn=1, fmt=1, family=2):
    return [nl.u16(nl.G_FAMILY, family), nl.attr(nl.G_DADDR, daddr),
            nl.u16(nl.G_PORT, port), nl.u8(nl.G_DIR, dirn), nl.u8(nl.G_FORMAT, fmt)]


def group_nest(*extra, base=None):
    return nl.nest(nl.A_GROUP, *((g_match() if base is None else base) + list(extra)))


def refused(c, cmd, payload, err, text=None, offs=None, miss=None):
    """The request is answered by exactly one NLMSG_ERROR with -err and,
    if given, the extack text, offending offset and missing type."""
    rs = c.request(cmd, payload)
    if len(rs) != 1 or rs[0].type != nl.NLMSG_ERROR:
        return False, "replies: %r" % [(r.type, r.payload[:32]) for r in rs]
    ea = rs[0].extack()
    good = rs[0].error == -err and (text is None or ea.get(nl.ERR_MSG) == text) and \
        (offs is None or ea.get(nl.ERR_OFFS) == offs) and \
        (miss is None or ea.get(nl.ERR_MISS_TYPE) == miss)
    return good, "error %d extack %r" % (rs[0].error, ea)


def state(c):
    return c.dump(nl.CMD_GROUP_GET) + c.dump(nl.CMD_SA_GET)


def malformed(c):
    ok = t.ok
    # A group and an SA to have something to lose.
    c.request(nl.CMD_GROUP_ADD, group_nest())
    c.request(nl.CMD_SA_ADD, nl.nest(nl.A_GROUP, nl.u32(nl.G_ID, 5)) + nl.nest(
        nl.A_SA, nl.u32(nl.S_SPI, 0x77), nl.u8(nl.S_SUITE, 1),
        nl.attr(nl.S_KEY, b"\x5a" * 16), nl.attr(nl.S_SALT, b"\xa5" * 4)))
    before = state(c)
    sas = c.request(nl.CMD_SA_GET, flags=nl.F_REQUEST | nl.F_DUMP)
    keyless = [r for r in sas if r.type == nl.FAMILY]
    ok(keyless and all(nl.S_KEY not in nl.attrs(r.genl_attrs()[nl.A_SA]) and
                       nl.S_SALT not in nl.attrs(r.genl_attrs()[nl.A_SA]) for r in keyless) and
       not any(b"\x5a" * 16 in r.raw or b"\xa5" * 4 in r.raw for r in sas),
       "SA dump: no KEY or SALT attribute, no key byte", repr([r.raw for r in sas]))

    cases = [
        ("unknown top-level attribute (FLUSH refused)", nl.CMD_FLUSH,
         nl.u32(7, 1), errno.EINVAL, "Unknown attribute type", 20, None),
        ("attribute type 0", nl.CMD_GROUP_GET, nl.u32(0, 1), errno.EINVAL,
         "Unknown attribute type", 20, None),
        ("u16 family sent as 4 bytes", nl.CMD_GROUP_ADD,
         nl.nest(nl.A_GROUP, nl.u32(nl.G_FAMILY, 2)), errno.EINVAL,
         "invalid attribute length", 24, None),
        ("MCSEC_A_GROUP without NLA_F_NESTED", nl.CMD_GROUP_ADD,
         nl.attr(nl.A_GROUP, b"".join(g_match())), errno.EINVAL,
         "NLA_F_NESTED is missing", 20, None),
        ("a u8 with NLA_F_NESTED", nl.CMD_GROUP_ADD,
         nl.nest(nl.A_GROUP, nl.attr(nl.G_DIR, b"\1", nested=True)), errno.EINVAL,
         "NLA_F_NESTED not expected", 24, None),
        ("PAD attribute", nl.CMD_GROUP_ADD, group_nest(nl.u32(nl.G_PAD, 0)),
         errno.EINVAL, "Unsupported attribute", None, None),
        ("read-only statistics", nl.CMD_GROUP_ADD, group_nest(nl.nest(nl.G_STATS)),
         errno.EINVAL, "NLA_F_NESTED not expected", None, None),
        ("top-level statistics", nl.CMD_GROUP_GET, nl.attr(nl.A_STATS, b""),
         errno.EINVAL, "statistics are read-only", 20, None),
        ("an event sent to the appliance", nl.CMD_GROUP_GET, nl.attr(nl.A_EVENT, b""),
         errno.EINVAL, "events are sent, not received", 20, None),
        ("unknown group flag bits", nl.CMD_GROUP_ADD, group_nest(nl.u32(nl.G_FLAGS, 0x80)),
         errno.EINVAL, "reserved bit set", None, None),
        ("direction 3", nl.CMD_GROUP_ADD,
         group_nest(base=g_match(dirn=3)), errno.ERANGE, "integer out of range", None, None),
        ("a 17-byte address", nl.CMD_GROUP_ADD,
         group_nest(base=g_match(daddr=b"\xff" * 17)), errno.ERANGE,
         "binary attribute size out of range", None, None),
        ("family missing (type and nest reported)", nl.CMD_GROUP_ADD,
         nl.nest(nl.A_GROUP, nl.u8(nl.G_DIR, 1)), errno.EINVAL,
         "address family missing", None, nl.G_FAMILY),
        ("MCSEC_A_GROUP missing", nl.CMD_GROUP_ADD, b"", errno.EINVAL,
         "MCSEC_A_GROUP missing", None, nl.A_GROUP),
        ("family 7", nl.CMD_GROUP_ADD, group_nest(base=g_match(family=7)),
         errno.EAFNOSUPPORT, "family must be AF_INET or AF_INET6", None, None),
        ("unicast group address", nl.CMD_GROUP_ADD,
         group_nest(base=g_match(daddr=b"\x0a\0\0\1")), errno.EINVAL,
         "group address is not multicast", None, None),
        ("a 15-byte key", nl.CMD_SA_ADD, nl.nest(nl.A_GROUP, nl.u32(nl.G_ID, 5)) +
         nl.nest(nl.A_SA, nl.u32(nl.S_SPI, 9), nl.u8(nl.S_SUITE, 1),
                 nl.attr(nl.S_KEY, b"\1" * 15), nl.attr(nl.S_SALT, b"\2" * 4)),
         errno.ERANGE, "binary attribute size out of range", None, None),
        ("a 24-byte key for aes128-gcm", nl.CMD_SA_ADD,
         nl.nest(nl.A_GROUP, nl.u32(nl.G_ID, 5)) +
         nl.nest(nl.A_SA, nl.u32(nl.S_SPI, 9), nl.u8(nl.S_SUITE, 1),
                 nl.attr(nl.S_KEY, b"\1" * 24), nl.attr(nl.S_SALT, b"\2" * 4)),
         errno.EINVAL, "key length does not match the suite", None, None),
        ("salt missing", nl.CMD_SA_ADD, nl.nest(nl.A_GROUP, nl.u32(nl.G_ID, 5)) +
         nl.nest(nl.A_SA, nl.u32(nl.S_SPI, 9), nl.u8(nl.S_SUITE, 1),
                 nl.attr(nl.S_KEY, b"\1" * 16)),
         errno.EINVAL, "ESP suites need a 4-byte salt", None, nl.S_SALT),
        ("replay window 100", nl.CMD_SA_ADD, nl.nest(nl.A_GROUP, nl.u32(nl.G_ID, 5)) +
         nl.nest(nl.A_SA, nl.u32(nl.S_SPI, 9), nl.u8(nl.S_SUITE, 1),
                 nl.attr(nl.S_KEY, b"\1" * 16), nl.attr(nl.S_SALT, b"\2" * 4),
                 nl.u32(nl.S_REPLAY_WINDOW, 100)),
         errno.EINVAL, "replay window must be 0 or a multiple of 64 in [64, 4096]",
         None, None),
        ("SA_SET with a key: immutable", nl.CMD_SA_SET,
         nl.nest(nl.A_GROUP, nl.u32(nl.G_ID, 5)) +
         nl.nest(nl.A_SA, nl.u32(nl.S_SPI, 0x77), nl.attr(nl.S_KEY, b"\1" * 16)),
         errno.EPERM, "keys are immutable once installed", None, None),
        ("ID and match together", nl.CMD_GROUP_DEL,
         group_nest(nl.u32(nl.G_ID, 5), base=g_match()[:1]), errno.EINVAL,
         "name the group by ID or by match, not both", None, None),
        ("no group with this ID", nl.CMD_GROUP_DEL,
         nl.nest(nl.A_GROUP, nl.u32(nl.G_ID, 999)), errno.ENOENT,
         "no group with this ID", 24, None),
        ("bytes left over", nl.CMD_GROUP_GET, b"\1\0\0\0", errno.EINVAL,
         "bytes leftover after parsing attributes", None, None),
        ("a nest shorter than one header", nl.CMD_GROUP_ADD,
         nl.attr(nl.A_GROUP, b"\0\0", nested=True), errno.ERANGE,
         "Attribute failed policy validation", 20, None),
        ("unknown command 99", 99, b"", errno.EOPNOTSUPP, None, None, None),
        ("a dump of a command that has none", nl.CMD_FLUSH, b"", errno.EOPNOTSUPP,
         None, None, None),
    ]
    for name, cmd, payload, err, text, offs, miss in cases:
        if name.startswith("a dump"):
            rs = c.request(cmd, payload, flags=nl.F_REQUEST | nl.F_DUMP)
            ok(len(rs) == 1 and rs[0].type == nl.NLMSG_ERROR and rs[0].error == -err,
               "malformed: %s: errno %d" % (name, err), repr(rs))
            continue
        good, diag = refused(c, cmd, payload, err, text, offs, miss)
        ok(good, "malformed: %s: errno %d%s" % (name, err, ", '%s'" % text if text else ""),
           diag)

    ea = c.request(nl.CMD_GROUP_ADD, nl.nest(nl.A_GROUP, nl.u8(nl.G_DIR, 1)))[0].extack()
    ok(ea.get(nl.ERR_MISS_NEST) == 20, "missing attribute: its nest's offset reported", ea)

    # Wrong family id: -ENOENT, as genetlink answers an unknown family.
    c.seq += 1
    c.send(nl.msg(nl.CMD_GROUP_GET, family=0x10, seq=c.seq))
    rs = c.recv_all(c.seq)
    ok(rs[0].type == nl.NLMSG_ERROR and rs[0].error == -errno.ENOENT,
       "malformed: another family id: ENOENT", repr(rs))
    # Header fields the kernel checks for every command of the family.
    c.seq += 1
    c.send(struct.pack("=IHHII", 20, nl.FAMILY, 5, c.seq, 0) + struct.pack("=BBH", 10, 1, 7))
    rs = c.recv_all(c.seq)
    ok(rs[0].error == -errno.EINVAL and
       rs[0].extack().get(nl.ERR_MSG) == "genlmsghdr.reserved field is not 0",
       "malformed: genlmsghdr.reserved set: EINVAL, 'genlmsghdr.reserved field is not 0'",
       repr(rs[0].extack()))
    c.seq += 1
    c.send(nl.msg(nl.CMD_STATS_GET, flags=nl.F_REQUEST | nl.F_ACK | 0x100, seq=c.seq))
    rs = c.recv_all(c.seq)
    ok(rs[0].type == nl.NLMSG_ERROR and rs[0].error == -errno.EINVAL and
       rs[0].extack().get(nl.ERR_MSG) == "ambiguous or reserved bits set in nlmsg_flags",
       "malformed: half of NLM_F_DUMP: EINVAL, 'ambiguous or reserved bits set in nlmsg_flags'",
       repr(rs[0].extack()))
    # A genetlink header cut short: EINVAL.
    c.seq += 1
    c.send(struct.pack("=IHHII", 18, nl.FAMILY, 5, c.seq, 0) + b"\1\1")
    rs = c.recv_all(c.seq)
    ok(rs[0].type == nl.NLMSG_ERROR and rs[0].error == -errno.EINVAL,
       "malformed: genetlink header cut short: EINVAL", repr(rs))
    # Truncated: the header claims more than the packet holds: ignored,
    # like a truncated skb, and the connection goes on.
    c.seq += 1
    c.send(nl.msg(nl.CMD_FLUSH, seq=c.seq, length=200))
    ok(c.quiet(), "malformed: truncated message ignored, no reply")
    rs = c.request(nl.CMD_STATS_GET)
    ok(rs and rs[0].type == nl.FAMILY and rs[-1].type == nl.NLMSG_ERROR and not rs[-1].error,
       "the connection still answers after a truncated message", repr(rs))
    # Oversized: 70000 bytes of one request.
    c.seq += 1
    big = nl.msg(nl.CMD_GROUP_ADD, nl.nest(nl.A_GROUP, nl.attr(nl.G_PIDS, b"\0" * 35000)) +
                 nl.nest(nl.A_GROUP, nl.attr(nl.G_PIDS, b"\0" * 35000)),
                 seq=c.seq)
    c.send(big)
    rs = c.recv_all(c.seq)
    ok(rs[0].type == nl.NLMSG_ERROR and rs[0].error == -errno.EMSGSIZE and
       rs[0].extack().get(nl.ERR_MSG) == "request larger than 64 KiB",
       "malformed: a 70000-byte packet: EMSGSIZE, 'request larger than 64 KiB'", repr(rs))
    # Two requests in one packet: each answered, in order.
    c.send(nl.msg(nl.CMD_GROUP_GET, nl.u32(7, 0), seq=9001) +
           nl.msg(nl.CMD_STATS_GET, seq=9002))
    a = c.recv_all(9001)
    b = c.recv_all(9002)
    ok(a[0].error == -errno.EINVAL and b[0].type == nl.FAMILY,
       "two messages in one packet: each answered", repr((a, b)))
    # No NLM_F_REQUEST: not a request, only acked when asked.
    c.send(nl.msg(nl.CMD_FLUSH, flags=nl.F_ACK, seq=9003))
    rs = c.recv_all(9003)
    ok(len(rs) == 1 and rs[0].error == 0, "a message without NLM_F_REQUEST is not run")

    rnd = random.Random(4)
    alive = True
    answers = set()

    def rand_attrs(depth):
        out = b""
        for _ in range(rnd.randrange(0, 5)):
            typ = rnd.randrange(0, 16)
            if depth < 3 and rnd.random() < 0.4:
                out += nl.attr(typ, rand_attrs(depth + 1), nested=rnd.random() < 0.8)
            else:
                out += nl.attr(typ, bytes(rnd.randrange(256)
                                          for _ in range(rnd.choice([0, 1, 2, 3, 4, 8, 16, 20, 33]))),
                               nested=rnd.random() < 0.1)
        return out
    for i in range(300):
        cmd = rnd.choice([1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 0, 12, 200])
        payload = rand_attrs(0)
        if rnd.random() < 0.2 and payload:
            payload = payload[:rnd.randrange(len(payload))]
        seq = 20000 + i
        flags = nl.F_REQUEST | nl.F_ACK | (nl.F_DUMP if rnd.random() < 0.2 else 0)
        try:
            c.send(nl.msg(cmd, payload, flags=flags, seq=seq))
            rs = c.recv_all(seq, timeout=5)
            answers.add(rs[-1].type)
        except (OSError, socket.timeout):
            alive = False
            break
    ok(alive, "300 random requests: every one answered, the connection alive")
    ok(state(c) == before, "malformed requests changed nothing: dumps identical")


def unprivileged(c, sock, m):
    before = state(c)
    ok = t.ok
    m("flush", pre=["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                    "--inh-caps=-all"])
    ok(m.rc == 1 and "Permission denied" in m.err,
       "uid 65534: the 0600 socket cannot be opened (Permission denied)", m.diag())
    # A peer that got in anyway (CAP_DAC_OVERRIDE through fsuid 0): its
    # credentials say uid 65534, so every request is refused.
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        res = []
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            os.setegid(65534)
            os.seteuid(65534)
            libc.setfsuid(0)
            cc = nl.Conn(sock)
            for cmd, payload, flags in [
                    (nl.CMD_FLUSH, b"", nl.F_REQUEST | nl.F_ACK),
                    (nl.CMD_GROUP_DEL, nl.nest(nl.A_GROUP, nl.u32(nl.G_ID, 5)),
                     nl.F_REQUEST | nl.F_ACK),
                    (nl.CMD_GROUP_GET, b"", nl.F_REQUEST | nl.F_DUMP),
                    (nl.CMD_STATS_GET, b"", nl.F_REQUEST),
                    (nl.CMD_EVENT, b"", nl.F_REQUEST | nl.F_ACK)]:
                rs = cc.request(cmd, payload, flags=flags)
                res.append([(x.type, x.error) for x in rs])
        except Exception as e:  # noqa: BLE001
            res.append(repr(e))
        os.write(w, json.dumps(res).encode())
        os._exit(0)
    os.close(w)
    data = b""
    while True:
        chunk = os.read(r, 65536)
        if not chunk:
            break
        data += chunk
    os.waitpid(pid, 0)
    res = json.loads(data or b"[]")
    ok(len(res) == 5 and all(x == [[nl.NLMSG_ERROR, -errno.EPERM]] for x in res),
       "euid 65534 connected with CAP_DAC_OVERRIDE: EPERM for flush, del, dump, stats, "
       "events", repr(res))
    ok(state(c) == before, "the unprivileged peers changed nothing: dumps identical")


def many_groups(m, wd):
    """The table full: 1024 groups (dumps span many packets), one more refused."""
    ok = t.ok
    path = os.path.join(wd, "many.conf")
    with open(path, "w") as f:
        for i in range(1024):
            f.write("group add 239.100.%d.%d port 9 dir encrypt format esp-tunnel\n" %
                    (i // 256, i % 256))
    # As in mcsec.ko: ESP decrypt groups of one address differ by port or
    # source and their SPIs tell them apart (test_dpdk_match has traffic).
    ok(m("flush") and
       m("group", "add", "ff3e::1", "port", "6000", "dir", "decrypt", "format", "esp-tunnel") and
       m("group", "add", "ff3e::1", "port", "6001", "dir", "decrypt", "format", "esp-tunnel") and
       len(m.json("group", "show") or []) == 2,
       "two ESP decrypt groups on one address (two ports) side by side", m.diag())
    ok(m("flush") and m("setconf", path), "1024 groups added with setconf", m.diag())
    j = m.json("group", "show")
    ok(j is not None and len(j) == 1024 and
       [g["group"] for g in j] == ["239.100.%d.%d" % (i // 256, i % 256) for i in range(1024)],
       "group show: all 1024, in ID order (a dump of many packets)",
       "got %s" % (len(j) if j is not None else m.diag()))
    ok(m.expect(1, "No space left on device: the appliance holds 1024 groups already",
                "group", "add", "239.101.0.1", "port", "9", "dir", "encrypt", "format",
                "esp-tunnel"), "the 1025th group is refused: ENOSPC with a message", m.diag())
    ok(m("flush") and m.json("group", "show") == [], "flush empties the full table", m.diag())


def overrun(m, wd):
    """A subscriber that falls behind learns it lost events (ENOBUFS)."""
    ok = t.ok
    n = 300
    key = m.key("239.1.1.1_5000_encrypt_0x00001000.key")
    path = os.path.join(wd, "overrun.conf")
    with open(path, "w") as f:
        for i in range(n):
            a = "239.50.%d.%d" % (i // 256, i % 256)
            f.write("group add %s port 9 dir encrypt format esp-tunnel\n" % a)
            f.write("sa add %s port 9 spi 0x100 suite aes128-gcm lifetime soft seconds 1 hard seconds 2 "
                    "key-file %s\n" % (a, key))
    env = dict(os.environ, MCSEC_DPDK_SOCKET=m.sock)
    evf = open(os.path.join(wd, "overrun.events"), "w+")
    mon = subprocess.Popen([CTL, "-j", "monitor"], stdout=evf, stderr=subprocess.STDOUT,
                           env=env)
    try:
        time.sleep(1)
        os.kill(mon.pid, signal.SIGSTOP)      # subscribed, and reads no more
        ok(m("setconf", path), "%d SAs that expire in 1 and 2 s added" % n, m.diag())
        time.sleep(4)                         # 2n events, far more than a socket holds
        os.kill(mon.pid, signal.SIGCONT)
        time.sleep(1)
        m("sa", "add", "239.50.200.1", "port", "9", "spi", "0x100", "suite", "aes128-gcm", "lifetime", "soft",
          "seconds", "1", "hard", "seconds", "2", "key-file", key) if m(
            "group", "add", "239.50.200.1", "port", "9", "dir", "encrypt", "format",
            "esp-tunnel") else None
        time.sleep(3.5)
    finally:
        os.kill(mon.pid, signal.SIGCONT)
        mon.terminate()
        mon.wait()
    evf.seek(0)
    text = evf.read()
    try:
        ev = [json.loads(line) for line in text.splitlines()]
    except ValueError:
        ev = []
    kinds = [e.get("event") for e in ev]
    lost = [i for i, k in enumerate(kinds) if k == "events-lost"]
    ok(len(lost) == 1 and 0 < lost[0] < 2 * n and
       all(k in ("soft-expire", "hard-expire") for k in kinds[:lost[0]]),
       "monitor: the events that fit (%s of %d), then one events-lost" %
       (lost[0] if lost else "?", 2 * n), text[-2000:])
    ok(lost and [(e.get("event"), e.get("group")) for e in ev[lost[0] + 1:]] ==
       [("soft-expire", "239.50.200.1"), ("hard-expire", "239.50.200.1")],
       "monitor: after events-lost, later events arrive again", text[-2000:])
    ok(m("flush"), "flush after the overrun", m.diag())


def telemetry(app, m):
    ok = t.ok
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.settimeout(5)
        s.connect(app.telemetry_path())
        json.loads(s.recv(4096))

        def q(cmd):
            s.send(cmd.encode())
            return json.loads(s.recv(1 << 16))
        st = q("/mcsec/stats")["/mcsec/stats"]
        groups = q("/mcsec/groups")["/mcsec/groups"]
        one = q("/mcsec/group,%d" % groups[0])["/mcsec/group"] if groups else None
    except (OSError, ValueError) as e:
        ok(False, "telemetry answers", repr(e))
        return
    j = m.json("stats")
    ok(j and st == {k.replace("-", "_"): v for k, v in j.items()},
       "telemetry /mcsec/stats: mcsecctl's counters, the same values", repr(st))
    ids = [g["id"] for g in m.json("group", "show")]
    ok(groups == ids, "telemetry /mcsec/groups: the group IDs", repr((groups, ids)))
    ok(one and one["id"] == ids[0] and one["name"] == "239.1.1.1:5000 encrypt esp-tunnel" and
       one["out_pkts_protected"] == 0 and len(one) == 26,
       "telemetry /mcsec/group,ID: name and 24 counters", repr(one))


def main():
    with mcdtest.tmpdir() as wd:
        keydir = os.path.join(wd, "keys")
        os.mkdir(keydir)
        for name, hexkey in KEYS.items():
            with open(os.path.join(keydir, name), "w") as f:
                f.write("# test key\n%s\n" % hexkey)
        app = mcdtest.Appliance(DPDK, wd, ["net_null0,no-rx=1"], ["0:both"],
                                telemetry=True)
        t.ok(app.alive() and oct(os.stat(app.ctl).st_mode & 0o777) == "0o600",
             "the appliance serves its control socket, mode 0600")
        m = Ctl(app.ctl, keydir)
        mcsecctl_forms(m)
        c = nl.Conn(app.ctl)
        malformed(c)
        unprivileged(c, app.ctl, m)
        telemetry(app, m)
        overrun(m, wd)
        many_groups(m, wd)
        c.close()
        alive = app.alive()
        t.ok(alive, "the appliance is still running",
             None if alive else app.stop()[2][-3000:])
        rc, out, err = app.stop()
        t.ok(rc == 0 and not os.path.exists(app.ctl),
             "SIGTERM: exit 0, the socket removed", "rc %d\n%s\n%s" % (rc, out, err[-3000:]))
    t.done()


main()
