#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# mcsec_nl.py: an independent client of the "mcsec" generic netlink family
# for the selftests, written from include/uapi/linux/mcsec.h on pyroute2 (not
# libmcsec, so that a bug shared by both sides cannot hide). Subcommands:
#   api START      the API cases, KTAP lines numbered from START
#   unpriv         exits 0 when every request is refused with EPERM
#   bulk N [keep] [sa=M]  adds N groups in batches (an SA in the first M),
#                  dumps and counts them, flushes (unless keep)
#   add-esp ...    installs one ESP group and SA (data-path tests)
#   unpriv-all     every command, and the events group, refused EPERM
#   sa-set-esn     SA_SET ACTIVE on ESN SAs, with and without the ESN bit
#   dumpconf       groups and SAs as canonical text (counters left out)
#   fuzz SEED N    N malformed requests (fixed seed): each must be refused
#   dump-race N S  N groups; dumps while another process adds and deletes
#                  a group for S seconds: unflagged dumps are consistent,
#                  NLM_F_DUMP_INTR flags the others
#   CMD ... + CMD ...  several in one process (a pyroute2 start costs seconds
#                  under TCG), in order; the first that fails ends it; one
#                  led by netns=NAME runs in /run/netns/NAME
# Prints only KTAP lines and '# ' diagnostics.
import errno
import os
import socket
import struct
import sys

from mcast import in_netns  # setns there and back (mcast.py, next to this file)
from pyroute2.netlink import (NLA_F_NESTED, NLM_F_ACK, NLM_F_DUMP,
                              NLM_F_REQUEST, genlmsg, nla)
from pyroute2.netlink.exceptions import NetlinkError
from pyroute2.netlink.generic import GenericNetlinkSocket

(CMD_GROUP_ADD, CMD_GROUP_SET, CMD_GROUP_DEL, CMD_GROUP_GET, CMD_SA_ADD,
 CMD_SA_SET, CMD_SA_DEL, CMD_SA_GET, CMD_FLUSH, CMD_STATS_GET) = range(1, 11)
DIR_ENCRYPT, DIR_DECRYPT = 1, 2
FMT_ESP_TUNNEL, FMT_ESP_TRANSPORT, FMT_TS_CISSA, FMT_TS_IDSA = 1, 2, 3, 4
SUITE_AES128_GCM, SUITE_AES256_GCM, SUITE_AES128_GMAC, SUITE_CHACHA, \
    SUITE_AES128_CBC = 1, 2, 3, 4, 5
PARITY_EVEN, PARITY_ODD = 1, 2
SA_F_ESN, SA_F_ACTIVE = 1, 2

STAT_NAMES = ('UNSPEC', 'PAD', 'OUT_PKTS_PROTECTED', 'OUT_OCTETS_PROTECTED',
              'OUT_PKTS_NO_SA', 'OUT_PKTS_SEQ_EXHAUSTED', 'OUT_PKTS_TOO_BIG',
              'OUT_PKTS_UNSUPPORTED', 'IN_PKTS_OK', 'IN_OCTETS_OK',
              'IN_PKTS_TRUNCATED', 'IN_PKTS_MALFORMED', 'IN_PKTS_NO_SA',
              'IN_PKTS_REPLAYED', 'IN_PKTS_LATE', 'IN_PKTS_AUTH_FAILED',
              'IN_PKTS_BAD_PADDING', 'IN_PKTS_BAD_NEXT_HEADER',
              'IN_PKTS_CLEARTEXT', 'TS_PKTS_SCRAMBLED', 'TS_PKTS_DESCRAMBLED',
              'TS_PKTS_CLEAR', 'TS_PKTS_NO_PAYLOAD',
              'TS_PKTS_ALREADY_SCRAMBLED', 'TS_PKTS_RESERVED_SC',
              'PKTS_UNMATCHED')


class stats(nla):
    nla_map = tuple((n, 'none' if i < 2 else 'uint64')
                    for i, n in enumerate(STAT_NAMES))


class mcsecmsg(genlmsg):
    nla_map = (('MCSEC_A_UNSPEC', 'none'),
               ('MCSEC_A_GROUP', 'group'),
               ('MCSEC_A_SA', 'sa'),
               ('MCSEC_A_STATS', 'stats'),
               ('MCSEC_A_EVENT', 'none'),
               ('MCSEC_A_BOGUS', 'uint32'))   # beyond MCSEC_A_MAX: tests

    stats = stats

    class group(nla):
        nla_flags = NLA_F_NESTED
        nla_map = (('UNSPEC', 'none'), ('ID', 'uint32'),
                   ('FAMILY', 'uint16'), ('DADDR', 'cdata'),
                   ('SADDR', 'cdata'), ('PORT', 'uint16'),
                   ('IFINDEX', 'uint32'), ('DIR', 'uint8'),
                   ('FORMAT', 'uint8'), ('FLAGS', 'uint32'),
                   ('PIDS', 'cdata'), ('TX_PARITY', 'uint8'),
                   ('TX_SPI', 'uint32'), ('STATS', 'stats'),
                   ('PAD', 'none'), ('BOGUS', 'uint32'))
        stats = stats

    class sa(nla):
        nla_flags = NLA_F_NESTED
        nla_map = (('UNSPEC', 'none'), ('SPI', 'uint32'),
                   ('PARITY', 'uint8'), ('SUITE', 'uint8'),
                   ('KEY', 'cdata'), ('SALT', 'cdata'), ('SEQ', 'uint64'),
                   ('REPLAY_WINDOW', 'uint32'), ('FLAGS', 'uint32'),
                   ('LIFETIME_SOFT', 'lifetime'),
                   ('LIFETIME_HARD', 'lifetime'), ('STATS', 'stats'),
                   ('PAD', 'none'))
        stats = stats

        class lifetime(nla):
            nla_flags = NLA_F_NESTED
            nla_map = (('UNSPEC', 'none'), ('PACKETS', 'uint64'),
                       ('BYTES', 'uint64'), ('SECONDS', 'uint64'),
                       ('PAD', 'none'))


class Mcsec(GenericNetlinkSocket):
    def __init__(self):
        super().__init__(ext_ack=True)
        self.bind('mcsec', mcsecmsg)

    def request(self, cmd, attrs, dump=False):
        msg = mcsecmsg()
        msg['cmd'] = cmd
        msg['version'] = 1
        msg['attrs'] = attrs
        flags = NLM_F_REQUEST | (NLM_F_DUMP if dump else NLM_F_ACK)
        return self.nlm_request(msg, msg_type=self.prid, msg_flags=flags)


def nest(**kw):
    return {'attrs': [(k.upper(), v) for k, v in kw.items()]}


def v4(a):
    return socket.inet_pton(socket.AF_INET, a)


def v6(a):
    return socket.inet_pton(socket.AF_INET6, a)


def group4(addr='239.1.1.1', port=5000, dir=DIR_ENCRYPT,
           fmt=FMT_ESP_TUNNEL, **kw):
    return nest(family=socket.AF_INET, daddr=v4(addr), port=port, dir=dir,
                format=fmt, **kw)


def name4(addr='239.1.1.1', port=5000, dir=DIR_ENCRYPT):
    return nest(family=socket.AF_INET, daddr=v4(addr), port=port, dir=dir)


def gcm_sa(spi, key=b'\x11' * 16, salt=b'\x22' * 4, suite=SUITE_AES128_GCM,
           **kw):
    return nest(spi=spi, suite=suite, key=key, salt=salt, **kw)


class Ktap:
    def __init__(self, start):
        self.n = start - 1
        self.failed = 0

    def check(self, desc, fn):
        self.n += 1
        try:
            ok, why = fn()
        except Exception as e:          # a test that crashed failed
            ok, why = False, 'exception: %r' % (e,)
        if ok:
            print('ok %d %s' % (self.n, desc))
        else:
            self.failed += 1
            print('not ok %d %s' % (self.n, desc))
            for line in str(why).splitlines():
                print('# ' + line)
        sys.stdout.flush()


def refused(fn, code, text=None):
    """(ok, why): fn must raise NetlinkError code, with text in extack."""
    try:
        fn()
    except NetlinkError as e:
        msg = e.args[1] if len(e.args) > 1 else ''
        if e.code != code:
            return False, 'errno %d (%s), wanted %d' % (e.code, msg, code)
        if text is not None and msg != text:
            return False, 'extack %r, wanted %r' % (msg, text)
        return True, ''
    return False, 'accepted'


def attr_of(msg, top, name):
    n = msg.get_attr(top)
    return n.get_attr(name) if n is not None else None


def api_cases(t, nl):
    nl.request(CMD_FLUSH, [])
    ids = {}

    def add_group():
        r = nl.request(CMD_GROUP_ADD, [('MCSEC_A_GROUP', group4())])
        gid = [attr_of(m, 'MCSEC_A_GROUP', 'ID') for m in r
               if m['cmd'] == CMD_GROUP_ADD]
        ids['g'] = gid[0] if gid else None
        return bool(gid and gid[0]), 'reply %r' % (r,)
    t.check('GROUP_ADD replies with the new group ID', add_group)

    t.check('GROUP_ADD of the same match is refused with EEXIST',
            lambda: refused(lambda: nl.request(
                CMD_GROUP_ADD, [('MCSEC_A_GROUP', group4())]),
                errno.EEXIST, 'a group with this match exists'))

    def get_by_id():
        r = nl.request(CMD_GROUP_GET, [('MCSEC_A_GROUP', nest(id=ids['g']))])
        g = r[0].get_attr('MCSEC_A_GROUP')
        return (g.get_attr('DADDR') == v4('239.1.1.1') and
                g.get_attr('PORT') == 5000 and
                g.get_attr('FORMAT') == FMT_ESP_TUNNEL and
                g.get_attr('STATS') is not None), repr(r)
    t.check('GROUP_GET by ID returns the group with its statistics',
            get_by_id)

    t.check('a group address that is not multicast is refused',
            lambda: refused(lambda: nl.request(CMD_GROUP_ADD, [
                ('MCSEC_A_GROUP', group4('10.1.1.1'))]),
                errno.EINVAL, 'group address is not multicast'))

    t.check('an IPv4 family with a 16-byte address is refused',
            lambda: refused(lambda: nl.request(CMD_GROUP_ADD, [
                ('MCSEC_A_GROUP', nest(family=socket.AF_INET,
                                       daddr=v6('ff3e::1'), port=1,
                                       dir=DIR_ENCRYPT,
                                       format=FMT_ESP_TUNNEL))]),
                errno.EINVAL, 'address length does not match the family'))

    t.check('an unknown attribute inside MCSEC_A_GROUP is refused',
            lambda: refused(lambda: nl.request(CMD_GROUP_ADD, [
                ('MCSEC_A_GROUP', group4('239.9.9.9', bogus=1))]),
                errno.EINVAL))

    t.check('an unknown top-level attribute is refused',
            lambda: refused(lambda: nl.request(CMD_FLUSH, [
                ('MCSEC_A_BOGUS', 1)]), errno.EINVAL))

    t.check('unknown group flag bits are refused by the policy',
            lambda: refused(lambda: nl.request(CMD_GROUP_ADD, [
                ('MCSEC_A_GROUP', group4('239.9.9.8', flags=0x80))]),
                errno.EINVAL))

    t.check('a TS group without a port is refused',
            lambda: refused(lambda: nl.request(CMD_GROUP_ADD, [
                ('MCSEC_A_GROUP', group4('239.9.9.7', port=0,
                                         fmt=FMT_TS_CISSA))]),
                errno.EINVAL, 'TS formats need a UDP port'))

    gname = ('MCSEC_A_GROUP', nest(id=0))

    def g():
        return ('MCSEC_A_GROUP', nest(id=ids['g']))

    t.check('SA_ADD with a 24-byte key for AES-128-GCM is refused',
            lambda: refused(lambda: nl.request(CMD_SA_ADD, [
                g(), ('MCSEC_A_SA', gcm_sa(0x100, key=b'\x11' * 24))]),
                errno.EINVAL, 'key length does not match the suite'))

    # The netlink core answers a binary length outside the policy's range.
    t.check('SA_ADD with a 15-byte key fails the policy (ERANGE)',
            lambda: refused(lambda: nl.request(CMD_SA_ADD, [
                g(), ('MCSEC_A_SA', gcm_sa(0x100, key=b'\x11' * 15))]),
                errno.ERANGE, 'binary attribute size out of range'))

    t.check('SA_ADD with a 3-byte salt fails the policy (ERANGE)',
            lambda: refused(lambda: nl.request(CMD_SA_ADD, [
                g(), ('MCSEC_A_SA', gcm_sa(0x100, salt=b'\x22' * 3))]),
                errno.ERANGE, 'binary attribute size out of range'))

    t.check('SA_ADD of a TS suite to an ESP group is refused',
            lambda: refused(lambda: nl.request(CMD_SA_ADD, [
                g(), ('MCSEC_A_SA', nest(spi=0x100, suite=SUITE_AES128_CBC,
                                         key=b'\x11' * 16,
                                         salt=b'\x22' * 4))]),
                errno.EINVAL, 'suite does not fit an ESP group'))

    t.check('SA_ADD of an AES-128-GCM SA succeeds',
            lambda: (nl.request(CMD_SA_ADD, [g(), ('MCSEC_A_SA',
                                                   gcm_sa(0x100))]) or
                     True, ''))

    t.check('SA_ADD of an AES-256-GCM SA beside it succeeds',
            lambda: (nl.request(CMD_SA_ADD, [g(), ('MCSEC_A_SA', gcm_sa(
                0x200, key=b'\x33' * 32, suite=SUITE_AES256_GCM))]) or
                True, ''))

    t.check('SA_ADD of a ChaCha20-Poly1305 SA succeeds',
            lambda: (nl.request(CMD_SA_ADD, [g(), ('MCSEC_A_SA', gcm_sa(
                0x300, key=b'\x44' * 32, suite=SUITE_CHACHA))]) or
                True, ''))

    t.check('SA_ADD of an AES-GMAC SA succeeds',
            lambda: (nl.request(CMD_SA_ADD, [g(), ('MCSEC_A_SA', gcm_sa(
                0x400, suite=SUITE_AES128_GMAC))]) or True, ''))

    t.check('a fifth SA is refused with ENOSPC',
            lambda: refused(lambda: nl.request(CMD_SA_ADD, [
                g(), ('MCSEC_A_SA', gcm_sa(0x500))]), errno.ENOSPC))

    t.check('SA_SET with a key is refused: keys are immutable',
            lambda: refused(lambda: nl.request(CMD_SA_SET, [
                g(), ('MCSEC_A_SA', nest(spi=0x100, key=b'\x11' * 16))]),
                errno.EPERM, 'keys are immutable once installed'))

    def dump_sas():
        r = nl.request(CMD_SA_GET, [g()], dump=True)
        spis = sorted(m.get_attr('MCSEC_A_SA').get_attr('SPI') for m in r)
        keys = [m for m in r if m.get_attr('MCSEC_A_SA').get_attr('KEY')
                or m.get_attr('MCSEC_A_SA').get_attr('SALT')]
        active = [m.get_attr('MCSEC_A_SA').get_attr('SPI') for m in r
                  if m.get_attr('MCSEC_A_SA').get_attr('FLAGS') & SA_F_ACTIVE]
        return (spis == [0x100, 0x200, 0x300, 0x400] and not keys and
                active == [0x100]), 'spis %r active %r keys %d' % (
                    spis, active, len(keys))
    t.check('SA dump lists the 4 SAs, the first active, no key or salt',
            dump_sas)

    def rotate():
        nl.request(CMD_SA_SET, [g(), ('MCSEC_A_SA',
                                      nest(spi=0x200, flags=SA_F_ACTIVE))])
        r = nl.request(CMD_GROUP_GET, [g()])
        return r[0].get_attr('MCSEC_A_GROUP').get_attr('TX_SPI') == 0x200, \
            repr(r)
    t.check('SA_SET ACTIVE moves the sender to SPI 0x200 (TX_SPI)', rotate)

    t.check('GROUP_SET TX_SPI to an unknown SPI is refused',
            lambda: refused(lambda: nl.request(CMD_GROUP_SET, [
                ('MCSEC_A_GROUP', nest(id=ids['g'], tx_spi=0x999))]),
                errno.ENOENT, 'no SA with this SPI'))

    def sa_del():
        nl.request(CMD_SA_DEL, [g(), ('MCSEC_A_SA', nest(spi=0x400))])
        r = nl.request(CMD_SA_GET, [g()], dump=True)
        return len(r) == 3, repr(r)
    t.check('SA_DEL removes one SA', sa_del)

    def ts_group():
        r = nl.request(CMD_GROUP_ADD, [('MCSEC_A_GROUP', group4(
            '239.2.2.2', port=1234, fmt=FMT_TS_IDSA,
            pids=struct.pack('=3H', 0x100, 0x101, 0x1ffe)))])
        tid = r[0].get_attr('MCSEC_A_GROUP').get_attr('ID')
        tg = ('MCSEC_A_GROUP', nest(id=tid))
        nl.request(CMD_SA_ADD, [tg, ('MCSEC_A_SA', nest(
            parity=PARITY_EVEN, suite=SUITE_AES128_CBC, key=b'\x55' * 16))])
        nl.request(CMD_SA_ADD, [tg, ('MCSEC_A_SA', nest(
            parity=PARITY_ODD, suite=SUITE_AES128_CBC, key=b'\x66' * 16))])
        nl.request(CMD_GROUP_SET, [('MCSEC_A_GROUP', nest(
            id=tid, tx_parity=PARITY_ODD))])
        r = nl.request(CMD_GROUP_GET, [tg])[0].get_attr('MCSEC_A_GROUP')
        return (r.get_attr('TX_PARITY') == PARITY_ODD and
                r.get_attr('PIDS') == struct.pack('=3H', 0x100, 0x101,
                                                  0x1ffe)), repr(r)
    t.check('TS group: even and odd keys, parity flips to odd', ts_group)

    t.check('a salt on a TS key is refused',
            lambda: refused(lambda: nl.request(CMD_SA_ADD, [
                ('MCSEC_A_GROUP', name4('239.2.2.2', 1234)),
                ('MCSEC_A_SA', nest(parity=PARITY_EVEN,
                                    suite=SUITE_AES128_CBC,
                                    key=b'\x55' * 16, salt=b'\x22' * 4))]),
                errno.EINVAL, 'attribute not allowed in this request'))

    def v6_group():
        nl.request(CMD_GROUP_ADD, [('MCSEC_A_GROUP', nest(
            family=socket.AF_INET6, daddr=v6('ff3e::1234'),
            saddr=v6('2001:db8::1'), port=0, dir=DIR_DECRYPT,
            format=FMT_ESP_TRANSPORT))])
        r = nl.request(CMD_GROUP_GET, [], dump=True)
        return len(r) == 3, '%d groups' % len(r)
    t.check('an IPv6 decrypt group with a source; dump shows 3 groups',
            v6_group)

    def del_by_match():
        nl.request(CMD_GROUP_DEL, [('MCSEC_A_GROUP', name4())])
        r = nl.request(CMD_GROUP_GET, [], dump=True)
        return len(r) == 2, '%d groups' % len(r)
    t.check('GROUP_DEL by match tuple', del_by_match)

    t.check('GROUP_DEL of a missing ID is refused with ENOENT',
            lambda: refused(lambda: nl.request(CMD_GROUP_DEL, [
                ('MCSEC_A_GROUP', nest(id=ids['g']))]), errno.ENOENT,
                'no group with this ID'))

    def stats_get():
        r = nl.request(CMD_STATS_GET, [])
        s = r[0].get_attr('MCSEC_A_STATS')
        return s is not None and s.get_attr('PKTS_UNMATCHED') is not None, \
            repr(r)
    t.check('STATS_GET returns the namespace counters', stats_get)

    t.check('GROUP_ADD with an input interface that does not exist is refused',
            lambda: refused(lambda: nl.request(CMD_GROUP_ADD, [
                ('MCSEC_A_GROUP', group4('239.7.7.1', ifindex=0x7ffffff0))]),
                errno.ENODEV, 'no such input interface'))

    def sa_set_esn():
        nl.request(CMD_GROUP_ADD, [('MCSEC_A_GROUP', group4('239.7.7.2'))])
        eg = ('MCSEC_A_GROUP', name4('239.7.7.2'))
        for spi in (0x71, 0x72):
            nl.request(CMD_SA_ADD, [eg, ('MCSEC_A_SA',
                                         gcm_sa(spi, flags=SA_F_ESN))])
        nl.request(CMD_SA_SET, [eg, ('MCSEC_A_SA',
                                     nest(spi=0x72, flags=SA_F_ACTIVE))])
        a = nl.request(CMD_GROUP_GET, [eg])[0].get_attr(
            'MCSEC_A_GROUP').get_attr('TX_SPI')
        nl.request(CMD_SA_SET, [eg, ('MCSEC_A_SA', nest(
            spi=0x71, flags=SA_F_ACTIVE | SA_F_ESN))])
        b = nl.request(CMD_GROUP_GET, [eg])[0].get_attr(
            'MCSEC_A_GROUP').get_attr('TX_SPI')
        return (a, b) == (0x72, 0x71), 'TX_SPI %r then %r' % (a, b)
    t.check('SA_SET ACTIVE on ESN SAs, with the ESN bit left out or repeated',
            sa_set_esn)

    def sa_set_esn_on():
        eg = ('MCSEC_A_GROUP', name4('239.7.7.2'))
        nl.request(CMD_SA_ADD, [eg, ('MCSEC_A_SA', gcm_sa(0x73))])
        return refused(lambda: nl.request(CMD_SA_SET, [eg, ('MCSEC_A_SA', nest(
            spi=0x73, flags=SA_F_ACTIVE | SA_F_ESN))]), errno.EINVAL,
            'ESN is fixed when the SA is added')
    t.check('SA_SET turning ESN on for an SA without it is refused',
            sa_set_esn_on)

    def spi_per_address():
        for port in (7001, 7002, 7003):
            nl.request(CMD_GROUP_ADD, [('MCSEC_A_GROUP', group4(
                '239.7.7.3', port=port, dir=DIR_DECRYPT))])
        d1, d2, d3 = (('MCSEC_A_GROUP', name4('239.7.7.3', p, DIR_DECRYPT))
                      for p in (7001, 7002, 7003))
        nl.request(CMD_SA_ADD, [d1, ('MCSEC_A_SA', gcm_sa(0x74))])
        ok, why = refused(lambda: nl.request(CMD_SA_ADD, [
            d2, ('MCSEC_A_SA', gcm_sa(0x74))]), errno.EEXIST,
            'another decrypt group of this address has an SA with this SPI')
        # other SPIs, and senders (who never look an SPI up), are fine
        nl.request(CMD_SA_ADD, [d3, ('MCSEC_A_SA', gcm_sa(0x75))])
        nl.request(CMD_GROUP_ADD, [('MCSEC_A_GROUP', group4('239.7.7.3'))])
        nl.request(CMD_SA_ADD, [('MCSEC_A_GROUP', name4('239.7.7.3')),
                                ('MCSEC_A_SA', gcm_sa(0x74))])
        return ok, why
    t.check('an SPI is unique per group address among decrypt groups',
            spi_per_address)

    def flush():
        nl.request(CMD_FLUSH, [])
        return len(nl.request(CMD_GROUP_GET, [], dump=True)) == 0, ''
    t.check('FLUSH leaves no group', flush)


def api(start):
    t = Ktap(start)
    with Mcsec() as nl:
        api_cases(t, nl)
    return 1 if t.failed else 0


def unpriv():
    with Mcsec() as nl:
        for cmd, attrs, dump in ((CMD_GROUP_ADD, [('MCSEC_A_GROUP',
                                                   group4())], False),
                                 (CMD_GROUP_GET, [], True),
                                 (CMD_FLUSH, [], False),
                                 (CMD_STATS_GET, [], False)):
            ok, why = refused(lambda: nl.request(cmd, attrs, dump),
                              errno.EPERM)
            if not ok:
                print('# command %d: %s' % (cmd, why))
                return 1
    return 0


NLMSG_ERROR, NLMSG_DONE = 2, 3


def raw_msgs(buf):
    """(type, flags, payload) of each netlink message in buf."""
    off = 0
    while off + 16 <= len(buf):
        ln, typ, flags, _, _ = struct.unpack_from('=IHHII', buf, off)
        yield typ, flags, buf[off + 16:off + ln]
        off += (ln + 3) & ~3


class BulkSock:
    """A raw socket for batches: pyroute2 parsing 10,000 messages would
    take longer than the kernel's work."""

    def __init__(self):
        with Mcsec() as nl:
            self.prid = nl.prid
        self.s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        self.s.bind((0, 0))
        self.seq = 0

    def encode(self, cmd, attrs, flags):
        self.seq += 1
        m = mcsecmsg()
        m['cmd'] = cmd
        m['version'] = 1
        m['attrs'] = attrs
        m['header']['type'] = self.prid
        m['header']['flags'] = flags
        m['header']['sequence_number'] = self.seq
        m.encode()
        return bytes(m.data)

    def drain(self, want_replies, dump=False):
        got, errs, done = 0, 0, False
        while (dump and not done) or (not dump and got < want_replies):
            for typ, flags, p in raw_msgs(self.s.recv(1 << 20)):
                if typ == NLMSG_ERROR:
                    # an error, or the ACK of a request without a reply
                    code = struct.unpack_from('=i', p)[0]
                    errs += code != 0
                    got += 1
                    done = True
                elif typ == NLMSG_DONE:
                    done = True
                else:
                    got += 1
        return got - errs, errs

    def count(self):
        self.s.send(self.encode(CMD_GROUP_GET, [], NLM_F_REQUEST | NLM_F_DUMP))
        return self.drain(0, dump=True)[0]


def bulk_add(n, port, b=None):
    """Adds n groups 239.x.y.z:port in batches of 200 messages per sendmsg."""
    b = b or BulkSock()
    for base in range(0, n, 200):
        batch = b''.join(b.encode(CMD_GROUP_ADD, [('MCSEC_A_GROUP', group4(
            '239.%d.%d.%d' % (i >> 16 & 255, i >> 8 & 255, i & 255), port))],
            NLM_F_REQUEST) for i in range(base, min(n, base + 200)))
        b.s.send(batch)
        ok, errs = b.drain(min(n, base + 200) - base)
        if errs or ok != min(n, base + 200) - base:
            print('# %d GROUP_ADD errors' % errs)
            return 1
    return 0


def bulk_sa(n, port, b):
    """One AES-128-GCM SA (a crypto transform each) in each of bulk_add's
    groups, named by match."""
    for base in range(0, n, 200):
        batch = b''.join(b.encode(CMD_SA_ADD, [
            ('MCSEC_A_GROUP', name4('239.%d.%d.%d' % (
                i >> 16 & 255, i >> 8 & 255, i & 255), port)),
            ('MCSEC_A_SA', gcm_sa(0x1000 + i, key=struct.pack('=I', i) * 4))],
            NLM_F_REQUEST | NLM_F_ACK) for i in range(base, min(n, base + 200)))
        b.s.send(batch)
        ok, errs = b.drain(min(n, base + 200) - base)
        if errs:
            print('# %d SA_ADD errors' % errs)
            return 1
    return 0


def bulk(n, keep=False, sas=0):
    """Adds n groups (the first sas of them with an SA each), counts them
    in a dump;
    unless keep, flushes and counts again."""
    b = BulkSock()
    if bulk_add(n, 4000, b) or (sas and bulk_sa(sas, 4000, b)):
        return 1
    dumped = b.count()
    if keep:
        print('# added %d, dumped %d' % (n, dumped))
        return 0 if dumped == n else 1
    b.s.send(b.encode(CMD_FLUSH, [], NLM_F_REQUEST | NLM_F_ACK))
    b.drain(0, dump=True)
    left = b.count()
    print('# added %d, dumped %d, left after flush %d' % (n, dumped, left))
    return 0 if dumped == n and left == 0 else 1


def unpriv_all():
    """Every command refused EPERM, and joining "events" refused too: an
    unprivileged listener would learn the namespace's groups and SPIs."""
    g = ('MCSEC_A_GROUP', group4())
    sa = ('MCSEC_A_SA', gcm_sa(0x100))
    cases = ((CMD_GROUP_ADD, [g], False), (CMD_GROUP_SET, [g], False),
             (CMD_GROUP_DEL, [g], False), (CMD_GROUP_GET, [g], False),
             (CMD_GROUP_GET, [], True), (CMD_SA_ADD, [g, sa], False),
             (CMD_SA_SET, [g, sa], False), (CMD_SA_DEL, [g, sa], False),
             (CMD_SA_GET, [g, sa], False), (CMD_SA_GET, [g], True),
             (CMD_FLUSH, [], False), (CMD_STATS_GET, [], False))
    bad = 0
    with Mcsec() as nl:
        for cmd, attrs, dump in cases:
            ok, why = refused(lambda: nl.request(cmd, attrs, dump),
                              errno.EPERM)
            if not ok:
                print('# command %d%s: %s' % (cmd, ' dump' if dump else '',
                                              why))
                bad += 1
        try:
            nl.add_membership('events')
            print('# joined the events group')
            bad += 1
        except OSError as e:
            if e.errno != errno.EPERM:
                print('# joining events: %r' % (e,))
                bad += 1
    print('# %d requests and the events group tried' % (len(cases) + 1))
    return 1 if bad else 0


def canon(msgs, top):
    out = []
    for m in msgs:
        n = m.get_attr(top)
        out.append(' '.join('%s=%s' % (k, v.hex() if isinstance(v, bytes)
                                       else v)
                            for k, v in n['attrs'] if k != 'STATS'))
    return out


def dumpconf():
    with Mcsec() as nl:
        groups = nl.request(CMD_GROUP_GET, [], dump=True)
        for line in canon(groups, 'MCSEC_A_GROUP'):
            print('group ' + line)
        for m in groups:
            gid = m.get_attr('MCSEC_A_GROUP').get_attr('ID')
            sas = nl.request(CMD_SA_GET, [('MCSEC_A_GROUP', nest(id=gid))],
                             dump=True)
            for line in canon(sas, 'MCSEC_A_SA'):
                print('sa group %d %s' % (gid, line))
    return 0


class RawGenl:
    """Hand-built requests on a raw netlink socket: what pyroute2 would
    refuse to encode."""

    def __init__(self):
        with Mcsec() as nl:
            self.prid = nl.prid
        self.s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.s.setsockopt(270, 11, 1)   # NETLINK_EXT_ACK
        self.s.setsockopt(270, 10, 1)   # NETLINK_CAP_ACK
        self.s.bind((0, 0))
        self.seq = 0

    def send(self, cmd, attrs, flags=NLM_F_REQUEST | NLM_F_ACK, version=1,
             reserved=0):
        self.seq += 1
        body = struct.pack('=BBH', cmd, version, reserved) + attrs
        self.s.send(struct.pack('=IHHII', 16 + len(body), self.prid, flags,
                                self.seq, 0) + body)
        return self.seq

    def answer(self, seq):
        """The errno of the NLMSG_ERROR for seq (0 = success) and extack."""
        while True:
            for typ, flags, p in raw_msgs(self.s.recv(1 << 20)):
                if typ != NLMSG_ERROR:
                    continue
                code, = struct.unpack_from('=i', p)
                _, _, _, rseq, _ = struct.unpack_from('=IHHII', p, 4)
                if rseq != seq:
                    continue
                msg = ''
                if flags & 0x200:     # NLM_F_ACK_TLVS
                    off = 4 + 16
                    while off + 4 <= len(p):
                        ln, t = struct.unpack_from('=HH', p, off)
                        if ln < 4:
                            break
                        if t == 1:    # NLMSGERR_ATTR_MSG
                            msg = p[off + 4:off + ln].rstrip(b'\0').decode()
                        off += (ln + 3) & ~3
                return -code, msg


def attr(t, data, nested=False):
    t |= NLA_F_NESTED if nested else 0
    a = struct.pack('=HH', 4 + len(data), t) + data
    return a + b'\0' * ((-len(a)) % 4)


# Templates of valid requests: (cmd, [(top type, [(attr type, bytes)])]).
# Group attributes: 1 ID, 2 FAMILY, 3 DADDR, 4 SADDR, 5 PORT, 6 IFINDEX,
# 7 DIR, 8 FORMAT, 9 FLAGS, 10 PIDS, 11 TX_PARITY, 12 TX_SPI.
# SA attributes: 1 SPI, 2 PARITY, 3 SUITE, 4 KEY, 5 SALT, 6 SEQ, 7 WINDOW,
# 8 FLAGS, 9 SOFT, 10 HARD (lifetimes: 1 PACKETS, 2 BYTES, 3 SECONDS).
def u8(v): return struct.pack('=B', v)
def u16(v): return struct.pack('=H', v)
def u32(v): return struct.pack('=I', v)
def u64(v): return struct.pack('=Q', v)


def templates():
    tup = [(2, u16(socket.AF_INET)), (3, v4('239.77.0.1')), (5, u16(5000)),
           (7, u8(DIR_ENCRYPT))]
    add = tup + [(8, u8(FMT_ESP_TUNNEL)), (9, u32(1))]
    lt = [(1, u64(10)), (2, u64(1000)), (3, u64(5))]
    sa = [(1, u32(0x900)), (3, u8(SUITE_AES128_GCM)), (4, b'\x11' * 16),
          (5, b'\x22' * 4), (6, u64(1)), (7, u32(64)), (8, u32(1)),
          (9, lt), (10, [(1, u64(20)), (2, u64(2000)), (3, u64(10))])]
    ts = [(2, u8(PARITY_EVEN)), (3, u8(SUITE_AES128_CBC)), (4, b'\x33' * 16)]
    return [
        (CMD_GROUP_ADD, [(1, add)], {1: [2, 3, 7, 8]}),
        (CMD_GROUP_SET, [(1, tup + [(12, u32(0x900))])], {1: [2, 3, 7]}),
        (CMD_GROUP_DEL, [(1, tup)], {1: [2, 3, 7], 0: [1]}),
        (CMD_GROUP_GET, [(1, tup)], {1: [2, 3, 7], 0: [1]}),
        (CMD_SA_ADD, [(1, tup), (2, sa)], {0: [1, 2], 1: [2, 3, 7],
                                            2: [1, 3, 4, 5]}),
        (CMD_SA_ADD, [(1, [(1, u32(1))]), (2, ts)], {0: [1, 2],
                                                   2: [2, 3, 4]}),
        (CMD_SA_SET, [(1, tup), (2, [(1, u32(0x900)), (8, u32(2))])],
         {0: [1, 2], 1: [2, 3, 7], 2: [1]}),
        (CMD_SA_DEL, [(1, tup), (2, [(1, u32(0x900))])],
         {0: [1, 2], 1: [2, 3, 7], 2: [1]}),
        (CMD_SA_GET, [(1, tup), (2, [(1, u32(0x900))])],
         {0: [1, 2], 1: [2, 3, 7], 2: [1]}),
    ]


# The wrong sizes for each fixed-size attribute, by its right size.
WRONG = {1: [0, 2, 4], 2: [0, 1, 3, 4], 4: [0, 2, 3, 5, 8], 8: [0, 4, 7, 9]}


def encode(level, rng, how):
    """Bytes of a list of (type, bytes | list) with one mutation applied at
    the chosen spot: how = (kind, path) where path says which attribute."""
    out = b''
    for i, (t, v) in enumerate(level):
        here = how and how[1] and how[1][0] == i
        sub = (how[0], how[1][1:]) if here else None
        if isinstance(v, list):
            if here and not sub[1] and how[0] == 'flat':
                out += attr(t, encode(v, rng, None))          # no NESTED flag
            elif here and not sub[1] and how[0] == 'drop':
                continue
            else:
                out += attr(t, encode(v, rng, sub if here else None), True)
        elif here and how[0] == 'size':
            sizes = WRONG.get(len(v), [0, 1, 3, 15, 17, 33])
            n = rng.choice(sizes)
            out += attr(t, (v * 40)[:n])
        elif here and how[0] == 'drop':
            continue
        else:
            out += attr(t, v)
    if how and not how[1] and how[0] == 'unknown':
        out += attr(rng.choice([0, 13, 14, 15, 16, 40, 255, 0x3fff]),
                    bytes(rng.getrandbits(8) for _ in range(rng.choice([0, 1, 4, 8]))))
    return out


def paths(level, prefix=()):
    """Every attribute position in a template, as index paths."""
    for i, (t, v) in enumerate(level):
        yield prefix + (i,), t, v
        if isinstance(v, list):
            yield from paths(v, prefix + (i,))


def mutate(rng, tmpl):
    """One request that must be refused, and what was done to it."""
    cmd, tree, required = tmpl
    kind = rng.choice(['size', 'unknown', 'drop', 'flat', 'overrun',
                       'garbage', 'cmd', 'header'])
    all_paths = list(paths(tree))
    if kind == 'size':
        cands = [p for p, t, v in all_paths if not isinstance(v, list)
                 and not (len(p) == 2 and tree[p[0]][0] == 1 and t == 3)]
        p = rng.choice(cands)
        return cmd, encode(tree, rng, ('size', p)), 'size of %r' % (p,), {}
    if kind == 'unknown':
        lv = [()] + [p for p, t, v in all_paths if isinstance(v, list)]
        p = rng.choice(lv)
        return cmd, encode(tree, rng, ('unknown', p)), 'unknown in %r' % (p,), {}
    if kind == 'drop':
        # a required attribute of the top level (key 0) or of a nest
        lvl = rng.choice(sorted(required))
        t = rng.choice(required[lvl])
        if lvl == 0:
            p = (next(i for i, (tt, _) in enumerate(tree) if tt == t),)
        else:
            top = next(i for i, (tt, _) in enumerate(tree) if tt == lvl)
            p = (top, next(i for i, (tt, _) in enumerate(tree[top][1])
                           if tt == t))
        return cmd, encode(tree, rng, ('drop', p)), 'drop %r' % (p,), {}
    if kind == 'flat':
        p = rng.choice([p for p, t, v in all_paths if isinstance(v, list)])
        return cmd, encode(tree, rng, ('flat', p)), 'flat %r' % (p,), {}
    if kind == 'overrun':
        b = bytearray(encode(tree, rng, None))
        # the last top-level attribute claims more bytes than there are
        off = 0
        while True:
            ln = struct.unpack_from('=H', b, off)[0]
            if off + ((ln + 3) & ~3) >= len(b):
                break
            off += (ln + 3) & ~3
        struct.pack_into('=H', b, off, ln + rng.choice([4, 8, 100]))
        return cmd, bytes(b), 'overrun', {}
    if kind == 'garbage':
        n = rng.choice([1, 2, 3, 5, 7, 9, 31])
        return cmd, bytes(rng.getrandbits(8) for _ in range(n)), 'garbage', {}
    if kind == 'cmd':
        return rng.choice([0, CMD_STATS_GET + 1, 12, 100, 255]), \
            encode(tree, rng, None), 'command', {}
    return cmd, encode(tree, rng, None), 'header', rng.choice([
        {'reserved': 1}, {'reserved': 0x8000},
        # NLM_F_ROOT alone (half of DUMP), NLM_F_REPLACE, NLM_F_EXCL
        {'flags': NLM_F_REQUEST | NLM_F_ACK | 0x100},
        {'flags': NLM_F_REQUEST | NLM_F_ACK | 0x200 | 0x400}])


def fuzz(seed, n):
    import random
    rng = random.Random(seed)
    raw = RawGenl()
    tmpls = templates()
    accepted = 0
    kinds = {}
    for i in range(n):
        cmd, body, what, hdr = mutate(rng, rng.choice(tmpls))
        seq = raw.send(cmd, body, **hdr)
        code, msg = raw.answer(seq)
        kinds[what.split()[0]] = kinds.get(what.split()[0], 0) + 1
        if code == 0:
            accepted += 1
            print('# request %d (cmd %d, %s) accepted: %s' % (i, cmd, what,
                                                              body.hex()))
    print('# %d malformed requests: %s; %d accepted' % (
        n, ', '.join('%s %d' % kv for kv in sorted(kinds.items())), accepted))
    return 1 if accepted else 0


def dump_race(n, seconds):
    """N groups, then dumps while a child adds and deletes one more group
    as fast as it can. A dump the kernel does not flag NLM_F_DUMP_INTR must
    be a state that existed: all N groups once, in ID order, plus the
    churned one or not. Quiet dumps first: none flagged, exactly N."""
    import os
    import time
    if bulk_add(n, 4100):
        return 1
    raw = RawGenl()

    def one_dump():
        seq = raw.send(CMD_GROUP_GET, b'', NLM_F_REQUEST | NLM_F_DUMP)
        ids, intr = [], False
        while True:
            for typ, flags, p in raw_msgs(raw.s.recv(1 << 20)):
                intr |= bool(flags & 0x10)      # NLM_F_DUMP_INTR
                if typ == NLMSG_DONE:
                    return ids, intr
                if typ == NLMSG_ERROR:
                    return None, intr
                # genlmsghdr, MCSEC_A_GROUP { MCSEC_GROUP_A_ID first }
                ids.append(struct.unpack_from('=I', p, 4 + 4 + 4)[0])

    base, _ = one_dump()
    bad = 0
    for _ in range(3):
        ids, intr = one_dump()
        if intr or ids != base:
            print('# quiet dump: %d groups, intr %s' % (len(ids or []), intr))
            bad += 1
    pid = os.fork()
    if pid == 0:
        with Mcsec() as nl:
            end = time.monotonic() + seconds
            g = ('MCSEC_A_GROUP', group4('239.254.0.1', 4200))
            name = ('MCSEC_A_GROUP', name4('239.254.0.1', 4200))
            churned = 0
            while time.monotonic() < end:
                nl.request(CMD_GROUP_ADD, [g])
                nl.request(CMD_GROUP_DEL, [name])
                churned += 1
            print('# churn: %d adds and deletes' % churned)
            sys.stdout.flush()
        os._exit(0)
    dumps = flagged = 0
    bset = set(base)
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        ids, intr = one_dump()
        dumps += 1
        if ids is None:
            print('# a dump failed')
            bad += 1
            continue
        if intr:
            flagged += 1
            continue
        extra = [i for i in ids if i not in bset]
        if (ids != sorted(ids) or len(set(ids)) != len(ids) or
                not bset <= set(ids) or len(extra) > 1):
            print('# unflagged dump inconsistent: %d groups, %d extra' % (
                len(ids), len(extra)))
            bad += 1
    print('# %d dumps of %d groups under churn, %d flagged NLM_F_DUMP_INTR' % (
        dumps, n, flagged))
    with Mcsec() as nl:
        nl.request(CMD_FLUSH, [])
    if status:
        print('# the churning process failed: status %d' % status)
    return 1 if bad or status or not flagged else 0


def sa_set_esn():
    """SA_SET FLAGS = ACTIVE moves the sender to an ESN SA (the ESN bit
    left out), FLAGS = ESN | ACTIVE as dumped does too, and ESN cannot be
    turned on for an SA added without it."""
    SA_F_ESN = 1
    with Mcsec() as nl:
        nl.request(CMD_GROUP_ADD, [('MCSEC_A_GROUP', group4('239.88.0.1'))])
        g = ('MCSEC_A_GROUP', name4('239.88.0.1'))
        nl.request(CMD_SA_ADD, [g, ('MCSEC_A_SA', gcm_sa(0x10, flags=SA_F_ESN))])
        nl.request(CMD_SA_ADD, [g, ('MCSEC_A_SA', gcm_sa(0x11, flags=SA_F_ESN))])
        nl.request(CMD_SA_ADD, [g, ('MCSEC_A_SA', gcm_sa(0x12))])

        def tx():
            r = nl.request(CMD_GROUP_GET, [g])
            return r[0].get_attr('MCSEC_A_GROUP').get_attr('TX_SPI')
        bad = 0
        nl.request(CMD_SA_SET, [g, ('MCSEC_A_SA', nest(spi=0x11, flags=SA_F_ACTIVE))])
        if tx() != 0x11:
            print('# FLAGS = ACTIVE: sender on %r' % tx())
            bad += 1
        nl.request(CMD_SA_SET, [g, ('MCSEC_A_SA', nest(spi=0x10, flags=SA_F_ACTIVE | SA_F_ESN))])
        if tx() != 0x10:
            print('# FLAGS = ESN | ACTIVE: sender on %r' % tx())
            bad += 1
        ok, why = refused(lambda: nl.request(CMD_SA_SET, [g, ('MCSEC_A_SA', nest(
            spi=0x12, flags=SA_F_ACTIVE | SA_F_ESN))]), errno.EINVAL,
            'ESN is fixed when the SA is added')
        if not ok or tx() != 0x10:
            print('# ESN turned on: %s, sender on %r' % (why, tx()))
            bad += 1
        nl.request(CMD_GROUP_DEL, [g])
    return 1 if bad else 0


def add_esp(daddr, dir, spi, key_hex, salt_hex, fmt=FMT_ESP_TUNNEL):
    """One ESP group (port 0: any) and its AES-128-GCM SA."""
    with Mcsec() as nl:
        nl.request(CMD_GROUP_ADD, [('MCSEC_A_GROUP', nest(
            family=socket.AF_INET, daddr=v4(daddr), port=0,
            dir={'encrypt': DIR_ENCRYPT, 'decrypt': DIR_DECRYPT}[dir],
            format=fmt))])
        nl.request(CMD_SA_ADD, [
            ('MCSEC_A_GROUP', nest(family=socket.AF_INET, daddr=v4(daddr),
                                   port=0, dir={'encrypt': DIR_ENCRYPT,
                                                'decrypt': DIR_DECRYPT}[dir])),
            ('MCSEC_A_SA', gcm_sa(int(spi, 0), key=bytes.fromhex(key_hex),
                                  salt=bytes.fromhex(salt_hex)))])
    return 0


def show_stats(which):
    """Prints the named counters of every group as NAME=VALUE lines."""
    with Mcsec() as nl:
        for m in nl.request(CMD_GROUP_GET, [], dump=True):
            st = m.get_attr('MCSEC_A_GROUP').get_attr('STATS')
            for name in which.split(','):
                print('%s=%d' % (name, st.get_attr(name)))
    return 0


def main(argv):
    cmds = [[]]
    for w in argv[1:]:
        if w == '+':
            cmds.append([])
        else:
            cmds[-1].append(w)
    for c in cmds:
        if c and c[0].startswith('netns='):
            rc = in_netns(c[0][6:], lambda: run([argv[0]] + c[1:]))
        else:
            rc = run([argv[0]] + c)
        sys.stdout.flush()
        if rc:
            return rc
    return 0


def run(argv):
    cmd = argv[1]
    if cmd == 'api':
        return api(int(argv[2]))
    if cmd == 'unpriv':
        return unpriv()
    if cmd == 'bulk':
        return bulk(int(argv[2]), 'keep' in argv[3:],
                    int(([a[3:] for a in argv[3:] if a.startswith('sa=')] or [0])[0]))
    if cmd == 'unpriv-all':
        return unpriv_all()
    if cmd == 'sa-set-esn':
        return sa_set_esn()
    if cmd == 'dumpconf':
        return dumpconf()
    if cmd == 'fuzz':
        return fuzz(int(argv[2]), int(argv[3]))
    if cmd == 'dump-race':
        return dump_race(int(argv[2]), float(argv[3]))
    if cmd == 'add-esp':
        return add_esp(*argv[2:])
    if cmd == 'stats':
        return show_stats(argv[2])
    print('# unknown subcommand %s' % cmd)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
