#!/bin/sh
# Builds mcsec.ko with W=1 and sparse (C=1) and fails on any warning, the way
# the kernel's own CI would. Prints TAP.
#
# It builds a fresh copy of the module's sources (Kbuild, kmod/, core/,
# include/) in a scratch directory, so that every file is compiled and
# checked, and nothing in the tree is touched: `make clean` on the tree
# would delete every *.o, *.a and *.ko below it, other builds' included.
# Warnings come from three tools and are matched case-insensitively: the
# compiler ("warning:"), sparse ("sparse:", "warning:") and modpost
# ("WARNING:", e.g. section mismatches).
top=$(cd "$(dirname "$0")/.." && pwd -P) || exit 1
echo "1..1"
kdir=${1:-$("$top/scripts/kdir.sh")} || kdir=
if [ -z "$kdir" ] || [ ! -d "$kdir" ]; then
	echo "not ok 1 - mcsec.ko builds clean under W=1 and sparse # no kernel build directory"
	exit 1
fi
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
(cd "$top" && find Kbuild kmod core include -type f \
	\( -name Kbuild -o -name '*.[ch]' \) | cpio -pdm --quiet "$work") || exit 1

# Report paths as they are in the tree, not in the scratch copy.
log=$work/build.log
if make -C "$kdir" M="$work" W=1 C=1 modules >"$log.raw" 2>&1; then
	sed "s|$work|$top|g" "$log.raw" >"$log"
	if grep -iE 'warning:|error:|sparse:' "$log" | sed 's/^/# /' | grep .; then
		echo "not ok 1 - mcsec.ko builds clean under W=1 and sparse"
		exit 1
	fi
	echo "ok 1 - mcsec.ko builds clean under W=1 and sparse"
	exit 0
fi
sed "s|$work|$top|g" "$log.raw" | sed 's/^/# /'
echo "not ok 1 - mcsec.ko builds under W=1 and sparse"
exit 1
