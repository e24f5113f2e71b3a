#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mcsecd.sh: the key server and three members driving mcsec.ko, under
# traffic. Topology (one LAN bridge carries both the keys and the streams):
#
#                                    lan (bridge br0, no snooping)
#   sender        head-end           |                      key server
#   s0 ---------- h0      h1 ------- ph ---- pk ----------- k0 10.0.2.100
#   10.0.1.1      10.0.1.2 10.0.2.1  |                      mcsecd (server)
#                 mcsecd member head |--- p1 ---- e0 edge1 10.0.2.11  member edge1
#                 (encrypts both     |--- p2 ---- e0 edge2 10.0.2.12  member edge2
#                  groups on h0      |--- p3 ---- e0 edge3 10.0.2.13  member edge3
#                  ingress)
#
# Two groups of the key server: tv (239.1.1.1:5000, esp-tunnel, aes128-gcm)
# tvts (239.1.1.2:5002, ts-cissa: 7 TS packets per datagram) and tvidsa
# (239.1.1.3:5004, ts-idsa), all rekeyed every second. The head-end routes both from the sender onto the
# LAN (smcroute); edge1 and edge2 are authorized for both and decrypt /
# descramble on e0 ingress, sockets on each receive both streams; edge3 is a
# member of another group only: the streams reach it, it cannot open them.
# Every key comes from the key server over mutual TLS 1.3 (certificates
# from mkca.sh); every member installs through libmcsec into its
# namespace's mcsec.ko. Counters are read with pyroute2 (mcsec_nl.py), not
# libmcsec.
#
# Tests: joins and fast-path state; one window of three sequence-numbered
# streams (ESP, CISSA, IDSA) that lasts until each group made at least 10
# scheduled rotations: every datagram once, in order, byte-exact at edge1
# and edge2 for all three, only ESP and nothing for the socket at edge3, and
# at edge3's TS sockets every datagram still scrambled (CISSA: both
# parities, the flips counted on the wire) with no payload byte in clear;
# exact counters per group; edge2 revoked mid-stream (removed + SIGHUP) in both groups at
# once: edge1 notices nothing, edge2 gets exactly a prefix of each stream in
# clear and nothing after it (ESP: no-SA; TS: no-SA or still scrambled);
# members reloaded (SIGHUP) under the streams: a broken file refused, a
# renewed certificate joins again, zero loss all the same;
# the server SIGKILLed in the middle of a rotation (held in its distribute
# phase by a member stopped with SIGSTOP): members keep forwarding, the restarted server
# finishes the same rotation with the same key, zero loss.
#
# Run it as: selftests/vm/run.sh -- selftests/mcsecd.sh

. "$(dirname "$0")/lib.sh"

T=$LIB_TMP
G=239.1.1.1	# group tv, ESP
EP=5000
GT=239.1.1.2	# group tvts, TS (DVB-CISSA)
TP=5002
GI=239.1.1.3	# group tvidsa, TS (ATIS-IDSA)
IP=5004
ROTATIONS=10
top=$(cd "$LIB_DIR/.." && pwd -P)
build=${MCSEC_BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
MCSECD=$build/userspace-ctl/mcsecd/mcsecd
MCSECCTL=$build/userspace-ctl/mcsecctl/mcsecctl
MKCA=$top/userspace-ctl/mcsecd/mkca.sh
PY=/usr/bin/python3

ktap_require_root
ktap_header 31
T0=$(date +%s)

# tick WHAT: how long the suite has run, as a diagnostic
tick() {
	echo "$(($(date +%s) - T0)) s: $*" | ktap_diag
}

# --- topology -----------------------------------------------------------------

lan_port() {	# NS IF PEER ADDR
	ip link add "$2" netns "$1" type veth peer name "$3" netns "$LAN" &&
		ip -n "$1" addr add "$4" dev "$2" && ip -n "$1" link set "$2" up &&
		ip -n "$LAN" link set "$3" master br0 up
}

setup() {
	ns_new SND sender && ns_new HE headend && ns_new LAN lan && ns_new KS keysrv &&
		ns_new E1 edge1 && ns_new E2 edge2 && ns_new E3 edge3 || return 1
	ip -n "$LAN" link add br0 type bridge mcast_snooping 0 &&
		ip -n "$LAN" link set br0 up || return 1
	link_add "$SND" s0 "$HE" h0 10.0.1.1/24 - 10.0.1.2/24 - &&
		lan_port "$HE" h1 ph 10.0.2.1/24 &&
		lan_port "$KS" k0 pk 10.0.2.100/24 &&
		lan_port "$E1" e0 p1 10.0.2.11/24 &&
		lan_port "$E2" e0 p2 10.0.2.12/24 &&
		lan_port "$E3" e0 p3 10.0.2.13/24 || return 1
	ip -n "$SND" route add default via 10.0.1.2 || return 1
	for e in "$E1" "$E2" "$E3"; do
		ip -n "$e" route add 10.0.1.0/24 via 10.0.2.1 || return 1
	done
	ns_router "$HE" && mroute_start "$HE" h0 h1 &&
		mroute_add "$HE" h0 10.0.1.1 $G h1 && mroute_add "$HE" h0 10.0.1.1 $GT h1 &&
		mroute_add "$HE" h0 10.0.1.1 $GI h1 || return 1
	modprobe mcsec 2>&1 | ktap_diag
	"$MKCA" init "$T/ca" >/dev/null || return 1
	for m in head edge1 edge2 edge3; do
		"$MKCA" device "$T/ca" $m >/dev/null || return 1
	done
	"$MKCA" crl "$T/ca" >/dev/null
}

# --- mcsecd --------------------------------------------------------------------

server_conf() {	# EDGE2 (yes: a member that decrypts both groups, no: gone) ACK_TIMEOUT
	_dec=edge1
	[ "$1" = yes ] && _dec="$_dec edge2"
	cat >"$T/server.conf" <<CONF
[server]
listen = 10.0.2.100:7443
certificate = $T/ca/server.crt
key = $T/ca/server.key
ca = $T/ca/ca.crt
crl = $T/ca/crl.pem
state = $T/state
ack-timeout = $2
grace = 500ms

[group tv]
address = $G
port = $EP
format = esp-tunnel
suite = aes128-gcm
rekey = 1s
encrypt = head
decrypt = $_dec

[group tvts]
address = $GT
port = $TP
format = ts-cissa
rekey = 1s
encrypt = head
decrypt = $_dec

[group tvidsa]
address = $GI
port = $IP
format = ts-idsa
rekey = 1s
encrypt = head
decrypt = $_dec

[group other]
address = 239.9.9.9
port = 5000
format = esp-tunnel
rekey = 1h
encrypt = head
decrypt = edge3

[member head]
[member edge1]
$([ "$1" = yes ] && echo "[member edge2]")
[member edge3]
CONF
}

member_conf() {	# NAME
	cat >"$T/$1.conf" <<CONF
[member]
server = 10.0.2.100:7443
server-identity = keyserver
certificate = $T/ca/$1.crt
key = $T/ca/$1.key
ca = $T/ca/ca.crt
fastpath = kernel
backoff-min = 200ms
backoff-max = 1s
CONF
}

server_start() {	# LOGNAME
	ip netns exec "$KS" "$MCSECD" -c "$T/server.conf" >>"$T/$1.log" 2>&1 &
	echo $! >"$T/server.pid"
	wait_for 20 grep -q "key server listening" "$T/$1.log"
}

member_start() {	# NAME NS
	member_conf "$1"
	ip netns exec "$2" "$MCSECD" -c "$T/$1.conf" >"$T/$1.log" 2>&1 &
	echo $! >"$T/$1.pid"
}

# count FILE REGEX: matching lines
count() {
	grep -cE "$2" "$1" 2>/dev/null || true
}

FLOWS="$PY $LIB_DIR/mcsecd_flows.py"

# snap FILE VAR...: every counter of every group of the namespaces named by
# the variables (HE E1 ...), by pyroute2 (not libmcsec): a request to the
# one snapd process (snapd_start), so pyroute2 starts once for all six
snap_seq=0
snap() {
	_f=$1
	shift
	_a=
	for _x in "$@"; do
		eval "_a=\"\$_a $_x=\$$_x\""
	done
	snap_seq=$((snap_seq + 1))
	_q=$T/snapd/$snap_seq
	echo "$_f $_a" >"$_q.tmp" && mv "$_q.tmp" "$_q.req" &&
		wait_for 300 test -e "$_q.done" && [ "$(cat "$_q.done")" = 0 ] && return 0
	echo "snap $_f:$_a failed" | ktap_diag
	ktap_diag <"$T/snapd.log"
	return 1
}

# snapd_start: the server of snap, started early (its pyroute2 loads while
# the daemons join); it ends with the suite (parent death, or $T removed)
snapd_start() {
	mkdir -p "$T/snapd"
	$FLOWS snapd "$T/snapd" 2>"$T/snapd.log" &
	echo $! >"$T/snapd.pid"
}

# group_of PORT: the address of the group of that port
group_of() { case $1 in $TP) echo $GT ;; $IP) echo $GI ;; *) echo $G ;; esac; }

# moved OLD NEW VAR PORT DIR NAME: how far a counter of the group of PORT
# (dir 1 encrypt, 2 decrypt) of namespace VAR moved between two snapshots
moved() {
	awk -v t="$3" -v k="$(group_of $4):$4:$5" -v n="$6" '$1 == t && $2 == k && $3 == n {
		v[FILENAME == ARGV[1]] = $4 } END { print v[0] - v[1] }' "$1" "$2"
}

# moved_are OLD NEW VAR PORT DIR NAME=VALUE...: exactly these moves
moved_are() {
	_o=$1 _n=$2 _x=$3 _p=$4 _d=$5 _rc=0
	shift 5
	for _kv in "$@"; do
		_v=$(moved "$_o" "$_n" "$_x" "$_p" "$_d" "${_kv%%=*}")
		if [ "$_v" != "${_kv#*=}" ]; then
			echo "$_x $(group_of $_p):$_p dir $_d: ${_kv%%=*} moved $_v, expected ${_kv#*=}" | ktap_diag
			_rc=1
		fi
	done
	return $_rc
}

# diag_state: what each box holds and counted, and the daemons' last words
diag_state() {
	for x in HE E1 E2 E3; do
		eval "_ns=\$$x"
		echo "--- $x"
		ip netns exec "$_ns" "$MCSECCTL" -s group show 2>&1 | head -8
		ip netns exec "$_ns" "$MCSECCTL" sa show 2>&1 | head -6
	done | ktap_diag
	for f in server server2 head edge1 edge2; do
		[ -e "$T/$f.log" ] || continue
		echo "--- $f.log"
		tail -15 "$T/$f.log"
	done | ktap_diag
}

joined() {
	for m in head edge1 edge2 edge3; do
		grep -q "synced with 10.0.2.100:7443" "$T/$m.log" || return 1
	done
}

fast_path_state() {
	_he=$(ip netns exec "$HE" "$MCSECCTL" group show 2>&1)
	_e1=$(ip netns exec "$E1" "$MCSECCTL" group show 2>&1)
	_e3=$(ip netns exec "$E3" "$MCSECCTL" group show 2>&1)
	printf 'head-end:\n%s\nedge1:\n%s\nedge3:\n%s\n' "$_he" "$_e1" "$_e3" | ktap_diag
	echo "$_he" | grep -qE "^group $G port $EP dir encrypt format esp-tunnel tx-spi 0x[0-9a-f]{8} id" &&
		echo "$_he" | grep -qE "^group $GT port $TP dir encrypt format ts-cissa .*tx-parity (even|odd)" &&
		echo "$_e1" | grep -qE "^group $G port $EP dir decrypt format esp-tunnel id" &&
		echo "$_e1" | grep -qE "^group $GT port $TP dir decrypt format ts-cissa" &&
		! echo "$_e3" | grep -qE "^group ($G|$GT|$GI) " &&
		echo "$_e3" | grep -qE "^group 239.9.9.9 port 5000 dir decrypt"
}

# rotations GROUP: rotations of GROUP the server finished so far (both logs)
rotations() {
	cat "$T"/server*.log | grep -cE "group $1: rotation [0-9]+ done"
}

# --- the streams ---------------------------------------------------------------
# flows_start TAG FLOWS EDGES: for each flow of FLOWS ("esp ts" or "esp") a
# receiver socket on each edge of EDGES ("1 2 3"), all in one process, then
# one sender of sequence-numbered datagrams (TS: 7 clear TS packets each),
# a datagram of each flow every 30 ms, until flows_stop TAG. $T/TAG.FLOW.sent
# holds what left, $T/TAG.FLOW.eN what edge N's socket got, in arrival order.

flow_port() { case $1 in esp) echo $EP ;; ts) echo $TP ;; idsa) echo $IP ;; esac; }

flows_start() {	# TAG FLOWS EDGES
	_tag=$1 _spec= _out=
	echo "$2" >"$T/$_tag.flows"
	echo "$3" >"$T/$_tag.edges"
	rm -f "$T/$_tag.stop" "$T/$_tag.ready"
	for f in $2; do
		for i in $3; do
			eval "_ns=\$E$i"
			_spec="$_spec $_ns:e0:$(group_of $(flow_port $f)):$(flow_port $f):$T/$_tag.$f.e$i"
		done
		[ $f = esp ] && _k=600 || _k=ts
		_out="$_out $(group_of $(flow_port $f)):$(flow_port $f):$T/$_tag.$f.sent:$_k"
	done
	$FLOWS recv --ready "$T/$_tag.ready" $_spec 2>"$T/$_tag.recv.err" &
	echo $! >"$T/$_tag.recv.pid"
	wait_for 60 test -e "$T/$_tag.ready" || return 1
	# one CPU: veth queues a packet on the CPU that sent it, and a sender
	# that migrates would reorder its own stream
	ip netns exec "$SND" taskset -c 0 $FLOWS send s0 --until "$T/$_tag.stop" \
		--gap 0.03 $_out 2>"$T/$_tag.send.err" &
	echo $! >"$T/$_tag.send.pid"
	for f in $2; do
		wait_for 60 test -s "$T/$_tag.$f.sent" || return 1
	done
}

flows_stop() {	# TAG
	touch "$T/$1.stop"
	wait "$(cat "$T/$1.send.pid")"
	wait "$(cat "$T/$1.recv.pid")"
	cat "$T/$1.send.err" "$T/$1.recv.err" | ktap_diag
	for f in $(cat "$T/$1.flows"); do
		echo "$1 $f: $(wc -l <"$T/$1.$f.sent") sent; got $(for i in $(cat "$T/$1.edges"); do
			printf 'edge%s %s ' "$i" "$(wc -l <"$T/$1.$f.e$i")"; done)"
	done | ktap_diag
}

sent() { wc -l <"$T/$1.$2.sent" | tr -d ' '; }

# ts_check GOT SENT [--from K] [--scrambled]: no datagram of GOT (from the
# K-th on) holds a 16-byte window of any TS packet of SENT in clear (nor
# equals one); --scrambled: each is a whole datagram of 7 TS packets, every
# one still marked scrambled. Prints the datagrams looked at and the
# parity changes among them.
ts_check() {
	$PY -S -c '
import sys
got_f, sent_f, rest = sys.argv[1], sys.argv[2], sys.argv[3:]
k = int(rest[rest.index("--from") + 1]) if "--from" in rest else 0
read = lambda f: [bytes.fromhex(x) for x in open(f).read().split()]
got, sent = read(got_f)[k:], read(sent_f)
windows = set()
for p in sent:
    for i in range(0, len(p) - 15, 8):
        windows.add(p[i:i + 16])
bad, flips, last = 0, 0, None
for n, d in enumerate(got):
    if any(d[i:i + 16] in windows for i in range(len(d) - 15)):
        print("datagram %d: TS payload bytes in clear" % (k + n))
        bad += 1
    if "--scrambled" in rest:
        pk = [d[j:j + 188] for j in range(0, len(d), 188)]
        if len(d) != 7 * 188 or any(x[0] != 0x47 or x[3] >> 6 < 2 for x in pk):
            print("datagram %d: not 7 scrambled TS packets" % (k + n))
            bad += 1
            continue
        for x in pk:
            if last is not None and x[3] >> 6 != last:
                flips += 1
            last = x[3] >> 6
print("%d datagrams looked at, %d bad, %d parity flips" % (len(got), bad, flips))
sys.exit(1 if bad else 0)' "$@"
}

# prefix_len SENT GOT: how many first lines of GOT are SENT's first lines
prefix_len() {
	awk 'NR == FNR { s[FNR] = $0; next } FNR == n + 1 && s[FNR] == $0 { n = FNR } END { print n + 0 }' "$1" "$2"
}

s2_esp_counters() {
	moved_are "$T/s2a" "$T/s2b" HE $EP 1 OUT_PKTS_PROTECTED=$NE OUT_PKTS_NO_SA=0 || return 1
	for x in E1 E2; do
		moved_are "$T/s2a" "$T/s2b" "$x" $EP 2 IN_PKTS_OK=$NE IN_PKTS_NO_SA=0 \
			IN_PKTS_AUTH_FAILED=0 IN_PKTS_REPLAYED=0 IN_PKTS_LATE=0 || return 1
	done
}

s2_ts_counters() {	# PORT N
	moved_are "$T/s2a" "$T/s2b" HE $1 1 OUT_PKTS_PROTECTED=$2 \
		TS_PKTS_SCRAMBLED=$((7 * $2)) OUT_PKTS_NO_SA=0 TS_PKTS_CLEAR=0 || return 1
	for x in E1 E2; do
		moved_are "$T/s2a" "$T/s2b" "$x" $1 2 IN_PKTS_OK=$2 \
			TS_PKTS_DESCRAMBLED=$((7 * $2)) IN_PKTS_NO_SA=0 IN_PKTS_MALFORMED=0 \
			TS_PKTS_CLEAR=0 || return 1
	done
}

setup || {
	echo "# setup failed"
	cat "$T"/smcroute.*.log 2>/dev/null | ktap_diag
	while [ "$ktap_n" -lt "$ktap_planned" ]; do ktap_fail "setup"; done
	ktap_finish
}

snapd_start

# --- 1. join --------------------------------------------------------------------
server_conf yes 10s
server_start server
member_start head "$HE"
member_start edge1 "$E1"
member_start edge2 "$E2"
member_start edge3 "$E3"
ktap_check "key server and four members joined over mutual TLS 1.3" wait_for 30 joined
ktap_check "state file written with mode 0600" \
	test "$(stat -c %a "$T/state")" = 600
ktap_check "fast paths: head-end encrypts $G:$EP (ESP) and scrambles $GT:$TP (CISSA), edge1 opens both, edge3 has only its own group" \
	fast_path_state
tick "joined"

# --- 2. one window, two streams: authorized members decrypt / descramble
# them across at least 10 scheduled rotations of each group, edge3 cannot ----------
snap "$T/s2a" HE E1 E2
cap_start "$E3" e0 "$T/e3.pcap" dst host $G and not udp port 6000
flows_start s2 "esp ts idsa" "1 2 3"
# rotations counted from here: the streams flow
r0=$(rotations tv) t0=$(rotations tvts) i0=$(rotations tvidsa)
tick "streams started"
# members reloaded under the streams: edge1's broken file is refused (its
# session stays), edge2's renewed certificate makes it join again at once
# with it; neither may lose a datagram
wait_for 60 eval '[ $(($(rotations tv) - r0)) -ge 2 ]'
member_conf edge1
echo "bogus line" >>"$T/edge1.conf"
kill -HUP "$(cat "$T/edge1.pid")"
"$MKCA" device "$T/ca" edge2 >/dev/null
kill -HUP "$(cat "$T/edge2.pid")"
wait_for 30 grep -q "reload refused" "$T/edge1.log"
member_conf edge1
tick "members reloaded"
wait_for 180 eval '[ $(($(rotations tv) - r0)) -ge $ROTATIONS -a $(($(rotations tvts) - t0)) -ge $ROTATIONS -a \
	$(($(rotations tvidsa) - i0)) -ge $ROTATIONS -a \
	$(count "$T/edge2.log" "synced with") -ge 2 ]'
r1=$(rotations tv) t1=$(rotations tvts) i1=$(rotations tvidsa)
sleep 1
flows_stop s2
cap_stop "$T/e3.pcap"
tick "streams stopped"
snap "$T/s2b" HE E1 E2
NE=$(sent s2 esp) NT=$(sent s2 ts) NI=$(sent s2 idsa)
ktap_check "at least $ROTATIONS scheduled rotations of group tv (ESP) under the stream ($((r1 - r0)))" \
	test $((r1 - r0)) -ge $ROTATIONS
ktap_check "at least $ROTATIONS scheduled crypto-period flips of group tvts (TS) under the stream ($((t1 - t0)))" \
	test $((t1 - t0)) -ge $ROTATIONS
ktap_check "at least $ROTATIONS scheduled crypto-period flips of group tvidsa (TS, ATIS-IDSA) under the stream ($((i1 - i0)))" \
	test $((i1 - i0)) -ge $ROTATIONS
ktap_check "member SIGHUP, broken file: edge1 refused it with FILE:LINE, its session stayed" \
	eval 'grep -q "reload refused, keeping the running configuration: $T/edge1.conf:10: syntax error" "$T/edge1.log" &&
		[ $(count "$T/server.log" "member edge1 \(edge1, [0-9.:]+\) joined") = 1 ]'
ktap_check "member SIGHUP, renewed certificate: edge2 left and joined again with it under the streams" \
	eval 'grep -q "configuration reloaded, changed: tls: joining again" "$T/edge2.log" &&
		[ $(count "$T/server.log" "member edge2 \(edge2, [0-9.:]+\) joined") = 2 ]'
ktap_check "ESP, zero loss: edge1 got all $NE datagrams once, in order, byte-exact" \
	same_payloads "$T/s2.esp.sent" "$T/s2.esp.e1"
ktap_check "ESP, zero loss: edge2 got all $NE datagrams once, in order, byte-exact" \
	same_payloads "$T/s2.esp.sent" "$T/s2.esp.e2"
ktap_check "TS, zero loss: edge1 descrambled all $NT datagrams once, in order, byte-exact" \
	same_payloads "$T/s2.ts.sent" "$T/s2.ts.e1"
ktap_check "TS, zero loss: edge2 descrambled all $NT datagrams once, in order, byte-exact" \
	same_payloads "$T/s2.ts.sent" "$T/s2.ts.e2"
ktap_check "IDSA, zero loss: edge1 and edge2 descrambled all $NI datagrams once, in order, byte-exact" \
	eval 'same_payloads "$T/s2.idsa.sent" "$T/s2.idsa.e1" && same_payloads "$T/s2.idsa.sent" "$T/s2.idsa.e2"'
ktap_check "edge3 (not in the groups): the $NE ESP packets reached it as ESP only, no payload byte in clear" \
	cap_check "$T/e3.pcap" $G --only-esp --no-payloads "$T/s2.esp.sent" --min $NE
ktap_check "edge3's ESP socket received nothing" test ! -s "$T/s2.esp.e3"
ts_check "$T/s2.ts.e3" "$T/s2.ts.sent" --scrambled >"$T/e3.ts.check"
e3rc=$?
ktap_diag <"$T/e3.ts.check"
flips=$(sed -n 's/.* \([0-9]*\) parity flips/\1/p' "$T/e3.ts.check")
ktap_check "edge3's TS socket got the $NT datagrams still scrambled, no TS payload in clear, the parity flipping $flips times" \
	test "$(wc -l <"$T/s2.ts.e3")" = "$NT" -a $e3rc = 0 -a "${flips:-0}" -ge $ROTATIONS
ts_check "$T/s2.idsa.e3" "$T/s2.idsa.sent" --scrambled >"$T/e3.idsa.check"
e3rc=$?
ktap_diag <"$T/e3.idsa.check"
ktap_check "edge3's IDSA socket got the $NI datagrams still scrambled, no TS payload in clear" \
	test "$(wc -l <"$T/s2.idsa.e3")" = "$NI" -a $e3rc = 0
ktap_check "ESP counters: head-end protected $NE, edge1 and edge2 accepted $NE, no-SA/auth/replay/late 0" \
	s2_esp_counters
ktap_check "TS counters: head-end scrambled $NT datagrams ($((7 * NT)) TS packets), edge1 and edge2 descrambled them all, none without a key" \
	s2_ts_counters $TP $NT
ktap_check "IDSA counters: head-end scrambled $NI datagrams ($((7 * NI)) TS packets), edge1 and edge2 descrambled them all, none without a key" \
	s2_ts_counters $IP $NI
esas=$(ip netns exec "$E1" "$MCSECCTL" sa show $G port $EP 2>&1 | grep -c ' spi 0x')
tsas=$(ip netns exec "$E1" "$MCSECCTL" sa show $GT port $TP 2>&1 | grep -c ' parity ')
ktap_check "old keys retired: edge1 holds at most 2 keys of each group (ESP $esas, TS $tsas)" \
	test "$esas" -le 2 -a "$esas" -ge 1 -a "$tsas" -le 2 -a "$tsas" -ge 1
[ "$ktap_failed" = 0 ] || diag_state

# --- 3. revocation mid-stream, both groups -----------------------------------------
snap "$T/s3a" E1 E2
flows_start s3 "esp ts" "1 2"
sleep 2
rv0=$(count "$T/server.log" "group tv: rotation [0-9]+ done")
ts0=$(count "$T/server.log" "group tvts: rotation [0-9]+ done")
server_conf no 10s
kill -HUP "$(cat "$T/server.pid")"
# two more rotations of each after the immediate one: the revoked edge still
# holds a control word of the parity the group comes back to
wait_for 120 eval '[ $(count "$T/server.log" "group tv: rotation [0-9]+ done") -ge $((rv0 + 3)) -a \
	$(count "$T/server.log" "group tvts: rotation [0-9]+ done") -ge $((ts0 + 3)) ]'
sleep 1
flows_stop s3
tick "revocation streams stopped"
snap "$T/s3b" E1 E2
NE=$(sent s3 esp) NT=$(sent s3 ts)
ke=$(prefix_len "$T/s3.esp.sent" "$T/s3.esp.e2")
kt=$(prefix_len "$T/s3.ts.sent" "$T/s3.ts.e2")
gt=$(wc -l <"$T/s3.ts.e2")
echo "edge2: ESP $(wc -l <"$T/s3.esp.e2") of $NE, prefix $ke; TS $gt of $NT, clear prefix $kt" | ktap_diag
ktap_check "revocation: server logged it and rotated both groups at once" \
	eval 'grep -q "member edge2 revoked: removed from the configuration" "$T/server.log" &&
		grep -qE "group tv: rotation [0-9]+ \(revocation\)" "$T/server.log" &&
		grep -qE "group tvts: rotation [0-9]+ \(revocation\)" "$T/server.log"'
ktap_check "edge1 noticed nothing: all $NE ESP and $NT TS datagrams byte-exact, counters clean" \
	eval 'same_payloads "$T/s3.esp.sent" "$T/s3.esp.e1" && same_payloads "$T/s3.ts.sent" "$T/s3.ts.e1" &&
		moved_are "$T/s3a" "$T/s3b" E1 $EP 2 IN_PKTS_OK=$NE IN_PKTS_NO_SA=0 IN_PKTS_AUTH_FAILED=0 &&
		moved_are "$T/s3a" "$T/s3b" E1 $TP 2 IN_PKTS_OK=$NT IN_PKTS_NO_SA=0 TS_PKTS_DESCRAMBLED=$((7 * NT))'
ktap_check "ESP: edge2 got exactly a prefix ($ke of $NE) and counted the rest as no-SA" \
	eval 'test "$ke" -gt 0 -a "$ke" -lt $NE -a "$(wc -l <"$T/s3.esp.e2")" = "$ke" &&
		moved_are "$T/s3a" "$T/s3b" E2 $EP 2 IN_PKTS_OK=$ke IN_PKTS_NO_SA=$((NE - ke)) IN_PKTS_AUTH_FAILED=0'
ts_check "$T/s3.ts.e2" "$T/s3.ts.sent" --from "$kt" | ktap_diag
ktap_check "TS: edge2 descrambled exactly a prefix ($kt of $NT); of the rest, $((NT - gt)) dropped as no-SA and $((gt - kt)) passed with a stale word, none in clear" \
	eval 'test "$kt" -gt 0 -a "$kt" -lt $NT && ts_check "$T/s3.ts.e2" "$T/s3.ts.sent" --from "$kt" >/dev/null &&
		moved_are "$T/s3a" "$T/s3b" E2 $TP 2 IN_PKTS_OK=$gt IN_PKTS_NO_SA=$((NT - gt))'
[ "$ktap_failed" = 0 ] || diag_state

# --- 4. the server killed mid-rotation ----------------------------------------------
# edge1's member, stopped (SIGSTOP), cannot acknowledge: the rotation of tv
# under way when it stopped (if edge1 had not acknowledged its key yet) or
# the next one waits in its distribute phase for up to ack-timeout (20 s),
# the window to kill the server in (a phase that timed out would switch
# the sender to a key edge1 does not hold). Its kernel keeps decrypting
# with the keys it has.
server_conf no 20s
kill -HUP "$(cat "$T/server.pid")"
wait_for 20 grep -q "configuration reloaded: 4 groups, 3 members" "$T/server.log"
snap "$T/s4a" E1
flows_start s4 esp 1
tv_state() { awk '/^group / { g = $2 } g == "tv"' "$T/state" | sed 's/material .*/material .../'; }
tv_phase() { tv_state | sed -n 's/^group tv .* phase \([0-9]\) .*/\1/p'; }
tv_next() { tv_state | sed -n 's/^key next .* epoch \([0-9]*\) .*/\1/p'; }
kill -STOP "$(cat "$T/edge1.pid")"
sleep 1
wait_for 45 eval '[ "$(tv_phase)" = 1 ]'
held=$(tv_next)
sleep 2
state=$(tv_state)
echo "$state" | ktap_diag
phase=$(tv_phase)
epoch=$(tv_next)
kill -KILL "$(cat "$T/server.pid")"
wait "$(cat "$T/server.pid")" 2>/dev/null
kill -CONT "$(cat "$T/edge1.pid")"
ktap_check "server killed with SIGKILL in the distribute phase of a rotation held by the stopped member (epoch $epoch, 2 s and more)" \
	test "$phase" = 1 -a -n "$epoch" -a "$epoch" = "$held"
ktap_check "members noticed and keep forwarding on their keys" \
	eval 'wait_for 10 grep -q "lost (" "$T/head.log" && wait_for 10 grep -q "lost (" "$T/edge1.log"'
server_start server2
ktap_check "the restarted server resumed and finished the same rotation (epoch $epoch)" \
	eval 'wait_for 60 grep -q "group tv: resuming the rotation to epoch $epoch (distribute)" "$T/server2.log" &&
		wait_for 90 grep -qE "group tv: rotation [0-9]+ done, epoch $((epoch - 1)) spi" "$T/server2.log"'
sleep 1
flows_stop s4
tick "kill stream stopped"
snap "$T/s4b" E1
N4=$(sent s4 esp)
ktap_check "zero loss through the kill and the resumed rotation: edge1 got all $N4 byte-exact" \
	eval 'same_payloads "$T/s4.esp.sent" "$T/s4.esp.e1" &&
		moved_are "$T/s4a" "$T/s4b" E1 $EP 2 IN_PKTS_OK=$N4 IN_PKTS_NO_SA=0'
ktap_check "edge1 installed the key of epoch $epoch once: the restarted server sent the same key" \
	test "$(count "$T/edge1.log" "group tv: key epoch $epoch installed")" = 1

# --- the end ---------------------------------------------------------------------
for m in head edge1 edge2 edge3; do
	kill -TERM "$(cat "$T/$m.pid")"
done
kill -TERM "$(cat "$T/server.pid")"
rc=0
for m in head edge1 edge2 edge3 server; do
	wait "$(cat "$T/$m.pid")" || rc=1
done
kill -TERM "$(cat "$T/snapd.pid")" 2>/dev/null
ktap_check "server and members stop cleanly; the fast path keeps its keys after the member stops" \
	eval '[ $rc = 0 ] && ip netns exec "$E1" "$MCSECCTL" sa show $G port $EP | grep -q " spi 0x"'
[ "$ktap_failed" = 0 ] || diag_state
tick "done"
ktap_finish
