#!/bin/sh
# Builds mcsec.ko with W=1 and sparse (C=1) and fails on any warning, the way
# the kernel's own CI would. Prints TAP.
#
# The build starts from `make clean` so that sparse sees every file. Warnings
# come from three tools and are matched case-insensitively: the compiler
# ("warning:"), sparse ("sparse:", "warning:") and modpost ("WARNING:", e.g.
# section mismatches).
cd "$(dirname "$0")/.." || exit 1
echo "1..1"
kdir=${1:-$(scripts/kdir.sh)} || kdir=
if [ -z "$kdir" ] || [ ! -d "$kdir" ]; then
	echo "not ok 1 - mcsec.ko builds clean under W=1 and sparse # no kernel build directory"
	exit 1
fi
log=$(mktemp)
make -s -C "$kdir" M="$PWD" clean >/dev/null 2>&1
if make -C "$kdir" M="$PWD" W=1 C=1 modules >"$log" 2>&1; then
	if grep -iE 'warning:|error:|sparse:' "$log" | sed 's/^/# /' | grep .; then
		echo "not ok 1 - mcsec.ko builds clean under W=1 and sparse"
		rc=1
	else
		echo "ok 1 - mcsec.ko builds clean under W=1 and sparse"
		rc=0
	fi
else
	sed 's/^/# /' "$log"
	echo "not ok 1 - mcsec.ko builds under W=1 and sparse"
	rc=1
fi
rm -f "$log"
exit $rc
