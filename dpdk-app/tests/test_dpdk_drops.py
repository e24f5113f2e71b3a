#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
"""mcsec-dpdk drops what it must and counts each under its MCSEC_STAT_A_*
reason (printed at exit): tampered, replayed, truncated, malformed and
unknown-SPI ESP; cleartext for a required group; malformed TS; a sender
whose sequence space is spent (fails closed); unmatched packets with
--unmatched drop; a multi-segment jumbo frame that cannot be linearised.
usage: test_dpdk_drops.py MCSEC_DPDK MCSEC_PCAP
"""

import struct
import sys

from mcdtest import Tap, run_dpdk, tmpdir, write_key
from scapy.all import Ether, IP, UDP, Raw, raw

tap = Tap()
DPDK = sys.argv[1]
G, PORT, SPI = "239.1.2.3", 5004, 0x1000
KEY = bytes(range(16)) + b"salt"


def eth(b):
    return raw(Ether(src="02:00:5e:00:00:01", dst="01:00:5e:01:02:03") / IP(b))


def clear(i, size=100):
    return raw(Ether(src="02:00:5e:00:00:01", dst="01:00:5e:01:02:03") /
               IP(src="192.0.2.10", dst=G, id=i) / UDP(sport=4000, dport=PORT) /
               Raw(bytes([i]) * size))


with tmpdir() as d:
    write_key(d, "k.hex", KEY)
    r = run_dpdk(DPDK, d, "group %s:%d encrypt esp-tunnel\nsa spi %d key-file k.hex\n"
                 % (G, PORT, SPI), [clear(i) for i in range(10)], "0:encrypt")
    enc = r.frames
    tap.ok(r.rc == 0 and len(enc) == 10, "encrypted 10 packets to work on", r)

    tampered = bytearray(enc[5]); tampered[-1] ^= 1
    truncated = bytearray(enc[6][:60])           # IP length still says more
    bad_spi = bytearray(enc[7]); bad_spi[34:34 + 4] = struct.pack("!I", SPI + 1)
    malformed = bytearray(enc[8]); malformed[14] = 0x43   # IHL 3
    frames = enc[:5] + [enc[2], bytes(tampered), bytes(truncated), bytes(bad_spi),
                        bytes(malformed), enc[9], enc[0]]
    conf = ("group %s:%d decrypt esp-tunnel required\nsa spi %d key-file k.hex replay-window 64\n"
            % (G, PORT, SPI))
    frames.append(clear(50))                    # cleartext for a required group
    r = run_dpdk(DPDK, d, conf, frames, "0:decrypt")
    tap.ok(r.rc == 0, "decrypt run exits 0", r)
    tap.ok(r.g("in-pkts-ok") == 6 and len(r.frames) == 6 and
           r.frames == [clear(i) for i in (0, 1, 2, 3, 4, 9)],
           "the 6 good packets pass, decrypted, in order", r)
    tap.ok(r.g("in-pkts-replayed") == 2, "replayed: 2 counted", r)
    tap.ok(r.g("in-pkts-auth-failed") == 1, "tampered ICV: auth-failed 1", r)
    tap.ok(r.nogroup.get("in-pkts-truncated") == 1, "truncated: counted", r)
    tap.ok(r.nogroup.get("in-pkts-malformed") == 1, "malformed IP header: counted", r)
    tap.ok(r.g("in-pkts-no-sa") == 1, "unknown SPI: no-sa 1", r)
    tap.ok(r.g("in-pkts-cleartext") == 1, "cleartext for a required group: dropped", r)

    # the sender's sequence space runs out: the last number is 2^32-1
    r = run_dpdk(DPDK, d, "group %s:%d encrypt esp-tunnel\nsa spi %d key-file k.hex seq 0xfffffffe no-esn\n"
                 % (G, PORT, SPI), [clear(i) for i in range(5)], "0:encrypt")
    tap.ok(r.rc == 0 and r.g("out-pkts-protected") == 2 and
           r.g("out-pkts-seq-exhausted") == 3 and len(r.frames) == 2,
           "sequence space spent: 2 sent, 3 fail closed", r)

    # A receiver joining a sender just below the 2^32 wrap: the wrap falls
    # inside its first burst, before any packet verified (ESN is on).
    r = run_dpdk(DPDK, d, "group %s:%d encrypt esp-tunnel\nsa spi %d key-file k.hex seq 0xfffffff8\n"
                 % (G, PORT, SPI), [clear(i) for i in range(16)], "0:encrypt")
    wrap = r.frames
    r = run_dpdk(DPDK, d, "group %s:%d decrypt esp-tunnel\nsa spi %d key-file k.hex\n"
                 % (G, PORT, SPI), wrap, "0:decrypt")
    tap.ok(r.rc == 0 and len(wrap) == 16 and r.g("in-pkts-ok") == 16 and
           r.frames == [clear(i) for i in range(16)],
           "ESN wrap inside a fresh receiver's first burst: all 16 decrypt", r)

    # malformed TS and unmatched-drop
    write_key(d, "even.hex", bytes(16))
    ts = bytes([0x47, 0x01, 0x00, 0x10]) + bytes(184)
    bad = bytes([0x46]) + ts[1:]
    dg = [raw(Ether() / IP(src="192.0.2.20", dst="239.2.0.1") / UDP(dport=1234) / Raw(p))
          for p in (ts * 2, ts + bad, ts[:100])]
    others = [raw(Ether() / IP(dst="198.51.100.1") / UDP(dport=53) / Raw(b"dns")),
              raw(Ether(type=0x0806) / Raw(bytes(28)))]
    r = run_dpdk(DPDK, d, "group 239.2.0.1:1234 encrypt ts-idsa\nsa parity even key-file even.hex\n",
                 dg + others, "0:encrypt", ["--unmatched", "drop"])
    tap.ok(r.rc == 0 and r.g("out-pkts-protected") == 1 and
           r.g("in-pkts-malformed") == 1 and r.g("in-pkts-truncated") == 1 and
           len(r.frames) == 1,
           "TS: lost sync (malformed) and a partial TS packet (truncated) dropped", r)
    tap.ok(r.nogroup.get("pkts-unmatched") == 2, "unmatched (UDP, ARP) counted and dropped", r)

    # The egress MTU: no fragmenting, what ESP makes too big is dropped and
    # counted. Tunnel mode over IPv4 adds 20 + 8 + 8 + 16 bytes and a
    # trailer of 2 that pads the inner packet to a multiple of 4: 1358 in,
    # 1412 out; 1390 in, 1444 out.
    fit, over = clear(70, 1358 - 28), clear(71, 1390 - 28)
    conf = "group %s:%d encrypt esp-tunnel\nsa spi %d key-file k.hex\n" % (G, PORT, SPI)
    r = run_dpdk(DPDK, d, conf, [fit, over, fit], "0:encrypt", ["--mtu", "1414"])
    tap.ok(r.rc == 0 and r.g("out-pkts-protected") == 2 and
           r.g("out-pkts-too-big") == 1 and [len(f) - 14 for f in r.frames] == [1412, 1412],
           "--mtu 1414: 1412-byte ESP packets go, a 1444-byte one is dropped (too-big 1)", r)
    # 1446 in: 1500 out; 1447 in: padded by 3, 1504 out.
    r = run_dpdk(DPDK, d, conf, [clear(72, 1446 - 28), clear(73, 1447 - 28)],
                 "0:encrypt")
    tap.ok(r.rc == 0 and r.g("out-pkts-protected") == 1 and r.g("out-pkts-too-big") == 1 and
           [len(f) - 14 for f in r.frames] == [1500],
           "without --mtu the port's own (1500): a 1500-byte ESP packet goes, a 1504 dropped", r)
    r = run_dpdk(DPDK, d, conf, [clear(1)], "0:encrypt", ["--mtu", "67"])
    tap.ok(r.rc == 2 and "--mtu 67: 68..65535" in r.err, "--mtu below 68 refused", r)

    # a jumbo frame: net_pcap chains mbufs, the appliance cannot linearise it
    big = clear(60, 4000)
    r = run_dpdk(DPDK, d, "group %s:%d encrypt esp-tunnel\nsa spi %d key-file k.hex\n"
                 % (G, PORT, SPI), [big, clear(61)], "0:encrypt")
    tap.ok(r.rc == 0 and r.nogroup.get("out-pkts-unsupported") == 1 and
           r.g("out-pkts-protected") == 1 and len(r.frames) == 1,
           "multi-segment jumbo frame: dropped, counted unsupported", r)

    # configuration errors are refused with a message, exit status 2
    r = run_dpdk(DPDK, d, "group %s:%d encrypt esp-tunnel\nsa spi 1 key-file k.hex suite aes256-gcm\n"
                 % (G, PORT), [clear(1)], "0:encrypt")
    tap.ok(r.rc == 2 and "36" in r.err and "k.hex" in r.err,
           "a key file of the wrong length is refused", r)
tap.done()
