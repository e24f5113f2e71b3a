#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# mcsec_mcast.py: the multicast ends of the data-path selftests.
#   send GROUP PORT COUNT      sends COUNT datagrams, payload i = pattern(i)
#   recv GROUP PORT COUNT IFADDR TIMEOUT
#                              joins GROUP on IFADDR, receives until COUNT
#                              datagrams or TIMEOUT seconds, exits 0 only if
#                              each arrived once and byte-exact
#   verify-esp PCAP KEYHEX SALTHEX COUNT
#                              decrypts every ESP packet of an Ethernet
#                              capture with python3-cryptography's AES-GCM
#                              (RFC 4106: nonce = salt || IV, AAD = SPI ||
#                              seq): the kernel's output must be standard
#                              ESP, its inner packet an IPv4 UDP datagram
#                              carrying pattern(i)
# Payloads differ in length (1..1400 bytes) and content, so that padding,
# lengths and every byte position are exercised.
import socket
import struct
import sys
import time


def pattern(i):
    n = 1 + (i * 97) % 1400
    return bytes((i * 31 + j * 7) & 0xff for j in range(n))


def send(group, port, count):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 4)
    for i in range(count):
        s.sendto(struct.pack('!I', i) + pattern(i), (group, port))
        time.sleep(0.01)
    return 0


def recv(group, port, count, ifaddr, timeout):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((group, port))
    mreq = socket.inet_aton(group) + socket.inet_aton(ifaddr)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
    print('# joined', flush=True)
    seen = set()
    bad = 0
    end = time.time() + timeout
    while len(seen) < count and time.time() < end:
        s.settimeout(max(0.1, end - time.time()))
        try:
            data = s.recv(65536)
        except socket.timeout:
            break
        i = struct.unpack('!I', data[:4])[0]
        if data[4:] != pattern(i) or i in seen:
            bad += 1
        seen.add(i)
    print('# received %d of %d, %d bad or duplicate' % (len(seen), count,
                                                       bad))
    return 0 if len(seen) == count and not bad else 1


def pcap_frames(path):
    with open(path, 'rb') as f:
        data = f.read()
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack_from('<I', data, off + 8)[0]
        yield data[off + 16:off + 16 + incl]
        off += 16 + incl


def verify_esp(path, key_hex, salt_hex, count):
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    gcm = AESGCM(bytes.fromhex(key_hex))
    salt = bytes.fromhex(salt_hex)
    good = 0
    for fr in pcap_frames(path):
        if fr[12:14] != b'\x08\x00' or fr[14 + 9] != 50:
            continue
        ip = fr[14:]
        hl = (ip[0] & 15) * 4
        esp = ip[hl:struct.unpack('!H', ip[2:4])[0]]
        pt = gcm.decrypt(salt + esp[8:16], esp[16:], esp[:8])
        pad, nh = pt[-2], pt[-1]
        inner = pt[:len(pt) - 2 - pad]
        ihl = (inner[0] & 15) * 4
        payload = inner[ihl + 8:]
        i = struct.unpack('!I', payload[:4])[0]
        if (nh == 4 and inner[12:20] == ip[12:20] and
                payload[4:] == pattern(i)):
            good += 1
    print('# %d ESP packets decrypted by an independent AES-GCM' % good)
    return 0 if good == count else 1


if __name__ == '__main__':
    a = sys.argv
    if a[1] == 'verify-esp':
        sys.exit(verify_esp(a[2], a[3], a[4], int(a[5])))
    if a[1] == 'send':
        sys.exit(send(a[2], int(a[3]), int(a[4])))
    sys.exit(recv(a[2], int(a[3]), int(a[4]), a[5], float(a[6])))
