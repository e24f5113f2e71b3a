#!/usr/bin/python3
"""What `make run` (scripts/demo.sh) checks on the host, after the VM, in
the demo's work folder: the core's captures against the stream and against
what mcsecd logged, and the counters mcsecctl wrote.

  demo-check.py rotations WORK MIN    tshark on the core's captures: both
        scrambling parities (10, 11) in ch1, one key per datagram, the runs
        of one parity / one SPI in the order the head-end's mcsecd switched
        to them (its log, the key server's log for which key an epoch is),
        at least MIN flips per channel; ESP sequence numbers consecutive
  demo-check.py cleartext WORK RUN    no RUN-byte stretch of what is to be
        protected in the core's captures (ch1: the payloads of the video
        and audio TS packets; ch2: every datagram; PAT and null packets
        are clear by design and left out)
  demo-check.py counters WORK N       mcsecctl -j stats of each group: the
        head-end protected N of each, each authorized edge accepted N,
        no drop counter moved anywhere
Prints what it found; exits 1 on any failure.
"""
import json
import re
import subprocess
import sys
import time

G1, G2, PORT = "239.1.1.1", "239.1.1.2", 5000
TS = 188
PROTECTED_PIDS = {0x100, 0x101}     # video, audio (scripts/mkstream.py)
TSC = {2: "10 (even)", 3: "11 (odd)"}


def tshark(pcap, *fields, decode=()):
    cmd = ["tshark", "-r", pcap, "-T", "fields"]
    for d in decode:
        cmd += ["-d", d]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return [line.split("\t") for line in out.splitlines() if line.strip()]


def day_seconds(epoch):
    """Seconds since midnight UTC: mcsecd's log stamps (TZ=UTC in the VM)."""
    t = time.gmtime(int(epoch))
    return t.tm_hour * 3600 + t.tm_min * 60 + t.tm_sec + epoch % 1


LINE = re.compile(r"^(\d\d):(\d\d):(\d\d)\.(\d{3}) \S+: (.*)$")


def log_lines(path):
    for line in open(path, errors="replace"):
        m = LINE.match(line)
        if m:
            h, mi, s, ms, text = m.groups()
            yield int(h) * 3600 + int(mi) * 60 + int(s) + int(ms) / 1000, text


def epochs_of(work, group):
    """epoch -> 'even' / 'odd' / SPI, from the key server's log."""
    keys = {}
    pat = re.compile(r"group %s: .*epoch (\d+) (?:parity (even|odd)|spi (0x[0-9a-f]+))" % group)
    for _, text in log_lines(work + "/server.log"):
        m = pat.match(text)
        if m:
            keys[int(m.group(1))] = m.group(2) or int(m.group(3), 16)
    return keys


def expected_keys(work, group, t_first, t_last):
    """The keys the head-end sent with between two instants, in order: the
    one current at t_first, then each switch its mcsecd made before t_last.
    The current one is the head-end's last switch before t_first or, if it
    made none yet, the key server's (the key it synced the head-end with)."""
    cur, switches = None, []
    for t, text in log_lines(work + "/server.log"):
        m = re.match(r"group %s: (?:first key, |\d+ senders? told to switch to )epoch (\d+)"
                     % group, text)
        if m and t <= t_first:
            cur = int(m.group(1))
    for t, text in log_lines(work + "/headend.log"):
        m = re.match(r"group %s: sending with key epoch (\d+)" % group, text)
        if not m:
            continue
        if t <= t_first:
            cur = int(m.group(1))
        elif t < t_last:
            switches.append(int(m.group(1)))
    return [cur] + switches


def runs(seq):
    out = []
    for k in seq:
        if not out or out[-1][0] != k:
            out.append([k, 0])
        out[-1][1] += 1
    return out


def check_ch1(work, minflips):
    rows = tshark(work + "/core1.pcap", "frame.time_epoch", "mp2t.pid", "mp2t.tsc",
                  decode=["udp.port==%d,rtp" % PORT])
    per_dgram, seen_tsc, mixed = [], set(), 0
    for when, pids, tscs in rows:
        tsc = {int(v, 0) for p, v in zip(pids.split(","), tscs.split(",")) if int(v, 0)}
        seen_tsc |= tsc
        mixed += len(tsc) != 1
        per_dgram.append((float(when), {2: "even", 3: "odd"}.get(min(tsc), "?") if tsc else "clear"))
    if not per_dgram:
        print("  ch1: no datagram in the core's capture")
        return False
    got = runs([k for _, k in per_dgram])
    keys = epochs_of(work, "ch1")
    want_epochs = expected_keys(work, "ch1", day_seconds(per_dgram[0][0]),
                                day_seconds(per_dgram[-1][0]))
    want = [keys.get(e, "?") for e in want_epochs]
    print("  ch1, tshark on the core: %d datagrams; transport_scrambling_control seen: %s"
          % (len(per_dgram), ", ".join(TSC.get(v, str(v)) for v in sorted(seen_tsc))))
    print("    parity per datagram: %s" % ", ".join("%s x%d" % (k, c) for k, c in got))
    print("    %d parity flips; the head-end's mcsecd switched %d times meanwhile, to epochs %s"
          % (len(got) - 1, len(want) - 1, ", ".join(map(str, want_epochs[1:]))))
    ok = seen_tsc == {2, 3} and not mixed and [k for k, _ in got] == want and len(got) - 1 >= minflips
    if mixed:
        print("    %d datagrams without exactly one scrambling parity" % mixed)
    if [k for k, _ in got] != want:
        print("    NOT the parities of the keys the head-end was told to use: %s" % want)
    if len(got) - 1 < minflips:
        print("    fewer than %d flips" % minflips)
    return ok


def check_ch2(work, minflips):
    rows = tshark(work + "/core2.pcap", "frame.time_epoch", "esp.spi", "esp.sequence")
    pkts = [(float(t), int(spi, 0), int(seq)) for t, spi, seq in rows if spi]
    if not pkts:
        print("  ch2: no ESP packet in the core's capture")
        return False
    got = runs([spi for _, spi, _ in pkts])
    keys = epochs_of(work, "ch2")
    want_epochs = expected_keys(work, "ch2", day_seconds(pkts[0][0]), day_seconds(pkts[-1][0]))
    want = [keys.get(e, "?") for e in want_epochs]
    gaps = 0
    last = {}
    for _, spi, seq in pkts:
        if spi in last and seq != last[spi] + 1:
            gaps += 1
        last[spi] = seq
    print("  ch2, tshark on the core: %d ESP packets, %d SPIs: %s"
          % (len(pkts), len(got), ", ".join("0x%08x x%d" % (k, c) for k, c in got)))
    print("    %d SPI changes; the head-end's mcsecd switched %d times meanwhile, to epochs %s;"
          " ESP sequence numbers %s"
          % (len(got) - 1, len(want) - 1, ", ".join(map(str, want_epochs[1:])),
             "consecutive within each SPI" if not gaps else "with %d gaps" % gaps))
    ok = [k for k, _ in got] == want and not gaps and len(got) - 1 >= minflips and \
        len(set(k for k, _ in got)) == len(got)
    if [k for k, _ in got] != want:
        print("    NOT the SPIs the head-end was told to use: %s"
              % ", ".join("0x%08x" % k if isinstance(k, int) else k for k in want))
    if len(got) - 1 < minflips:
        print("    fewer than %d SPI changes" % minflips)
    return ok


def cmd_rotations(work, minflips):
    a = check_ch1(work, int(minflips))
    b = check_ch2(work, int(minflips))
    return a and b


def ts_payloads(datagram):
    """The payloads of the protected TS packets of one datagram."""
    off = len(datagram) % TS
    for i in range(off, len(datagram), TS):
        p = datagram[i:i + TS]
        pid = ((p[1] & 0x1F) << 8) | p[2]
        afc = (p[3] >> 4) & 3
        if pid not in PROTECTED_PIDS or not afc & 1:
            continue
        start = 4 + (1 + p[4] if afc & 2 else 0)
        if start < TS:
            yield p[start:]


def find_runs(units, blob, run):
    """Stretches of at least RUN bytes shared by a unit and blob. Any such
    stretch holds a whole aligned block of run/2 bytes of its unit: index
    those, look each position of blob up, and measure the match around a
    hit."""
    half = run // 2
    index = {}
    for u, data in enumerate(units):
        for o in range(0, len(data) - half + 1, half):
            index.setdefault(data[o:o + half], []).append((u, o))
    hits = 0
    for j in range(len(blob) - half + 1):
        where = index.get(blob[j:j + half])
        if not where:
            continue
        for u, o in where:
            data = units[u]
            left = 0
            while o - left > 0 and j - left > 0 and data[o - left - 1] == blob[j - left - 1]:
                left += 1
            right = 0
            while o + half + right < len(data) and j + half + right < len(blob) and \
                    data[o + half + right] == blob[j + half + right]:
                right += 1
            if left + half + right >= run:
                hits += 1
                break
    return hits


def cmd_cleartext(work, run):
    run = int(run)
    ch1 = [bytes.fromhex(x) for x in open(work + "/ch1.pay").read().split()]
    ch2 = [bytes.fromhex(x) for x in open(work + "/ch2.pay").read().split()]
    es = list({p for d in ch1 + ch2 for p in ts_payloads(d)})
    ok = True
    for cap, units, what in (("core1.pcap", es, "video/audio TS payload"),
                             ("core2.pcap", es + ch2, "video/audio TS payload or ch2 datagram")):
        blob = open(work + "/" + cap, "rb").read()
        hits = find_runs(units, blob, run)
        print("  %s (%d bytes): %s %d-byte stretch of any %s (%d distinct ones)"
              % (cap, len(blob), "no" if not hits else "%d x a" % hits, run, what, len(units)))
        ok = ok and not hits
    return ok


def cmd_counters(work, n):
    n = int(n)
    ok = True

    def stats(box, g):
        try:
            j = json.load(open("%s/%s.%s.stats.json" % (work, box, g)))
        except (OSError, ValueError):
            return None
        return j[0] if isinstance(j, list) and j else j if isinstance(j, dict) else None

    for g, ch, edges in ((G1, "ch1, TS", ("edge1", "edge2")), (G2, "ch2, ESP", ("edge1",))):
        he = stats("headend", g) or {}
        line = "  %s: head-end out-pkts-protected %s" % (ch, he.get("out-pkts-protected"))
        good = he.get("out-pkts-protected") == n
        for e in edges:
            ed = stats(e, g) or {}
            drops = {k: v for k, v in ed.items() if v and ("fail" in k or "malformed" in k or
                     "replay" in k or "cleartext" in k or "no-sa" in k or "late" in k)}
            line += ", %s in-pkts-ok %s drops %s" % (e, ed.get("in-pkts-ok"), drops or "none")
            good = good and ed.get("in-pkts-ok") == n and not drops
        print(line + ("" if good else "  <- expected %d everywhere, no drops" % n))
        ok = ok and good
    if stats("edge2", G2) is not None:
        print("  edge2 has counters of ch2: it should have no such group")
        ok = False
    return ok


def main():
    cmds = {"rotations": cmd_rotations, "cleartext": cmd_cleartext, "counters": cmd_counters}
    if len(sys.argv) != 4 or sys.argv[1] not in cmds:
        sys.exit(__doc__)
    sys.exit(0 if cmds[sys.argv[1]](*sys.argv[2:]) else 1)


if __name__ == "__main__":
    main()
