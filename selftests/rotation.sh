#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# rotation.sh: hitless key rotation in mcsec.ko under continuous traffic,
# driven by mcsecctl as an operator (or mcsecd) would drive it:
#
#   sender --- head-end --- core --- edge --- subscriber
#   s0      h0 [encrypt] h1 c0 c1 e0 [decrypt] e1  r0
#                           ^ capture: ciphertext only, every SPI / parity
#
# ESP (esp-tunnel, aes128-gcm, 64-bit ESN), 20 rotations while a
# sequence-numbered stream flows: the new SA goes to the edge first, then
# to the head-end, `sa set ... spi NEW active` switches the sender, and once
# the packets in flight are through the old SA is removed on both.
# TS (ts-cissa), 20 parity flips: the other parity's control word goes to
# the edge, then to the head-end, and `group set ... parity P` flips the
# scrambler; the word of the parity that is no longer used is replaced in
# the next round.
# Asserted: the subscriber got every datagram exactly once, in order,
# byte-exact; the namespace counters exactly (protected == sent, verified ==
# sent, zero auth failures, zero replays, zero missing SAs); the core saw
# only ciphertext, under all 21 SPIs in order / both parities.
#
# Run it as: selftests/vm/run.sh -- selftests/rotation.sh

. "$(dirname "$0")/lib.sh"

ROTATIONS=20
T=$LIB_TMP
G=$TOPO_G4
EP=5000		# the ESP stream's port
TP=5002		# the TS stream's port
SPI0=4096

ktap_require_root
ktap_header 14

if [ ! -x "$MCSECCTL" ] || ! modprobe mcsec || ! topo_setup; then
	echo "# set-up failed (mcsecctl built? module? topology?)"
	while [ "$ktap_n" -lt "$ktap_planned" ]; do ktap_fail "set up"; done
	ktap_finish
fi

# spis PCAP DST: the SPIs of the ESP packets to DST, in order, each once
# per run of equal SPIs ("4096 4097 ...")
spis() {
	/usr/bin/python3 -S -c '
import sys
sys.path.insert(0, sys.argv[1])
import mcast
lt, frames = mcast.pcap_records(sys.argv[2])
out = []
for fr in frames:
    p = mcast.parse_ip(mcast.ip_of_frame(lt, fr))
    if p and p[0] == sys.argv[3] and p[1] == 50:
        spi = int.from_bytes(p[2][:4], "big")
        if not out or out[-1] != spi:
            out.append(spi)
print(" ".join(map(str, out)))' "$LIB_DIR" "$1" "$2"
}

# ts_parities PCAP DST PORT: the scrambling control of every TS packet in
# the UDP datagrams to DST:PORT, runs collapsed ("even odd even ..."); a
# clear or reserved TS packet shows as "clear" / "reserved"
ts_parities() {
	/usr/bin/python3 -S -c '
import struct, sys
sys.path.insert(0, sys.argv[1])
import mcast
lt, frames = mcast.pcap_records(sys.argv[2])
names = {0: "clear", 1: "reserved", 2: "even", 3: "odd"}
out = []
for fr in frames:
    p = mcast.parse_ip(mcast.ip_of_frame(lt, fr))
    if not p or p[0] != sys.argv[3] or p[1] != 17:
        continue
    if struct.unpack("!H", p[2][2:4])[0] != int(sys.argv[4]):
        continue
    pl = p[2][8:]
    for off in range(0, len(pl) - 187, 188):
        sc = names[pl[off + 3] >> 6]
        if not out or out[-1] != sc:
            out.append(sc)
print(" ".join(out))' "$LIB_DIR" "$1" "$2" "$3"
}

# --- ESP ------------------------------------------------------------------------

esp_setup() {
	key_file "$T/esp$SPI0.key" 20
	ctl "$TOPO_HE" group add $G port $EP dir encrypt format esp-tunnel &&
		ctl "$TOPO_EDGE" group add $G port $EP dir decrypt format esp-tunnel &&
		ctl "$TOPO_EDGE" sa add $G port $EP spi $SPI0 suite aes128-gcm key-file "$T/esp$SPI0.key" &&
		ctl "$TOPO_HE" sa add $G port $EP spi $SPI0 suite aes128-gcm key-file "$T/esp$SPI0.key"
}

# tx_is NS FIELD VALUE GROUP PORT: the group's field in `group show -j`
tx_is() {
	_v=$(ip netns exec "$1" "$MCSECCTL" -j group show "$4" port "$5" |
		/usr/bin/python3 -S -c "import json,sys; print(json.load(sys.stdin)[0].get('$2'))")
	[ "$_v" = "$3" ] && return 0
	echo "$2 is $_v, expected $3" | ktap_diag
	return 1
}

# esp_rotate OLD NEW: edge first, then head-end, switch, drain, remove old
esp_rotate() {
	key_file "$T/esp$2.key" 20
	ctl "$TOPO_EDGE" sa add $G port $EP spi "$2" suite aes128-gcm key-file "$T/esp$2.key" &&
		ctl "$TOPO_HE" sa add $G port $EP spi "$2" suite aes128-gcm key-file "$T/esp$2.key" &&
		sleep 0.2 &&
		ctl "$TOPO_HE" sa set $G port $EP spi "$2" active &&
		sleep 0.3 &&
		ctl "$TOPO_HE" sa del $G port $EP spi "$1" &&
		ctl "$TOPO_EDGE" sa del $G port $EP spi "$1"
}

esp_rotations() {
	_spi=$SPI0
	_i=0
	while [ $_i -lt $ROTATIONS ]; do
		esp_rotate $_spi $((_spi + 1)) || { echo "rotation $_i failed" | ktap_diag; return 1; }
		_spi=$((_spi + 1))
		_i=$((_i + 1))
	done
}

# only_sa NS SPI|PARITY: the group holds exactly this one SA
only_sa() {
	_v=$(ip netns exec "$1" "$MCSECCTL" -j sa show "$2" port "$3" |
		/usr/bin/python3 -S -c "import json,sys; print(' '.join(str(s.get('spi', s.get('parity'))) for s in json.load(sys.stdin)))")
	[ "$_v" = "$4" ] && return 0
	echo "$1: SAs '$_v', expected '$4'" | ktap_diag
	return 1
}

esp_ok=0
esp_setup && esp_ok=1
ktap_check "ESP: groups and the first SA (SPI $SPI0) on head-end and edge" test $esp_ok = 1
cap_start "$TOPO_CORE" c0 "$T/esp.pcap" -B 8192 esp
stream_start esp "$TOPO_SND" s0 "$TOPO_SUB" r0 $G $EP --size 300 --gap 0.01
wait_for 20 test -s "$T/esp.sent"
sleep 1
start=$(date +%s)
ktap_check "ESP: $ROTATIONS rotations under traffic (add on edge, add on head-end, sa set active, del old)" \
	esp_rotations
echo "rotations took $(($(date +%s) - start)) s" | ktap_diag
sleep 1
ktap_check "ESP: the subscriber got every datagram exactly once, in order, byte-exact" \
	stream_stop esp
cap_stop "$T/esp.pcap"
N=$(cat "$T/esp.count")
echo "$N datagrams sent" | ktap_diag
ktap_check "ESP: head-end protected exactly $N, no packet without SA or sequence number" \
	ctl_stats_are "$TOPO_HE" out-pkts-protected=$N out-pkts-no-sa=0 out-pkts-seq-exhausted=0
ktap_check "ESP: edge verified exactly $N; 0 auth failures, replays, late, unknown SPI" \
	ctl_stats_are "$TOPO_EDGE" in-pkts-ok=$N in-pkts-auth-failed=0 in-pkts-replayed=0 \
	in-pkts-late=0 in-pkts-no-sa=0 in-pkts-malformed=0 in-pkts-truncated=0
want=$(seq $SPI0 $((SPI0 + ROTATIONS)) | tr '\n' ' ' | sed 's/ $//')
got=$(spis "$T/esp.pcap" $G)
ktap_check "ESP: the core saw all $((ROTATIONS + 1)) SPIs, in order, each once" \
	eval '[ "$got" = "$want" ] || { echo "SPIs on the wire: $got" | ktap_diag; false; }'
ktap_check "ESP: the core saw only ESP to the group, no payload in clear" \
	cap_check "$T/esp.pcap" $G --only-esp --no-payloads "$T/esp.sent" --min "$N"
ktap_check "ESP: only the last SA is left on both, and it is the sender's" \
	eval 'only_sa "$TOPO_HE" $G $EP $((SPI0 + ROTATIONS)) && only_sa "$TOPO_EDGE" $G $EP $((SPI0 + ROTATIONS)) &&
		tx_is "$TOPO_HE" tx-spi $((SPI0 + ROTATIONS)) $G $EP'
ctl "$TOPO_HE" flush
ctl "$TOPO_EDGE" flush

# --- TS ---------------------------------------------------------------------------

other() { [ "$1" = even ] && echo odd || echo even; }

ts_setup() {
	key_file "$T/ts0.key" 16
	ctl "$TOPO_HE" group add $G port $TP dir encrypt format ts-cissa &&
		ctl "$TOPO_EDGE" group add $G port $TP dir decrypt format ts-cissa &&
		ctl "$TOPO_EDGE" sa add $G port $TP parity even key-file "$T/ts0.key" &&
		ctl "$TOPO_HE" sa add $G port $TP parity even key-file "$T/ts0.key" &&
		ctl "$TOPO_HE" group set $G port $TP parity even
}

# ts_flip ROUND NEWPARITY: the new parity's control word replaces the one of
# two rounds ago, edge first; then the scrambler flips
ts_flip() {
	key_file "$T/ts$1.key" 16
	if [ "$1" -gt 1 ]; then
		ctl "$TOPO_EDGE" sa del $G port $TP parity "$2" &&
			ctl "$TOPO_HE" sa del $G port $TP parity "$2" || return 1
	fi
	ctl "$TOPO_EDGE" sa add $G port $TP parity "$2" key-file "$T/ts$1.key" &&
		ctl "$TOPO_HE" sa add $G port $TP parity "$2" key-file "$T/ts$1.key" &&
		sleep 0.2 &&
		ctl "$TOPO_HE" group set $G port $TP parity "$2" &&
		sleep 0.3
}

ts_flips() {
	_p=even
	_i=1
	while [ $_i -le $ROTATIONS ]; do
		_p=$(other $_p)
		ts_flip $_i $_p || { echo "flip $_i failed" | ktap_diag; return 1; }
		_i=$((_i + 1))
	done
	tx_is "$TOPO_HE" tx-parity $_p $G $TP
}

ts_ok=0
ts_setup && ts_ok=1
ktap_check "TS: CISSA groups, the even control word on head-end and edge" test $ts_ok = 1
cap_start "$TOPO_CORE" c0 "$T/ts.pcap" -B 8192 udp port $TP
ctl_stats_save "$TOPO_HE" "$T/he.base"
ctl_stats_save "$TOPO_EDGE" "$T/edge.base"
stream_start ts "$TOPO_SND" s0 "$TOPO_SUB" r0 $G $TP --ts --gap 0.01
wait_for 20 test -s "$T/ts.sent"
sleep 1
ktap_check "TS: $ROTATIONS parity flips under traffic (word to edge, to head-end, group set parity)" \
	ts_flips
sleep 1
ktap_check "TS: the subscriber got every datagram exactly once, in order, byte-exact" \
	stream_stop ts
cap_stop "$T/ts.pcap"
N=$(cat "$T/ts.count")
echo "$N datagrams (of 7 TS packets) sent" | ktap_diag
ktap_check "TS: head-end scrambled exactly $N datagrams, $((7 * N)) TS packets" \
	ctl_stats_are "$TOPO_HE" --since "$T/he.base" out-pkts-protected=$N ts-pkts-scrambled=$((7 * N)) \
	out-pkts-no-sa=0 ts-pkts-clear=0
ktap_check "TS: edge descrambled exactly $N datagrams, $((7 * N)) TS packets, none without key" \
	ctl_stats_are "$TOPO_EDGE" --since "$T/edge.base" in-pkts-ok=$N ts-pkts-descrambled=$((7 * N)) \
	in-pkts-no-sa=0 in-pkts-malformed=0 ts-pkts-clear=0
want="even"
_p=even
for _i in $(seq $ROTATIONS); do _p=$(other $_p); want="$want $_p"; done
got=$(ts_parities "$T/ts.pcap" $G $TP)
ktap_check "TS: the core saw only scrambled TS packets, parity flipping $ROTATIONS times, no payload in clear" \
	eval '[ "$got" = "$want" ] && cap_check "$T/ts.pcap" $G --no-payloads "$T/ts.sent" --min "$N" ||
		{ echo "parities on the wire: $got" | ktap_diag; false; }'
ctl "$TOPO_HE" flush
ctl "$TOPO_EDGE" flush

ktap_finish
