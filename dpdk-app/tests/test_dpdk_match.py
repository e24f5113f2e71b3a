#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
"""mcsec-dpdk's groups that differ only by source, matched by mcsec.ko's
rule (kmod/group.c mcsec_score: source before port, the most specific
group wins): (S,G,port) > (S,G,any port) > (*,G,port) > (*,G,any port).
Four ESP encrypt groups on one address, one SA (SPI) each; a burst of
packets from three sources to two ports; the SPI on the wire says which
group took each packet. Then, while the appliance runs, the two
source-specific groups are deleted through the control socket (unlinked
from the middle of their chains under traffic) and the same burst goes to
the groups for any source. The pcap comes from a FIFO, so bursts follow
the control requests. The control socket and the input interface: iif is
refused with a message that says why (docs/mcsec-dpdk.md).
usage: test_dpdk_match.py MCSEC_DPDK MCSECCTL
"""

import os
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mcdtest import Tap, Appliance, read_frames, tmpdir, write_key  # noqa: E402
from scapy.all import Ether, IP, UDP, Raw, raw  # noqa: E402
from scapy.layers.ipsec import ESP  # noqa: E402

tap = Tap()
DPDK, CTL = sys.argv[1], sys.argv[2]
G = "239.1.2.3"
S1, S2, S3 = "192.0.2.10", "192.0.2.20", "192.0.2.30"


def pkt(src, dport, i):
    return raw(Ether(src="02:00:5e:00:00:01", dst="01:00:5e:01:02:03") /
               IP(src=src, dst=G, id=i) / UDP(sport=4000, dport=dport) / Raw(bytes([i]) * 40))


FILLER = raw(Ether(dst="01:00:5e:09:09:09") / IP(src=S1, dst="239.9.9.9") /
             UDP(dport=9) / Raw(b"other"))
TEST = [pkt(S1, 5004, 1), pkt(S2, 5004, 2), pkt(S3, 5004, 3), pkt(S1, 6000, 4),
        pkt(S2, 6000, 5)]


def records(frames, sec):
    return b"".join(struct.pack("<IIII", sec, i, len(f), len(f)) + f
                    for i, f in enumerate(frames))


def burst(frames):
    """A whole burst of 32: net_pcap reads until it has one."""
    return frames + [FILLER] * (32 - len(frames))


def ctl(sock, *args):
    return subprocess.run([CTL, "--dpdk", sock] + list(args), capture_output=True,
                          text=True, timeout=30)


with tmpdir() as d:
    for spi in (1, 2, 3, 4):
        write_key(d, "k%d.hex" % spi, bytes([spi]) * 16 + b"salt")
    conf = os.path.join(d, "match.conf")
    with open(conf, "w") as f:
        f.write("group %s:5004 encrypt esp-tunnel source %s\nsa spi 1 key-file k1.hex\n"
                "group %s:5004 encrypt esp-tunnel\nsa spi 2 key-file k2.hex\n"
                "group %s encrypt esp-tunnel source %s\nsa spi 3 key-file k3.hex\n"
                "group %s encrypt esp-tunnel\nsa spi 4 key-file k4.hex\n"
                % (G, S1, G, G, S2, G))
    fifo, outp = os.path.join(d, "in.fifo"), os.path.join(d, "out.pcap")
    os.mkfifo(fifo)
    box = {}

    def opener():
        w = open(fifo, "wb", buffering=0)
        w.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        box["w"] = w

    th = threading.Thread(target=opener)
    th.start()
    app = Appliance(DPDK, d, ["net_pcap0,rx_pcap=%s,tx_pcap=%s" % (fifo, outp)],
                    ["0:encrypt"], extra=["--config", conf])
    th.join(timeout=30)
    w = box["w"]
    dels = []
    try:
        w.write(records(burst(TEST), 1))
        time.sleep(0.5)
        r = ctl(app.ctl, "group", "add", G, "port", "5004", "iif", "lo", "dir", "encrypt",
                "format", "esp-tunnel")
        tap.ok(r.returncode == 1 and "input interface" in r.stderr,
               "iif refused, the appliance says why", r.stderr)
        # Each delete waits for the worker's quiescent state, which it
        # reports after a burst: one burst of filler each.
        for sel in (("port", "5004", "src", S1), ("port", "0", "src", S2)):
            p = subprocess.Popen([CTL, "--dpdk", app.ctl, "group", "del", G] + list(sel),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            time.sleep(0.3)
            w.write(records(burst([]), 2))
            out, err = p.communicate(timeout=30)
            dels.append((p.returncode, err))
        w.write(records(burst(TEST), 3))
        time.sleep(0.5)
        shown = ctl(app.ctl, "group", "show").stdout
    finally:
        w.close()
        rc, out, err = app.stop()
    tap.ok(all(c == 0 for c, _ in dels), "the two source-specific groups deleted under traffic",
           repr(dels))
    tap.ok(shown.count("group %s" % G) == 2 and "src" not in shown,
           "group show: the two for any source remain", shown)
    spis = [ESP in Ether(f) and Ether(f)[ESP].spi for f in read_frames(outp) or []]
    spis = [s for s in spis if s]
    tap.ok(spis[:5] == [1, 3, 2, 4, 3],
           "(S,G,port) > (S,G,*) > (*,G,port) > (*,G,*): SPIs 1 3 2 4 3", repr(spis))
    tap.ok(spis[5:] == [2, 2, 2, 4, 4],
           "after deleting the (S,G) groups: (*,G,port) and (*,G,*) take their packets",
           repr(spis))
    tap.ok(rc == 0, "the appliance exits 0", err[-2000:])
tap.done()
