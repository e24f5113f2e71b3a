#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
"""mcsecd over real TLS 1.3 on loopback, with real certificates from mkca.sh:
members join and rotate; bad certificates (expired, not yet valid, wrong CA,
wrong identity, none, TLS 1.2) are refused with a clear log line; revocation
by CRL and by removal from the configuration, both on SIGHUP; malformed
protocol messages from an authenticated peer refused without a crash; a
server killed with SIGKILL restarts on its state. The protocol peer in
several tests is written here with Python's ssl and struct modules, not
with mcsecd's code. TAP output.

usage: test_tls.py MCSECD MKCA_SH"""
import os
import re
import signal
import socket
import ssl
import stat
import struct
import subprocess
import sys
import tempfile
import time

MCSECD, MKCA = sys.argv[1], sys.argv[2]
tmp = tempfile.mkdtemp(prefix="mcsecd-tls-")
ca = os.path.join(tmp, "ca")
n_test = 0
failed = 0
procs = []


def ok(cond, what, why=""):
    global n_test, failed
    n_test += 1
    if not cond:
        failed += 1
    print(("ok" if cond else "not ok") + " %d - %s" % (n_test, what), flush=True)
    if not cond and why:
        diag(why)
    return cond


def diag(text):
    for line in str(text).splitlines():
        print("# " + line)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


PORT = free_port()


def log_of(name):
    return os.path.join(tmp, name + ".log")


def read(name):
    try:
        with open(log_of(name), errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def wait_for(name, pattern, timeout=10.0, count=1):
    """Waits until the log of name matches pattern count times."""
    end = time.time() + timeout
    while time.time() < end:
        if len(re.findall(pattern, read(name), re.M)) >= count:
            return True
        time.sleep(0.05)
    diag("%s: no %r in:\n%s" % (name, pattern, read(name)[-1500:]))
    return False


def start(name, conf):
    f = open(log_of(name), "a")
    p = subprocess.Popen([MCSECD, "-c", os.path.join(tmp, conf)], stdout=f, stderr=f,
                         stdin=subprocess.DEVNULL)
    procs.append(p)
    return p


def stop(p, sig=signal.SIGTERM):
    if p.poll() is None:
        p.send_signal(sig)
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    return p.returncode


SERVER_CONF = """[server]
listen = 127.0.0.1:{port}
certificate = {ca}/server.crt
key = {ca}/server.key
ca = {ca}/ca.crt
crl = {ca}/crl.pem
state = {tmp}/state
ack-timeout = 2s
grace = 500ms

[group tv]
address = 239.1.1.1
port = 5000
format = ts-cissa
rekey = {tv_rekey}
encrypt = head

[group esp]
address = 239.2.2.2
port = 6000
format = esp-tunnel
suite = aes256-gcm
rekey = 1h
encrypt = head
decrypt = edge2

[member head]
{edge1}
[member edge2]
groups = tv
[member edge3]
groups = tv
"""
EDGE1 = "[member edge1]\ngroups = tv\n"


def write_server(edge1=True, tv_rekey="2s"):
    with open(os.path.join(tmp, "server.conf"), "w") as f:
        f.write(SERVER_CONF.format(port=PORT, ca=ca, tmp=tmp, tv_rekey=tv_rekey,
                                   edge1=EDGE1 if edge1 else ""))


def write_member(name, cert, identity="keyserver"):
    with open(os.path.join(tmp, name + ".conf"), "w") as f:
        f.write("""[member]
server = 127.0.0.1:{port}
server-identity = {ident}
certificate = {ca}/{cert}.crt
key = {ca}/{cert}.key
ca = {ca}/ca.crt
fastpath = none
backoff-min = 100ms
backoff-max = 500ms
""".format(port=PORT, ca=ca, cert=cert, ident=identity))


# --- the protocol, written again here (proto.h) ---------------------------
MSG = dict(hello=1, welcome=2, group=3, key=4, switch=5, retire=6, leave=7, synced=8, ack=9)
MSG_NAME = {v: k for k, v in MSG.items()}
A = dict(group=1, family=2, daddr=3, saddr=4, port=5, format=6, suite=7, role=8, flags=9,
         spi=10, parity=11, key=12, lifetime=13, epoch=14, active=15, ack_seq=16,
         status=17, text=18, identity=19)
A_NAME = {v: k for k, v in A.items()}
INTS = {"family": "H", "port": "H", "format": "B", "suite": "B", "role": "B", "flags": "I",
        "spi": "I", "parity": "B", "lifetime": "Q", "epoch": "Q", "active": "B",
        "ack_seq": "I", "status": "I"}


def attr(name, payload):
    n = 4 + len(payload)
    return struct.pack("=HH", n, A[name]) + payload + b"\0" * (-n % 4)


def msg(kind, seq, *attrs, version=1, mtype=0x4D44):
    body = struct.pack("=BBH", MSG[kind], version, 0) + b"".join(attrs)
    return struct.pack("=IHHII", 16 + len(body), mtype, 0, seq, 0) + body


def decode(data):
    length, mtype, flags, seq, pid = struct.unpack_from("=IHHII", data)
    cmd, version, _ = struct.unpack_from("=BBH", data, 16)
    assert mtype == 0x4D44 and version == 1 and length == len(data)
    out = {"type": MSG_NAME[cmd], "seq": seq}
    off = 20
    while off < length:
        alen, atype = struct.unpack_from("=HH", data, off)
        payload = data[off + 4:off + alen]
        name = A_NAME[atype]
        if name in INTS:
            out[name] = struct.unpack("=" + INTS[name], payload)[0]
        elif name in ("group", "text", "identity"):
            out[name] = payload.rstrip(b"\0").decode()
        else:
            out[name] = payload
        off += (alen + 3) & ~3
    return out


def tls_client(cert=None, max_version=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(os.path.join(ca, "ca.crt"))
    ctx.check_hostname = True
    if cert:
        ctx.load_cert_chain(os.path.join(ca, cert + ".crt"), os.path.join(ca, cert + ".key"))
    if max_version:
        ctx.maximum_version = max_version
    raw = socket.create_connection(("127.0.0.1", PORT), timeout=5)
    return ctx.wrap_socket(raw, server_hostname="keyserver")


def recv_msg(s):
    head = b""
    while len(head) < 4:
        chunk = s.recv(4 - len(head))
        if not chunk:
            return None
        head += chunk
    (length,) = struct.unpack("=I", head)
    data = head
    while len(data) < length:
        chunk = s.recv(length - len(data))
        if not chunk:
            return None
        data += chunk
    return decode(data)


def closed_by_server(s, timeout=5):
    """True if the server ends the connection (EOF or reset), reading away
    anything it still sends."""
    s.settimeout(timeout)
    try:
        while True:
            if not s.recv(4096):
                return True
    except (ConnectionError, ssl.SSLError):
        return True
    except socket.timeout:
        return False


def handshake_refused(cert=None, max_version=None):
    """Connects; True if the server refuses the session (during or right
    after the handshake: TLS 1.3 clients finish before the server checks)."""
    try:
        s = tls_client(cert, max_version)
    except (ssl.SSLError, ConnectionError):
        return True
    return closed_by_server(s)


def main():
    subprocess.run([MKCA, "testset", ca, "head", "edge1", "edge2", "edge3"], check=True)
    write_server()
    for m in ("head", "edge1", "edge2"):
        write_member(m, m)
    server = start("server", "server.conf")
    ok(wait_for("server", r"key server listening on 127\.0\.0\.1:%d: 2 groups, 4 members" % PORT),
       "server listens: 2 groups, 4 members")
    st = os.stat(os.path.join(tmp, "state"))
    ok(stat.S_IMODE(st.st_mode) == 0o600, "state file written with mode 0600")

    members = {m: start(m, m + ".conf") for m in ("head", "edge1", "edge2")}
    ok(all(wait_for(m, r"synced with 127\.0\.0\.1:%d: %d groups?" % (PORT, n))
           for m, n in (("head", 2), ("edge1", 1), ("edge2", 2))),
       "head (2 groups), edge1 (1), edge2 (2) joined over mutual TLS 1.3 and synced")
    done = len(re.findall(r"group tv: rotation \d+ done", read("server")))
    ok(wait_for("server", r"group tv: rotation \d+ done", count=done + 2) and
       wait_for("server", r"group tv: 1 sender told to switch") and
       wait_for("edge1", r"group tv: key epoch \d+ installed \(parity (even|odd)\)", count=2) and
       wait_for("edge1", r"group tv: key epoch \d+ retired") and
       wait_for("head", r"group tv: sending with key epoch \d+"),
       "scheduled rotations: receivers install, the sender switches, old keys retire")
    ok("acknowledged epoch" not in read("server").split("head (head")[-1].split("rotation")[-1],
       "with every member connected no rotation waits for its ack-timeout")

    # --- a member's configuration on SIGHUP --------------------------------
    conf1 = os.path.join(tmp, "edge1.conf")
    joins = lambda: len(re.findall(r"member edge1 \(edge1, 127\.0\.0\.1:\d+\) joined", read("server")))
    j0 = joins()
    members["edge1"].send_signal(signal.SIGHUP)
    ok(wait_for("edge1", r"configuration reloaded: the session stays"),
       "member SIGHUP, file unchanged: reloaded, the session stays")
    with open(conf1) as f:
        good = f.read()
    with open(conf1, "a") as f:
        f.write("bogus line\n")
    members["edge1"].send_signal(signal.SIGHUP)
    ok(wait_for("edge1", r"reload refused, keeping the running configuration: %s:10: syntax error"
                % re.escape(conf1)), "member SIGHUP, broken file: refused with FILE:LINE")
    with open(conf1, "w") as f:
        f.write(good.replace("fastpath = none", "fastpath = dpdk:%s/no-such.sock" % tmp))
    members["edge1"].send_signal(signal.SIGHUP)
    ok(wait_for("edge1", r"reload refused, keeping the running configuration: fast path: .*"),
       "member SIGHUP, a fast path that cannot be opened: refused")
    ok(members["edge1"].poll() is None and joins() == j0 and
       "leaving server" not in read("edge1"),
       "after the refused reloads edge1 runs on its old configuration, still in the same session")
    # a renewed certificate at the same path: the member joins again with it
    with open(os.path.join(ca, "edge1.crt"), "rb") as f:
        old_cert = f.read()
    subprocess.run([MKCA, "device", ca, "edge1"], check=True, capture_output=True)
    with open(conf1, "w") as f:
        f.write(good)
    members["edge1"].send_signal(signal.SIGHUP)
    with open(os.path.join(ca, "edge1.crt"), "rb") as f:
        new_cert = f.read()
    ok(new_cert != old_cert and
       wait_for("edge1", r"configuration reloaded, changed: tls: joining again") and
       wait_for("edge1", r"synced with 127\.0\.0\.1:%d" % PORT, count=2) and
       wait_for("server", r"member edge1 \(edge1, 127\.0\.0\.1:\d+\) joined", count=j0 + 1),
       "member SIGHUP with a renewed certificate: it leaves and joins again at once with it")

    # --- bad certificates -------------------------------------------------
    write_member("expired", "expired")
    write_member("notyet", "notyet")
    write_member("wrongca", "wrongca")
    write_member("intruder", "intruder")
    e1_joins = len(re.findall(r"member edge1 \(edge1", read("server")))
    # one at a time: the refusal lines are rate-limited
    bad = start("expired", "expired.conf")
    ok(wait_for("server", r"refused 127\.0\.0\.1:\d+: certificate refused: certificate has expired "
                r"\(depth 0, /CN=edge1\)"), "expired certificate refused with a clear log line")
    stop(bad)
    time.sleep(1)
    bad = start("notyet", "notyet.conf")
    ok(wait_for("server", r"refused 127\.0\.0\.1:\d+: certificate refused: certificate is not yet "
                r"valid \(depth 0, /CN=edge1\)"), "not yet valid certificate refused")
    stop(bad)
    time.sleep(1)
    bad = start("wrongca", "wrongca.conf")
    ok(wait_for("server", r"refused 127\.0\.0\.1:\d+: certificate refused: unable to "
                r"(get local issuer certificate|verify the first certificate) \(depth 0, /CN=edge1\)"),
       "certificate from another CA refused (same CN as a member)")
    stop(bad)
    time.sleep(1)
    bad = start("intruder", "intruder.conf")
    ok(wait_for("server", r"refused 127\.0\.0\.1:\d+: identity not a member: 'intruder' "
                r"\(/CN=intruder\)"), "certificate of the right CA but no member's identity refused")
    ok(len(re.findall(r"member edge1 \(edge1", read("server"))) == e1_joins,
       "none of them joined as edge1")
    stop(bad)
    time.sleep(1)
    ok(handshake_refused(None) and
       wait_for("server", r"refused 127\.0\.0\.1:\d+: TLS handshake failed: .*peer did not return "
                r"a certificate"), "a client without a certificate refused")
    ok(handshake_refused("edge3", ssl.TLSVersion.TLSv1_2) and
       wait_for("server", r"refused 127\.0\.0\.1:\d+: TLS handshake failed: .*(unsupported protocol|"
                r"wrong version|no protocols available)"), "TLS 1.2 refused: 1.3 only")
    write_member("spoofed", "edge3", identity="other-server")
    sp = start("spoofed", "spoofed.conf")
    ok(wait_for("spoofed", r"server 127\.0\.0\.1:%d: certificate refused: hostname mismatch" % PORT),
       "a member refuses a server whose certificate is not the server-identity")
    stop(sp)

    # --- an independent protocol peer ---------------------------------------
    s = tls_client("edge3")
    s.sendall(msg("hello", 1, attr("text", b"python peer\0")))
    got = []
    while True:
        m = recv_msg(s)
        if m is None or m["type"] == "synced":
            break
        got.append(m)
        if m["type"] not in ("welcome", "synced"):
            s.sendall(msg("ack", 100 + m["seq"], attr("ack_seq", struct.pack("=I", m["seq"])),
                          attr("status", struct.pack("=I", 0))))
    kinds = [m["type"] for m in got]
    grp = next((m for m in got if m["type"] == "group"), {})
    keys = [m for m in got if m["type"] == "key"]
    ok(kinds[:2] == ["welcome", "group"] and got[0].get("identity") == "edge3" and
       grp.get("group") == "tv" and grp.get("daddr") == bytes([239, 1, 1, 1]) and
       grp.get("port") == 5000 and grp.get("format") == 3 and grp.get("role") == 2 and
       keys and all(len(k["key"]) == 16 and k["suite"] == 5 and k.get("active") == 0 and
                    k.get("parity") in (1, 2) for k in keys),
       "Python peer: WELCOME edge3, GROUP tv (decrypt, ts-cissa), control words of 16 bytes, "
       "never active for a receiver, then SYNCED")
    diag("python peer got: %s" % kinds)
    epoch = max(k["epoch"] for k in keys)
    s.settimeout(10)
    nxt = None
    while nxt is None:
        m = recv_msg(s)
        if m is None:
            break
        if m["type"] in ("key", "retire"):
            s.sendall(msg("ack", 200 + m["seq"], attr("ack_seq", struct.pack("=I", m["seq"])),
                          attr("status", struct.pack("=I", 0))))
        if m["type"] == "key" and m["epoch"] > epoch:
            nxt = m
    ok(nxt is not None and nxt["epoch"] == epoch + 1 and len(nxt["key"]) == 16,
       "Python peer receives the next rotation's key ahead of the switch")
    s.close()

    # --- malformed messages from an authenticated member --------------------
    cases = [
        ("length below the header", struct.pack("=I", 5) + b"\0" * 12),
        ("length above the limit", struct.pack("=I", 100000) + b"\0" * 60),
        ("version 2", msg("hello", 1, version=2)),
        ("not an mcsecd message", msg("hello", 1, mtype=0x10)),
        ("unknown attribute", msg("hello", 1) + struct.pack("=HH", 8, 99) + b"\0" * 4),
        ("ACK before HELLO", msg("ack", 1, attr("ack_seq", struct.pack("=I", 1)),
                                 attr("status", struct.pack("=I", 0)))),
        ("KEY from a member", msg("hello", 1) + msg("key", 2, attr("group", b"tv\0"),
                                                     attr("suite", b"\5"), attr("parity", b"\1"),
                                                     attr("key", b"k" * 16),
                                                     attr("epoch", struct.pack("=Q", 1)))),
        ("ACK of a message never sent", msg("hello", 1) +
         msg("ack", 2, attr("ack_seq", struct.pack("=I", 999999)),
             attr("status", struct.pack("=I", 0)))),
        ("attribute overrunning its message", msg("hello", 1)[:-0] +
         struct.pack("=IHHII", 28, 0x4D44, 0, 2, 0) + struct.pack("=BBH", 9, 1, 0) +
         struct.pack("=HH", 60, 16) + b"\0" * 4),
        ("random bytes", os.urandom(400)),
    ]
    for what, data in cases:
        refused = False
        try:
            s = tls_client("edge3")
            s.sendall(data)
            refused = closed_by_server(s)
            s.close()
        except (ssl.SSLError, ConnectionError) as e:
            refused = True
            diag("%s: %s" % (what, e))
        ok(refused and server.poll() is None, "malformed: %s: connection dropped, server alive" % what)
    log = read("server")
    ok(len(re.findall(r"refused 127\.0\.0\.1:\d+ \((edge3|unidentified)\): protocol error: ", log)) >= 9,
       "each malformed message logged as a protocol error with its reason")
    diag("\n".join(re.findall(r".*protocol error.*", log)[:12]))

    # --- revocation -------------------------------------------------------
    subprocess.run([MKCA, "revoke", ca, "edge2"], check=True)
    mark = len(read("server"))
    server.send_signal(signal.SIGHUP)
    ok(wait_for("server", r"member edge2 revoked: certificate refused: certificate revoked") and
       wait_for("server", r"group tv: rotation at once: a member was revoked") and
       wait_for("server", r"group esp: rotation at once: a member was revoked"),
       "CRL + SIGHUP: the connected member is dropped, its groups rotate at once")
    ok(wait_for("server", r"group esp: rotation 1 \(revocation\): epoch 2 spi 0x[0-9a-f]{8} sent to 1 of 2 members"),
       "the revocation rotation goes to the remaining member only")
    ok(wait_for("server", r"refused 127\.0\.0\.1:\d+: certificate refused: certificate revoked "
                r"\(depth 0, /CN=edge2\)"), "the revoked member's reconnection refused")
    ok(wait_for("server", r"group esp: rotation 1 done"),
       "the revocation rotation completes without the revoked member")
    # edge2 is still configured (only its certificate is revoked): no
    # rotation may wait for it, and the log says why, once
    done = len(re.findall(r"group tv: rotation \d+ done", read("server")))
    ok(wait_for("server", r"group tv: rotation \d+ done", count=done + 2),
       "two scheduled rotations of tv (edge2 is in it) after the revocation")
    after = read("server")[mark:]
    # a phase that times out names the members it waited for in vain
    waited = re.findall(r".*within ack-timeout \(not: .*", after)
    ok(not [w for w in waited if "edge2" in w or "group esp:" in w],
       "the revocation rotation and the next ones completed on the live members' acks, "
       "none waited for the revoked member", "\n".join(waited) or after[-2500:])
    ok(len(re.findall(r"member edge2: rotations do not wait for it: certificate refused: "
                      r"certificate revoked \(depth 0, /CN=edge2\)", after)) == 1,
       "the log says once why the rotations do not wait for edge2 (its certificate is revoked)")

    write_server(edge1=False)
    server.send_signal(signal.SIGHUP)
    ok(wait_for("server", r"member edge1 revoked: removed from the configuration") and
       wait_for("server", r"configuration reloaded: 2 groups, 4 members"),
       "removal from the configuration + SIGHUP revokes")
    ok(wait_for("server", r"refused 127\.0\.0\.1:\d+: identity not a member: 'edge1'"),
       "the removed member cannot come back")

    with open(os.path.join(tmp, "server.conf"), "a") as f:
        f.write("bogus line\n")
    server.send_signal(signal.SIGHUP)
    ok(wait_for("server", r"reload refused, keeping the running configuration: .*server\.conf:\d+: "
                r"syntax error") and server.poll() is None,
       "a broken configuration on SIGHUP is refused with FILE:LINE, the server goes on")

    # --- SIGKILL and restart ------------------------------------------------
    write_server(edge1=False, tv_rekey="1h")
    server.send_signal(signal.SIGHUP)
    wait_for("server", r"configuration reloaded", count=2)
    with open(os.path.join(tmp, "state")) as f:
        before = re.search(r"^group tv .* epoch (\d+)", f.read(), re.M)
    stop(server, signal.SIGKILL)
    server = start("server2", "server.conf")
    ok(wait_for("server2", r"key server listening") and
       wait_for("head", r"synced with 127\.0\.0\.1:%d" % PORT, count=2),
       "after SIGKILL the restarted server takes its members back")
    with open(os.path.join(tmp, "state")) as f:
        after = re.search(r"^group tv .* epoch (\d+)", f.read(), re.M)
    ok(before and after and int(after.group(1)) == int(before.group(1)) and
       "first key" not in read("server2"),
       "no group state lost: same epochs, no new first key (epoch %s)" % (after and after.group(1)))
    ok(not re.search(r"key epoch \d+ installed", read("head").split("synced with")[-1]),
       "the resynchronised sender needed no new key")

    rc = [stop(p) for p in members.values()]
    ok(stop(server) == 0 and rc == [0, 0, 0], "server and members stop cleanly on SIGTERM")
    text = "".join(read(n) for n in ("server", "server2", "head", "edge1", "edge2"))
    with open(os.path.join(tmp, "state")) as f:
        hexkeys = re.findall(r"material ([0-9a-f]+)", f.read())
    ok(hexkeys and not any(k in text for k in hexkeys), "no key material in any log")
    ok(not re.search(r"Sanitizer|runtime error", text),
       "no sanitizer report in any log (the ASan build runs this too)")


try:
    print("TAP version 13")
    main()
finally:
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    print("1..%d" % n_test)
    if not os.environ.get("KEEP"):
        subprocess.run(["rm", "-rf", tmp])
    else:
        print("# kept " + tmp)
sys.exit(1 if failed else 0)
