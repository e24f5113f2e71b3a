#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
"""Every way a group ESP packet can be refused, through mcsec-pcap: each one
dropped, counted under its own reason in the summary, and the good packets
around it still delivered; packets outside the group copied unchanged.
The bad packets are crafted with espref.py (valid ICVs over bad padding or
next headers) and by editing good ones.
usage: test_esp_drops.py PATH/TO/mcsec-pcap
"""

import os
import random
import struct

from mpcommon import (Tap, tool_path, run_tool, tmpdir, write_file, read_pcap_raw,
                      Ether, IP, IPv6, UDP, Raw, raw, wrpcap)
from scapy.utils import checksum
from scapy.layers.inet6 import IPv6ExtHdrHopByHop, RouterAlert, ICMPv6MLReport
import espref

tap = Tap()
TOOL = tool_path()
rng = random.Random(0x64726f70)

SPI = 0x00c0ffee
GROUP, SRC, PORT = "239.7.7.7", "192.0.2.77", 6000
KEY, SALT = bytes(rng.getrandbits(8) for _ in range(16)), bytes.fromhex("a1b2c3d4")
SUITE = "aes128-gcm"


def inner(i, size=None):
    size = 40 + 7 * i if size is None else size
    p = IP(src=SRC, dst=GROUP, id=i, ttl=32) / UDP(sport=1000 + i, dport=PORT) / \
        Raw(bytes((i + j) & 0xff for j in range(size)))
    return IP(raw(p))


def esp_pkt(seq, esn=True, spi=SPI, pad=None, nh=4, payload=None, dst=GROUP,
            padlen=None, wire_seq=None):
    """A tunnel-mode ESP packet carrying inner(seq), sealed for wire_seq
    (default seq)."""
    pl = raw(inner(seq)) if payload is None else payload
    esp = espref.seal(SUITE, KEY, SALT, spi, seq if wire_seq is None else wire_seq,
                      esn, pl, nh, pad=pad, padlen=padlen)
    outer = espref.outer_for(inner(seq))
    outer.dst = dst
    return IP(raw(outer / Raw(esp)))


def eth(ip):
    return Ether(dst="01:00:5e:07:07:07", src="02:00:00:00:00:07",
                 type=0x0800 if ip.version == 4 else 0x86dd) / ip


def edit(pkt, off_from_esp, xor):
    """Flips bits in the ESP part (offset counted from the ESP header;
    negative counts from the end)."""
    b = bytearray(raw(pkt))
    hl = (b[0] & 0xf) * 4
    pos = hl + off_from_esp if off_from_esp >= 0 else len(b) + off_from_esp
    b[pos] ^= xor
    return IP(bytes(b))


def ip_with_len(ip_bytes, new_len):
    """An IPv4 packet cut (or extended) to new_len bytes, its total length
    and header checksum fixed to match."""
    b = bytearray(ip_bytes[:new_len])
    hl = (b[0] & 0xf) * 4
    b[2:4] = struct.pack("!H", new_len)
    b[10:12] = b"\0\0"
    b[10:12] = struct.pack("!H", checksum(bytes(b[:hl])))
    return IP(bytes(b))


def bad_pad(seq):
    """Padding that keeps the 4-byte alignment but is not 1, 2, 3, ..."""
    n = -(len(raw(inner(seq))) + 2) % 4 or 4
    return bytes(range(1, n)) + b"\x09"


KF = None


def decrypt_run(d, frames, extra=()):
    inp, out = os.path.join(d, "in.pcap"), os.path.join(d, "out.pcap")
    wrpcap(inp, frames)
    r = run_tool(TOOL, ["--format", "esp-tunnel", "--decrypt", "--spi", hex(SPI),
                        "--group", GROUP, "--key-file", KF] + list(extra) + [inp, out])
    recs = read_pcap_raw(out)[1] if r.rc == 0 else []
    return r, [b for _, b, _ in recs]


def expect_drop(d, label, bad, reason, good_seqs=(1, 2, 3), extra=(), bad_at=2):
    """good, good, BAD, good...: the bad one is dropped under reason, the
    good ones come out decrypted, nothing else counted."""
    goods = [esp_pkt(s) for s in good_seqs]
    frames = [eth(p) for p in goods[:bad_at]] + [eth(b) for b in bad] + \
             [eth(p) for p in goods[bad_at:]]
    r, out = decrypt_run(d, frames, extra)
    want = [raw(eth(inner(s))) for s in good_seqs]
    drops = r.drops()
    tap.ok(r.rc == 0 and out == want and r.count("dropped") == len(bad) and
           drops == {reason: len(bad)} and r.count("transformed") == len(good_seqs),
           "%s: dropped as %s, the good packets around it delivered" % (label, reason),
           "%r drops=%r out=%d want=%d" % (r, drops, len(out), len(want)))


def main():
    global KF
    with tmpdir() as d:
        KF = write_file(os.path.join(d, "key"), (KEY + SALT).hex())

        # The reference itself must be right: everything good passes.
        r, out = decrypt_run(d, [eth(esp_pkt(s)) for s in range(1, 6)])
        tap.ok(r.rc == 0 and out == [raw(eth(inner(s))) for s in range(1, 6)] and
               r.count("dropped") == 0, "baseline: 5 good packets decrypt", r)

        p10 = esp_pkt(10)
        expect_drop(d, "ciphertext byte flipped", [edit(p10, 16 + 30, 0x01)], "auth-failed")
        expect_drop(d, "ICV byte flipped", [edit(p10, -1, 0x80)], "auth-failed")
        expect_drop(d, "ESP sequence number changed (AAD)", [edit(p10, 7, 0x02)], "auth-failed")
        expect_drop(d, "explicit IV changed (nonce)", [edit(p10, 8, 0x40)], "auth-failed")
        expect_drop(d, "ESN: sealed with the high half 1, receiver at 0",
                    [esp_pkt(10, wire_seq=(1 << 32) | 10)], "auth-failed")
        expect_drop(d, "no-ESN AAD on an ESN SA", [esp_pkt(10, esn=False)], "auth-failed")

        pb = raw(p10)
        expect_drop(d, "ESP cut to 20 bytes (IP length fixed)", [ip_with_len(pb, 20 + 20)], "truncated")
        cut = bytes(raw(eth(p10)))[:14 + 60]
        goods = [esp_pkt(s) for s in (1, 2, 3)]
        frames = [eth(goods[0]), eth(goods[1]), Ether(cut), eth(goods[2])]
        r, out = decrypt_run(d, frames)
        tap.ok(r.rc == 0 and r.drops() == {"truncated": 1} and len(out) == 3,
               "capture cut short of the IP length: dropped as truncated", r)
        expect_drop(d, "ESP length not a multiple of 4", [ip_with_len(pb + b"\0\0", len(pb) + 2)],
                    "malformed")

        expect_drop(d, "padding 1, .., 9 (valid ICV)", [esp_pkt(10, pad=bad_pad(10))], "bad-padding")
        expect_drop(d, "pad length beyond the payload (valid ICV)",
                    [esp_pkt(10, pad=b"", padlen=200)], "bad-padding")
        expect_drop(d, "next header UDP in tunnel mode (valid ICV)", [esp_pkt(10, nh=17)], "bad-next-header")
        expect_drop(d, "next header IPv6 over an IPv4 inner packet (valid ICV)",
                    [esp_pkt(10, nh=41)], "bad-next-header")

        expect_drop(d, "wrong SPI to the group", [esp_pkt(10, spi=SPI + 1)], "no-sa")

        # Replay: seq 2 again after 3.
        frames = [eth(esp_pkt(s)) for s in (1, 2, 3)] + [eth(esp_pkt(2)), eth(esp_pkt(4))]
        r, out = decrypt_run(d, frames)
        tap.ok(r.rc == 0 and r.drops() == {"replayed": 1} and
               out == [raw(eth(inner(s))) for s in (1, 2, 3, 4)],
               "sequence number 2 seen twice: the second is dropped as replayed", r)
        # A duplicate inside one burst (the window is checked again at finish).
        frames = [eth(esp_pkt(7)), eth(esp_pkt(7))]
        r, out = decrypt_run(d, frames)
        tap.ok(r.rc == 0 and r.drops() == {"replayed": 1} and len(out) == 1,
               "a duplicate in the same burst: dropped as replayed", r)
        # Late: left of a 64-packet window. Without ESN; with ESN a number
        # that far behind reads as the next 2^32 epoch (RFC 4303 A2.2, as
        # Linux infers it) and fails the ICV instead.
        frames = [eth(esp_pkt(s, esn=False)) for s in (100, 101, 1, 102)]
        r, out = decrypt_run(d, frames, ["--no-esn"])
        tap.ok(r.rc == 0 and r.drops() == {"late": 1} and
               out == [raw(eth(inner(s))) for s in (100, 101, 102)],
               "seq 1 after seq 101 with a 64-packet window: dropped as late", r)
        esn_frames = [eth(esp_pkt(s)) for s in (100, 101, 1, 102)]
        r, out = decrypt_run(d, esn_frames)
        tap.ok(r.rc == 0 and r.drops() == {"auth-failed": 1} and len(out) == 3,
               "with ESN, seq 1 after 101 (window 64) is read as epoch 1: auth-failed", r)
        r, out = decrypt_run(d, frames, ["--no-esn", "--replay-window", "128"])
        tap.ok(r.rc == 0 and r.count("dropped") == 0 and len(out) == 4,
               "the same with --replay-window 128: accepted", r)
        frames = [eth(esp_pkt(s)) for s in (5, 5, 1)]
        r, out = decrypt_run(d, frames, ["--replay-window", "0"])
        tap.ok(r.rc == 0 and r.count("dropped") == 0 and len(out) == 3,
               "--replay-window 0: anti-replay off, duplicates accepted", r)
        # A forged packet never moves the window.
        frames = [eth(esp_pkt(1)), eth(edit(esp_pkt(5000), -1, 1)), eth(esp_pkt(2))]
        r, out = decrypt_run(d, frames)
        tap.ok(r.rc == 0 and r.drops() == {"auth-failed": 1} and len(out) == 2,
               "a forged seq 5000 does not move the window: seq 2 still accepted", r)

        # Outside the group: copied unchanged, counted as passed.
        others = [esp_pkt(3, dst="239.8.8.8"), IP(src=SRC, dst=GROUP) / UDP(dport=PORT) / Raw(b"clear"),
                  IP(src=SRC, dst="198.51.100.2") / UDP() / Raw(b"unicast")]
        frames = [eth(esp_pkt(1))] + [eth(o) for o in others] + [eth(esp_pkt(2))]
        r, out = decrypt_run(d, frames)
        tap.ok(r.rc == 0 and r.count("passed") == 3 and r.count("transformed") == 2 and
               out[1:4] == [raw(eth(o)) for o in others],
               "ESP to another group and clear packets: copied unchanged", r)

        # All of it in one capture: every reason counted once.
        mix = [edit(p10, -1, 1), ip_with_len(pb, 40), esp_pkt(11, pad=bad_pad(11)),
               esp_pkt(12, nh=17), esp_pkt(13, spi=7), esp_pkt(1)]
        frames = [eth(esp_pkt(1)), eth(esp_pkt(2))] + [eth(m) for m in mix]
        r, out = decrypt_run(d, frames)
        want = {"auth-failed": 1, "truncated": 1, "bad-padding": 1, "bad-next-header": 1,
                "no-sa": 1, "replayed": 1}
        tap.ok(r.rc == 0 and r.drops() == want and r.count("dropped") == 6 and len(out) == 2,
               "one capture with six different faults: each reason counted once", r)

        # Encrypt side: sequence space, size, unsupported packets.
        inp, out = os.path.join(d, "in.pcap"), os.path.join(d, "out.pcap")
        wrpcap(inp, [eth(inner(i)) for i in range(4)])
        r = run_tool(TOOL, ["--format", "esp-tunnel", "--encrypt", "--spi", SPI, "--group", GROUP,
                            "--no-esn", "--seq", "0xfffffffe", "--key-file", KF, inp, out])
        tap.ok(r.rc == 0 and r.count("transformed") == 2 and r.drops() == {"seq-exhausted": 2},
               "--no-esn from 0xfffffffe: two packets sent, then seq-exhausted (fail closed)", r)
        _, recs = read_pcap_raw(out)
        tap.ok(len(recs) == 2, "the exhausted packets are not written in clear")

        big = IP(src=SRC, dst=GROUP) / UDP(dport=PORT) / Raw(b"\0" * (65535 - 28))
        small = inner(1)
        wrpcap(inp, [small, IP(raw(big)), small], linktype=101)
        r = run_tool(TOOL, ["--format", "esp-tunnel", "--encrypt", "--spi", SPI, "--group", GROUP,
                            "--key-file", KF, inp, out])
        tap.ok(r.rc == 0 and r.count("transformed") == 2 and r.drops() == {"too-big": 1},
               "a 65535-byte datagram cannot grow: dropped as too-big", r)

        g6 = "ff3e::77"
        hbh = IPv6(src="2001:db8::1", dst=g6) / IPv6ExtHdrHopByHop(options=[RouterAlert()]) / \
            UDP(dport=PORT) / Raw(b"x" * 20)
        mld = IPv6(src="fe80::1", dst=g6, hlim=1) / IPv6ExtHdrHopByHop(options=[RouterAlert()]) / \
            ICMPv6MLReport(mladdr=g6)
        plain = IPv6(src="2001:db8::1", dst=g6) / UDP(dport=PORT) / Raw(b"y" * 20)
        wrpcap(inp, [IPv6(raw(p)) for p in (plain, hbh, mld)])
        r = run_tool(TOOL, ["--format", "esp-transport", "--encrypt", "--spi", SPI,
                            "--group", "[%s]" % g6, "--key-file", KF, inp, out])
        _, recs = read_pcap_raw(out)
        tap.ok(r.rc == 0 and r.count("transformed") == 1 and r.drops() == {"unsupported": 1} and
               r.count("passed") == 1 and len(recs) == 2 and recs[1][1] == raw(IPv6(raw(mld))),
               "IPv6 group UDP behind a hop-by-hop header: dropped as unsupported; MLD passes", r)

        # A receiver that joins a sender just below the 2^32 wrap: the wrap
        # falls inside its first burst, before any packet verified. Each
        # packet must still get the right high half (sealed with it here).
        seqs = list(range(0xfffffff8, 0x100000008))
        frames = [eth(IP(raw(espref.outer_for(inner(s & 0xff)) /
                             Raw(espref.seal(SUITE, KEY, SALT, SPI, s, True,
                                             raw(inner(s & 0xff)), 4)))))
                  for s in seqs]
        r, out = decrypt_run(d, frames)
        tap.ok(r.rc == 0 and r.count("dropped") == 0 and
               out == [raw(eth(inner(s & 0xff))) for s in seqs],
               "ESN wrap inside a fresh receiver's first burst: all %d decrypt" % len(seqs), r)
    tap.done()


main()
