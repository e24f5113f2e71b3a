# SPDX-License-Identifier: GPL-2.0 OR MIT
"""Shared helpers of the mcsec-pcap tests: TAP output, running the tool,
key files, captures, and the summary it prints."""

import logging
import os
import re
import subprocess
import sys
import tempfile

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
logging.getLogger("scapy.loading").setLevel(logging.ERROR)

from scapy.all import Ether, IP, IPv6, UDP, Raw, raw, wrpcap, rdpcap  # noqa: E402,F401
from scapy.utils import PcapReader  # noqa: E402


class Tap:
    """TAP producer: ok N - name; the plan at the end."""

    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, name, diag=None):
        self.n += 1
        print("%sok %d - %s" % ("" if cond else "not ", self.n, name))
        if not cond:
            self.failed += 1
            if diag:
                for line in str(diag).splitlines():
                    print("# " + line)
        sys.stdout.flush()
        return bool(cond)

    def diag(self, text):
        for line in str(text).splitlines():
            print("# " + line)

    def done(self):
        print("1..%d" % self.n)
        sys.exit(1 if self.failed else 0)


def tool_path():
    if len(sys.argv) < 2:
        sys.exit("usage: %s PATH/TO/mcsec-pcap" % sys.argv[0])
    return os.path.abspath(sys.argv[1])


class Run:
    """One run of the tool: rc, stdout, stderr and the parsed summary."""

    def __init__(self, rc, out, err):
        self.rc = rc
        self.out = out
        self.err = err
        self.summary = parse_summary(err)

    def count(self, name):
        return self.summary.get(name, 0)

    def drops(self):
        return {k[5:]: v for k, v in self.summary.items() if k.startswith("drop:")}

    def __repr__(self):
        return "rc=%d stderr=%r" % (self.rc, self.err)


def run_tool(tool, args, stdin=None, cwd=None):
    p = subprocess.run([tool] + [str(a) for a in args], input=stdin,
                       capture_output=True, cwd=cwd, timeout=120)
    return Run(p.returncode, p.stdout.decode(errors="replace"),
               p.stderr.decode(errors="replace"))


def parse_summary(err):
    """'transformed 3' -> {'transformed': 3}; '  auth-failed 2' under
    'dropped' -> {'drop:auth-failed': 2}."""
    s = {}
    for line in err.splitlines():
        m = re.match(r"^(  )?([a-z][a-z0-9-]*) (\d+)$", line)
        if not m:
            continue
        key = ("drop:" if m.group(1) else "") + m.group(2)
        s[key] = int(m.group(3))
    return s


def write_file(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def tmpdir():
    return tempfile.TemporaryDirectory(prefix="mcsec-pcap-test.")


def read_pcap(path):
    """(linktype, [(packet, raw bytes)])"""
    with PcapReader(path) as r:
        lt = r.linktype
        pkts = [(p, raw(p)) for p in r]
    return lt, pkts


def read_pcap_raw(path):
    """Records as raw bytes with their timestamps, by hand (no dissection)."""
    import struct
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xa1b2c3d4, 0xa1b23c4d):
        e = "<"
    else:
        e = ">"
    lt = struct.unpack(e + "I", data[20:24])[0]
    off = 24
    recs = []
    while off < len(data):
        sec, frac, caplen, wlen = struct.unpack(e + "IIII", data[off:off + 16])
        off += 16
        recs.append(((sec, frac), data[off:off + caplen], wlen))
        off += caplen
    return lt, recs
