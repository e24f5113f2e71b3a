#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# mcsec_nl.py: an independent client of the "mcsec" generic netlink family
# for the selftests, written from include/uapi/linux/mcsec.h on pyroute2 (not
# libmcsec, so that a bug shared by both sides cannot hide). Subcommands:
#   api START      the API cases, KTAP lines numbered from START
#   unpriv         exits 0 when every request is refused with EPERM
#   bulk N         adds N groups in batches, dumps and counts them, flushes
#   add-esp ...    installs one ESP group and SA (data-path tests)
# Prints only KTAP lines and '# ' diagnostics.
import errno
import socket
import struct
import sys

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


def bulk(n):
    """Adds n groups in batches of 200 messages per sendmsg, counts them
    in a dump, flushes, counts again. Raw sockets: pyroute2 parsing 10,000
    messages would take longer than the kernel's work."""
    with Mcsec() as nl:
        prid = nl.prid
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.bind((0, 0))
    seq = 0

    def encode(cmd, attrs, flags):
        nonlocal seq
        seq += 1
        m = mcsecmsg()
        m['cmd'] = cmd
        m['version'] = 1
        m['attrs'] = attrs
        m['header']['type'] = prid
        m['header']['flags'] = flags
        m['header']['sequence_number'] = seq
        m.encode()
        return bytes(m.data)

    def drain(want_replies, dump=False):
        got, errs, done = 0, 0, False
        while (dump and not done) or (not dump and got < want_replies):
            for typ, flags, p in raw_msgs(s.recv(1 << 20)):
                if typ == NLMSG_ERROR:
                    code = struct.unpack_from('=i', p)[0]
                    errs += code != 0
                    got += code != 0
                    done = True
                elif typ == NLMSG_DONE:
                    done = True
                else:
                    got += 1
        return got - errs, errs

    added = 0
    for base in range(0, n, 200):
        batch = b''.join(encode(CMD_GROUP_ADD, [('MCSEC_A_GROUP', group4(
            '239.%d.%d.%d' % (i >> 16 & 255, i >> 8 & 255, i & 255), 4000))],
            NLM_F_REQUEST) for i in range(base, min(n, base + 200)))
        s.send(batch)
        ok, errs = drain(min(n, base + 200) - base)
        if errs:
            print('# %d GROUP_ADD errors' % errs)
            return 1
        added += ok
    s.send(encode(CMD_GROUP_GET, [], NLM_F_REQUEST | NLM_F_DUMP))
    dumped, _ = drain(0, dump=True)
    s.send(encode(CMD_FLUSH, [], NLM_F_REQUEST | NLM_F_ACK))
    drain(0, dump=True)
    s.send(encode(CMD_GROUP_GET, [], NLM_F_REQUEST | NLM_F_DUMP))
    left, _ = drain(0, dump=True)
    print('# added %d, dumped %d, left after flush %d' % (added, dumped, left))
    return 0 if added == n and dumped == n and left == 0 else 1


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
    cmd = argv[1]
    if cmd == 'api':
        return api(int(argv[2]))
    if cmd == 'unpriv':
        return unpriv()
    if cmd == 'bulk':
        return bulk(int(argv[2]))
    if cmd == 'add-esp':
        return add_esp(*argv[2:])
    if cmd == 'stats':
        return show_stats(argv[2])
    print('# unknown subcommand %s' % cmd)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
