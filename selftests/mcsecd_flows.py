#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Streams and counters of selftests/mcsecd.sh, each in one process for
every namespace at once (a Python start costs seconds in a loaded TCG
guest, and the suite needs many receivers): the payloads are mcast.py's
sequence-numbered datagrams, compared the way lib.sh's streams are.

  mcsecd_flows.py send IFNAME --until F [--gap SEC] FLOW...
        FLOW is DST:PORT:SENT:KIND (KIND ts: 7 clear TS packets per datagram,
        or a size in bytes): one datagram of each flow in turn, every GAP,
        until file F exists; each is written to its SENT as it leaves (hex
        lines); then mcast.py stream's end marker to PORT + 1000 of each
  mcsecd_flows.py recv --ready F [--timeout SEC] NETNS:IFNAME:DST:PORT:OUT...
        a socket joined to DST:PORT on IFNAME in each named network
        namespace (and one on PORT + 1000 for the end marker); the
        payloads in arrival order to each OUT; a flow ends one second after
        its end marker (or with the timeout); F is created once every
        socket listens
  mcsecd_flows.py snap OUT TAG=NETNS...
        every counter of every mcsec group of each namespace, read with
        pyroute2 (mcsec_nl.py, not libmcsec), as lines
        "TAG ADDR:PORT:DIR NAME VALUE"
  mcsecd_flows.py snapd DIR
        snap as a server, pyroute2 imported once (a start costs 7 to 20 s
        in a loaded TCG guest): for each request DIR/N.req (snap's
        arguments, OUT TAG=NETNS..., on one line) what snap writes, then
        DIR/N.done holding 0 (or 1 if it failed); DIR/ready once it
        serves; it ends when DIR is gone or its parent dies
"""
import ctypes
import os
import select
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mcast  # noqa: E402

CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL(None, use_errno=True)
home = os.open("/proc/self/ns/net", os.O_RDONLY)


def enter(netns):
    """Into /run/netns/NETNS (None: back home); sockets made now live there."""
    fd = home if netns is None else os.open("/run/netns/" + netns, os.O_RDONLY)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "setns %s" % netns)
    if fd != home:
        os.close(fd)


def arg(argv, name, default=None):
    if name in argv:
        i = argv.index(name)
        v = argv[i + 1]
        del argv[i:i + 2]
        return v
    return default


def send(argv):
    until = arg(argv, "--until")
    gap = float(arg(argv, "--gap", "0.03"))
    ifname = argv[0]
    flows = []
    for spec in argv[1:]:
        dst, port, sent, kind = spec.split(":")
        flows.append((mcast.send_socket(ifname, dst), (dst, int(port)),
                      open(sent, "w", buffering=1), kind == "ts", 0 if kind == "ts" else int(kind)))
    i = 0
    while not os.path.exists(until):
        for s, to, log, ts, size in flows:
            p = mcast.seq_payload(i, ts, size)
            s.sendto(p, to)
            log.write(p.hex() + "\n")
        i += 1
        time.sleep(gap)
    for _ in range(3):
        for s, to, _, _, _ in flows:
            s.sendto(b"mcast.py stream end", (to[0], to[1] + 1000))
        time.sleep(0.1)
    print("send: %d datagrams of each of %d flows" % (i, len(flows)), file=sys.stderr)


def recv(argv):
    ready = arg(argv, "--ready")
    deadline = time.monotonic() + float(arg(argv, "--timeout", "600"))
    data, ends = {}, {}
    for spec in argv:
        netns, ifname, dst, port, out = spec.split(":", 4)
        enter(netns)
        s = mcast.joined_socket(ifname, dst, int(port))
        e = mcast.joined_socket(ifname, dst, int(port) + 1000)
        enter(None)
        data[s] = [open(out, "w", buffering=1), None]	# file, end time
        ends[e] = s
    open(ready, "w").close()
    while True:
        now = time.monotonic()
        live = [s for s, v in data.items() if v[1] is None or v[1] > now]
        if not live or now >= deadline:
            break
        socks = live + [e for e, s in ends.items() if data[s][1] is None]
        r, _, _ = select.select(socks, [], [], min([deadline - now] +
                                [v[1] - now for v in data.values() if v[1] and v[1] > now]))
        for s in r:
            if s in ends:
                s.recv(65536)
                data[ends[s]][1] = time.monotonic() + 1.0
            else:
                data[s][0].write(s.recv(65536).hex() + "\n")
    for f, _ in data.values():
        f.close()


def snap(argv):
    import mcsec_nl as m
    with open(argv[0], "w") as out:
        for spec in argv[1:]:
            tag, netns = spec.split("=", 1)
            enter(netns)
            with m.Mcsec() as nl:
                for r in nl.request(m.CMD_GROUP_GET, [], dump=True):
                    g = r.get_attr("MCSEC_A_GROUP")
                    fam = socket.AF_INET if g.get_attr("FAMILY") == socket.AF_INET \
                        else socket.AF_INET6
                    key = "%s:%d:%d" % (socket.inet_ntop(fam, g.get_attr("DADDR")),
                                        g.get_attr("PORT"), g.get_attr("DIR"))
                    st = g.get_attr("STATS")
                    for n in m.STAT_NAMES[2:]:
                        out.write("%s %s %s %d\n" % (tag, key, n, st.get_attr(n) or 0))
            enter(None)


def snapd(argv):
    import signal
    # PR_SET_PDEATHSIG: the suite's shell gone (killed by a timeout), so is this
    libc.prctl(1, signal.SIGTERM)
    parent = os.getppid()
    d = argv[0]
    import mcsec_nl  # noqa: F401  (the seconds of the start, spent once)
    open(os.path.join(d, "ready"), "w").close()
    while os.path.isdir(d) and os.getppid() == parent:
        for f in sorted(x for x in os.listdir(d) if x.endswith(".req")):
            req = os.path.join(d, f)
            rc = 0
            try:
                snap(open(req).read().split())
            except Exception as e:  # noqa: BLE001  (reported, the next request still served)
                print("snapd: %s: %r" % (f, e), file=sys.stderr)
                rc = 1
            os.unlink(req)
            with open(req[:-4] + ".tmp", "w") as done:
                done.write("%d\n" % rc)
            os.rename(req[:-4] + ".tmp", req[:-4] + ".done")
        time.sleep(0.1)


if __name__ == "__main__":
    {"send": send, "recv": recv, "snap": snap, "snapd": snapd}[sys.argv[1]](sys.argv[2:])
