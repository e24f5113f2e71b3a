# SPDX-License-Identifier: GPL-2.0 OR MIT
"""Helpers of the mcsec-dpdk tests: TAP, running the appliance over pcap
files with the net_pcap PMD (EAL without hugepages, so CI can run it),
running mcsec-pcap on the same input for byte comparisons, the TS
scrambling reference from the standards, and for the live tests network
namespaces, captures on their interfaces and mcsecctl --dpdk."""

import ctypes
import json
import logging
import os
import re
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
logging.getLogger("scapy.loading").setLevel(logging.ERROR)

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes  # noqa: E402
from scapy.all import raw, wrpcap  # noqa: E402
from scapy.utils import PcapReader  # noqa: E402

_libc = ctypes.CDLL(None, use_errno=True)
PR_SET_PDEATHSIG = 1
CLONE_NEWNET = 0x40000000


def die_with_parent():
    """preexec_fn: the child (the appliance, tcpdump) gets SIGKILL when
    the test dies, even by SIGKILL after a timeout."""
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def wait_for(cond, timeout=10.0, step=0.02):
    """Polls cond() until it is true (returns its value) or the time is
    up (returns the last value): a condition, not a fixed sleep."""
    end = time.time() + timeout
    while True:
        v = cond()
        if v or time.time() >= end:
            return v
        time.sleep(step)


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, name, diag=None):
        self.n += 1
        print("%sok %d - %s" % ("" if cond else "not ", self.n, name))
        if not cond:
            self.failed += 1
            for line in str(diag or "").splitlines():
                print("# " + line)
        sys.stdout.flush()
        return bool(cond)

    def done(self):
        print("1..%d" % self.n)
        sys.exit(1 if self.failed else 0)


class Result:
    """One appliance run: exit status, stderr, counters and output frames."""

    def __init__(self, rc, out, err, frames):
        self.rc, self.out, self.err, self.frames = rc, out, err, frames
        self.groups = {}        # group id -> {counter: value}
        self.nogroup = {}
        self.lcores = {}
        cur = None
        for line in out.splitlines():
            m = re.match(r"^group (\d+) ", line)
            if m:
                cur = self.groups.setdefault(int(m.group(1)), {})
                continue
            if line == "nogroup":
                cur = self.nogroup
                continue
            m = re.match(r"^lcore (\d+) (.*)$", line)
            if m:
                w = m.group(2).split()
                self.lcores[int(m.group(1))] = {w[i]: int(w[i + 1])
                                                for i in range(0, len(w), 2)}
                cur = None
                continue
            m = re.match(r"^  ([a-z-]+) (\d+)$", line)
            if m and cur is not None:
                cur[m.group(1)] = int(m.group(2))

    def g(self, name, gid=1):
        return self.groups.get(gid, {}).get(name, 0)

    def __repr__(self):
        return "rc=%d\nstdout:\n%s\nstderr:\n%s" % (self.rc, self.out, self.err[-2000:])


def read_frames(path):
    if not os.path.exists(path) or os.path.getsize(path) < 24:
        return None     # never written, or only created by the PMD
    with PcapReader(path) as r:
        return [raw(p) for p in r]


def eal_args(prefix):
    return ["--no-huge", "--no-pci", "--no-shconf", "-m", "256",
            "--no-telemetry", "-l", "0,1", "--file-prefix", prefix,
            "--log-level", "lib.*:error"]


def run_dpdk(tool, workdir, conf, frames, ports="0:both", extra=()):
    """Writes conf and frames, runs mcsec-dpdk over them (net_pcap in and
    out), and returns a Result with the frames it transmitted."""
    inp = os.path.join(workdir, "in.pcap")
    out = os.path.join(workdir, "out.pcap")
    cfg = os.path.join(workdir, "mcsec.conf")
    for p in (inp, out):
        if os.path.exists(p):
            os.unlink(p)
    with open(cfg, "w") as f:
        f.write(conf)
    wrpcap(inp, frames)
    args = [tool] + eal_args("mcdtest%d" % os.getpid()) + [
        "--vdev", "net_pcap0,rx_pcap=%s,tx_pcap=%s" % (inp, out), "--",
        "--config", cfg, "--port", ports,
        "--max-packets", str(len(frames))] + list(extra)
    p = subprocess.run(args, capture_output=True, timeout=90)
    return Result(p.returncode, p.stdout.decode(errors="replace"),
                  p.stderr.decode(errors="replace"), read_frames(out) or [])


def run_pcap(tool, workdir, frames, args):
    """mcsec-pcap on the same frames: its output records."""
    inp = os.path.join(workdir, "pin.pcap")
    out = os.path.join(workdir, "pout.pcap")
    wrpcap(inp, frames)
    p = subprocess.run([tool, "-q"] + args + [inp, out], capture_output=True, cwd=workdir,
                       timeout=60)
    if p.returncode:
        raise RuntimeError("mcsec-pcap failed: %s" % p.stderr.decode())
    return read_frames(out)


def tmpdir():
    return tempfile.TemporaryDirectory(prefix="mcsec-dpdk-test.")


def write_key(workdir, name, data):
    path = os.path.join(workdir, name)
    with open(path, "w") as f:
        f.write("# test key\n%s\n" % data.hex())
    return name


class Appliance:
    """mcsec-dpdk running in the background with its control socket."""

    def __init__(self, tool, workdir, vdevs, ports, extra=(), telemetry=False,
                 lcores="0,1", wrap=(), env=None):
        self.ctl = os.path.join(workdir, "ctl.sock")
        self.prefix = "mcdctl%d_%d" % (os.getpid(), id(self) % 10000)
        # "-l 0,1", or with "@" EAL's --lcores map (more lcores than cores).
        args = list(wrap) + [tool, "--no-huge", "--no-pci", "--no-shconf", "-m", "256",
                "--lcores" if "@" in lcores else "-l", lcores, "--file-prefix", self.prefix,
                "--log-level", "lib.*:error"]
        if not telemetry:
            args.append("--no-telemetry")
        for v in vdevs:
            args += ["--vdev", v]
        args += ["--", "--ctl", self.ctl]
        for p in ports:
            args += ["--port", p]
        args += list(extra)
        self.out = open(os.path.join(workdir, "app.out"), "w+")
        self.err = open(os.path.join(workdir, "app.err"), "w+")
        self.p = subprocess.Popen(args, stdout=self.out, stderr=self.err,
                                  preexec_fn=die_with_parent,
                                  env=dict(os.environ, **env) if env else None)
        for _ in range(300):
            if os.path.exists(self.ctl) or self.p.poll() is not None:
                break
            time.sleep(0.05)

    def telemetry_path(self):
        return "/var/run/dpdk/%s/dpdk_telemetry.v2" % self.prefix

    def alive(self):
        return self.p.poll() is None and os.path.exists(self.ctl)

    def stop(self):
        """SIGTERM; returns (exit status, stdout, stderr)."""
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.out.seek(0)
        self.err.seek(0)
        return self.p.returncode, self.out.read(), self.err.read()


# ---- MPEG-TS scrambling as the standards give it (OpenSSL's AES) ----------

CISSA_IV = b"DVBTMCPTAESCISSA"


def aes_ecb(key, block):
    e = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return e.update(block) + e.finalize()


def scramble_payload(fmt, key, p):
    """One TS packet's payload: AES-128-CBC over the whole blocks (CISSA's
    fixed IV, IDSA's zero IV); the residual stays clear (CISSA) or is
    XORed with the encrypted last block (IDSA, ATIS-0800006 / DVS-042)."""
    n = len(p) - len(p) % 16
    iv = CISSA_IV if fmt == "cissa" else bytes(16)
    e = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    c = e.update(p[:n]) + e.finalize() if n else b""
    rest = p[n:]
    if fmt == "idsa" and rest:
        pad = aes_ecb(key, c[-16:] if n else iv)
        rest = bytes(a ^ b for a, b in zip(rest, pad))
    return c + rest


def ref_scramble(fmt, key, parity_bits, data, rtp):
    """A datagram of TS packets scrambled: PSI (PID <= 0x1f), null
    packets, already scrambled and payload-less packets stay clear."""
    off = 12 if rtp else 0
    out = bytearray(data)
    for i in range(off, len(data), 188):
        t = out[i:i + 188]
        pid = (t[1] & 0x1f) << 8 | t[2]
        afc = (t[3] >> 4) & 3
        if pid <= 0x1f or pid == 0x1fff or t[3] & 0xc0 or not afc & 1:
            continue
        start = 4 + (1 + t[4] if afc & 2 else 0)
        t[start:] = scramble_payload(fmt, key, bytes(t[start:]))
        t[3] |= parity_bits
        out[i:i + 188] = t
    return bytes(out)


# ---- live tests: namespaces, captures, mcsecctl --dpdk ----------------------

def sh(*cmd, check=True):
    p = subprocess.run(cmd, capture_output=True, timeout=60)
    if check and p.returncode:
        raise RuntimeError("%s: %s" % (" ".join(cmd), p.stderr.decode()))
    return p.stdout.decode()


class Netns:
    """Network namespaces a test creates (names unique to this process),
    without IPv6 so the kernel puts no ND or MLD frames on the wires, and
    removes with whatever runs in them."""

    def __init__(self, prefix, names):
        tag = "%d" % (os.getpid() % 100000)
        self.ns = {n: "%s%s%s" % (prefix, n, tag) for n in names}
        for n in self.ns.values():
            sh("ip", "netns", "add", n)
            for k in ("all", "default"):
                sh("ip", "netns", "exec", n, "sysctl", "-qw",
                   "net.ipv6.conf.%s.disable_ipv6=1" % k)
            sh("ip", "-n", n, "link", "set", "lo", "up")

    def __getitem__(self, name):
        return self.ns[name]

    def cmd(self, name, *cmd):
        return ["ip", "netns", "exec", self.ns[name]] + list(cmd)

    def ip(self, name, *args):
        return sh("ip", "-n", self.ns[name], *args)

    def veth(self, a, an, b, bn):
        """A veth pair: a in namespace an, b in namespace bn."""
        tmp = "mcdv%d" % (os.getpid() % 100000)
        sh("ip", "link", "add", tmp + "a", "type", "veth", "peer", "name", tmp + "b")
        sh("ip", "link", "set", tmp + "a", "netns", self.ns[an], "name", a)
        sh("ip", "link", "set", tmp + "b", "netns", self.ns[bn], "name", b)

    def host(self, name, dev, addr, csum_off=False):
        """dev in namespace name as a host: up, addr/24, a default route,
        no reverse path filter; csum_off: the kernel computes the UDP
        checksums it sends (a veth leaves them partial, which a PMD
        reading the frames cannot know)."""
        self.ip(name, "link", "set", dev, "up")
        self.ip(name, "addr", "add", addr + "/24", "dev", dev)
        self.ip(name, "route", "add", "default", "dev", dev)
        for k in ("all", "default", dev):
            sh(*self.cmd(name, "sysctl", "-qw", "net.ipv4.conf.%s.rp_filter=0" % k))
        if csum_off:
            sh(*self.cmd(name, "ethtool", "-K", dev, "tx", "off"))

    @contextmanager
    def inside(self, name):
        """Sockets made in this block belong to namespace name (and stay
        there after it): setns on this thread, and back."""
        back = os.open("/proc/self/ns/net", os.O_RDONLY)
        fd = os.open("/run/netns/" + self.ns[name], os.O_RDONLY)
        try:
            if _libc.setns(fd, CLONE_NEWNET):
                raise OSError(ctypes.get_errno(), "setns " + self.ns[name])
            yield
        finally:
            _libc.setns(back, CLONE_NEWNET)
            os.close(fd)
            os.close(back)

    def cleanup(self):
        for n in self.ns.values():
            p = subprocess.run(["ip", "netns", "pids", n], capture_output=True)
            for pid in p.stdout.split():
                try:
                    os.kill(int(pid), 9)
                except (OSError, ValueError):
                    pass
            subprocess.run(["ip", "netns", "del", n], capture_output=True)

    def gone(self):
        have = sh("ip", "netns", "list")
        return not any(re.search(r"^%s\b" % n, have, re.M) for n in self.ns.values())


def fifo_appliance(tool, workdir, conf, port, outp):
    """mcsec-dpdk reading a pcap from a FIFO, so bursts follow the test's
    writes (net_pcap reads until it has a whole burst of 32), writing outp:
    (Appliance, the FIFO's writer). Opening the FIFO and its pcap header
    let the appliance's EAL go on."""
    fifo = os.path.join(workdir, "in.fifo")
    os.mkfifo(fifo)
    box = {}

    def opener():
        w = open(fifo, "wb", buffering=0)
        w.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        box["w"] = w

    th = threading.Thread(target=opener)
    th.start()
    app = Appliance(tool, workdir, ["net_pcap0,rx_pcap=%s,tx_pcap=%s" % (fifo, outp)],
                    [port], extra=["--config", conf])
    th.join(timeout=30)
    return app, box.get("w")


def live_topology(prefix):
    """The live tests' namespaces (test_dpdk_live, mcsecd's
    test_dpdk_member): a sender S (s0, 10.9.1.1), the appliance's four
    ports a0..a3 in A with a1 and a2 joined by a veth, and a receiver R
    (r0, 10.9.2.2, a host)."""
    net = Netns(prefix, "SAR")
    for x, xn, y, yn in [("s0", "S", "a0", "A"), ("a1", "A", "a2", "A"),
                         ("a3", "A", "r0", "R")]:
        net.veth(x, xn, y, yn)
    for dev in ("a0", "a1", "a2", "a3"):
        net.ip("A", "link", "set", dev, "up")
    net.ip("S", "link", "set", "s0", "up")
    net.ip("S", "addr", "add", "10.9.1.1/24", "dev", "s0")
    net.host("R", "r0", "10.9.2.2")
    return net


def pcap_records(path):
    """How many whole records a pcap file being written holds."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return 0
    n, off = 0, 24
    while off + 16 <= len(data):
        incl = struct.unpack("<I", data[off + 8:off + 12])[0]
        if off + 16 + incl > len(data):
            break
        n += 1
        off += 16 + incl
    return n


class Capture:
    """tcpdump on dev in namespace ns (a Netns) into a pcap file, written
    packet by packet, started once it listens."""

    def __init__(self, netns, ns, dev, path, bpf="ip"):
        self.path = path
        self.log = open(path + ".log", "w+")
        self.p = subprocess.Popen(netns.cmd(ns, "tcpdump", "-q", "-U", "--immediate-mode",
                                            "-n", "-s", "0", "-i", dev, "-w", path, bpf),
                                  stderr=self.log, preexec_fn=die_with_parent)
        wait_for(lambda: "listening on" in self._log() or self.p.poll() is not None)

    def _log(self):
        self.log.seek(0)
        return self.log.read()

    def wait(self, n, timeout=10.0):
        """Until n records were written; whether they were."""
        return wait_for(lambda: pcap_records(self.path) >= n, timeout)

    def stop(self):
        """The captured frames (bytes)."""
        if self.p.poll() is None:
            self.p.terminate()
            self.p.wait(timeout=10)
        return read_frames(self.path) or []


class Ctl:
    """mcsecctl --dpdk SOCKET, remembering the commands that failed."""

    def __init__(self, tool, sock):
        self.tool, self.sock = tool, sock
        self.log = []

    def __call__(self, *args):
        p = subprocess.run([self.tool, "--dpdk", self.sock] + list(args),
                           capture_output=True, timeout=30)
        self.log.append((args, p.returncode, p.stderr.decode()))
        return p.returncode == 0

    def json(self, *args):
        p = subprocess.run([self.tool, "--dpdk", self.sock, "-j"] + list(args),
                           capture_output=True, timeout=30)
        return json.loads(p.stdout) if p.returncode == 0 else None

    def failed(self):
        return [x for x in self.log if x[1]]

    def stats(self, group, port, d):
        """One group's counters ({} if it is not there)."""
        j = self.json("-s", "group", "show", group, "port", str(port), "dir", d)
        return j[0]["stats"] if j else {}
