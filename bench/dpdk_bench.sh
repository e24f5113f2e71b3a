#!/bin/sh
# The DPDK appliance's burst loop (net_ring in, net_null out) on 1 and on 2
# lcores, each generating its own traffic, next to the raw intel-ipsec-mb
# ceiling measured in the same run; then where the time goes, per stage of a
# burst (a separate build with a TSC read at each stage). BENCH_SECONDS per
# run, BENCH_REPS rounds per case (medians; the ratio is the median of each
# round's own ceiling / appliance). Uses hugepages when some
# are reserved (echo 256 > /proc/sys/vm/nr_hugepages), otherwise runs
# without them (no difference measured here).
set -e
cd "$(dirname "$0")/.."
bin=${BUILD:-build}/dpdk-app/mcsec-dpdk-bench
if [ ! -x "$bin" ]; then
	echo "# $bin not built (no libdpdk?): skipped"
	exit 0
fi
if [ "$(cat /proc/sys/vm/nr_hugepages 2>/dev/null || echo 0)" -gt 0 ]; then
	mem="--in-memory"
else
	mem="--no-huge --no-shconf -m 512"
fi
args="--no-pci --no-telemetry --vdev net_null0 --log-level lib.*:error"
opts="-s ${BENCH_SECONDS:-0.5} -r ${BENCH_REPS:-5}"
# shellcheck disable=SC2086
"$bin" $mem $args -l 0,1 -- $opts
# shellcheck disable=SC2086
"$bin-stages" $mem $args -l 0 -- $opts | sed -n '/^## where/,$p'
# rte_cryptodev (mcsec-dpdk --cryptodev): the ESP cases with their AEAD jobs
# on DPDK's crypto_aesni_mb vdev, enqueued and dequeued per burst, next to
# the same direct-library ceiling. One lcore (the vdev's queue pair 0).
echo
echo "## ESP through rte_cryptodev (crypto_aesni_mb)"
# shellcheck disable=SC2086
"$bin" $mem $args -l 0 -- $opts -c esp -C crypto_aesni_mb | sed -n '/^# ESP AEAD on/p;/^| case/,/^$/p'
