# SPDX-License-Identifier: GPL-2.0
# What both demos (scripts/demo.sh, scripts/demo-kernel.sh) do the same way
# on the host: the verdict's bookkeeping and the two IPTV channels.
# Sourced with $top (the tree), $work (the demo's folder), $COUNT and
# $mcast set.

verdict=0
step() { printf '\n== %s\n' "$*"; }
fail() { echo "  -> FAILED: $*"; verdict=1; }
pass() { echo "  -> $*"; }

# make_channels WHAT1 WHAT2: channels 1 and 2 (239.1.1.1:5000 and
# 239.1.1.2:5000), COUNT datagrams of RTP + 7 TS packets each, as pcaps and
# as the payloads the subscribers must get; WHATn says how channel n is
# protected. The first datagram is shown as tshark reads it.
make_channels() {
	step "1. the stream: two channels, $COUNT datagrams each: RTP + 7 x 188-byte TS packets (1328 bytes)"
	for c in 1 2; do
		/usr/bin/python3 "$top/scripts/mkstream.py" "$work/ch$c.pcap" --count "$COUNT" \
			--rtp --group 239.1.1.$c || exit 1
		$mcast pcap-udp "$work/ch$c.pcap" 239.1.1.$c 5000 >"$work/ch$c.pay" || exit 1
	done
	echo "  channel 1 = 239.1.1.1:5000$1, channel 2 = 239.1.1.2:5000$2; the first datagram, by tshark:"
	tshark -r "$work/ch1.pcap" -d udp.port==5000,rtp -c 1 -T fields -e rtp.seq -e mp2t.pid \
		-e mp2t.tsc 2>/dev/null | sed 's/0x0000*\([0-9a-f]\)/0x\1/g' | awk -F'\t' '{
		print "    RTP seq " $1 "; TS PIDs " $2 " (0x0 PAT, 0x100 video, 0x101 audio, 0x1fff null)"
		print "    transport_scrambling_control " $3 " (0 = clear)" }'
}

# run_guest TIMEOUT SCRIPT ARGS...: SCRIPT in Debian's kernel under qemu,
# its output shown as it comes (the runner would show it only at the end);
# the guest's own checks (verdict.txt, one "ok|FAILED what" a line) count
# in the verdict. $tailpid is the caller's trap's to kill.
run_guest() {
	_limit=$1
	shift
	: >"$work/output.log"
	tail -n +1 -F "$work/output.log" 2>/dev/null &
	tailpid=$!
	"$top/selftests/vm/run.sh" --timeout "$_limit" --keep "$work" -- "$@" >"$work/vm.out" 2>&1
	_rc=$?
	sleep 1
	kill "$tailpid" 2>/dev/null
	wait "$tailpid" 2>/dev/null
	tailpid=
	grep '^# vm:' "$work/vm.out" | grep -v 'results in'
	[ $_rc = 0 ] || fail "the VM run (status $_rc; $work/console.log, dmesg)"
	grep -q . "$work/verdict.txt" 2>/dev/null || fail "the VM part left no results"
	while read -r _r _what; do
		[ "$_r" = ok ] || verdict=1
	done <"$work/verdict.txt"
}
