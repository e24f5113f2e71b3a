#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# datapath.sh: mcsec.ko's data path for every format and suite, IPv4 and
# IPv6, in issue 3's topology, configured with mcsecctl (the operator's
# CLI), checked against implementations nobody here wrote.
#
#   sender --- head-end --- core --- edge --- subscriber
#   s0      h0        h1    c0  c1   e0   e1  r0
#           ^ mcsec encrypt  ^ capture  ^ mcsec decrypt (required)
#             (PRE_ROUTING)               (PRE_ROUTING)
#   10.0.1.0/24     10.0.2.0/24   10.0.3.0/24   10.0.4.0/24
#   2001:db8:1::/64 2001:db8:2::/64 ...         2001:db8:4::/64
#
# smcrouted routes (S,G) 239.1.1.1 and ff3e::1:1 on all three routers
# (topo_setup in lib.sh). Each case is a group on its own UDP port on the
# head-end (dir encrypt) and the edge (dir decrypt, required), all 20 of
# them installed by `mcsecctl setconf` (one configuration file per router,
# key files beside it) and read back by `mcsecctl -j -s group show`; the
# sender sends each case's 20 datagrams, one case after the other, to a
# subscriber that listens on every port at once:
#   ESP: esp-tunnel and esp-transport x aes128-gcm, aes256-gcm,
#        aes128-gmac, chacha20-poly1305 x IPv4, IPv6 (16 cases; ESN on in
#        half of them), payloads of 1..1300 random bytes;
#   TS:  ts-cissa and ts-idsa x IPv4, IPv6 (4 cases): the IPTV-like stream
#        of scripts/mkstream.py's datagram() (RTP, 7 TS packets per
#        datagram: PAT, PMT, video with PCR, audio, null), scrambled with
#        a PID list (256,257) over IPv4 and the default selection over
#        IPv6, even and odd keys.
# Per case (3 tests):
#   - the subscriber receives the 20 datagrams byte-exact, in order (its
#     kernel verified every UDP checksum the routers rewrote);
#   - the core's capture (tcpdump on c0, the whole run) is opened by an
#     independent implementation: scapy's ESP (AES-GCM, ChaCha20-Poly1305),
#     RFC 4543 on python3-cryptography (AES-GMAC: scapy 2.5 has none), the
#     TS standards' rules on python3-cryptography; ESP cases have nothing of
#     theirs in clear (selftests/datapath_check.py);
#   - the case's group's counters (mcsecctl -j -s group show) on head-end
#     and edge: every counter exact (packets, octets, TS tallies, all drops 0).
# Packet sockets on h0 and e0 hold every frame unread for the whole run,
# so the skbs the hooks rewrite in place are clones: h0's copies must stay
# the cleartext as sent, e0's the ciphertext the core saw (2 tests).
# Then: unicast crosses untouched with all 40 groups installed; mcsecctl
# flush leaves no group on either router.
#
# Run it as: selftests/vm/run.sh -- selftests/datapath.sh
# MCSEC_BUILD (default build/ at the top of the tree) holds mcsecctl.

. "$(dirname "$0")/lib.sh"

top=$(cd "$(dirname "$0")/.." && pwd -P)
MCSEC_BUILD=${MCSEC_BUILD:-build}
case $MCSEC_BUILD in /*) ;; *) MCSEC_BUILD=$top/$MCSEC_BUILD ;; esac
CTL=$MCSEC_BUILD/userspace-ctl/mcsecctl/mcsecctl
CHECK="/usr/bin/python3 $LIB_DIR/datapath_check.py"

COUNT=20
T=$LIB_TMP
N_ESP=16
N_TS=4

# phase WHAT: a diagnostic with the guest's uptime, to see where time goes
phase() {
	echo "# $(cut -d' ' -f1 /proc/uptime) s: $*"
}

ktap_require_root
ktap_header $(((N_ESP + N_TS) * 3 + 4))

bail() {
	echo "# $*"
	cat "$T"/smcroute.*.log 2>/dev/null | ktap_diag
	while [ "$ktap_n" -lt "$ktap_planned" ]; do
		ktap_fail "$*"
	done
	ktap_finish
}

[ -x "$CTL" ] || bail "no mcsecctl at $CTL (set MCSEC_BUILD)"
modprobe mcsec || bail "cannot load mcsec.ko"
phase "topology"
topo_setup || bail "topo_setup failed"

# ctl NS ARGS...: mcsecctl in a router's namespace (nsenter: cheaper
# than ip netns exec under TCG), errors as diagnostics
ctl() {
	_ns=$1
	shift
	nsenter --net="/run/netns/$_ns" "$CTL" "$@"
}

phase "plan: payloads, the TS stream, keys, configurations"
# one process writes every case's files (each exec costs seconds in TCG)
case_n=$($CHECK plan "$T" $COUNT $TOPO_G4 $TOPO_G6 "$top" 2>"$T/plan.err")
ktap_diag <"$T/plan.err"
[ "$case_n" = $((N_ESP + N_TS)) ] || bail "datapath_check.py plan failed"

configured() {
	ctl "$TOPO_HE" setconf "$T/he.conf" 2>&1 | ktap_diag
	ctl "$TOPO_EDGE" setconf "$T/edge.conf" 2>&1 | ktap_diag
	[ "$(ctl "$TOPO_HE" group show | wc -l)" = $((N_ESP + N_TS)) ] &&
		[ "$(ctl "$TOPO_EDGE" group show | wc -l)" = $((N_ESP + N_TS)) ]
}
phase "setconf"
configured || bail "mcsecctl setconf did not install the $((N_ESP + N_TS)) groups"

cap_start "$TOPO_CORE" c0 "$T/core.pcap" || bail "no capture on the core"
# packet sockets that keep every frame unread: the hooks see clones
sniff_start "$TOPO_HE" h0 "$T/h0.pcap" && sniff_start "$TOPO_EDGE" e0 "$T/e0.pcap" ||
	bail "no packet sockets on h0 and e0"
rm -f "$T/recv.ready"
ip netns exec "$TOPO_SUB" $MCAST recv-many "$T/recv" --ready "$T/recv.ready" \
	--timeout 60 2>"$T/recv.err" &
recv_pid=$!
wait_for 30 test -e "$T/recv.ready" || bail "the subscriber does not listen"
phase "traffic"
# one CPU: veth hands packets to the CPU that sent them, so a sender that
# migrates could reorder its own stream
ip netns exec "$TOPO_SND" taskset -c 0 $MCAST send-many "$T/send" 2>&1 | ktap_diag
wait $recv_pid
ktap_diag <"$T/recv.err"
cap_stop "$T/core.pcap" || echo "# the core's capture is empty"
sniff_stop "$T/h0.pcap"
sniff_stop "$T/e0.pcap"

n=0
while [ $n -lt $case_n ]; do
	n=$((n + 1))
	read -r name <"$T/c$n.name"
	ktap_check "c$n $name: subscriber gets $COUNT datagrams byte-exact" \
		same_payloads "$T/c$n.p" "$T/c$n.got"
done

# counters of every group, one call per router
ctl "$TOPO_HE" -j -s group show >"$T/he.json" 2>&1
ctl "$TOPO_EDGE" -j -s group show >"$T/edge.json" 2>&1

# the independent checks, one process (scapy starts slowly under TCG)
phase "datapath_check.py"
$CHECK "$T/manifest" "$T/core.pcap" "$T/he.json" "$T/edge.json" \
	"$T/h0.pcap" "$T/e0.pcap" >"$T/check.out" 2>&1
echo "# datapath_check.py exited $?"
while IFS= read -r line; do
	case $line in
	"PASS "*) ktap_ok "${line#PASS }" ;;
	"FAIL "*) ktap_fail "${line#FAIL }" ;;
	*) echo "# $line" ;;
	esac
done <"$T/check.out"

phase "unicast"
# unicast: UDP sender -> subscriber untouched with every group installed
unicast() {
	printf 'r0 10.0.4.2 7000 %s %s\nr0 2001:db8:4::2 7000 %s %s\n' \
		$COUNT "$T/uc4.got" $COUNT "$T/uc6.got" >"$T/uc.recv"
	printf 's0 10.0.4.2 7000 %s\ns0 2001:db8:4::2 7000 %s\n' \
		"$T/c1.p" "$T/c2.p" >"$T/uc.send"
	ip netns exec "$TOPO_SUB" $MCAST recv-many "$T/uc.recv" --ready "$T/uc.ready" \
		--timeout 20 2>"$T/uc.err" &
	_pid=$!
	wait_for 20 test -e "$T/uc.ready" &&
		ip netns exec "$TOPO_SND" taskset -c 0 $MCAST send-many "$T/uc.send" &&
		wait $_pid && same_payloads "$T/c1.p" "$T/uc4.got" &&
		same_payloads "$T/c2.p" "$T/uc6.got"
	_rc=$?
	ktap_diag <"$T/uc.err"
	return $_rc
}
ktap_check "IPv4 and IPv6 unicast sender to subscriber byte-exact with 40 groups installed" \
	unicast

flushed() {
	ctl "$TOPO_HE" flush && ctl "$TOPO_EDGE" flush &&
		[ "$(ctl "$TOPO_HE" -j group show)" = "[]" ] &&
		[ "$(ctl "$TOPO_EDGE" -j group show)" = "[]" ]
}
ktap_check "mcsecctl flush leaves no group on head-end and edge" flushed

ktap_finish
