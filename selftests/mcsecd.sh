#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mcsecd.sh: the key server and three members driving mcsec.ko, under
# traffic. Topology (one LAN bridge carries both the keys and the stream):
#
#                                    lan (bridge br0, no snooping)
#   sender        head-end           |                      key server
#   s0 ---------- h0      h1 ------- ph ---- pk ----------- k0 10.0.2.100
#   10.0.1.1      10.0.1.2 10.0.2.1  |                      mcsecd (server)
#                 mcsecd member head |--- p1 ---- e0 edge1 10.0.2.11  member edge1
#                 (encrypts 239.1.1.1|--- p2 ---- e0 edge2 10.0.2.12  member edge2
#                  on h0 ingress)    |--- p3 ---- e0 edge3 10.0.2.13  member edge3
#
# The head-end routes 239.1.1.1:5000 from the sender onto the LAN (smcroute);
# edge1 and edge2 are authorized for group tv and decrypt on e0 ingress, a
# socket on each receives the stream; edge3 is a member of another group
# only: the stream reaches it, it cannot open it. Every key comes from the
# key server over mutual TLS 1.3 (certificates from mkca.sh); every member
# installs through libmcsec into its namespace's mcsec.ko.
#
# Tests: joins and fast-path state; the stream byte-exact at edge1/edge2,
# only ESP on the LAN, nothing at edge3; at least 10 scheduled rotations
# under a paced stream with zero loss and exact counters; edge2 revoked
# mid-stream (removed + SIGHUP): edge1 notices nothing, edge2 gets exactly a
# prefix and counts the rest as no-SA; the server SIGKILLed in the middle
# of a rotation: members keep forwarding, the restarted server finishes the
# same rotation with the same key, zero loss.
#
# Run it as: selftests/vm/run.sh -- selftests/mcsecd.sh

. "$(dirname "$0")/lib.sh"

T=$LIB_TMP
G=239.1.1.1
PORT=5000
top=$(cd "$LIB_DIR/.." && pwd -P)
build=${MCSEC_BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
MCSECD=$build/userspace-ctl/mcsecd/mcsecd
MCSECCTL=$build/userspace-ctl/mcsecctl/mcsecctl
MKCA=$top/userspace-ctl/mcsecd/mkca.sh
NL="/usr/bin/python3 $LIB_DIR/mcsec_nl.py"

ktap_require_root
ktap_header 19
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
		mroute_add "$HE" h0 10.0.1.1 $G h1 || return 1
	modprobe mcsec 2>&1 | ktap_diag
	"$MKCA" init "$T/ca" >/dev/null || return 1
	for m in head edge1 edge2 edge3; do
		"$MKCA" device "$T/ca" $m >/dev/null || return 1
	done
	"$MKCA" crl "$T/ca" >/dev/null
}

# --- mcsecd --------------------------------------------------------------------

server_conf() {	# EDGE2(yes: a member that decrypts, no: gone) GHOST(yes/no)
	_dec=edge1 _ack=3s
	[ "$1" = yes ] && _dec="$_dec edge2"
	[ "$2" = yes ] && _dec="$_dec ghost" _ack=20s
	cat >"$T/server.conf" <<CONF
[server]
listen = 10.0.2.100:7443
certificate = $T/ca/server.crt
key = $T/ca/server.key
ca = $T/ca/ca.crt
crl = $T/ca/crl.pem
state = $T/state
ack-timeout = $_ack
grace = 500ms

[group tv]
address = $G
port = $PORT
format = esp-tunnel
suite = aes128-gcm
rekey = 2s
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
$([ "$2" = yes ] && echo "[member ghost]")
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

# nlstat NS NAME: one counter summed over the namespace's groups (read
# with pyroute2, not libmcsec)
nlstat() {
	ip netns exec "$1" $NL stats "$2" | awk -F= '{ s += $2 } END { print s + 0 }'
}

# counters NS: the decrypt side's counters, for diagnostics
counters() {
	ip netns exec "$1" $NL stats IN_PKTS_OK,IN_PKTS_NO_SA,IN_PKTS_AUTH_FAILED,IN_PKTS_REPLAYED,IN_PKTS_LATE,OUT_PKTS_PROTECTED,OUT_PKTS_NO_SA |
		paste -sd' '
}

# diag_state TAG: what each box holds and counted, and the daemons' last words
diag_state() {
	for x in HE E1 E2 E3; do
		eval "_ns=\$$x"
		echo "$x: $(counters "$_ns")"
		ip netns exec "$_ns" "$MCSECCTL" sa show 2>&1 | head -4
	done | ktap_diag
	for f in server head edge1 edge2; do
		echo "--- $f.log"
		tail -12 "$T/$f.log"
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
	printf 'head-end: %s\nedge1: %s\nedge3: %s\n' "$_he" "$_e1" "$_e3" | ktap_diag
	echo "$_he" | grep -qE "^group $G port $PORT dir encrypt format esp-tunnel tx-spi 0x[0-9a-f]{8} id" &&
		echo "$_e1" | grep -qE "^group $G port $PORT dir decrypt format esp-tunnel id" &&
		! echo "$_e3" | grep -q "^group $G " &&
		echo "$_e3" | grep -qE "^group 239.9.9.9 port 5000 dir decrypt"
}

# stream_start N GAP_MS TAG EDGE...: N datagrams from the sender, one every
# GAP_MS, and a receiver on each EDGE (1, 2, 3); stream_wait TAG gives the
# receivers 10 s after the last datagram left, then stops them (SIGTERM:
# they write what they got)
stream_start() {
	_n=$1 _gap=$2 _tag=$3
	shift 3
	mc_payloads "$T/$_tag.p" "$_n" "$_tag" 16 1200
	: >"$T/$_tag.edges"
	for i in "$@"; do
		eval "_ns=\$E$i"
		mc_recv_start "$_ns" e0 $G $PORT "$_n" "$T/$_tag.e$i" \
			--timeout 900 || return 1
		echo "$i" >>"$T/$_tag.edges"
	done
	mc_send "$SND" s0 $G $PORT "$T/$_tag.p" --gap "$(printf '%d.%03d' $((_gap / 1000)) $((_gap % 1000)))" &
	echo $! >"$T/$_tag.send.pid"
}

stream_wait() {	# TAG
	wait "$(cat "$T/$1.send.pid")"
	for i in $(cat "$T/$1.edges"); do
		_pid=$(cat "$T/$1.e$i.pid")
		wait_for 10 eval '! kill -0 $_pid 2>/dev/null'
		kill -TERM "$_pid" 2>/dev/null
		wait "$_pid" 2>/dev/null
	done
	return 0
}

setup || {
	echo "# setup failed"
	cat "$T"/smcroute.*.log 2>/dev/null | ktap_diag
	while [ "$ktap_n" -lt "$ktap_planned" ]; do ktap_fail "setup"; done
	ktap_finish
}

# --- 1. join --------------------------------------------------------------------
server_conf yes no
server_start server
member_start head "$HE"
member_start edge1 "$E1"
member_start edge2 "$E2"
member_start edge3 "$E3"
ktap_check "key server and four members joined over mutual TLS 1.3" wait_for 30 joined
ktap_check "state file written with mode 0600" \
	test "$(stat -c %a "$T/state")" = 600
ktap_check "fast paths: head-end encrypts $G with a sender SA, edge1 decrypts it, edge3 has only its own group" \
	fast_path_state

# --- 2. one stream: authorized members decrypt it across scheduled rotations,
# edge3 cannot -------------------------------------------------------------------
tick "joined"
N2=300
done0=$(count "$T/server.log" "group tv: rotation [0-9]+ done")
out0=$(nlstat "$HE" OUT_PKTS_PROTECTED)
ok0=$(nlstat "$E1" IN_PKTS_OK)
cap_start "$E3" e0 "$T/e3.pcap" host $G
stream_start $N2 30 s2 1 2 3
tick "stream of $N2 started"
stream_wait s2
tick "stream of $N2 done"
cap_stop "$T/e3.pcap"
done1=$(count "$T/server.log" "group tv: rotation [0-9]+ done")
ktap_check "at least 10 scheduled rotations of group tv during the stream ($((done1 - done0)))" \
	test $((done1 - done0)) -ge 10
ktap_check "zero loss across the rotations: edge1 got all $N2 datagrams byte-exact" \
	same_payloads "$T/s2.p" "$T/s2.e1"
ktap_check "zero loss across the rotations: edge2 got all $N2 datagrams byte-exact" \
	same_payloads "$T/s2.p" "$T/s2.e2"
ktap_check "edge3 (not in the group): the $N2 packets reached it as ESP only, no payload byte in clear" \
	cap_check "$T/e3.pcap" $G --only-esp --no-payloads "$T/s2.p" --min $N2
ktap_check "edge3's socket received nothing" test ! -s "$T/s2.e3"
out1=$(nlstat "$HE" OUT_PKTS_PROTECTED)
ok1=$(nlstat "$E1" IN_PKTS_OK)
bad=$(ip netns exec "$E1" $NL stats IN_PKTS_NO_SA,IN_PKTS_AUTH_FAILED,IN_PKTS_REPLAYED,IN_PKTS_LATE |
	awk -F= '{ s += $2 } END { print s + 0 }')
echo "head-end protected $((out1 - out0)), edge1 ok $((ok1 - ok0)), edge1 errors so far $bad" | ktap_diag
ktap_check "counters: head-end protected $N2, edge1 accepted $N2, edge1 no-SA/auth/replay/late 0" \
	test $((out1 - out0)) = $N2 -a $((ok1 - ok0)) = $N2 -a "$bad" = 0
sas=$(ip netns exec "$E1" "$MCSECCTL" sa show $G port $PORT 2>&1 | grep -c ' spi 0x')
ktap_check "old keys retired: edge1 holds at most 2 SAs of the group ($sas)" test "$sas" -le 2 -a "$sas" -ge 1
[ "$ktap_failed" = 0 ] || diag_state

# --- 4. revocation mid-stream -----------------------------------------------------
N3=150
e2ok0=$(nlstat "$E2" IN_PKTS_OK)
e2nosa0=$(nlstat "$E2" IN_PKTS_NO_SA)
stream_start $N3 30 s3 1 2
sleep 2
server_conf no no
kill -HUP "$(cat "$T/server.pid")"
stream_wait s3
tick "revocation stream done"
k=$(wc -l <"$T/s3.e2")
e2ok=$(($(nlstat "$E2" IN_PKTS_OK) - e2ok0))
e2nosa=$(($(nlstat "$E2" IN_PKTS_NO_SA) - e2nosa0))
echo "edge2 got $k of $N3; its kernel: ok $e2ok, no-SA $e2nosa" | ktap_diag
ktap_check "revocation: server logged it and rotated at once" \
	eval 'grep -q "member edge2 revoked: removed from the configuration" "$T/server.log" &&
		grep -qE "group tv: rotation [0-9]+ \(revocation\)" "$T/server.log"'
ktap_check "edge1 noticed nothing: all $N3 datagrams byte-exact" same_payloads "$T/s3.p" "$T/s3.e1"
head -n "$k" "$T/s3.p" >"$T/s3.prefix"
ktap_check "edge2 got exactly a prefix ($k of $N3) and counted the rest as no-SA" \
	eval 'test "$k" -gt 0 -a "$k" -lt $N3 -a $e2ok = "$k" -a $e2nosa = $((N3 - k)) &&
		same_payloads "$T/s3.prefix" "$T/s3.e2"'

# --- 5. the server killed mid-rotation ----------------------------------------------
# A configured member that never comes (ghost) holds each rotation in its
# distribute phase for the whole ack-timeout (20 s here): the window to
# kill in.
server_conf no yes
kill -HUP "$(cat "$T/server.pid")"
wait_for 20 grep -q "configuration reloaded: 2 groups, 4 members" "$T/server.log"
N4=200
ok0=$(nlstat "$E1" IN_PKTS_OK)
stream_start $N4 30 s4 1
n0=$(count "$T/server.log" "group tv: rotation [0-9]+ \(scheduled\)")
wait_for 60 eval '[ $(count "$T/server.log" "group tv: rotation [0-9]+ \(scheduled\)") -gt $n0 ]'
sleep 1
grep -E "^group tv " "$T/state" | ktap_diag
phase=$(sed -n 's/^group tv .* phase \([0-9]\) .*/\1/p' "$T/state")
epoch=$(sed -n 's/^key next .* epoch \([0-9]*\) .*/\1/p' "$T/state")
kill -KILL "$(cat "$T/server.pid")"
wait "$(cat "$T/server.pid")" 2>/dev/null
ktap_check "server killed with SIGKILL in the distribute phase of a rotation (epoch $epoch)" \
	test "$phase" = 1 -a -n "$epoch"
sleep 2
ktap_check "members noticed and keep forwarding on their keys" \
	eval 'wait_for 10 grep -q "lost (" "$T/head.log" && wait_for 10 grep -q "lost (" "$T/edge1.log"'
server_start server2
ktap_check "the restarted server resumed and finished the same rotation (epoch $epoch)" \
	eval 'wait_for 60 grep -q "group tv: resuming the rotation to epoch $epoch (distribute)" "$T/server2.log" &&
		wait_for 90 grep -qE "group tv: rotation [0-9]+ done, epoch $((epoch - 1)) spi" "$T/server2.log"'
stream_wait s4
tick "kill stream done"
ktap_check "zero loss through the kill and the resumed rotation: edge1 got all $N4 byte-exact" \
	eval 'same_payloads "$T/s4.p" "$T/s4.e1" && [ $(($(nlstat "$E1" IN_PKTS_OK) - ok0)) = $N4 ]'
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
ktap_check "server and members stop cleanly; the fast path keeps its keys after the member stops" \
	eval '[ $rc = 0 ] && ip netns exec "$E1" "$MCSECCTL" sa show $G port $PORT | grep -q " spi 0x"'
[ "$ktap_failed" = 0 ] || diag_state
ktap_finish
