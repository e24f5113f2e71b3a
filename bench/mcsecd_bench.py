#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
"""mcsecd with 1,000 members on loopback: the time to register them all
(TLS 1.3 with a certificate each, HELLO, the group and its keys, SYNCED)
and the time to rotate one group of 1,000 (the rotation a revocation
starts: the new key to every receiver, every ack back, the switch).

The members are one Python asyncio process (ssl + struct, the protocol as
in userspace-ctl/mcsecd/proto.h) that acknowledges every message; the key
server is the real mcsecd. The ceiling, measured in the same run: the
same client doing the same TLS 1.3 mutual handshakes against a bare
asyncio TLS server that answers one message (no mcsecd logic).

usage: mcsecd_bench.py MCSECD MKCA_SH [MEMBERS]"""
import asyncio
import datetime
import os
import re
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

MCSECD, MKCA = sys.argv[1], sys.argv[2]
N = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
CONCURRENT = 64		# handshakes in flight at once
tmp = tempfile.mkdtemp(prefix="mcsecd-bench-")
ca = os.path.join(tmp, "ca")


def make_certs():
    """N device certificates from the mkca.sh CA (cryptography: openssl(1)
    would take minutes for 1,000)."""
    with open(os.path.join(ca, "ca.key"), "rb") as f:
        ca_key = serialization.load_pem_private_key(f.read(), None)
    with open(os.path.join(ca, "ca.crt"), "rb") as f:
        ca_cert = x509.load_pem_x509_certificate(f.read())
    now = datetime.datetime.now(datetime.timezone.utc)
    for i in range(N):
        name = "m%04d" % i
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
                .issuer_name(ca_cert.subject).public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(minutes=5))
                .not_valid_after(now + datetime.timedelta(days=1))
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False)
                .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), False)
                .sign(ca_key, hashes.SHA256()))
        with open(os.path.join(ca, name + ".pem"), "wb") as f:
            f.write(key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
            f.write(cert.public_bytes(serialization.Encoding.PEM))


def server_conf(port, members):
    lines = ["[server]", "listen = 127.0.0.1:%d" % port,
             "certificate = %s/server.crt" % ca, "key = %s/server.key" % ca,
             "ca = %s/ca.crt" % ca, "state = %s/state" % tmp, "ack-timeout = 60s",
             "grace = 0", "max-members = %d" % (N + 10), "",
             "[group big]", "address = 239.1.1.1", "port = 5000",
             "format = esp-tunnel", "rekey = 1h", "encrypt = m0000", ""]
    for i in members:
        lines.append("[member m%04d]" % i)
        if i:
            lines.append("groups = big")
    with open(os.path.join(tmp, "server.conf"), "w") as f:
        f.write("\n".join(lines) + "\n")


# --- the protocol (proto.h) -----------------------------------------------------
def ack(seq):
    body = struct.pack("=BBH", 9, 1, 0) + struct.pack("=HHI", 8, 16, seq) + \
        struct.pack("=HHI", 8, 17, 0)
    return struct.pack("=IHHII", 16 + len(body), 0x4D44, 0, seq, 0) + body


HELLO = struct.pack("=IHHII", 20, 0x4D44, 0, 1, 0) + struct.pack("=BBH", 1, 1, 0)


async def member(i, port, sem, synced, stop):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(os.path.join(ca, "ca.crt"))
    ctx.load_cert_chain(os.path.join(ca, "m%04d.pem" % i))
    async with sem:
        r, w = await asyncio.open_connection("127.0.0.1", port, ssl=ctx,
                                             server_hostname="keyserver")
        w.write(HELLO)
    try:
        while not stop.is_set():
            head = await r.readexactly(4)
            (length,) = struct.unpack("=I", head)
            data = head + await r.readexactly(length - 4)
            seq = struct.unpack_from("=I", data, 8)[0]
            cmd = data[16]
            if cmd == 8:		# SYNCED
                synced[i] = time.monotonic()
            elif cmd != 2:		# everything but WELCOME is acknowledged
                w.write(ack(seq))
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    w.close()


async def register(port):
    sem, stop = asyncio.Semaphore(CONCURRENT), asyncio.Event()
    synced = {}
    t0 = time.monotonic()
    tasks = [asyncio.create_task(member(i, port, sem, synced, stop)) for i in range(N)]
    while len(synced) < N:
        await asyncio.sleep(0.01)
        if time.monotonic() - t0 > 600:
            raise SystemExit("registration did not finish: %d of %d" % (len(synced), N))
    return time.monotonic() - t0, tasks, stop


def log_ms(line):
    h, m, s = line.split(" ", 1)[0].split(":")
    return (int(h) * 3600 + int(m) * 60 + float(s)) * 1000


def wait_log(path, pattern, timeout=300):
    end = time.time() + timeout
    while time.time() < end:
        with open(path, errors="replace") as f:
            for line in f:
                if re.search(pattern, line):
                    return line
        time.sleep(0.05)
    raise SystemExit("no %r in %s" % (pattern, path))


async def bare_server_ceiling(port):
    """The same handshakes against a TLS server that only answers SYNCED."""
    sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    sctx.minimum_version = ssl.TLSVersion.TLSv1_3
    sctx.load_cert_chain(os.path.join(ca, "server.crt"), os.path.join(ca, "server.key"))
    sctx.load_verify_locations(os.path.join(ca, "ca.crt"))
    sctx.verify_mode = ssl.CERT_REQUIRED
    synced_msg = struct.pack("=IHHII", 20, 0x4D44, 0, 1, 0) + struct.pack("=BBH", 8, 1, 0)

    async def serve(r, w):
        try:
            await r.readexactly(20)
            w.write(synced_msg)
            await w.drain()
            await r.read(1)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        w.close()

    srv = await asyncio.start_server(serve, "127.0.0.1", port, ssl=sctx, backlog=4096)
    took, tasks, stop = await register(port)
    stop.set()
    srv.close()
    for t in tasks:
        t.cancel()
    return took


async def main():
    subprocess.run([MKCA, "init", ca], check=True)
    t = time.monotonic()
    make_certs()
    print("# %d member certificates made in %.1f s" % (N, time.monotonic() - t))
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    server_conf(port, range(N))
    log = os.path.join(tmp, "server.log")
    srv = subprocess.Popen([MCSECD, "-c", os.path.join(tmp, "server.conf")],
                           stdout=open(log, "w"), stderr=subprocess.STDOUT)
    wait_log(log, "key server listening")
    reg, tasks, stop = await register(port)
    # one group of N rotates: the revocation of its last member
    server_conf(port, range(N - 1))
    srv.send_signal(signal.SIGHUP)
    loop = asyncio.get_running_loop()
    start = await loop.run_in_executor(None, wait_log, log, r"group big: rotation at once")
    sent = await loop.run_in_executor(None, wait_log, log, r"group big: rotation 1 \(revocation\)")
    switch = await loop.run_in_executor(None, wait_log, log, r"group big: 1 sender told to switch")
    done = await loop.run_in_executor(None, wait_log, log, r"group big: rotation 1 done")
    stop.set()
    srv.send_signal(signal.SIGTERM)
    srv.wait(30)
    for t in tasks:
        t.cancel()
    ceiling = await bare_server_ceiling(port)
    timed_out = "within ack-timeout" in open(log).read()
    print("| mcsecd, %d members on loopback (2 cores, one shared with the client) | time |" % N)
    print("| --- | --- |")
    print("| register all (TLS 1.3 mutual, HELLO, GROUP + KEY, SYNCED), %d handshakes in flight | %.2f s |"
          % (CONCURRENT, reg))
    print("| ceiling: the same handshakes against a bare TLS server | %.2f s |" % ceiling)
    print("| rotate one group of %d: SIGHUP to the new key sent (reload: %d members parsed, every session's certificate verified again) | %.0f ms |"
          % (N - 1, N - 1, log_ms(sent) - log_ms(start)))
    print("| rotate: new key sent to all %d receivers until all acked and the sender switched | %.0f ms |"
          % (N - 1, log_ms(switch) - log_ms(sent)))
    print("| rotate: the whole rotation, SIGHUP to the old key retired | %.0f ms |"
          % (log_ms(done) - log_ms(start)))
    if timed_out:
        print("# WARNING: a phase ended on its ack-timeout, not on the acks")
    subprocess.run(["rm", "-rf", tmp])


asyncio.run(main())
