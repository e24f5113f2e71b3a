#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The part of `make run` that runs inside the VM (scripts/demo.sh boots it):
# the IPTV service with mcsecd keeping the keys moving. Eight namespaces:
#
#                                   keyserver  mcsecd (key server)
#                                   k0 10.0.9.2   7443/tcp, mutual TLS 1.3
#                                    |
#   sender      head-end            c3 10.0.9.1       edge1 (mcsecd member)     sub1
#   s0 -------- h0 mcsec.ko h1 ---- c0   core   c1 -- e0 mcsec.ko e1 ---------- r0
#   10.0.1.1    .1.2  10.0.2.1      .2.2  10.0.3.1    .3.2       10.0.4.1      .4.2
#               mcsecd member       ^capture    c2 -- e0 mcsec.ko e1 ---------- r0
#               scrambles ch1,      (ciphertext 10.0.5.1 .5.2    10.0.6.1      .6.2
#               ESP-protects ch2     only?)           edge2 (mcsecd member)     sub2
#
#   ch1  239.1.1.1:5000  DVB-CISSA (RTP + 7x188 TS), crypto period 3 s;
#                        package of edge1 and edge2
#   ch2  239.1.1.2:5000  group ESP tunnel, AES-128-GCM, rekey 3 s; package
#                        of edge1 only: edge2 forwards it as ESP it cannot open
#
# Every key comes from the key server over mutual TLS 1.3 (certificates
# from mkca.sh, made by demo.sh) and goes into mcsec.ko through libmcsec;
# none is on a command line, in a log or printed (checked at the end).
#
#   demo-vm.sh WORK [GAP REKEY MIN_ROTATIONS]   (WORK: the folder demo.sh
#                                               prepared, writable here)
#
# WORK holds, from demo.sh: ch1.pay, ch2.pay (the datagrams, hex per line)
# and ca/ (the test CA, the key server's and the members' certificates).
# Left there for demo.sh: the core's captures core1.pcap and core2.pcap,
# edge2's downstream capture of ch2 (edge2-ch2.pcap), what the subscribers
# received (sub1.ch1.got ...), the counters (NAME.GROUP.stats.json), the
# mcsecd logs (*.log, no key in them) and result lines in verdict.txt
# ("ok|fail WHAT").
set -u
work=$1
top=$(cd "$(dirname "$0")/.." && pwd -P)
# lib.sh: namespaces with cleanup, links, smcroute, multicast helpers
LIB_SH=$top/selftests/lib.sh
. "$LIB_SH"
PATH=$top/build/userspace-ctl/mcsecctl:$PATH
MCSECD=$top/build/userspace-ctl/mcsecd/mcsecd
T=$LIB_TMP
G1=239.1.1.1 G2=239.1.1.2 PORT=5000
# (from demo.sh: the guest does not inherit the host's environment)
GAP=${2:-0.04}		# seconds between datagrams, per channel
REKEY=${3:-3}		# TS crypto period and ESP key lifetime, seconds
MIN_ROT=${4:-5}		# rotations per channel wanted (keys made: twice that)
n=$(wc -l <"$work/ch1.pay")
# mcsecd stamps its log lines in local time: UTC, as demo.sh reads them
export TZ=UTC
: >"$work/verdict.txt"

T0=$(date +%s)
say() { printf '\n== %s (t+%ss)\n' "$*" $(($(date +%s) - T0)); }
result() {	# result ok|fail WHAT
	echo "$1 $2" >>"$work/verdict.txt"
	[ "$1" = ok ] && echo "  -> $2" || echo "  -> FAILED: $2"
}
# nonzero NS: the namespace's non-zero mcsec counters on one line
nonzero() {
	ip netns exec "$1" mcsecctl stats |
		awk '$2 != 0 { printf " %s=%s", $1, $2; n++ } END { print n ? "" : " (all zero)" }'
}
# counters: `mcsecctl stats` of the edges, then the head-end (so that what
# an edge accepted never looks ahead of what the head-end sent)
counters() {
	_e1=$(nonzero "$E1")
	_e2=$(nonzero "$E2")
	_h=$(nonzero "$HE")
	printf '    head-end:%s\n    edge1:   %s\n    edge2:   %s\n' "$_h" "$_e1" "$_e2"
}
# keys_seen: every key the key server holds now (its state file), kept in
# the guest's tmpfs only, to look for them in logs and command lines later
keys_seen() {
	sed -n 's/^key .* material \([0-9a-f]*\)$/\1/p' "$T/state" >>"$T/keys.seen" 2>/dev/null
	cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\0' '\n' >>"$T/cmdlines"
}

# --- the topology ----------------------------------------------------------------

setup() {
	ns_new SND sender && ns_new HE headend && ns_new CORE core &&
		ns_new KS keyserver && ns_new E1 edge1 && ns_new S1 sub1 &&
		ns_new E2 edge2 && ns_new S2 sub2 || return 1
	link_add "$SND" s0 "$HE" h0 10.0.1.1/24 - 10.0.1.2/24 - &&
		link_add "$HE" h1 "$CORE" c0 10.0.2.1/24 - 10.0.2.2/24 - &&
		link_add "$CORE" c1 "$E1" e0 10.0.3.1/24 - 10.0.3.2/24 - &&
		link_add "$E1" e1 "$S1" r0 10.0.4.1/24 - 10.0.4.2/24 - &&
		link_add "$CORE" c2 "$E2" e0 10.0.5.1/24 - 10.0.5.2/24 - &&
		link_add "$E2" e1 "$S2" r0 10.0.6.1/24 - 10.0.6.2/24 - &&
		link_add "$CORE" c3 "$KS" k0 10.0.9.1/24 - 10.0.9.2/24 - || return 1
	for _r in "$HE" "$CORE" "$E1" "$E2"; do
		ns_router "$_r" || return 1
	done
	ip -n "$SND" route add default via 10.0.1.2 &&
		ip -n "$HE" route add default via 10.0.2.2 &&
		ip -n "$CORE" route add 10.0.1.0/24 via 10.0.2.1 &&
		ip -n "$E1" route add default via 10.0.3.1 &&
		ip -n "$E2" route add default via 10.0.5.1 &&
		ip -n "$S1" route add default via 10.0.4.1 &&
		ip -n "$S2" route add default via 10.0.6.1 &&
		ip -n "$KS" route add default via 10.0.9.1 || return 1
	# (S,G) routes, in the kernel at once (see lib.sh topo_setup)
	mroute_start "$HE" h0 h1 && mroute_start "$CORE" c0 c1 c2 &&
		mroute_start "$E1" e0 e1 && mroute_start "$E2" e0 e1 || return 1
	for _g in $G1 $G2; do
		mroute_add "$HE" h0 10.0.1.1 $_g h1 &&
			mroute_add "$CORE" c0 10.0.1.1 $_g c1 c2 &&
			mroute_add "$E1" e0 10.0.1.1 $_g e1 &&
			mroute_add "$E2" e0 10.0.1.1 $_g e1 || return 1
	done
}

# --- mcsecd ------------------------------------------------------------------------

server_conf() {
	cat >"$T/server.conf" <<CONF
[server]
listen = 10.0.9.2:7443
certificate = $work/ca/server.crt
key = $work/ca/server.key
ca = $work/ca/ca.crt
state = $T/state
ack-timeout = 5s
grace = 1s

[group ch1]
address = $G1
port = $PORT
format = ts-cissa
rtp = yes
required = yes
rekey = ${REKEY}s
encrypt = headend

[group ch2]
address = $G2
port = $PORT
format = esp-tunnel
suite = aes128-gcm
required = yes
rekey = ${REKEY}s
encrypt = headend

[member headend]
[member edge1]
groups = ch1, ch2
[member edge2]
groups = ch1
CONF
}

member_start() {	# NAME NS
	cat >"$T/$1.conf" <<CONF
[member]
server = 10.0.9.2:7443
server-identity = keyserver
certificate = $work/ca/$1.crt
key = $work/ca/$1.key
ca = $work/ca/ca.crt
fastpath = kernel
backoff-min = 200ms
backoff-max = 1s
CONF
	ip netns exec "$2" "$MCSECD" -c "$T/$1.conf" >"$work/$1.log" 2>&1 &
	echo $! >"$T/$1.pid"
}

synced() {
	for _m in headend edge1 edge2; do
		grep -q "synced with 10.0.9.2:7443" "$work/$_m.log" || return 1
	done
}

say "topology: sender -> head-end -> core -> edge1 -> sub1, core -> edge2 -> sub2; key server on the core (8 namespaces)"
if ! setup; then
	cat "$T"/smcroute.*.log 2>/dev/null
	result fail "topology set up"
	exit 1
fi
echo "  multicast routes (S,G) 10.0.1.1 -> $G1 and $G2: head-end h0->h1, core c0->c1,c2, edges e0->e1 (smcroute)"
modprobe mcsec || { result fail "mcsec.ko loads"; exit 1; }
echo "  mcsec.ko loaded (modprobe mcsec)"

say "mcsecd: the key server, then a member on the head-end and on each edge"
server_conf
echo "  keyserver# mcsecd -c server.conf   (groups ch1 ts-cissa, ch2 esp-tunnel; rekey ${REKEY}s; edge1: ch1+ch2, edge2: ch1)"
ip netns exec "$KS" "$MCSECD" -c "$T/server.conf" >"$work/server.log" 2>&1 &
echo $! >"$T/server.pid"
wait_for 20 grep -q "key server listening" "$work/server.log" ||
	{ cat "$work/server.log"; result fail "the key server started"; exit 1; }
for m in headend:"$HE" edge1:"$E1" edge2:"$E2"; do
	echo "  ${m%%:*}# mcsecd -c ${m%%:*}.conf   (fastpath = kernel)"
	member_start "${m%%:*}" "${m#*:}"
done
if wait_for 60 synced; then
	result ok "the three members joined the key server over mutual TLS 1.3 and synced"
else
	tail -n 5 "$work"/*.log
	result fail "the members joined the key server"
	exit 1
fi
sed -n '/joined/s/^/    /p' "$work/server.log"
for x in headend:"$HE" edge1:"$E1" edge2:"$E2"; do
	echo "  ${x%%:*}# mcsecctl group show   (what its mcsecd set up in mcsec.ko)"
	ip netns exec "${x#*:}" mcsecctl group show | sed 's/^/    /'
done
if ip netns exec "$E2" mcsecctl group show | grep -q "^group $G2 "; then
	result fail "edge2 (package: ch1) has no group for ch2"
else
	result ok "edge2 (package: ch1) has no group for ch2: it never got a key of it"
fi
keys_seen

say "the stream: $n + $n datagrams of 1328 bytes (RTP + 7x188 TS), one per ${GAP}s per channel, keys rotating every ${REKEY}s"
# the captures and the receivers start side by side (each is a process
# start that takes a second or more under TCG), then all must be ready
starting=
for c in 1 2; do
	eval "g=\$G$c"
	cap_start "$CORE" c0 "$work/core$c.pcap" dst "$g" &
	starting="$starting $!"
	for s in 1 2; do
		eval "ns=\$S$s"
		mc_recv_start "$ns" r0 "$g" $PORT "$n" "$T/sub$s.ch$c" --timeout 900 &
		starting="$starting $!"
	done
done
cap_start "$E2" e1 "$work/edge2-ch2.pcap" dst $G2 &
starting="$starting $!"
ready=1
for j in $starting; do
	wait "$j" || ready=0
done
if [ $ready = 0 ]; then
	cat "$work"/*.pcap.log "$T"/sub*.err 2>/dev/null
	result fail "the captures and the subscribers' sockets started"
	exit 1
fi
echo "  sub1 and sub2 joined both channels; the core records both on c0, edge2 records ch2 on e1 (tcpdump)"
rot0=$(grep -c "told to switch" "$work/server.log")
mc_send "$SND" s0 $G1 $PORT "$work/ch1.pay" --gap "$GAP" &
s1=$!
mc_send "$SND" s0 $G2 $PORT "$work/ch2.pay" --gap "$GAP" &
s2=$!
# live: what mcsecd did and the counters, every 3 seconds
t0=$(date +%s)
seen=$(wc -l <"$work/server.log")
while kill -0 $s1 2>/dev/null || kill -0 $s2 2>/dev/null; do
	sleep 3
	echo "  -- t+$(($(date +%s) - t0))s"
	now=$(wc -l <"$work/server.log")
	sed -n "$((seen + 1)),${now}p" "$work/server.log" |
		grep -E "told to switch" | sed 's/^/    keyserver: /'
	seen=$now
	keys_seen
	counters
done
sent=0
wait $s1 && wait $s2 && sent=1
rot=$(($(grep -c "told to switch" "$work/server.log") - rot0))
# the receivers: a few seconds for the last datagrams, then stopped (what
# they got is written on SIGTERM); they are not this shell's children
for c in 1 2; do
	for s in 1 2; do
		_pid=$(cat "$T/sub$s.ch$c.pid")
		_w=10
		[ $s$c = 22 ] && _w=1	# sub2's ch2: nothing will come
		wait_for $_w eval '! kill -0 $_pid 2>/dev/null'
		kill -TERM "$_pid" 2>/dev/null
		wait_for 10 eval '! kill -0 $_pid 2>/dev/null'
		cp "$T/sub$s.ch$c" "$work/sub$s.ch$c.got" 2>/dev/null || : >"$work/sub$s.ch$c.got"
	done
done
for f in core1 core2 edge2-ch2; do
	cap_stop "$work/$f.pcap" 1
	# not this shell's child either: wait until it wrote everything
	_pid=$(cat "$work/$f.pcap.pid")
	wait_for 10 eval '! kill -0 $_pid 2>/dev/null'
done
keys_seen
echo "  -- after the stream (t+$(($(date +%s) - t0))s):"
counters
[ $sent = 1 ] || result fail "the sender sent both channels"
for x in headend:"$HE" edge1:"$E1" edge2:"$E2"; do
	echo "  ${x%%:*}# mcsecctl sa show   (the SAs mcsecd keeps, never their keys)"
	ip netns exec "${x#*:}" mcsecctl sa show | sed 's/^/    /'
	for g in $G1 $G2; do
		ip netns exec "${x#*:}" mcsecctl -j stats $g port $PORT >"$work/${x%%:*}.$g.stats.json" 2>/dev/null
	done
done

# the daemons stop here: the checks below need no more rotations (and a
# TCG guest runs them faster without); the fast paths keep their keys
for m in headend edge1 edge2; do
	kill -TERM "$(cat "$T/$m.pid")"
done
kill -TERM "$(cat "$T/server.pid")"
stopped=1
for m in headend edge1 edge2 server; do
	wait "$(cat "$T/$m.pid")" || stopped=0
done
if [ $stopped = 1 ]; then
	result ok "mcsecd stopped cleanly on SIGTERM: the members, then the key server"
else
	result fail "mcsecd stopped on SIGTERM with an error (see $work/*.log)"
fi

say "what the subscribers received"
for s in 1 2; do
	for c in 1 2; do
		[ $s = 2 ] && [ $c = 2 ] && continue
		eval "g=\$G$c"
		if same_payloads "$work/ch$c.pay" "$work/sub$s.ch$c.got"; then
			result ok "sub$s, ch$c ($g): $n of $n datagrams, byte-exact, in order, across every rotation"
		else
			result fail "sub$s, ch$c ($g): $(wc -l <"$work/sub$s.ch$c.got") of $n datagrams, or not the sender's"
		fi
	done
done
if [ ! -s "$work/sub2.ch2.got" ] &&
	cap_check "$work/edge2-ch2.pcap" $G2 --only-esp --no-payloads "$work/ch2.pay" --min "$n"; then
	result ok "sub2, ch2 (not in edge2's package): nothing at its socket; edge2 forwarded $n ESP packets it could not open, no 16-byte run of the stream in clear"
else
	result fail "sub2, ch2 (not in edge2's package): something of ch2 reached sub2 in clear"
fi

say "what the core saw (its captures; demo.sh opens them with tshark)"
if cap_check "$work/core2.pcap" $G2 --only-esp --no-payloads "$work/ch2.pay" --min "$n"; then
	result ok "ch2 in the core: ESP only, no 16-byte run of any datagram in clear"
else
	result fail "ch2 in the core: not ESP only, or cleartext seen"
fi
cap_udp "$work/core1.pcap" $G1 $PORT >"$T/core1"
# PMT too: mcsecd's TS groups scramble every PID but PSI (0x0000-0x001F)
# and null, the fast paths' default
if /usr/bin/python3 -S "$top/scripts/tscheck.py" scrambled "$work/ch1.pay" "$T/core1" 256,257,4096 --runs; then
	result ok "ch1 in the core: every video/audio/PMT TS packet scrambled, each datagram with one key; PAT and null packets clear"
else
	result fail "ch1 in the core: video or audio in clear, or a datagram with two keys"
fi

say "mcsecd: the rotations, and where the keys went"
for g in ch1 ch2; do
	r=$(grep -c "group $g: .* told to switch" "$work/server.log")
	echo "  key server: group $g rotated $r times ($(grep -c "group $g: rotation [0-9]* done" "$work/server.log") done and old key retired)"
done
echo "  key server: $rot switches of the head-end's keys from the senders' start to their end, both channels (demo.sh counts those the core saw)"
sort -u "$T/keys.seen" -o "$T/keys.seen"
nk=$(grep -c . "$T/keys.seen")
# the logs, this output so far, the captures and every command line seen
if [ "$nk" -ge $((2 * MIN_ROT)) ] &&
	! grep -a -q -i -F -f "$T/keys.seen" "$work"/*.log "$work"/*.pcap "$T/cmdlines" "$T"/*.conf; then
	result ok "none of the $nk keys sampled from the key server's state is in a log, this output, a capture, a config or any command line"
else
	result fail "a key in a log, the output, a capture or a command line (or too few keys seen: $nk)"
fi
exit 0
