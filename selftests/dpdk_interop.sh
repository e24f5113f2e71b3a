#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# dpdk_interop.sh: mcsec.ko and mcsec-dpdk open each other's packets, both
# configured with the same mcsecctl (the kernel over generic netlink, the
# appliance over its control socket, --dpdk):
#
#   sender              kernel (mcsec.ko, smcroute)        appliance (mcsec-dpdk,     receivers
#                                                          net_af_packet x4)
#   s0 10.1.1.1 ------- k0 10.1.1.2  [encrypt]
#                       k1 10.3.3.1 ---------------------- a0 port 0 [decrypt]
#                                                          a1 port 1 ----------------- r0 10.3.3.2 (R1)
#   s1 10.2.2.1 ------------------------------------------ a2 port 2 [encrypt]
#                       k2 10.2.2.2  [decrypt] ----------- a3 port 3
#                       k3 10.4.4.1 ------------------------------------------------- r1 10.4.4.2 (R2)
#
#   kernel -> appliance: 239.10.1.1:5000 ESP tunnel aes128-gcm (SPI 0x1010),
#                        239.10.2.2:1234 TS DVB-CISSA (even control word)
#   appliance -> kernel: 239.20.1.1:5000 ESP tunnel aes256-gcm (SPI 0x2020),
#                        239.20.2.2:1234 TS ATIS-IDSA (odd control word)
#
# The four streams run at once. For each: the receiver gets every datagram
# byte-exact, the wire between the two carries only ciphertext (ESP only,
# no payload window in clear; TS packets marked scrambled with the expected
# parity, payloads not in clear), and both ends count exactly COUNT
# packets. Then an ESP rotation on both sides, and the stream again on the
# new SA only. The wires are captured where they enter a fast path (a0, k2):
# what af_packet sends with qdisc bypass is invisible to taps on the
# sending side. Frames are built with their checksums (mcast.py udp_frame):
# af_packet would otherwise see a veth's unfinished checksum offload.
#
# Needs root, mcsec.ko and the built tree (build/dpdk-app/mcsec-dpdk,
# build/userspace-ctl/mcsecctl/mcsecctl):
#   selftests/vm/run.sh -- selftests/dpdk_interop.sh
# Output is KTAP; exits 0 only if every test passed.

. "$(dirname "$0")/lib.sh"

TOP=$(cd "$(dirname "$0")/.." && pwd -P)
BUILD=${MCSEC_BUILD:-$TOP/build}
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
CTL=$BUILD/userspace-ctl/mcsecctl/mcsecctl
DPDK=$BUILD/dpdk-app/mcsec-dpdk
PY=/usr/bin/python3
COUNT=20
T=$LIB_TMP
SOCK=$T/ctl.sock
PLAN=20

ktap_require_root
ktap_header $PLAN

die_all() {
	echo "$1" | ktap_diag
	while [ "$ktap_n" -lt $PLAN ]; do ktap_fail "$1"; done
	ktap_finish
}

[ -x "$CTL" ] && [ -x "$DPDK" ] || die_all "mcsecctl or mcsec-dpdk not built"
modprobe mcsec 2>&1 | ktap_diag

ns_new S sender && ns_new K kernel && ns_new A appliance &&
	ns_new R1 recv1 && ns_new R2 recv2 || die_all "namespaces"
link_add "$S" s0 "$K" k0 10.1.1.1/24 - 10.1.1.2/24 - &&
	link_add "$K" k1 "$A" a0 10.3.3.1/24 - - - &&
	link_add "$A" a1 "$R1" r0 - - 10.3.3.2/24 - &&
	link_add "$S" s1 "$A" a2 10.2.2.1/24 - - - &&
	link_add "$A" a3 "$K" k2 - - 10.2.2.2/24 - &&
	link_add "$K" k3 "$R2" r1 10.4.4.1/24 - 10.4.4.2/24 - || die_all "links"
for n in "$S" "$K" "$A" "$R1" "$R2"; do
	# No IPv6: no router solicitations or MLD reports on the wires.
	ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
done
ip -n "$R1" route add default dev r0
ip -n "$R2" route add default dev r1
ns_router "$K"
mroute_start "$K" k0 k1 k2 k3 &&
	mroute_add "$K" k0 10.1.1.1 239.10.1.1 k1 &&
	mroute_add "$K" k0 10.1.1.1 239.10.2.2 k1 &&
	mroute_add "$K" k2 10.2.2.1 239.20.1.1 k3 &&
	mroute_add "$K" k2 10.2.2.1 239.20.2.2 k3 || die_all "multicast routes"

# Keys: ESP key || salt, TS control words.
hexkey() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; echo; }
hexkey 20 >"$T/esp1.key"
hexkey 36 >"$T/esp2.key"
hexkey 20 >"$T/esp3.key"
hexkey 16 >"$T/cw1.key"
hexkey 16 >"$T/cw2.key"

# Payloads: random datagrams for ESP, 7 TS packets (PID 0x100, payload
# only, continuity counted) with random payloads for TS.
mc_payloads "$T/esp.p" $COUNT esp 1 1400
$PY -S -c "
import random
r = random.Random(7)
with open('$T/ts.p', 'w') as f:
    for i in range($COUNT):
        d = b''.join(bytes([0x47, 0x01, 0x00, 0x10 | ((i * 7 + k) & 15)]) +
                     bytes(r.randrange(256) for _ in range(184)) for k in range(7))
        f.write(d.hex() + '\n')
"

k() { ip netns exec "$K" "$CTL" "$@"; }
d() { "$CTL" --dpdk "$SOCK" "$@"; }

kernel_config() {
	k group add 239.10.1.1 port 5000 dir encrypt format esp-tunnel &&
	k sa add 239.10.1.1 port 5000 spi 0x1010 suite aes128-gcm key-file "$T/esp1.key" &&
	k group add 239.10.2.2 port 1234 dir encrypt format ts-cissa &&
	k sa add 239.10.2.2 port 1234 parity even key-file "$T/cw1.key" &&
	k group add 239.20.1.1 port 5000 dir decrypt format esp-tunnel &&
	k sa add 239.20.1.1 port 5000 spi 0x2020 suite aes256-gcm key-file "$T/esp2.key" &&
	k group add 239.20.2.2 port 1234 dir decrypt format ts-idsa &&
	k sa add 239.20.2.2 port 1234 parity odd key-file "$T/cw2.key"
}

appliance_config() {
	d group add 239.10.1.1 port 5000 dir decrypt format esp-tunnel &&
	d sa add 239.10.1.1 port 5000 spi 0x1010 suite aes128-gcm key-file "$T/esp1.key" &&
	d group add 239.10.2.2 port 1234 dir decrypt format ts-cissa &&
	d sa add 239.10.2.2 port 1234 parity even key-file "$T/cw1.key" &&
	d group add 239.20.1.1 port 5000 dir encrypt format esp-tunnel &&
	d sa add 239.20.1.1 port 5000 spi 0x2020 suite aes256-gcm key-file "$T/esp2.key" &&
	d group add 239.20.2.2 port 1234 dir encrypt format ts-idsa &&
	d sa add 239.20.2.2 port 1234 parity odd key-file "$T/cw2.key"
}

ip netns exec "$A" "$DPDK" --no-huge --no-pci --no-shconf -m 512 -l 0,1 \
	--no-telemetry --file-prefix "mcsecinterop$$" --log-level 'lib.*:error' \
	--vdev net_af_packet0,iface=a0 --vdev net_af_packet1,iface=a1 \
	--vdev net_af_packet2,iface=a2 --vdev net_af_packet3,iface=a3 -- \
	--ctl "$SOCK" --port 0:decrypt:1 --port 2:encrypt:3 \
	>"$T/app.out" 2>"$T/app.err" &
APP=$!
wait_for 180 test -S "$SOCK"
ktap_check "mcsec-dpdk runs on four af_packet ports, control socket up" test -S "$SOCK"
ktap_check "mcsec.ko configured with mcsecctl (2 encrypt, 2 decrypt groups)" kernel_config
ktap_check "mcsec-dpdk configured with the same mcsecctl --dpdk" appliance_config

# send_all IF:SRC:GROUP:PORT:PAYLOADS...: the frames of every stream,
# interleaved, 1 ms apart, from one process in the sender's namespace
send_all() {
	ip netns exec "$S" $PY -S -c "
import socket, sys, time
sys.path.insert(0, '$LIB_DIR')
import mcast
streams = []
for spec in sys.argv[1:]:
    ifname, src, dst, port, path = spec.split(':')
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((ifname, 0))
    fr = [mcast.udp_frame(src, dst, 40000, int(port), p, 16, 0x100 + i)
          for i, p in enumerate(mcast.read_payloads(path))]
    streams.append((s, fr))
for i in range(max(len(f) for _, f in streams)):
    for s, fr in streams:
        if i < len(fr):
            s.send(fr[i])
    time.sleep(0.001)
" "$@"
}

# field N SPEC: the Nth ':' field of SPEC
field() { echo "$2" | cut -d: -f"$1"; }

# run_streams TAG SPEC...: SPEC is GROUP:PORT:RECV_NS:RECV_IF:PAYLOADS:
# SEND_IF:SRC. Captures on both wires, a receiver per stream, everything
# sent at once, every receiver waited for; $T/TAG.GROUP.ok marks the
# streams that arrived byte-exact.
run_streams() {
	_tag=$1
	shift
	cap_start "$A" a0 "$T/$_tag.fwd.pcap" &&
		cap_start "$K" k2 "$T/$_tag.rev.pcap" || return 1
	_sends=
	for _st in "$@"; do
		_g=$(field 1 "$_st")
		mc_recv_start "$(eval echo "\$$(field 3 "$_st")")" "$(field 4 "$_st")" \
			"$_g" "$(field 2 "$_st")" $COUNT "$T/$_tag.$_g.got" --timeout 240 ||
			return 1
		_sends="$_sends $(field 6 "$_st"):$(field 7 "$_st"):$_g:$(field 2 "$_st"):$(field 5 "$_st")"
	done
	send_all $_sends 2>&1 | ktap_diag
	for _st in "$@"; do
		_g=$(field 1 "$_st")
		mc_recv_wait "$T/$_tag.$_g.got" &&
			same_payloads "$(field 5 "$_st")" "$T/$_tag.$_g.got" &&
			touch "$T/$_tag.$_g.ok"
	done
	cap_stop "$T/$_tag.fwd.pcap" 2
	cap_stop "$T/$_tag.rev.pcap" 2
	for _st in "$@"; do
		[ -e "$T/$_tag.$(field 1 "$_st").ok" ] || { where_lost; break; }
	done
	return 0
}

# where_lost: what each hop saw, when a stream did not arrive
where_lost() {
	{
		for _l in "$S s0 s1" "$K k0 k1 k2 k3" "$A a0 a1 a2 a3" "$R1 r0" "$R2 r1"; do
			set -- $_l
			_n=$1
			shift
			for _i in "$@"; do
				printf '%s %s\n' "$_i" "$(ip -n "$_n" -s link show "$_i" | sed -n '4p;6p' | tr -s ' ' | tr '\n' ' ')"
			done
		done
		echo "kernel totals: $(k -j stats)"
		echo "appliance totals: $(d -j stats)"
		tail -5 "$T/app.err"
	} 2>&1 | ktap_diag
}

# ts_wire PCAP GROUP PAYLOADS PARITY: every TS packet to GROUP on the wire is
# marked scrambled with PARITY (2 even, 3 odd) and no payload is in clear
ts_wire() {
	cap_udp "$1" "$2" 1234 >"$T/ts.wire" || return 1
	_o=$($PY -S -c "
import sys
clear = [bytes.fromhex(l) for l in open('$3').read().split()]
wire = [bytes.fromhex(l) for l in open('$T/ts.wire').read().split()]
bad = 0
for w, c in zip(wire, clear):
    for k in range(0, len(w), 188):
        if w[k + 3] >> 6 != $4 or w[k + 4:k + 188] == c[k + 4:k + 188]:
            bad += 1
print('wire datagrams %d, TS packets not scrambled as expected %d' % (len(wire), bad))
sys.exit(0 if len(wire) == len(clear) and not bad else 1)
" 2>&1)
	_r=$?
	echo "$_o" | ktap_diag
	return $_r
}

# Every group's counters and the totals of both sides, read once.
read_counters() {
	k -j -s group show >"$T/k.groups" && d -j -s group show >"$T/d.groups" &&
		k -j stats >"$T/k.stats" && d -j stats >"$T/d.stats"
}

# counts GROUP DIR_K NAME_K DIR_D NAME_D [N]: the kernel's and the
# appliance's counters of GROUP are both N (default COUNT)
counts() {
	_o=$($PY -S -c "
import json, sys
def get(f, g, d, n):
    for x in json.load(open(f)):
        if x['group'] == g and x['dir'] == d:
            return x['stats'][n]
kc, dc = get('$T/k.groups', '$1', '$2', '$3'), get('$T/d.groups', '$1', '$4', '$5')
print('kernel %s %s: %s, appliance %s %s: %s' % ('$2', '$3', kc, '$4', '$5', dc))
sys.exit(0 if kc == dc == ${6:-$COUNT} else 1)
" 2>&1)
	_r=$?
	echo "$_o" | ktap_diag
	return $_r
}

# no_drops: neither fast path counted a verification failure or a drop
no_drops() {
	_o=$($PY -S -c "
import json, sys
bad = ['in-pkts-auth-failed', 'in-pkts-no-sa', 'in-pkts-replayed', 'in-pkts-late',
       'in-pkts-malformed', 'in-pkts-truncated', 'out-pkts-no-sa', 'ts-pkts-reserved-sc']
found = []
for side in ('k', 'd'):
    o = json.load(open('$T/%s.stats' % side))
    found += [(side, n, o[n]) for n in bad if o[n]]
print('non-zero drop counters: %s' % found)
sys.exit(0 if not found else 1)
" 2>&1)
	_r=$?
	echo "$_o" | ktap_diag
	return $_r
}

run_streams one \
	"239.10.1.1:5000:R1:r0:$T/esp.p:s0:10.1.1.1" \
	"239.10.2.2:1234:R1:r0:$T/ts.p:s0:10.1.1.1" \
	"239.20.1.1:5000:R2:r1:$T/esp.p:s1:10.2.2.1" \
	"239.20.2.2:1234:R2:r1:$T/ts.p:s1:10.2.2.1"
read_counters

ktap_check "ESP kernel -> appliance: 239.10.1.1 byte-exact at the receiver" \
	test -e "$T/one.239.10.1.1.ok"
ktap_check "ESP kernel -> appliance: only ESP on the wire, no payload in clear" \
	cap_check "$T/one.fwd.pcap" 239.10.1.1 --only-esp --no-payloads "$T/esp.p" --min $COUNT
ktap_check "ESP kernel -> appliance: kernel protected $COUNT, appliance verified $COUNT" \
	counts 239.10.1.1 encrypt out-pkts-protected decrypt in-pkts-ok

ktap_check "TS CISSA kernel -> appliance: 239.10.2.2 byte-exact at the receiver" \
	test -e "$T/one.239.10.2.2.ok"
ktap_check "TS CISSA kernel -> appliance: every TS packet scrambled even on the wire" \
	ts_wire "$T/one.fwd.pcap" 239.10.2.2 "$T/ts.p" 2
ktap_check "TS CISSA kernel -> appliance: $((COUNT * 7)) TS packets scrambled, as many descrambled" \
	counts 239.10.2.2 encrypt ts-pkts-scrambled decrypt ts-pkts-descrambled $((COUNT * 7))

ktap_check "ESP appliance -> kernel: 239.20.1.1 byte-exact at the receiver" \
	test -e "$T/one.239.20.1.1.ok"
ktap_check "ESP appliance -> kernel: only ESP on the wire, no payload in clear" \
	cap_check "$T/one.rev.pcap" 239.20.1.1 --only-esp --no-payloads "$T/esp.p" --min $COUNT
ktap_check "ESP appliance -> kernel: appliance protected $COUNT, kernel verified $COUNT" \
	counts 239.20.1.1 decrypt in-pkts-ok encrypt out-pkts-protected

ktap_check "TS IDSA appliance -> kernel: 239.20.2.2 byte-exact at the receiver" \
	test -e "$T/one.239.20.2.2.ok"
ktap_check "TS IDSA appliance -> kernel: every TS packet scrambled odd on the wire" \
	ts_wire "$T/one.rev.pcap" 239.20.2.2 "$T/ts.p" 3
ktap_check "TS IDSA appliance -> kernel: $((COUNT * 7)) TS packets scrambled, as many descrambled" \
	counts 239.20.2.2 decrypt ts-pkts-descrambled encrypt ts-pkts-scrambled $((COUNT * 7))
ktap_check "neither side counted an authentication failure or a drop" no_drops

# The kernel's ESP once more after a rotation done on both sides through
# the same CLI: the receiver's next SA first, then the sender's, switch,
# the old one deleted on both.
rotate() {
	d sa add 239.10.1.1 port 5000 spi 0x1011 suite aes128-gcm key-file "$T/esp3.key" &&
	k sa add 239.10.1.1 port 5000 spi 0x1011 suite aes128-gcm key-file "$T/esp3.key" &&
	k sa set 239.10.1.1 port 5000 spi 0x1011 active &&
	k sa del 239.10.1.1 port 5000 spi 0x1010 &&
	d sa del 239.10.1.1 port 5000 spi 0x1010
}

# spis PCAP GROUP WANT: the SPIs of the ESP frames to GROUP are exactly WANT
spis() {
	_o=$($PY -S -c "
import socket, struct, sys
data = open('$1', 'rb').read()
off, spis, grp = 24, set(), socket.inet_aton('$2')
while off + 16 <= len(data):
    n = struct.unpack_from('<I', data, off + 8)[0]
    ip = data[off + 30:off + 16 + n]
    if ip[0] >> 4 == 4 and ip[9] == 50 and ip[16:20] == grp:
        spis.add('0x%08x' % struct.unpack('!I', ip[20:24])[0])
    off += 16 + n
print('SPIs on the wire: %s' % ' '.join(sorted(spis)))
sys.exit(0 if sorted(spis) == '$3'.split() else 1)
" 2>&1)
	_r=$?
	echo "$_o" | ktap_diag
	return $_r
}

ktap_check "rotation: SPI 0x1011 added on both, the kernel's sender switched, 0x1010 deleted" rotate
run_streams two "239.10.1.1:5000:R1:r0:$T/esp.p:s0:10.1.1.1"
ktap_check "ESP kernel -> appliance on the new SA: byte-exact at the receiver" \
	test -e "$T/two.239.10.1.1.ok"
ktap_check "rotation: the wire carries SPI 0x1011 only" \
	spis "$T/two.fwd.pcap" 239.10.1.1 0x00001011

kill -TERM $APP 2>/dev/null
wait $APP
st=$?
ktap_check "mcsec-dpdk exits 0 on SIGTERM" test $st = 0
[ $st = 0 ] || ktap_diag <"$T/app.err"
k flush
ktap_finish
