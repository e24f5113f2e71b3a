#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mcsecctl.sh: mcsecctl (and libmcsec under it) against the real mcsec.ko,
# in a network namespace of its own:
#
#   - every form: group add/set/del/show, sa add/set/del/show, stats,
#     monitor, flush, showconf, setconf, help; unambiguous prefixes;
#   - -j output parsed by python3's json, and what it says checked;
#   - showconf -> flush -> setconf -> showconf gives the same text, keys
#     read back from the key files that showconf names;
#   - the kernel's refusals reach the user with their extack text, exit 1;
#     usage errors name the bad word, exit 2; a key on the command line is
#     refused; setconf names FILE:LINE:COL and applies nothing then;
#   - monitor prints soft and hard expiry events (lifetimes in seconds);
#   - an unprivileged user (uid 65534, no capabilities) is refused.
#
# mcsecctl is $MCSECCTL, by default build/userspace-ctl/mcsecctl/mcsecctl.
# Needs root and a kernel that can load mcsec.ko:
#   selftests/vm/run.sh -- selftests/mcsecctl.sh
# Output is KTAP; exits 0 only if every test passed (4 = skipped).

. "$(dirname "$0")/lib.sh"

TOP=$(cd "$(dirname "$0")/.." && pwd -P)
CTL=${MCSECCTL:-$TOP/build/userspace-ctl/mcsecctl/mcsecctl}
PY=/usr/bin/python3

ktap_require_root
ktap_header 40

if [ ! -x "$CTL" ]; then
	echo "# $CTL not built (make userspace)"
	while [ "$ktap_n" -lt 40 ]; do ktap_skip "mcsecctl not built"; done
	ktap_finish
fi
modprobe mcsec 2>&1 | ktap_diag
ns_new NS mcsecctl
K=$LIB_TMP/keys
mkdir -p "$K"
OUT=$LIB_TMP/out
ERR=$LIB_TMP/err

# m ARGS...: mcsecctl in the namespace; stdout in $OUT, stderr in $ERR,
# the exit status returned.
m() {
	ip netns exec "$NS" "$CTL" "$@" >"$OUT" 2>"$ERR"
}

# expect STATUS TEXT ARGS...: exits with STATUS and says TEXT on stderr.
expect() {
	_st=$1 _text=$2
	shift 2
	m "$@"
	_got=$?
	if [ "$_got" = "$_st" ] && grep -qF -- "$_text" "$ERR"; then
		return 0
	fi
	echo "status $_got, stderr:" | ktap_diag
	ktap_diag <"$ERR"
	return 1
}

# json EXPR: python3 parses $OUT as JSON into j and EXPR must be true.
json() {
	$PY -c "import json,sys; j=json.load(open('$OUT')); sys.exit(0 if ($1) else 1)" && return 0
	ktap_diag <"$OUT"
	return 1
}

# The key files of showconf's convention under $K.
key() {
	printf '# test key\n%s\n' "$2" >"$K/$1"
}
key 239.1.1.1_5000_encrypt_0x00001000.key "000102030405060708090a0b0c0d0e0f 01020304"
key 239.1.1.1_5000_encrypt_0x00001001.key "101112131415161718191a1b1c1d1e1f 11121314"
key ff3e::1_6000_2001:db8::1_decrypt_0x0000beef.key \
	"000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f a1a2a3a4"
key 239.2.2.2_1234_encrypt_even.key "00112233445566778899aabbccddeeff"
key 239.2.2.2_1234_encrypt_odd.key "ffeeddccbbaa99887766554433221100"
key 239.3.3.3_7000_lo_decrypt_odd.key "0f0e0d0c0b0a09080706050403020100"

ktap_check "group add: ESP tunnel, IPv4, required" \
	m group add 239.1.1.1 port 5000 dir encrypt format esp-tunnel required
ktap_check "group add: ESP transport, IPv6, with a source" \
	m group add ff3e::1 port 6000 src 2001:db8::1 dir decrypt format esp-transport
ktap_check "group add: TS CISSA with RTP and a PID list" \
	m group add 239.2.2.2 port 1234 dir encrypt format ts-cissa rtp pids 256,300-310
ktap_check "g a (prefixes): TS IDSA decrypt on iif lo" \
	m g a 239.3.3.3 po 7000 iif lo di decrypt fo ts-idsa
ktap_check "group add twice: kernel's extack shown, exit 1" \
	expect 1 "a group with this match exists" \
	group add 239.1.1.1 port 5000 dir encrypt format esp-tunnel
ktap_check "group add TS without port: kernel's extack shown" \
	expect 1 "TS formats need a UDP port" \
	group add 239.9.9.9 port 0 dir encrypt format ts-idsa
ktap_check "group add with a unicast address: usage error naming it, exit 2" \
	expect 2 "GROUP 10.0.0.1 is not a multicast address" \
	group add 10.0.0.1 port 1 dir encrypt format esp-tunnel
ktap_check "unknown word: named, exit 2" \
	expect 2 "'colour' is not known" group add 239.1.1.1 port 1 colour blue
ktap_check "group show lists four groups" \
	sh -c "m() { ip netns exec $NS $CTL group show; }; [ \$(m | wc -l) = 4 ]"
m -j group show
ktap_check "group show -j: JSON with every field" json \
	"len(j) == 4 and j[0]['group'] == '239.1.1.1' and j[0]['port'] == 5000 and j[0]['dir'] == 'encrypt' and j[0]['format'] == 'esp-tunnel' and j[0]['required'] and not j[0]['rtp'] and j[1]['src'] == '2001:db8::1' and j[2]['pids'] == '256,300-310' and j[2]['rtp'] and j[3]['iif'] == 'lo'"

ktap_check "sa add ESP aes128-gcm with lifetimes" \
	m sa add 239.1.1.1 port 5000 spi 0x1000 suite aes128-gcm \
	key-file "$K/239.1.1.1_5000_encrypt_0x00001000.key" \
	lifetime soft packets 1000 hard packets 2000 bytes 1000000
ktap_check "sa add second ESP SA, key from stdin" \
	sh -c "ip netns exec $NS $CTL sa add 239.1.1.1 port 5000 spi 0x1001 suite aes128-gcm seq 77 key-file - <'$K/239.1.1.1_5000_encrypt_0x00001001.key'"
ktap_check "sa add aes256-gcm on the IPv6 group, replay window, no ESN" \
	m sa add ff3e::1 port 6000 spi 0xbeef suite aes256-gcm replay-window 256 no-esn \
	key-file "$K/ff3e::1_6000_2001:db8::1_decrypt_0x0000beef.key"
ktap_check "sa add TS even and odd control words" \
	sh -c "ip netns exec $NS $CTL sa add 239.2.2.2 port 1234 parity even key-file '$K/239.2.2.2_1234_encrypt_even.key' &&
	       ip netns exec $NS $CTL sa add 239.2.2.2 port 1234 parity odd key-file '$K/239.2.2.2_1234_encrypt_odd.key' &&
	       ip netns exec $NS $CTL sa add 239.3.3.3 port 7000 parity odd key-file '$K/239.3.3.3_7000_lo_decrypt_odd.key'"
ktap_check "sa add with a key on the command line: refused, exit 2" \
	expect 2 "use key-file F" sa add 239.1.1.1 port 5000 spi 9 suite aes128-gcm key 000102
ktap_check "sa add with a short key file: length named, exit 2" \
	expect 2 "16 bytes of key material, aes128-gcm needs 20" \
	sa add 239.1.1.1 port 5000 spi 9 suite aes128-gcm key-file "$K/239.2.2.2_1234_encrypt_even.key"
ktap_check "sa add by SPI on a TS group: kernel's extack shown" \
	expect 1 "TS keys are named by parity" \
	sa add 239.2.2.2 port 1234 spi 5 suite aes128-gcm key-file "$K/239.1.1.1_5000_encrypt_0x00001000.key"
ktap_check "sa set active: the sender's SA" m sa set 239.1.1.1 port 5000 spi 0x1001 active
ktap_check "group set parity: the scrambler's key" m group set 239.2.2.2 port 1234 parity odd
ktap_check "group set parity on a descrambler: kernel's extack shown" \
	expect 1 "only scramblers have a parity" group set 239.3.3.3 port 7000 parity odd
m -j sa show
ktap_check "sa show -j: six SAs, no key, the active one marked" json \
	"len(j) == 6 and not any('key' in s or 'salt' in s for s in j) and [s['spi'] for s in j if s['group'] == '239.1.1.1'] == [4096, 4097] and [s['active'] for s in j if s['group'] == '239.1.1.1'] == [False, True] and j[1]['seq'] == 77 and j[0]['lifetime-hard']['packets'] == 2000 and j[2]['replay-window'] == 256 and not j[2]['esn']"
m -j -s sa show 239.1.1.1 port 5000
ktap_check "sa show GROUP -s -j: counters by their uapi names" json \
	"len(j) == 2 and j[0]['stats']['in-pkts-auth-failed'] == 0 and 'out-pkts-protected' in j[0]['stats']"
m -j group show 239.2.2.2 port 1234
ktap_check "group show GROUP -j: tx-parity odd" json \
	"len(j) == 1 and j[0]['tx-parity'] == 'odd'"
m -j stats
ktap_check "stats -j: every namespace counter" json \
	"len(j) == 24 and j['pkts-unmatched'] >= 0 and all(isinstance(v, int) for v in j.values())"
ktap_check "stats GROUP: text, one counter per line" \
	sh -c "ip netns exec $NS $CTL stats 239.1.1.1 port 5000 | grep -qx 'in-pkts-auth-failed 0'"

m showconf key-dir "$K"; st=$?
cp "$OUT" "$LIB_TMP/conf1"
ktap_check "showconf: exit 0, every key file found" \
	sh -c "[ $st = 0 ] && [ ! -s '$ERR' ]"
ktap_check "flush" m flush
m -j group show
ktap_check "nothing left after flush" json "j == []"
ktap_check "setconf restores the configuration" m setconf "$LIB_TMP/conf1"
m showconf key-dir "$K"
ktap_check "showconf after setconf: identical" cmp "$OUT" "$LIB_TMP/conf1"
ktap_diag <"$LIB_TMP/conf1"

printf 'group add 239.7.7.7 port 1 dir encrypt format esp-tunnel\ngroup add 239.8.8.8 port 1 dir sideways format esp-tunnel\n' >"$LIB_TMP/bad.conf"
ktap_check "setconf with a bad line: FILE:LINE:COL, exit 2" \
	expect 2 "bad.conf:2:32: dir 'sideways'" setconf "$LIB_TMP/bad.conf"
ktap_check "setconf with a bad line applied nothing" \
	sh -c "! ip netns exec $NS $CTL group show | grep -q 239.7.7.7"
printf 'group add 239.1.1.1 port 5000 dir encrypt format esp-tunnel\n' >"$LIB_TMP/dup.conf"
ktap_check "setconf refused by the kernel: FILE:LINE and the extack" \
	expect 1 "dup.conf:1: group add: File exists: a group with this match exists" \
	setconf "$LIB_TMP/dup.conf"

ktap_check "sa del by SPI" m sa del 239.1.1.1 port 5000 spi 0x1000
ktap_check "sa del again: kernel's extack shown" \
	expect 1 "no such SA" sa del 239.1.1.1 port 5000 spi 0x1000
ktap_check "group del" m group del ff3e::1 port 6000
ktap_check "group del again: no such group, exit 1" \
	expect 1 "no such group" group del ff3e::1 port 6000

ip netns exec "$NS" "$CTL" -j monitor >"$LIB_TMP/events" 2>&1 &
mon=$!
sleep 1
m sa add 239.3.3.3 port 7000 parity even lifetime soft seconds 1 hard seconds 2 \
	key-file "$K/239.3.3.3_7000_lo_decrypt_odd.key"
sleep 4
kill $mon 2>/dev/null
wait $mon 2>/dev/null
cp "$LIB_TMP/events" "$OUT"
ktap_check "monitor -j: soft then hard expiry, as JSON lines" \
	$PY -c "
import json, sys
ev = [json.loads(l) for l in open('$OUT')]
sys.exit(0 if [e['event'] for e in ev] == ['soft-expire', 'hard-expire'] and ev[0]['group'] == '239.3.3.3' and ev[0]['parity'] == 'even' and ev[0]['limit'] == 'seconds' else 1)"
[ "$ktap_failed" = 0 ] || ktap_diag <"$LIB_TMP/events"

ktap_check "unprivileged user refused" \
	sh -c "ip netns exec $NS setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all $CTL flush 2>'$ERR'; [ \$? = 1 ] && grep -q 'Operation not permitted' '$ERR'"
ktap_check "help for every object" \
	sh -c "for o in group sa stats monitor flush showconf setconf; do $CTL \$o help >/dev/null || exit 1; done"

m flush
ktap_finish
