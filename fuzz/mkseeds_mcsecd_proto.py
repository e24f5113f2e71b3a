#!/usr/bin/python3
"""Writes the seed corpus of fuzz_mcsecd_proto: one valid message of each
type, encoded here by hand with struct (not by proto.c), so the seeds are
also a second opinion on the wire format of userspace-ctl/mcsecd/proto.h."""
import os
import struct
import sys

TYPE, VERSION = 0x4D44, 1
A = dict(group=1, family=2, daddr=3, saddr=4, port=5, format=6, suite=7,
         role=8, flags=9, spi=10, parity=11, key=12, lifetime=13, epoch=14,
         active=15, ack_seq=16, status=17, text=18, identity=19)
M = dict(hello=1, welcome=2, group=3, key=4, switch=5, retire=6, leave=7,
         synced=8, ack=9)


def attr(name, payload):
    n = 4 + len(payload)
    return struct.pack("=HH", n, A[name]) + payload + b"\0" * (-n % 4)


def msg(kind, seq, *attrs):
    body = struct.pack("=BBH", M[kind], VERSION, 0) + b"".join(attrs)
    return struct.pack("=IHHII", 16 + len(body), TYPE, 0, seq, 0) + body


def s(v):
    return v.encode() + b"\0"


u8 = lambda v: struct.pack("=B", v)
u16 = lambda v: struct.pack("=H", v)
u32 = lambda v: struct.pack("=I", v)
u64 = lambda v: struct.pack("=Q", v)

seeds = {
    "hello": msg("hello", 1, attr("text", s("mcsecd 0.1.0"))),
    "welcome": msg("welcome", 1, attr("identity", s("edge1.example.net"))),
    "group_v4": msg("group", 2, attr("group", s("iptv1")), attr("family", u16(2)),
                    attr("daddr", bytes([239, 1, 1, 1])), attr("saddr", bytes([10, 0, 1, 1])),
                    attr("port", u16(5000)), attr("format", u8(3)), attr("suite", u8(5)),
                    attr("role", u8(2)), attr("flags", u32(2))),
    "group_v6": msg("group", 3, attr("group", s("v6")), attr("family", u16(10)),
                    attr("daddr", bytes([0xff, 0x3e] + [0] * 13 + [1])),
                    attr("port", u16(0)), attr("format", u8(1)), attr("suite", u8(1)),
                    attr("role", u8(1))),
    "key_spi": msg("key", 4, attr("group", s("iptv1")), attr("suite", u8(1)),
                   attr("spi", u32(0x1001)), attr("key", bytes(range(20))),
                   attr("epoch", u64(1)), attr("lifetime", u64(600)), attr("active", u8(1))),
    "key_parity": msg("key", 5, attr("group", s("tv")), attr("suite", u8(5)),
                      attr("parity", u8(2)), attr("key", bytes(range(16))),
                      attr("epoch", u64(2))),
    "switch": msg("switch", 6, attr("group", s("tv")), attr("epoch", u64(2)),
                  attr("parity", u8(2))),
    "retire": msg("retire", 7, attr("group", s("iptv1")), attr("spi", u32(0x1000))),
    "leave": msg("leave", 8, attr("group", s("iptv1"))),
    "synced": msg("synced", 9),
    "ack": msg("ack", 1, attr("ack_seq", u32(4)), attr("status", u32(0))),
    "ack_error": msg("ack", 2, attr("ack_seq", u32(5)), attr("status", u32(1)),
                     attr("text", s("not authorized"))),
}
out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__),
                                                           "corpus", "fuzz_mcsecd_proto")
os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
