#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs a command inside Debian's own kernel, the one mcsec.ko is built for,
# with mcsec.ko installed and the host's userland:
#
#   selftests/vm/run.sh [--timeout SEC] [--keep DIR] -- CMD [ARGS...]
#
# The kernel is linux-image-<abi> from Debian's mirror, <abi> being what
# scripts/kdir.sh derives from linux-headers-amd64. It boots under
# qemu-system-x86_64 (TCG, -cpu max) with a busybox initramfs (init in this
# folder) that mounts the host root read-only over 9p and runs CMD in the
# caller's current directory (guest.sh). Everything is cached in build/vm/
# and rebuilt only when its inputs change.
#
# CMD's output is printed once the VM is off. The run fails (non-zero exit,
# reasons as '# ' lines) if CMD fails, if the guest never reported an exit
# status (crash, panic, timeout), if the kernel logged a warning, BUG, oops
# or sanitizer report, or if the kernel is tainted by anything but an
# out-of-tree (O) unsigned (E) module. qemu's own exit status means nothing.
#
# --keep DIR keeps the results folder (console.log, dmesg, output.log,
# status, tainted, qemu.log, build.log) in DIR; without it they are removed
# after a passing run and kept (path printed) after a failing one.
set -eu

usage() {
	echo "usage: $0 [--timeout SEC] [--keep DIR] -- CMD [ARGS...]" >&2
	exit 2
}

timeout=300
keep=
while [ $# -gt 0 ]; do
	case $1 in
	--timeout) [ $# -ge 2 ] || usage; timeout=$2; shift 2 ;;
	--keep) [ $# -ge 2 ] || usage; keep=$2; shift 2 ;;
	--) shift; break ;;
	*) usage ;;
	esac
done
[ $# -gt 0 ] || usage
case $timeout in '' | *[!0-9]*) usage ;; esac

# Physical paths: they are what the guest sees through 9p.
cwd=$(pwd -P)
here=$(cd "$(dirname "$0")" && pwd -P)
top=$(cd "$here/../.." && pwd -P)
abi=$("$top/scripts/kdir.sh" --abi)
cache=$top/build/vm
image=$cache/$abi/image
initrd=$cache/$abi/initramfs.cpio

note() {
	echo "# vm: $*"
}

# quote WORD: WORD as one single-quoted shell word.
quote() {
	printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

# fetch_image: downloads and unpacks linux-image-<abi> into the cache once.
# Both linux-image-<abi> (signed) and its -unsigned twin carry the same
# vmlinuz and modules; the signed one is what Debian machines run.
# The unpacked tree is checked against the number of modules counted at
# unpack time: `make clean` on the source tree (Kbuild's clean for M=)
# deletes every *.ko below it, build/vm included, and a damaged cache is
# unpacked again rather than half used.
fetch_image() {
	pkg=linux-image-$abi
	if [ -f "$image/boot/vmlinuz-$abi" ] && [ -f "$image.kos" ] &&
		[ "$(count_kos "$image")" = "$(cat "$image.kos")" ]; then
		return 0
	fi
	rm -rf "$image" "$image.kos"
	mkdir -p "$cache/deb"
	set -- "$cache/deb/${pkg}"_*.deb
	if [ ! -f "$1" ]; then
		note "downloading $pkg"
		if ! (cd "$cache/deb" && apt-get download -q \
			-o APT::Sandbox::User=root "$pkg") >"$cache/apt.log" 2>&1; then
			apt-get -o DPkg::Lock::Timeout=600 update -q >>"$cache/apt.log" 2>&1 || :
			(cd "$cache/deb" && apt-get download -q \
				-o APT::Sandbox::User=root "$pkg") >>"$cache/apt.log" 2>&1 || {
				sed 's/^/# /' "$cache/apt.log"
				note "cannot download $pkg"
				return 1
			}
		fi
		set -- "$cache/deb/${pkg}"_*.deb
	fi
	rm -rf "$image.tmp"
	dpkg-deb -x "$1" "$image.tmp" || return 1
	# The package ships no modules.dep: its postinst would run depmod.
	depmod -b "$image.tmp" "$abi" || return 1
	mv "$image.tmp" "$image"
	count_kos "$image" >"$image.kos"
}

count_kos() {
	find "$1/lib/modules/$abi" -name '*.ko' | wc -l
}

# initramfs_modules: the .ko files (relative to the image's module tree)
# the guest needs for virtio PCI and 9p over virtio, in load order.
# Whatever is built in shows up as "builtin" and is skipped.
initramfs_modules() {
	for m in virtio_pci 9pnet_virtio 9p; do
		modprobe -d "$image" -S "$abi" --show-depends "$m"
	done | sed -n "s|^insmod $image/lib/modules/$abi/\([^ ]*\).*|\1|p" |
		awk '!seen[$0]++'
}

# build_initramfs: busybox, init and those modules, as an uncompressed
# cpio; rebuilt only when one of them changed.
build_initramfs() {
	mods=$(initramfs_modules)
	[ -n "$mods" ] || return 1
	key=$(cd "$image/lib/modules/$abi" &&
		sha256sum /bin/busybox "$here/init" $mods | sha256sum)
	[ -f "$initrd" ] && [ "$(cat "$initrd.key" 2>/dev/null)" = "$key" ] &&
		return 0
	stage=$cache/$abi/initramfs.tmp
	rm -rf "$stage"
	mkdir -p "$stage/bin" "$stage/dev" "$stage/proc" "$stage/sys" \
		"$stage/modules" "$stage/newroot" "$stage/results" "$stage/keep"
	cp /bin/busybox "$stage/bin/busybox" || return 1
	install -m 755 "$here/init" "$stage/init" || return 1
	# The kernel opens /dev/console for init before anything is mounted.
	mknod -m 600 "$stage/dev/console" c 5 1 || return 1
	for m in $mods; do
		cp "$image/lib/modules/$abi/$m" "$stage/modules/" || return 1
		basename "$m" >>"$stage/modules/order"
	done
	(cd "$stage" && find . | cpio -o -H newc --quiet) >"$initrd.tmp" ||
		return 1
	mv "$initrd.tmp" "$initrd"
	echo "$key" >"$initrd.key"
	rm -rf "$stage"
}

# prepare_modules DIR: a private copy (hard links) of the image's module
# tree with the freshly built mcsec.ko in extra/, depmod'ed. Private, so
# that concurrent runs never see each other's modules.dep.
prepare_modules() {
	tree=$1/lib/modules/$abi
	mkdir -p "$1/lib/modules"
	cp -al "$image/lib/modules/$abi" "$tree" || return 1
	# depmod replaces its outputs by rename, but do not even risk writing
	# through a hard link into the cache.
	rm -f "$tree"/modules.dep* "$tree"/modules.alias* \
		"$tree"/modules.symbols* "$tree"/modules.devname \
		"$tree"/modules.softdep
	mkdir -p "$tree/extra" &&
		cp "$top/mcsec.ko" "$tree/extra/" &&
		depmod -b "$1" "$abi"
}

# write_job FILE CMD...: what the guest runs, as shell for init and guest.sh.
write_job() {
	f=$1
	shift
	{
		echo "top=$(quote "$top")"
		echo "cwd=$(quote "$cwd")"
		echo "results=$(quote "$results")"
		echo "modules=$(quote "$run/tree/lib/modules")"
		printf 'set --'
		for a in "$@"; do
			printf ' %s' "$(quote "$a")"
		done
		echo
	} >"$f"
}

# qemu_path PATH: PATH as a qemu option value (commas doubled).
qemu_path() {
	printf '%s' "$1" | sed 's/,/,,/g'
}

# kernel_problems FILE...: every line of a kernel log that says the kernel
# found a bug, once (console.log and dmesg overlap), timestamps kept.
kernel_problems() {
	cat "$@" 2>/dev/null | tr -d '\r' |
		grep -E 'WARNING:|BUG:|BUG |Oops|Call Trace|Kernel panic|general protection fault|UBSAN|KASAN|kmemleak|KFENCE|detected stall|hard LOCKUP|blocked for more than' |
		awk '{ l = $0; sub(/^\[ *[0-9.]+\] /, "", l) } !seen[l]++'
}

# taint_problems VALUE: the taint flags set besides O (4096) and E (8192).
taint_problems() {
	bad=$(($1 & ~(4096 | 8192)))
	[ "$bad" = 0 ] && return 0
	flags="P F S R M B U D A W C I O E L K X T N J"
	bit=0
	for f in $flags; do
		if [ $((bad >> bit & 1)) = 1 ]; then
			echo "taint bit $bit ($f) set"
		fi
		bit=$((bit + 1))
	done
	if [ $((bad >> bit)) != 0 ]; then
		echo "taint bits above $((bit - 1)) set: $bad"
	fi
}

qpid=
run=
cleanup() {
	[ -n "$qpid" ] && kill "$qpid" 2>/dev/null
	[ -n "$run" ] && rm -rf "$run/tree"
}
trap 'cleanup; note "interrupted"; exit 130' INT TERM HUP

# mknod for the initramfs' console, qemu exporting every file of / to the
# guest, apt-get when the image is missing: all of it needs root.
if [ "$(id -u)" != 0 ]; then
	note "needs root"
	exit 1
fi
mkdir -p "$cache/$abi"

# 1. mcsec.ko, fresh.
run=$(mktemp -d "$cache/run.XXXXXX")
results=${keep:-$run/results}
mkdir -p "$results"
results=$(cd "$results" && pwd -P)
rm -f "$results/console.log" "$results/dmesg" "$results/output.log" \
	"$results/status" "$results/tainted" "$results/qemu.log" \
	"$results/job.sh" "$results/build.log"
# give_up REASON: fails before the guest ran; everything was printed.
give_up() {
	note "$1"
	rm -rf "$run"
	exit 1
}

if ! make -s -C "$top" module >"$results/build.log" 2>&1; then
	sed 's/^/# /' "$results/build.log"
	give_up "make module failed"
fi

# 2. The kernel and the initramfs, cached; one preparer at a time.
if ! (flock 9 && fetch_image && build_initramfs) 9>"$cache/$abi/lock"; then
	give_up "cannot prepare the VM image in $cache"
fi

# 3. This run's module tree and job.
prepare_modules "$run/tree" || give_up "cannot install mcsec.ko in a module tree"
write_job "$results/job.sh" "$@"

# 4. Boot. qemu gets no terminal: CI runs have no stdin and the console goes
# to a file. -no-reboot turns the guest's panic=-1 reboot into an exit.
start=$(date +%s)
timeout -k 5 "$timeout" qemu-system-x86_64 \
	-nodefaults -machine pc -accel tcg -cpu max -smp 2 -m 1G \
	-kernel "$image/boot/vmlinuz-$abi" -initrd "$initrd" \
	-append "console=ttyS0 panic_on_warn=1 oops=panic panic=-1" \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
	-virtfs "local,path=$(qemu_path "$results"),mount_tag=results,security_model=none,multidevs=remap" \
	-display none -monitor none -nic none \
	-serial "file:$(qemu_path "$results/console.log")" -no-reboot \
	</dev/null >"$results/qemu.log" 2>&1 &
qpid=$!
qst=0
wait "$qpid" || qst=$?
qpid=
elapsed=$(($(date +%s) - start))

# 5. The verdict.
[ -f "$results/output.log" ] && cat "$results/output.log"
rc=0
status=$(cat "$results/status" 2>/dev/null || :)
case $status in
'')
	if [ "$qst" = 124 ] || [ "$qst" = 137 ]; then
		note "timed out after ${timeout}s: qemu killed"
	else
		note "the guest reported no exit status (crash or boot failure)"
	fi
	tail -n 30 "$results/console.log" 2>/dev/null | tr -d '\r' | sed 's/^/# /'
	rc=1
	;;
0) ;;
*)
	note "command exited with status $status"
	rc=$status
	;;
esac

problems=$(kernel_problems "$results/console.log" "$results/dmesg")
if [ -n "$problems" ]; then
	note "the kernel reported problems:"
	echo "$problems" | sed 's/^/# /'
	[ "$rc" = 0 ] && rc=1
fi

if [ -f "$results/tainted" ]; then
	taint=$(taint_problems "$(cat "$results/tainted")")
	if [ -n "$taint" ]; then
		note "kernel tainted beyond O and E: $(cat "$results/tainted")"
		echo "$taint" | sed 's/^/# /'
		[ "$rc" = 0 ] && rc=1
	fi
fi

note "$abi: qemu ran ${elapsed}s"
rm -rf "$run/tree"
if [ -n "$keep" ]; then
	rm -rf "$run"
	note "results in $results"
elif [ "$rc" = 0 ]; then
	rm -rf "$run"
else
	note "results kept in $results"
fi
exit "$rc"
