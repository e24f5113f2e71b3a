#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
"""mcsec-dpdk's group ESP over pcap files (net_pcap PMD), every suite,
tunnel and transport, IPv4 (and IPv6 for AES-128-GCM):
  - the appliance's output is byte-identical to mcsec-pcap's for the same
    SA and sequence numbers (both run the shared core);
  - scapy's own ESP opens every packet back to the original (GCM and
    ChaCha20-Poly1305; scapy has no RFC 4543 GMAC);
  - the appliance decrypts its own output back to the input frames,
    packets of other groups pass unchanged and are counted as unmatched;
  - with --cryptodev (DPDK's crypto_aesni_mb for every suite, and
    crypto_aesni_gcm and crypto_openssl, OpenSSL's own AEAD, for AES-GCM)
    the output is byte-identical to the direct path, the device did every
    packet it can (exact op counts; GMAC stays on the CPU), decryption
    through the device gives the input back and a tampered packet fails
    its tag there and is counted.
usage: test_dpdk_esp.py MCSEC_DPDK MCSEC_PCAP
"""

import random
import sys

from mcdtest import Tap, run_dpdk, run_pcap, tmpdir, write_key
from scapy.all import Ether, IP, IPv6, UDP, Raw, raw
from scapy.layers.ipsec import SecurityAssociation, ESP

tap = Tap()
DPDK, PCAP = sys.argv[1], sys.argv[2]
rng = random.Random(0x6d636470)
SPI, SEQ = 0x4d430001, 5
G4, G6, PORT = "239.1.2.3", "ff3e::4d:1", 5004
S4, S6 = "192.0.2.10", "2001:db8::10"
SUITES = {"aes128-gcm": 16, "aes256-gcm": 32, "aes128-gmac": 16,
          "chacha20-poly1305": 32}
# Which crypto devices each suite is tried on, and whether they take it.
CDEVS = {"aes128-gcm": ["crypto_aesni_mb", "crypto_aesni_gcm", "crypto_openssl"],
         "aes256-gcm": ["crypto_aesni_mb", "crypto_openssl"],
         "aes128-gmac": ["crypto_aesni_mb"],
         "chacha20-poly1305": ["crypto_aesni_mb"]}
OFFLOADED = {"aes128-gcm", "aes256-gcm", "chacha20-poly1305"}
SCAPY = {"aes128-gcm": "AES-GCM", "aes256-gcm": "AES-GCM",
         "chacha20-poly1305": "CHACHA20-POLY1305"}


def rbytes(n):
    return bytes(rng.getrandbits(8) for _ in range(n))


def eth(ip):
    return Ether(src="02:00:5e:00:00:01", dst="01:00:5e:01:02:03",
                 type=0x0800 if ip.version == 4 else 0x86dd) / ip


def flow(fam):
    ips = []
    for i, size in enumerate([0, 1, 3, 64, 100, 1316, 1400, rng.randrange(2, 1400)]):
        if fam == 4:
            ip = IP(src=S4, dst=G4, ttl=rng.randrange(1, 64), tos=rng.choice([0, 0xb8]),
                    id=rng.randrange(65536))
        else:
            ip = IPv6(src=S6, dst=G6, hlim=rng.randrange(1, 64), fl=rng.randrange(1 << 20))
        ips.append(ip / UDP(sport=40000 + i, dport=PORT) / Raw(rbytes(size)))
    if fam == 4:
        others = [IP(src=S4, dst="239.9.9.9") / UDP(dport=PORT) / Raw(b"other"),
                  IP(src=S4, dst="198.51.100.1") / UDP(dport=PORT) / Raw(b"unicast")]
    else:
        others = [IPv6(src=S6, dst="ff3e::9") / UDP(dport=PORT) / Raw(b"other"),
                  IPv6(src=S6, dst="2001:db8::99") / UDP(dport=PORT) / Raw(b"unicast")]
    ips = [p.__class__(raw(p)) for p in ips]
    # others in the middle, so bursts mix them with the group's packets
    frames = [eth(p) for p in ips[:4]] + [eth(o) for o in others] + [eth(p) for p in ips[4:]]
    return ips, [raw(f) for f in frames]


def lcsum(r, name):
    return sum(v.get(name, 0) for v in r.lcores.values())


# The 1400-byte payloads come out of IPv6 tunnel mode above 1500 bytes, the
# default MTU of every DPDK port; a capture has no MTU, so these runs lift
# it (what is dropped above it is test_dpdk_drops').
MTU = ["--mtu", "9000"]


def cdev_cases(name, suite, mode, d, kf, enc_conf, dec_conf, frames, ips, direct):
    for dev in CDEVS[suite] if mode == "tunnel" else CDEVS[suite][:1]:
        want = len(ips) if suite in OFFLOADED else 0
        r = run_dpdk(DPDK, d, enc_conf, frames, "0:encrypt", extra=MTU + ["--cryptodev", dev])
        tap.ok(r.rc == 0 and r.frames == direct and lcsum(r, "cdev-ops") == want and
               lcsum(r, "cdev-failed") == 0 and r.g("out-pkts-protected") == len(ips),
               "%s: --cryptodev %s encrypts byte-identical to the direct path, "
               "%d ops on the device" % (name, dev, want), r)
        # The first packet of a fresh ESN SA is opened on the CPU (its
        # anchor), the rest on the device.
        back = run_dpdk(DPDK, d, dec_conf, direct, "0:decrypt", extra=MTU + ["--cryptodev", dev])
        want = len(ips) - 1 if suite in OFFLOADED else 0
        tap.ok(back.rc == 0 and back.frames == frames and back.g("in-pkts-ok") == len(ips)
               and lcsum(back, "cdev-ops") == want and lcsum(back, "cdev-failed") == 0,
               "%s: --cryptodev %s decrypts back to the input, %d ops on the device"
               % (name, dev, want), back)
        # A flipped ciphertext byte in the last group packet: the device's
        # tag check fails it, the others pass.
        bad = list(direct)
        last = max(i for i, f in enumerate(bad) if ESP in Ether(f))
        b = bytearray(bad[last])
        b[-20] ^= 0x01
        bad[last] = bytes(b)
        t = run_dpdk(DPDK, d, dec_conf, bad, "0:decrypt", extra=MTU + ["--cryptodev", dev])
        tap.ok(t.rc == 0 and t.g("in-pkts-auth-failed") == 1 and
               t.g("in-pkts-ok") == len(ips) - 1 and len(t.frames) == len(frames) - 1 and
               lcsum(t, "cdev-failed") == 0,
               "%s: --cryptodev %s drops a tampered packet (auth-failed 1)" % (name, dev), t)


def case(suite, mode, fam):
    name = "%s %s ipv%d" % (suite, mode, fam)
    key = rbytes(SUITES[suite])
    salt = rbytes(4)
    grp = G4 if fam == 4 else "[%s]" % G6
    with tmpdir() as d:
        kf = write_key(d, "k.hex", key + salt)
        enc_conf = ("group %s:%d encrypt esp-%s\nsa spi 0x%x suite %s key-file %s seq %d\n"
                    % (grp, PORT, mode, SPI, suite, kf, SEQ))
        ips, frames = flow(fam)
        r = run_dpdk(DPDK, d, enc_conf, frames, "0:encrypt", extra=MTU)
        if not tap.ok(r.rc == 0 and len(r.frames) == len(frames) and
                      r.g("out-pkts-protected") == len(ips) and
                      r.nogroup.get("pkts-unmatched") == 2,
                      "%s: encrypt, %d protected, 2 unmatched" % (name, len(ips)), r):
            return
        ref = run_pcap(PCAP, d, frames, ["--format", "esp-" + mode, "--encrypt",
                                         "--group", "%s:%d" % (grp, PORT), "--suite", suite,
                                         "--spi", str(SPI), "--seq", str(SEQ),
                                         "--key-file", "k.hex"])
        tap.ok(r.frames == ref, "%s: byte-identical to mcsec-pcap" % name,
               "first difference at record %s" % next(
                   (i for i, (a, b) in enumerate(zip(r.frames, ref)) if a != b), "?"))
        if suite in SCAPY:
            tun = None
            if mode == "tunnel":
                tun = IP(src=S4, dst=G4) if fam == 4 else IPv6(src=S6, dst=G6)
            sa = SecurityAssociation(ESP, spi=SPI, crypt_algo=SCAPY[suite],
                                     crypt_key=key + salt, tunnel_header=tun,
                                     esn_en=True, esn=0)
            enc = [f for f in r.frames if Ether(f).payload.__class__ in (IP, IPv6)
                   and ESP in Ether(f)]
            try:
                opened = [raw(sa.decrypt(Ether(f).payload)) for f in enc]
            except Exception as ex:  # noqa: BLE001
                opened = [repr(ex)]
            tap.ok(opened == [raw(p) for p in ips], "%s: scapy's ESP opens all %d" %
                   (name, len(ips)), "opened %d" % len(opened))
        dec_conf = ("group %s:%d decrypt esp-%s\nsa spi 0x%x suite %s key-file %s\n"
                    % (grp, PORT, mode, SPI, suite, kf))
        back = run_dpdk(DPDK, d, dec_conf, r.frames, "0:decrypt", extra=MTU)
        tap.ok(back.rc == 0 and back.frames == frames and
               back.g("in-pkts-ok") == len(ips),
               "%s: decrypted back to the input frames" % name, back)
        if fam == 4 and (mode == "tunnel" or suite == "aes128-gcm"):
            cdev_cases(name, suite, mode, d, kf, enc_conf, dec_conf, frames, ips, r.frames)


for suite in SUITES:
    for mode in ("tunnel", "transport"):
        case(suite, mode, 4)
case("aes128-gcm", "tunnel", 6)
case("aes128-gcm", "transport", 6)
tap.done()
