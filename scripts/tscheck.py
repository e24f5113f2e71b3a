#!/usr/bin/python3
"""What a point of the path saw of a scrambled TS channel, TS packet by TS
packet, against the datagrams the sender sent (both as hex per line, the
form of selftests/mcast.py). Standard library only: it runs in the VM.

  tscheck.py scrambled SENT SEEN PIDS [--both|--runs]   SEEN is SENT with every TS packet of
        PIDS that carries a payload scrambled: transport_scrambling_control
        even (2) or odd (3), header and adaptation field unchanged, every
        full 16-byte block of the payload changed and the payload_len % 16
        trailing bytes clear (DVB-CISSA leaves them so); every other TS
        packet (PAT, PMT, null) and the RTP header byte-identical.
        --both: and both keys were used, even before odd, each datagram
        with one key.
        --runs: each datagram with one key (the keys may change any number
        of times: mcsecd's crypto periods); prints the runs of one key and
        the number of flips between them.
Prints a one-line summary; exits 1 on any difference.
"""
import sys

TS = 188


def payload_start(pkt):
    """Offset of the payload in a TS packet, or None if it has none."""
    afc = (pkt[3] >> 4) & 3
    if not afc & 1:
        return None
    start = 4 + (1 + pkt[4] if afc & 2 else 0)
    return start if start < TS else None


def check_packet(sent, seen, pids, tally):
    pid = ((sent[1] & 0x1F) << 8) | sent[2]
    start = payload_start(sent)
    if pid not in pids or start is None:
        tally["clear"] += 1
        return seen == sent
    tsc = seen[3] >> 6
    if tsc not in (2, 3):
        return False
    tally["even" if tsc == 2 else "odd"] += 1
    if seen[:3] != sent[:3] or seen[3] & 0x3F != sent[3] & 0x3F or \
            seen[4:start] != sent[4:start]:
        return False
    full = (TS - start) // 16 * 16
    blocks = range(start, start + full, 16)
    if any(seen[b:b + 16] == sent[b:b + 16] for b in blocks):
        return False
    return seen[start + full:] == sent[start + full:]


def key_runs(order):
    """[key, count] for each run of datagrams with the same key."""
    runs = []
    for k in order:
        if runs and runs[-1][0] == k:
            runs[-1][1] += 1
        else:
            runs.append([k, 1])
    return runs


def main():
    both = sys.argv[5:] == ["--both"]
    runs_only = sys.argv[5:] == ["--runs"]
    if len(sys.argv) not in (5, 6) or sys.argv[1] != "scrambled" or \
            (len(sys.argv) == 6 and not (both or runs_only)):
        sys.exit(__doc__)
    sent = [bytes.fromhex(x) for x in open(sys.argv[2]).read().split()]
    seen = [bytes.fromhex(x) for x in open(sys.argv[3]).read().split()]
    pids = {int(p, 0) for p in sys.argv[4].split(",")}
    tally = {"even": 0, "odd": 0, "clear": 0}
    bad = 0
    if len(seen) != len(sent):
        print("datagrams: sent %d, seen %d" % (len(sent), len(seen)))
        bad += 1
    order = []   # the key of each datagram: "even", "odd" or "mixed"
    for n, (a, b) in enumerate(zip(sent, seen)):
        off = len(a) % TS   # the RTP header
        ok = len(a) == len(b) and a[:off] == b[:off]
        before = dict(tally)
        for i in range(off, len(a), TS):
            ok = check_packet(a[i:i + TS], b[i:i + TS], pids, tally) and ok
        used = [k for k in ("even", "odd") if tally[k] != before[k]]
        order.append(used[0] if len(used) == 1 else "mixed")
        if not ok:
            bad += 1
            if bad <= 3:
                print("datagram %d differs from the expected scrambling" % (n + 1))
    if runs_only:
        runs = key_runs(order)
        print("keys per datagram: %s (%d flips)"
              % (", ".join("%s x%d" % (k, c) for k, c in runs), len(runs) - 1))
        if "mixed" in order:
            print("a datagram carries TS packets of both keys")
            bad += 1
    if both:
        flip = order.index("odd") if "odd" in order else 0
        if not flip or order[:flip] != ["even"] * flip or \
                order[flip:] != ["odd"] * (len(order) - flip):
            print("keys per datagram are not even first, then odd: %s"
                  % ", ".join("%s x%d" % (k, c) for k, c in key_runs(order)))
            bad += 1
        else:
            print("even key for datagrams 1..%d, odd key from datagram %d on" % (flip, flip + 1))
    print("datagrams %d: TS packets scrambled with the even key %d, odd key %d, "
          "left clear (PSI, null, no payload) %d; wrong %d"
          % (len(seen), tally["even"], tally["odd"], tally["clear"], bad))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
