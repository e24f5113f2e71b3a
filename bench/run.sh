#!/bin/sh
# make bench: prints the benchmark tables. Numbers are for one core of this
# machine; the ceiling is the raw cipher on the same bytes, same run.
set -e
cd "$(dirname "$0")/.."
echo "## core + intel-ipsec-mb backend (build/bench/mcsec-core-bench)"
build/bench/mcsec-core-bench -s "${BENCH_SECONDS:-1}"
echo "## mcsec-dpdk appliance loop, 1 and 2 lcores (build/dpdk-app/mcsec-dpdk-bench)"; bench/dpdk_bench.sh
echo "## mcsec.ko in Debian's kernel under qemu: routers' packets per second, mcsec vs Linux xfrm ESP, hook cost (bench/vm_bench.sh)"
bench/vm_bench.sh
echo "## mcsecd: 1,000 members on loopback (bench/mcsecd_bench.py)"
/usr/bin/python3 bench/mcsecd_bench.py build/userspace-ctl/mcsecd/mcsecd userspace-ctl/mcsecd/mkca.sh 1000
