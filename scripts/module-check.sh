#!/bin/sh
# Builds mcsec.ko with W=1 and sparse (C=1) and fails on any warning, the way
# the kernel's own CI would. Prints TAP.
kdir=${1:-$(scripts/kdir.sh)}
log=$(mktemp)
make -s -C "$kdir" M="$PWD" clean >/dev/null 2>&1
if make -C "$kdir" M="$PWD" W=1 C=1 modules >"$log" 2>&1; then
	if grep -E 'warning:|error:|sparse:' "$log"; then
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
echo "1..1"
exit $rc
