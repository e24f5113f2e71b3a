#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# xfrm_module.sh: mcsec.ko against Linux's own ESP (xfrm), the reference
# peer, in both directions with the same SAs; and the skb shapes a local
# sender makes (GSO, frag_list) and reassembly makes, through the hooks.
#
#   ns "lx" (Linux xfrm peer)                 ns "mc" (mcsec.ko, mcsecctl)
#   va 10.3.0.1/24, 2001:db8:3::1/64 ======== vb 10.3.0.2/24, 2001:db8:3::2/64
#                                             ^ packet socket holding every
#                                               frame during (b): clones
#
# Every case is a flow on its own UDP port with its own SPI; all cases of a
# direction are installed at once (xfrm with one `ip -batch`, mcsec with
# one `mcsecctl setconf`), then one sender sends every flow, one after the
# other, to one receiver listening on every port.
# (a) mcsec encrypts at LOCAL_OUT, Linux decrypts: encrypt groups in "mc";
#     in "lx" an xfrm state per SPI and an in policy per port (tmpl with
#     the SPI; tunnel: src S dst G), and sockets joined on va.
# (b) Linux encrypts, mcsec decrypts at PRE_ROUTING: a state and an out
#     policy per port in "lx"; decrypt groups (required) in "mc" and
#     sockets joined on vb.
# Per case (one test): the receiver gets every datagram byte-exact (its
# kernel verified every UDP checksum), Linux's state counted exactly that
# many packets with no replay or integrity failure, and the module's group
# counted exactly the datagrams and their octets and nothing else. Per
# direction: no counter of lx's /proc/net/xfrm_stat moved. In (b): the
# packet socket on vb still holds ESP only, none of the payload bytes in
# clear, though the module decrypted those very skbs' clones in place.
# Cases, each direction:
#   aes128-gcm, aes256-gcm (rfc4106), aes128-gmac (rfc4543),
#   chacha20-poly1305 (rfc7539esp) x tunnel (address preserving), transport
#   x IPv4, IPv6, ESN on in half (16); ESN across 2^32 (from 0xfffffff0);
#   datagrams of 2000..6000 bytes, beyond the MTU, IPv4 and IPv6: at
#   LOCAL_OUT the skb has a frag_list and the ESP leaves fragmented; at
#   PRE_ROUTING nf_defrag reassembled Linux's fragments and the module
#   decrypts a nonlinear skb;
#   (a) only: GSO, 10 datagrams per sendmsg with UDP_SEGMENT, IPv4 and
#   IPv6: one GSO skb at LOCAL_OUT that the module segments.
# Notes on multicast xfrm are at the top of selftests/xfrm_interop.sh.
#
# Run it as: selftests/vm/run.sh -- selftests/xfrm_module.sh
# MCSEC_BUILD (default build/ at the top of the tree) holds mcsecctl.

. "$(dirname "$0")/lib.sh"

top=$(cd "$(dirname "$0")/.." && pwd -P)
MCSEC_BUILD=${MCSEC_BUILD:-build}
case $MCSEC_BUILD in /*) ;; *) MCSEC_BUILD=$top/$MCSEC_BUILD ;; esac
CTL=$MCSEC_BUILD/userspace-ctl/mcsecctl/mcsecctl

COUNT=20
M4=10.3.0.2 M6=2001:db8:3::2     # mcsec's side
L4=10.3.0.1 L6=2001:db8:3::1     # Linux's side
G4=239.3.2.1 G6=ff3e::4d:2
SUITES="aes128-gcm aes256-gcm aes128-gmac chacha20-poly1305"
N_A=21
N_B=19

phase() {
	echo "# $(cut -d' ' -f1 /proc/uptime) s: $*"
}

ktap_require_root
ktap_header $((N_A + N_B + 3))

bail() {
	echo "# $*"
	while [ "$ktap_n" -lt "$ktap_planned" ]; do
		ktap_fail "$*"
	done
	ktap_finish
}

[ -x "$CTL" ] || bail "no mcsecctl at $CTL (set MCSEC_BUILD)"
modprobe mcsec || bail "cannot load mcsec.ko"
for m in esp4 esp6 xfrm_user; do
	modprobe -q "$m" 2>/dev/null
done

T=$LIB_TMP
ns_new LX lx && ns_new MC mc || exit 1
link_add "$LX" va "$MC" vb $L4/24 $L6/64 $M4/24 $M6/64 || exit 1
ip -n "$LX" route add 224.0.0.0/4 dev va
ip -n "$MC" route add 224.0.0.0/4 dev vb

ctl() {
	_ns=$1
	shift
	nsenter --net="/run/netns/$_ns" "$CTL" "$@"
}

phase "payloads and keys"
# payloads: 20 x 1..1300 bytes per plain case, 10 x 2000..6000 for the
# big ones, 20 x 1000 for GSO (UDP_SEGMENT needs equal sizes)
mc_payloads "$T/small" $((18 * COUNT)) xfrm-module 1 1300 &&
	mc_payloads "$T/big" 40 xfrm-module-big 2000 6000 &&
	mc_payloads "$T/gso" $((2 * COUNT)) xfrm-module-gso 1000 1000 || bail "no payloads"
# keys: one line of 36 random bytes per case
od -An -tx1 -v -w36 -N$((36 * (N_A + N_B))) /dev/urandom | tr -d ' ' >"$T/keys"

alg_of() {
	case $1 in
	aes128-gcm | aes256-gcm) echo 'rfc4106(gcm(aes))' ;;
	aes128-gmac) echo 'rfc4543(gcm(aes))' ;;
	chacha20-poly1305) echo 'rfc7539esp(chacha20,poly1305)' ;;
	esac
}

# key_hex SUITE LINE: the case's key || salt, hex
key_hex() {
	case $1 in
	aes128-gcm | aes128-gmac) printf '%.40s' "$2" ;;
	*) printf '%s' "$2" ;;
	esac
}

# --- the cases: files only, builtins only (every exec is slow under TCG) ----

n_case=0
exec 3<"$T/keys"

# add_case DIR(a|b) SUITE MODE FAMILY esn|noesn PAYLOADS FIRST COUNT [SEQ [GSO]]
# PAYLOADS lines FIRST..FIRST+COUNT-1 are the case's datagrams
add_case() {
	dir=$1 suite=$2 mode=$3 fam=$4 esn=$5 src_pl=$6 first=$7 cnt=$8
	seq=${9:-} gso=${10:-}
	n_case=$((n_case + 1))
	tag=$dir$n_case
	port=$((7000 + n_case))
	spi=$(printf '0x%08x' $((0x6d780000 + n_case)))
	read -r line <&3
	key=$(key_hex "$suite" "$line")
	echo "$key" >"$T/$tag.key"
	if [ "$fam" = 4 ]; then
		grp=$G4 hl=28
		[ "$dir" = a ] && src=$M4 || src=$L4
	else
		grp=$G6 hl=48
		[ "$dir" = a ] && src=$M6 || src=$L6
	fi
	# the case's datagrams and the octets the module counts (inner packets)
	: >"$T/$tag.p"
	octets=0 i=0
	while IFS= read -r pl; do
		i=$((i + 1))
		[ $i -lt "$first" ] && continue
		[ $i -ge $((first + cnt)) ] && break
		echo "$pl" >>"$T/$tag.p"
		octets=$((octets + hl + ${#pl} / 2))
	done <"$src_pl"
	flags= noesn= seqopt= xseq=
	[ "$esn" = esn ] && flags="flag esn" || noesn=no-esn
	if [ -n "$seq" ]; then
		seqopt="seq $seq"
		# the Linux end: its window (a) or counter (b) just below seq
		[ "$dir" = a ] && xseq="replay-seq $(printf '0x%x' $((seq - 1)))" ||
			xseq="replay-oseq $(printf '0x%x' $((seq - 1)))"
	fi
	tmpl="tmpl proto esp spi $spi mode $mode"
	[ "$mode" = tunnel ] && tmpl="tmpl src $src dst $grp proto esp spi $spi mode tunnel"
	echo "xfrm state add src $src dst $grp proto esp spi $spi mode $mode $flags replay-window 64 $xseq aead $(alg_of $suite) 0x$key 128" >>"$T/$dir.xfrm"
	if [ "$dir" = a ]; then
		echo "xfrm policy add src $src dst $grp proto udp dport $port dir in $tmpl" >>"$T/$dir.xfrm"
		echo "group add $grp port $port dir encrypt format esp-$mode" >>"$T/$dir.conf"
		echo "sa add $grp port $port spi $spi suite $suite key-file $T/$tag.key $noesn $seqopt" >>"$T/$dir.conf"
		echo "vb $grp $port $T/$tag.p $gso" >>"$T/$dir.send"
		echo "va $grp $port $cnt $T/$tag.got" >>"$T/$dir.recv"
		echo "$port out-octets-protected=$octets out-pkts-protected=$cnt" >"$T/$tag.want"
	else
		echo "xfrm policy add src $src dst $grp proto udp dport $port dir out $tmpl" >>"$T/$dir.xfrm"
		echo "group add $grp port $port dir decrypt format esp-$mode required" >>"$T/$dir.conf"
		echo "sa add $grp port $port spi $spi suite $suite key-file $T/$tag.key $noesn" >>"$T/$dir.conf"
		echo "va $grp $port $T/$tag.p" >>"$T/$dir.send"
		echo "vb $grp $port $cnt $T/$tag.got" >>"$T/$dir.recv"
		echo "$port in-octets-ok=$octets in-pkts-ok=$cnt" >"$T/$tag.want"
	fi
	# what the packets are: the datagrams of the state, through xfrm
	npkts=$cnt
	echo "$spi $npkts" >"$T/$tag.xwant"
	what="$suite $mode IPv$fam $esn${seq:+ from seq $seq}${gso:+, GSO $gso per sendmsg}"
	[ "$src_pl" = "$T/big" ] && what="$what, datagrams of 2000..6000 bytes"
	echo "$what" >"$T/$tag.name"
	echo "$tag" >>"$T/$dir.cases"
}

# plain cases: small payload lines 20 per case, a and b share none
plain_cases() {
	# (shell variables are global: add_case's own must not be reused here)
	pc_dir=$1 pc_base=$2
	k=0
	for mode in tunnel transport; do
		for suite in $SUITES; do
			for fam in 4 6; do
				k=$((k + 1))
				esn=noesn
				[ $((k % 2)) = 1 ] && esn=esn
				add_case "$pc_dir" $suite $mode $fam $esn "$T/small" $((pc_base + (k - 1) * COUNT)) $COUNT
			done
		done
	done
}

phase "plan"
for f in a.xfrm a.conf a.send a.recv a.cases b.xfrm b.conf b.send b.recv b.cases; do
	: >"$T/$f"
done
plain_cases a 1
add_case a aes128-gcm tunnel 4 esn "$T/small" $((16 * COUNT + 1)) $COUNT 0xfffffff0
add_case a aes128-gcm tunnel 4 esn "$T/big" 1 10
add_case a chacha20-poly1305 transport 6 esn "$T/big" 11 10
add_case a aes128-gcm tunnel 4 esn "$T/gso" 1 $COUNT "" 10
add_case a aes256-gcm transport 6 noesn "$T/gso" $((COUNT + 1)) $COUNT "" 10
plain_cases b 1
add_case b aes128-gcm tunnel 6 esn "$T/small" $((17 * COUNT + 1)) $COUNT 0xfffffff0
add_case b aes128-gcm tunnel 4 esn "$T/big" 21 10
add_case b aes256-gcm transport 6 noesn "$T/big" 31 10
exec 3<&-

# run_dir a|b: install, send, receive, read the counters
run_dir() {
	dir=$1
	if [ "$dir" = a ]; then
		tx=$MC rx=$LX
	else
		tx=$LX rx=$MC
	fi
	ip -n "$LX" -batch "$T/$dir.xfrm" 2>&1 | ktap_diag
	ctl "$MC" setconf "$T/$dir.conf" 2>&1 | ktap_diag
	ip netns exec "$LX" cat /proc/net/xfrm_stat >"$T/$dir.stat"
	[ "$dir" = b ] && sniff_start "$MC" vb "$T/b.sniff"
	rm -f "$T/$dir.ready"
	ip netns exec "$rx" $MCAST recv-many "$T/$dir.recv" --ready "$T/$dir.ready" \
		--timeout 60 2>"$T/$dir.err" &
	_pid=$!
	wait_for 30 test -e "$T/$dir.ready" || echo "# the receiver does not listen"
	ip netns exec "$tx" taskset -c 0 $MCAST send-many "$T/$dir.send" 2>&1 | ktap_diag
	wait $_pid
	ktap_diag <"$T/$dir.err"
	[ "$dir" = b ] && sniff_stop "$T/b.sniff"
	# lx's states: "SPI PACKETS REPLAY FAILED"
	ip -n "$LX" -s xfrm state | awk '
		/proto esp spi/ { spi = $4; sub(/\(.*/, "", spi) }
		/\(bytes\), [0-9]+\(packets\)/ { p = $2; sub(/\(packets\)/, "", p) }
		/replay-window [0-9]+ replay [0-9]+ failed/ { print spi, p, $4, $6 }' >"$T/$dir.xstates"
	# mcsec's groups: "PORT counter=value..." for the counters not 0
	ctl "$MC" -j -s group show | /usr/bin/python3 -S -c '
import json, sys
for g in json.load(sys.stdin):
    print(g["port"], " ".join("%s=%d" % kv for kv in sorted(g["stats"].items()) if kv[1]))' \
		>"$T/$dir.counters"
}

# case_ok TAG: byte-exact, lx's state and mcsec's group counted exactly
case_ok() {
	same_payloads "$T/$1.p" "$T/$1.got" || return 1
	read -r _spi _n <"$T/$1.xwant"
	read -r _want <"$T/$1.want"
	if ! grep -qx "$_spi $_n 0 0" "$T/${1%%[0-9]*}.xstates"; then
		echo "xfrm state $_spi: $(grep "^$_spi " "$T/${1%%[0-9]*}.xstates"), wanted $_n packets, 0 replay, 0 failed" | ktap_diag
		return 1
	fi
	grep -qx "$_want" "$T/${1%%[0-9]*}.counters" && return 0
	echo "mcsec: $(grep "^${_want%% *} " "$T/${1%%[0-9]*}.counters"), wanted $_want" | ktap_diag
	return 1
}

report_dir() {
	dir=$1
	while read -r tag; do
		read -r name <"$T/$tag.name"
		if [ "$dir" = a ]; then
			desc="mcsec encrypts, Linux decrypts: $name"
		else
			desc="Linux encrypts, mcsec decrypts: $name"
		fi
		ktap_check "$desc" case_ok "$tag"
	done <"$T/$dir.cases"
}

stat_clean() {
	ip netns exec "$LX" cat /proc/net/xfrm_stat >"$T/$1.stat.after"
	cmp -s "$T/$1.stat" "$T/$1.stat.after" && return 0
	diff "$T/$1.stat" "$T/$1.stat.after" | ktap_diag
	return 1
}

phase "(a) mcsec encrypts"
run_dir a
report_dir a
ktap_check "mcsec encrypts: no counter of Linux's /proc/net/xfrm_stat moved" stat_clean a
ip -n "$LX" xfrm policy flush
ip -n "$LX" xfrm state flush
ctl "$MC" flush

phase "(b) Linux encrypts"
run_dir b
report_dir b
ktap_check "Linux encrypts: no counter of Linux's /proc/net/xfrm_stat moved" stat_clean b
# every payload of (b) but GMAC's (which encrypts nothing, by design), for
# the clear-text check of the packet socket
for tag in $(cat "$T/b.cases"); do
	read -r name <"$T/$tag.name"
	case $name in aes128-gmac*) ;; *) cat "$T/$tag.p" ;; esac
done >"$T/b.all"
ktap_check "vb's packet socket held every frame (cloned skbs) while mcsec decrypted in place: it holds only ESP, no payload byte in clear" \
	cap_check "$T/b.sniff" $G4 --only-esp --no-payloads "$T/b.all" --min 100
phase "done"

ktap_finish
