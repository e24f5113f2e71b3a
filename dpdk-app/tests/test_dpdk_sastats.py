#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
"""mcsec-dpdk's per-SA counters (MCSEC_SA_A_STATS in SA dumps, as mcsec.ko
sends them), read with `mcsecctl --dpdk SOCKET -s sa show` after a known
stream (pcap in through net_pcap, a configuration file and the control
socket both):
  - ESP encrypt: the active SA gets every packet it protected (packets and
    the bytes before protection), the inactive one nothing;
  - ESP decrypt, two SAs: in-pkts-ok and in-octets-ok per SA, replayed and
    tampered packets on the SA they claimed, an unknown SPI on the group
    only;
  - TS scramble and descramble: the datagrams and their TS packets against
    the control word they used;
  - each group's counters are its SAs' plus what no SA can be blamed for,
    and every SA dump has all 24 counters (text and JSON).
Needs root (the control socket's peer check).
usage: test_dpdk_sastats.py MCSEC_DPDK MCSECCTL
"""

import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mcdtest import Tap, Appliance, run_dpdk, tmpdir, write_key  # noqa: E402
from scapy.all import Ether, IP, UDP, Raw, raw, wrpcap  # noqa: E402

tap = Tap()
DPDK, CTL = sys.argv[1], sys.argv[2]
GE, GD, GT, GU, PORT = "239.1.2.3", "239.1.2.4", "239.1.2.5", "239.1.2.6", 5004
KA, KB, KC = bytes(range(16)) + b"salA", bytes(range(1, 17)) + b"salB", bytes(range(2, 18)) + b"salC"
CW_E, CW_O = bytes(range(16, 32)), bytes(range(32, 48))


def clear(dst, i, size):
    return raw(Ether(src="02:00:5e:00:00:01", dst="01:00:5e:01:02:03") /
               IP(src="192.0.2.10", dst=dst, id=i) / UDP(sport=4000, dport=PORT) /
               Raw(bytes([i]) * size))


def ts_dgram(dst, i, npk=7):
    pl = b"".join(bytes([0x47, 0x01, 0x00, 0x10 | (k & 15)]) + bytes([i + k]) * 184
                  for k in range(npk))
    return raw(Ether(src="02:00:5e:00:00:01", dst="01:00:5e:01:02:03") /
               IP(src="192.0.2.10", dst=dst, id=i) / UDP(sport=4000, dport=PORT) / Raw(pl))


def iplen(f):
    return len(f) - 14


def encrypt(d, spi, key, frames):
    kf = write_key(d, "e%x.hex" % spi, key)
    r = run_dpdk(DPDK, d, "group %s:%d encrypt esp-tunnel\nsa spi %d key-file %s\n"
                 % (GD, PORT, spi, kf), frames, "0:encrypt")
    assert r.rc == 0 and len(r.frames) == len(frames), r
    return r.frames


def scramble(d, parity, key, frames):
    kf = write_key(d, "cw%s.hex" % parity, key)
    r = run_dpdk(DPDK, d, "group %s:%d encrypt ts-cissa parity %s\nsa parity %s key-file %s\n"
                 % (GU, PORT, parity, parity, kf), frames, "0:encrypt")
    assert r.rc == 0 and len(r.frames) == len(frames), r
    return r.frames


def ctl(sock, *args):
    p = subprocess.run([CTL, "--dpdk", sock] + list(args), capture_output=True,
                       timeout=30)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def check(name, got, want):
    """got: the SA's JSON counters; want: the non-zero ones."""
    bad = {k: (v, want.get(k, 0)) for k, v in got.items() if v != want.get(k, 0)}
    tap.ok(got and len(got) == 24 and not bad and set(want) <= set(got),
           "%s: counters exact %s" % (name, want), "differ (got, want): %r\n%r" % (bad, got))


with tmpdir() as d:
    # The stream, made by the appliance itself beforehand.
    ea = encrypt(d, 0xa, KA, [clear(GD, i, 100 + i) for i in range(6)])
    eb = encrypt(d, 0xb, KB, [clear(GD, 20 + i, 50) for i in range(4)])
    bad_tag = bytearray(ea[4])      # before the genuine one: it fails its tag
    bad_tag[-1] ^= 1
    ts_even = scramble(d, "even", CW_E, [ts_dgram(GU, i) for i in range(3)])
    ts_odd = scramble(d, "odd", CW_O, [ts_dgram(GU, 10 + i, 5) for i in range(2)])
    enc_in = [clear(GE, i, 200 + 10 * i) for i in range(5)]
    ts_in = [ts_dgram(GT, i) for i in range(4)]
    unknown = bytearray(eb[0])
    unknown[34:38] = (0xc).to_bytes(4, "big")
    # ea[1] and ea[5] come twice (replayed), a tampered ea[4] before ea[4].
    frames = (enc_in[:2] + ea[:4] + [ea[1], bytes(bad_tag)] + eb + ts_in + ea[4:] +
              [bytes(unknown), ea[5]] + enc_in[2:] + ts_even + ts_odd)
    for n, k in (("ka", KA), ("kb", KB), ("kc", KC), ("k1", KA), ("k2", KB),
                 ("te", CW_E), ("to", CW_O)):
        write_key(d, n + ".hex", k)
    conf = os.path.join(d, "sastats.conf")
    with open(conf, "w") as f:
        f.write("group %s:%d encrypt esp-tunnel\n"
                "sa spi 0x10 key-file k1.hex seq 7 active\n"
                "sa spi 0x11 key-file k2.hex\n"
                "group %s:%d decrypt esp-tunnel\n"
                "sa spi 0xa key-file ka.hex replay-window 64\n"
                "sa spi 0xb key-file kb.hex\n"
                "group %s:%d encrypt ts-cissa parity odd\n"
                "sa parity even key-file te.hex\n"
                "sa parity odd key-file to.hex\n"
                "group %s:%d decrypt ts-cissa\n"
                "sa parity even key-file te.hex\n"
                "sa parity odd key-file to.hex\n" % (GE, PORT, GD, PORT, GT, PORT, GU, PORT))
    inp, outp = os.path.join(d, "s_in.pcap"), os.path.join(d, "s_out.pcap")
    wrpcap(inp, [Ether(f) for f in frames])
    app = Appliance(DPDK, d, ["net_pcap0,rx_pcap=%s,tx_pcap=%s" % (inp, outp)],
                    ["0:both"], extra=["--config", conf])
    # The pcap is read at start; wait until the group counters have it all.
    total = len(frames)
    for _ in range(100):
        rc, out, err = ctl(app.ctl, "-j", "stats")
        try:
            st = json.loads(out)
        except ValueError:
            st = {}
        if sum(st.get(k, 0) for k in ("out-pkts-protected", "in-pkts-ok", "in-pkts-replayed",
                                      "in-pkts-auth-failed", "in-pkts-no-sa")) >= total:
            break
        time.sleep(0.1)
    rc, out, err = ctl(app.ctl, "-j", "-s", "sa", "show")
    try:
        sas = json.loads(out)
    except ValueError:
        sas = []
    tap.ok(rc == 0 and len(sas) == 8, "mcsecctl --dpdk -j -s sa show: 8 SAs", out + err)
    by = {}
    for s in sas:
        by[(s.get("group"), s.get("spi", s.get("parity")))] = s.get("stats", {})

    o = sum(iplen(f) for f in enc_in)
    check("encrypt SA 0x10 (active)", by.get((GE, 0x10), {}),
          {"out-pkts-protected": 5, "out-octets-protected": o})
    check("encrypt SA 0x11 (not active)", by.get((GE, 0x11), {}), {})
    # Inner IP packets: what decryption leaves.
    check("decrypt SA 0xa", by.get((GD, 0xa), {}),
          {"in-pkts-ok": 6, "in-octets-ok": sum(28 + 100 + i for i in range(6)),
           "in-pkts-replayed": 2, "in-pkts-auth-failed": 1})
    check("decrypt SA 0xb", by.get((GD, 0xb), {}),
          {"in-pkts-ok": 4, "in-octets-ok": 4 * (28 + 50)})
    check("scramble SA odd (sending)", by.get((GT, "odd"), {}),
          {"out-pkts-protected": 4, "out-octets-protected": sum(iplen(f) for f in ts_in),
           "ts-pkts-scrambled": 28})
    check("scramble SA even (not sending)", by.get((GT, "even"), {}), {})
    check("descramble SA even", by.get((GU, "even"), {}),
          {"in-pkts-ok": 3, "in-octets-ok": sum(iplen(f) for f in ts_even),
           "ts-pkts-descrambled": 21})
    check("descramble SA odd", by.get((GU, "odd"), {}),
          {"in-pkts-ok": 2, "in-octets-ok": sum(iplen(f) for f in ts_odd),
           "ts-pkts-descrambled": 10})

    rc, out, err = ctl(app.ctl, "-j", "-s", "group", "show")
    try:
        groups = {g["group"]: g.get("stats", {}) for g in json.loads(out)}
    except ValueError:
        groups = {}
    gd = groups.get(GD, {})
    tap.ok(gd.get("in-pkts-no-sa") == 1 and
           all(gd.get(k, 0) == by[(GD, 0xa)].get(k, 0) + by[(GD, 0xb)].get(k, 0)
               for k in gd if k != "in-pkts-no-sa"),
           "the decrypt group's counters: its SAs' sum, plus the unknown SPI", repr(gd))
    ok = True
    for g, sp in ((GE, (0x10, 0x11)), (GT, ("even", "odd")), (GU, ("even", "odd"))):
        ok &= all(groups.get(g, {}).get(k, 0) == sum(by[(g, x)].get(k, 0) for x in sp)
                  for k in groups.get(g, {}))
    tap.ok(ok and groups, "the other groups' counters: their SAs' sums", repr(groups))
    rc, out, err = ctl(app.ctl, "-s", "sa", "show", GD, "port", str(PORT))
    tap.ok(rc == 0 and out.count("in-pkts-ok ") == 2 and "in-pkts-replayed 2" in out and
           "in-pkts-auth-failed 1" in out,
           "mcsecctl --dpdk -s sa show (text): the counters under each SA", out + err)
    rc, out, err = app.stop()
    tap.ok(rc == 0, "the appliance exits 0", err[-2000:])
tap.done()
