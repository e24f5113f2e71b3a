#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vm_bench.sh: packets per second through the routers of issue 3's topology
# in Debian's kernel under qemu, mcsec.ko against Linux xfrm ESP with the
# same suite (AES-128-GCM) and sizes, and the cost of mcsec's hooks for
# traffic they do not match, all in one run:
#
#   sender --- head-end --- core --- edge --- subscriber
#   s0         h0    h1     c0  c1   e0   e1  r0
#   pktgen     encrypt      routes   decrypt  counts rx_packets of r0
#   (kernel, 239.1.1.1:5000, UDP payload 1316 = 7x188 bytes, or 64)
#
#   forwarding   no protection, mcsec.ko not loaded: the ceiling of the
#                routers themselves, and the reference of the hook rows
#   hooks        mcsec.ko loaded, its hooks in every namespace; "empty":
#                no group in the namespace; "non-matching": 16 groups on
#                other addresses per router, so every packet is classified
#                and looked up and matches nothing
#   mcsec ESP    head-end encrypts (ESP tunnel, address preserving), edge
#                verifies and decrypts, AES-128-GCM, 32-bit sequence
#                numbers and a 64-packet replay window as xfrm's; with the AES-NI
#                internal drivers (simd=Y, the default) and without
#                (simd=N: gcm_base(ctr(aes-aesni),ghash-generic), what
#                mcsec.ko did before)
#   xfrm ESP     Linux's own ESP, rfc4106(gcm(aes)) 128-bit, tunnel mode
#                head-end h1 -> edge e0 (unicast outer header: xfrm has no
#                address-preserving multicast tunnel), policy out on the
#                head-end for the forwarded group, in and fwd on the edge
#
# Each configuration runs ROUNDS times (interleaved, so that a busy host
# hurts all alike) and the best round counts: pktgen sends as fast as it
# can (count 0, one fresh skb per packet, since veth cannot take shared
# ones), WARM seconds of warm-up, then the subscriber's rx_packets over
# SECONDS. Each row is checked: for ESP rows the edge decrypted at least
# as many packets as the subscriber got (mcsec in-pkts-ok, with no
# authentication failure, or the xfrm state's packet count; the edge's
# mcsec group is `required`, so cleartext could not pass it), for hook rows
# the head-end's hooks saw every packet (pkts-unmatched).
#
# Under TCG every number is an emulated CPU's: only ratios within one run
# mean anything (mcsec vs xfrm, with vs without AES-NI, hooks vs none).
#
#   bench/vm_bench.sh               boots the VM and runs itself inside
#   BENCH_VM_SECONDS=3 BENCH_VM_ROUNDS=3 BENCH_VM_WARM=1 (defaults)
set -u
cd "$(dirname "$0")/.."
top=$(pwd -P)

if [ "${1:-}" != --guest ]; then
	[ "$(id -u)" = 0 ] || { echo "# vm_bench: needs root (qemu, the VM runner)"; exit 1; }
	exec selftests/vm/run.sh --timeout 1800 -- bench/vm_bench.sh --guest \
		"${BENCH_VM_SECONDS:-3}" "${BENCH_VM_ROUNDS:-3}" "${BENCH_VM_WARM:-1}"
fi

SECS=$2 ROUNDS=$3 WARM=$4
LIB_SH=$top/selftests/lib.sh
. "$LIB_SH"
PATH=$top/build/userspace-ctl/mcsecctl:$PATH
T=$LIB_TMP
G=239.1.1.1 PORT=5000
PG=/proc/net/pktgen
SIZES="1316 64"

die() { echo "# vm_bench: $*"; exit 1; }

# pktgen (kpktgend_0, bound to CPU 0) hands each packet to veth, and the
# softirq that runs when it re-enables bottom halves carries it on through
# the four hops. net_rx_action's budget and time limit are lifted so that
# it does not stop after a few packets (a few packets take its 2 ms under
# TCG); __do_softirq still hands over to ksoftirqd after 2 ms, and then
# pktgen outruns the routers and the per-CPU backlog drops packets, some
# part-way: the rate is the forwarding rate at maximum offered load, as on
# a real router. This script and its tools run on CPU 1.
taskset -p -c 1 $$ >/dev/null
sysctl -qw net.core.netdev_budget=1000000 net.core.netdev_budget_usecs=10000000 ||
	die "cannot lift net_rx_action's limits"
topo_setup || die "topology set up failed"
modprobe pktgen || die "no pktgen module"
head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$T/esp.key"
: >"$T/raw"
: >"$T/checks"

rx() { ip netns exec "$1" cat "/sys/class/net/$2/statistics/rx_packets"; }
now_ns() { date +%s%N; }

# pktgen_setup SIZE: s0 in the sender sends UDP to G:PORT, SIZE bytes of
# payload; a thread that is still stopping refuses its device list for a
# moment, hence the retries
pktgen_setup() {
	for _try in 1 2 3 4 5; do
		pktgen_setup1 "$1" 2>"$T/pktgen.err" && return 0
		sleep 0.5
	done
	cat "$T/pktgen.err"
	return 1
}

pktgen_setup1() {
	ip netns exec "$TOPO_SND" sh -c '
		pg=$1 dev=$1/s0
		echo rem_device_all >$pg/kpktgend_0 &&
		echo add_device s0 >$pg/kpktgend_0 &&
		for c in "count 0" "clone_skb 0" "delay 0" "pkt_size $2" \
			"dst $3" "src_min 10.0.1.1" "src_max 10.0.1.1" \
			"dst_mac 01:00:5e:01:01:01" "udp_dst_min $4" "udp_dst_max $4" \
			"udp_src_min 40000" "udp_src_max 40000"; do
			echo "$c" >$dev || { echo "pktgen: $c: $(cat $dev | grep Result)"; exit 1; }
		done' sh $PG $(($1 + 42)) $G $PORT
}

# measure CONFIG SIZE: pps at the subscriber's r0 over the window, to
# $T/raw; DELIVERED: the packets it got from start to stop
measure() {
	pktgen_setup "$2" || return 1
	_d0=$(rx "$TOPO_SUB" r0)
	ip netns exec "$TOPO_SND" sh -c "echo start >$PG/pgctrl" 2>/dev/null &
	_pg=$!
	sleep "$WARM"
	_c0=$(rx "$TOPO_SUB" r0) _t0=$(now_ns)
	sleep "$SECS"
	_c1=$(rx "$TOPO_SUB" r0) _t1=$(now_ns)
	ip netns exec "$TOPO_SND" sh -c "echo stop >$PG/pgctrl"
	wait $_pg 2>/dev/null
	sleep 0.5
	_d1=$(rx "$TOPO_SUB" r0)
	DELIVERED=$((_d1 - _d0))
	echo "$1 $2 $(((_c1 - _c0) * 1000000000 / (_t1 - _t0)))" >>"$T/raw"
}

# the mcsec counter NAME in namespace NS
ctr() { ip netns exec "$1" mcsecctl stats | awk -v k="$2" '$1 == k { print $2 }'; }

# check CONFIG SIZE OK DETAIL: what the row's own counters say
check() { echo "$1 $2 $3 $4" >>"$T/checks"; }

run_plain() {
	for s in $SIZES; do
		measure forwarding "$s" && check forwarding "$s" ok "delivered=$DELIVERED"
	done
}

run_hooks() {	# run_hooks NAME: mcsec.ko loaded, no matching group
	for s in $SIZES; do
		_u0=$(ctr "$TOPO_HE" pkts-unmatched)
		measure "$1" "$s" || continue
		_u=$(($(ctr "$TOPO_HE" pkts-unmatched) - ${_u0:-0}))
		if [ "$1" = hooks-empty ]; then
			# a namespace without groups returns after one load: nothing counted
			check "$1" "$s" ok "delivered=$DELIVERED"
		elif [ "$_u" -ge "$DELIVERED" ] && [ "$DELIVERED" -gt 0 ]; then
			check "$1" "$s" ok "delivered=$DELIVERED unmatched=$_u"
		else
			check "$1" "$s" FAIL "delivered=$DELIVERED unmatched=$_u"
		fi
	done
}

mcsec_groups() {	# 16 groups per router that this traffic does not match
	for i in $(seq 1 16); do
		echo "group add 239.9.0.$i port 5000 dir encrypt format esp-tunnel"
	done >"$T/he.conf"
	sed 's/encrypt/decrypt/' "$T/he.conf" >"$T/edge.conf"
	ip netns exec "$TOPO_HE" mcsecctl setconf "$T/he.conf" &&
		ip netns exec "$TOPO_EDGE" mcsecctl setconf "$T/edge.conf"
}

# references to the internal AES-NI GCM driver: one per mcsec SA that has it
gcm_refs() {
	awk '$1 == "driver" && $3 == "__generic-gcm-aesni" { f = 1 }
	     f && $1 == "refcnt" { print $3; exit }' /proc/crypto
}

mcsec_esp() {	# mcsec_esp Y|N: the SA with or without the AES-NI drivers
	echo "$1" >/sys/module/mcsec/parameters/simd
	ip netns exec "$TOPO_HE" mcsecctl flush && ip netns exec "$TOPO_EDGE" mcsecctl flush ||
		return 1
	# SAs are freed after an RCU grace period, by a worker
	wait_for 10 eval '[ "$(gcm_refs)" = "$GCM_REFS" ]' ||
		echo "# vm_bench: flushed SAs still hold __generic-gcm-aesni"
	mcsec_esp_sa || return 1
	# the two SAs (head-end, edge) hold the AES-NI driver, or do not
	_r=$(($(gcm_refs) - ${GCM_REFS:-0}))
	[ "$1" = Y ] && [ "$_r" = 2 ] && return 0
	[ "$1" = N ] && [ "$_r" = 0 ] && return 0
	echo "# vm_bench: simd=$1 but $_r more references to __generic-gcm-aesni"
	return 1
}

mcsec_esp_sa() {
	ip netns exec "$TOPO_HE" mcsecctl group add $G port $PORT dir encrypt format esp-tunnel &&
		ip netns exec "$TOPO_HE" mcsecctl sa add $G port $PORT spi 0x1000 suite aes128-gcm key-file "$T/esp.key" no-esn &&
		ip netns exec "$TOPO_EDGE" mcsecctl group add $G port $PORT dir decrypt format esp-tunnel required &&
		ip netns exec "$TOPO_EDGE" mcsecctl sa add $G port $PORT spi 0x1000 suite aes128-gcm key-file "$T/esp.key" no-esn
}

run_mcsec() {	# run_mcsec NAME
	for s in $SIZES; do
		_o0=$(ctr "$TOPO_EDGE" in-pkts-ok) _a0=$(ctr "$TOPO_EDGE" in-pkts-auth-failed)
		measure "$1" "$s" || continue
		_o=$(($(ctr "$TOPO_EDGE" in-pkts-ok) - _o0))
		_a=$(($(ctr "$TOPO_EDGE" in-pkts-auth-failed) - _a0))
		if [ "$_o" -ge "$DELIVERED" ] && [ "$_a" = 0 ] && [ "$DELIVERED" -gt 0 ]; then
			check "$1" "$s" ok "delivered=$DELIVERED edge-in-pkts-ok=$_o auth-failed=0"
		else
			check "$1" "$s" FAIL "delivered=$DELIVERED edge-in-pkts-ok=$_o auth-failed=$_a"
		fi
	done
}

# xfrm: keys through ip -batch files, never on a command line
xfrm_setup() {
	_k=0x$(cat "$T/esp.key")
	_sa="src 10.0.2.1 dst 10.0.3.2 proto esp spi 0x2000 reqid 7 mode tunnel replay-window 64"
	_tmpl="tmpl src 10.0.2.1 dst 10.0.3.2 proto esp reqid 7 mode tunnel"
	printf 'xfrm state add %s aead rfc4106(gcm(aes)) %s 128\n' "$_sa" "$_k" >"$T/xfrm.state"
	{ cat "$T/xfrm.state"
	  echo "xfrm policy add src 0.0.0.0/0 dst $G/32 dir out $_tmpl"; } >"$T/xfrm.he"
	{ cat "$T/xfrm.state"
	  echo "xfrm policy add src 0.0.0.0/0 dst $G/32 dir in $_tmpl"
	  echo "xfrm policy add src 0.0.0.0/0 dst $G/32 dir fwd $_tmpl"; } >"$T/xfrm.edge"
	ip -n "$TOPO_HE" -batch "$T/xfrm.he" && ip -n "$TOPO_EDGE" -batch "$T/xfrm.edge"
	_r=$?
	rm -f "$T/xfrm.state" "$T/xfrm.he" "$T/xfrm.edge"
	return $_r
}

xfrm_flush() {
	for n in "$TOPO_HE" "$TOPO_EDGE"; do
		ip -n "$n" xfrm policy flush
		ip -n "$n" xfrm state flush
	done
}

# packets the edge's xfrm state decrypted
xfrm_in() {
	ip -n "$TOPO_EDGE" -s xfrm state | awk '/lifetime current:/ { getline; print $2; exit }' |
		sed 's/(packets)//'
}

run_xfrm() {
	for s in $SIZES; do
		_x0=$(xfrm_in)
		measure xfrm "$s" || continue
		_x=$(($(xfrm_in) - _x0))
		_e=$(ip -n "$TOPO_EDGE" -s xfrm state | awk '/stats:/ { getline; print; exit }')
		if [ "$_x" -ge "$DELIVERED" ] && [ "$DELIVERED" -gt 0 ]; then
			check xfrm "$s" ok "delivered=$DELIVERED edge-state-packets=$_x ($_e)"
		else
			check xfrm "$s" FAIL "delivered=$DELIVERED edge-state-packets=$_x ($_e)"
		fi
	done
}

echo "# vm_bench: $ROUNDS rounds, ${WARM}s warm-up + ${SECS}s per row; pktgen on vCPU 0 of $(nproc --all)"
for r in $(seq 1 "$ROUNDS"); do
	echo "# round $r"
	modprobe -r mcsec 2>/dev/null
	run_plain
	if xfrm_setup; then run_xfrm; else check xfrm 0 FAIL "ip xfrm setup failed"; fi
	xfrm_flush
	modprobe mcsec || die "modprobe mcsec failed"
	GCM_REFS=$(gcm_refs)
	run_hooks hooks-empty
	if mcsec_groups; then run_hooks hooks-nonmatching; else check hooks-nonmatching 0 FAIL "groups"; fi
	if mcsec_esp Y; then run_mcsec mcsec-aesni; else check mcsec-aesni 0 FAIL "SA setup"; fi
	if mcsec_esp N; then run_mcsec mcsec-generic; else check mcsec-generic 0 FAIL "SA setup"; fi
	ip netns exec "$TOPO_HE" mcsecctl flush
	ip netns exec "$TOPO_EDGE" mcsecctl flush
	echo 1 >/sys/module/mcsec/parameters/simd
done

# the tables
/usr/bin/python3 -S - "$T/raw" "$T/checks" <<'PY'
import sys
best, checks = {}, {}
for line in open(sys.argv[1]):
    cfg, size, pps = line.split()
    k = (cfg, int(size))
    best[k] = max(best.get(k, 0), int(pps))
bad = 0
for line in open(sys.argv[2]):
    cfg, size, ok, detail = line.rstrip("\n").split(" ", 3)
    checks.setdefault((cfg, int(size)), []).append((ok, detail))
    bad += ok != "ok"
names = [
    ("forwarding", "forwarding, mcsec.ko not loaded (ceiling)"),
    ("hooks-empty", "mcsec.ko loaded, no group in the namespace"),
    ("hooks-nonmatching", "mcsec.ko loaded, 16 non-matching groups"),
    ("mcsec-aesni", "mcsec ESP aes128-gcm, AES-NI drivers (simd=Y)"),
    ("mcsec-generic", "mcsec ESP aes128-gcm, simd=N (the old path)"),
    ("xfrm", "Linux xfrm ESP rfc4106(gcm(aes)) 128"),
]

def row(cfg, size):
    return best.get((cfg, size), 0)

for size in (1316, 64):
    for cfg, _ in names:
        if not best.get((cfg, size)):
            bad += 1
for size in (1316, 64):
    print(f"\n## UDP payload {size} bytes{' (7 x 188-byte TS packets)' if size == 1316 else ''}, "
          "packets per second at the subscriber, best of the rounds")
    print(f"{'configuration':<48} {'Mpps':>8} {'Gbps':>7} {'ns/pkt':>9} {'vs fwd':>7}  check")
    fwd = row("forwarding", size)
    for cfg, name in names:
        pps = row(cfg, size)
        if not pps:
            print(f"{name:<48} {'-':>8}")
            continue
        ok = all(c[0] == "ok" for c in checks.get((cfg, size), [("FAIL", "")]))
        print(f"{name:<48} {pps / 1e6:8.4f} {pps * size * 8 / 1e9:7.3f} {1e9 / pps:9.0f} "
              f"{pps / fwd if fwd else 0:7.2f}  {'ok' if ok else 'FAIL'}")

print("\n## side by side (ratios of the same run; ns/pkt above plain forwarding = the cost of protection)")
print(f"{'payload':>8} {'mcsec/xfrm':>11} {'AES-NI/old':>11} {'mcsec +ns':>10} {'xfrm +ns':>10} "
      f"{'old +ns':>10} {'hooks empty +ns':>16} {'non-matching +ns':>17}")
for size in (1316, 64):
    fwd, m, g, x = (row(c, size) for c in ("forwarding", "mcsec-aesni", "mcsec-generic", "xfrm"))
    he, hn = row("hooks-empty", size), row("hooks-nonmatching", size)
    extra = lambda p: f"{1e9 / p - 1e9 / fwd:10.0f}" if p and fwd else f"{'-':>10}"
    ratio = lambda a, b: f"{a / b:11.2f}" if a and b else f"{'-':>11}"
    print(f"{size:>8} {ratio(m, x)} {ratio(m, g)} {extra(m)} {extra(x)} {extra(g)} "
          f"{extra(he):>16} {extra(hn):>17}")
print("\nTCG (qemu without KVM): every number is an emulated CPU's, far below real hardware;")
print("only the ratios within this run mean anything. Gbps counts UDP payload bits.")
print("\n## checks (per row and round: the row's own counters)")
for (cfg, size), cs in sorted(checks.items()):
    for ok, detail in cs:
        print(f"# {ok:4} {cfg:<18} {size:>5}  {detail}")
sys.exit(1 if bad else 0)
PY
