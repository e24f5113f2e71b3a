#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
"""mcsec-pcap's command line: every bad input exits non-zero with one clear
line naming the problem, and leaves no output file (nor a temporary one)
behind; an existing OUT is not clobbered. Keys are read from files or
stdin and never printed.
usage: test_cli.py PATH/TO/mcsec-pcap
"""

import os

from mpcommon import (Tap, tool_path, run_tool, tmpdir, write_file, read_pcap_raw,
                      Ether, IP, UDP, Raw, wrpcap)

tap = Tap()
TOOL = tool_path()

KEY20 = "00112233445566778899aabbccddeeff" + "deadbeef"
KEY36 = "00112233445566778899aabbccddeeff" * 2 + "deadbeef"
CW = "0f0e0d0c0b0a09080706050403020100"


def listing(d):
    return sorted(os.listdir(d))


def main():
    with tmpdir() as d:
        p = lambda *n: os.path.join(d, *n)  # noqa: E731
        inp, out = p("in.pcap"), p("out.pcap")
        wrpcap(inp, [Ether() / IP(dst="239.1.1.1") / UDP(dport=5000) / Raw(b"x" * 40)])
        k20 = write_file(p("k20"), "# aes128-gcm key and salt\n%s\n%s\n" % (KEY20[:32], KEY20[32:]))
        k36 = write_file(p("k36"), KEY36)
        k18 = write_file(p("k18"), KEY20[:36])
        kodd = write_file(p("kodd"), KEY20 + "a")
        kbad = write_file(p("kbad"), KEY20[:10] + "zz" + KEY20[12:])
        kcw = write_file(p("kcw"), CW)
        notpcap = write_file(p("notpcap"), "hello, this is not a capture\n")
        os.mkdir(p("adir"))
        esp = ["--format", "esp-tunnel", "--encrypt", "--spi", "0x100"]
        base = listing(d)

        cases = [
            ("unknown option", ["--frobnicate"] + esp + ["--key-file", k20, inp, out],
             "unknown option --frobnicate"),
            ("missing --format", ["--encrypt", "--spi", "1", "--key-file", k20, inp, out],
             "--format is required"),
            ("unknown format", ["--format", "esp-tunel", "--encrypt", "--spi", "1",
                                "--key-file", k20, inp, out], "unknown format 'esp-tunel'"),
            ("unknown suite", esp + ["--suite", "aes128-ccm", "--key-file", k20, inp, out],
             "unknown suite 'aes128-ccm'"),
            ("no direction", ["--format", "esp-tunnel", "--spi", "1", "--key-file", k20, inp, out],
             "--encrypt or --decrypt is required"),
            ("both directions", esp + ["--decrypt", "--key-file", k20, inp, out],
             "--encrypt and --decrypt are exclusive"),
            ("missing OUT", esp + ["--key-file", k20, inp], "expected IN.pcap and OUT.pcap"),
            ("option without value", esp + ["--key-file", k20, inp, out, "--spi"],
             "option --spi needs a value"),
            ("missing --spi", ["--format", "esp-tunnel", "--encrypt", "--key-file", k20, inp, out],
             "--spi is required for esp-tunnel"),
            ("bad --spi", ["--format", "esp-tunnel", "--encrypt", "--spi", "0x1g",
                           "--key-file", k20, inp, out], "--spi 0x1g"),
            ("--spi 0", ["--format", "esp-tunnel", "--encrypt", "--spi", "0",
                         "--key-file", k20, inp, out], "--spi 0"),
            ("--seq 0", esp + ["--seq", "0", "--key-file", k20, inp, out], "--seq 0"),
            ("--seq beyond 32 bits with --no-esn", esp + ["--no-esn", "--seq", "0x100000000",
                                                         "--key-file", k20, inp, out],
             "does not fit 32 bits"),
            ("bad --replay-window", ["--format", "esp-tunnel", "--decrypt", "--spi", "1",
                                     "--replay-window", "100", "--key-file", k20, inp, out],
             "--replay-window 100"),
            ("bad --group", esp + ["--group", "239.1.1", "--key-file", k20, inp, out],
             "--group 239.1.1"),
            ("unicast --group", esp + ["--group", "10.1.1.1:5000", "--key-file", k20, inp, out],
             "10.1.1.1 is not a multicast address"),
            ("bad --group port", esp + ["--group", "[ff3e::1]:70000", "--key-file", k20, inp, out],
             "the port must be 1..65535"),
            ("missing --key-file", esp + [inp, out], "--key-file is required for esp-tunnel"),
            ("missing key file", esp + ["--key-file", p("nokey"), inp, out],
             "key file %s: No such file or directory" % p("nokey")),
            ("unreadable key file (a directory)", esp + ["--key-file", p("adir"), inp, out],
             "key file %s: Is a directory" % p("adir")),
            ("short key", esp + ["--key-file", k18, inp, out],
             "key file %s: 18 bytes of key material, aes128-gcm needs 20" % k18),
            ("aes128 key for aes256-gcm", esp + ["--suite", "aes256-gcm", "--key-file", k20, inp, out],
             "key file %s: 20 bytes of key material, aes256-gcm needs 36" % k20),
            ("aes256 key for aes128-gcm", esp + ["--key-file", k36, inp, out],
             "key file %s: 36 bytes of key material, aes128-gcm needs 20" % k36),
            ("odd number of hex digits", esp + ["--key-file", kodd, inp, out],
             "key file %s: odd number of hex digits" % kodd),
            ("non-hex key", esp + ["--key-file", kbad, inp, out],
             "key file %s: line 1: not a hex digit" % kbad),
            ("TS key of the wrong length", ["--format", "ts-cissa", "--encrypt",
                                            "--even-key-file", k20, inp, out],
             "even key file %s: 20 bytes of key material, ts-cissa needs 16" % k20),
            ("missing TS key for the parity", ["--format", "ts-idsa", "--encrypt", "--parity", "odd",
                                               "--even-key-file", kcw, inp, out],
             "--odd-key-file is required for ts-idsa --encrypt --parity odd"),
            ("TS decrypt without keys", ["--format", "ts-idsa", "--decrypt", inp, out],
             "ts-idsa --decrypt needs --even-key-file, --odd-key-file or both"),
            ("ESP option with TS", ["--format", "ts-cissa", "--encrypt", "--spi", "5",
                                    "--even-key-file", kcw, inp, out], "--spi applies to the esp"),
            ("TS option with ESP", esp + ["--rtp", "--key-file", k20, inp, out],
             "--rtp applies to the ts-cissa and ts-idsa formats"),
            ("bad --pids", ["--format", "ts-cissa", "--encrypt", "--pids", "0x2000",
                            "--even-key-file", kcw, inp, out], "--pids 0x2000"),
            ("bad --parity", ["--format", "ts-cissa", "--encrypt", "--parity", "blue",
                              "--even-key-file", kcw, inp, out], "--parity blue"),
            ("two key files on stdin", ["--format", "ts-cissa", "--decrypt", "--even-key-file", "-",
                                        "--odd-key-file", "-", inp, out],
             "only one key file can be read from stdin"),
            ("missing input", esp + ["--key-file", k20, p("nothere.pcap"), out],
             "input %s: " % p("nothere.pcap")),
            ("input not a capture", esp + ["--key-file", k20, notpcap, out],
             "input %s: " % notpcap),
            ("output directory missing", esp + ["--key-file", k20, inp, p("nodir", "out.pcap")],
             "output %s: No such file or directory" % p("nodir", "out.pcap")),
        ]
        for label, args, msg in cases:
            r = run_tool(TOOL, args, stdin=b"")
            lines = r.err.strip("\n").split("\n")
            tap.ok(r.rc != 0 and len(lines) == 1 and lines[0].startswith("mcsec-pcap: ") and
                   msg in lines[0] and listing(d) == base,
                   "%s: exit %d, \"%s\"" % (label, r.rc, lines[0] if lines else ""),
                   "wanted %r; rc=%d stderr=%r files=%r" % (msg, r.rc, r.err, listing(d)))

        # No key material in any message.
        leaked = []
        for label, args, msg in cases:
            r = run_tool(TOOL, args, stdin=b"")
            if KEY20[:8] in r.err or KEY20[32:] in r.err or CW[:8] in r.err:
                leaked.append(label)
        tap.ok(not leaked, "no message shows key bytes", leaked)

        # An existing OUT survives a failing run untouched.
        write_file(out, "precious")
        r = run_tool(TOOL, esp + ["--key-file", k18, inp, out])
        tap.ok(r.rc != 0 and open(out).read() == "precious",
               "a failing run leaves an existing OUT as it was")
        os.unlink(out)

        # A linktype the tool does not handle: refused before writing.
        wrpcap(p("ppp.pcap"), [Raw(b"\xff\x03\x00\x21" + bytes(24))], linktype=9)
        r = run_tool(TOOL, esp + ["--key-file", k20, p("ppp.pcap"), out])
        tap.ok(r.rc != 0 and "linktype 9" in r.err and not os.path.exists(out),
               "unsupported linktype refused with its name", r)
        os.unlink(p("ppp.pcap"))

        # Keys from stdin; comments and whitespace in key files.
        r = run_tool(TOOL, esp + ["--key-file", "-", inp, out],
                     stdin=("# from a pipe\n  %s  \n" % " ".join(KEY20[i:i + 4] for i in range(0, 40, 4))).encode())
        tap.ok(r.rc == 0 and r.count("transformed") == 1 and os.path.exists(out),
               "key from stdin, with a comment and spaces between digits", r)
        r2 = run_tool(TOOL, esp + ["--key-file", k20, inp, p("out2.pcap")])
        tap.ok(r2.rc == 0 and read_pcap_raw(out)[1] == read_pcap_raw(p("out2.pcap"))[1],
               "the same key from a file gives the same output")
        tap.ok(not [f for f in listing(d) if f.startswith(".")],
               "no temporary files left after successful runs")

        r = run_tool(TOOL, ["--help"])
        tap.ok(r.rc == 0 and "usage: mcsec-pcap" in r.out and "--key-file" in r.out, "--help")
        r = run_tool(TOOL, ["--version"])
        tap.ok(r.rc == 0 and r.out.startswith("mcsec-pcap "), "--version")
        r = run_tool(TOOL, ["-q"] + esp + ["--key-file", k20, inp, out])
        tap.ok(r.rc == 0 and r.err == "", "--quiet: no summary", r)
    tap.done()


main()
