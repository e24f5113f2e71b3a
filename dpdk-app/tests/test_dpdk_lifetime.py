#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
"""mcsec-dpdk enforces SA lifetimes in packets and bytes exactly, as
mcsec.ko does (the packet that reaches a hard limit is the last one the SA
carries, the next is dropped as no-sa), within one burst and for ESP and TS
(scrambler and descrambler, per control word); and sends soft before hard
expiry events when one burst crosses both.
  - limits in the configuration file (soft-/hard-packets, -bytes), pcap in
    and out (net_pcap): exact protected / ok / no-sa counts, the frames
    that went out byte-identical to an unlimited run's first ones;
  - events: the pcap read from a FIFO, so that `mcsecctl monitor --dpdk`
    subscribes before the traffic starts.
usage: test_dpdk_lifetime.py MCSEC_DPDK MCSECCTL
"""

import json
import os
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mcdtest import Tap, fifo_appliance, run_dpdk, tmpdir, write_key  # noqa: E402
from scapy.all import Ether, IP, UDP, Raw, raw  # noqa: E402

tap = Tap()
DPDK, CTL = sys.argv[1], sys.argv[2]
G, PORT = "239.1.2.3", 5004
KEY = bytes(range(16)) + b"salt"
CW_E, CW_O = bytes(range(16, 32)), bytes(range(32, 48))


def clear(i, size):
    return raw(Ether(src="02:00:5e:00:00:01", dst="01:00:5e:01:02:03") /
               IP(src="192.0.2.10", dst=G, id=i) / UDP(sport=4000, dport=PORT) /
               Raw(bytes([i]) * size))


def ts_dgram(i):
    pl = b"".join(bytes([0x47, 0x01, 0x00, 0x10 | (k & 15)]) + bytes([i + k]) * 184
                  for k in range(7))
    return raw(Ether(src="02:00:5e:00:00:01", dst="01:00:5e:01:02:03") /
               IP(src="192.0.2.10", dst=G, id=i) / UDP(sport=4000, dport=PORT) / Raw(pl))


def iplen(f):
    return len(f) - 14


def esp(d, mode, extra, frames, what="encrypt"):
    return run_dpdk(DPDK, d, "group %s:%d %s esp-tunnel\nsa spi 0x10 key-file k.hex %s\n"
                    % (G, PORT, what, extra), frames, "0:" + what)


def ts(d, what, sa_lines, frames, parity="even"):
    conf = "group %s:%d %s ts-cissa%s\n" % (G, PORT, what,
                                            " parity " + parity if what == "encrypt" else "")
    return run_dpdk(DPDK, d, conf + sa_lines, frames, "0:" + what)


with tmpdir() as d:
    write_key(d, "k.hex", KEY)
    write_key(d, "e.hex", CW_E)
    write_key(d, "o.hex", CW_O)
    frames = [clear(i, 100 + 10 * i) for i in range(20)]
    full = esp(d, "tunnel", "", frames)
    assert full.rc == 0 and len(full.frames) == 20, full

    r = esp(d, "tunnel", "hard-packets 5", frames)
    tap.ok(r.rc == 0 and r.g("out-pkts-protected") == 5 and r.g("out-pkts-no-sa") == 15 and
           r.frames == full.frames[:5],
           "ESP encrypt, hard-packets 5, 20 packets in one burst: the first 5 go "
           "(byte-identical, seq 1..5), 15 no-sa", r)
    b3 = sum(iplen(f) for f in frames[:3])
    r = esp(d, "tunnel", "hard-bytes %d" % b3, frames)
    tap.ok(r.rc == 0 and r.g("out-pkts-protected") == 3 and r.g("out-pkts-no-sa") == 17 and
           r.frames == full.frames[:3],
           "ESP encrypt, hard-bytes = 3 packets' bytes exactly: 3 go", r)
    r = esp(d, "tunnel", "hard-bytes %d" % (b3 - 1), frames)
    tap.ok(r.rc == 0 and r.g("out-pkts-protected") == 2 and r.frames == full.frames[:2],
           "ESP encrypt, hard-bytes one short of 3 packets: 2 go", r)
    r = esp(d, "tunnel", "soft-packets 3 hard-packets 1000", frames)
    tap.ok(r.rc == 0 and r.g("out-pkts-protected") == 20 and r.frames == full.frames,
           "ESP encrypt, a soft limit only warns: all 20 go", r)

    # Decrypt: the ESP packet's own bytes count, before it is opened.
    r = esp(d, "tunnel", "hard-packets 4", full.frames, "decrypt")
    tap.ok(r.rc == 0 and r.g("in-pkts-ok") == 4 and r.g("in-pkts-no-sa") == 16 and
           r.frames == frames[:4],
           "ESP decrypt, hard-packets 4: 4 opened, 16 no-sa", r)
    b2 = sum(iplen(f) for f in full.frames[:2])
    r = esp(d, "tunnel", "hard-bytes %d" % b2, full.frames, "decrypt")
    tap.ok(r.rc == 0 and r.g("in-pkts-ok") == 2 and r.g("in-pkts-no-sa") == 18,
           "ESP decrypt, hard-bytes = 2 ESP packets' bytes: 2 opened", r)

    # TS: a datagram's UDP payload counts, against the word it uses.
    tsf = [ts_dgram(i) for i in range(8)]
    fe = ts(d, "encrypt", "sa parity even key-file e.hex\n", tsf)
    assert fe.rc == 0 and len(fe.frames) == 8, fe
    r = ts(d, "encrypt", "sa parity even key-file e.hex hard-packets 3\n", tsf)
    tap.ok(r.rc == 0 and r.g("out-pkts-protected") == 3 and r.g("out-pkts-no-sa") == 5 and
           r.frames == fe.frames[:3],
           "TS scramble, hard-packets 3 (a TS key lifetime in packets): 3 datagrams, 5 no-sa", r)
    r = ts(d, "encrypt", "sa parity even key-file e.hex hard-bytes %d\n" % (2 * 7 * 188), tsf)
    tap.ok(r.rc == 0 and r.g("out-pkts-protected") == 2 and r.g("out-pkts-no-sa") == 6,
           "TS scramble, hard-bytes = 2 datagrams' payload: 2 go", r)
    fo = ts(d, "encrypt", "sa parity odd key-file o.hex\n", tsf[4:], "odd")
    mixed = fe.frames[:4] + fo.frames
    r = ts(d, "decrypt", "sa parity even key-file e.hex hard-packets 2\n"
           "sa parity odd key-file o.hex\n", mixed)
    tap.ok(r.rc == 0 and r.g("in-pkts-ok") == 6 and r.g("in-pkts-no-sa") == 2 and
           r.frames == tsf[:2] + tsf[4:],
           "TS descramble, even word hard-packets 2: 2 even and 4 odd datagrams opened, "
           "2 no-sa", r)

    # Events: one burst crosses soft and hard; the monitor subscribed first.
    outp = os.path.join(d, "ev_out.pcap")
    conf = os.path.join(d, "ev.conf")
    with open(conf, "w") as f:
        f.write("group %s:%d encrypt esp-tunnel\nsa spi 0x10 key-file k.hex "
                "soft-packets 3 hard-packets 5\n" % (G, PORT))
    # The records follow once the monitor is subscribed.
    app, w = fifo_appliance(DPDK, d, conf, "0:encrypt", outp)
    evf = open(os.path.join(d, "events"), "w+")
    mon = subprocess.Popen([CTL, "--dpdk", app.ctl, "-j", "monitor"], stdout=evf,
                           stderr=subprocess.STDOUT)
    try:
        time.sleep(1)
        if w:
            # A whole burst (32): net_pcap reads until it has one, and
            # would wait on the FIFO for the rest.
            filler = [raw(Ether(dst="01:00:5e:09:09:09") / IP(src="192.0.2.10", dst="239.9.9.9") /
                          UDP(dport=PORT) / Raw(b"other"))] * 12
            w.write(b"".join(struct.pack("<IIII", 1, i, len(f), len(f)) + f
                             for i, f in enumerate(frames + filler)))
            # The worker now waits in the FIFO's read, inside its loop: a
            # second burst lets it report the quiescent state the SA's
            # removal waits for (a NIC's rx never blocks).
            time.sleep(0.5)
            w.write(b"".join(struct.pack("<IIII", 2, i, len(f), len(f)) + f
                             for i, f in enumerate(filler * 3)))
        time.sleep(1.5)
    finally:
        mon.terminate()
        mon.wait()
        if w:
            w.close()
        rc, out, err = app.stop()
    evf.seek(0)
    text = evf.read()
    try:
        ev = [json.loads(line) for line in text.splitlines()]
    except ValueError:
        ev = []
    tap.ok([(e.get("event"), e.get("limit"), e.get("spi")) for e in ev] ==
           [("soft-expire", "packets", 0x10), ("hard-expire", "packets", 0x10)],
           "one burst crossing soft and hard: soft-expire, then hard-expire (packets)",
           text + out + err[-1000:])
    tap.ok(rc == 0 and "out-pkts-protected 5\n" in out and "out-pkts-no-sa 15\n" in out,
           "and exactly 5 of its 20 packets went", out + err[-1000:])
tap.done()
