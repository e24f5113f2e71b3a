#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
"""MPEG-TS scrambling through mcsec-pcap: DVB-CISSA and ATIS-IDSA.

  - ETSI TS 103 127 Annex B test case 1 carried in a UDP datagram (IPv4 and
    IPv6), scrambled and descrambled;
  - IPTV-like datagrams of 7 TS packets, with and without RTP, even and odd
    keys: every scrambled TS packet equal to a reference written here from
    the standards' rules (python3-cryptography AES), PSI/SI and null PIDs
    and adaptation-only packets left clear, and the round trip exact;
  - UDP checksums valid after scrambling (scapy recomputes them), an IPv4
    checksum of 0 kept 0, an IPv6 checksum that sums to 0 sent as 0xffff;
  - --pids, mixed parities, a missing key, reserved and already-set bits,
    malformed datagrams, and packets outside the group.
usage: test_ts.py PATH/TO/mcsec-pcap
"""

import os
import random
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from mpcommon import (Tap, tool_path, run_tool, tmpdir, write_file, read_pcap_raw,
                      Ether, IP, IPv6, UDP, Raw, raw, wrpcap)

tap = Tap()
TOOL = tool_path()
rng = random.Random(0x7473)

GROUP4, GROUP6, PORT = "232.1.1.1", "ff3e::1:1", 5000
SRC4, SRC6 = "192.0.2.50", "2001:db8::50"

# ETSI TS 103 127 V1.1.1, Annex B, test case 1 (DVB-CISSA v1): the control
# word, a clear TS packet (PID 0x0080, payload only, 184 bytes: 11 blocks and
# an 8-byte residual) and the same packet scrambled with the even key.
ANNEX_B_KEY = "00112233445566778899aabbccddeeff"
ANNEX_B_CLEAR = (
    "476080115468697320697320746865207061796c6f6164207573656420666f722063"
    "72656174696e6720746865207465737420766563746f727320666f72207468652044"
    "5642204950545620736372616d626c65722f6465736372616d626c65722e20546869"
    "7320697320746865207061796c6f6164207573656420666f72206372656174696e67"
    "20746865207465737420766563746f727320666f722074686520445642204950545620"
    "736372616d626c65722f6465736372616d")
ANNEX_B_SCRAMBLED = (
    "4760809115ce67e0cb01b53ce76054e57a4ad120a0dfa4eaaae932c6783f51ae19fa"
    "ee108bdb78f3113ec2b572cc208500a52ceca114126c58244df563e7a9b4e041cbc3"
    "fbfffbd83c8fbffb10e83ea38204bad702fb01a27b622c4f85aab6aa75559720d65a"
    "b844cea28cf2e1fe5e7ac19d44818919c23249f140757b5d16c0af45b25f509b9da0"
    "619712c59f0b39b06f1fbe90123f212983936a95317fcb62f4346a1b1e164840303aff"
    "838a019bf810a8e0b22f6465736372616d")

CISSA_IV = b"DVBTMCPTAESCISSA"


# ---- a reference scrambler from the standards' rules ----------------------

def aes_ecb(key, block):
    e = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return e.update(block) + e.finalize()


def cbc(key, iv, data, enc):
    c = Cipher(algorithms.AES(key), modes.CBC(iv))
    x = c.encryptor() if enc else c.decryptor()
    return x.update(data) + x.finalize()


def payload_start(pkt):
    afc = (pkt[3] >> 4) & 3
    if not afc & 1:
        return None                      # no payload
    start = 4 + (1 + pkt[4] if afc & 2 else 0)
    return start if start < 188 else None


def ref_process(pkt, key, fmt, enc, parity="even"):
    """One TS packet scrambled (enc) or descrambled, as the standards say."""
    start = payload_start(pkt)
    out = bytearray(pkt)
    if enc:
        out[3] = (out[3] & 0x3f) | (0x80 if parity == "even" else 0xc0)
    else:
        out[3] &= 0x3f
    if start is None:
        return bytes(out)
    pl = pkt[start:]
    full = len(pl) - len(pl) % 16
    iv = CISSA_IV if fmt == "ts-cissa" else bytes(16)
    body = cbc(key, iv, pl[:full], enc) if full else b""
    res = pl[full:]
    if fmt == "ts-idsa" and res:
        # DVS-042: XOR with AES-Encrypt(K, last full ciphertext block, or IV).
        chain = (body if enc else pl)[full - 16:full] if full else iv
        ks = aes_ecb(key, chain)
        res = bytes(a ^ b for a, b in zip(res, ks))
    out[start:] = body + res
    return bytes(out)


# ---- streams -------------------------------------------------------------

def ts_packet(pid, cc, payload=None, af_len=None, pusi=False, sc=0):
    """188 bytes: header, optional adaptation field of af_len bytes after
    its length byte, payload (random when not given) or none."""
    has_pl = payload is not False
    afc = (2 if af_len is not None else 0) | (1 if has_pl else 0)
    hdr = bytes([0x47, (0x40 if pusi else 0) | (pid >> 8), pid & 0xff,
                 (sc << 6) | (afc << 4) | (cc & 0xf)])
    af = b""
    if af_len is not None:
        if not has_pl:
            af_len = 183
        af = bytes([af_len]) + (bytes([0x10]) + bytes(rng.getrandbits(8) for _ in range(af_len - 1))
                                if af_len else b"")
    room = 188 - len(hdr) - len(af)
    if not has_pl:
        return hdr + af
    if payload is None:
        payload = bytes(rng.getrandbits(8) for _ in range(room))
    return hdr + af + payload[:room].ljust(room, b"\xff")


PSI = {0x0000, 0x0011}
NULL = 0x1fff


def iptv_datagram(n):
    """7 TS packets: PAT, video, video with an adaptation field, audio,
    adaptation field only, null, SDT."""
    return [
        ts_packet(0x0000, n, pusi=True),
        ts_packet(0x0100, n),
        ts_packet(0x0100, n + 1, af_len=rng.choice([1, 7, 20, 150, 170])),
        ts_packet(0x0101, n),
        ts_packet(0x0100, n + 2, payload=False, af_len=183),
        ts_packet(NULL, 0, payload=b"\xff" * 184),
        ts_packet(0x0011, n),
    ]


def rtp_header(seq):
    return struct.pack("!BBHII", 0x80, 33, seq & 0xffff, seq * 3003, 0x5eed)


def udp_dgram(family, payload, dst=None, dport=PORT, chksum=None):
    if family == 4:
        ip = IP(src=SRC4, dst=dst or GROUP4, ttl=8, id=rng.randrange(65536))
    else:
        ip = IPv6(src=SRC6, dst=dst or GROUP6, hlim=8)
    u = UDP(sport=1234, dport=dport)
    if chksum is not None:
        u.chksum = chksum
    p = ip / u / Raw(payload)
    return p.__class__(raw(p))


def eth(ip):
    return Ether(src="02:00:00:00:00:50", dst="01:00:5e:01:01:01",
                 type=0x0800 if ip.version == 4 else 0x86dd) / ip


def group_arg(family):
    return "%s:%d" % (GROUP4, PORT) if family == 4 else "[%s]:%d" % (GROUP6, PORT)


def udp_of(frame):
    """(scapy IP packet, UDP payload bytes) of an Ethernet frame."""
    e = Ether(frame)
    ip = e.payload
    return ip, bytes(ip[UDP].payload)


def checksum_ok(frame):
    """scapy recomputes the UDP checksum; equal to the one on the wire?"""
    ip, _ = udp_of(frame)
    wire = ip[UDP].chksum
    if wire == 0 and ip.version == 4:
        return True
    c = ip.copy()
    c[UDP].chksum = None
    return ip.__class__(raw(c))[UDP].chksum == wire


class Ctx:
    def __init__(self, d):
        self.d = d
        self.inp = os.path.join(d, "in.pcap")
        self.out = os.path.join(d, "out.pcap")
        self.back = os.path.join(d, "back.pcap")

    def key(self, name, hexkey):
        return write_file(os.path.join(self.d, name), hexkey + "\n")


def run(ctx, fmt, direction, family, extra, inp, out):
    args = ["--format", fmt, "--" + direction]
    if family:
        args += ["--group", group_arg(family)]
    return run_tool(TOOL, args + list(extra) + [inp, out])


def annex_b(ctx):
    key = bytes.fromhex(ANNEX_B_KEY)
    clear, scr = bytes.fromhex(ANNEX_B_CLEAR), bytes.fromhex(ANNEX_B_SCRAMBLED)
    tap.ok(len(clear) == 188 and len(scr) == 188 and
           ref_process(clear, key, "ts-cissa", True) == scr,
           "Annex B test case 1: the test's own reference agrees with the vector")
    kf = ctx.key("annexb", "# ETSI TS 103 127 Annex B test case 1\n" + ANNEX_B_KEY)
    for family in (4, 6):
        wrpcap(ctx.inp, [eth(udp_dgram(family, clear))])
        r = run(ctx, "ts-cissa", "encrypt", family, ["--even-key-file", kf], ctx.inp, ctx.out)
        _, recs = read_pcap_raw(ctx.out)
        _, pl = udp_of(recs[0][1]) if recs else (None, b"")
        tap.ok(r.rc == 0 and pl == scr and checksum_ok(recs[0][1]) and
               r.count("ts-scrambled") == 1 and r.count("transformed") == 1,
               "Annex B test case 1 in UDP/IPv%d: scrambled to the vector, UDP checksum valid" % family, r)
        wrpcap(ctx.inp, [eth(udp_dgram(family, scr))])
        r = run(ctx, "ts-cissa", "decrypt", family, ["--even-key-file", kf], ctx.inp, ctx.out)
        _, recs = read_pcap_raw(ctx.out)
        _, pl = udp_of(recs[0][1]) if recs else (None, b"")
        tap.ok(r.rc == 0 and pl == clear and checksum_ok(recs[0][1]) and
               r.count("ts-descrambled") == 1,
               "Annex B test case 1 in UDP/IPv%d: descrambled to the clear packet" % family, r)


def round_trip(ctx, fmt, parity, rtp, family):
    name = "%s %s key %s IPv%d" % (fmt, parity, "RTP" if rtp else "plain UDP", family)
    keys = {"even": bytes(rng.getrandbits(8) for _ in range(16)),
            "odd": bytes(rng.getrandbits(8) for _ in range(16))}
    kfe, kfo = ctx.key("even", keys["even"].hex()), ctx.key("odd", keys["odd"].hex())
    n = 6
    dgrams = [iptv_datagram(i) for i in range(n)]
    payloads = [(rtp_header(i) if rtp else b"") + b"".join(d) for i, d in enumerate(dgrams)]
    others = [udp_dgram(family, payloads[0], dport=PORT + 1),
              udp_dgram(family, payloads[0], dst="239.255.0.9" if family == 4 else "ff3e::9")]
    frames = [eth(udp_dgram(family, p)) for p in payloads[:3]] + [eth(o) for o in others] + \
             [eth(udp_dgram(family, p)) for p in payloads[3:]]
    wrpcap(ctx.inp, frames)
    extra = ["--parity", parity, "--%s-key-file" % parity, kfe if parity == "even" else kfo]
    if rtp:
        extra.append("--rtp")
    r = run(ctx, fmt, "encrypt", family, extra, ctx.inp, ctx.out)
    _, recs = read_pcap_raw(ctx.out)
    tap.ok(r.rc == 0 and r.count("transformed") == n and r.count("passed") == 2 and
           r.count("ts-scrambled") == 3 * n and r.count("ts-clear") == 3 * n and
           r.count("ts-no-payload") == n,
           "%s: summary (%d datagrams, %d TS scrambled, %d clear, %d without payload)"
           % (name, n, 3 * n, 3 * n, n), r)
    out_frames = [b for _, b, _ in recs]
    group_out = out_frames[:3] + out_frames[5:]
    exact, clear_ok, csum_ok, af_ok = 0, 0, 0, 0
    for fr, d, i in zip(group_out, dgrams, range(n)):
        _, pl = udp_of(fr)
        off = 12 if rtp else 0
        got = [pl[off + 188 * k: off + 188 * (k + 1)] for k in range(7)]
        want = []
        for t in d:
            pid = (t[1] & 0x1f) << 8 | t[2]
            if pid in PSI or pid == NULL or payload_start(t) is None:
                want.append(t)
            else:
                want.append(ref_process(t, keys[parity], fmt, True, parity))
        exact += got == want and (not rtp or pl[:12] == rtp_header(i))
        clear_ok += all(got[k] == d[k] for k in (0, 5, 6))
        af_ok += got[4] == d[4]
        csum_ok += checksum_ok(fr)
    tap.ok(exact == n, "%s: every TS packet equals the reference scrambler (%d/%d datagrams)"
           % (name, exact, n))
    tap.ok(clear_ok == n, "%s: PAT, SDT and null packets left clear" % name)
    tap.ok(af_ok == n, "%s: the adaptation-only packet (no payload) is left alone" % name)
    tap.ok(csum_ok == n, "%s: UDP checksums valid after scrambling (%d/%d)" % (name, csum_ok, n))
    tap.ok(out_frames[3:5] == [raw(eth(o)) for o in others],
           "%s: other port and other group copied unchanged" % name)
    # Descramble with both keys: the originals, byte for byte.
    extra = ["--even-key-file", kfe, "--odd-key-file", kfo] + (["--rtp"] if rtp else [])
    r = run(ctx, fmt, "decrypt", family, extra, ctx.out, ctx.back)
    _, back = read_pcap_raw(ctx.back)
    tap.ok(r.rc == 0 and [b for _, b, _ in back] == [raw(f) for f in frames] and
           r.count("ts-descrambled") == 3 * n,
           "%s: descrambled back to the original frames (checksums included)" % name, r)
    with open(ctx.inp, "rb") as a, open(ctx.back, "rb") as b:
        tap.ok(a.read() == b.read(),
               "%s: the round-tripped capture file is byte-identical (header, snaplen, times)"
               % name)


def more_cases(ctx):
    kev = bytes(range(16))
    kod = bytes(range(16, 32))
    kfe, kfo = ctx.key("even", kev.hex()), ctx.key("odd", kod.hex())
    dg = [b"".join(iptv_datagram(i)) for i in range(4)]

    # Mixed parities in one stream: a crypto-period boundary.
    wrpcap(ctx.inp, [eth(udp_dgram(4, p)) for p in dg[:2]])
    run(ctx, "ts-idsa", "encrypt", 4, ["--even-key-file", kfe], ctx.inp, ctx.out)
    first = [b for _, b, _ in read_pcap_raw(ctx.out)[1]]
    wrpcap(ctx.inp, [eth(udp_dgram(4, p)) for p in dg[2:]])
    run(ctx, "ts-idsa", "encrypt", 4, ["--parity", "odd", "--odd-key-file", kfo], ctx.inp, ctx.out)
    second = [b for _, b, _ in read_pcap_raw(ctx.out)[1]]
    wrpcap(ctx.inp, [Ether(b) for b in first + second])
    r = run(ctx, "ts-idsa", "decrypt", 4, ["--even-key-file", kfe, "--odd-key-file", kfo],
            ctx.inp, ctx.back)
    back = [udp_of(b)[1] for _, b, _ in read_pcap_raw(ctx.back)[1]]
    tap.ok(r.rc == 0 and back == dg and r.count("ts-descrambled") == 12,
           "even then odd key across a crypto-period boundary: all descrambled", r)
    r = run(ctx, "ts-idsa", "decrypt", 4, ["--even-key-file", kfe], ctx.inp, ctx.back)
    tap.ok(r.rc == 0 and r.count("transformed") == 2 and r.drops() == {"no-sa": 2},
           "only the even key: the odd datagrams are dropped as no-sa", r)

    # --pids: only the audio PID.
    wrpcap(ctx.inp, [eth(udp_dgram(4, dg[0]))])
    r = run(ctx, "ts-cissa", "encrypt", 4, ["--even-key-file", kfe, "--pids", "0x101"],
            ctx.inp, ctx.out)
    _, pl = udp_of(read_pcap_raw(ctx.out)[1][0][1])
    pk = [pl[188 * k:188 * (k + 1)] for k in range(7)]
    src = [dg[0][188 * k:188 * (k + 1)] for k in range(7)]
    tap.ok(r.rc == 0 and r.count("ts-scrambled") == 1 and
           pk[3] == ref_process(src[3], kev, "ts-cissa", True) and
           all(pk[k] == src[k] for k in (0, 1, 2, 4, 5, 6)),
           "--pids 0x101: only the audio packet is scrambled", r)
    r = run(ctx, "ts-cissa", "encrypt", 4, ["--even-key-file", kfe, "--pids", "0,0x11,0x100-0x101"],
            ctx.inp, ctx.out)
    tap.ok(r.rc == 0 and r.count("ts-scrambled") == 5,
           "--pids 0,0x11,0x100-0x101: PSI scrambled when asked for", r)

    # Already scrambled and reserved bits.
    marked = bytearray(dg[1])
    marked[188 + 3] |= 0x80            # video: already 10
    marked[188 * 3 + 3] |= 0x40        # audio: reserved 01
    wrpcap(ctx.inp, [eth(udp_dgram(4, bytes(marked)))])
    r = run(ctx, "ts-cissa", "encrypt", 4, ["--even-key-file", kfe], ctx.inp, ctx.out)
    tap.ok(r.rc == 0 and r.count("ts-already-scrambled") == 2 and r.count("ts-scrambled") == 1,
           "scrambler leaves packets whose bits are already set alone", r)
    r = run(ctx, "ts-cissa", "decrypt", 4, ["--even-key-file", kfe], ctx.out, ctx.back)
    tap.ok(r.rc == 0 and r.count("ts-reserved-sc") == 1,
           "descrambler counts the reserved value 01", r)

    # IPv4 without a UDP checksum keeps none.
    wrpcap(ctx.inp, [eth(udp_dgram(4, dg[2], chksum=0))])
    r = run(ctx, "ts-cissa", "encrypt", 4, ["--even-key-file", kfe], ctx.inp, ctx.out)
    ip, _ = udp_of(read_pcap_raw(ctx.out)[1][0][1])
    tap.ok(r.rc == 0 and r.count("transformed") == 1 and ip[UDP].chksum == 0,
           "IPv4 datagram without a UDP checksum: stays without one", r)

    # IPv6: a datagram whose new checksum sums to zero is sent as 0xffff.
    # Scramble once, then adjust a clear word of the PAT so that the same
    # scrambling gives a one's complement sum of 0xffff.
    wrpcap(ctx.inp, [eth(udp_dgram(6, dg[3]))])
    run(ctx, "ts-cissa", "encrypt", 6, ["--even-key-file", kfe], ctx.inp, ctx.out)
    c = udp_of(read_pcap_raw(ctx.out)[1][0][1])[0][UDP].chksum
    p = bytearray(dg[3])
    w = struct.unpack("!H", p[10:12])[0] + c
    w = (w & 0xffff) + (w >> 16)
    p[10:12] = struct.pack("!H", w)
    wrpcap(ctx.inp, [eth(udp_dgram(6, bytes(p)))])
    r = run(ctx, "ts-cissa", "encrypt", 6, ["--even-key-file", kfe], ctx.inp, ctx.out)
    fr = read_pcap_raw(ctx.out)[1][0][1]
    ip, _ = udp_of(fr)
    tap.ok(r.rc == 0 and ip[UDP].chksum == 0xffff and checksum_ok(fr),
           "IPv6: a checksum computing to 0 goes on the wire as 0xffff, never 0", r)

    # Malformed datagrams of the group are dropped; without --group they pass.
    bad = [eth(udp_dgram(4, dg[0][:187])), eth(udp_dgram(4, dg[0] + b"\0\0")),
           eth(udp_dgram(4, b"\x48" + dg[0][1:]))]
    wrpcap(ctx.inp, bad + [eth(udp_dgram(4, dg[1]))])
    r = run(ctx, "ts-cissa", "encrypt", 4, ["--even-key-file", kfe], ctx.inp, ctx.out)
    tap.ok(r.rc == 0 and r.drops() == {"truncated": 1, "malformed": 2} and
           r.count("transformed") == 1,
           "group datagrams of 187 bytes, 190 bytes and a bad sync byte: dropped", r)
    r = run(ctx, "ts-cissa", "encrypt", 0, ["--even-key-file", kfe], ctx.inp, ctx.out)
    out = [b for _, b, _ in read_pcap_raw(ctx.out)[1]]
    tap.ok(r.rc == 0 and r.count("passed") == 3 and r.count("transformed") == 1 and
           out[:3] == [raw(b) for b in bad],
           "without --group only TS-shaped multicast datagrams are scrambled", r)

    # RTP with a bad version under --rtp: malformed.
    wrpcap(ctx.inp, [eth(udp_dgram(4, b"\x40" + rtp_header(1)[1:] + dg[0]))])
    r = run(ctx, "ts-cissa", "encrypt", 4, ["--even-key-file", kfe, "--rtp"], ctx.inp, ctx.out)
    tap.ok(r.rc == 0 and r.drops() == {"malformed": 1}, "RTP version 1 under --rtp: malformed", r)


def main():
    with tmpdir() as d:
        ctx = Ctx(d)
        annex_b(ctx)
        for fmt in ("ts-cissa", "ts-idsa"):
            for parity in ("even", "odd"):
                for rtp in (False, True):
                    for family in (4, 6):
                        round_trip(ctx, fmt, parity, rtp, family)
        more_cases(ctx)
    tap.done()


main()
