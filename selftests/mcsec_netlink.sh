#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mcsec_netlink.sh: the generic netlink API of mcsec.ko, driven by an
# independent client (selftests/mcsec_nl.py on pyroute2, not libmcsec).
#
#   - groups and SAs added, read, dumped, rotated, deleted and flushed;
#     replies carry the group ID; dumps never carry a key or a salt;
#   - exact key and salt lengths, suite per format, multicast group
#     addresses, unknown attributes and flag bits: refused, with the extack
#     text asserted where the handler writes one;
#   - an unprivileged caller (uid 65534, no capabilities) is refused EPERM;
#   - 10,000 groups added in batches, dumped, flushed;
#   - a namespace deleted and the module removed with groups installed;
#   - the data path, ESP tunnel over IPv4: namespaces snd and rcv joined by
#     a veth pair; snd's group encrypts at LOCAL_OUT what its multicast
#     sender writes, rcv's group decrypts at PRE_ROUTING; tcpdump on rcv's
#     end of the wire must see ESP only, and the receiving socket every
#     payload byte-exact (selftests/mcsec_mcast.py); an independent AES-GCM
#     (python3-cryptography) decrypts the captured ESP; the counters agree.
#
# Needs root and a kernel that can load mcsec.ko:
#   selftests/vm/run.sh -- selftests/mcsec_netlink.sh
# Output is KTAP; exits 0 only if every test passed (4 = skipped).

API_TESTS=34
OTHER_TESTS=9
KSFT_SKIP=4
PY=/usr/bin/python3
HELPER=$(dirname "$0")/mcsec_nl.py
NS=mcsec-nl-$$
SND=mcsec-snd-$$
RCV=mcsec-rcv-$$
MCAST=$(dirname "$0")/mcsec_mcast.py
WORK=$(mktemp -d /tmp/mcsec-nl.XXXXXX)

failed=0
n=$API_TESTS

ok() {
	n=$((n + 1))
	echo "ok $n $*"
}

not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n $*"
}

diag() {
	sed 's/^/# /'
}

# check DESC CMD...: one test, passing when CMD succeeds; its output is
# shown as diagnostics either way.
check() {
	desc=$1
	shift
	out=$("$@" 2>&1)
	rc=$?
	[ -n "$out" ] && echo "$out" | diag
	if [ $rc -eq 0 ]; then
		ok "$desc"
	else
		not_ok "$desc"
	fi
}

cleanup() {
	[ -n "$TCPDUMP" ] && kill "$TCPDUMP" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	ip netns del "$SND" 2>/dev/null
	ip netns del "$RCV" 2>/dev/null
	rm -rf "$WORK"
	[ -d /sys/module/mcsec ] && modprobe -r mcsec 2>/dev/null
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

echo "TAP version 13"
echo "1..$((API_TESTS + OTHER_TESTS))"

if ! modprobe mcsec; then
	echo "# cannot load mcsec.ko"
	exit $KSFT_SKIP
fi

# The API cases print their own KTAP lines, numbered 1..API_TESTS.
$PY "$HELPER" api 1
api_rc=$?

check "an unprivileged caller is refused EPERM for every command" \
	setpriv --reuid=65534 --regid=65534 --clear-groups \
	--inh-caps=-all --bounding-set=-all $PY "$HELPER" unpriv

check "10000 groups added, dumped and flushed" $PY "$HELPER" bulk 10000

netns_with_groups() {
	ip netns add "$NS" || return 1
	ip netns exec "$NS" $PY "$HELPER" add-esp 239.5.5.5 encrypt 0x10 \
		00112233445566778899aabbccddeeff 01020304 \
		+ add-esp 239.5.5.6 decrypt 0x11 \
		00112233445566778899aabbccddeeff 01020304 || return 1
	ip netns del "$NS"
}
check "a namespace with groups and SAs is deleted" netns_with_groups

rmmod_with_groups() {
	$PY "$HELPER" add-esp 239.6.6.6 encrypt 0x20 \
		00112233445566778899aabbccddeeff 01020304 || return 1
	modprobe -r mcsec || return 1
	! genl ctrl list 2>&1 | grep -qE 'Name: mcsec( |$)'
}
check "the module is removed with groups installed" rmmod_with_groups

# The data path. Same key, salt and SPI on both sides.
KEY=000102030405060708090a0b0c0d0e0f
SALT=a0a1a2a3
GRP=239.1.2.3
PORT=5001
COUNT=50

topology() {
	modprobe mcsec || return 1
	ip netns add "$SND" && ip netns add "$RCV" || return 1
	ip link add va netns "$SND" type veth peer name vb netns "$RCV" ||
		return 1
	ip -n "$SND" addr add 10.99.0.1/24 dev va &&
	ip -n "$RCV" addr add 10.99.0.2/24 dev vb &&
	ip -n "$SND" link set lo up && ip -n "$RCV" link set lo up &&
	ip -n "$SND" link set va up && ip -n "$RCV" link set vb up &&
	ip -n "$SND" route add 239.0.0.0/8 dev va || return 1
	# one pyroute2 process for both namespaces
	$PY "$HELPER" netns="$SND" add-esp $GRP encrypt 0x1234 $KEY $SALT \
		+ netns="$RCV" add-esp $GRP decrypt 0x1234 $KEY $SALT
}
check "data path: two namespaces, ESP tunnel groups on both ends" topology

transfer() {
	ip netns exec "$RCV" tcpdump -n -i vb -w "$WORK/wire.pcap" -U \
		>"$WORK/tcpdump.log" 2>&1 &
	TCPDUMP=$!
	ip netns exec "$RCV" $PY "$MCAST" recv $GRP $PORT $COUNT 10.99.0.2 \
		60 >"$WORK/recv.log" 2>&1 &
	rcv=$!
	# Both ends must be listening before the first datagram leaves.
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		grep -q joined "$WORK/recv.log" &&
			grep -q listening "$WORK/tcpdump.log" && break
		sleep 1
	done
	ip netns exec "$SND" $PY "$MCAST" send $GRP $PORT $COUNT
	wait $rcv
	rc=$?
	sleep 1
	kill "$TCPDUMP"
	wait "$TCPDUMP" 2>/dev/null
	TCPDUMP=
	cat "$WORK/recv.log"
	return $rc
}
check "data path: $COUNT datagrams arrive byte-exact at the receiving socket" \
	transfer

wire_esp_only() {
	esp=$(tcpdump -n -r "$WORK/wire.pcap" "esp and dst $GRP" 2>/dev/null |
		wc -l)
	udp=$(tcpdump -n -r "$WORK/wire.pcap" "udp and dst $GRP" 2>/dev/null |
		wc -l)
	echo "on the wire: $esp ESP, $udp UDP to $GRP"
	[ "$esp" -eq $COUNT ] && [ "$udp" -eq 0 ]
}
check "data path: the wire carries $COUNT ESP packets and no cleartext UDP" \
	wire_esp_only

check "data path: the ESP on the wire is RFC 4106 (decrypted by python3-cryptography)" \
	$PY "$MCAST" verify-esp "$WORK/wire.pcap" $KEY $SALT $COUNT

counters() {
	# the sender's counter, then the receiver's two: one pyroute2 process
	c=$($PY "$HELPER" netns="$SND" stats OUT_PKTS_PROTECTED \
		+ netns="$RCV" stats IN_PKTS_OK,IN_PKTS_AUTH_FAILED) || return 1
	echo "sender, then receiver: $c" | tr '\n' ' '
	echo
	[ "$(echo "$c" | tr '\n' ' ')" = "OUT_PKTS_PROTECTED=$COUNT IN_PKTS_OK=$COUNT IN_PKTS_AUTH_FAILED=0 " ]
}
check "data path: counters say $COUNT protected, $COUNT verified, 0 failed" \
	counters

[ $api_rc -eq 0 ] && [ $failed -eq 0 ] && {
	echo "# all passed"
	exit 0
}
echo "# some tests failed"
exit 1
