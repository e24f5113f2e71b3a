# SPDX-License-Identifier: GPL-2.0 OR MIT
"""A small ESP reference written from RFC 4303 / 4106 / 4543 / 7634 on top
of python3-cryptography: the peer for the suite scapy does not have
(AES-GMAC, RFC 4543), and a way to craft packets whose ICV is valid but whose
padding or next header is not (scapy always pads correctly)."""

import struct

from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

from mpcommon import IP, IPv6, Raw, raw

ICV_LEN = 16
IPPROTO_ESP = 50


def _aead(suite, key):
    if suite == "chacha20-poly1305":
        return ChaCha20Poly1305(key)
    return AESGCM(key)


def aad_of(spi, seq, esn):
    """SPI || [seq high] || seq low."""
    if esn:
        return struct.pack("!III", spi, seq >> 32, seq & 0xffffffff)
    return struct.pack("!II", spi, seq & 0xffffffff)


def trailer(plen, nh, pad=None, padlen=None):
    """Padding 1, 2, 3, ... to a 4-byte boundary (or the pad bytes given),
    then pad length (or the value given, to lie) and next header."""
    if pad is None:
        n = -(plen + 2) % 4
        pad = bytes(range(1, n + 1))
    return pad + bytes([len(pad) if padlen is None else padlen, nh])


def seal(suite, key, salt, spi, seq, esn, payload, nh, pad=None, iv=None,
         padlen=None):
    """ESP header .. ICV for payload (the inner packet or the L4 payload)."""
    if iv is None:
        iv = struct.pack("!Q", seq)
    pt = payload + trailer(len(payload), nh, pad, padlen)
    hdr = struct.pack("!II", spi, seq & 0xffffffff)
    aad = aad_of(spi, seq, esn)
    nonce = salt + iv
    if suite == "aes128-gmac":
        # RFC 4543 3.5: nothing encrypted, IV and payload join the AAD.
        tag = AESGCM(key).encrypt(nonce, b"", aad + iv + pt)
        return hdr + iv + pt + tag
    ct = _aead(suite, key).encrypt(nonce, pt, aad)
    return hdr + iv + ct


def open_esp(suite, key, salt, esp, seq_hi, esn):
    """Verifies and opens ESP bytes: (spi, seq, payload, nh, pad bytes).
    Raises cryptography's InvalidTag on a bad ICV."""
    spi, seq_lo = struct.unpack("!II", esp[:8])
    seq = (seq_hi << 32 | seq_lo) if esn else seq_lo
    iv = esp[8:16]
    body, tag = esp[16:-ICV_LEN], esp[-ICV_LEN:]
    aad = aad_of(spi, seq, esn)
    nonce = salt + iv
    if suite == "aes128-gmac":
        AESGCM(key).decrypt(nonce, tag, aad + iv + body)
        pt = body
    else:
        pt = _aead(suite, key).decrypt(nonce, body + tag, aad)
    padlen, nh = pt[-2], pt[-1]
    return spi, seq, pt[:-2 - padlen], nh, pt[-2 - padlen:-2]


def outer_for(inner, length_ok=True):
    """The address-preserving outer header mcsec builds (RFC 5374 3.1):
    source, group, DSCP/ECN, ID, DF and TTL copied from the inner packet."""
    if inner.version == 4:
        return IP(src=inner.src, dst=inner.dst, tos=inner.tos, id=inner.id,
                  flags=int(inner.flags) & 2, ttl=inner.ttl, proto=IPPROTO_ESP)
    return IPv6(src=inner.src, dst=inner.dst, tc=inner.tc, fl=inner.fl,
                hlim=inner.hlim, nh=IPPROTO_ESP)


def tunnel_packet(inner, esp):
    return outer_for(inner) / Raw(esp)


def transport_split(pkt):
    """(IP header with options, its protocol, the L4 bytes)."""
    b = raw(pkt)
    if pkt.version == 4:
        hl = (b[0] & 0xf) * 4
        return b[:hl], b[9], b[hl:]
    return b[:40], b[6], b[40:]


def transport_packet(pkt, esp):
    hdr, _, _ = transport_split(pkt)
    if pkt.version == 4:
        h = IP(hdr)
        h.proto = IPPROTO_ESP
        h.len = None
        h.chksum = None
        return IP(raw(h / Raw(esp)))
    h = IPv6(hdr)
    h.nh = IPPROTO_ESP
    h.plen = None
    return IPv6(raw(h / Raw(esp)))


def esp_of(ip_bytes):
    """The ESP bytes of an IP packet (no extension headers)."""
    if ip_bytes[0] >> 4 == 4:
        hl = (ip_bytes[0] & 0xf) * 4
        tot = struct.unpack("!H", ip_bytes[2:4])[0]
        return ip_bytes[hl:tot]
    plen = struct.unpack("!H", ip_bytes[4:6])[0]
    return ip_bytes[40:40 + plen]
