#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""ESP packets for the attack selftests, built independently of mcsec
(python3-cryptography's AES-GCM, RFC 4106 with 32-bit sequence numbers):
tunnel mode, address preserving, as a receiver of group ESP must parse it.

  esp_forge.py OUTDIR SPI KEYHEX SALTHEX PAYLOADS KIND:SEQ... [--src A]
               [--dst G] [--port N]
      writes OUTDIR/KIND.pcap for each KIND (one python start-up for all:
      that takes seconds in a loaded TCG guest), an Ethernet pcap with one
      frame per line of PAYLOADS (hex, as mcast.py writes them), sequence
      numbers SEQ, SEQ + 1, ...:
        valid      what a sender with this key would send
        bad-ct     one ciphertext byte flipped
        bad-icv    the last ICV byte flipped
        bad-seq    valid for SEQ + i, then the sequence field set to
                   SEQ + i + 1000000 (it is in the AAD)
        wrong-key  valid under another key
        truncated  the ESP header cut to 4, 8, 16, 24, 33 ... bytes
                   (cycling), IP lengths consistent
        garbage    the right SPI and sequence number, then random bytes
        no-sa      random SPI (never SPI itself) and random bytes
"""
import argparse
import random
import socket
import struct
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import mcast  # noqa: E402


def ipv4(src, dst, proto, body, ttl=15, ident=0):
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(body), ident, 0, ttl,
                    proto, 0, s, d)
    return h[:10] + struct.pack("!H", mcast.csum(h)) + h[12:] + body


def inner_udp(src, dst, port, payload):
    """The cleartext datagram the sender sent (mcast.udp_frame's layout)."""
    fr = mcast.udp_frame(src, dst, 40000, port, payload, 16, 0)
    return fr[14:]


def esp(spi, seq, key, salt, inner):
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    padlen = (-(len(inner) + 2)) % 4
    pt = inner + bytes(range(1, padlen + 1)) + bytes([padlen, 4])
    hdr = struct.pack("!II", spi, seq)
    iv = struct.pack("!Q", seq)
    return hdr + iv + AESGCM(key).encrypt(salt + iv, pt, hdr)


def frame(dst, ip):
    d = socket.inet_aton(dst)
    mac = b"\x01\x00\x5e" + bytes([d[1] & 0x7f, d[2], d[3]])
    return mac + b"\x02\x00\x00\x00\x00\x02" + b"\x08\x00" + ip


def build(a, i, payload, rng):
    key, salt = bytes.fromhex(a.key), bytes.fromhex(a.salt)
    seq = a.seq + i
    inner = inner_udp(a.src, a.dst, a.port, payload)
    k = a.kind
    if k == "valid":
        e = esp(a.spi, seq, key, salt, inner)
    elif k == "bad-ct":
        e = bytearray(esp(a.spi, seq, key, salt, inner))
        e[16 + rng.randrange(len(inner))] ^= 1 << rng.randrange(8)
    elif k == "bad-icv":
        e = bytearray(esp(a.spi, seq, key, salt, inner))
        e[-1] ^= 0x80
    elif k == "bad-seq":
        e = bytearray(esp(a.spi, seq, key, salt, inner))
        e[4:8] = struct.pack("!I", seq + 1000000)
    elif k == "wrong-key":
        e = esp(a.spi, seq, bytes(b ^ 0x5a for b in key), salt, inner)
    elif k == "truncated":
        full = esp(a.spi, seq, key, salt, inner)
        e = full[:(4, 8, 16, 24, 33)[i % 5]]
    elif k == "garbage":
        e = struct.pack("!II", a.spi, seq) + bytes(
            rng.getrandbits(8) for _ in range(16 + 16 * rng.randint(2, 20)))
    elif k == "no-sa":
        spi = a.spi
        while spi == a.spi or spi < 256:
            spi = rng.getrandbits(32)
        e = struct.pack("!II", spi, seq) + bytes(
            rng.getrandbits(8) for _ in range(64))
    else:
        raise SystemExit("unknown kind %s" % k)
    return frame(a.dst, ipv4(a.src, a.dst, 50, bytes(e), ident=0x2000 + i))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("spi", type=lambda v: int(v, 0))
    ap.add_argument("key")
    ap.add_argument("salt")
    ap.add_argument("payloads")
    ap.add_argument("kinds", nargs="+")
    ap.add_argument("--src", default="10.0.1.1")
    ap.add_argument("--dst", default="239.1.1.1")
    ap.add_argument("--port", type=int, default=5000)
    ap.add_argument("--seed", default="esp_forge")
    a = ap.parse_args()
    payloads = mcast.read_payloads(a.payloads)
    for ks in a.kinds:
        a.kind, seq = ks.split(":")
        a.seq = int(seq)
        rng = random.Random(a.seed + a.kind)
        out = [struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)]
        for i, p in enumerate(payloads):
            fr = build(a, i, p, rng)
            out.append(struct.pack("<IIII", 1700000000, i * 1000, len(fr), len(fr)) + fr)
        with open("%s/%s.pcap" % (a.outdir, a.kind), "wb") as f:
            f.write(b"".join(out))


if __name__ == "__main__":
    main()
