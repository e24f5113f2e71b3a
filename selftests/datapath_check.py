#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The independent half of selftests/datapath.sh: opens what the core's
capture recorded with implementations nobody here wrote, and checks the
module's counters against what the payloads imply.

  datapath_check.py plan DIR COUNT GROUP4 GROUP6 TOPDIR
  datapath_check.py MANIFEST CAPTURE HE.json EDGE.json [H0.pcap E0.pcap]

plan writes the cases' files (see plan() below); the second form checks.

MANIFEST has one line per case, words KEY=VALUE:
  name=  kind=esp|ts  fam=4|6  group=  port=  key=HEX (ESP: key || salt)
  payloads=FILE (what the sender sent, mcast.py's hex lines)
  ESP: mode=tunnel|transport suite= esn=0|1 spi=
  TS:  fmt=ts-cissa|ts-idsa parity=even|odd pids=LIST|default rtp=0|1

HE.json and EDGE.json are `mcsecctl -j -s group show` of each router.
Per case it prints two results, "PASS DESC" or "FAIL DESC" followed by
"# " diagnostics:
  - the core capture: every packet of the case is what the standard says
    and nothing of it is in clear:
      ESP: exactly the case's datagrams, as ESP with the case's SPI and
      sequence numbers 1..N, decrypted by scapy's ESP (AES-GCM,
      ChaCha20-Poly1305; scapy 2.5 has no RFC 4543) or by RFC 4543 on
      python3-cryptography (AES-GMAC), give back the payloads in order,
      with the inner header preserved in the outer (tunnel); no UDP
      datagram of the case's port to the group, and no 48 bytes in a row
      of any payload anywhere in the capture (but for GMAC, which by design
      encrypts nothing);
      TS: the datagrams to the case's port are byte for byte what the
      standards' rules give (DVB-CISSA: AES-128-CBC with the fixed IV,
      residue clear; ATIS-IDSA: zero IV, DVS-042 residue), computed here
      with python3-cryptography, every selected PID with payload marked
      with the case's parity, UDP checksums valid; and descrambling them
      by the same rules gives the sender's payloads;
  - the counters: the head-end's group protected N datagrams of the
    payloads' octets, the edge's verified N, each TS tally exact, every
    other counter 0.
With H0.pcap and E0.pcap (frames held unread on packet sockets on the
head-end's and the edge's input, so the skbs the hooks rewrote were
clones), two more: h0's copy is the cleartext as sent, e0's the core's
ciphertext, byte for byte from the transport header on.
"""

import ipaddress
import json
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mcast  # noqa: E402  (pcap and payload helpers of the selftests)

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes  # noqa: E402
from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: E402

IP = IPv6 = UDP = ESP = SecurityAssociation = None


def import_scapy():
    """scapy for the check only: plan needs none of it (slow under TCG)."""
    global IP, IPv6, UDP, ESP, SecurityAssociation
    from scapy.layers.inet import IP, UDP
    from scapy.layers.inet6 import IPv6
    from scapy.layers.ipsec import ESP, SecurityAssociation

SCAPY_ALGO = {"aes128-gcm": "AES-GCM", "aes256-gcm": "AES-GCM",
              "chacha20-poly1305": "CHACHA20-POLY1305"}
CISSA_IV = b"DVBTMCPTAESCISSA"


class Case:
    def __init__(self, line):
        self.__dict__.update(dict(w.split("=", 1) for w in line.split()))
        self.port = int(self.port)
        self.key = bytes.fromhex(self.key)
        self.payloads = mcast.read_payloads(self.payloads)
        self.diag = []

    def fail(self, msg):
        self.diag.append(msg)
        return False


def frames_to(frames, group):
    """(ip bytes, proto, l4 bytes) of every IP packet to group."""
    out = []
    for ip in frames:
        p = mcast.parse_ip(ip)
        if p and p[0] == group:
            out.append((ip, p[1], p[2]))
    return out


# ---- ESP ------------------------------------------------------------------------

def gmac_open(key, salt, esp, esn):
    """RFC 4543: AAD = SPI || [seq high, 0 here] || seq low || IV ||
    payload || trailer, nothing encrypted. Returns payload and trailer;
    raises InvalidTag."""
    iv, body, tag = esp[8:16], esp[16:-16], esp[-16:]
    aad = esp[:4] + (bytes(4) if esn else b"") + esp[4:8]
    AESGCM(key).decrypt(salt + iv, tag, aad + iv + body)
    return body


def esp_inner(c, ip):
    """The packet as the edge must see it again: scapy's (or RFC 4543's)
    decryption of one captured ESP packet."""
    cls = IP if c.fam == "4" else IPv6
    pkt = cls(ip)
    if c.suite == "aes128-gmac":
        esp = bytes(pkt.payload)
        pt = gmac_open(c.key[:-4], c.key[-4:], esp, c.esn == "1")
        padlen, nh = pt[-2], pt[-1]
        body = pt[:-2 - padlen]
        if c.mode == "tunnel":
            return (IP if nh == 4 else IPv6)(body)
        hdr = bytearray(ip[:len(ip) - len(esp)])
        if c.fam == "4":
            hdr[9] = nh
            return IP(bytes(hdr) + body)
        hdr[6] = nh
        return IPv6(bytes(hdr) + body)
    tunnel = None
    if c.mode == "tunnel":
        tunnel = IP(src=pkt.src, dst=pkt.dst) if c.fam == "4" else \
            IPv6(src=pkt.src, dst=pkt.dst)
    sa = SecurityAssociation(ESP, spi=int(c.spi, 0),
                             crypt_algo=SCAPY_ALGO[c.suite], crypt_key=c.key,
                             tunnel_header=tunnel, esn_en=c.esn == "1", esn=0)
    return sa.decrypt(pkt)


def check_esp_capture(c, pkts):
    spi = int(c.spi, 0)
    mine = [(ip, l4) for ip, proto, l4 in pkts
            if proto == 50 and len(l4) >= 8 and struct.unpack("!I", l4[:4])[0] == spi]
    clear = [1 for ip, proto, l4 in pkts
             if proto == 17 and struct.unpack("!H", l4[2:4])[0] == c.port]
    if clear:
        return c.fail("%d cleartext datagrams to port %d in the core" % (len(clear), c.port))
    if len(mine) != len(c.payloads):
        return c.fail("%d ESP packets with SPI %s in the core, sent %d"
                      % (len(mine), c.spi, len(c.payloads)))
    for i, (ip, l4) in enumerate(mine):
        seq = struct.unpack("!I", l4[4:8])[0]
        if seq != i + 1:
            return c.fail("packet %d has sequence number %d" % (i + 1, seq))
        try:
            inner = esp_inner(c, ip)
        except Exception as e:  # a packet the peer cannot open is the failure
            return c.fail("packet %d: %s does not open it: %r" % (i + 1, c.suite, e))
        outer = (IP if c.fam == "4" else IPv6)(ip)
        if inner.src != outer.src or inner.dst != outer.dst:
            return c.fail("packet %d: inner %s > %s, outer %s > %s"
                          % (i + 1, inner.src, inner.dst, outer.src, outer.dst))
        if UDP not in inner or inner[UDP].dport != c.port:
            return c.fail("packet %d: inner packet is not UDP to port %d" % (i + 1, c.port))
        got = bytes(inner[UDP].payload)
        if got != c.payloads[i]:
            return c.fail("packet %d: payload differs from what was sent" % (i + 1))
    return True


# ---- TS (the standards' rules, on python3-cryptography) ------------------------

def aes(key, data, mode, enc):
    x = Cipher(algorithms.AES(key), mode)
    x = x.encryptor() if enc else x.decryptor()
    return x.update(data) + x.finalize()


def ts_payload_off(ts):
    """Offset of a TS packet's payload, None without one."""
    afc = ts[3] >> 4 & 3
    if not afc & 1:
        return None
    off = 4 + (1 + ts[4] if afc & 2 else 0)
    return off if off < 188 else None


def ts_cipher(fmt, key, pl, enc):
    """ETSI TS 103 127 (CISSA) / ATIS-0800006 (IDSA) on one payload."""
    full = len(pl) - len(pl) % 16
    iv = CISSA_IV if fmt == "ts-cissa" else bytes(16)
    body = aes(key, pl[:full], modes.CBC(iv), enc) if full else b""
    rest = pl[full:]
    if fmt == "ts-idsa" and rest:
        chain = (body if enc else pl)[full - 16:full] if full else iv
        pad = aes(key, chain, modes.ECB(), True)
        rest = bytes(a ^ b for a, b in zip(rest, pad))
    return body + rest


def rtp_len(c, p):
    if c.rtp != "1":
        return 0
    return 12 + 4 * (p[0] & 15)


def selected(c, pid):
    if c.pids == "default":
        return 0x20 <= pid < 0x1fff
    return pid in {int(x, 0) for x in c.pids.split(",")}


def ts_scramble(c, p, tally):
    """The datagram the head-end must send for payload p, tallying."""
    h = rtp_len(c, p)
    out = bytearray(p[:h])
    mark = 0x80 if c.parity == "even" else 0xc0
    for i in range(h, len(p), 188):
        ts = bytearray(p[i:i + 188])
        pid = (ts[1] & 0x1f) << 8 | ts[2]
        off = ts_payload_off(ts)
        if not selected(c, pid):
            tally["clear"] += 1
        elif ts[3] & 0xc0:
            tally["already"] += 1
        elif off is None:
            tally["no_payload"] += 1
        else:
            ts[3] |= mark
            ts[off:] = ts_cipher(c.fmt, c.key, bytes(ts[off:]), True)
            tally["scrambled"] += 1
        out += ts
    return bytes(out)


def ts_descramble(c, p):
    h = rtp_len(c, p)
    out = bytearray(p[:h])
    for i in range(h, len(p), 188):
        ts = bytearray(p[i:i + 188])
        if ts[3] & 0x80:
            ts[3] &= 0x3f
            off = ts_payload_off(ts)
            if off is not None:
                ts[off:] = ts_cipher(c.fmt, c.key, bytes(ts[off:]), False)
        out += ts
    return bytes(out)


def udp_csum_ok(ip):
    v4 = ip[0] >> 4 == 4
    if v4:
        ihl = (ip[0] & 15) * 4
        src, dst, udp = ip[12:16], ip[16:20], ip[ihl:]
        if struct.unpack("!H", udp[6:8])[0] == 0:
            return True
        pseudo = src + dst + struct.pack("!BBH", 0, 17, len(udp))
    else:
        src, dst, udp = ip[8:24], ip[24:40], ip[40:]
        pseudo = src + dst + struct.pack("!IxxxB", len(udp), 17)
    return mcast.csum(pseudo + udp) == 0


def check_ts_capture(c, pkts):
    mine = [(ip, l4) for ip, proto, l4 in pkts
            if proto == 17 and struct.unpack("!H", l4[2:4])[0] == c.port]
    c.tally = {"scrambled": 0, "clear": 0, "no_payload": 0, "already": 0}
    want = [ts_scramble(c, p, c.tally) for p in c.payloads]
    if len(mine) != len(want):
        return c.fail("%d datagrams to port %d in the core, sent %d"
                      % (len(mine), c.port, len(want)))
    if not c.tally["scrambled"]:
        return c.fail("the stream has no packet to scramble: test broken")
    for i, (ip, l4) in enumerate(mine):
        got = l4[8:struct.unpack("!H", l4[4:6])[0]]
        if got != want[i]:
            return c.fail("datagram %d differs from the standard's scrambling" % (i + 1))
        if not udp_csum_ok(ip):
            return c.fail("datagram %d: bad UDP checksum" % (i + 1))
        if ts_descramble(c, got) != c.payloads[i]:
            return c.fail("datagram %d does not descramble to what was sent" % (i + 1))
    return True


# ---- counters -------------------------------------------------------------------

def load_groups(path):
    """(group address, port) -> counters, from mcsecctl -j -s group show."""
    with open(path) as f:
        groups = json.load(f)
    return {(str(ipaddress.ip_address(g["group"])), g["port"]): g.get("stats", {})
            for g in groups}


def check_counters(c, he_groups, edge_groups):
    n = len(c.payloads)
    if c.kind == "esp":
        hl = 20 if c.fam == "4" else 40
        octets = sum(hl + 8 + len(p) for p in c.payloads)
        he = {"out-pkts-protected": n, "out-octets-protected": octets}
        edge = {"in-pkts-ok": n, "in-octets-ok": octets}
    else:
        octets = sum(len(p) for p in c.payloads)
        t = c.tally
        he = {"out-pkts-protected": n, "out-octets-protected": octets,
              "ts-pkts-scrambled": t["scrambled"], "ts-pkts-clear": t["clear"],
              "ts-pkts-no-payload": t["no_payload"]}
        edge = {"in-pkts-ok": n, "in-octets-ok": octets,
                "ts-pkts-descrambled": t["scrambled"],
                "ts-pkts-clear": t["clear"] + t["no_payload"]}
    ok = True
    key = (str(ipaddress.ip_address(c.group)), c.port)
    for where, groups, want in (("head-end", he_groups, he), ("edge", edge_groups, edge)):
        if key not in groups:
            return c.fail("%s: no group %s port %d" % (where, key[0], key[1]))
        got = groups[key]
        for k in sorted(set(got) | set(want)):
            if got.get(k, 0) != want.get(k, 0):
                ok = c.fail("%s: %s = %d, expected %d"
                            % (where, k, got.get(k, 0), want.get(k, 0)))
    return ok


LEAK = 32


def leak_windows(cases):
    """LEAK-byte windows, at every offset, of every payload that must not
    be seen in clear. A frame then needs looking up only every LEAK / 2
    bytes: any run of 1.5 * LEAK clear payload bytes holds such a window."""
    w = {}
    for c in cases:
        if c.kind != "esp" or c.suite == "aes128-gmac":
            continue
        for p in c.payloads:
            for i in range(0, len(p) - LEAK + 1):
                w[p[i:i + LEAK]] = c
    return w


def l4_of_groups(frames, cases):
    groups = {str(ipaddress.ip_address(c.group)) for c in cases}
    out = []
    for ip in frames:
        p = mcast.parse_ip(ip)
        if p and p[0] in groups and p[1] in (17, 50):
            out.append((p[0], p[1], p[2]))
    return out


def read_ip_frames(path):
    lt, raw = mcast.pcap_records(path)
    return [ip for ip in (mcast.ip_of_frame(lt, fr) for fr in raw) if ip]


def check_clones(cases, core, h0, e0):
    """The packet sockets on h0 and e0 held every frame unread while the
    hooks rewrote the skbs: what they hold must be what was on the wire,
    the cleartext as sent on h0 and the core's ciphertext on e0."""
    ok, diag = True, []
    for c in cases:
        g = str(ipaddress.ip_address(c.group))
        got = [l4[8:] for dst, proto, l4 in l4_of_groups(h0, [c])
               if dst == g and proto == 17 and struct.unpack("!H", l4[2:4])[0] == c.port]
        if got != c.payloads:
            ok = False
            diag.append("h0: %s: %d datagrams, %s" % (
                c.name, len(got), "in order and exact" if got == c.payloads[:len(got)] else "not what was sent"))
    print(("PASS " if ok else "FAIL ") + "h0's packet socket (cloned skbs) holds the cleartext as sent: encryption at PRE_ROUTING wrote into a private copy")
    for d in diag[:8]:
        print("# " + d)
    a, b = l4_of_groups(core, cases), l4_of_groups(e0, cases)
    same = a == b and len(a) > 0
    print(("PASS " if same else "FAIL ") + "e0's packet socket (cloned skbs) holds exactly the core's ciphertext: decryption at PRE_ROUTING wrote into a private copy")
    if not same:
        print("# core %d packets, e0 %d, first difference at %s" % (
            len(a), len(b), next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), "the end")))


# ---- the plan: every case's files, written before any packet flows ----------

SUITES = ("aes128-gcm", "aes256-gcm", "aes128-gmac", "chacha20-poly1305")
KEY_LEN = {"aes128-gcm": 16, "aes256-gcm": 32, "aes128-gmac": 16,
           "chacha20-poly1305": 32}
TS_CASES = (("ts-cissa", "4", "256,257", "even"), ("ts-cissa", "6", "default", "odd"),
            ("ts-idsa", "4", "256,257", "odd"), ("ts-idsa", "6", "default", "even"))


def plan(d, count, g4, g6, top):
    """Writes, for datapath.sh, in one process (each exec costs seconds
    under TCG): the manifest, both routers' mcsecctl configurations, the
    sender's and the subscriber's flow lists, and per case its payloads,
    key files and name. The TS stream is scripts/mkstream.py's."""
    sys.path.insert(0, os.path.join(top, "scripts"))
    import mkstream  # noqa: E402 (the IPTV-like stream generator)
    import random
    rng = random.Random("datapath")
    cc = {}
    stream = []
    for i in range(count):
        ts = mkstream.datagram(i, cc)
        # the generator's RTP header, as its --rtp writes it
        stream.append(struct.pack(">BBHII", 0x80, 33, i & 0xFFFF, i * 3600, 0x1234) + ts)
    files = {k: open(os.path.join(d, k), "w") for k in
             ("manifest", "he.conf", "edge.conf", "send", "recv")}

    def new_case(n, fam, name, payloads):
        tag, port = "c%d" % n, 6000 + n
        g = g4 if fam == "4" else g6
        mcast.write_payloads(os.path.join(d, tag + ".p"), payloads)
        with open(os.path.join(d, tag + ".name"), "w") as f:
            f.write(name + "\n")
        files["send"].write("s0 %s %d %s/%s.p\n" % (g, port, d, tag))
        files["recv"].write("r0 %s %d %d %s/%s.got\n" % (g, port, count, d, tag))
        return tag, port, g

    def key_file(tag, n):
        k = os.urandom(n)
        with open(os.path.join(d, tag + ".key"), "w") as f:
            f.write(k.hex() + "\n")
        return k.hex()

    n = 0
    for mode in ("tunnel", "transport"):
        for suite in SUITES:
            for fam in ("4", "6"):
                n += 1
                esn = n % 2 == 1
                name = "ESP %s %s IPv%s %s" % (mode, suite, fam, "esn" if esn else "noesn")
                payloads = [b"mcsec%04d" % (n * 100 + i) + rng.randbytes(1300)
                            for i in range(count)]
                payloads = [p[:rng.randint(1, 1300)] for p in payloads]
                tag, port, g = new_case(n, fam, name, payloads)
                spi = "0x%08x" % (0x6d630000 + n)
                key = key_file(tag, KEY_LEN[suite] + 4)
                files["manifest"].write(
                    "name=%s kind=esp fam=%s group=%s port=%d key=%s payloads=%s/%s.p "
                    "mode=%s suite=%s esn=%d spi=%s\n"
                    % (tag, fam, g, port, key, d, tag, mode, suite, esn, spi))
                sa = "sa add %s port %d spi %s suite %s key-file %s/%s.key%s\n" % (
                    g, port, spi, suite, d, tag, "" if esn else " no-esn")
                files["he.conf"].write("group add %s port %d dir encrypt format esp-%s\n"
                                       % (g, port, mode) + sa)
                files["edge.conf"].write("group add %s port %d dir decrypt format esp-%s required\n"
                                         % (g, port, mode) + sa)
    for fmt, fam, pids, parity in TS_CASES:
        n += 1
        name = "%s IPv%s rtp pids %s parity %s" % (fmt, fam, pids, parity)
        tag, port, g = new_case(n, fam, name, stream)
        keys = {p: key_file("%s.%s" % (tag, p), 16) for p in ("even", "odd")}
        files["manifest"].write(
            "name=%s kind=ts fam=%s group=%s port=%d key=%s payloads=%s/%s.p "
            "fmt=%s parity=%s pids=%s rtp=1\n"
            % (tag, fam, g, port, keys[parity], d, tag, fmt, parity, pids))
        sas = "".join("sa add %s port %d parity %s key-file %s/%s.%s.key\n"
                      % (g, port, p, d, tag, p) for p in ("even", "odd"))
        files["he.conf"].write("group add %s port %d dir encrypt format %s rtp%s\n"
                               % (g, port, fmt, "" if pids == "default" else " pids " + pids)
                               + sas + "group set %s port %d parity %s\n" % (g, port, parity))
        files["edge.conf"].write("group add %s port %d dir decrypt format %s rtp required\n"
                                 % (g, port, fmt) + sas)
    for f in files.values():
        f.close()
    print(n)


def main():
    if sys.argv[1] == "plan":
        return plan(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6])
    import_scapy()
    manifest, capture, he_json, edge_json = sys.argv[1:5]
    he_groups, edge_groups = load_groups(he_json), load_groups(edge_json)
    with open(manifest) as f:
        cases = [Case(line) for line in f if line.strip()]
    lt, raw = mcast.pcap_records(capture)
    frames = [ip for ip in (mcast.ip_of_frame(lt, fr) for fr in raw) if ip]
    windows = leak_windows(cases)
    leaked = {}
    for n, ip in enumerate(frames):
        for i in range(0, max(len(ip) - LEAK + 1, 0), LEAK // 2):
            c = windows.get(ip[i:i + LEAK])
            if c:
                leaked.setdefault(c.name, n + 1)
                break
    by_group = {}
    for c in cases:
        g = str(ipaddress.ip_address(c.group))
        if g not in by_group:
            by_group[g] = frames_to(frames, g)
        pkts = by_group[g]
        if c.kind == "esp":
            ok = check_esp_capture(c, pkts)
            if c.name in leaked:
                ok = c.fail("frame %d holds payload bytes in clear" % leaked[c.name])
            who = ("RFC 4543 on python3-cryptography" if c.suite == "aes128-gmac"
                   else "scapy's ESP")
            desc = "%s: the core saw only ESP with SPI %s, seq 1..%d; %s opens it to the payloads" % (
                c.name, c.spi, len(c.payloads), who)
            if c.suite != "aes128-gmac":
                desc += "; no payload byte in clear"
        else:
            ok = check_ts_capture(c, pkts)
            desc = "%s: the core saw exactly the standard's scrambling (python3-cryptography), checksums valid" % c.name
        print(("PASS " if ok else "FAIL ") + desc)
        for d in c.diag:
            print("# " + d)
        c.diag = []
        ok = check_counters(c, he_groups, edge_groups)
        print(("PASS " if ok else "FAIL ") + "%s: module counters exact on head-end and edge" % c.name)
        for d in c.diag:
            print("# " + d)
        sys.stdout.flush()
    if len(sys.argv) > 6:
        check_clones(cases, frames, read_ip_frames(sys.argv[5]),
                     read_ip_frames(sys.argv[6]))


if __name__ == "__main__":
    main()
