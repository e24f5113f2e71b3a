#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
"""mcsec-dpdk's MPEG-TS scrambling over pcap files (net_pcap PMD):
DVB-CISSA and ATIS-IDSA, behind RTP and bare, even and odd parity:
  - the scrambled datagrams equal a reference written here from the
    standards on python3-cryptography (AES-CBC; CISSA's fixed IV and clear
    residual, IDSA's zero IV and DVS-042 residual), UDP checksum included;
  - byte-identical to mcsec-pcap's output for the same keys;
  - descrambling gives the input frames back; PSI, null and
    adaptation-only packets stay clear and are counted.
usage: test_dpdk_ts.py MCSEC_DPDK MCSEC_PCAP
"""

import random
import sys

from mcdtest import Tap, ref_scramble, run_dpdk, run_pcap, tmpdir, write_key
from scapy.all import Ether, IP, IPv6, UDP, Raw, raw

tap = Tap()
DPDK, PCAP = sys.argv[1], sys.argv[2]
rng = random.Random(0x6d637473)
G4, G6, PORT = "239.2.0.1", "ff3e::2:1", 1234


def rbytes(n):
    return bytes(rng.getrandbits(8) for _ in range(n))


def ts_packet(pid, afc, af_len=0, cc=0):
    h = bytes([0x47, (pid >> 8) & 0x1f, pid & 0xff, (afc << 4) | (cc & 15)])
    body = b""
    if afc & 2:
        body = bytes([af_len]) + (bytes([0x00]) + rbytes(af_len - 1) if af_len else b"")
    return h + body + rbytes(188 - 4 - len(body))


def datagram(rtp):
    ts = [ts_packet(0x0000, 1), ts_packet(0x100, 1, cc=1), ts_packet(0x100, 3, 7, 2),
          ts_packet(0x101, 2, 183), ts_packet(0x1fff, 1), ts_packet(0x102, 3, 170, 3),
          ts_packet(0x100, 3, 0, 4)]
    rng.shuffle(ts)
    hdr = bytes([0x80, 33]) + rbytes(10) if rtp else b""
    return hdr + b"".join(ts)


def frame(ip):
    return raw(Ether(src="02:00:5e:00:00:02", dst="01:00:5e:02:00:01",
                     type=0x0800 if ip.version == 4 else 0x86dd) / ip)


def case(fmt, rtp, fam, parity):
    name = "ts-%s%s ipv%d %s" % (fmt, " rtp" if rtp else "", fam, parity)
    keys = {"even": rbytes(16), "odd": rbytes(16)}
    bits = 0x80 if parity == "even" else 0xc0
    grp = G4 if fam == 4 else "[%s]" % G6
    with tmpdir() as d:
        write_key(d, "even.hex", keys["even"])
        write_key(d, "odd.hex", keys["odd"])
        flags = " rtp" if rtp else ""
        sas = "sa parity even key-file even.hex\nsa parity odd key-file odd.hex\n"
        dgs = [datagram(rtp) for _ in range(6)]
        if fam == 4:
            ips = [IP(src="192.0.2.20", dst=G4, id=i) / UDP(sport=7000, dport=PORT) / Raw(p)
                   for i, p in enumerate(dgs)]
            other = IP(src="192.0.2.20", dst=G4) / UDP(dport=PORT + 1) / Raw(dgs[0])
        else:
            ips = [IPv6(src="2001:db8::20", dst=G6) / UDP(sport=7000, dport=PORT) / Raw(p)
                   for p in dgs]
            other = IPv6(src="2001:db8::20", dst=G6) / UDP(dport=PORT + 1) / Raw(dgs[0])
        frames = [frame(p) for p in ips[:3]] + [frame(other)] + [frame(p) for p in ips[3:]]
        conf = "group %s:%d encrypt ts-%s%s parity %s\n%s" % (grp, PORT, fmt, flags, parity, sas)
        r = run_dpdk(DPDK, d, conf, frames, "0:encrypt")
        ok = tap.ok(r.rc == 0 and len(r.frames) == len(frames) and
                    r.g("out-pkts-protected") == 6 and
                    r.g("ts-pkts-scrambled") == 6 * 4 and
                    r.g("ts-pkts-clear") == 6 * 2 and r.g("ts-pkts-no-payload") == 6,
                    "%s: 24 TS packets scrambled, 12 clear, 6 without payload" % name, r)
        if not ok:
            return
        want = []
        for p in ips:
            q = p.copy()
            q[UDP].remove_payload()
            q[UDP].chksum = None
            q = q / Raw(ref_scramble(fmt, keys[parity], bits, raw(p[Raw]), rtp))
            want.append(frame(q.__class__(raw(q))))
        got = r.frames[:3] + r.frames[4:]
        tap.ok(got == want and r.frames[3] == frames[3],
               "%s: equal to the reference from the standard (OpenSSL AES)" % name)
        ref = run_pcap(PCAP, d, frames, ["--format", "ts-" + fmt, "--encrypt", "--group",
                                         "%s:%d" % (grp, PORT), "--parity", parity,
                                         "--even-key-file", "even.hex",
                                         "--odd-key-file", "odd.hex"] + (["--rtp"] if rtp else []))
        tap.ok(r.frames == ref, "%s: byte-identical to mcsec-pcap" % name)
        conf = "group %s:%d decrypt ts-%s%s\n%s" % (grp, PORT, fmt, flags, sas)
        back = run_dpdk(DPDK, d, conf, r.frames, "0:decrypt")
        tap.ok(back.rc == 0 and back.frames == frames and
               back.g("ts-pkts-descrambled") == 24 and back.g("in-pkts-ok") == 6,
               "%s: descrambled back to the input frames" % name, back)


for fmt in ("cissa", "idsa"):
    case(fmt, True, 4, "even")
    case(fmt, False, 4, "odd")
    case(fmt, True, 6, "odd")
tap.done()
