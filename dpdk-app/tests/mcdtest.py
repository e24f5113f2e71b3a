# SPDX-License-Identifier: GPL-2.0 OR MIT
"""Helpers of the mcsec-dpdk tests: TAP, running the appliance over pcap
files with the net_pcap PMD (EAL without hugepages, so CI can run it), and
running mcsec-pcap on the same input for byte comparisons."""

import logging
import os
import re
import subprocess
import sys
import tempfile
import time

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
logging.getLogger("scapy.loading").setLevel(logging.ERROR)

from scapy.all import raw, wrpcap  # noqa: E402
from scapy.utils import PcapReader  # noqa: E402


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
                 lcores="0,1", wrap=()):
        self.ctl = os.path.join(workdir, "ctl.sock")
        self.prefix = "mcdctl%d_%d" % (os.getpid(), id(self) % 10000)
        args = list(wrap) + [tool, "--no-huge", "--no-pci", "--no-shconf", "-m", "256",
                "-l", lcores, "--file-prefix", self.prefix,
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
        self.p = subprocess.Popen(args, stdout=self.out, stderr=self.err)
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
