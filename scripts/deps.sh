#!/bin/sh
# Installs what building and testing mcsec needs, from Debian's mirror.
# Idempotent and silent when everything is already there.
set -e
pkgs="
build-essential make pkg-config meson ninja-build sparse
linux-headers-amd64 kmod
libipsec-mb-dev libssl-dev openssl libpcap-dev libmnl-dev
clang libclang-rt-14-dev llvm
python3 python3-scapy
qemu-system-x86 busybox-static cpio iproute2 tcpdump ethtool
tshark tcpreplay smcroute socat iperf3 python3-pyroute2 python3-cryptography
dpdk-dev libdpdk-dev libinih-dev
librte-crypto-ipsec-mb23 librte-crypto-openssl23
"
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt_install() {
	apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "$@" >/tmp/mcsec-apt.log 2>&1
}
if ! apt_install $missing; then
	apt-get -o DPkg::Lock::Timeout=600 update -q >/tmp/mcsec-apt-update.log 2>&1
	apt_install $missing || { tail -20 /tmp/mcsec-apt.log >&2; exit 1; }
fi
