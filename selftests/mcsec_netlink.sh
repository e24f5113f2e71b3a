#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mcsec_netlink.sh: the generic netlink API of mcsec.ko, driven by an
# independent client (selftests/mcsec_nl.py on pyroute2, not libmcsec).
#
#   - groups and SAs added, read, dumped, rotated, deleted and flushed;
#     replies carry the group ID; dumps never carry a key or a salt;
#   - exact key and salt lengths, suite per format, multicast group
#     addresses, unknown attributes and flag bits: refused, with the extack
#     text asserted where the handler writes one;
#   - an unprivileged caller (uid 65534, no capabilities) is refused EPERM;
#   - 10,000 groups added in batches, dumped, flushed;
#   - a namespace deleted and the module removed with groups installed.
#
# Needs root and a kernel that can load mcsec.ko:
#   selftests/vm/run.sh -- selftests/mcsec_netlink.sh
# Output is KTAP; exits 0 only if every test passed (4 = skipped).

API_TESTS=30
OTHER_TESTS=4
KSFT_SKIP=4
PY=/usr/bin/python3
HELPER=$(dirname "$0")/mcsec_nl.py
NS=mcsec-nl-$$

failed=0
n=$API_TESTS

ok() {
	n=$((n + 1))
	echo "ok $n $*"
}

not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n $*"
}

diag() {
	sed 's/^/# /'
}

# check DESC CMD...: one test, passing when CMD succeeds; its output is
# shown as diagnostics either way.
check() {
	desc=$1
	shift
	out=$("$@" 2>&1)
	rc=$?
	[ -n "$out" ] && echo "$out" | diag
	if [ $rc -eq 0 ]; then
		ok "$desc"
	else
		not_ok "$desc"
	fi
}

cleanup() {
	ip netns del "$NS" 2>/dev/null
	[ -d /sys/module/mcsec ] && modprobe -r mcsec 2>/dev/null
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

echo "TAP version 13"
echo "1..$((API_TESTS + OTHER_TESTS))"

if ! modprobe mcsec; then
	echo "# cannot load mcsec.ko"
	exit $KSFT_SKIP
fi

# The API cases print their own KTAP lines, numbered 1..API_TESTS.
$PY "$HELPER" api 1
api_rc=$?

check "an unprivileged caller is refused EPERM for every command" \
	setpriv --reuid=65534 --regid=65534 --clear-groups \
	--inh-caps=-all --bounding-set=-all $PY "$HELPER" unpriv

check "10000 groups added, dumped and flushed" $PY "$HELPER" bulk 10000

netns_with_groups() {
	ip netns add "$NS" || return 1
	ip netns exec "$NS" $PY "$HELPER" add-esp 239.5.5.5 encrypt 0x10 \
		00112233445566778899aabbccddeeff 01020304 || return 1
	ip netns exec "$NS" $PY "$HELPER" add-esp 239.5.5.6 decrypt 0x11 \
		00112233445566778899aabbccddeeff 01020304 || return 1
	ip netns del "$NS"
}
check "a namespace with groups and SAs is deleted" netns_with_groups

rmmod_with_groups() {
	$PY "$HELPER" add-esp 239.6.6.6 encrypt 0x20 \
		00112233445566778899aabbccddeeff 01020304 || return 1
	modprobe -r mcsec || return 1
	! genl ctrl list 2>&1 | grep -qE 'Name: mcsec( |$)'
}
check "the module is removed with groups installed" rmmod_with_groups

[ $api_rc -eq 0 ] && [ $failed -eq 0 ] && {
	echo "# all passed"
	exit 0
}
echo "# some tests failed"
exit 1
