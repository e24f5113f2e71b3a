#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The part of `make demo-kernel` that runs inside the VM (scripts/demo-kernel.sh boots it):
# issue 3's topology (selftests/lib.sh topo_setup) with mcsec.ko on the
# head-end and the edge, two IPTV channels of 7 TS packets per RTP
# datagram from the sender, and what each point of the path sees.
#
#   sender --- head-end --------- core ------------- edge --------- subscriber
#   s0      h0  mcsec.ko  h1 --- c0  c1 ------------ e0  mcsec.ko e1 ---- r0
#               scramble /        ^ capture:              descramble /
#               ESP-protect       ciphertext only?        ESP-verify, route
#
#   channel 1  239.1.1.1:5000  DVB-CISSA, video and audio PIDs, even key,
#                              then `group set ... parity odd` halfway
#   channel 2  239.1.1.2:5000  group ESP tunnel, AES-128-GCM
#
#   demo-kernel-vm.sh WORK [GAP]   (WORK: the folder demo-kernel.sh prepared, writable here)
#
# WORK holds, from demo-kernel.sh: ch1.pay, ch2.pay (the datagrams, hex per line)
# and the key files even.cw, odd.cw, esp.key. Left there for demo-kernel.sh: the
# core's captures core1.pcap and core2.pcap (one per channel), what the subscriber received (sub1.got,
# sub2.got), the counters (*.stats.json) and result lines in verdict.txt
# ("ok|fail WHAT").
set -u
work=$1
top=$(cd "$(dirname "$0")/.." && pwd -P)
# lib.sh: namespaces with cleanup, topo_setup, multicast helpers
LIB_SH=$top/selftests/lib.sh
. "$LIB_SH"
PATH=$top/build/userspace-ctl/mcsecctl:$PATH
T=$LIB_TMP
G1=239.1.1.1 G2=239.1.1.2 PORT=5000
GAP=${2:-0.02}	# seconds between datagrams, per channel (demo-kernel.sh: DEMO_GAP)
n1=$(wc -l <"$work/ch1.pay") n2=$(wc -l <"$work/ch2.pay")
: >"$work/verdict.txt"

say() { printf '\n== %s\n' "$*"; }
result() {	# result ok|fail WHAT
	echo "$1 $2" >>"$work/verdict.txt"
	[ "$1" = ok ] && echo "  -> $2" || echo "  -> FAILED: $2"
}
# on NS_VAR NAME CMD...: prints "NAME# CMD..." and runs it in the namespace
on() {
	_ns=$1 _name=$2
	shift 2
	echo "  $_name# $*"
	ip netns exec "$_ns" "$@"
}
# nonzero NS: the namespace's non-zero mcsec counters on one line
nonzero() {
	ip netns exec "$1" mcsecctl stats |
		awk '$2 != 0 { printf " %s=%s", $1, $2; n++ } END { print n ? "" : " (all zero)" }'
}
# counters: `mcsecctl stats` on edge, then head-end (so that what the edge
# accepted never looks ahead of what the head-end sent), printed together
counters() {
	_e=$(nonzero "$TOPO_EDGE")
	_h=$(nonzero "$TOPO_HE")
	printf '  head-end:%s\n  edge:    %s\n' "$_h" "$_e"
}

say "topology: sender -> head-end -> core -> edge -> subscriber (5 namespaces, smcroute on 3 routers)"
if ! topo_setup ||
	! mroute_add "$TOPO_HE" h0 10.0.1.1 $G2 h1 ||
	! mroute_add "$TOPO_CORE" c0 10.0.1.1 $G2 c1 ||
	! mroute_add "$TOPO_EDGE" e0 10.0.1.1 $G2 e1; then
	cat "$T"/smcroute.*.log 2>/dev/null
	result fail "topology set up"
	exit 1
fi
echo "  multicast routes (S,G) 10.0.1.1 -> $G1 and $G2 on head-end, core and edge"
modprobe mcsec || { result fail "mcsec.ko loads"; exit 1; }
echo "  mcsec.ko loaded (modprobe mcsec)"

say "head-end: scramble channel 1, protect channel 2 (keys only from files)"
ok=1
on "$TOPO_HE" head-end mcsecctl group add $G1 port $PORT dir encrypt format ts-cissa rtp pids 256,257 &&
	on "$TOPO_HE" head-end mcsecctl sa add $G1 port $PORT parity even key-file "$work/even.cw" &&
	on "$TOPO_HE" head-end mcsecctl sa add $G1 port $PORT parity odd key-file "$work/odd.cw" &&
	on "$TOPO_HE" head-end mcsecctl group set $G1 port $PORT parity even &&
	on "$TOPO_HE" head-end mcsecctl group add $G2 port $PORT dir encrypt format esp-tunnel &&
	on "$TOPO_HE" head-end mcsecctl sa add $G2 port $PORT spi 0x1000 suite aes128-gcm key-file "$work/esp.key" ||
	ok=0
say "edge: descramble channel 1, verify and decrypt channel 2, drop cleartext (required)"
on "$TOPO_EDGE" edge mcsecctl group add $G1 port $PORT dir decrypt format ts-cissa rtp pids 256,257 required &&
	on "$TOPO_EDGE" edge mcsecctl sa add $G1 port $PORT parity even key-file "$work/even.cw" &&
	on "$TOPO_EDGE" edge mcsecctl sa add $G1 port $PORT parity odd key-file "$work/odd.cw" &&
	on "$TOPO_EDGE" edge mcsecctl group add $G2 port $PORT dir decrypt format esp-tunnel required &&
	on "$TOPO_EDGE" edge mcsecctl sa add $G2 port $PORT spi 0x1000 suite aes128-gcm key-file "$work/esp.key" ||
	ok=0
echo "  head-end# mcsecctl group show"
ip netns exec "$TOPO_HE" mcsecctl group show | sed 's/^/    /'
echo "  edge# mcsecctl group show"
ip netns exec "$TOPO_EDGE" mcsecctl group show | sed 's/^/    /'
if [ $ok = 0 ]; then
	result fail "groups and keys installed"
	exit 1
fi

say "the stream: $n1 + $n2 datagrams of 1328 bytes (RTP + 7x188 TS), one per ${GAP}s per channel"
for c in 1 2; do
	eval "n=\$n$c g=\$G$c"
	cap_start "$TOPO_CORE" c0 "$work/core$c.pcap" dst "$g" ||
		{ cat "$work/core$c.pcap.log"; result fail "the core's capture started"; exit 1; }
	mc_recv_start "$TOPO_SUB" r0 "$g" $PORT "$n" "$T/sub$c" --timeout 90 ||
		{ cat "$T/sub$c.err"; result fail "the subscriber joined $g"; exit 1; }
done
echo "  the subscriber joined both groups; the core records everything to them on c0 (tcpdump)"
# channel 1 in two halves with the parity flip between them, so that the
# odd key is certain to be used, while channel 2 flows throughout
half=$((n1 / 2))
head -n $half "$work/ch1.pay" >"$T/ch1.a"
tail -n +$((half + 1)) "$work/ch1.pay" >"$T/ch1.b"
(
	mc_send "$TOPO_SND" s0 $G1 $PORT "$T/ch1.a" --gap $GAP || exit 1
	on "$TOPO_HE" head-end mcsecctl group set $G1 port $PORT parity odd || exit 1
	mc_send "$TOPO_SND" s0 $G1 $PORT "$T/ch1.b" --gap $GAP
) &
s1=$!
mc_send "$TOPO_SND" s0 $G2 $PORT "$work/ch2.pay" --gap $GAP &
s2=$!
# live counters while it runs
i=0
while kill -0 $s1 2>/dev/null || kill -0 $s2 2>/dev/null; do
	sleep 1
	i=$((i + 1))
	echo "  -- t+${i}s, mcsecctl stats (non-zero counters):"
	counters
done
sent=0
wait $s1 && wait $s2 && sent=1
mc_recv_wait "$T/sub1"
mc_recv_wait "$T/sub2"
cap_stop "$work/core1.pcap" 3
cap_stop "$work/core2.pcap" 3
echo "  -- after the stream:"
counters
[ $sent = 1 ] || result fail "the sender sent both channels and the parity flipped"
cp "$T/sub1" "$work/sub1.got" 2>/dev/null
cp "$T/sub2" "$work/sub2.got" 2>/dev/null
for g in $G1 $G2; do
	ip netns exec "$TOPO_HE" mcsecctl -j stats $g port $PORT >"$work/he.$g.stats.json"
	ip netns exec "$TOPO_EDGE" mcsecctl -j stats $g port $PORT >"$work/edge.$g.stats.json"
done

say "what the subscriber received"
for c in 1 2; do
	eval "n=\$n$c g=\$G$c"
	if same_payloads "$work/ch$c.pay" "$T/sub$c"; then
		result ok "channel $c ($g): $n of $n datagrams at the subscriber, byte-exact, in order"
	else
		result fail "channel $c ($g): the subscriber's datagrams differ from what the sender sent"
	fi
done

say "what the core saw (its capture, checked here; demo-kernel.sh opens it with other tools)"
if cap_check "$work/core2.pcap" $G2 --only-esp --no-payloads "$work/ch2.pay" --min "$n2"; then
	result ok "channel 2 in the core: ESP only, no 16-byte run of any payload in clear"
else
	result fail "channel 2 in the core: not ESP only, or cleartext seen"
fi
cap_udp "$work/core1.pcap" $G1 $PORT >"$T/core1"
if /usr/bin/python3 -S "$top/scripts/tscheck.py" scrambled "$work/ch1.pay" "$T/core1" 256,257 --both; then
	result ok "channel 1 in the core: every video/audio TS packet scrambled, the first half with the even key, the rest with the odd one; PAT/PMT clear"
else
	result fail "channel 1 in the core: video or audio in clear, or not both keys used"
fi
exit 0
