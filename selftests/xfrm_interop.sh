#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# xfrm_interop.sh: the core's group ESP byte layout against Linux's own ESP
# (xfrm), the reference peer, in both directions, through mcsec-pcap. Needs
# no mcsec.ko: esp4, esp6 and xfrm_user of the running kernel.
#
#   ns "lx" (Linux xfrm peer)                 ns "mc" (mcsec side)
#   va 10.1.0.1/24, 2001:db8:1::1/64 ======== vb 10.1.0.2/24, 2001:db8:1::2/64
#                                             ^ capture (a), receiver (b)
#
# (a) Linux encrypts, mcsec decrypts: an xfrm state and an out policy for
#     UDP to the group in "lx"; a socket there sends 20 datagrams to the
#     group; tcpdump on vb records the ESP; the capture must hold nothing
#     but ESP to the group and none of the payload bytes in clear, and
#     `mcsec-pcap --decrypt` with the same key file must give back exactly
#     the 20 datagrams, in order, none dropped.
# (b) mcsec encrypts, Linux decrypts: mcsec-pcap --encrypt a capture of 20
#     datagrams to the group (source = va's address), replay it onto va
#     (AF_PACKET, as tcpreplay does); in "mc" an xfrm state and an in policy for the
#     group, and a socket joined to it on vb, which must receive the 20
#     datagrams byte-exact, while the state counts 20 packets and no
#     replay, integrity or other xfrm error (ip -s xfrm state,
#     /proc/net/xfrm_stat).
# Suites: rfc4106(gcm(aes)) 128 and 256 (aes128-gcm, aes256-gcm),
# rfc4543(gcm(aes)) (aes128-gmac), rfc7539esp(chacha20,poly1305)
# (chacha20-poly1305); tunnel (address preserving: outer = inner source
# and group) and transport; IPv4 and IPv6; ESN on and off, and a sequence
# number crossing 2^32 under ESN in both directions.
#
# What xfrm needs for multicast ESP, as this test sets it up:
#   - out: a policy "src S/32 dst G/32 proto udp dir out" with a template
#     naming the state (tunnel: tmpl src S dst G, so the outer header keeps
#     S and G); the state is keyed by daddr = the group. Multicast routing
#     and IP_MULTICAST_IF work as for cleartext.
#   - in: the state is found by (daddr = group, SPI, esp) like any other;
#     but the ESP packet must first be accepted for local delivery, which
#     for a multicast daddr means some socket joined the group on the
#     receiving interface (ip_check_mc_rcu/ipv6_chk_mcast_addr, whatever
#     the protocol). The decapsulated datagram then passes the in policy
#     "src S/32 dst G/32 proto udp dir in tmpl [src S dst G] proto esp mode
#     M": its template matches the state by proto, mode and, for tunnel,
#     both addresses. Cleartext to the group is refused by that policy
#     (XfrmInTmplMismatch), which the last test checks.
#   - ESN: "flag esn" with a replay-window; a receiver that must accept a
#     first sequence number near 2^32 needs its window placed there
#     ("replay-seq"), or Linux infers the wrong high half.
#
# Run it as: selftests/vm/run.sh -- selftests/xfrm_interop.sh
# MCSEC_BUILD (default build/ at the top of the tree) holds mcsec-pcap.

. "$(dirname "$0")/lib.sh"

top=$(cd "$(dirname "$0")/.." && pwd -P)
MCSEC_BUILD=${MCSEC_BUILD:-build}
case $MCSEC_BUILD in /*) ;; *) MCSEC_BUILD=$top/$MCSEC_BUILD ;; esac
PCAP_TOOL=$MCSEC_BUILD/userspace-ctl/mcsec-pcap/mcsec-pcap

COUNT=20
PORT=5004
S4=10.1.0.1 S6=2001:db8:1::1
G4=239.1.2.3 G6=ff3e::4d:1

ktap_require_root
ktap_header 24

if [ ! -x "$PCAP_TOOL" ]; then
	echo "# no mcsec-pcap at $PCAP_TOOL (set MCSEC_BUILD)"
	while [ "$ktap_n" -lt "$ktap_planned" ]; do
		ktap_fail "mcsec-pcap missing"
	done
	ktap_finish
fi
for m in esp4 esp6 xfrm_user; do
	modprobe -q "$m" 2>/dev/null
done

T=$LIB_TMP
ns_new LX lx && ns_new MC mc || exit 1
link_add "$LX" va "$MC" vb $S4/24 $S6/64 10.1.0.2/24 2001:db8:1::2/64 || exit 1
ip -n "$LX" route add 224.0.0.0/4 dev va
mc_payloads "$T/payloads" $COUNT xfrm-interop 1 1400

# suite -> xfrm algorithm name and key length (bytes, salt excluded)
alg_of() {
	case $1 in
	aes128-gcm | aes256-gcm) echo 'rfc4106(gcm(aes))' ;;
	aes128-gmac) echo 'rfc4543(gcm(aes))' ;;
	chacha20-poly1305) echo 'rfc7539esp(chacha20,poly1305)' ;;
	esac
}
keylen_of() {
	case $1 in
	aes128-gcm | aes128-gmac) echo 16 ;;
	*) echo 32 ;;
	esac
}

# newkey SUITE FILE: random key || salt, hex, written to FILE; prints it
newkey() {
	od -An -tx1 -N$(($(keylen_of "$1") + 4)) /dev/urandom | tr -d ' \n' >"$2"
	cat "$2"
}

fam_addrs() {
	if [ "$1" = 4 ]; then
		src=$S4 grp=$G4 grparg=$G4
	else
		src=$S6 grp=$G6 grparg="[$G6]"
	fi
}

# esn_args ESN [WINDOW]: the ip xfrm state words
esn_args() {
	if [ "$1" = esn ]; then
		echo "flag esn replay-window ${2:-64}"
	else
		echo "replay-window ${2:-64}"
	fi
}

# xfrm_flush NS: no policy, no state (one ip process)
xfrm_flush() {
	printf 'xfrm policy flush\nxfrm state flush\n' | ip -n "$1" -batch -
}

# xfrm_add NS "STATE WORDS" "POLICY WORDS": ip xfrm state and policy, one
# ip process (-batch), what it says as diagnostics
xfrm_add() {
	_xo=$(printf 'xfrm %s\nxfrm %s\n' "$2" "$3" | ip -n "$1" -batch - 2>&1)
	[ -z "$_xo" ] || echo "$_xo" | ktap_diag
}

# a_verify PAYLOADS N [--no-payloads FILE]: the decrypted capture a.out.pcap
# holds exactly PAYLOADS, in order, and the wire's a.pcap at least N
# packets to the group, all ESP, without the payloads in clear (one python
# for both reads)
a_verify() {
	_pl=$1 _n=$2
	shift 2
	rm -f "$T/a.got"
	$MCAST pcap-udp "$T/a.out.pcap" $grp $PORT --out "$T/a.got" \
		+ pcap-check "$T/a.pcap" $grp --only-esp "$@" --min "$_n" >"$T/a.check" 2>&1
	_rc=$?
	same_payloads "$_pl" "$T/a.got" || _rc=1
	ktap_diag <"$T/a.check"
	return $_rc
}

# pcap_summary_ok FILE [N]: mcsec-pcap transformed all N (default COUNT)
# packets and dropped nothing
pcap_summary_ok() {
	grep -qx "transformed ${2:-$COUNT}" "$1" && grep -qx "dropped 0" "$1" && return 0
	ktap_diag <"$1"
	return 1
}

# --- (a) Linux encrypts, mcsec-pcap decrypts -------------------------------------

# lx_to_mcsec SUITE MODE FAMILY esn|noesn [OSEQ [PAYLOADS]]
lx_to_mcsec() {
	suite=$1 mode=$2 fam=$3 esn=$4 oseq=${5:-} pl=${6:-$T/payloads}
	n=$(wc -l <"$pl")
	fam_addrs "$fam"
	spi=$(printf '0x%08x' $((0x4d430000 + ktap_n + 1)))
	key=$(newkey "$suite" "$T/key")
	seqargs=
	[ -n "$oseq" ] && seqargs="replay-oseq $oseq"
	tmpl="tmpl proto esp spi $spi mode $mode"
	[ "$mode" = tunnel ] && tmpl="tmpl src $src dst $grp proto esp spi $spi mode tunnel"
	xfrm_add "$LX" "state add src $src dst $grp proto esp spi $spi mode $mode \
		$(esn_args $esn) $seqargs aead $(alg_of $suite) 0x$key 128" \
		"policy add src $src dst $grp proto udp dport $PORT dir out $tmpl"
	noesn=
	[ "$esn" = esn ] || noesn=--no-esn
	# GMAC leaves the payload in clear, by design
	clear="--no-payloads $pl"
	[ "$suite" = aes128-gmac ] && clear=
	cap_start "$MC" vb "$T/a.pcap" -c "$n" ip proto 50 or ip6 proto 50 &&
		mc_send "$LX" va $grp $PORT "$pl" &&
		cap_stop "$T/a.pcap" 15 &&
		"$PCAP_TOOL" --format esp-$mode --decrypt --suite $suite --spi $spi \
			--group $grparg --key-file "$T/key" $noesn \
			"$T/a.pcap" "$T/a.out.pcap" 2>"$T/a.summary" &&
		pcap_summary_ok "$T/a.summary" "$n" &&
		a_verify "$pl" "$n" $clear
	rc=$?
	[ $rc = 0 ] || ip -n "$LX" -s xfrm state | ktap_diag
	xfrm_flush "$LX"
	return $rc
}

a_case() {
	desc="Linux encrypts, mcsec decrypts: $1 $2 IPv$3 ${4}${5:+ from seq $5}${6:+, $(wc -l <"$6") packets}"
	ktap_check "$desc" lx_to_mcsec "$@"
}

a_case aes128-gcm tunnel 4 esn
a_case aes128-gcm tunnel 6 noesn
a_case aes128-gcm transport 4 noesn
a_case aes128-gcm transport 6 esn
a_case aes256-gcm tunnel 4 noesn
a_case aes256-gcm transport 6 esn
a_case aes128-gmac tunnel 6 esn
a_case aes128-gmac transport 4 noesn
a_case chacha20-poly1305 tunnel 4 esn
a_case chacha20-poly1305 transport 6 noesn
# ESN across 2^32: Linux's 64-bit counter goes on from 0xffffffff to
# 0x1_00000000 (low half 0, valid with ESN) and 0x1_00000001. 40 packets
# from 0xffffffdd to 0x1_00000004: mcsec-pcap's first burst of 32 ends at
# 0xfffffffc, the second crosses the wrap.
mc_payloads "$T/payloads40" 40 xfrm-interop-40 1 300
a_case aes128-gcm tunnel 6 esn 0xffffffdc "$T/payloads40"
# The same wrap inside mcsec-pcap's first burst, on a fresh SA: a burst is
# prepared before any packet verifies, so a fresh ESN receiver decrypts one
# packet at a time until the window holds one (mc_esp_rx_needs_anchor).
ktap_check "Linux encrypts, mcsec decrypts: aes128-gcm tunnel IPv4 esn from seq 0xfffffff0 (wrap in the first burst)" \
	lx_to_mcsec aes128-gcm tunnel 4 esn 0xfffffff0

# --- (b) mcsec-pcap encrypts, Linux decrypts ---------------------------------------

# xfrm_stat_clean NS BEFORE: no counter of /proc/net/xfrm_stat (all of
# them count errors) moved since BEFORE was taken
xfrm_stat_clean() {
	ip netns exec "$1" cat /proc/net/xfrm_stat >"$2.after"
	cmp -s "$2" "$2.after" && return 0
	diff "$2" "$2.after" | ktap_diag
	return 1
}

# xfrm_state_counts NS N: the one state counted N packets, no error
xfrm_state_counts() {
	st=$(ip -n "$1" -s xfrm state)
	echo "$st" | grep -q "(bytes), $2(packets)" &&
		echo "$st" | grep -qE 'replay-window [0-9]+ replay 0 failed 0' && return 0
	echo "$st" | ktap_diag
	return 1
}

# mcsec_to_lx SUITE MODE FAMILY esn|noesn [SEQ]
mcsec_to_lx() {
	suite=$1 mode=$2 fam=$3 esn=$4 seq=${5:-}
	fam_addrs "$fam"
	spi=$(printf '0x%08x' $((0x4d430000 + ktap_n + 1)))
	key=$(newkey "$suite" "$T/key")
	noesn= seqopt= seqargs=
	[ "$esn" = esn ] || noesn=--no-esn
	# the receiver's window starts just below the first packet
	[ -n "$seq" ] && seqopt="--seq $seq" &&
		seqargs="replay-seq $(printf '0x%x' $((seq - 1)))"
	tmpl="tmpl proto esp mode $mode"
	[ "$mode" = tunnel ] && tmpl="tmpl src $src dst $grp proto esp mode tunnel"
	xfrm_add "$MC" "state add src $src dst $grp proto esp spi $spi mode $mode \
		$(esn_args $esn) $seqargs aead $(alg_of $suite) 0x$key 128" \
		"policy add src $src dst $grp proto udp dport $PORT dir in $tmpl"
	ip netns exec "$MC" cat /proc/net/xfrm_stat >"$T/b.stat"
	"$PCAP_TOOL" --format esp-$mode --encrypt --suite $suite --spi $spi \
		--group $grparg:$PORT --key-file "$T/key" $noesn $seqopt \
		"$T/clear$fam.pcap" "$T/b.pcap" 2>"$T/b.summary" &&
		pcap_summary_ok "$T/b.summary" &&
		mc_recv_replay "$MC" vb $grp $PORT $COUNT "$T/b.got" "$LX" va "$T/b.pcap" --timeout 15 &&
		same_payloads "$T/payloads" "$T/b.got" &&
		xfrm_state_counts "$MC" $COUNT &&
		xfrm_stat_clean "$MC" "$T/b.stat"
	rc=$?
	[ $rc = 0 ] || { ktap_diag <"$T/b.got.err"; ip -n "$MC" -s xfrm state | ktap_diag; }
	xfrm_flush "$MC"
	return $rc
}

b_case() {
	desc="mcsec encrypts, Linux decrypts: $1 $2 IPv$3 ${4}${5:+ from seq $5}"
	ktap_check "$desc" mcsec_to_lx "$@"
}

# the cleartext datagrams as they would leave va
$MCAST mkpcap "$T/clear4.pcap" $S4 $G4 $PORT "$T/payloads" \
	+ mkpcap "$T/clear6.pcap" $S6 $G6 $PORT "$T/payloads" || exit 1

b_case aes128-gcm tunnel 4 esn
b_case aes128-gcm tunnel 6 noesn
b_case aes128-gcm transport 4 noesn
b_case aes128-gcm transport 6 esn
b_case aes256-gcm tunnel 6 esn
b_case aes256-gcm transport 4 noesn
b_case aes128-gmac tunnel 4 noesn
b_case aes128-gmac transport 6 esn
b_case chacha20-poly1305 tunnel 6 esn
b_case chacha20-poly1305 transport 4 noesn
b_case aes128-gcm tunnel 6 esn 0xfffffff0

# cleartext to the group while the in policy asks for ESP: refused
clear_refused() {
	fam_addrs 4
	ip -n "$MC" xfrm state add src $src dst $grp proto esp spi 0x4d43ffff mode tunnel \
		replay-window 64 aead 'rfc4106(gcm(aes))' 0x$(newkey aes128-gcm "$T/key") 128 &&
	ip -n "$MC" xfrm policy add src $src dst $grp proto udp dport $PORT dir in \
		tmpl src $src dst $grp proto esp mode tunnel || return 1
	before=$(ip netns exec "$MC" awk '$1 == "XfrmInTmplMismatch" { print $2 }' /proc/net/xfrm_stat)
	# The socket stays open until the replay is over and has settled (1 s,
	# the receiver replays itself): the in policy is checked at delivery
	# to it, and without a socket nothing is checked.
	! mc_recv_replay "$MC" vb $grp $PORT 1 "$T/c.got" "$LX" va "$T/clear4.pcap" --timeout 1 &&
		grep -qx "replayed $COUNT frames" "$T/c.got.err" && [ ! -s "$T/c.got" ] &&
		[ "$(ip netns exec "$MC" awk '$1 == "XfrmInTmplMismatch" { print $2 }' /proc/net/xfrm_stat)" = $((before + COUNT)) ]
	rc=$?
	[ $rc = 0 ] || ip netns exec "$MC" cat /proc/net/xfrm_stat | ktap_diag
	xfrm_flush "$MC"
	return $rc
}
ktap_check "cleartext to the group is refused by the in policy (XfrmInTmplMismatch $COUNT)" \
	clear_refused

ktap_finish
