#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
"""mcsecd members driving the DPDK appliance (fastpath = dpdk:SOCKET) under
live traffic: the key server and two members on the host, mcsec-dpdk on
af_packet ports in namespaces this test makes (the topology and the traffic
roles of dpdk-app/tests/test_dpdk_live.py, which this test runs as its
sender and receiver):

  ns S (sender)     ns A: mcsec-dpdk, net_af_packet x4                ns R
  s0 ------------- a0 port 0 encrypt --> port 1 a1 --veth-- a2 port 2 decrypt
                                                    --> port 3 a3 ------- r0 (UDP sockets)
                    control socket ctl.sock <- mcsecd member "head" (encrypts)
                                            <- mcsecd member "edge" (decrypts)
  mcsecd key server (127.0.0.1, TLS 1.3): group esp 239.1.1.1:5000 esp-tunnel,
                                          group ts 239.2.2.2:1234 ts-idsa,
                                          both rekeyed every second

Checked: both members join and build their groups in the appliance; while
the stream runs, at least 10 rotations of each group (new SA / other-parity
control word to the receiver, then the sender switches, then the old key
goes); every datagram arrives once and byte-identical (zero loss); the wire
carries only ESP for the ESP group, with one SPI per key, and TS scrambled
with both parities; the appliance's counters are exact; old keys retired;
the head-end's member stopped past the ack-timeout mid-rotation: the old
key stays at the edge until it switched, so still no loss.
Needs root. Usage: test_dpdk_member.py MCSECD MKCA MCSEC_DPDK MCSECCTL"""
import json
import os
import re
import socket
import signal
import struct
import subprocess
import sys
import time

MCSECD, MKCA, DPDK, CTL = sys.argv[1:5]
HERE = os.path.dirname(os.path.abspath(__file__))
LIVE = os.path.join(HERE, "../../../dpdk-app/tests/test_dpdk_live.py")
sys.path.insert(0, os.path.dirname(LIVE))
import mcdtest  # noqa: E402

PY = "/usr/bin/python3"
t = mcdtest.Tap()
ROTATIONS = 10


NET = None         # the test's namespaces (mcdtest.live_topology)


def nsx(ns, *cmd):
    return NET.cmd(ns, *cmd)


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def wait_for(path, pattern, timeout=30.0, count=1):
    end = time.time() + timeout
    while time.time() < end:
        if len(re.findall(pattern, read(path), re.M)) >= count:
            return True
        time.sleep(0.05)
    return False


def ctl_json(sock, *args):
    p = subprocess.run([CTL, "--dpdk", sock, "-j"] + list(args), capture_output=True,
                       timeout=30)
    return json.loads(p.stdout) if p.returncode == 0 else None


def stats(sock, group, port, d):
    j = ctl_json(sock, "-s", "group", "show", group, "port", str(port), "dir", d)
    return j[0]["stats"] if j else {}


def configs(wd, ctl):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    ca = os.path.join(wd, "ca")
    with open(os.path.join(wd, "server.conf"), "w") as f:
        f.write("""[server]
listen = 127.0.0.1:{port}
certificate = {ca}/server.crt
key = {ca}/server.key
ca = {ca}/ca.crt
state = {wd}/state
ack-timeout = 3s
grace = 300ms

[group esp]
address = 239.1.1.1
port = 5000
format = esp-tunnel
suite = aes128-gcm
rekey = 1s
encrypt = head
decrypt = edge

[group ts]
address = 239.2.2.2
port = 1234
format = ts-idsa
rekey = 1s
encrypt = head
decrypt = edge

[member head]
[member edge]
""".format(port=port, ca=ca, wd=wd))
    for m in ("head", "edge"):
        with open(os.path.join(wd, m + ".conf"), "w") as f:
            f.write("""[member]
server = 127.0.0.1:{port}
server-identity = keyserver
certificate = {ca}/{m}.crt
key = {ca}/{m}.key
ca = {ca}/ca.crt
fastpath = dpdk:{ctl}
backoff-min = 100ms
backoff-max = 1s
""".format(port=port, ca=ca, m=m, ctl=ctl))


def wire(cap):
    """SPIs of the ESP group, cleartext packets of it, TS parities seen."""
    from scapy.all import IP, UDP, raw, rdpcap
    spis, clear, parities = set(), 0, set()
    for f in rdpcap(cap) if os.path.exists(cap) else []:
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
    return spis, clear, parities


def run(wd):
    global NET
    ok = t.ok
    NET = mcdtest.live_topology("mcsd")
    vdevs = ["net_af_packet%d,iface=a%d,qpairs=1" % (i, i) for i in range(4)]
    app = mcdtest.Appliance(DPDK, wd, vdevs, ["0:encrypt:1", "2:decrypt:3"],
                            wrap=NET.cmd("A"))
    ok(app.alive(), "mcsec-dpdk runs on four af_packet ports, control socket up")
    subprocess.run([MKCA, "testset", os.path.join(wd, "ca"), "head", "edge"], check=True,
                   capture_output=True)
    configs(wd, app.ctl)
    logs = {n: os.path.join(wd, n + ".log") for n in ("server", "head", "edge")}
    procs = {n: subprocess.Popen([MCSECD, "-c", os.path.join(wd, n + ".conf")],
                                 stdout=open(logs[n], "w"), stderr=subprocess.STDOUT)
             for n in ("server", "head", "edge")}
    joined = all(wait_for(logs[m], r"synced with 127\.0\.0\.1:\d+: 2 groups, 2 keys")
                 for m in ("head", "edge"))
    groups = ctl_json(app.ctl, "group", "show") or []
    kinds = sorted((g.get("group"), g.get("dir")) for g in groups)
    ok(joined and kinds == [("239.1.1.1", "decrypt"), ("239.1.1.1", "encrypt"),
                            ("239.2.2.2", "decrypt"), ("239.2.2.2", "encrypt")],
       "both members joined and built their groups in the appliance", repr(groups))

    stop = os.path.join(wd, "stop")
    recv_out, send_out = os.path.join(wd, "recv.json"), os.path.join(wd, "sent")
    cap = os.path.join(wd, "wire.pcap")
    capture = mcdtest.Capture(NET, "A", "a2", cap, "ip")
    # The receiver stops once it has all the sender says it sent.
    recv = subprocess.Popen(nsx("R", PY, LIVE, DPDK, CTL, "--role", "recv", stop, recv_out,
                                send_out))
    for _ in range(400):
        if os.path.exists(recv_out + ".ready"):
            break
        time.sleep(0.05)
    time.sleep(0.5)
    send = subprocess.Popen(nsx("S", PY, LIVE, DPDK, CTL, "--role", "send", stop, send_out))
    for _ in range(400):
        if os.path.exists(send_out + ".ready"):
            break
        time.sleep(0.05)
    base = {g: len(re.findall(r"group %s: rotation \d+ done" % g, read(logs["server"])))
            for g in ("esp", "ts")}
    rotated = all(wait_for(logs["server"], r"group %s: rotation \d+ done" % g, timeout=120,
                           count=base[g] + ROTATIONS) for g in ("esp", "ts"))
    log = read(logs["server"])
    # The head-end's member stopped (SIGSTOP) past two ack-timeouts while
    # the appliance goes on sending with the key it has: the rotation under
    # way must keep that key at the edge until the sender switched, which it
    # does once resumed. The zero-loss checks below cover this stretch too.
    mark = len(log)
    os.kill(procs["head"].pid, signal.SIGSTOP)
    held = all(wait_for(logs["server"], r"group %s: not every sender switched.*"
                        r"the old key stays until they do" % g, timeout=20) for g in ("esp", "ts"))
    os.kill(procs["head"].pid, signal.SIGCONT)
    resumed = all(wait_for(logs["server"], r"group %s: every sender switched to epoch \d+ at last"
                           % g, timeout=20) for g in ("esp", "ts"))
    after = read(logs["server"])[mark:]
    # between "the old key stays" and "at last", no rotation of that group
    # may end (retire its old key)
    retired_early = any(re.search(r"group %s: not every sender.*?group %s: rotation \d+ done"
                                  r".*?group %s: every sender switched" % (g, g, g), after, re.S)
                        for g in ("esp", "ts"))
    time.sleep(1.0)
    open(stop, "w").close()
    send.wait(timeout=60)
    recv.wait(timeout=120)
    # Every protected frame (ESP + TS) of the sent count on the capture.
    capture.wait(2 * int(read(send_out) or 0))
    capture.stop()
    ok(rotated and "within ack-timeout" not in log,
       "at least %d rotations of each group under traffic, every phase ended on its acks"
       % ROTATIONS, log[-2000:])
    ok(held and resumed and not retired_early,
       "head-end's member stopped mid-rotation: no old key retired while it had not switched, "
       "the rotation finished once it resumed", after[-2000:])

    n = int(read(send_out) or 0)
    r = json.loads(read(recv_out) or '{"got": {}, "bad": {}}')
    for g in ("esp", "ts"):
        got = r["got"].get(g, [])
        missing = sorted(set(range(n)) - set(got))
        ok(n > 0 and sorted(got) == list(range(n)) and r["bad"].get(g) == 0,
           "%s: all %d datagrams arrived once, byte-identical: zero loss" % (g, n),
           "received %d, bad %s, missing %s" % (len(got), r["bad"].get(g), missing[:20]))
    spis, clear, parities = wire(cap)
    keys = len(re.findall(r"group esp: key epoch \d+ installed", read(logs["head"])))
    # Of the ROTATIONS rotations done after the sender started, the first
    # may have switched before it sent anything (it was in its grace then):
    # the stream saw at least ROTATIONS - 1 switches, so ROTATIONS SPIs.
    ok(clear == 0 and len(spis) >= ROTATIONS and len(spis) <= keys,
       "the wire: only ESP for 239.1.1.1, %d SPIs (one per key sent with)" % len(spis),
       "spis %d clear %d keys %d" % (len(spis), clear, keys))
    ok(parities == {2, 3}, "the wire: TS scrambled with the even and the odd control word",
       repr(parities))
    enc = stats(app.ctl, "239.1.1.1", 5000, "encrypt")
    dec = stats(app.ctl, "239.1.1.1", 5000, "decrypt")
    tenc = stats(app.ctl, "239.2.2.2", 1234, "encrypt")
    tdec = stats(app.ctl, "239.2.2.2", 1234, "decrypt")
    ok(enc.get("out-pkts-protected") == n and dec.get("in-pkts-ok") == n and
       not any(v for k, v in dec.items() if k.startswith("in-pkts") and k != "in-pkts-ok") and
       not enc.get("out-pkts-no-sa"),
       "ESP counters: %d protected, %d verified, no drop of any kind" % (n, n), repr((enc, dec)))
    ok(tenc.get("ts-pkts-scrambled") == 7 * n and tdec.get("ts-pkts-descrambled") == 7 * n and
       not tdec.get("in-pkts-no-sa") and not tenc.get("out-pkts-no-sa"),
       "TS counters: %d TS packets scrambled and descrambled" % (7 * n), repr((tenc, tdec)))
    sas = ctl_json(app.ctl, "sa", "show") or []
    per = {}
    for sa in sas:
        per[(sa.get("group"), sa.get("dir"))] = per.get((sa.get("group"), sa.get("dir")), 0) + 1
    ok(sas and all(v <= 2 for v in per.values()), "old keys retired: at most 2 SAs per group",
       repr(per))
    rc = []
    for p in procs.values():
        p.terminate()
        rc.append(p.wait(timeout=30))
    ok(rc == [0, 0, 0] and ctl_json(app.ctl, "sa", "show"),
       "mcsecd stops cleanly, the appliance keeps its keys")
    arc, _, err = app.stop()
    ok(arc == 0, "the appliance exits 0 on SIGTERM", err[-2000:])


with mcdtest.tmpdir() as wd:
    print("TAP version 13")
    try:
        run(wd)
    finally:
        if NET:
            NET.cleanup()
t.done()
