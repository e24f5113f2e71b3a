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
ktap_header 12

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
		mc_recv_start "$TOPO_SUB" r0 "$2" $TOPO_PORT $COUNT "$T/got$1" --timeout 20 &&
		mc_send "$TOPO_SND" s0 "$2" $TOPO_PORT "$T/p" &&
		mc_recv_wait "$T/got$1" &&
		same_payloads "$T/p" "$T/got$1"
	_r=$?
	cap_stop "$T/core$1.pcap"
	return $_r
}

# core_saw FAMILY GROUP: the core's capture holds the group's datagrams
# byte-exact, and the cleartext check flags them
core_saw() {
	cap_udp "$T/core$1.pcap" "$2" $TOPO_PORT >"$T/core$1.got" &&
		same_payloads "$T/p" "$T/core$1.got" &&
		! cap_check "$T/core$1.pcap" "$2" --only-esp --no-payloads "$T/p" >/dev/null
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
	cap_start "$TOPO_CORE" c0 "$T/un$1.pcap" udp &&
		mc_recv_start "$TOPO_HE" h0 "$2" $TOPO_PORT 5 "$T/un$1" --timeout 10 &&
		head -5 "$T/p" >"$T/p5" &&
		mc_send "$TOPO_SND" s0 "$2" $TOPO_PORT "$T/p5" &&
		mc_recv_wait "$T/un$1" && same_payloads "$T/p5" "$T/un$1"
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
	mc_recv_start "$3" "$4" "$5" 6000 $COUNT "$T/uc" --timeout 20 &&
		mc_send "$1" "$2" "$5" 6000 "$T/p" &&
		mc_recv_wait "$T/uc" && same_payloads "$T/p" "$T/uc"
}
ktap_check "IPv4 unicast: sender to subscriber, byte-exact" \
	unicast "$TOPO_SND" s0 "$TOPO_SUB" r0 10.0.4.2
ktap_check "IPv4 unicast: subscriber to sender, byte-exact" \
	unicast "$TOPO_SUB" r0 "$TOPO_SND" s0 10.0.1.1
ktap_check "IPv6 unicast: sender to subscriber, byte-exact" \
	unicast "$TOPO_SND" s0 "$TOPO_SUB" r0 2001:db8:4::2
ktap_check "IPv6 unicast: subscriber to sender, byte-exact" \
	unicast "$TOPO_SUB" r0 "$TOPO_SND" s0 2001:db8:1::1

ktap_finish
