#!/bin/sh
# Prints the kernel build directory mcsec.ko is built against: Debian's
# linux-headers-amd64 names the ABI (6.1.0-NN-amd64) it depends on. The
# ABI is derived from the package, never from `uname -r`: the machine that
# builds is not the kernel that runs the module.
set -e
abi=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null |
	sed -n 's/^linux-headers-\([^ ,]*\).*/\1/p')
[ -n "$abi" ] || { echo "kdir: linux-headers-amd64 is not installed (make deps)" >&2; exit 1; }
case "$1" in
--abi) echo "$abi" ;;
*) echo "/usr/src/linux-headers-$abi" ;;
esac
