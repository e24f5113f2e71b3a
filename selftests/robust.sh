#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# robust.sh: mcsec.ko under abuse of its control plane and of its lifetime:
#
#   fuzz, race, bulk: one namespace each, no links (control plane only)
#   nsdel:  ns-a [encrypt, LOCAL_OUT] va ---- vb [decrypt] ns-b
#           (a stream flows, SAs with lifetimes in seconds, a monitor runs;
#           ns-b, then ns-a, deleted under it)
#   rmmod:  sender --- head-end [encrypt] --- core --- edge [decrypt] --- subscriber
#           (the topology of issue 3; the module removed while a stream flows)
#
#   - every request from a caller without CAP_NET_ADMIN refused EPERM, and
#     joining the events group too (it names groups and SPIs);
#   - SA_SET FLAGS = ACTIVE switches the sender to an ESN SA;
#   - 3000 malformed requests (fixed seed: wrong attribute sizes, unknown
#     attributes at every level, required ones missing, nests without
#     NLA_F_NESTED, lengths past the end, garbage, unknown commands, reserved
#     header bits): every one answered with an error, and the configuration
#     dumped before and after is identical;
#   - dumps of 2000 groups while another process adds and deletes a group:
#     a dump not flagged NLM_F_DUMP_INTR is a state that existed, some are
#     flagged; quiet dumps are never flagged;
#   - 10,000 groups, 2,000 of them with an AES-GCM SA, installed and flushed
#     twice: slab objects and per-CPU memory back to the first cycle's level
#     (a leak of one object per group would be 10,000 objects; the Debian
#     kernel has no kmemleak), rmmod-free;
#   - namespaces deleted with groups, SAs, traffic and a listener;
#   - rmmod under traffic: the module goes, the stream continues in clear,
#     what arrived is in order and byte-exact.
# The VM runner fails the run on any kernel warning, oops or taint.
#
# Run it as: selftests/vm/run.sh -- selftests/robust.sh

. "$(dirname "$0")/lib.sh"

T=$LIB_TMP
PY=/usr/bin/python3
NL="$PY $LIB_DIR/mcsec_nl.py"
SEED=20260301
FUZZ=3000

ktap_require_root
ktap_header 18

if [ ! -x "$MCSECCTL" ] || ! modprobe mcsec; then
	echo "# set-up failed (mcsecctl built? module?)"
	while [ "$ktap_n" -lt "$ktap_planned" ]; do ktap_fail "set up"; done
	ktap_finish
fi

# --- privileges ----------------------------------------------------------------
ns_new PRIV priv
ktap_check "unprivileged (uid 65534, no capabilities): every command and the events group refused EPERM" \
	ip netns exec "$PRIV" setpriv --reuid=65534 --regid=65534 --clear-groups \
	--inh-caps=-all --bounding-set=-all $NL unpriv-all

# --- malformed requests ------------------------------------------------------------
ns_new FZ fuzz
key_file "$T/k1" 20
key_file "$T/k2" 36
key_file "$T/w" 16
fz_conf() {
	ctl "$FZ" group add 239.77.0.1 port 5000 dir encrypt format esp-tunnel required &&
		ctl "$FZ" sa add 239.77.0.1 port 5000 spi 0x900 suite aes128-gcm key-file "$T/k1" \
			lifetime soft packets 100 hard packets 200 &&
		ctl "$FZ" sa add 239.77.0.1 port 5000 spi 0x901 suite aes256-gcm key-file "$T/k2" no-esn &&
		ctl "$FZ" group add ff3e::77 port 0 src 2001:db8::7 dir decrypt format esp-transport &&
		ctl "$FZ" sa add ff3e::77 port 0 spi 0x902 suite chacha20-poly1305 key-file "$T/k2" replay-window 1024 &&
		ctl "$FZ" group add 239.77.0.2 port 1234 dir encrypt format ts-idsa pids 256,300-310 &&
		ctl "$FZ" sa add 239.77.0.2 port 1234 parity even key-file "$T/w" &&
		ctl "$FZ" sa add 239.77.0.2 port 1234 parity odd key-file "$T/w" &&
		ctl "$FZ" group set 239.77.0.2 port 1234 parity odd
}
ktap_check "a configuration: ESP groups (v4, v6), 3 SAs, a TS group with both words" fz_conf
ip netns exec "$FZ" $NL dumpconf >"$T/conf.before" 2>&1
ktap_check "$FUZZ malformed requests (seed $SEED): every one refused with an error" \
	ip netns exec "$FZ" $NL fuzz $SEED $FUZZ
ip netns exec "$FZ" $NL dumpconf >"$T/conf.after" 2>&1
ktap_check "the configuration dumped after them is identical to before" \
	eval '[ $(wc -l <"$T/conf.before") = 8 ] && cmp "$T/conf.before" "$T/conf.after" ||
		{ diff "$T/conf.before" "$T/conf.after" | ktap_diag; false; }'

ktap_check "SA_SET ACTIVE switches ESN SAs with or without the ESN bit, cannot turn ESN on" \
	ip netns exec "$PRIV" $NL sa-set-esn

# --- dumps under change --------------------------------------------------------------
ns_new DR race
ktap_check "dumps of 2000 groups under concurrent add/del: unflagged ones consistent, others NLM_F_DUMP_INTR" \
	ip netns exec "$DR" $NL dump-race 2000 15

# --- 10,000 groups, twice ----------------------------------------------------------
# mem: slab objects and bytes (all caches), per-CPU kB
mem() {
	$PY -S -c '
objs = byts = 0
for line in open("/proc/slabinfo").read().splitlines()[2:]:
    f = line.split()
    objs += int(f[1])
    byts += int(f[1]) * int(f[3])
pcpu = [l.split()[1] for l in open("/proc/meminfo") if l.startswith("Percpu:")][0]
print(objs, byts, pcpu)'
}
ns_new BK bulk
# settled: the deferred frees (RCU, then the module's workqueue) have run
settle() {
	sleep 2
	echo 3 >/proc/sys/vm/drop_caches
}
cycle() {
	ip netns exec "$BK" $NL bulk 10000 keep sa=2000 >"$T/bulk.log" 2>&1 || { ktap_diag <"$T/bulk.log"; return 1; }
	mem >"$T/mem.full"
	ctl "$BK" flush || return 1
	[ "$(ip netns exec "$BK" "$MCSECCTL" group show | wc -l)" = 0 ] || return 1
	settle
	mem >"$T/mem.after$1"
	echo "cycle $1: with the groups $(cat "$T/mem.full"), after $(cat "$T/mem.after$1") (objects, bytes, percpu kB)" | ktap_diag
}
settle
mem >"$T/mem.base"
echo "baseline: $(cat "$T/mem.base")" | ktap_diag
ok=1
for c in 1 2; do
	cycle $c || ok=0
done
ktap_check "10,000 groups (2,000 of them with an AES-GCM SA) added, dumped and flushed twice" test $ok = 1
# grow A B FIELD: how much FIELD grew from file A to file B
grow() {
	echo $(( $(cut -d' ' -f"$3" "$2") - $(cut -d' ' -f"$3" "$1") ))
}
full=$(grow "$T/mem.base" "$T/mem.full" 1)
ktap_check "the groups and SAs took slab objects, at least one per group (sanity: $full more with them)" \
	test "$full" -ge 10000
g_objs=$(grow "$T/mem.after1" "$T/mem.after2" 1)
g_pcpu=$(grow "$T/mem.after1" "$T/mem.after2" 3)
echo "from cycle 1 to cycle 2: $g_objs slab objects, $g_pcpu kB per-CPU" | ktap_diag
ktap_check "no leak: slab objects after cycle 2 within 2000 of cycle 1 (one per group would be 10000)" \
	test "$g_objs" -lt 2000
ktap_check "no leak: per-CPU memory after cycle 2 within 1 MB of cycle 1 (a group's counters: 416 bytes)" \
	test "$g_pcpu" -lt 1024

# --- namespaces deleted under traffic ------------------------------------------------------
ns_new NA ns-a
ns_new NB ns-b
link_add "$NA" va "$NB" vb 10.99.0.1/24 - 10.99.0.2/24 -
ip -n "$NA" route add 239.0.0.0/8 dev va
key_file "$T/kd" 20
nsdel_setup() {
	ctl "$NA" group add 239.99.0.1 port 6000 dir encrypt format esp-tunnel &&
		ctl "$NA" sa add 239.99.0.1 port 6000 spi 0x600 suite aes128-gcm key-file "$T/kd" \
			lifetime soft seconds 100 hard seconds 200 &&
		ctl "$NB" group add 239.99.0.1 port 6000 dir decrypt format esp-tunnel &&
		ctl "$NB" sa add 239.99.0.1 port 6000 spi 0x600 suite aes128-gcm key-file "$T/kd" \
			lifetime soft seconds 100 hard seconds 200 &&
		ctl "$NB" group add 239.99.0.2 port 6002 dir decrypt format ts-cissa &&
		ctl "$NB" sa add 239.99.0.2 port 6002 parity even key-file "$T/w"
}
ktap_check "ns-a encrypts, ns-b decrypts (SAs with lifetimes in seconds, a TS group)" nsdel_setup
ip netns exec "$NB" "$MCSECCTL" monitor >/dev/null 2>&1 &
stream_start nsd "$NA" va "$NB" vb 239.99.0.1 6000 --gap 0.005
wait_for 20 test -s "$T/nsd.got"
ktap_check "the stream flows from ns-a to ns-b" test -s "$T/nsd.got"
# del_ns NS: its processes killed, the namespace deleted and gone
del_ns() {
	for _p in $(ip netns pids "$1"); do kill "$_p"; done
	ip netns del "$1" && ! ip netns list | awk '{print $1}' | grep -qx "$1"
}
ktap_check "ns-b deleted with groups, SAs, a listener, and ESP arriving" del_ns "$NB"
sleep 1
ktap_check "ns-a deleted with groups and SAs while its sender runs" del_ns "$NA"
sleep 2
ktap_check "the module still serves other namespaces" \
	eval 'ctl "$FZ" group show >"$T/after.show" && [ $(wc -l <"$T/after.show") = 3 ]'

# --- rmmod under traffic -----------------------------------------------------------------------
G=$TOPO_G4
rm_setup() {
	topo_setup || return 1
	key_file "$T/kr" 20
	ctl "$TOPO_HE" group add $G port 5000 dir encrypt format esp-tunnel &&
		ctl "$TOPO_EDGE" group add $G port 5000 dir decrypt format esp-tunnel &&
		ctl "$TOPO_EDGE" sa add $G port 5000 spi 0x500 suite aes128-gcm key-file "$T/kr" &&
		ctl "$TOPO_HE" sa add $G port 5000 spi 0x500 suite aes128-gcm key-file "$T/kr"
}
ktap_check "topology: head-end encrypts, edge decrypts" rm_setup
ip netns exec "$TOPO_EDGE" "$MCSECCTL" monitor >/dev/null 2>&1 &
ctl_stats_save "$TOPO_EDGE" "$T/rm.base"
stream_start rm "$TOPO_SND" s0 "$TOPO_SUB" r0 $G 5000 --gap 0.005
wait_for 20 test -s "$T/rm.got"
sleep 2
before=$(ctl_stat "$TOPO_EDGE" in-pkts-ok)
ktap_check "rmmod under traffic (a monitor listening): the module and its family are gone" \
	eval 'modprobe -r mcsec && [ ! -d /sys/module/mcsec ] && ! genl ctrl list 2>&1 | grep -qE "Name: mcsec( |$)"'
sleep 2
stream_stop rm >/dev/null
# what arrived: in order, byte-exact, no duplicate, and the stream's tail
# (sent in clear once the module was gone) all there
ktap_check "the stream went on: what arrived is an ordered, byte-exact subsequence, the last 100 all there" \
	$PY -S -c '
import sys
sent = open(sys.argv[1]).read().split()
got = open(sys.argv[2]).read().split()
pos = {p: i for i, p in enumerate(sent)}
idx = [pos.get(p, -1) for p in got]
ok = -1 not in idx and idx == sorted(set(idx)) and set(range(len(sent) - 100, len(sent))) <= set(idx)
print("# sent %d, got %d, decrypted before rmmod %s" % (len(sent), len(got), sys.argv[3]))
sys.exit(0 if ok and int(sys.argv[3]) > 0 else 1)' "$T/rm.sent" "$T/rm.got" "$before"

ktap_finish
