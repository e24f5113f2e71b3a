#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Stage 2 of the test VM: PID 1 once the initramfs chrooted into the host's
# root (read-only, with the host's own userland). Runs the command of
# job.sh in the caller's directory, then leaves in the results folder what
# run.sh judges the run by:
#   output.log  the command's stdout and stderr
#   status      its exit status (written only if it ran to the end)
#   dmesg       the kernel log after it
#   tainted     /proc/sys/kernel/tainted after it
# and powers the VM off. PID 1 must never exit: the kernel would panic.

results=$1
# job.sh (written by run.sh) sets top, cwd, results, modules and the
# command as "$@".
# shellcheck source=/dev/null
. "$results/job.sh"

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp TERM=dumb LC_ALL=C.UTF-8

poweroff_now() {
	sync
	busybox poweroff -f
	# Without busybox, sysrq still turns the machine off.
	echo o >/proc/sysrq-trigger
	sleep 30
}

ip link set lo up

# Debian's kernel does not load the AES-NI driver by itself here; without
# it the crypto API would quietly run the generic C AES.
if ! modprobe aesni-intel 2>"$results/output.log"; then
	echo "# vm: modprobe aesni-intel failed (is the CPU -cpu max?)" >>"$results/output.log"
	status=1
elif ! cd "$cwd"; then
	echo "# vm: cannot enter $cwd" >>"$results/output.log"
	status=1
else
	"$@" </dev/null >"$results/output.log" 2>&1
	status=$?
fi

echo "$status" >"$results/status"
dmesg >"$results/dmesg" 2>&1
cat /proc/sys/kernel/tainted >"$results/tainted"
poweroff_now
