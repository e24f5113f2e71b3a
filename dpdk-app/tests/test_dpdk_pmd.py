# SPDX-License-Identifier: GPL-2.0 OR MIT
"""mcsec-dpdk on the net_af_xdp and net_tap PMDs: real packets from kernel
sockets in network namespaces this test creates, in through the PMD,
protected or opened, and out through it to the other namespace.

  af_xdp:
  ns S              ns A: mcsec-dpdk                            ns R
  +----------+      +---------------------------------------+      +----------+
  | s0       | veth | x0 (port 0)             (port 1) x1   | veth | r0       |
  | 10.9.0.1 |------| net_af_xdp0 --encrypt--> net_af_xdp1  |------| 10.9.0.2 |
  | UDP tx   |      |             <--decrypt--              |      | capture  |
  | UDP rx   |      |  one XDP socket per port, queue 0     |      | pkt tx   |
  +----------+      +---------------------------------------+      +----------+

  tap: the same with net_tap0 / net_tap1: the appliance creates the tap
  devices in ns A, the test then moves their kernel side into S and R
  (the PMD keeps its file descriptors), where they are the hosts' s0 / r0.
  Then tap again with two workers (two queues per port; the kernel picks
  a tap queue per flow), TS CISSA.

For each PMD, with the groups from a configuration file and the counters
through the control socket (mcsecctl --dpdk -j):
  encrypt: S sends N numbered datagrams to an ESP group (239.1.1.1:5000,
    aes128-gcm tunnel, 1328 bytes) and N of 7 TS packets to a TS group (239.2.2.2:1234,
    CISSA on af_xdp, IDSA on tap) from a UDP socket; captured on r0 (R):
    scapy's ESP SecurityAssociation opens every ESP packet to the datagram
    sent, in order; every TS datagram equals the scrambling reference
    written from the standards (OpenSSL's AES) with a valid UDP checksum;
    the wire carries nothing else of the groups; counters exact.
  decrypt: R sends N ESP packets made by scapy and N TS datagrams made by
    the reference on a packet socket; S's UDP sockets receive every
    datagram once, in order, byte-identical; counters exact.
Senders go in batches and wait for the counters (no fixed sleeps).
Needs root. usage: test_dpdk_pmd.py MCSEC_DPDK MCSECCTL"""

import os
import re
import signal
import socket
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mcdtest  # noqa: E402
from mcdtest import wait_for  # noqa: E402

from scapy.all import Ether, IP, UDP, Raw, raw  # noqa: E402
from scapy.layers.ipsec import ESP, SecurityAssociation  # noqa: E402

DPDK, CTL = sys.argv[1], sys.argv[2]
t = mcdtest.Tap()
N = 100                 # datagrams per group and direction
BATCH = 10              # sent before waiting for the appliance's counters
S_ADDR, R_ADDR = "10.9.0.1", "10.9.0.2"
ESP_G, ESP_P, TS_G, TS_P = "239.1.1.1", 5000, "239.2.2.2", 1234
SPI_OUT, SPI_IN = 0x5001, 0x5002
KEYS = {"esp-out": bytes(range(0x10, 0x24)), "esp-in": bytes(range(0x40, 0x54)),
        "even": bytes(range(0x60, 0x70)), "odd": bytes(range(0x80, 0x90))}
DROPS = ("in-pkts-auth-failed", "in-pkts-replayed", "in-pkts-no-sa",
         "in-pkts-truncated", "in-pkts-malformed", "out-pkts-no-sa")


def esp_payload(seq):
    """1328 bytes (an RTP header and 7 TS packets' worth): the ESP frame,
    a 1412-byte IP packet, still fits a 1500-byte MTU."""
    return struct.pack("!I", seq) + bytes((seq * 3 + i) & 0xff for i in range(1324))


def ts_payload(seq):
    """7 TS packets of PID 0x100, payload only (all of them scrambled)."""
    out = b""
    for k in range(7):
        body = struct.pack("!IB", seq, k) + bytes((seq * 7 + k + i) & 0xff
                                                  for i in range(179))
        out += bytes([0x47, 0x01, 0x00, 0x10 | k]) + body
    return out


def mcast_mac(group):
    return "01:00:5e:%02x:%02x:%02x" % tuple(int(x) & m for x, m in
                                             zip(group.split(".")[1:], (0x7f, 0xff, 0xff)))


def config(wd, fmt):
    for name, k in KEYS.items():
        mcdtest.write_key(wd, name + ".hex", k)
    ts_sas = "sa parity even key-file even.hex\nsa parity odd key-file odd.hex\n"
    conf = ("group %s:%d encrypt esp-tunnel\nsa spi 0x%x suite aes128-gcm key-file esp-out.hex\n"
            "group %s:%d encrypt ts-%s parity even\n%s"
            "group %s:%d decrypt esp-tunnel\nsa spi 0x%x suite aes128-gcm key-file esp-in.hex\n"
            "group %s:%d decrypt ts-%s\n%s" %
            (ESP_G, ESP_P, SPI_OUT, TS_G, TS_P, fmt, ts_sas,
             ESP_G, ESP_P, SPI_IN, TS_G, TS_P, fmt, ts_sas))
    path = os.path.join(wd, "mcsec.conf")
    with open(path, "w") as f:
        f.write(conf)
    return path


def counters(m, d):
    return m.stats(ESP_G, ESP_P, d), m.stats(TS_G, TS_P, d)


def batched(m, d, send):
    """send(i) for i < N in batches, each waited for on the counters:
    the PMD's and the kernel's queues never overflow, however slow the
    box. Whether every batch was seen."""
    key = "out-pkts-protected" if d == "encrypt" else "in-pkts-ok"
    for b in range(0, N, BATCH):
        for i in range(b, min(b + BATCH, N)):
            send(i)
        want = min(b + BATCH, N)
        if not wait_for(lambda: all(c.get(key) == want for c in counters(m, d)), 20):
            return False
    return True


def encrypt(kind, fmt, net, m, wd):
    ok = t.ok
    cap = mcdtest.Capture(net, "R", "r0", os.path.join(wd, "r0.pcap"),
                          "ip dst %s or ip dst %s" % (ESP_G, TS_G))
    with net.inside("S"):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((S_ADDR, 40000))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(S_ADDR))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 8)

    def send(i):
        s.sendto(esp_payload(i), (ESP_G, ESP_P))
        s.sendto(ts_payload(i), (TS_G, TS_P))
    sent = batched(m, "encrypt", send)
    s.close()
    cap.wait(2 * N)
    frames = cap.stop()
    ok(sent, "%s encrypt: %d + %d datagrams from a UDP socket in ns S, each batch "
       "counted" % (kind, N, N), repr(counters(m, "encrypt")))
    esp = [Ether(f) for f in frames if Ether(f).haslayer(IP) and Ether(f)[IP].dst == ESP_G]
    ts = [Ether(f) for f in frames if Ether(f).haslayer(IP) and Ether(f)[IP].dst == TS_G]
    sa = SecurityAssociation(ESP, spi=SPI_OUT, crypt_algo="AES-GCM",
                             crypt_key=KEYS["esp-out"], esn_en=True, esn=0,
                             tunnel_header=IP(src=S_ADDR, dst=ESP_G))
    protos = [f[IP].proto for f in esp]
    opened = []
    for f in esp:
        try:
            inner = sa.decrypt(f[IP])
            opened.append((inner[IP].src, inner[UDP].dport, raw(inner[UDP].payload)))
        except Exception as ex:  # noqa: BLE001
            opened.append(repr(ex))
    want = [(S_ADDR, ESP_P, esp_payload(i)) for i in range(N)]
    ok(protos == [50] * N and opened == want,
       "%s encrypt: r0 got %d ESP packets, scapy's ESP opens them to the datagrams "
       "sent, in order" % (kind, N),
       "%d ESP frames, %d opened right" % (len(esp), sum(a == b for a, b in zip(opened, want))))
    bits = 0x80             # the encrypt group's parity: even
    good = 0
    for i, f in enumerate(ts):
        u = f[UDP]
        chk = UDP(raw(u)).chksum
        u2 = f[IP].copy()
        u2[UDP].chksum = None
        if (raw(u.payload) == mcdtest.ref_scramble(fmt, KEYS["even"], bits, ts_payload(i),
                                                   False) and
                chk == IP(raw(u2))[UDP].chksum):
            good += 1
    ok(len(ts) == N and good == N,
       "%s encrypt: r0 got %d TS datagrams equal to the %s reference (OpenSSL AES, "
       "even), UDP checksums valid" % (kind, N, fmt.upper()),
       "%d TS frames, %d right" % (len(ts), good))
    ok(len(frames) == 2 * N, "%s encrypt: nothing else of the groups on r0" % kind,
       "%d frames" % len(frames))
    exact_counters(m, kind, "encrypt", "out-pkts-protected", "ts-pkts-scrambled")


def exact_counters(m, kind, d, per_dgram, per_ts):
    """The d groups' counters: N datagrams each (per_dgram), 7 N TS packets
    (per_ts), no drop of any kind."""
    e, x = counters(m, d)
    t.ok(e.get(per_dgram) == N and x.get(per_dgram) == N and x.get(per_ts) == 7 * N and
         not any(c.get(k) for c in (e, x) for k in DROPS),
         "%s %s counters: ESP %s %d, TS %s %d and %s %d" %
         (kind, d, per_dgram, N, per_dgram, N, per_ts, 7 * N), repr((e, x)))


def decrypt(kind, fmt, net, m, wd):
    ok = t.ok
    rx = {}
    with net.inside("S"):
        for g, p in ((ESP_G, ESP_P), (TS_G, TS_P)):
            r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            r.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
            r.bind((g, p))
            r.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                         socket.inet_aton(g) + socket.inet_aton(S_ADDR))
            r.setblocking(False)
            rx[g] = r
    with net.inside("R"):
        ps = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    ps.bind(("r0", 0))
    mac = ps.getsockname()[4].hex(":")
    sa = SecurityAssociation(ESP, spi=SPI_IN, crypt_algo="AES-GCM",
                             crypt_key=KEYS["esp-in"], esn_en=True, esn=0, seq_num=1,
                             tunnel_header=IP(src=R_ADDR, dst=ESP_G, ttl=8))
    bits = 0xc0             # the sender is on odd; the receiver has both

    def send(i):
        inner = IP(src=R_ADDR, dst=ESP_G, ttl=8) / UDP(sport=40001, dport=ESP_P) / \
            Raw(esp_payload(i))
        ps.send(raw(Ether(src=mac, dst=mcast_mac(ESP_G)) / sa.encrypt(inner)))
        d = mcdtest.ref_scramble(fmt, KEYS["odd"], bits, ts_payload(i), False)
        ps.send(raw(Ether(src=mac, dst=mcast_mac(TS_G)) / IP(src=R_ADDR, dst=TS_G, ttl=8) /
                    UDP(sport=40001, dport=TS_P) / Raw(d)))
    sent = batched(m, "decrypt", send)
    ps.close()
    ok(sent, "%s decrypt: %d ESP packets (scapy) and %d scrambled TS datagrams "
       "(reference, odd) from a packet socket in ns R, each batch counted" % (kind, N, N),
       repr(counters(m, "decrypt")))
    got = {ESP_G: [], TS_G: []}

    def drain():
        for g, r in rx.items():
            while True:
                try:
                    got[g].append(r.recv(4096))
                except BlockingIOError:
                    break
        return len(got[ESP_G]) >= N and len(got[TS_G]) >= N
    wait_for(drain, 10)
    drain()
    for r in rx.values():
        r.close()
    ok(got[ESP_G] == [esp_payload(i) for i in range(N)],
       "%s decrypt: S's UDP socket got all %d ESP datagrams once, in order, "
       "byte-identical" % (kind, N), "got %d" % len(got[ESP_G]))
    ok(got[TS_G] == [ts_payload(i) for i in range(N)],
       "%s decrypt: S's UDP socket got all %d TS datagrams descrambled, in order, "
       "byte-identical" % (kind, N), "got %d" % len(got[TS_G]))
    exact_counters(m, kind, "decrypt", "in-pkts-ok", "ts-pkts-descrambled")


def queues(net, cfg):
    """Two workers need two queues per port. DPDK 22.11's af_xdp takes
    its queue limit from the driver's combined channels, which veth does
    not report (only rx and tx): one queue, so two workers are refused."""
    p = subprocess.run(net.cmd("A", DPDK, "--no-huge", "--no-pci", "--no-shconf", "-m", "256",
                               "--no-telemetry", "--lcores", "0@0,1@1,2@1", "--file-prefix",
                               "mcdpmdq%d" % os.getpid(), "--log-level", "lib.*:error",
                               "--vdev", "net_af_xdp0,iface=x0,start_queue=0,queue_count=1",
                               "--", "--config", cfg, "--port", "0:encrypt"),
                       capture_output=True, timeout=60)
    err = p.stderr.decode(errors="replace")
    t.ok(p.returncode == 2 and "port 0 (net_af_xdp) has 1 rx / 1 tx queues, 2 workers need "
         "one each: use fewer lcores" in err,
         "af_xdp: two workers on a one-queue port are refused at start, exit 2, saying why",
         "rc %d\n%s" % (p.returncode, err[-2000:]))


def run(kind, fmt, workers=1):
    name = kind if workers == 1 else "%s, %d workers" % (kind, workers)
    # More lcores than the 2 cores here: the workers share core 1.
    lcores = "0,1" if workers == 1 else "0@0,1@1,2@1"
    net = mcdtest.Netns("mcdpmd%s%d" % (kind[0], workers), "SAR")
    tag = "%d" % (os.getpid() % 100000)
    app = None
    env = None
    if kind == "af_xdp":
        # The PMD's own leak at exit, not the appliance's (see the file).
        supp = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lsan-af_xdp.supp")
        env = {"LSAN_OPTIONS": "suppressions=%s:print_suppressions=0" % supp}
    try:
        with mcdtest.tmpdir() as wd:
            cfg = config(wd, fmt)
            if kind == "af_xdp":
                net.veth("s0", "S", "x0", "A")
                net.veth("x1", "A", "r0", "R")
                for dev in ("x0", "x1"):
                    net.ip("A", "link", "set", dev, "up")
                vdevs = ["net_af_xdp%d,iface=x%d,start_queue=0,queue_count=1" % (i, i)
                         for i in range(2)]
            else:
                taps = {"S": "mcdtp%ss" % tag, "R": "mcdtp%sr" % tag}
                vdevs = ["net_tap0,iface=%s" % taps["S"], "net_tap1,iface=%s" % taps["R"]]
            app = mcdtest.Appliance(DPDK, wd, vdevs, ["0:encrypt:1", "1:decrypt:0"],
                                    extra=["--config", cfg], wrap=net.cmd("A"), env=env,
                                    lcores=lcores)
            if kind == "tap":
                for n, dev in taps.items():
                    if app.alive():
                        net.ip("A", "link", "set", dev, "netns", net[n])
                        net.ip(n, "link", "set", dev, "name", n.lower() + "0")
            if not t.ok(app.alive(), "%s: the appliance runs on two %s ports in ns A" %
                        (name, kind), app.stop() if not app.alive() else ""):
                return
            if kind == "af_xdp":
                links = net.ip("A", "-d", "link", "show")
                t.ok(sorted(re.findall(r"^\d+: (x[01])@\S+ <[^>]*> mtu \d+ xdp ", links,
                                       re.M)) == ["x0", "x1"] and
                     links.count("prog/xdp id") == 2,
                     "af_xdp: the PMD's XDP program is attached to x0 and x1 in driver "
                     "mode (veth's native XDP)", links)
            else:
                links = net.ip("S", "-d", "link", "show", "s0") + \
                    net.ip("R", "-d", "link", "show", "r0")
                t.ok(links.count("tun type tap") == 2,
                     "%s: s0 (ns S) and r0 (ns R) are the PMD's tap devices" % name, links)
            net.host("S", "s0", S_ADDR, csum_off=kind == "af_xdp")
            net.host("R", "r0", R_ADDR, csum_off=kind == "af_xdp")
            m = mcdtest.Ctl(CTL, app.ctl)
            encrypt(name, fmt, net, m, wd)
            decrypt(name, fmt, net, m, wd)
            rc, out, err = app.stop()
            t.ok(rc == 0, "%s: the appliance exits 0 on SIGTERM" % name, err[-3000:])
            # Whatever else the kernels sent (IGMP reports) was forwarded:
            # every frame received left again, none refused by the PMD.
            lcs = mcdtest.Result(rc, out, err, []).lcores
            print("# %s: frames received per worker lcore: %s" %
                  (name, {k: v.get("rx") for k, v in sorted(lcs.items())}))
            tot = {k: sum(lc.get(k, 0) for lc in lcs.values())
                   for k in ("rx", "tx", "tx-full", "crypto-errors")}
            t.ok(len(lcs) == workers and tot["rx"] >= 4 * N and tot["rx"] == tot["tx"] and
                 tot["tx-full"] == 0 and tot["crypto-errors"] == 0,
                 "%s: the workers sent every frame they received (rx = tx >= %d), "
                 "tx-full 0, crypto-errors 0" % (name, 4 * N), out)
            if kind == "af_xdp":
                queues(net, cfg)
    finally:
        if app:
            app.stop()
        net.cleanup()
    t.ok(net.gone(), "%s: cleanup, the test's namespaces are gone" % name)


# A timeout's SIGTERM unwinds through the finally blocks (namespaces go).
signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
run("af_xdp", "cissa")
run("tap", "idsa")
run("tap", "cissa", workers=2)
t.done()
