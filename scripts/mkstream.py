#!/usr/bin/python3
"""Writes an IPTV-like multicast capture: UDP datagrams of 7 MPEG-TS packets
(optionally behind RTP) carrying a PAT, a PMT, a video PID with PCR in an
adaptation field, an audio PID and null packets, plus unrelated unicast and
multicast traffic that a group must leave alone.

  mkstream.py OUT.pcap [--count N] [--group 239.1.1.1] [--port 5000] [--rtp] [--ipv6]
"""
import argparse
import struct


PID_PAT, PID_PMT, PID_VIDEO, PID_AUDIO, PID_NULL = 0x0000, 0x1000, 0x0100, 0x0101, 0x1FFF


def ts_packet(pid, cc, payload, pusi=False, pcr=None):
    """One 188-byte TS packet; pcr adds an adaptation field carrying it."""
    afc = 0x1
    af = b""
    if pcr is not None:
        afc = 0x3
        base, ext = pcr // 300, pcr % 300
        pcr_bytes = struct.pack(">IH", base >> 1, ((base & 1) << 15) | 0x7E00 | ext)
        af = bytes([1 + len(pcr_bytes), 0x10]) + pcr_bytes
    hdr = struct.pack(">BHB", 0x47, (0x4000 if pusi else 0) | pid, (afc << 4) | (cc & 0xF))
    body = (payload * 200)[: 188 - len(hdr) - len(af)]
    return hdr + af + body


def datagram(i, cc):
    pkts = []
    for slot in range(7):
        if slot == 0 and i % 10 == 0:
            pid, data, pcr = PID_PAT, bytes(range(184)), None
        elif slot == 0 and i % 10 == 1:
            pid, data, pcr = PID_PMT, bytes(range(100, 255)), None
        elif slot == 1:
            pid, data, pcr = PID_VIDEO, b"video%06d" % i, i * 27000
        elif slot == 5:
            pid, data, pcr = PID_AUDIO, b"audio%06d" % i, None
        elif slot == 6 and i % 3 == 0:
            pid, data, pcr = PID_NULL, b"\xff", None
        else:
            pid, data, pcr = PID_VIDEO, b"frame%06d-%d" % (i, slot), None
        cc[pid] = (cc.get(pid, -1) + 1) & 0xF
        pkts.append(ts_packet(pid, cc[pid], data, pusi=(slot == 1), pcr=pcr))
    return b"".join(pkts)


def main():
    # scapy only for writing the capture: datagram() alone (the VM
    # selftests import it) stays quick to load
    from scapy.all import IP, IPv6, UDP, Ether, Raw, wrpcap

    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--group", default=None)
    ap.add_argument("--port", type=int, default=5000)
    ap.add_argument("--rtp", action="store_true")
    ap.add_argument("--ipv6", action="store_true")
    a = ap.parse_args()
    group = a.group or ("ff3e::1:1" if a.ipv6 else "239.1.1.1")
    src = "2001:db8::10" if a.ipv6 else "10.0.0.10"
    ip = (lambda d: IPv6(src=src, dst=d, hlim=16)) if a.ipv6 else (lambda d: IP(src=src, dst=d, ttl=16))
    mac = "33:33:00:01:00:01" if a.ipv6 else "01:00:5e:01:01:01"
    cc, out = {}, []
    for i in range(a.count):
        payload = datagram(i, cc)
        if a.rtp:
            payload = struct.pack(">BBHII", 0x80, 33, i & 0xFFFF, i * 3600, 0x1234) + payload
        out.append(Ether(dst=mac) / ip(group) / UDP(sport=40000, dport=a.port) / Raw(payload))
        if i % 50 == 0:  # traffic the group must not touch
            other = "ff3e::2:2" if a.ipv6 else "239.2.2.2"
            out.append(Ether(dst=mac) / ip(other) / UDP(sport=40000, dport=a.port) / Raw(payload))
            uni = "2001:db8::20" if a.ipv6 else "10.0.0.20"
            out.append(Ether() / ip(uni) / UDP(sport=1234, dport=53) / Raw(b"unicast"))
    for n, p in enumerate(out):
        p.time = 1700000000 + n * 0.001
    wrpcap(a.out, out)


if __name__ == "__main__":
    main()
