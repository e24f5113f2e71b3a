#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# attacks.sh: what an attacker on the core can put in front of the edge,
# and that none of it disturbs anything else:
#
#   sender --- head-end --- core --- edge --- subscriber
#   s0      h0 [encrypt] h1 c0 c1 e0 [decrypt] e1  r0
#                              ^ c1: capture, tcpreplay of captures and of
#                                    forged ESP (selftests/esp_forge.py,
#                                    python3-cryptography's AES-GCM)
#
# Two ESP groups (aes128-gcm, tunnel, 32-bit sequence numbers): A at port
# 5200 is attacked, B at port 5201 carries a sequence-numbered stream all
# along, which must arrive exactly once, in order, byte-exact. On A:
#   - 20 datagrams captured on c1 and tcpreplayed: in-pkts-replayed == 20;
#   - flipped ciphertext bit, flipped ICV bit, changed sequence number,
#     a wrong key, random bytes behind the right SPI: in-pkts-auth-failed,
#     exactly one per packet; headers cut short: in-pkts-truncated; an
#     unknown SPI: in-pkts-no-sa (a TS group of the same address at the
#     edge does not take it);
#   - none of it reaches the subscriber; A's SA still takes the head-end's
#     next 20 datagrams, and forged-but-valid packets prove the forger
#     right; no other counter moves (exact deltas, SA and namespace);
#   - unrelated unicast (both ways) and IPv6 multicast cross byte-exact.
#
# Run it as: selftests/vm/run.sh -- selftests/attacks.sh

. "$(dirname "$0")/lib.sh"

T=$LIB_TMP
G=$TOPO_G4
A=5200 B=5201
SPI_A=0x200 SPI_B=0x201
PY=/usr/bin/python3
FORGE="$PY $LIB_DIR/esp_forge.py"
N=5		# packets per kind of junk

ktap_require_root
ktap_header 22

if [ ! -x "$MCSECCTL" ] || ! modprobe mcsec || ! topo_setup; then
	echo "# set-up failed (mcsecctl built? module? topology?)"
	while [ "$ktap_n" -lt "$ktap_planned" ]; do ktap_fail "set up"; done
	ktap_finish
fi

# esp_pair PORT SPI: groups and one SA, no ESN, on head-end and edge
esp_pair() {
	key_file "$T/k$1" 20
	ctl "$TOPO_HE" group add $G port "$1" dir encrypt format esp-tunnel &&
		ctl "$TOPO_EDGE" group add $G port "$1" dir decrypt format esp-tunnel &&
		ctl "$TOPO_EDGE" sa add $G port "$1" spi "$2" suite aes128-gcm key-file "$T/k$1" no-esn &&
		ctl "$TOPO_HE" sa add $G port "$1" spi "$2" suite aes128-gcm key-file "$T/k$1" no-esn
}

# listen NAME PORT: the subscriber records the group's PORT in $T/NAME.got
# until 1 s after the end marker to PORT + 1000 (mcast.py send --end:
# cleartext, no group's, routed behind what was sent before it), or 10 s
# without a datagram
listen() {
	rm -f "$T/$1.ready"
	ip netns exec "$TOPO_SUB" $MCAST recv-seq r0 $G "$2" "$T/$1.got" \
		--ready "$T/$1.ready" --end --idle 10 --timeout 300 2>/dev/null &
	echo $! >"$T/$1.pid"
	wait_for 20 test -e "$T/$1.ready"
}

heard() {
	wait "$(cat "$T/$1.pid")"
}

# sa_stats_are NS PORT SPI --since FILE NAME=VALUE...: one SA's counters
sa_stats_save() {
	ip netns exec "$1" "$MCSECCTL" -j -s sa show $G port "$2" >"$3"
}
sa_stats_are() {
	_ns=$1 _port=$2 _spi=$(($3)) _base=$5
	shift 5
	ip netns exec "$_ns" "$MCSECCTL" -j -s sa show $G port "$_port" | $PY -S -c '
import json, sys
spi = int(sys.argv[1])
now = [s for s in json.load(sys.stdin) if s["spi"] == spi][0]["stats"]
base = [s for s in json.load(open(sys.argv[2])) if s["spi"] == spi][0]["stats"]
bad = ["%s moved %d, expected %s" % (k, now[k] - base[k], v)
       for k, v in (a.split("=") for a in sys.argv[3:]) if now[k] - base[k] != int(v)]
moved = sorted(k for k in now if now[k] != base[k] and k not in
               [a.split("=")[0] for a in sys.argv[3:]])
bad += ["%s moved %d, expected 0" % (k, now[k] - base[k]) for k in moved]
for b in bad:
    print("# " + b)
sys.exit(1 if bad else 0)' "$_spi" "$_base" "$@"
}

# The edge's TS decrypt group on the same address, added last, must not
# claim ESP: A's unknown SPIs still count as A's in-pkts-no-sa.
ktap_check "groups A (port $A, SPI $SPI_A) and B (port $B, SPI $SPI_B) on head-end and edge, a TS group of the address at the edge" \
	eval 'esp_pair $A $SPI_A && esp_pair $B $SPI_B &&
		ctl "$TOPO_EDGE" group add $G port 5202 dir decrypt format ts-cissa'
# every payload file of the suite from one python
mc_payloads "$T/p" 20 attacks 64 600 + payloads "$T/p2" 20 attacks2 64 600 \
	+ payloads "$T/u" 20 unrelated 1 1400

# --- a capture of A's traffic on the core --------------------------------------------
cap_start "$TOPO_CORE" c1 "$T/a.pcap" esp
listen a1 $A
mc_send "$TOPO_SND" s0 $G $A "$T/p" --gap 0.02 --end
heard a1
cap_stop "$T/a.pcap"
ktap_check "A: 20 datagrams through head-end and edge, byte-exact, captured on c1" \
	eval 'same_payloads "$T/p" "$T/a1.got" && cap_check "$T/a.pcap" $G --only-esp --min 20'

# --- the attacks, while B streams ------------------------------------------------
ctl_stats_save "$TOPO_EDGE" "$T/edge.base"
ctl_stats_save "$TOPO_HE" "$T/he.base"
sa_stats_save "$TOPO_EDGE" $A "$T/sa_a.base"
sa_stats_save "$TOPO_EDGE" $B "$T/sa_b.base"
listen a2 $A
stream_start b "$TOPO_SND" s0 "$TOPO_SUB" r0 $G $B --gap 0.01 --size 400
wait_for 20 test -s "$T/b.sent"

KEY=$(cut -c1-32 "$T/k$A")
SALT=$(cut -c33-40 "$T/k$A")
head -n $N "$T/p" >"$T/pn"
# every kind of forgery at once, with its first sequence number
ktap_check "forged with python3-cryptography: $N packets of each of 8 kinds" \
	$FORGE "$T" $SPI_A "$KEY" "$SALT" "$T/pn" --port $A bad-ct:1000 bad-icv:1100 \
	bad-seq:1200 wrong-key:1300 garbage:1400 truncated:1500 no-sa:1600 valid:100000
# put KIND: $T/KIND.pcap tcpreplayed onto c1
put() {
	ip netns exec "$TOPO_CORE" tcpreplay -q -i c1 "$T/$1.pcap" >"$T/$1.log" 2>&1 ||
		{ ktap_diag <"$T/$1.log"; return 1; }
}
ktap_check "tcpreplay: the 20 captured packets of A put on c1 again" \
	eval 'ip netns exec "$TOPO_CORE" tcpreplay -q -i c1 "$T/a.pcap" >"$T/replay.log" 2>&1 || { ktap_diag <"$T/replay.log"; false; }'
ktap_check "forged: $N with a flipped ciphertext bit" put bad-ct
ktap_check "forged: $N with a flipped ICV bit" put bad-icv
ktap_check "forged: $N with the sequence number changed after sealing" put bad-seq
ktap_check "forged: $N sealed under a wrong key" put wrong-key
ktap_check "forged: $N random bodies behind the right SPI" put garbage
ktap_check "forged: $N cut to 4, 8, 16, 24, 33 bytes of ESP" put truncated
ktap_check "forged: $N with unknown SPIs" put no-sa
sleep 1
ktap_check "edge: in-pkts-replayed == 20, auth-failed == $((5 * N)), truncated == $N, no-sa == $N" \
	eval 'ctl_stats_are "$TOPO_EDGE" --since "$T/edge.base" in-pkts-replayed=20 \
		in-pkts-auth-failed=$((5 * N)) in-pkts-truncated=$N in-pkts-no-sa=$N \
		in-pkts-late=0 in-pkts-malformed=0 in-pkts-bad-padding=0 in-pkts-bad-next-header=0 in-pkts-cleartext=0'
ktap_check "edge: SA A counted exactly the replays, auth failures and truncations, nothing else" \
	sa_stats_are "$TOPO_EDGE" $A $SPI_A --since "$T/sa_a.base" in-pkts-replayed=20 \
	in-pkts-auth-failed=$((5 * N)) in-pkts-truncated=$N

# A keeps working: the head-end's next 20, then forged-but-valid ones
mc_send "$TOPO_SND" s0 $G $A "$T/p2" --gap 0.02
ktap_check "forged: $N valid packets (python3-cryptography, the same key), fresh numbers" \
	put valid
# the end marker alone, from the sender: behind everything on c1
mc_send "$TOPO_SND" s0 $G $A /dev/null --end
heard a2
cat "$T/p2" "$T/pn" >"$T/a2.want"
ktap_check "A: the subscriber got only the head-end's next 20 and the $N valid forgeries, no junk" \
	same_payloads "$T/a2.want" "$T/a2.got"
sleep 1
ktap_check "B: the subscriber got every datagram of the stream exactly once, in order, byte-exact" \
	stream_stop b
NB=$(cat "$T/b.count")
echo "B: $NB datagrams" | ktap_diag
ktap_check "edge: in-pkts-ok moved by exactly B's $NB + A's 20 + $N" \
	ctl_stats_are "$TOPO_EDGE" --since "$T/edge.base" in-pkts-ok=$((NB + 20 + N))
ktap_check "head-end: protected exactly B's $NB + A's 20, nothing refused" \
	ctl_stats_are "$TOPO_HE" --since "$T/he.base" out-pkts-protected=$((NB + 20)) out-pkts-no-sa=0
ktap_check "edge: SA B verified exactly its $NB, no other counter of it moved" \
	sa_stats_are "$TOPO_EDGE" $B $SPI_B --since "$T/sa_b.base" in-pkts-ok=$NB in-octets-ok=$(( ($(wc -c <"$T/b.sent") - NB) / 2 + 28 * NB ))

# unrelated traffic: unicast both ways, IPv6 multicast (no mcsec group)
# unicast FROM FROM_IF TO TO_IF DST: FILE's datagrams to DST:6000, byte-exact
unicast() {
	mc_recv_send "$3" "$4" "$5" 6000 20 "$T/uc" "$1" "$2" "$T/u" --timeout 60 &&
		same_payloads "$T/u" "$T/uc" && return 0
	ip netns exec "$1" ping -c 1 -W 2 "$5" 2>&1 | ktap_diag
	ip -n "$1" route 2>&1 | ktap_diag
	return 1
}
ktap_check "unrelated IPv4 unicast, sender to subscriber, byte-exact" \
	unicast "$TOPO_SND" s0 "$TOPO_SUB" r0 10.0.4.2
ktap_check "unrelated IPv4 unicast, subscriber to sender, byte-exact" \
	unicast "$TOPO_SUB" r0 "$TOPO_SND" s0 10.0.1.1
ktap_check "unrelated IPv6 multicast $TOPO_G6 through both routers, byte-exact" \
	eval 'mc_recv_send "$TOPO_SUB" r0 $TOPO_G6 $TOPO_PORT 20 "$T/g6" "$TOPO_SND" s0 "$T/u" --timeout 60 &&
		same_payloads "$T/u" "$T/g6"'

ktap_finish
