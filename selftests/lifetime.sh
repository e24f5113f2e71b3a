#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# lifetime.sh: SA lifetimes, sequence exhaustion and required groups in
# mcsec.ko, configured with mcsecctl, events read with `mcsecctl -j monitor`:
#
#   sender --- head-end --- core --- edge --- subscriber
#   s0      h0 [encrypt] h1 c0 c1 e0 [decrypt] e1  r0
#                            ^ capture (sequence numbers on the wire)
#                               ^ c1: cleartext injected towards the edge
#
# Each case has its own group port (ESP: aes128-gcm, esp-tunnel; TS:
# ts-cissa) and asserts exactly: which datagrams reached the subscriber
# (the first N, byte-exact, in order), the counters that moved, and the
# events in order, for:
#   - soft/hard limits in packets and in bytes on the sender (head-end) and
#     in packets on the receiver (edge): SOFT_EXPIRE, then HARD_EXPIRE and
#     the SA removed; past the hard limit nothing more is protected or
#     accepted (counted as no SA);
#   - soft/hard limits in seconds under a stream: both events, the stream
#     delivered exactly while the SA lived;
#   - TS control words with packet limits, scrambler and descrambler;
#   - sequence exhaustion near 2^32 (no ESN) and 2^64 (ESN): the last
#     numbers are used once, then the SA fails closed (counted), emits
#     SEQ_EXHAUSTED once, shows seq 0, and nothing wraps on the wire;
#   - a `required` ESP or TS group at the edge drops cleartext that claims
#     to be it (counted), a group without the flag lets it through.
#
# Run it as: selftests/vm/run.sh -- selftests/lifetime.sh

. "$(dirname "$0")/lib.sh"

T=$LIB_TMP
G=$TOPO_G4
PY=/usr/bin/python3

ktap_require_root
ktap_header 38

if [ ! -x "$MCSECCTL" ] || ! modprobe mcsec || ! topo_setup; then
	echo "# set-up failed (mcsecctl built? module? topology?)"
	while [ "$ktap_n" -lt "$ktap_planned" ]; do ktap_fail "set up"; done
	ktap_finish
fi

ip netns exec "$TOPO_HE" "$MCSECCTL" -j monitor >"$T/he.events" 2>&1 &
ip netns exec "$TOPO_EDGE" "$MCSECCTL" -j monitor >"$T/edge.events" 2>&1 &
sleep 1

# esp_pair PORT SPI "HEAD-END SA WORDS" "EDGE SA WORDS": one ESP group on
# each router with one SA, the same key; extra words (lifetime, seq,
# no-esn) per side
esp_pair() {
	key_file "$T/k$2" 20
	ctl "$TOPO_HE" group add $G port "$1" dir encrypt format esp-tunnel &&
		ctl "$TOPO_EDGE" group add $G port "$1" dir decrypt format esp-tunnel &&
		ctl "$TOPO_EDGE" sa add $G port "$1" spi "$2" suite aes128-gcm key-file "$T/k$2" $4 &&
		ctl "$TOPO_HE" sa add $G port "$1" spi "$2" suite aes128-gcm key-file "$T/k$2" $3
}

# ts_pair PORT "HEAD-END WORDS" "EDGE WORDS": TS CISSA groups, an even word
ts_pair() {
	key_file "$T/ts$1" 16
	ctl "$TOPO_HE" group add $G port "$1" dir encrypt format ts-cissa &&
		ctl "$TOPO_EDGE" group add $G port "$1" dir decrypt format ts-cissa &&
		ctl "$TOPO_EDGE" sa add $G port "$1" parity even key-file "$T/ts$1" $3 &&
		ctl "$TOPO_HE" sa add $G port "$1" parity even key-file "$T/ts$1" $2
}

# deliver NAME PORT FILE: FILE's datagrams from the sender to the group,
# then the end marker on PORT + 1000 (cleartext, no group of ours: routed
# like them, behind them); what the subscriber got in $T/NAME.got (1 s
# after the marker, or 3 s after the last datagram)
deliver() {
	ctl_stats_save "$TOPO_HE" "$T/$1.he"
	ctl_stats_save "$TOPO_EDGE" "$T/$1.edge"
	rm -f "$T/$1.ready"
	ip netns exec "$TOPO_SUB" $MCAST recv-seq r0 $G "$2" "$T/$1.got" \
		--ready "$T/$1.ready" --end --idle 3 --timeout 60 2>/dev/null &
	_p=$!
	wait_for 20 test -e "$T/$1.ready" &&
		mc_send "$TOPO_SND" s0 $G "$2" "$3" --gap 0.02 --end
	wait $_p
}

# got_first NAME FILE K: the subscriber got exactly FILE's first K datagrams
got_first() {
	head -n "$3" "$2" >"$T/$1.want"
	same_payloads "$T/$1.want" "$T/$1.got"
}

# events_are FILE KEY VALUE EVENT[:LIMIT]...: the events about the SA whose
# KEY (spi or parity) is VALUE in the group at port $PORT, in order
events_are() {
	_f=$1 _k=$2 _v=$3
	shift 3
	wait_for 5 $PY -S -c '
import json, sys
f, k, v, port = sys.argv[1:5]
want = sys.argv[5:]
got = []
for line in open(f):
    e = json.loads(line)
    if e.get("port") == int(port) and str(e.get(k)) == v:
        got.append(e["event"] + (":" + e["limit"] if "limit" in e else ""))
sys.exit(0 if got == want else 1)' "$_f" "$_k" "$_v" "$PORT" "$@" && return 0
	echo "events in $_f, wanted $* for $_k $_v port $PORT:" | ktap_diag
	ktap_diag <"$_f"
	return 1
}

# no_sa NS PORT: the group holds no SA any more
no_sa() {
	_v=$(ip netns exec "$1" "$MCSECCTL" -j sa show $G port "$2")
	[ "$_v" = "[]" ] && return 0
	echo "SAs left: $_v" | ktap_diag
	return 1
}

# sa_field NS PORT FIELD: FIELD of the group's only SA
sa_field() {
	ip netns exec "$1" "$MCSECCTL" -j sa show $G port "$2" |
		$PY -S -c "import json,sys; print(json.load(sys.stdin)[0]['$3'])"
}

# 100-byte payloads: 128-byte IPv4 packets (one python for both files)
mc_payloads "$T/p100" 20 lifetime 100 100 + payloads "$T/ts" 8 ts --ts

# --- packets, head-end ---------------------------------------------------------
PORT=5100
ktap_check "packets: head-end SA with soft 5, hard 10 packets" \
	esp_pair $PORT 0x100 "lifetime soft packets 5 hard packets 10" ""
deliver pk $PORT "$T/p100"
ktap_check "packets: of 20 datagrams the subscriber got exactly the first 10" \
	got_first pk "$T/p100" 10
ktap_check "packets: head-end protected 10, refused 10 for want of an SA" \
	ctl_stats_are "$TOPO_HE" --since "$T/pk.he" out-pkts-protected=10 out-pkts-no-sa=10
ktap_check "packets: events soft-expire (packets), then hard-expire (packets)" \
	events_are "$T/he.events" spi 256 soft-expire:packets hard-expire:packets
ktap_check "packets: the hard-expired SA is gone" no_sa "$TOPO_HE" $PORT

# --- bytes, head-end --------------------------------------------------------------
PORT=5101
ktap_check "bytes: head-end SA with soft 512, hard 1024 bytes (128-byte packets)" \
	esp_pair $PORT 0x101 "lifetime soft bytes 512 hard bytes 1024" ""
deliver by $PORT "$T/p100"
ktap_check "bytes: the subscriber got exactly the first 8 datagrams (8 x 128 = 1024)" \
	got_first by "$T/p100" 8
ktap_check "bytes: head-end protected 8, refused 12" \
	ctl_stats_are "$TOPO_HE" --since "$T/by.he" out-pkts-protected=8 out-pkts-no-sa=12
ktap_check "bytes: events soft-expire (bytes), then hard-expire (bytes)" \
	events_are "$T/he.events" spi 257 soft-expire:bytes hard-expire:bytes
ktap_check "bytes: the hard-expired SA is gone" no_sa "$TOPO_HE" $PORT

# --- packets, edge ---------------------------------------------------------------
PORT=5102
ktap_check "receiver: edge SA with soft 3, hard 6 packets" \
	esp_pair $PORT 0x102 "" "lifetime soft packets 3 hard packets 6"
deliver rx $PORT "$T/p100"
ktap_check "receiver: the subscriber got exactly the first 6 datagrams" \
	got_first rx "$T/p100" 6
ktap_check "receiver: edge accepted 6, refused 14 (no SA), no auth failure" \
	ctl_stats_are "$TOPO_EDGE" --since "$T/rx.edge" in-pkts-ok=6 in-pkts-no-sa=14 in-pkts-auth-failed=0
ktap_check "receiver: edge events soft-expire, hard-expire (packets); SA gone" \
	eval 'events_are "$T/edge.events" spi 258 soft-expire:packets hard-expire:packets && no_sa "$TOPO_EDGE" $PORT'

# --- seconds, head-end, under a stream ------------------------------------------------
# The stream starts first, the head-end's SA only once it flows (a loaded
# guest may take longer to start python than the lifetime lasts): what
# arrives is then one contiguous stretch of the stream, the SA's life.
PORT=5103
key_file "$T/k0x103" 20
ktap_check "seconds: ESP groups, the edge's SA; the stream starts before the head-end's" \
	eval 'ctl "$TOPO_HE" group add $G port $PORT dir encrypt format esp-tunnel &&
		ctl "$TOPO_EDGE" group add $G port $PORT dir decrypt format esp-tunnel &&
		ctl "$TOPO_EDGE" sa add $G port $PORT spi 0x103 suite aes128-gcm key-file "$T/k0x103"'
ctl_stats_save "$TOPO_HE" "$T/sec.he"
stream_start sec "$TOPO_SND" s0 "$TOPO_SUB" r0 $G $PORT --gap 0.02 --size 100
ctl "$TOPO_HE" sa add $G port $PORT spi 0x103 suite aes128-gcm key-file "$T/k0x103" \
	lifetime soft seconds 2 hard seconds 4
sleep 8
stream_stop sec >"$T/sec.diag"
got=$(wc -l <"$T/sec.got")
sent=$(wc -l <"$T/sec.sent")
echo "seconds: sent $sent, got $got" | ktap_diag
ktap_check "seconds: the subscriber got one contiguous stretch of the stream, byte-exact" \
	$PY -S -c '
import sys
sent = open(sys.argv[1]).read().split()
got = open(sys.argv[2]).read().split()
ok = 0 < len(got) < len(sent) and any(sent[i:i + len(got)] == got for i in range(len(sent)))
sys.exit(0 if ok else 1)' "$T/sec.sent" "$T/sec.got"
ktap_check "seconds: head-end protected exactly what arrived, refused the rest (before and after)" \
	ctl_stats_are "$TOPO_HE" --since "$T/sec.he" out-pkts-protected=$got out-pkts-no-sa=$((sent - got))
ktap_check "seconds: events soft-expire (seconds), then hard-expire (seconds); SA gone" \
	eval 'events_are "$T/he.events" spi 259 soft-expire:seconds hard-expire:seconds && no_sa "$TOPO_HE" $PORT'

# --- TS, scrambler and descrambler --------------------------------------------------------
PORT=5104
ktap_check "TS scrambler: even word with soft 2, hard 4 datagrams" \
	ts_pair $PORT "lifetime soft packets 2 hard packets 4" ""
deliver tse $PORT "$T/ts"
ktap_check "TS scrambler: the subscriber got exactly the first 4 datagrams, descrambled" \
	got_first tse "$T/ts" 4
ktap_check "TS scrambler: protected 4, refused 4; events soft, hard (packets)" \
	eval 'ctl_stats_are "$TOPO_HE" --since "$T/tse.he" out-pkts-protected=4 out-pkts-no-sa=4 ts-pkts-scrambled=28 &&
		events_are "$T/he.events" parity even soft-expire:packets hard-expire:packets'
PORT=5105
ktap_check "TS descrambler: even word with soft 2, hard 4 datagrams at the edge" \
	ts_pair $PORT "" "lifetime soft packets 2 hard packets 4"
deliver tsd $PORT "$T/ts"
ktap_check "TS descrambler: the subscriber got exactly the first 4 datagrams" \
	got_first tsd "$T/ts" 4
ktap_check "TS descrambler: edge descrambled 4, refused 4 (no key); events soft, hard" \
	eval 'ctl_stats_are "$TOPO_EDGE" --since "$T/tsd.edge" in-pkts-ok=4 in-pkts-no-sa=4 ts-pkts-descrambled=28 &&
		events_are "$T/edge.events" parity even soft-expire:packets hard-expire:packets'

# --- sequence exhaustion ------------------------------------------------------------------
PORT=5106
ktap_check "32-bit sequence: SAs without ESN, the head-end's next number 2^32 - 3" \
	esp_pair $PORT 0x106 "seq 4294967293 no-esn" "no-esn"
cap_start "$TOPO_CORE" c0 "$T/seq32.pcap" esp
deliver s32 $PORT "$T/p100"
cap_stop "$T/seq32.pcap"
ktap_check "32-bit sequence: the subscriber got exactly the first 3 datagrams" \
	got_first s32 "$T/p100" 3
ktap_check "32-bit sequence: protected 3, 17 refused as exhausted, none without SA" \
	ctl_stats_are "$TOPO_HE" --since "$T/s32.he" out-pkts-protected=3 \
	out-pkts-seq-exhausted=17 out-pkts-no-sa=0
# esp_seqs PCAP SPI: the sequence numbers of SPI's packets on the wire
esp_seqs() {
	$PY -S -c '
import sys
sys.path.insert(0, sys.argv[1])
import mcast
lt, frames = mcast.pcap_records(sys.argv[2])
out = []
for fr in frames:
    p = mcast.parse_ip(mcast.ip_of_frame(lt, fr))
    if p and p[1] == 50 and int.from_bytes(p[2][:4], "big") == int(sys.argv[3], 0):
        out.append(str(int.from_bytes(p[2][4:8], "big")))
print(" ".join(out))' "$LIB_DIR" "$1" "$2"
}
s=$(esp_seqs "$T/seq32.pcap" 0x106)
ktap_check "32-bit sequence: on the wire exactly 4294967293 4294967294 4294967295, no wrap" \
	eval '[ "$s" = "4294967293 4294967294 4294967295" ] || { echo "seqs: $s" | ktap_diag; false; }'
ktap_check "32-bit sequence: one seq-exhausted event; the SA stays, showing seq 0" \
	eval 'events_are "$T/he.events" spi 262 seq-exhausted && [ "$(sa_field "$TOPO_HE" $PORT seq)" = 0 ]'

PORT=5107
ktap_check "64-bit sequence: ESN SA, next number 2^64 - 2 (head-end only)" \
	eval 'key_file "$T/k107" 20 &&
		ctl "$TOPO_HE" group add $G port $PORT dir encrypt format esp-tunnel &&
		ctl "$TOPO_HE" sa add $G port $PORT spi 0x107 suite aes128-gcm key-file "$T/k107" seq 18446744073709551614'
cap_start "$TOPO_CORE" c0 "$T/seq64.pcap" esp
head -5 "$T/p100" >"$T/p5"
deliver s64 $PORT "$T/p5"
cap_stop "$T/seq64.pcap"
s=$(esp_seqs "$T/seq64.pcap" 0x107)
ktap_check "64-bit sequence: protected 2, 3 refused as exhausted" \
	ctl_stats_are "$TOPO_HE" --since "$T/s64.he" out-pkts-protected=2 out-pkts-seq-exhausted=3
ktap_check "64-bit sequence: on the wire the low halves of 2^64 - 2 and 2^64 - 1, no wrap" \
	eval '[ "$s" = "4294967294 4294967295" ] || { echo "seqs: $s" | ktap_diag; false; }'
ktap_check "64-bit sequence: one seq-exhausted event; the SA shows seq 0" \
	eval 'events_are "$T/he.events" spi 263 seq-exhausted && [ "$(sa_field "$TOPO_HE" $PORT seq)" = 0 ]'

# --- required groups: cleartext injected on the core's link to the edge -------------------
# inject PORT FILE: FILE's datagrams as cleartext UDP 10.0.1.1 -> G:PORT,
# then the end marker to PORT + 1000, put on the core's c1 (they arrive at
# the edge's e0, where (S,G) routes them)
inject() {
	$MCAST mkpcap "$T/inj$1.pcap" 10.0.1.1 $G "$1" "$2" --end &&
		ip netns exec "$TOPO_CORE" $MCAST replay c1 "$T/inj$1.pcap" >/dev/null
}

# deliver_injected NAME PORT FILE: like deliver, from the core's c1
deliver_injected() {
	ctl_stats_save "$TOPO_EDGE" "$T/$1.edge"
	rm -f "$T/$1.ready"
	ip netns exec "$TOPO_SUB" $MCAST recv-seq r0 $G "$2" "$T/$1.got" \
		--ready "$T/$1.ready" --end --idle 3 --timeout 10 2>/dev/null &
	_p=$!
	wait_for 20 test -e "$T/$1.ready" && inject "$2" "$3"
	wait $_p
}
head -5 "$T/p100" >"$T/c5"
ktap_check "required: ESP decrypt groups on the edge, port 5110 required, 5111 not" \
	eval 'ctl "$TOPO_EDGE" group add $G port 5110 dir decrypt format esp-tunnel required &&
		ctl "$TOPO_EDGE" group add $G port 5111 dir decrypt format esp-tunnel'
deliver_injected rq 5110 "$T/c5"
ktap_check "required: 5 cleartext datagrams to the required ESP group dropped and counted" \
	eval '[ ! -s "$T/rq.got" ] && ctl_stats_are "$TOPO_EDGE" --since "$T/rq.edge" in-pkts-cleartext=5 in-pkts-ok=0'
deliver_injected nrq 5111 "$T/c5"
ktap_check "required: the same cleartext to the group without the flag passes byte-exact" \
	eval 'same_payloads "$T/c5" "$T/nrq.got" && ctl_stats_are "$TOPO_EDGE" --since "$T/nrq.edge" in-pkts-cleartext=0'
head -3 "$T/ts" >"$T/ts3"
ktap_check "required: a TS descramble group with an even word, required" \
	eval 'key_file "$T/ts5112" 16 &&
		ctl "$TOPO_EDGE" group add $G port 5112 dir decrypt format ts-cissa required &&
		ctl "$TOPO_EDGE" sa add $G port 5112 parity even key-file "$T/ts5112"'
deliver_injected rts 5112 "$T/ts3"
ktap_check "required: 3 clear TS datagrams to it dropped and counted as cleartext" \
	eval '[ ! -s "$T/rts.got" ] && ctl_stats_are "$TOPO_EDGE" --since "$T/rts.edge" in-pkts-cleartext=3 in-pkts-ok=0'

ktap_finish
