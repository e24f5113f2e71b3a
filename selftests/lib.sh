#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# lib.sh: what the mcsec VM selftests share. Source it:
#
#   . "$(dirname "$0")/lib.sh"
#
# KTAP           ktap_header N; ktap_ok / ktap_fail / ktap_skip DESC;
#                ktap_check DESC CMD...; ktap_diag (stdin as '# ' lines);
#                ktap_finish (totals, exit 0 only if all passed, 4 if all
#                skipped). ktap_require_root first.
# scratch        $LIB_TMP: a private directory under /tmp, removed at exit.
# namespaces     ns_new VAR NAME: a namespace NAME-<pid>-<n> with lo up, its
#                name in $VAR; deleted at exit with everything running in it
#                (lib_cleanup, installed as the EXIT trap; a suite with its
#                own trap calls lib_cleanup from it).
# links          link_add NS1 IF1 NS2 IF2 [ADDR4/LEN ADDR6/LEN ADDR4/LEN ADDR6/LEN]:
#                a veth pair, up, IPv6 without DAD.
# routing        ns_router NS: forwarding on (IPv4 and IPv6);
#                mroute_start NS IF... + mroute_add NS IIF GROUP OIF...:
#                static multicast routes by smcrouted, one daemon per
#                namespace with its own socket, pid file and config.
# traffic        mc_payloads FILE COUNT SEED [MIN MAX]; mc_send NS IF DST PORT
#                FILE; mc_recv_start NS IF DST PORT COUNT OUT (returns once
#                the receiver listens) + mc_recv_wait OUT; mc_recv_replay,
#                mc_recv_send (a receiver that replays a pcap or sends a
#                payload file from another namespace itself): byte-exact
#                comparison with cmp (mcast.py does the sockets).
# streams        stream_start NAME SND_NS SND_IF SUB_NS SUB_IF DST PORT [--ts]
#                [--gap SEC] [--size N]: sequence-numbered datagrams from
#                SND_NS until stream_stop NAME, which waits for the receiver in
#                SUB_NS and compares: every number exactly once, in order,
#                byte-exact ($LIB_TMP/NAME.sent, NAME.got, NAME.count).
# mcsecctl       $MCSECCTL (build/userspace-ctl/mcsecctl/mcsecctl);
#                ctl NS ARGS...; ctl_stat NS NAME: one namespace counter;
#                in_ns NS CMD... (nsenter --net, cheaper than ip netns exec);
#                ctl_stats_save NS FILE + ctl_stats_are NS [--since FILE]
#                NAME=VALUE...: exact counters (or their moves);
#                key_file FILE BYTES: random key material, hex.
# capture        cap_start NS IF FILE [FILTER...] (returns once tcpdump
#                listens) + cap_stop FILE; cap_check FILE DST [--only-esp]
#                [--no-payloads FILE] [--min N]; cap_udp FILE DST PORT;
#                sniff_start NS IF FILE + sniff_stop FILE: frames held
#                unread on a packet socket (cloned skbs), then a pcap.
# topology       topo_setup: the five namespaces of issue 3 (below).
#
# Executed rather than sourced, lib.sh tests itself (KTAP).
#
# topo_setup builds, with static (S,G) multicast routes for the sender's
# $TOPO_G4 and $TOPO_G6 on the three routers and unicast routes everywhere:
#
#   sender          head-end           core              edge           subscriber
#   $TOPO_SND       $TOPO_HE           $TOPO_CORE        $TOPO_EDGE     $TOPO_SUB
#   s0 ------------ h0    h1 --------- c0    c1 -------- e0    e1 ------ r0
#   10.0.1.1/24     .1.2  10.0.2.1     .2.2  10.0.3.1    .3.2  10.0.4.1  .4.2
#   2001:db8:1::1   ::2   2001:db8:2::1 ::2  2001:db8:3::1 ::2 2001:db8:4::1 ::2
#                                      ^
#                       capture point: core's c0 (what the head-end sent)
#
# Head-end and edge are where mcsec plugs in (encrypt on h0 ingress,
# decrypt on e0 ingress); the core only routes and is where a test asserts
# that nothing but ciphertext passed.

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

# mcast.py lives next to lib.sh: the sourcing suite's folder, or $LIB_SH's
LIB_DIR=$(cd "$(dirname "${LIB_SH:-$0}")" && pwd -P)
MCAST="/usr/bin/python3 -S $LIB_DIR/mcast.py"

ktap_n=0
ktap_failed=0
ktap_skipped=0
ktap_planned=0

ktap_header() {
	ktap_planned=$1
	echo "TAP version 13"
	echo "1..$1"
}

ktap_require_root() {
	if [ "$(id -u)" != 0 ]; then
		echo "TAP version 13"
		echo "1..0 # SKIP needs root (run it under selftests/vm/run.sh)"
		exit $KSFT_SKIP
	fi
}

ktap_ok() {
	ktap_n=$((ktap_n + 1))
	echo "ok $ktap_n $*"
}

ktap_fail() {
	ktap_n=$((ktap_n + 1))
	ktap_failed=$((ktap_failed + 1))
	echo "not ok $ktap_n $*"
}

ktap_skip() {
	ktap_n=$((ktap_n + 1))
	ktap_skipped=$((ktap_skipped + 1))
	desc=$1
	shift
	echo "ok $ktap_n $desc # SKIP $*"
}

# ktap_check DESC CMD...: one test, passing when CMD succeeds.
ktap_check() {
	_desc=$1
	shift
	if "$@"; then
		ktap_ok "$_desc"
	else
		ktap_fail "$_desc"
	fi
}

# ktap_diag: stdin as '# ' lines, by the shell alone: a sed for every
# (mostly empty) diagnostic costs a process start, a lot under TCG
ktap_diag() {
	while IFS= read -r _dl || [ -n "$_dl" ]; do
		printf '# %s\n' "$_dl"
	done
}

ktap_finish() {
	if [ "$ktap_n" != "$ktap_planned" ]; then
		echo "# planned $ktap_planned tests, ran $ktap_n"
		ktap_failed=$((ktap_failed + 1))
	fi
	echo "# $((ktap_n - ktap_failed - ktap_skipped)) passed, $ktap_failed failed, $ktap_skipped skipped"
	[ "$ktap_failed" = 0 ] || exit $KSFT_FAIL
	[ "$ktap_n" != 0 ] && [ "$ktap_skipped" = "$ktap_n" ] && exit $KSFT_SKIP
	exit $KSFT_PASS
}

# --- scratch space and cleanup ----------------------------------------------

LIB_TMP=$(mktemp -d /tmp/mcsec-selftest.XXXXXX) || exit 1
lib_namespaces=
lib_ns_seq=0

# Every process in a namespace we made is killed before the namespace
# goes: a daemon or a tcpdump would otherwise outlive the test.
lib_cleanup() {
	for _ns in $lib_namespaces; do
		for _pid in $(ip netns pids "$_ns" 2>/dev/null); do
			kill "$_pid" 2>/dev/null
		done
	done
	for _ns in $lib_namespaces; do
		ip netns del "$_ns" 2>/dev/null
	done
	lib_namespaces=
	rm -rf "$LIB_TMP"
}
trap lib_cleanup EXIT
trap 'exit 1' INT TERM HUP

# ns_new VAR NAME
ns_new() {
	lib_ns_seq=$((lib_ns_seq + 1))
	_name=$2-$$-$lib_ns_seq
	ip netns add "$_name" || return 1
	lib_namespaces="$lib_namespaces $_name"
	ip -n "$_name" link set lo up
	ip netns exec "$_name" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0
	eval "$1=\$_name"
}

# ns_router NS
ns_router() {
	ip netns exec "$1" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1
}

# lib_addr NS IF ADDR/LEN: IPv6 without duplicate address detection
lib_addr() {
	case $3 in
	-) ;;
	*:*) ip -n "$1" addr add "$3" dev "$2" nodad ;;
	*) ip -n "$1" addr add "$3" dev "$2" ;;
	esac
}

# link_add NS1 IF1 NS2 IF2 [A4_1 A6_1 A4_2 A6_2] (with prefix lengths;
# "-" for none)
link_add() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" || return 1
	_lns=$1 _lif=$2
	for _a in "${5:--}" "${6:--}"; do
		lib_addr "$_lns" "$_lif" "$_a" || return 1
	done
	_lns=$3 _lif=$4
	for _a in "${7:--}" "${8:--}"; do
		lib_addr "$_lns" "$_lif" "$_a" || return 1
	done
	ip -n "$1" link set "$2" up && ip -n "$3" link set "$4" up
}

# wait_for SECONDS CMD...: polls CMD every 0.1 s
wait_for() {
	_t=$(($1 * 10))
	shift
	while [ $_t -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		_t=$((_t - 1))
	done
	return 1
}

# --- multicast routing --------------------------------------------------------

# mroute_start NS IF...: an smcrouted for NS that may route between IF...
# (no VIFs for other interfaces); routes come with mroute_add.
mroute_start() {
	_ns=$1
	shift
	_conf=$LIB_TMP/smcroute.$_ns.conf
	: >"$_conf"
	for _if in "$@"; do
		echo "phyint $_if enable" >>"$_conf"
	done
	ip netns exec "$_ns" smcrouted -n -N -l err -f "$_conf" \
		-u "$LIB_TMP/smcroute.$_ns.sock" -P "$LIB_TMP/smcroute.$_ns.pid" \
		>"$LIB_TMP/smcroute.$_ns.log" 2>&1 &
	wait_for 10 mroute_ctl "$_ns" show interfaces >/dev/null 2>&1
}

mroute_ctl() {
	_ns=$1
	shift
	ip netns exec "$_ns" smcroutectl -u "$LIB_TMP/smcroute.$_ns.sock" "$@"
}

# mroute_add NS IIF [SOURCE] GROUP OIF...: with SOURCE an (S,G) route,
# in the kernel at once; without, a (*,G) route that smcrouted turns into
# an (S,G) entry when the kernel asks about the first packet (ipmr keeps
# only 4 packets while it waits).
mroute_add() {
	_ns=$1
	shift
	mroute_ctl "$_ns" add "$@"
}

# --- traffic --------------------------------------------------------------------

# mc_payloads FILE COUNT SEED [MIN MAX]
mc_payloads() {
	$MCAST payloads "$@"
}

# mc_send NS IF DST PORT FILE [options of mcast.py send]: on one CPU,
# since veth queues a packet on the CPU that sent it and a sender that
# migrates between two would reorder its own stream
mc_send() {
	_ns=$1
	shift
	ip netns exec "$_ns" taskset -c 0 $MCAST send "$@"
}

# mc_recv_start NS IF DST PORT COUNT OUT [--timeout SEC]: returns once the
# receiver has joined and listens.
mc_recv_start() {
	_ns=$1
	_out=$6
	shift
	rm -f "$_out.ready" "$_out"
	ip netns exec "$_ns" $MCAST recv "$@" --ready "$_out.ready" \
		2>"$_out.err" &
	echo $! >"$_out.pid"
	wait_for 20 test -e "$_out.ready"
}

# mc_recv_wait OUT: the receiver's status (0: every datagram arrived).
mc_recv_wait() {
	wait "$(cat "$1.pid")"
	_rc=$?
	ktap_diag <"$1.err"
	return $_rc
}

# mc_recv_replay NS IF DST PORT COUNT OUT RNS RIF PCAP [--timeout SEC]: a
# receiver as mc_recv_start's that, once listening, puts PCAP's frames on
# RIF of namespace RNS itself (mcast.py replay, one python start instead
# of two) and waits SEC (default 20) after that; its status (0: COUNT
# datagrams arrived), the replay's and receiver's words in OUT.err
mc_recv_replay() {
	_ns=$1 _out=$6
	ip netns exec "$_ns" $MCAST recv "$2" "$3" "$4" "$5" "$6" --replay "$7" "$8" "$9" \
		${10:+"${10}"} ${11:+"${11}"} 2>"$_out.err"
}

# mc_recv_send NS IF DST PORT COUNT OUT SNS SIF FILE [--timeout SEC]: the
# same with FILE's datagrams sent from SIF of namespace SNS, as mc_send
# does (one CPU), by the receiver itself once it listens
mc_recv_send() {
	_ns=$1 _out=$6
	ip netns exec "$_ns" $MCAST recv "$2" "$3" "$4" "$5" "$6" --send "$7" "$8" "$9" \
		${10:+"${10}"} ${11:+"${11}"} 2>"$_out.err"
	_rc=$?
	ktap_diag <"$_out.err"
	return $_rc
}

# uc_check FROM TO TO_IF DST FILE: FILE's datagrams reach DST:7000 in TO
# byte-exact
uc_check() {
	mc_recv_start "$2" "$3" "$4" 7000 "$(wc -l <"$5")" "$LIB_TMP/uc" --timeout 10 &&
		mc_send "$1" - "$4" 7000 "$5" &&
		mc_recv_wait "$LIB_TMP/uc" && same_payloads "$5" "$LIB_TMP/uc"
}

# --- sequence-numbered streams ------------------------------------------------

# stream_start NAME SND_NS SND_IF SUB_NS SUB_IF DST PORT [options of mcast.py stream]:
# returns once the first datagram left
stream_start() {
	_n=$LIB_TMP/$1
	rm -f "$_n.stop" "$_n.sent" "$_n.got" "$_n.ready"
	ip netns exec "$4" $MCAST recv-seq "$5" "$6" "$7" "$_n.got" \
		--ready "$_n.ready" --end --idle 10 --timeout 600 2>"$_n.rerr" &
	echo $! >"$_n.rpid"
	wait_for 20 test -e "$_n.ready" || return 1
	_sns=$2 _sif=$3 _dst=$6 _port=$7
	shift 7
	# one CPU: a sender that migrates can put consecutive datagrams in
	# two CPUs' backlogs, and Linux itself would reorder them on the veth
	ip netns exec "$_sns" taskset -c 0 $MCAST stream "$_sif" "$_dst" "$_port" "$_n.sent" \
		--until "$_n.stop" "$@" 2>"$_n.serr" &
	echo $! >"$_n.spid"
	# a loaded TCG guest takes seconds to start python: the stream is
	# running once its first datagram is logged
	wait_for 60 test -s "$_n.sent"
}

# stream_stop NAME: the sender stops and sends its end marker, which ends
# the receiver (or 10 s without a datagram do); 0 when what arrived is exactly what was sent. $LIB_TMP/NAME.count
# holds the number sent.
stream_stop() {
	_n=$LIB_TMP/$1
	touch "$_n.stop"
	wait "$(cat "$_n.spid")"
	wait "$(cat "$_n.rpid")"
	wc -l <"$_n.sent" | tr -d ' ' >"$_n.count"
	cat "$_n.serr" "$_n.rerr" | ktap_diag
	[ "$(cat "$_n.count")" -gt 0 ] && same_payloads "$_n.sent" "$_n.got"
}

# --- mcsecctl -------------------------------------------------------------------

LIB_TOP=$(cd "$LIB_DIR/.." && pwd -P)
MCSECCTL=${MCSECCTL:-$LIB_TOP/build/userspace-ctl/mcsecctl/mcsecctl}

# in_ns NS CMD...: CMD in network namespace NS. nsenter, not ip netns
# exec: mcsecctl needs only the netns, and ip netns exec also unshares the
# mounts and mounts a sysfs each time, which more than doubles the cost of
# the hundreds of mcsecctl runs of a suite under TCG
in_ns() {
	_ins=$1
	shift
	nsenter --net="/run/netns/$_ins" "$@"
}

# ctl NS ARGS...: mcsecctl in NS; its stderr as diagnostics
ctl() {
	_ns=$1
	shift
	in_ns "$_ns" "$MCSECCTL" "$@" 2>"$LIB_TMP/ctl.err"
	_rc=$?
	[ $_rc = 0 ] || { echo "mcsecctl $*: exit $_rc"; cat "$LIB_TMP/ctl.err"; } | ktap_diag
	return $_rc
}

# ctl_stat NS NAME: a namespace counter by its mcsecctl name (in-pkts-ok)
ctl_stat() {
	in_ns "$1" "$MCSECCTL" -j stats |
		/usr/bin/python3 -S -c "import json,sys; print(json.load(sys.stdin)['$2'])"
}

# ctl_stats_save NS FILE: the namespace counters now, for ctl_stats_are
ctl_stats_save() {
	in_ns "$1" "$MCSECCTL" -j stats >"$2"
}

# ctl_stats_are NS [--since FILE] NAME=VALUE...: the namespace counters (or
# how far they moved since ctl_stats_save FILE) are exactly these
ctl_stats_are() {
	_ns=$1
	_since=/dev/null
	shift
	if [ "$1" = --since ]; then
		_since=$2
		shift 2
	fi
	in_ns "$_ns" "$MCSECCTL" -j stats | /usr/bin/python3 -S -c '
import json, sys
j = json.load(sys.stdin)
base = open(sys.argv[1]).read()
base = json.loads(base) if base.strip() else {}
bad = ["%s is %s, expected %s" % (k, j.get(k, 0) - base.get(k, 0), v)
       for k, v in (a.split("=") for a in sys.argv[2:])
       if j.get(k, 0) - base.get(k, 0) != int(v)]
for b in bad:
    print("# " + b)
sys.exit(1 if bad else 0)' "$_since" "$@"
}

# key_file FILE BYTES: random key material in mcsecctl's key file format
key_file() {
	od -An -tx1 -N"$2" /dev/urandom | tr -d ' \n' >"$1" && echo >>"$1"
}

# --- capture --------------------------------------------------------------------

# cap_start NS IF FILE [FILTER...]: tcpdump -w FILE on IF in NS; returns
# once it listens.
cap_start() {
	_ns=$1 _if=$2 _file=$3
	shift 3
	rm -f "$_file"
	# --immediate-mode: no TPACKET_V3 block timeout, so every packet
	# reaches the file before the SIGINT of cap_stop (packets still in an
	# unfinished block are lost otherwise)
	# -B 16384: a 16 MiB buffer, so that a tcpdump starved of CPU in a
	# loaded TCG guest loses nothing of a few hundred packets
	ip netns exec "$_ns" tcpdump -i "$_if" -n -U --immediate-mode -B 16384 -s 0 -w "$_file" "$@" \
		>"$_file.log" 2>&1 &
	echo $! >"$_file.pid"
	wait_for 20 grep -q 'listening on' "$_file.log"
}

# cap_stop FILE [SECONDS]: stops the capture once every packet seen is
# written; a capture started with -c N gets SECONDS (default 1) to end by
# itself first (a loaded TCG guest needs more than a second for 40 packets).
cap_stop() {
	_pid=$(cat "$1.pid")
	wait_for "${2:-1}" eval '! kill -0 "$_pid" 2>/dev/null'
	kill -INT "$_pid" 2>/dev/null
	wait "$_pid" 2>/dev/null
	[ -s "$1" ]
}

# sniff_start NS IF FILE: a packet socket on IF that holds every frame
# unread (so the skbs the stack goes on with are clones) until sniff_stop
# FILE writes them to FILE (pcap)
sniff_start() {
	rm -f "$3" "$3.ready" "$3.until"
	ip netns exec "$1" $MCAST sniff "$2" "$3" --ready "$3.ready" \
		--until "$3.until" >"$3.log" 2>&1 &
	echo $! >"$3.pid"
	wait_for 20 test -e "$3.ready"
}

sniff_stop() {
	: >"$1.until"
	wait "$(cat "$1.pid")"
	_rc=$?
	ktap_diag <"$1.log"
	return $_rc
}

# cap_check FILE DST [--only-esp] [--no-payloads FILE] [--min N]
cap_check() {
	_out=$($MCAST pcap-check "$@" 2>&1)
	_rc=$?
	echo "$_out" | ktap_diag
	return $_rc
}

# cap_udp FILE DST PORT: the payloads of the UDP datagrams to DST:PORT
cap_udp() {
	$MCAST pcap-udp "$@"
}

# same_payloads EXPECTED GOT: byte-exact, in order; a diff on failure
same_payloads() {
	cmp -s "$1" "$2" && return 0
	echo "expected $(wc -l <"$1") datagrams, got $(wc -l <"$2" 2>/dev/null || echo 0)" | ktap_diag
	diff "$1" "$2" 2>&1 | cut -c1-100 | head -6 | ktap_diag
	return 1
}

# --- the issue 3 topology -----------------------------------------------------------

TOPO_G4=239.1.1.1
TOPO_G6=ff3e::1:1
TOPO_PORT=5000

topo_setup() {
	ns_new TOPO_SND sender && ns_new TOPO_HE headend &&
		ns_new TOPO_CORE core && ns_new TOPO_EDGE edge &&
		ns_new TOPO_SUB subscriber || return 1
	link_add "$TOPO_SND" s0 "$TOPO_HE" h0 \
		10.0.1.1/24 2001:db8:1::1/64 10.0.1.2/24 2001:db8:1::2/64 &&
	link_add "$TOPO_HE" h1 "$TOPO_CORE" c0 \
		10.0.2.1/24 2001:db8:2::1/64 10.0.2.2/24 2001:db8:2::2/64 &&
	link_add "$TOPO_CORE" c1 "$TOPO_EDGE" e0 \
		10.0.3.1/24 2001:db8:3::1/64 10.0.3.2/24 2001:db8:3::2/64 &&
	link_add "$TOPO_EDGE" e1 "$TOPO_SUB" r0 \
		10.0.4.1/24 2001:db8:4::1/64 10.0.4.2/24 2001:db8:4::2/64 || return 1
	for _r in "$TOPO_HE" "$TOPO_CORE" "$TOPO_EDGE"; do
		ns_router "$_r" || return 1
	done
	# unicast: the ends and the outer routers default towards the core
	ip -n "$TOPO_SND" route add default via 10.0.1.2 &&
	ip -n "$TOPO_SND" -6 route add default via 2001:db8:1::2 &&
	ip -n "$TOPO_HE" route add default via 10.0.2.2 &&
	ip -n "$TOPO_HE" -6 route add default via 2001:db8:2::2 &&
	ip -n "$TOPO_CORE" route add 10.0.1.0/24 via 10.0.2.1 &&
	ip -n "$TOPO_CORE" -6 route add 2001:db8:1::/64 via 2001:db8:2::1 &&
	ip -n "$TOPO_CORE" route add 10.0.4.0/24 via 10.0.3.2 &&
	ip -n "$TOPO_CORE" -6 route add 2001:db8:4::/64 via 2001:db8:3::2 &&
	ip -n "$TOPO_EDGE" route add default via 10.0.3.1 &&
	ip -n "$TOPO_EDGE" -6 route add default via 2001:db8:3::1 &&
	ip -n "$TOPO_SUB" route add default via 10.0.4.1 &&
	ip -n "$TOPO_SUB" -6 route add default via 2001:db8:4::1 || return 1
	# multicast: the groups flow downstream on all three routers
	mroute_start "$TOPO_HE" h0 h1 &&
	mroute_start "$TOPO_CORE" c0 c1 &&
	mroute_start "$TOPO_EDGE" e0 e1 || return 1
	# (S,G) routes, installed in the kernel at once: with (*,G) the first
	# packets wait for smcrouted's answer to the kernel's upcall, and
	# ipmr queues only 4 of them meanwhile (ip6mr 10); the rest is lost
	for _sg in "10.0.1.1 $TOPO_G4" "2001:db8:1::1 $TOPO_G6"; do
		mroute_add "$TOPO_HE" h0 $_sg h1 &&
		mroute_add "$TOPO_CORE" c0 $_sg c1 &&
		mroute_add "$TOPO_EDGE" e0 $_sg e1 || return 1
	done
}

# --- lib.sh on its own: tests of the helpers ------------------------------------------

lib_selftest() {
	ktap_require_root
	ktap_header 7
	ns_new a liba && ns_new b libb
	ktap_check "two namespaces made, with unique names" \
		test -n "$a" -a -n "$b" -a "$a" != "$b" -a -e "/run/netns/$a"
	link_add "$a" va "$b" vb 192.0.2.1/24 2001:db8::1/64 192.0.2.2/24 2001:db8::2/64
	mc_payloads "$LIB_TMP/p" 5 lib
	ktap_check "veth: IPv4 unicast UDP" \
		uc_check "$a" "$b" vb 192.0.2.2 "$LIB_TMP/p"
	ktap_check "veth: IPv6 unicast UDP at once (no DAD)" \
		uc_check "$a" "$b" vb 2001:db8::2 "$LIB_TMP/p"
	mc_recv_start "$b" vb 239.9.9.9 6000 5 "$LIB_TMP/got" &&
		cap_start "$b" vb "$LIB_TMP/cap" udp &&
		mc_send "$a" va 239.9.9.9 6000 "$LIB_TMP/p"
	ktap_check "multicast UDP received byte-exact" \
		eval 'mc_recv_wait "$LIB_TMP/got" && same_payloads "$LIB_TMP/p" "$LIB_TMP/got"'
	cap_stop "$LIB_TMP/cap"
	ktap_check "capture holds the datagrams byte-exact" \
		eval 'cap_udp "$LIB_TMP/cap" 239.9.9.9 6000 | same_payloads "$LIB_TMP/p" -'
	ktap_check "cap_check finds the cleartext and non-ESP packets" \
		eval '! cap_check "$LIB_TMP/cap" 239.9.9.9 --only-esp --no-payloads "$LIB_TMP/p" --min 5'
	# a suite that sourced lib.sh leaves no namespace and no process behind
	LIB_SH=$LIB_DIR/lib.sh LIB_OUT=$LIB_TMP/c sh -c '. "$LIB_SH"
		ns_new c libc || exit 1
		echo "$c" >"$LIB_OUT"
		ip netns exec "$c" sleep 6000 &
		sleep 0.5'
	c=$(cat "$LIB_TMP/c")
	ktap_check "cleanup deletes the namespaces it made" \
		eval 'test -n "$c" && ! test -e "/run/netns/$c" && ! pgrep -x -f "sleep 6000" >/dev/null'
	ktap_finish
}

if [ "${0##*/}" = lib.sh ]; then
	lib_selftest
fi
