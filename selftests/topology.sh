#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# topology.sh: the edge-router topology of issue 3, without mcsec yet:
# cleartext multicast and unicast cross it byte-exact, so the kernel
# module's suites can plug protection into head-end and edge and assert on
# the core's capture. topo_setup (lib.sh) builds it:
#
#   sender --- head-end --- core --- edge --- subscriber
#   s0      h0        h1    c0  c1   e0   e1  r0
#   10.0.1.0/24     10.0.2.0/24   10.0.3.0/24   10.0.4.0/24
#   2001:db8:1::/64 2001:db8:2::/64 ...         2001:db8:4::/64
#                           ^ capture point (core's c0)
#
# Head-end, core and edge route multicast with smcrouted (static (*,G)
# routes for 239.1.1.1 and ff3e::1:1, h0 -> h1, c0 -> c1, e0 -> e1) and
# unicast with static routes. Tests:
#   - 20 datagrams to 239.1.1.1 / ff3e::1:1 from the sender reach a socket
#     joined on the subscriber byte-exact, in order, through three routers;
#   - the core's capture holds those 20 datagrams byte-exact (the capture
#     point works, and cap_check flags them as cleartext, which is what
#     the mcsec suites will assert the absence of);
#   - each router's kernel multicast forwarding cache has the (S,G) entry
#     with 20 packets forwarded (ip mroute);
#   - a group without a route stays on the head-end's LAN;
#   - unicast UDP between sender and subscriber, both ways, IPv4 and IPv6.
#
# Run it as: selftests/vm/run.sh -- selftests/topology.sh

. "$(dirname "$0")/lib.sh"

COUNT=20
T=$LIB_TMP

ktap_require_root
ktap_header 16

if ! topo_setup; then
	echo "# topo_setup failed"
	cat "$T"/smcroute.*.log 2>/dev/null | ktap_diag
	while [ "$ktap_n" -lt "$ktap_planned" ]; do
		ktap_fail "topology set up"
	done
	ktap_finish
fi

mc_payloads "$T/p" $COUNT topology 1 1400

# group_reaches FAMILY GROUP: COUNT datagrams from the sender to GROUP
# arrive at the subscriber byte-exact; the core's capture holds them too
group_reaches() {
	cap_start "$TOPO_CORE" c0 "$T/core$1.pcap" udp &&
		mc_recv_send "$TOPO_SUB" r0 "$2" $TOPO_PORT $COUNT "$T/got$1" \
			"$TOPO_SND" s0 "$T/p" --timeout 20 &&
		same_payloads "$T/p" "$T/got$1"
	_r=$?
	cap_stop "$T/core$1.pcap"
	return $_r
}

# core_saw FAMILY GROUP: the core's capture holds the group's datagrams
# byte-exact, and the cleartext check flags them (one python for both: the
# check's failure, its exit 1, is the chain's status)
core_saw() {
	rm -f "$T/core$1.got"
	$MCAST pcap-udp "$T/core$1.pcap" "$2" $TOPO_PORT --out "$T/core$1.got" \
		+ pcap-check "$T/core$1.pcap" "$2" --only-esp --no-payloads "$T/p" >"$T/core$1.check" 2>&1
	_r=$?
	same_payloads "$T/p" "$T/core$1.got" && [ $_r = 1 ] &&
		grep -q 'frames with cleartext [1-9]' "$T/core$1.check"
}

# mfc_forwarded NS FAMILY GROUP IIF OIF: the kernel's (S,G) entry for
# GROUP forwarded COUNT packets from IIF to OIF
mfc_forwarded() {
	_m=$(ip -n "$1" -"$2" -s mroute show 2>&1)
	# "(S,G) Iif: IIF Oifs: OIF State: resolved", then "  N packets, M bytes"
	_e=$(echo "$_m" | awk -v g=",$3)" 'index($1, g) { print; getline; print }')
	echo "$_e" | grep -qE "Iif: $4 +Oifs: $5( |$)" &&
		echo "$_e" | grep -qE "^ *$COUNT packets" && return 0
	echo "$1: $_m" | ktap_diag
	return 1
}

routers_forwarded() {
	mfc_forwarded "$TOPO_HE" "$1" "$2" h0 h1 &&
		mfc_forwarded "$TOPO_CORE" "$1" "$2" c0 c1 &&
		mfc_forwarded "$TOPO_EDGE" "$1" "$2" e0 e1
}

ktap_check "IPv4 multicast: sender to subscriber through three routers, byte-exact" \
	group_reaches 4 $TOPO_G4
ktap_check "IPv4 multicast: the core's capture holds the cleartext datagrams" \
	core_saw 4 $TOPO_G4
ktap_check "IPv4 multicast: (S,G) on head-end, core and edge forwarded $COUNT packets" \
	routers_forwarded 4 $TOPO_G4
ktap_check "IPv6 multicast: sender to subscriber through three routers, byte-exact" \
	group_reaches 6 $TOPO_G6
ktap_check "IPv6 multicast: the core's capture holds the cleartext datagrams" \
	core_saw 6 $TOPO_G6
ktap_check "IPv6 multicast: (S,G) on head-end, core and edge forwarded $COUNT packets" \
	routers_forwarded 6 $TOPO_G6

# unrouted FAMILY GROUP: datagrams to a group without a route reach the
# head-end (a socket joined there receives them) but not the core
unrouted() {
	head -5 "$T/p" >"$T/p5" &&
		cap_start "$TOPO_CORE" c0 "$T/un$1.pcap" udp &&
		mc_recv_send "$TOPO_HE" h0 "$2" $TOPO_PORT 5 "$T/un$1" \
			"$TOPO_SND" s0 "$T/p5" --timeout 10 &&
		same_payloads "$T/p5" "$T/un$1"
	_r=$?
	cap_stop "$T/un$1.pcap"
	[ $_r = 0 ] && [ -z "$(cap_udp "$T/un$1.pcap" "$2" $TOPO_PORT)" ]
}
ktap_check "IPv4 multicast: an unrouted group stays on the sender's LAN" \
	unrouted 4 239.9.9.9
ktap_check "IPv6 multicast: an unrouted group stays on the sender's LAN" \
	unrouted 6 ff3e::9:9

# unicast FROM FROM_IF TO TO_IF DST
unicast() {
	mc_recv_send "$3" "$4" "$5" 6000 $COUNT "$T/uc" "$1" "$2" "$T/p" --timeout 20 &&
		same_payloads "$T/p" "$T/uc"
}
ktap_check "IPv4 unicast: sender to subscriber, byte-exact" \
	unicast "$TOPO_SND" s0 "$TOPO_SUB" r0 10.0.4.2
ktap_check "IPv4 unicast: subscriber to sender, byte-exact" \
	unicast "$TOPO_SUB" r0 "$TOPO_SND" s0 10.0.1.1
ktap_check "IPv6 unicast: sender to subscriber, byte-exact" \
	unicast "$TOPO_SND" s0 "$TOPO_SUB" r0 2001:db8:4::2
ktap_check "IPv6 unicast: subscriber to sender, byte-exact" \
	unicast "$TOPO_SUB" r0 "$TOPO_SND" s0 2001:db8:1::1

# --- with mcsec.ko: head-end encrypts, edge decrypts --------------------------
# Groups and SAs are installed with mcsec_nl.py (pyroute2, written from the
# uapi header); it knows IPv4 ESP tunnel groups with aes128-gcm, any port,
# SAs without MCSEC_SA_F_ESN (32-bit sequence numbers).
NL="/usr/bin/python3 $LIB_DIR/mcsec_nl.py"
SPI=0x7001
KEY=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
SALT=$(od -An -tx1 -N4 /dev/urandom | tr -d ' \n')

mcsec_setup() {
	modprobe mcsec 2>&1 | ktap_diag
	# one pyroute2 process for both namespaces
	$NL netns="$TOPO_HE" add-esp $TOPO_G4 encrypt $SPI $KEY $SALT \
		+ netns="$TOPO_EDGE" add-esp $TOPO_G4 decrypt $SPI $KEY $SALT
}

# the subscriber gets the stream byte-exact while the core records it
mcsec_stream() {
	cap_start "$TOPO_CORE" c0 "$T/esp.pcap" &&
		mc_recv_send "$TOPO_SUB" r0 $TOPO_G4 $TOPO_PORT $COUNT "$T/esp.got" \
			"$TOPO_SND" s0 "$T/p" --timeout 20 &&
		same_payloads "$T/p" "$T/esp.got"
	_r=$?
	cap_stop "$T/esp.pcap"
	return $_r
}

# the core saw ESP only, the payloads nowhere in clear, and mcsec-pcap
# opens what the module sent with the same key
core_esp_only() {
	printf '%s%s\n' $KEY $SALT >"$T/sa.key"
	top=$(cd "$LIB_DIR/.." && pwd -P)
	build=${MCSEC_BUILD:-build}
	case $build in /*) ;; *) build=$top/$build ;; esac
	cap_check "$T/esp.pcap" $TOPO_G4 --only-esp --no-payloads "$T/p" --min $COUNT &&
		"$build/userspace-ctl/mcsec-pcap/mcsec-pcap" --format esp-tunnel --decrypt \
			--group $TOPO_G4 --spi $SPI --key-file "$T/sa.key" --no-esn \
			"$T/esp.pcap" "$T/esp.clear.pcap" 2>"$T/esp.summary" &&
		cap_udp "$T/esp.clear.pcap" $TOPO_G4 $TOPO_PORT >"$T/esp.core" &&
		same_payloads "$T/p" "$T/esp.core" && return 0
	ktap_diag <"$T/esp.summary"
	return 1
}

mcsec_counters() {
	# head-end's counter, then edge's two, from one pyroute2 process
	_c=$($NL netns="$TOPO_HE" stats OUT_PKTS_PROTECTED \
		+ netns="$TOPO_EDGE" stats IN_PKTS_OK,IN_PKTS_AUTH_FAILED 2>&1)
	[ "$_c" = "OUT_PKTS_PROTECTED=$COUNT
IN_PKTS_OK=$COUNT
IN_PKTS_AUTH_FAILED=0" ] && return 0
	printf 'head-end, then edge:\n%s\n' "$_c" | ktap_diag
	return 1
}

if mcsec_setup; then
	ktap_check "mcsec IPv4 ESP tunnel: head-end encrypts, edge decrypts, subscriber byte-exact" \
		mcsec_stream
	ktap_check "mcsec IPv4 ESP tunnel: the core saw only ESP, no payload byte in clear; mcsec-pcap opens it" \
		core_esp_only
	ktap_check "mcsec IPv4 ESP tunnel: head-end protected $COUNT, edge accepted $COUNT, no auth failure" \
		mcsec_counters
	ktap_check "IPv4 unicast with mcsec groups installed: sender to subscriber, byte-exact" \
		unicast "$TOPO_SND" s0 "$TOPO_SUB" r0 10.0.4.2
else
	for _t in 1 2 3 4; do
		ktap_fail "mcsec groups installed on head-end and edge"
	done
fi

ktap_finish
