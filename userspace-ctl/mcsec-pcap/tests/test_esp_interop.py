#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
"""mcsec-pcap's group ESP against independent peers, in both directions.

scapy's own ESP (scapy.layers.ipsec.SecurityAssociation) for AES-128-GCM,
AES-256-GCM and ChaCha20-Poly1305; scapy 2.5 has no RFC 4543 AES-GMAC, so
GMAC is checked against espref.py (RFC 4543 on python3-cryptography).
Tunnel (address preserving) and transport, IPv4 and IPv6, ESN on and off:
  - mcsec-pcap encrypts multicast UDP and the peer decrypts it back to the
    originals; the peer encrypting with IV = sequence number produces the
    very same bytes;
  - the peer encrypts and mcsec-pcap decrypts back to the originals;
  - packets outside the group are copied unchanged; linktypes and
    timestamps are kept.
usage: test_esp_interop.py PATH/TO/mcsec-pcap
"""

import os
import random
import struct

from mpcommon import (Tap, tool_path, run_tool, tmpdir, write_file, read_pcap,
                      read_pcap_raw, Ether, IP, IPv6, UDP, Raw, raw, wrpcap)
from scapy.layers.ipsec import SecurityAssociation, ESP
from scapy.layers.l2 import Dot1Q, CookedLinux
import espref

tap = Tap()
TOOL = tool_path()
rng = random.Random(0x6d637365)

SPI = 0x4d430001
GROUP4, GROUP6, PORT = "239.1.2.3", "ff3e::4d:1", 5004
SRC4, SRC6 = "192.0.2.10", "2001:db8::10"
SCAPY_ALGO = {"aes128-gcm": "AES-GCM", "aes256-gcm": "AES-GCM",
              "chacha20-poly1305": "CHACHA20-POLY1305"}
KEY_LEN = {"aes128-gcm": 16, "aes256-gcm": 32, "aes128-gmac": 16,
           "chacha20-poly1305": 32}


def rbytes(n):
    return bytes(rng.getrandbits(8) for _ in range(n))


def group_flow(family, n, with_others=True):
    """n UDP datagrams to the group, varied sizes and header fields, and a
    few packets that are not the group's."""
    pkts = []
    for i in range(n):
        size = rng.choice([0, 1, 2, 3, 4, 5, 100, 1316, rng.randrange(0, 1400)])
        if family == 4:
            ip = IP(src=SRC4, dst=GROUP4, ttl=rng.randrange(1, 64),
                    tos=rng.choice([0, 0x28, 0xb8, 0x02]), id=rng.randrange(65536),
                    flags=rng.choice([0, 2]))
        else:
            ip = IPv6(src=SRC6, dst=GROUP6, hlim=rng.randrange(1, 64),
                      tc=rng.choice([0, 0x28, 0xb8]), fl=rng.randrange(1 << 20))
        pkts.append(ip / UDP(sport=40000 + i, dport=PORT) / Raw(rbytes(size)))
    others = []
    if with_others:
        if family == 4:
            others = [IP(src=SRC4, dst="239.9.9.9") / UDP(dport=PORT) / Raw(b"other group"),
                      IP(src=SRC4, dst=GROUP4) / UDP(dport=PORT + 1) / Raw(b"other port"),
                      IP(src=SRC4, dst="198.51.100.1") / UDP(dport=PORT) / Raw(b"unicast")]
        else:
            others = [IPv6(src=SRC6, dst="ff3e::9") / UDP(dport=PORT) / Raw(b"other group"),
                      IPv6(src=SRC6, dst=GROUP6) / UDP(dport=PORT + 1) / Raw(b"other port"),
                      IPv6(src=SRC6, dst="2001:db8::99") / UDP(dport=PORT) / Raw(b"unicast")]
    # canonical bytes (lengths and checksums filled in)
    pkts = [p.__class__(raw(p)) for p in pkts]
    others = [p.__class__(raw(p)) for p in others]
    return pkts, others


def eth(ip):
    return Ether(src="02:00:5e:00:00:01", dst="01:00:5e:01:02:03",
                 type=0x0800 if ip.version == 4 else 0x86dd) / ip


def group_arg(family):
    return "%s:%d" % (GROUP4, PORT) if family == 4 else "[%s]:%d" % (GROUP6, PORT)


def scapy_sa(suite, key, salt, mode, family, esn, seq_hi):
    tunnel = None
    if mode == "tunnel":
        tunnel = IP(src=SRC4, dst=GROUP4) if family == 4 else IPv6(src=SRC6, dst=GROUP6)
    return SecurityAssociation(ESP, spi=SPI, crypt_algo=SCAPY_ALGO[suite],
                               crypt_key=key + salt, tunnel_header=tunnel,
                               esn_en=esn, esn=seq_hi)


def scapy_encrypt_like_mcsec(suite, key, salt, mode, inner, seq, esn):
    """scapy's ESP with mcsec's choices: IV = seq, the outer header copied.
    (seq_num also goes to the SA: encrypt() reads a low half of 0 as "use
    the SA's counter".)"""
    sa = SecurityAssociation(ESP, spi=SPI, seq_num=seq & 0xffffffff,
                             crypt_algo=SCAPY_ALGO[suite],
                             crypt_key=key + salt,
                             tunnel_header=espref.outer_for(inner) if mode == "tunnel" else None,
                             esn_en=esn, esn=seq >> 32)
    out = sa.encrypt(inner, seq_num=seq & 0xffffffff, iv=struct.pack("!Q", seq))
    return raw(out)


def peer_decrypt(suite, key, salt, mode, family, esn, ip_bytes, seq_hi):
    """The peer opens one of mcsec's packets: the restored IP bytes."""
    if suite in SCAPY_ALGO:
        sa = scapy_sa(suite, key, salt, mode, family, esn, seq_hi)
        cls = IP if family == 4 else IPv6
        return raw(sa.decrypt(cls(ip_bytes)))
    spi, seq, payload, nh, _ = espref.open_esp(suite, key, salt,
                                               espref.esp_of(ip_bytes), seq_hi, esn)
    if mode == "tunnel":
        return payload
    hdr = IP(ip_bytes) if family == 4 else IPv6(ip_bytes)
    hdr.remove_payload()
    if family == 4:
        hdr.proto, hdr.len, hdr.chksum = nh, None, None
    else:
        hdr.nh, hdr.plen = nh, None
    return raw(hdr / Raw(payload))


def peer_encrypt(suite, key, salt, mode, pkt, seq, esn):
    """The peer protects one packet (random IV for scapy)."""
    if suite in SCAPY_ALGO:
        sa = scapy_sa(suite, key, salt, mode, pkt.version, esn, seq >> 32)
        return sa.encrypt(pkt, seq_num=seq & 0xffffffff)
    if mode == "tunnel":
        esp = espref.seal(suite, key, salt, SPI, seq, esn, raw(pkt),
                          4 if pkt.version == 4 else 41, iv=rbytes(8))
        return espref.tunnel_packet(pkt, esp)
    hdr, nh, l4 = espref.transport_split(pkt)
    esp = espref.seal(suite, key, salt, SPI, seq, esn, l4, nh, iv=rbytes(8))
    return espref.transport_packet(pkt, esp)


def set_times(pkts, base):
    for i, p in enumerate(pkts):
        p.time = base + i * 0.001 + rng.randrange(1000) * 1e-6


def one_case(d, suite, mode, family, esn):
    name = "%s %s IPv%d %s" % (suite, mode, family, "esn" if esn else "no-esn")
    key, salt = rbytes(KEY_LEN[suite]), rbytes(4)
    kf = write_file(os.path.join(d, "key"), "# %s\n%s\n%s\n" % (suite, key.hex(), salt.hex()))
    pkts, others = group_flow(family, 12)
    frames = [eth(p) for p in pkts[:6]] + [eth(o) for o in others] + [eth(p) for p in pkts[6:]]
    set_times(frames, 1700000000)
    inp, enc, dec = (os.path.join(d, x) for x in ("in.pcap", "enc.pcap", "dec.pcap"))
    wrpcap(inp, frames)
    seq0 = (1 << 32) + 0xfffffffa if esn else 7   # ESN: cross a 2^32 boundary
    args = ["--format", "esp-" + mode, "--suite", suite, "--spi", hex(SPI),
            "--group", group_arg(family), "--key-file", kf]
    if not esn:
        args.append("--no-esn")

    # 1. mcsec-pcap encrypts, the peer decrypts.
    r = run_tool(TOOL, args + ["--encrypt", "--seq", seq0, inp, enc])
    tap.ok(r.rc == 0 and r.count("transformed") == 12 and r.count("passed") == 3
           and r.count("dropped") == 0 and r.count("next-seq") == seq0 + 12,
           "%s: encrypt summary (12 transformed, 3 passed)" % name, r)
    lt_in, raw_in = read_pcap_raw(inp)
    lt_out, raw_out = read_pcap_raw(enc)
    tap.ok(lt_out == lt_in and len(raw_out) == len(raw_in) and
           [t for t, _, _ in raw_out] == [t for t, _, _ in raw_in],
           "%s: linktype, record count and timestamps kept" % name)
    group_out = [b for i, (_, b, _) in enumerate(raw_out) if not 6 <= i < 9]
    other_out = [b for i, (_, b, _) in enumerate(raw_out) if 6 <= i < 9]
    tap.ok(other_out == [raw(eth(o)) for o in others],
           "%s: packets outside the group copied unchanged" % name)
    opened, same_bytes, bad = 0, 0, []
    for i, (fr, orig) in enumerate(zip(group_out, pkts)):
        seq = seq0 + i
        etype = struct.unpack("!H", fr[12:14])[0]
        ipb = fr[14:]
        if etype != (0x0800 if family == 4 else 0x86dd):
            bad.append("ethertype %#x" % etype)
            continue
        try:
            back = peer_decrypt(suite, key, salt, mode, family, esn, ipb, seq >> 32)
        except Exception as ex:  # noqa: BLE001
            bad.append("packet %d: peer refused it: %r" % (i, ex))
            continue
        if back == raw(orig):
            opened += 1
        else:
            bad.append("packet %d decrypts to other bytes" % i)
        if suite in SCAPY_ALGO:
            same_bytes += scapy_encrypt_like_mcsec(suite, key, salt, mode, orig, seq, esn) == ipb
        else:
            esp = espref.esp_of(ipb)
            same_bytes += struct.unpack("!II", esp[:8]) == (SPI, seq & 0xffffffff)
    peer = "scapy" if suite in SCAPY_ALGO else "espref (RFC 4543)"
    tap.ok(opened == 12, "%s: %s decrypts all 12 of mcsec-pcap's packets to the originals" % (name, peer),
           "\n".join(bad[:5]))
    if suite in SCAPY_ALGO:
        tap.ok(same_bytes == 12, "%s: scapy with IV = seq and the copied outer header gives the same bytes (%d/12)"
               % (name, same_bytes))
    else:
        tap.ok(same_bytes == 12, "%s: SPI and sequence numbers on the wire (%d/12)" % (name, same_bytes))

    # 2. The peer encrypts, mcsec-pcap decrypts.
    seq_base = 1 if not esn else 3
    penc = [peer_encrypt(suite, key, salt, mode, p, seq_base + i, esn) for i, p in enumerate(pkts)]
    frames = [eth(p) for p in penc[:6]] + [eth(o) for o in others] + [eth(p) for p in penc[6:]]
    set_times(frames, 1700001000)
    wrpcap(inp, frames)
    r = run_tool(TOOL, args + ["--decrypt", inp, dec])
    tap.ok(r.rc == 0 and r.count("transformed") == 12 and r.count("passed") == 3
           and r.count("dropped") == 0,
           "%s: decrypt summary (12 transformed, 3 passed, 0 dropped)" % name, r)
    _, raw_dec = read_pcap_raw(dec)
    want = [raw(eth(p)) for p in pkts[:6]] + [raw(eth(o)) for o in others] + \
           [raw(eth(p)) for p in pkts[6:]]
    got = [b for _, b, _ in raw_dec]
    tap.ok(got == want, "%s: mcsec-pcap decrypts the %s's packets to the originals" % (name, peer),
           "first difference at record %s" % next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), len(got)))


def linktype_cases(d):
    """Raw IP (DLT_RAW and LINKTYPE_IPV4/IPV6), VLAN-tagged Ethernet and
    Linux cooked captures: the frame around the IP packet survives."""
    key, salt = rbytes(16), rbytes(4)
    kf = write_file(os.path.join(d, "key"), key.hex() + salt.hex())
    for family in (4, 6):
        pkts, others = group_flow(family, 5)
        variants = [
            ("LINKTYPE_IPV%d" % family, 228 if family == 4 else 229, list(pkts + others), lambda b: b),
            ("DLT_RAW", 101, list(pkts + others), lambda b: b),
            ("Ethernet + 802.1Q", 1,
             [Ether(dst="01:00:5e:00:00:01") / Dot1Q(vlan=42) / p for p in pkts + others],
             lambda b: b[18:]),
            ("Linux cooked", 113,
             [CookedLinux(pkttype=0, lladdrtype=1, lladdrlen=6, src=b"\x02\0\0\0\0\1\0\0",
                          proto=0x0800 if family == 4 else 0x86dd) / p for p in pkts + others],
             lambda b: b[16:]),
        ]
        for label, lt, frames, strip in variants:
            inp, enc, dec = (os.path.join(d, x) for x in ("in.pcap", "enc.pcap", "dec.pcap"))
            set_times(frames, 1600000000)
            wrpcap(inp, frames, linktype=lt)
            args = ["--format", "esp-tunnel", "--spi", SPI, "--group", group_arg(family),
                    "--key-file", kf]
            r1 = run_tool(TOOL, args + ["--encrypt", inp, enc])
            r2 = run_tool(TOOL, args + ["--decrypt", enc, dec])
            lt1, rin = read_pcap_raw(inp)
            lt2, renc = read_pcap_raw(enc)
            lt3, rdec = read_pcap_raw(dec)
            ok = (r1.rc == 0 and r2.rc == 0 and lt1 == lt2 == lt3 and
                  r1.count("transformed") == 5 and r2.count("transformed") == 5 and
                  [b for _, b, _ in rdec] == [b for _, b, _ in rin] and
                  [t for t, _, _ in renc] == [t for t, _, _ in rin])
            grew = all(len(e) > len(i) for (_, e, _), (_, i, _) in zip(renc[:5], rin[:5]))
            opened = 0
            sa = scapy_sa("aes128-gcm", key, salt, "tunnel", family, True, 0)
            for (_, b, _), p in zip(renc[:5], pkts):
                try:
                    cls = IP if family == 4 else IPv6
                    opened += raw(sa.decrypt(cls(strip(b)))) == raw(p)
                except Exception:  # noqa: BLE001
                    pass
            tap.ok(ok and grew and opened == 5,
                   "IPv%d %s (linktype %d): frames grow, scapy opens them, round trip exact, timestamps kept"
                   % (family, label, lt), "%r %r lt=%s opened=%d" % (r1, r2, (lt1, lt2, lt3), opened))


def no_group_case(d):
    """Without --group: every multicast UDP packet is encrypted, unicast is
    not; decrypt takes ESP carrying --spi and leaves other SPIs alone."""
    key, salt = rbytes(16), rbytes(4)
    kf = write_file(os.path.join(d, "key"), key.hex() + salt.hex())
    pkts, others = group_flow(4, 4)
    inp, enc, dec = (os.path.join(d, x) for x in ("in.pcap", "enc.pcap", "dec.pcap"))
    wrpcap(inp, [eth(p) for p in pkts + others])
    base = ["--format", "esp-tunnel", "--spi", SPI, "--key-file", kf]
    r = run_tool(TOOL, base + ["--encrypt", inp, enc])
    tap.ok(r.rc == 0 and r.count("transformed") == 6 and r.count("passed") == 1,
           "no --group: the 6 multicast UDP packets are encrypted, unicast passes", r)
    other_sa = SecurityAssociation(ESP, spi=SPI + 1, crypt_algo="AES-GCM", crypt_key=key + salt,
                                   tunnel_header=IP(src=SRC4, dst=GROUP4))
    _, recs = read_pcap_raw(enc)
    frames = [Ether(b) for _, b, _ in recs] + [eth(other_sa.encrypt(pkts[0]))]
    wrpcap(enc, frames)
    r = run_tool(TOOL, base + ["--decrypt", enc, dec])
    _, rdec = read_pcap_raw(dec)
    tap.ok(r.rc == 0 and r.count("transformed") == 6 and r.count("passed") == 2 and
           r.count("dropped") == 0 and rdec[-1][1] == raw(frames[-1]),
           "no --group: decrypt opens ESP with --spi, passes another SPI unchanged", r)


def main():
    with tmpdir() as d:
        for suite in ("aes128-gcm", "aes256-gcm", "chacha20-poly1305", "aes128-gmac"):
            for mode in ("tunnel", "transport"):
                for family in (4, 6):
                    for esn in (True, False):
                        one_case(d, suite, mode, family, esn)
        linktype_cases(d)
        no_group_case(d)
    tap.diag("scapy %s: ESP with AES-GCM and CHACHA20-POLY1305; no AES-GMAC (RFC 4543), "
             "checked against espref.py instead" % __import__("scapy").VERSION)
    tap.done()


main()
