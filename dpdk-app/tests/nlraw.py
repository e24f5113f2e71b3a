# SPDX-License-Identifier: GPL-2.0 OR MIT
"""Generic netlink messages built and parsed by hand (struct), independent
of libmnl and libmcsec, for the tests of mcsec-dpdk's control socket."""

import socket
import struct

FAMILY = 0x4d43                 # MCSEC_DPDK_FAMILY_ID (libmcsec.h)
NLMSG_ERROR, NLMSG_DONE = 2, 3
F_REQUEST, F_MULTI, F_ACK = 0x1, 0x2, 0x4
F_DUMP = 0x300
F_CAPPED, F_ACK_TLVS = 0x100, 0x200
NLA_F_NESTED = 0x8000
ERR_MSG, ERR_OFFS, ERR_MISS_TYPE, ERR_MISS_NEST = 1, 2, 5, 6

# include/uapi/linux/mcsec.h
(CMD_GROUP_ADD, CMD_GROUP_SET, CMD_GROUP_DEL, CMD_GROUP_GET, CMD_SA_ADD,
 CMD_SA_SET, CMD_SA_DEL, CMD_SA_GET, CMD_FLUSH, CMD_STATS_GET,
 CMD_EVENT) = range(1, 12)
A_GROUP, A_SA, A_STATS, A_EVENT = 1, 2, 3, 4
(G_ID, G_FAMILY, G_DADDR, G_SADDR, G_PORT, G_IFINDEX, G_DIR, G_FORMAT,
 G_FLAGS, G_PIDS, G_TX_PARITY, G_TX_SPI, G_STATS, G_PAD) = range(1, 15)
(S_SPI, S_PARITY, S_SUITE, S_KEY, S_SALT, S_SEQ, S_REPLAY_WINDOW, S_FLAGS,
 S_LIFETIME_SOFT, S_LIFETIME_HARD, S_STATS, S_PAD) = range(1, 13)
E_TYPE, E_GROUP_ID, E_SPI, E_PARITY, E_LIMIT = range(1, 6)


def attr(t, payload, nested=False):
    b = struct.pack("=HH", 4 + len(payload), t | (NLA_F_NESTED if nested else 0))
    b += payload
    return b + b"\0" * (-len(b) % 4)


def u8(t, v):
    return attr(t, struct.pack("=B", v))


def u16(t, v):
    return attr(t, struct.pack("=H", v))


def u32(t, v):
    return attr(t, struct.pack("=I", v))


def u64(t, v):
    return attr(t, struct.pack("=Q", v))


def nest(t, *attrs):
    return attr(t, b"".join(attrs), nested=True)


def msg(cmd, payload=b"", flags=F_REQUEST | F_ACK, seq=1, family=FAMILY,
        length=None):
    body = struct.pack("=BBH", cmd, 1, 0) + payload
    n = 16 + len(body) if length is None else length
    return struct.pack("=IHHII", n, family, flags, seq, 0) + body


def attrs(buf):
    """Top-level TLVs of buf: {type: payload} (the last of a type wins)."""
    out, off = {}, 0
    while off + 4 <= len(buf):
        n, t = struct.unpack_from("=HH", buf, off)
        if n < 4 or off + n > len(buf):
            break
        out[t & 0x3fff] = buf[off + 4:off + n]
        off += (n + 3) & ~3
    return out


class Reply:
    def __init__(self, raw):
        self.raw = raw
        (self.len, self.type, self.flags, self.seq,
         self.pid) = struct.unpack_from("=IHHII", raw)
        self.payload = raw[16:self.len]

    @property
    def error(self):
        return struct.unpack_from("=i", self.payload)[0]

    def extack(self):
        """{ERR_MSG: str, ERR_OFFS: int, ...} of an NLMSG_ERROR."""
        if not self.flags & F_ACK_TLVS:
            return {}
        fixed = 4 + 16 if self.flags & F_CAPPED else 4 + struct.unpack_from(
            "=I", self.payload, 4)[0]
        out = {}
        for t, v in attrs(self.payload[fixed:]).items():
            out[t] = v.rstrip(b"\0").decode() if t == ERR_MSG else \
                struct.unpack("=I", v)[0]
        return out

    def genl_attrs(self):
        return attrs(self.payload[4:])


def split(packet):
    out, off = [], 0
    while off + 16 <= len(packet):
        n = struct.unpack_from("=I", packet, off)[0]
        if n < 16 or off + n > len(packet):
            break
        out.append(Reply(packet[off:off + n]))
        off += (n + 3) & ~3
    return out


class Conn:
    def __init__(self, path, timeout=5.0):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.s.settimeout(timeout)
        self.s.connect(path)
        self.seq = 100
        self.pending = []

    def close(self):
        self.s.close()

    def send(self, data):
        self.s.send(data)

    def recv_all(self, seq, timeout=5.0):
        """Replies to seq until its ack/error or NLMSG_DONE."""
        self.s.settimeout(timeout)
        got = []
        while True:
            if not self.pending:
                self.pending = split(self.s.recv(1 << 17))
            while self.pending:
                r = self.pending.pop(0)
                if r.seq != seq:
                    continue
                got.append(r)
                if r.type in (NLMSG_ERROR, NLMSG_DONE):
                    return got

    def request(self, cmd, payload=b"", flags=F_REQUEST | F_ACK):
        self.seq += 1
        self.send(msg(cmd, payload, flags=flags, seq=self.seq))
        return self.recv_all(self.seq)

    def quiet(self, timeout=0.5):
        """True when nothing arrives within timeout."""
        self.s.settimeout(timeout)
        try:
            self.s.recv(1 << 17)
            return False
        except socket.timeout:
            return True

    def dump(self, cmd, payload=b""):
        """A dump's messages, sequence numbers zeroed, as bytes."""
        rs = self.request(cmd, payload, flags=F_REQUEST | F_DUMP)
        return b"".join(r.raw[:8] + b"\0" * 4 + r.raw[12:] for r in rs)
