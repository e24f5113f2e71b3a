# SPDX-License-Identifier: GPL-2.0 OR MIT
"""mcsec-dpdk under live traffic, with run-time changes through its control
socket (mcsecctl --dpdk): real packets through the af_packet PMD on veth
pairs in network namespaces this test creates and removes.

  ns S (sender)            ns A (the appliance, net_af_packet x4)          ns R
  +-----------+           +-----------------------------------------+    +---------+
  | s0        |--veth-----| a0 port 0 encrypt --> port 1 a1 --+     |    |         |
  | 10.9.1.1  |           |                                  veth   |    | r0      |
  | AF_PACKET |           | a3 port 3 <-- decrypt port 2 a2 <-+     |----| 10.9.2.2|
  | frames    |           |   (capture on a2: the ciphertext)       |    | UDP rx  |
  +-----------+           +-----------------------------------------+    +---------+

The sender sends sequence-numbered datagrams, alternately to an ESP group
(239.1.1.1:5000, aes128-gcm tunnel) and a TS group (239.2.2.2:1234,
7 TS packets, IDSA), which the appliance protects (port 0) and opens again
(port 2) for the receiver's UDP socket. Meanwhile:
  - 20 hitless ESP rotations: the receiver's next SA, the sender's next
    SA, switch the sender, delete the old SA on both sides;
  - 20 TS rotations: a new control word for the other parity on both
    sides, then the scrambler flips to it.
Checked: every datagram arrives exactly once and byte-identical (zero
loss), the wire carries only ESP with all 21 SPIs and TS scrambled with
both parities, the counters are exact. Then on the same appliance:
tampered, replayed, late, unknown-SPI and truncated packets injected on the
wire are dropped and counted, and a sender whose sequence space runs out
fails closed, counts it and sends a seq-exhausted event.
Needs root. Usage: test_dpdk_live.py MCSEC_DPDK MCSECCTL"""

import json
import os
import signal
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mcdtest  # noqa: E402
from mcdtest import wait_for  # noqa: E402

from scapy.all import Ether, IP, UDP, Raw, raw, rdpcap  # noqa: E402

DPDK, CTL = sys.argv[1], sys.argv[2]
PY = "/usr/bin/python3"
ME = os.path.abspath(__file__)
t = mcdtest.Tap()
ROTATIONS = 20


def payload(group, seq):
    """The datagram the sender sends as number seq of a group."""
    if group == "esp":
        return struct.pack("!I", seq) + bytes((seq + i) & 0xff for i in range(200))
    out = b""
    for k in range(7):       # 7 TS packets, PID 0x100, payload only
        body = struct.pack("!IB", seq, k) + bytes((seq * 7 + k + i) & 0xff
                                                  for i in range(179))
        out += bytes([0x47, 0x01, 0x00, 0x10 | (k & 0xf)]) + body
    return out


DST = {"esp": ("239.1.1.1", 5000), "ts": ("239.2.2.2", 1234)}


# ---- roles run inside the namespaces (this file, called with --role) -----

def role_send(stopfile, outfile):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind(("s0", 0))
    src = open("/sys/class/net/s0/address").read().strip()
    n = 0
    while not os.path.exists(stopfile):
        for g in ("esp", "ts"):
            a, p = DST[g]
            mac = "01:00:5e:%02x:%02x:%02x" % tuple(int(x) for x in a.split(".")[1:])
            f = Ether(src=src, dst=mac) / IP(src="10.9.1.1", dst=a, ttl=8) / \
                UDP(sport=40000, dport=p) / Raw(payload(g, n))
            s.send(raw(f))
        if not n:
            open(outfile + ".ready", "w").close()
        n += 1
        time.sleep(0.002)
    with open(outfile, "w") as f:
        f.write(str(n))


def role_recv(stopfile, outfile, sentfile):
    socks = {}
    for g, (a, p) in DST.items():
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        s.bind((a, p))
        s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                     socket.inet_aton(a) + socket.inet_aton("10.9.2.2"))
        s.setblocking(False)
        socks[g] = s
    got = {g: [] for g in DST}
    bad = {g: 0 for g in DST}
    idle_since = None
    open(outfile + ".ready", "w").close()
    while True:
        busy = False
        for g, s in socks.items():
            try:
                d = s.recv(4096)
            except BlockingIOError:
                continue
            busy = True
            seq = struct.unpack("!I", d[:4])[0] if g == "esp" else \
                struct.unpack("!I", d[4:8])[0]
            if d == payload(g, seq):
                got[g].append(seq)
            else:
                bad[g] += 1
        if busy:
            idle_since = None
            continue
        if os.path.exists(stopfile):
            # Everything the sender says it sent, or nothing for long.
            try:
                n = int(open(sentfile).read())
            except (OSError, ValueError):
                n = None
            if n is not None and all(len(v) + bad[g] >= n for g, v in got.items()):
                break
            idle_since = idle_since or time.time()
            if time.time() - idle_since > 10.0:
                break
        time.sleep(0.0005)
    with open(outfile, "w") as f:
        json.dump({"got": got, "bad": bad}, f)


def role_inject(hexframes):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind(("a1", 0))
    for h in hexframes:
        s.send(bytes.fromhex(h))
        time.sleep(0.05)


if len(sys.argv) > 3 and sys.argv[3] == "--role":
    {"send": lambda: role_send(sys.argv[5], sys.argv[6]),
     "recv": lambda: role_recv(sys.argv[5], sys.argv[6], sys.argv[7]),
     "inject": lambda: role_inject(sys.argv[5:])}[sys.argv[4]]()
    sys.exit(0)


# ---- the test -------------------------------------------------------------

NET = None         # the test's namespaces (mcdtest.Netns)


def nsx(ns, *cmd):
    return NET.cmd(ns, *cmd)


def setup():
    global NET
    NET = mcdtest.live_topology("mcdlive")


def sa_stats(m, group, port, d, key):
    """One SA's counters: key is its SPI or parity ({} if it is gone)."""
    j = m.json("-s", "sa", "show", group, "port", str(port), "dir", d) or []
    for sa in j:
        if sa.get("spi", sa.get("parity")) == key:
            return sa.get("stats", {})
    return {}


def opened(st):
    """What a receiving SA did with the packets that reached it."""
    return sum(v for k, v in st.items() if k.startswith("in-pkts-"))


def drained(m, group, port, old, new):
    """The sender switched from old to new (new protects packets: with
    one worker no later burst uses old) and the receiver's old SA has
    seen every packet the sender's old SA sent: old can go on both sides
    without a packet still on the wire for it. Conditions, not sleeps."""
    if not wait_for(lambda: sa_stats(m, group, port, "encrypt", new).get(
            "out-pkts-protected"), 20):
        return False
    sent = sa_stats(m, group, port, "encrypt", old).get("out-pkts-protected", 0)
    return bool(wait_for(lambda: opened(sa_stats(m, group, port, "decrypt", old)) >= sent, 20))


def esp_key(i):
    return bytes((i * 13 + k) & 0xff for k in range(16)) + bytes([i, 1, 2, 3])


def ts_key(i):
    return bytes((i * 29 + k * 3) & 0xff for k in range(16))


def rotate(m, keydir):
    ok = True

    def key(name, data):
        path = os.path.join(keydir, name)
        with open(path, "w") as f:
            f.write(data.hex() + "\n")
        return path
    ts_parity = "even"
    for i in range(1, ROTATIONS + 1):
        old, new = "0x%x" % (0x1000 + i - 1), "0x%x" % (0x1000 + i)
        k = key("esp%d" % i, esp_key(i))
        # Receivers first, then the sender, then the old SA goes.
        ok &= m("sa", "add", "239.1.1.1", "port", "5000", "dir", "decrypt", "spi", new,
                "suite", "aes128-gcm", "key-file", k)
        ok &= m("sa", "add", "239.1.1.1", "port", "5000", "dir", "encrypt", "spi", new,
                "suite", "aes128-gcm", "key-file", k)
        ok &= m("sa", "set", "239.1.1.1", "port", "5000", "dir", "encrypt", "spi", new,
                "active")
        ok &= drained(m, "239.1.1.1", 5000, int(old, 16), int(new, 16))
        ok &= m("sa", "del", "239.1.1.1", "port", "5000", "dir", "encrypt", "spi", old)
        ok &= m("sa", "del", "239.1.1.1", "port", "5000", "dir", "decrypt", "spi", old)
        # TS: a new word for the parity not in use, on both sides, then flip.
        other = "odd" if ts_parity == "even" else "even"
        k = key("ts%d" % i, ts_key(i))
        for d in ("decrypt", "encrypt"):
            ok &= m("sa", "del", "239.2.2.2", "port", "1234", "dir", d, "parity", other)
            ok &= m("sa", "add", "239.2.2.2", "port", "1234", "dir", d, "parity", other,
                    "key-file", k)
        ok &= m("group", "set", "239.2.2.2", "port", "1234", "dir", "encrypt", "parity",
                other)
        # The next round replaces the word of the parity left now.
        ok &= drained(m, "239.2.2.2", 1234, ts_parity, other)
        ts_parity = other
    return ok


def initial_config(m, keydir):
    paths = {}
    for name, data in (("esp0", esp_key(0)), ("tse", ts_key(100)), ("tso", ts_key(101))):
        paths[name] = os.path.join(keydir, name)
        with open(paths[name], "w") as f:
            f.write(data.hex() + "\n")
    ok = True
    for d in ("encrypt", "decrypt"):
        ok &= m("group", "add", "239.1.1.1", "port", "5000", "dir", d, "format",
                "esp-tunnel", *(("required",) if d == "decrypt" else ()))
        ok &= m("sa", "add", "239.1.1.1", "port", "5000", "dir", d, "spi", "0x1000",
                "suite", "aes128-gcm", "key-file", paths["esp0"])
        ok &= m("group", "add", "239.2.2.2", "port", "1234", "dir", d, "format", "ts-idsa")
        ok &= m("sa", "add", "239.2.2.2", "port", "1234", "dir", d, "parity", "even",
                "key-file", paths["tse"])
        ok &= m("sa", "add", "239.2.2.2", "port", "1234", "dir", d, "parity", "odd",
                "key-file", paths["tso"])
    ok &= m("group", "set", "239.2.2.2", "port", "1234", "dir", "encrypt", "parity", "even")
    return ok


def stats(m, group, port, d):
    j = m.json("-s", "group", "show", group, "port", str(port), "dir", d)
    return j[0]["stats"] if j else {}


def live(wd, m):
    ok = t.ok
    keydir = os.path.join(wd, "keys")
    os.mkdir(keydir)
    ok(initial_config(m, keydir), "groups and first SAs installed through the socket",
       m.failed())
    stop = os.path.join(wd, "stop")
    recv_out = os.path.join(wd, "recv.json")
    send_out = os.path.join(wd, "sent")
    cap = os.path.join(wd, "wire.pcap")
    wire = mcdtest.Capture(NET, "A", "a2", cap, "ip")
    recv = subprocess.Popen(nsx("R", PY, ME, DPDK, CTL, "--role", "recv", stop, recv_out,
                                send_out), preexec_fn=mcdtest.die_with_parent)
    wait_for(lambda: os.path.exists(recv_out + ".ready"), 10)
    send = subprocess.Popen(nsx("S", PY, ME, DPDK, CTL, "--role", "send", stop, send_out),
                            preexec_fn=mcdtest.die_with_parent)
    wait_for(lambda: os.path.exists(send_out + ".ready"), 10)
    # Some traffic under the first SAs before the rotations start.
    wait_for(lambda: stats(m, "239.1.1.1", 5000, "decrypt").get("in-pkts-ok", 0) >= 100, 20)
    t0 = time.time()
    rot_ok = rotate(m, keydir)
    took = time.time() - t0
    # Some traffic under the last SAs.
    done = stats(m, "239.1.1.1", 5000, "decrypt").get("in-pkts-ok", 0)
    wait_for(lambda: stats(m, "239.1.1.1", 5000, "decrypt").get("in-pkts-ok", 0) >= done + 500,
             20)
    open(stop, "w").close()
    send.wait(timeout=30)
    recv.wait(timeout=60)
    # Every protected frame (ESP + TS) of the sent count on the capture.
    n = int(open(send_out).read())
    wire.wait(2 * n)
    wire.stop()
    ok(rot_ok, "%d ESP rotations and %d TS parity flips through mcsecctl, in %.1f s" %
       (ROTATIONS, ROTATIONS, took), m.failed())
    r = json.load(open(recv_out))
    for g in ("esp", "ts"):
        got = r["got"][g]
        missing = sorted(set(range(n)) - set(got))
        ok(sorted(got) == list(range(n)) and r["bad"][g] == 0,
           "%s: all %d datagrams arrived once, byte-identical, none lost" % (g, n),
           "received %d, bad %d, missing %s, duplicates %d" % (
               len(got), r["bad"][g], missing[:20], len(got) - len(set(got))))
    frames = rdpcap(cap) if os.path.exists(cap) else []
    spis, clear, parities = set(), 0, set()
    for f in frames:
        ip = f.getlayer(IP)
        if not ip:
            continue
        if ip.dst == "239.1.1.1":
            if ip.proto == 50:
                spis.add(struct.unpack("!I", raw(ip.payload)[:4])[0])
            else:
                clear += 1
        elif ip.dst == "239.2.2.2" and f.haslayer(UDP):
            d = raw(f[UDP].payload)
            for k in range(0, len(d) - 187, 188):
                parities.add(d[k + 3] >> 6)
    ok(spis == set(range(0x1000, 0x1000 + ROTATIONS + 1)) and clear == 0,
       "the wire: only ESP for 239.1.1.1, all %d SPIs used" % (ROTATIONS + 1),
       "spis %s clear %d frames %d" % (sorted(spis), clear, len(frames)))
    ok(parities == {2, 3}, "the wire: TS scrambled, even (10) and odd (11) control words",
       repr(parities))
    enc = stats(m, "239.1.1.1", 5000, "encrypt")
    dec = stats(m, "239.1.1.1", 5000, "decrypt")
    tenc = stats(m, "239.2.2.2", 1234, "encrypt")
    tdec = stats(m, "239.2.2.2", 1234, "decrypt")
    ok(enc.get("out-pkts-protected") == n and dec.get("in-pkts-ok") == n and
       not any(v for k, v in dec.items() if k.startswith("in-pkts") and k != "in-pkts-ok") and
       not enc.get("out-pkts-no-sa"),
       "ESP counters: %d protected, %d verified, no drop" % (n, n), repr((enc, dec)))
    ok(tenc.get("out-pkts-protected") == n and tenc.get("ts-pkts-scrambled") == 7 * n and
       tdec.get("in-pkts-ok") == n and tdec.get("ts-pkts-descrambled") == 7 * n and
       not tdec.get("in-pkts-no-sa"),
       "TS counters: %d datagrams, %d TS packets each way" % (n, 7 * n), repr((tenc, tdec)))
    return frames


def attacks(wd, m, frames):
    """Frames injected on the wire into the decrypt port."""
    ok = t.ok
    esp = [f for f in frames if f.haslayer(IP) and f[IP].dst == "239.1.1.1" and
           f[IP].proto == 50]
    if not esp:
        ok(False, "captured ESP to replay")
        return
    final = raw(esp[-1])[34:38]
    cur = [raw(f) for f in esp if raw(f)[34:38] == final]
    if len(cur) < 70:
        ok(False, "70 captured packets of the last SA", len(cur))
        return
    last, old = cur[-1], cur[-70]
    # Tampered: a sequence number never seen (the window would refuse a
    # seen one first) and a flipped ciphertext byte; the ICV covers both.
    tampered = bytearray(last)
    seq = struct.unpack("!I", last[38:42])[0]
    tampered[38:42] = struct.pack("!I", seq + 1000)
    tampered[60] ^= 0x01
    unknown = bytearray(last)
    unknown[34:38] = b"\x0b\xad\xf0\x0d"
    cut = bytearray(last[:60])
    # With ESN, RFC 4303 A2.2 places a number left of the window in the
    # next 2^32 block: a late packet then fails its ICV, as in Linux.
    cases = [("tampered (new number, a ciphertext bit flipped)", tampered,
              "in-pkts-auth-failed"),
             ("replayed", last, "in-pkts-replayed"),
             ("late (70 back, ESN)", old, "in-pkts-auth-failed"),
             ("unknown SPI", unknown, "in-pkts-no-sa")]
    first = stats(m, "239.1.1.1", 5000, "decrypt")
    for name, frame, counter in cases:
        before = stats(m, "239.1.1.1", 5000, "decrypt")
        subprocess.run(nsx("A", PY, ME, DPDK, CTL, "--role", "inject", bytes(frame).hex()),
                       timeout=30)
        after = wait_for(lambda: (lambda a: a if a != before else None)(
            stats(m, "239.1.1.1", 5000, "decrypt")), 10) or before
        diff = {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}
        ok(diff == {counter: 1}, "a %s ESP packet is dropped and counted %s" % (name, counter),
           repr(diff))
    ok(stats(m, "239.1.1.1", 5000, "decrypt").get("in-pkts-ok") == first.get("in-pkts-ok"),
       "none of them was delivered (in-pkts-ok unchanged)")
    tot0 = m.json("stats")
    subprocess.run(nsx("A", PY, ME, DPDK, CTL, "--role", "inject", bytes(cut).hex()),
                   timeout=30)
    tot1 = wait_for(lambda: (lambda a: a if a != tot0 else None)(m.json("stats")), 10) or tot0
    diff = {k: tot1[k] - tot0[k] for k in tot1 if tot1[k] != tot0[k]}
    ok(diff == {"in-pkts-truncated": 1},
       "a truncated ESP packet is dropped and counted in-pkts-truncated (totals)", repr(diff))


def exhaustion(wd, m, app):
    ok = t.ok
    key = os.path.join(wd, "keys", "x")
    with open(key, "w") as f:
        f.write(esp_key(77).hex() + "\n")
    ok(m("group", "add", "239.3.3.3", "port", "7000", "dir", "encrypt", "format",
         "esp-tunnel") and
       m("sa", "add", "239.3.3.3", "port", "7000", "spi", "0x77", "suite", "aes128-gcm",
         "no-esn", "seq", str(0xfffffff0), "key-file", key),
       "a sender with 16 sequence numbers left", m.failed())
    evf = open(os.path.join(wd, "events"), "w+")
    mon = subprocess.Popen([CTL, "--dpdk", app.ctl, "-j", "monitor"], stdout=evf,
                           stderr=subprocess.STDOUT)
    time.sleep(0.5)
    s0mac = "02:00:00:00:00:01"
    frames = [raw(Ether(src=s0mac, dst="01:00:5e:03:03:03") /
                  IP(src="10.9.1.1", dst="239.3.3.3") / UDP(sport=1, dport=7000) /
                  Raw(b"x" * 40)) for _ in range(20)]
    subprocess.run(nsx("S", PY, "-c",
                       "import socket,sys,time\n"
                       "s=socket.socket(socket.AF_PACKET,socket.SOCK_RAW);s.bind(('s0',0))\n"
                       "for h in sys.argv[1:]:\n s.send(bytes.fromhex(h)); time.sleep(0.01)\n")
                   + [f.hex() for f in frames], timeout=30)
    wait_for(lambda: sum(stats(m, "239.3.3.3", 7000, "encrypt").get(k, 0) for k in
                         ("out-pkts-protected", "out-pkts-seq-exhausted")) >= 20, 10)
    evf.flush()
    wait_for(lambda: os.path.getsize(evf.name) > 0, 5)
    mon.terminate()
    mon.wait()
    evf.seek(0)
    text = evf.read()
    st = stats(m, "239.3.3.3", 7000, "encrypt")
    ok(st.get("out-pkts-protected") == 16 and st.get("out-pkts-seq-exhausted") == 4,
       "16 sent, then the sender fails closed: 4 counted out-pkts-seq-exhausted", repr(st))
    try:
        ev = [json.loads(x) for x in text.splitlines()]
    except ValueError:
        ev = []
    ok(len(ev) == 1 and ev[0]["event"] == "seq-exhausted" and ev[0]["spi"] == 0x77,
       "monitor: one seq-exhausted event for SPI 0x77", text)


def main():
    with mcdtest.tmpdir() as wd:
        try:
            setup()
            # Rings of 4096 frames: a worker descheduled for a while on a
            # loaded 2-core machine must not lose what the kernel queued.
            vdevs = ["net_af_packet%d,iface=a%d,qpairs=1,framecnt=4096" % (i, i)
                     for i in range(4)]
            app_args = NET.cmd("A")
            app = mcdtest.Appliance(DPDK, wd, vdevs, ["0:encrypt:1", "2:decrypt:3"],
                                    wrap=app_args)
            t.ok(app.alive(), "the appliance runs on four af_packet ports in ns A")
            m = mcdtest.Ctl(CTL, app.ctl)
            frames = live(wd, m)
            attacks(wd, m, frames)
            exhaustion(wd, m, app)
            rc, out, err = app.stop()
            t.ok(rc == 0, "the appliance exits 0 on SIGTERM", err[-3000:])
        finally:
            if NET:
                NET.cleanup()
        t.ok(NET is not None and NET.gone(), "cleanup: the test's namespaces are gone")
    t.done()


# A timeout's SIGTERM unwinds through the finally blocks (namespaces go).
signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
main()
