#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Multicast traffic helper of the VM selftests (selftests/lib.sh).

Payload files hold one datagram per line, as hex. Everything that compares
writes what it saw in the same form, so a shell test compares with cmp.

  mcast.py payloads FILE COUNT SEED [MINLEN MAXLEN]
        COUNT deterministic payloads of MINLEN..MAXLEN bytes (default 1..1400);
        --ts: COUNT datagrams of 7 clear TS packets, as stream --ts sends
  mcast.py send IFNAME DST PORT FILE [--ttl N] [--src ADDR] [--gap SEC] [--gso K]
                 [--end]
        one UDP datagram per line of FILE to DST:PORT (multicast: out of
        IFNAME, loopback off, TTL/hop limit N, default 16); --gso K: K
        lines per sendmsg with UDP_SEGMENT of the first one's length (one
        GSO skb that the stack splits into those datagrams); --end: then
        stream's end marker, for recv-seq --end
  mcast.py send-many SPEC [--ttl N] [--gap SEC]
        the same for every line IFNAME DST PORT FILE [GSO] of SPEC, in
        order (GSO K: as --gso K)
  mcast.py recv IFNAME DST PORT COUNT OUT [--ready F] [--timeout SEC]
                 [--replay NETNS IFNAME PCAP] [--send NETNS IFNAME FILE]
        binds DST:PORT (joins DST on IFNAME when it is a group), writes the
        payloads of the first COUNT datagrams to OUT, creates F once
        listening; exits 1 if fewer arrived within SEC (default 20); on
        SIGTERM it stops early and writes what it got (exit 1 if fewer);
        --replay: once listening, does what replay does from NETNS (one
        process instead of two), and SEC counts from the end of it;
        --send: the same with what send IFNAME DST PORT FILE does
        (from CPU 0, as lib.sh's mc_send)
  mcast.py recv-many SPEC [--ready F] [--timeout SEC]
        the same for every line IFNAME DST PORT COUNT OUT of SPEC, all
        listening at once; exits 1 if any flow came short
  mcast.py pcap-udp PCAP DST PORT [--out FILE]
        prints the payloads of the UDP datagrams to DST:PORT in PCAP
        (or writes them to FILE)
        (pcap, Ethernet / raw IP / Linux cooked, 802.1Q skipped)
  mcast.py pcap-check PCAP DST [--only-esp] [--no-payloads FILE] [--min N]
        every IP packet to DST is ESP (--only-esp), no frame contains any
        16-byte window of a payload of FILE (--no-payloads), at least N
        packets to DST (--min); prints what it found, exits 1 on a violation
  mcast.py mkpcap OUT SRC DST PORT FILE [--ttl N] [--end]
        an Ethernet capture of FILE's payloads as UDP SRC -> DST:PORT (to
        the group's MAC), lengths and checksums filled in; --end: then
        three of stream's end markers to PORT + 1000, for recv-seq --end
  mcast.py stream IFNAME DST PORT SENT --until F [--gap SEC] [--ts] [--size N]
        sequence-numbered datagrams (the number in the first bytes, then
        deterministic filler; --ts: 7 TS packets of 188 bytes on PID 0x100,
        clear, the number in every TS payload) until file F exists, each
        written to SENT as it leaves (hex lines, as payloads files)
  mcast.py recv-seq IFNAME DST PORT OUT [--ready F] [--idle SEC] [--timeout SEC]
                   [--end]
        receives until SEC seconds pass without a datagram (after the first,
        default 3), the timeout (default 120) or, with --end, the end
        marker that stream sends to PORT + 1000 when it stops (a group of
        the stream's port never sees it); writes the payloads to OUT
        in arrival order: compared with SENT by cmp, that is every number
        arrived exactly once, in order, byte-exact
  mcast.py sniff IFNAME OUT.pcap --ready F --until F2 [--timeout SEC]
        a plain AF_PACKET socket (no ring) on IFNAME that reads nothing
        until F2 exists, so every frame it gets stays queued as a clone of
        the skb the stack goes on with; then writes them all to OUT.pcap
  mcast.py replay IFNAME PCAP [--netns NETNS]
        puts every frame of an Ethernet capture on IFNAME (AF_PACKET), as
        tcpreplay would, without its start-up cost; IFNAME of /run/netns/NETNS
  mcast.py CMD ARGS... + CMD ARGS... [+ ...]
        several commands in one process (a python start costs a second or
        more in a loaded TCG guest), in order; the first that fails ends
        the run with its status

Packets and captures are read and written here by hand, on purpose: the
standard library starts in a fraction of the time scapy needs under TCG
(about 1 s against 11 s per run), and the kernel that receives what
mkpcap builds checks its checksums. lib.sh runs this with python3 -S.
"""

import argparse
import ipaddress
import os
import random
import select
import signal
import socket
import struct
import sys
import time


def read_payloads(path):
    with open(path) as f:
        return [bytes.fromhex(line.strip()) for line in f.read().splitlines()]


def write_payloads(path, payloads):
    with open(path, "w") as f:
        for p in payloads:
            f.write(p.hex() + "\n")


def cmd_payloads(a):
    if a.ts:
        write_payloads(a.file, [seq_payload(i, True, 0) for i in range(a.count)])
        return
    rng = random.Random(a.seed)
    out = []
    for i in range(a.count):
        n = rng.randint(a.minlen, a.maxlen)
        # a marker first, so a payload is recognisable in a hexdump
        body = b"mcsec%04d" % i + rng.randbytes(n)
        out.append(body[:n])
    write_payloads(a.file, out)


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def send_socket(ifname, dst, ttl=16, src=None):
    fam = family_of(dst)
    s = socket.socket(fam, socket.SOCK_DGRAM)
    group = ipaddress.ip_address(dst).is_multicast
    if fam == socket.AF_INET:
        if group:
            s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, ttl)
            s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, ifname.encode())
        if src:
            s.bind((src, 0))
    else:
        if group:
            idx = socket.if_nametoindex(ifname)
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, ttl)
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_LOOP, 0)
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, idx)
        if src:
            s.bind((src, 0, 0, 0))
    return s


def cmd_send(a):
    s = send_socket(a.ifname, a.dst, a.ttl, a.src)
    payloads = read_payloads(a.file)
    if a.gso:
        return send_gso(s, payloads, a.gso, (a.dst, a.port))
    for p in payloads:
        s.sendto(p, (a.dst, a.port))
        if a.gap:
            time.sleep(a.gap)
    if a.end:
        send_end(s, a.dst, a.port)


def send_end(s, dst, port):
    """stream's end marker, for recv-seq --end: to port + 1000, which no
    group of the stream's claims, so no counter of the stream's groups
    sees it. Sent after the datagrams on the same socket and CPU, it
    reaches the receiver after everything that was not dropped."""
    for _ in range(3):
        s.sendto(b"mcast.py stream end", (dst, port + 1000))
        time.sleep(0.1)


CLONE_NEWNET = 0x40000000


def in_netns(netns, make):
    """make() run inside /run/netns/NETNS (a socket made there stays
    there), then back in this process's own namespace."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    fd = os.open("/run/netns/" + netns, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns " + netns)
        try:
            return make()
        finally:
            if libc.setns(home, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns back")
    finally:
        os.close(fd)
        os.close(home)


def send_gso(s, payloads, k, dst):
    """k payloads per sendmsg with UDP_SEGMENT (103) of the first one's
    length: one GSO skb, the stack's segments are those datagrams."""
    for i in range(0, len(payloads), k):
        chunk = payloads[i:i + k]
        seg = struct.pack("=H", len(chunk[0]))
        s.sendmsg([b"".join(chunk)], [(socket.SOL_UDP, 103, seg)], 0, dst)


def cmd_send_many(a):
    """Every flow of SPEC (lines IFNAME DST PORT FILE [GSO]), one after the
    other; GSO K as send --gso K."""
    socks = {}
    with open(a.spec) as f:
        flows = [line.split() for line in f if line.strip()]
    for ifname, dst, port, path, *gso in flows:
        s = socks.get((ifname, dst))
        if not s:
            s = socks[(ifname, dst)] = send_socket(ifname, dst, a.ttl)
        if gso:
            send_gso(s, read_payloads(path), int(gso[0]), (dst, int(port)))
            continue
        for p in read_payloads(path):
            s.sendto(p, (dst, int(port)))
            if a.gap:
                time.sleep(a.gap)


def recv_socket(ifname, dst, port):
    fam = family_of(dst)
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    group = ipaddress.ip_address(dst).is_multicast
    idx = socket.if_nametoindex(ifname)
    if fam == socket.AF_INET:
        s.bind((dst, port))
        if group:
            # struct ip_mreqn: group, local address, ifindex
            mreq = socket.inet_aton(dst) + socket.inet_aton("0.0.0.0") + struct.pack("=i", idx)
            s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
    else:
        s.bind((dst, port, 0, idx if group else 0))
        if group:
            mreq = socket.inet_pton(socket.AF_INET6, dst) + struct.pack("=I", idx)
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, mreq)
    return s


def cmd_recv(a):
    s = recv_socket(a.ifname, a.dst, a.port)
    got = []

    def stop(*_):
        raise InterruptedError

    signal.signal(signal.SIGTERM, stop)
    if a.ready:
        open(a.ready, "w").close()
    if a.replay:
        netns, ifname, pcap = a.replay
        print(replay(ifname, pcap, netns), file=sys.stderr)
    if a.send:
        netns, ifname, path = a.send
        # one CPU: veth queues a packet on the CPU that sent it, and a
        # sender that migrates would reorder its own datagrams
        os.sched_setaffinity(0, {0})
        out = in_netns(netns, lambda: send_socket(ifname, a.dst))
        for p in read_payloads(path):
            out.sendto(p, (a.dst, a.port))
        out.close()
    deadline = time.monotonic() + a.timeout
    while len(got) < a.count:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            got.append(s.recv(65536))
        except (socket.timeout, InterruptedError):
            break
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    write_payloads(a.out, got)
    if len(got) < a.count:
        print("recv: %d of %d datagrams to %s:%d within %ss"
              % (len(got), a.count, a.dst, a.port, a.timeout), file=sys.stderr)
        sys.exit(1)


def cmd_recv_many(a):
    """Every flow of SPEC (lines IFNAME DST PORT COUNT OUT) at once; each
    OUT gets its flow's first COUNT payloads."""
    with open(a.spec) as f:
        flows = [line.split() for line in f if line.strip()]
    socks = {}
    for ifname, dst, port, count, out in flows:
        socks[recv_socket(ifname, dst, int(port))] = [int(count), out, [], dst, port]
    if a.ready:
        open(a.ready, "w").close()
    deadline = time.monotonic() + a.timeout
    waiting = [s for s, v in socks.items() if v[0] > 0]
    while waiting:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select(waiting, [], [], left)
        for s in r:
            v = socks[s]
            v[2].append(s.recv(65536))
            if len(v[2]) >= v[0]:
                waiting.remove(s)
    short = 0
    for count, out, got, dst, port in socks.values():
        write_payloads(out, got)
        if len(got) < count:
            short += 1
            print("recv-many: %d of %d datagrams to %s:%s within %ss"
                  % (len(got), count, dst, port, a.timeout), file=sys.stderr)
    sys.exit(1 if short else 0)


# --- pcap, by hand -----------------------------------------------------------

def pcap_records(path):
    """(linktype, [frame bytes]) of a pcap file, either byte order, us or ns."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise SystemExit("%s: not a pcap file" % path)
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xa1b2c3d4, 0xa1b23c4d):
        e = "<"
    elif magic in (0xd4c3b2a1, 0x4d3cb2a1):
        e = ">"
    else:
        raise SystemExit("%s: not a pcap file (magic %#x)" % (path, magic))
    lt = struct.unpack(e + "I", data[20:24])[0]
    off, frames = 24, []
    while off + 16 <= len(data):
        caplen = struct.unpack(e + "I", data[off + 8:off + 12])[0]
        off += 16
        frames.append(data[off:off + caplen])
        off += caplen
    return lt, frames


def ip_of_frame(lt, frame):
    """The IP packet in a frame, or None."""
    if lt == 1:  # Ethernet
        off, etype = 14, struct.unpack("!H", frame[12:14])[0]
        while etype in (0x8100, 0x88a8):
            etype = struct.unpack("!H", frame[off + 2:off + 4])[0]
            off += 4
        return frame[off:] if etype in (0x0800, 0x86dd) else None
    if lt == 113:  # Linux cooked
        etype = struct.unpack("!H", frame[14:16])[0]
        return frame[16:] if etype in (0x0800, 0x86dd) else None
    if lt in (12, 14, 101, 228, 229):  # raw IP
        return frame
    raise SystemExit("linktype %d not handled" % lt)


def parse_ip(pkt):
    """(dst address text, protocol, L4 bytes) or None. IPv6 extension
    headers are not walked: the tests send none."""
    if not pkt:
        return None
    v = pkt[0] >> 4
    if v == 4 and len(pkt) >= 20:
        ihl = (pkt[0] & 15) * 4
        tot = struct.unpack("!H", pkt[2:4])[0]
        return socket.inet_ntop(socket.AF_INET, pkt[16:20]), pkt[9], pkt[ihl:tot]
    if v == 6 and len(pkt) >= 40:
        plen = struct.unpack("!H", pkt[4:6])[0]
        return socket.inet_ntop(socket.AF_INET6, pkt[24:40]), pkt[6], pkt[40:40 + plen]
    return None


def norm(addr):
    return str(ipaddress.ip_address(addr))


def cmd_pcap_udp(a):
    lt, frames = pcap_records(a.pcap)
    dst = norm(a.dst)
    out = []
    for fr in frames:
        p = parse_ip(ip_of_frame(lt, fr))
        if not p or p[0] != dst or p[1] != 17 or len(p[2]) < 8:
            continue
        dport, ulen = struct.unpack("!HH", p[2][2:6])
        if dport == a.port:
            out.append(p[2][8:ulen])
    if a.out:
        write_payloads(a.out, out)
        return
    for x in out:
        print(x.hex())


def cmd_pcap_check(a):
    lt, frames = pcap_records(a.pcap)
    dst = norm(a.dst)
    to_dst = esp = other = leaks = 0
    windows = set()
    if a.no_payloads:
        for p in read_payloads(a.no_payloads):
            for i in range(0, max(len(p) - 15, 0), 8):
                windows.add(p[i:i + 16])
    for n, fr in enumerate(frames):
        p = parse_ip(ip_of_frame(lt, fr))
        if p and p[0] == dst:
            to_dst += 1
            if p[1] == 50:
                esp += 1
            else:
                other += 1
        if windows:
            for i in range(0, max(len(fr) - 15, 0)):
                if fr[i:i + 16] in windows:
                    leaks += 1
                    print("frame %d: cleartext payload bytes at offset %d" % (n + 1, i))
                    break
    print("frames %d, to %s %d (esp %d, other %d), frames with cleartext %d"
          % (len(frames), dst, to_dst, esp, other, leaks))
    bad = (a.only_esp and other) or leaks or to_dst < a.min
    sys.exit(1 if bad else 0)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def udp_frame(src, dst, sport, dport, payload, ttl, ident):
    """Ethernet / IPv4 or IPv6 / UDP with lengths and checksums, to the
    group's multicast MAC."""
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    if family_of(dst) == socket.AF_INET:
        s, d = socket.inet_aton(src), socket.inet_aton(dst)
        c = csum(s + d + struct.pack("!BBH", 0, 17, len(udp)) + udp) or 0xffff
        udp = udp[:6] + struct.pack("!H", c) + udp[8:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), ident, 0,
                         ttl, 17, 0, s, d)
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        mac, etype = b"\x01\x00\x5e" + bytes([d[1] & 0x7f, d[2], d[3]]), 0x0800
    else:
        s, d = socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, dst)
        c = csum(s + d + struct.pack("!IxxxB", len(udp), 17) + udp) or 0xffff
        udp = udp[:6] + struct.pack("!H", c) + udp[8:]
        ip = struct.pack("!IHBB16s16s", 6 << 28, len(udp), 17, ttl, s, d)
        mac, etype = b"\x33\x33" + d[12:], 0x86dd
    return mac + b"\x02\x00\x00\x00\x00\x01" + struct.pack("!H", etype) + ip + udp


def cmd_mkpcap(a):
    out = [struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)]
    frames = [(a.port, pl) for pl in read_payloads(a.file)]
    if a.end:
        frames += [(a.port + 1000, b"mcast.py stream end")] * 3
    for i, (port, pl) in enumerate(frames):
        fr = udp_frame(a.src, a.dst, 40000, port, pl, a.ttl, 0x1000 + i)
        out.append(struct.pack("<IIII", 1700000000, i * 1000, len(fr), len(fr)) + fr)
    with open(a.out, "wb") as f:
        f.write(b"".join(out))


def cmd_sniff(a):
    """Frames queued unread on a plain packet socket, then a pcap of them."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    # SO_RCVBUFFORCE (root): room for every frame of a run, past rmem_max
    s.setsockopt(socket.SOL_SOCKET, 33, 1 << 25)
    s.bind((a.ifname, 0))
    open(a.ready, "w").close()
    deadline = time.monotonic() + a.timeout
    while not os.path.exists(a.until) and time.monotonic() < deadline:
        time.sleep(0.05)
    s.setblocking(False)
    out = [struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)]
    n = 0
    while True:
        try:
            fr, addr = s.recvfrom(65535)
        except BlockingIOError:
            break
        if addr[2] == socket.PACKET_OUTGOING:
            continue
        out.append(struct.pack("<IIII", 1700000000, n, len(fr), len(fr)) + fr)
        n += 1
    with open(a.out, "wb") as f:
        f.write(b"".join(out))
    print("sniffed %d frames" % n)


def replay(ifname, pcap, netns=None):
    """Every frame of PCAP onto IFNAME (of NETNS), as it is (AF_PACKET)."""
    lt, frames = pcap_records(pcap)
    if lt != 1:
        raise SystemExit("%s: not an Ethernet capture" % pcap)

    def bound():
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        s.bind((ifname, 0))
        return s
    s = in_netns(netns, bound) if netns else bound()
    for fr in frames:
        s.send(fr)
    s.close()
    return "replayed %d frames" % len(frames)


def cmd_replay(a):
    print(replay(a.ifname, a.pcap, a.netns))


def seq_payload(i, ts, size):
    """Datagram i of a stream: its number first, then filler that depends
    on it (so a payload that arrived twice or garbled never compares equal)."""
    if not ts:
        head = b"seq%08d" % i
        body = bytes((i * 31 + j * 7) & 0xff for j in range(max(size - len(head), 0)))
        return head + body
    out = []
    for k in range(7):
        cc = (i * 7 + k) & 15
        # sync, PID 0x100 with payload_unit_start on the first, sc 00, payload only
        hdr = bytes([0x47, 0x41 if k == 0 else 0x01, 0x00, 0x10 | cc])
        tag = b"ts%08d.%d" % (i, k)
        fill = bytes((i * 13 + k * 29 + j) & 0xff for j in range(184 - len(tag)))
        out.append(hdr + tag + fill)
    return b"".join(out)


def cmd_stream(a):
    fam = family_of(a.dst)
    s = socket.socket(fam, socket.SOCK_DGRAM)
    if fam == socket.AF_INET:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 16)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, a.ifname.encode())
    else:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 16)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_LOOP, 0)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF,
                     socket.if_nametoindex(a.ifname))
    i = 0
    # line-buffered: the file is non-empty once the first datagram left
    with open(a.sent, "w", buffering=1) as log:
        while not os.path.exists(a.until):
            p = seq_payload(i, a.ts, a.size)
            s.sendto(p, (a.dst, a.port))
            log.write(p.hex() + "\n")
            i += 1
            time.sleep(a.gap)
    send_end(s, a.dst, a.port)
    print("stream: sent %d datagrams" % i, file=sys.stderr)


def joined_socket(ifname, dst, port):
    fam = family_of(dst)
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    idx = socket.if_nametoindex(ifname)
    if fam == socket.AF_INET:
        s.bind((dst, port))
        mreq = socket.inet_aton(dst) + socket.inet_aton("0.0.0.0") + struct.pack("=i", idx)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
    else:
        s.bind((dst, port, 0, idx))
        mreq = socket.inet_pton(socket.AF_INET6, dst) + struct.pack("=I", idx)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, mreq)
    return s


def cmd_recv_seq(a):
    import select
    s = joined_socket(a.ifname, a.dst, a.port)
    socks = [s]
    if a.end:
        socks.append(joined_socket(a.ifname, a.dst, a.port + 1000))
    if a.ready:
        open(a.ready, "w").close()
    n = 0
    idle = a.idle
    deadline = time.monotonic() + a.timeout
    with open(a.out, "w") as out:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            r, _, _ = select.select(socks, [], [],
                                    min(left, idle) if n or idle == 1 else left)
            if not r:
                break
            if s not in r:
                # the end marker: what is still in flight gets a second
                socks[1].recv(65536)
                socks = [s]
                idle = 1
                continue
            out.write(s.recv(65536).hex() + "\n")
            n += 1
    print("recv-seq: %d datagrams" % n, file=sys.stderr)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("payloads")
    p.add_argument("file")
    p.add_argument("count", type=int)
    p.add_argument("seed")
    p.add_argument("minlen", type=int, nargs="?", default=1)
    p.add_argument("maxlen", type=int, nargs="?", default=1400)
    p.add_argument("--ts", action="store_true")
    p.set_defaults(fn=cmd_payloads)
    p = sub.add_parser("send")
    p.add_argument("ifname")
    p.add_argument("dst")
    p.add_argument("port", type=int)
    p.add_argument("file")
    p.add_argument("--ttl", type=int, default=16)
    p.add_argument("--src")
    p.add_argument("--gap", type=float, default=0.0)
    p.add_argument("--gso", type=int, default=0)
    p.add_argument("--end", action="store_true")
    p.set_defaults(fn=cmd_send)
    p = sub.add_parser("sniff")
    p.add_argument("ifname")
    p.add_argument("out")
    p.add_argument("--ready", required=True)
    p.add_argument("--until", required=True)
    p.add_argument("--timeout", type=float, default=600)
    p.set_defaults(fn=cmd_sniff)
    p = sub.add_parser("send-many")
    p.add_argument("spec")
    p.add_argument("--ttl", type=int, default=16)
    p.add_argument("--gap", type=float, default=0.0)
    p.set_defaults(fn=cmd_send_many)
    p = sub.add_parser("recv-many")
    p.add_argument("spec")
    p.add_argument("--ready")
    p.add_argument("--timeout", type=float, default=20)
    p.set_defaults(fn=cmd_recv_many)
    p = sub.add_parser("recv")
    p.add_argument("ifname")
    p.add_argument("dst")
    p.add_argument("port", type=int)
    p.add_argument("count", type=int)
    p.add_argument("out")
    p.add_argument("--ready")
    p.add_argument("--timeout", type=float, default=20)
    p.add_argument("--replay", nargs=3, metavar=("NETNS", "IFNAME", "PCAP"))
    p.add_argument("--send", nargs=3, metavar=("NETNS", "IFNAME", "FILE"))
    p.set_defaults(fn=cmd_recv)
    p = sub.add_parser("pcap-udp")
    p.add_argument("pcap")
    p.add_argument("dst")
    p.add_argument("port", type=int)
    p.add_argument("--out")
    p.set_defaults(fn=cmd_pcap_udp)
    p = sub.add_parser("pcap-check")
    p.add_argument("pcap")
    p.add_argument("dst")
    p.add_argument("--only-esp", action="store_true")
    p.add_argument("--no-payloads")
    p.add_argument("--min", type=int, default=0)
    p.set_defaults(fn=cmd_pcap_check)
    p = sub.add_parser("mkpcap")
    p.add_argument("out")
    p.add_argument("src")
    p.add_argument("dst")
    p.add_argument("port", type=int)
    p.add_argument("file")
    p.add_argument("--ttl", type=int, default=16)
    p.add_argument("--end", action="store_true")
    p.set_defaults(fn=cmd_mkpcap)
    p = sub.add_parser("replay")
    p.add_argument("ifname")
    p.add_argument("pcap")
    p.add_argument("--netns")
    p.set_defaults(fn=cmd_replay)
    p = sub.add_parser("stream")
    p.add_argument("ifname")
    p.add_argument("dst")
    p.add_argument("port", type=int)
    p.add_argument("sent")
    p.add_argument("--until", required=True)
    p.add_argument("--gap", type=float, default=0.005)
    p.add_argument("--ts", action="store_true")
    p.add_argument("--size", type=int, default=200)
    p.set_defaults(fn=cmd_stream)
    p = sub.add_parser("recv-seq")
    p.add_argument("ifname")
    p.add_argument("dst")
    p.add_argument("port", type=int)
    p.add_argument("out")
    p.add_argument("--ready")
    p.add_argument("--idle", type=float, default=3)
    p.add_argument("--end", action="store_true")
    p.add_argument("--timeout", type=float, default=120)
    p.set_defaults(fn=cmd_recv_seq)
    # CMD ARGS... + CMD ARGS...: each in turn, the first failure ends it
    argv, cmds = sys.argv[1:], [[]]
    for w in argv:
        if w == "+":
            cmds.append([])
        else:
            cmds[-1].append(w)
    for c in cmds:
        a = ap.parse_args(c)
        try:
            a.fn(a)
        except SystemExit as e:
            if e.code not in (None, 0):
                raise
        sys.stdout.flush()


if __name__ == "__main__":
    main()
