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
refused with a message that says why (docs/mcsec-dpdk.md). Then ESP
decrypt groups of one address for one source and for any (two ports):
source and SPI pick the group, as in mcsec.ko; one SPI in two of them is
refused, from a configuration file and the control socket alike.
usage: test_dpdk_match.py MCSEC_DPDK MCSECCTL
"""

import os
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mcdtest import Tap, Appliance, fifo_appliance, read_frames, run_dpdk, tmpdir, write_key  # noqa: E402
from scapy.all import Ether, IP, UDP, Raw, raw  # noqa: E402
from scapy.layers.ipsec import ESP, SecurityAssociation  # noqa: E402

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


def fifo_app(d, conf, port):
    """(appliance, FIFO writer, output pcap) for this configuration."""
    outp = os.path.join(d, "out.pcap")
    app, w = fifo_appliance(DPDK, d, conf, port, outp)
    return app, w, outp


def del_under_traffic(app, w, sel):
    """Deletes a group while bursts flow: the delete waits for the worker's
    quiescent state, which it reports after a burst (of filler)."""
    p = subprocess.Popen([CTL, "--dpdk", app.ctl, "group", "del"] + list(sel),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.3)
    w.write(records(burst([]), 2))
    out, err = p.communicate(timeout=30)
    return p.returncode, err


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
    app, w, outp = fifo_app(d, conf, "0:encrypt")
    dels = []
    try:
        w.write(records(burst(TEST), 1))
        time.sleep(0.5)
        r = ctl(app.ctl, "group", "add", G, "port", "5004", "iif", "lo", "dir", "encrypt",
                "format", "esp-tunnel")
        tap.ok(r.returncode == 1 and "input interface" in r.stderr,
               "iif refused, the appliance says why", r.stderr)
        for sel in (("port", "5004", "src", S1), ("port", "0", "src", S2)):
            dels.append(del_under_traffic(app, w, [G] + list(sel)))
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

# ESP decrypt groups of one address, told apart by source and SPI as
# mcsec.ko's mcsec_lookup_esp does: among the groups whose source matches
# the packet's, the one holding its SPI takes it; none does: in-pkts-no-sa
# of the most specific one. An SPI names one SA among them all.
G2 = "239.1.2.4"
K = {spi: bytes([spi]) * 16 + b"salt" for spi in (0x11, 0x22, 0x33, 0x44)}


def esp_in(src, spi, i, seq=1):
    inner = IP(src=src, dst=G2, ttl=8, id=i) / UDP(sport=4000, dport=5004) / \
        Raw(bytes([i]) * 40)
    sa = SecurityAssociation(ESP, spi=spi, crypt_algo="AES-GCM", crypt_key=K[spi],
                             esn_en=True, esn=0, seq_num=seq,
                             tunnel_header=IP(src=src, dst=G2, ttl=8))
    frame = raw(Ether(src="02:00:5e:00:00:01", dst="01:00:5e:01:02:04") /
                sa.encrypt(inner))
    return frame, raw(inner)


with tmpdir() as d:
    for spi in K:
        write_key(d, "k%x.hex" % spi, K[spi])
    conf = ("group %s decrypt esp-tunnel source %s\nsa spi 0x11 key-file k11.hex\n"
            "group %s decrypt esp-tunnel\nsa spi 0x22 key-file k22.hex\n"
            "group %s:6000 decrypt esp-tunnel\nsa spi 0x33 key-file k33.hex\n"
            % (G2, S1, G2, G2))
    cases = [esp_in(S1, 0x11, 1),    # (S1,G): its SPI
             esp_in(S2, 0x11, 2),    # not S1's group: no such SPI for S2
             esp_in(S1, 0x22, 3),    # S1's group lacks it, (*,G) has it
             esp_in(S2, 0x33, 4),    # the (*,G) group of port 6000
             esp_in(S3, 0x44, 5)]    # nobody's SPI
    r = run_dpdk(DPDK, d, conf, [f for f, _ in cases], "0:decrypt")
    tap.ok(r.rc == 0 and [f[14:] for f in r.frames] ==
           [cases[0][1], cases[2][1], cases[3][1]],
           "ESP (S,G) and (*,G) decrypt groups: the packets whose source and SPI "
           "name an SA come out decrypted, in order", r)
    tap.ok(r.g("in-pkts-ok", 1) == 1 and r.g("in-pkts-ok", 2) == 1 and
           r.g("in-pkts-ok", 3) == 1 and r.g("in-pkts-no-sa", 2) == 2 and
           not r.g("in-pkts-no-sa", 1) and not r.g("in-pkts-no-sa", 3),
           "each taken by the group holding its SPI among those of its source; "
           "the rest in-pkts-no-sa of the first whose source matches", r)
    r = run_dpdk(DPDK, d, "group %s decrypt esp-tunnel source %s\nsa spi 0x11 key-file k11.hex\n"
                 "group %s decrypt esp-tunnel\nsa spi 0x11 key-file k11.hex\n" % (G2, S1, G2),
                 [cases[0][0]], "0:decrypt")
    tap.ok(r.rc == 2 and "SPI 0x11" in r.err,
           "configuration: one SPI in two decrypt groups of an address refused", r)
    with open(os.path.join(d, "two.conf"), "w") as f:
        f.write(conf)
    app = Appliance(DPDK, d, ["net_null0"], ["0:decrypt"],
                    extra=["--config", os.path.join(d, "two.conf")])
    try:
        r = ctl(app.ctl, "sa", "add", G2, "port", "0", "dir", "decrypt", "spi", "0x11", "suite",
                "aes128-gcm", "key-file", os.path.join(d, "k11.hex"))
        again = ctl(app.ctl, "sa", "add", G2, "port", "6000", "dir", "decrypt", "spi",
                    "0x44", "suite", "aes128-gcm", "key-file", os.path.join(d, "k44.hex"))
    finally:
        arc, _, aerr = app.stop()
    tap.ok(r.returncode == 1 and "another decrypt group of this address has an SA with "
           "this SPI" in r.stderr and again.returncode == 0,
           "control socket: the same, with mcsec.ko's message; a fresh SPI is taken",
           r.stderr + again.stderr)
    tap.ok(arc == 0, "the appliance exits 0", aerr[-2000:])

# Required ESP decrypt groups for two sources on one address and port:
# each claims its source's cleartext (in-pkts-cleartext), another source's
# passes unclaimed, as in mcsec.ko, before and after one of them goes.
with tmpdir() as d:
    for spi in K:
        write_key(d, "k%x.hex" % spi, K[spi])
    conf = os.path.join(d, "req.conf")
    with open(conf, "w") as f:
        f.write("group %s:5004 decrypt esp-tunnel source %s required\nsa spi 0x11 key-file k11.hex\n"
                "group %s:5004 decrypt esp-tunnel source %s required\nsa spi 0x22 key-file k22.hex\n"
                % (G2, S1, G2, S2))

    def plain(src, i):
        return raw(Ether(src="02:00:5e:00:00:01", dst="01:00:5e:01:02:04") /
                   IP(src=src, dst=G2, ttl=8, id=i) / UDP(sport=4000, dport=5004) /
                   Raw(bytes([i]) * 40))

    first = [plain(S1, 1), plain(S2, 2), plain(S3, 3), esp_in(S2, 0x22, 4)[0]]
    then = [plain(S1, 5), plain(S2, 6), plain(S3, 7), esp_in(S2, 0x22, 8, 2)[0]]
    app, w, outp = fifo_app(d, conf, "0:decrypt")
    try:
        w.write(records(burst(first), 1))
        time.sleep(0.5)
        gone = del_under_traffic(app, w, [G2, "port", "5004", "src", S1, "dir", "decrypt"])
        w.write(records(burst(then), 3))
        time.sleep(0.5)
        stats = ctl(app.ctl, "-j", "-s", "group", "show", G2, "port", "5004", "src", S2,
                    "dir", "decrypt").stdout
    finally:
        w.close()
        rc, out, err = app.stop()
    got = [f for f in read_frames(outp) or [] if f != FILLER]
    tap.ok(gone[0] == 0 and [f[14:] for f in got] ==
           [first[2][14:], esp_in(S2, 0x22, 4)[1], then[0][14:], then[2][14:],
            esp_in(S2, 0x22, 8, 2)[1]],
           "cleartext of two required (S,G) groups' sources dropped, a third source's "
           "passes; once (S1,G) is deleted under traffic S1's passes too", repr((gone, got)))
    tap.ok('"in-pkts-cleartext":2' in stats.replace(" ", "") and
           '"in-pkts-ok":2' in stats.replace(" ", ""),
           "the remaining (S2,G): in-pkts-cleartext 2, in-pkts-ok 2", stats)
    tap.ok(rc == 0, "the appliance exits 0", out + err[-2000:])
tap.done()
