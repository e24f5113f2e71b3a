#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mcsec_module.sh: mcsec.ko loads and unloads cleanly, three times over.
#
# Each round:
#   - modprobe mcsec succeeds;
#   - the generic netlink family "mcsec" is registered, with version 1 and
#     the "events" multicast group (asked through `genl ctrl get`, the way
#     any client resolves the family);
#   - lsmod lists mcsec and nothing holds a reference to it;
#   - modprobe -r mcsec succeeds;
#   - the family and the module are gone afterwards.
# Repeating it catches what only shows on the second load: a family or a
# pernet id left behind, a refcount that leaked. Last, asking for the
# family while the module is out must load it (MODULE_ALIAS_GENL_FAMILY),
# which is how a client on a fresh boot reaches it.
#
# Needs root and a kernel that can load mcsec.ko: run it as
#   selftests/vm/run.sh -- selftests/mcsec_module.sh
# Output is KTAP; exits 0 only if every test passed (4 = skipped).

ROUNDS=3
TESTS_PER_ROUND=7
TESTS_AFTER=2
KSFT_SKIP=4

n=0
failed=0

ok() {
	n=$((n + 1))
	echo "ok $n $*"
}

not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n $*"
}

# check DESC CMD...: one test, passing when CMD succeeds.
check() {
	desc=$1
	shift
	if "$@"; then
		ok "$desc"
	else
		not_ok "$desc"
	fi
}

# Indent whatever explains a failure as KTAP diagnostics.
diag() {
	sed 's/^/# /'
}

loaded() {
	[ -d /sys/module/mcsec ]
}

cleanup() {
	loaded && modprobe -r mcsec
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

family_info() {
	genl ctrl get name mcsec 2>&1
}

# Absence has to be read from the dump of all families: asking for "mcsec"
# by name makes the kernel load the module through its alias. The dump must
# show nlctrl itself, or an empty answer would pass for "gone".
family_gone() {
	list=$(genl ctrl list 2>&1)
	if ! echo "$list" | grep -qE 'Name: nlctrl( |$)'; then
		echo "$list" | diag
		return 1
	fi
	! echo "$list" | grep -qE 'Name: mcsec( |$)'
}

family_registered_v1() {
	info=$(family_info) || { echo "$info" | diag; return 1; }
	echo "$info" | grep -q 'Name: mcsec' &&
		echo "$info" | grep -qE 'Version: 0x0*1([^0-9a-fA-F]|$)' && return 0
	echo "$info" | diag
	return 1
}

family_has_events_group() {
	info=$(family_info)
	echo "$info" | grep -qE 'name: events( |$)' && return 0
	echo "$info" | diag
	return 1
}

# The request for an unknown family asks for module
# net-pf-16-proto-16-family-mcsec before it answers.
family_autoloads() {
	info=$(family_info) || { echo "$info" | diag; return 1; }
	loaded
}

# lsmod lists mcsec, "Used by" 0, and the kernel's own count agrees.
module_unreferenced() {
	line=$(lsmod | awk '$1 == "mcsec"')
	refcnt=$(cat /sys/module/mcsec/refcnt 2>/dev/null)
	[ -n "$line" ] && [ "$(echo "$line" | awk '{ print $3 }')" = 0 ] &&
		[ "$refcnt" = 0 ] && return 0
	echo "lsmod: '$line', refcnt: '$refcnt'" | diag
	return 1
}

module_gone() {
	! loaded && ! lsmod | grep -q '^mcsec '
}

load() {
	modprobe mcsec 2>&1 | diag
	loaded
}

unload() {
	modprobe -r mcsec 2>&1 | diag
	! loaded
}

echo "TAP version 13"
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root (run it under selftests/vm/run.sh)"
	exit $KSFT_SKIP
fi
echo "1..$((ROUNDS * TESTS_PER_ROUND + TESTS_AFTER))"

if loaded; then
	echo "# mcsec was loaded before the test: unloading it first"
	modprobe -r mcsec 2>&1 | diag
fi

round=1
while [ $round -le $ROUNDS ]; do
	check "round $round: modprobe mcsec" load
	check "round $round: genl family mcsec registered, version 1" family_registered_v1
	check "round $round: genl family mcsec has multicast group events" family_has_events_group
	check "round $round: lsmod lists mcsec with no users" module_unreferenced
	check "round $round: modprobe -r mcsec" unload
	check "round $round: genl family mcsec gone after unload" family_gone
	check "round $round: module gone after unload" module_gone
	round=$((round + 1))
done

check "genl ctrl get name mcsec loads the module through its alias" family_autoloads
check "modprobe -r mcsec after the autoload" unload

echo "# $((n - failed)) passed, $failed failed"
[ $failed = 0 ]
