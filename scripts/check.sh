#!/bin/bash
# make check: builds everything and runs every test, then prints one last
# line "N passed, N failed[, N skipped]".
#
# Every test speaks TAP (or KTAP): each "ok"/"not ok" line at column 0 is one
# result; a suite that exits non-zero without reporting a failure counts as
# one more failure, and a suite without TAP counts by its exit status.
# Suites, in order:
#   build      mcsec.ko (W=1 + sparse clean), userspace (gcc), sanitizer build (clang)
#   unit       core unit tests, gcc build            (core/tests)
#   interop    mcsec-pcap against scapy's ESP, TS   (userspace-ctl/mcsec-pcap/tests)
#   asan       the same tests built with ASan+UBSan (clang)
#   fuzz       each libFuzzer target for FUZZ_SECONDS over its seed corpus
#   vm         each selftests/*.sh in Debian's kernel under qemu, mcsec.ko loaded,
#              VM_JOBS guests at a time (default 1). On the 2-core reference
#              machine two guests gained nothing: each -smp 2 TCG guest keeps
#              both cores busy, every suite took 1.4-2x its time alone, and
#              the VM part stayed at ~24 min; VM_JOBS=2 is for machines with
#              more cores. Results are counted in the suites' name order.
set -u
cd "$(dirname "$0")/.."
top=$PWD
logs=$top/build/check
mkdir -p "$logs"
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
passed=0 failed=0 skipped=0

# count NAME STATUS LOGFILE [SECONDS]: adds the TAP results of one suite run.
count() {
	local name=$1 status=$2 log=$3 took=${4:+ (${4}s)} p f s
	p=$(grep -E '^ok [0-9]+' "$log" | grep -vc '# SKIP' || true)
	s=$(grep -E '^ok [0-9]+' "$log" | grep -c '# SKIP' || true)
	f=$(grep -cE '^not ok [0-9]+' "$log" || true)
	if [ "$p" = 0 ] && [ "$f" = 0 ] && [ "$s" = 0 ]; then
		if [ "$status" = 0 ]; then p=1; else f=1; fi
	elif [ "$status" != 0 ] && [ "$f" = 0 ]; then
		f=1
		echo "not ok - $name exited with status $status" >>"$log"
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	if [ "$f" = 0 ]; then
		printf '  %-34s %4d passed%s%s\n' "$name" "$p" "$([ "$s" = 0 ] || echo ", $s skipped")" "$took"
	else
		printf '  %-34s %4d passed, %d FAILED%s (log: %s)\n' "$name" "$p" "$f" "$took" "${log#$top/}"
		grep -E '^not ok' "$log" | head -20 | sed 's/^/      /'
		grep -vE '^(not )?ok ' "$log" | tail -15 | sed 's/^/      | /'
	fi
}

# logof NAME: the log file of suite NAME.
logof() {
	echo "$logs/${1//\//_}.log"
}

# execute NAME TIMEOUT CMD...: runs one suite into its log and leaves its
# exit status and wall seconds in LOG.status.
execute() {
	local name=$1 limit=$2 log st t0
	shift 2
	log=$(logof "$name")
	t0=$SECONDS
	timeout --kill-after=10 "$limit" "$@" </dev/null >"$log" 2>&1
	st=$?
	[ $st = 124 ] && echo "# timed out after ${limit}s" >>"$log"
	echo "$st $((SECONDS - t0))" >"$log.status"
}

# counted NAME: counts a suite that execute has run.
counted() {
	local log st took
	log=$(logof "$1")
	read -r st took <"$log.status" || st=1
	count "$1" "$st" "$log" "$took"
}

# run NAME TIMEOUT CMD...: runs one suite and counts it.
run() {
	execute "$@"
	counted "$1"
}

# meson_suites BUILD PREFIX SUITE...: runs the registered tests of a build.
meson_suites() {
	local build=$1 prefix=$2 line name suite limit list
	shift 2
	# A build that did not configure lists no tests: that is a failure,
	# not an empty suite.
	if ! list=$(scripts/mesontests.py "$build" 2>&1); then
		echo "$list" >"$logs/$prefix-list.log"
		count "$prefix/tests" 1 "$logs/$prefix-list.log"
		return
	fi
	while IFS= read -r line; do
		eval "set -- $line"
		name=$1 suite=$2 limit=$3
		shift 3
		case " $MESON_SUITES " in *" $suite "*) ;; *) continue ;; esac
		run "$prefix/$suite/$name" "$((limit * 3))" "$@"
	done <<<"$list"
}

echo "== build"
run build/module-w1-sparse 900 scripts/module-check.sh
run build/module 900 make -s module
run build/userspace 900 sh -c '[ -f build/build.ninja ] || meson setup build; ninja -C build'
run build/sanitizers 900 sh -c '[ -f build-san/build.ninja ] ||
	CC=clang meson setup build-san -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false;
	ninja -C build-san'

echo "== unit and interop (gcc)"
MESON_SUITES="unit interop" meson_suites build native
echo "== asan+ubsan (clang)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
MESON_SUITES="unit interop" meson_suites build-san asan

# Each fuzzer is one process on one core: two at a time.
echo "== fuzz (${FUZZ_SECONDS}s each, 2 at a time)"
fuzzers=
for fz in build-san/fuzz/fuzz_*; do
	[ -f "$fz" ] && [ -x "$fz" ] || continue
	n=$(basename "$fz")
	fuzzers="$fuzzers $n"
	rm -rf "build-san/fuzz-work/$n"
	mkdir -p "build-san/fuzz-work/$n"
	while [ "$(jobs -rp | wc -l)" -ge 2 ]; do wait -n; done
	execute "fuzz/$n" $((FUZZ_SECONDS + 120)) "$fz" -max_total_time="$FUZZ_SECONDS" \
		-rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="build-san/fuzz-work/$n-" \
		"build-san/fuzz-work/$n" "fuzz/corpus/$n" &
done
wait
for n in $fuzzers; do
	counted "fuzz/$n"
done

VM_JOBS=${VM_JOBS:-1}
echo "== vm (Debian $(scripts/kdir.sh --abi 2>/dev/null) under qemu, $VM_JOBS at a time)"
# The longest suites start first so that the lanes end together; a suite
# not named here starts after them.
vm_first="robust lifetime mcsecd xfrm_interop rotation attacks dpdk_interop topology"
vm_all=
for t in selftests/*.sh; do
	t=$(basename "$t" .sh)
	[ "$t" = lib ] || vm_all="$vm_all $t"	# lib.sh: the suites' shared library
done
vm_order=$(for t in $vm_first; do case " $vm_all " in *" $t "*) echo "$t" ;; esac; done
	for t in $vm_all; do case " $vm_first " in *" $t "*) ;; *) echo "$t" ;; esac; done)
for t in $vm_order; do
	while [ "$(jobs -rp | wc -l)" -ge "$VM_JOBS" ]; do wait -n; done
	execute "vm/$t" 1000 selftests/vm/run.sh --timeout 900 -- "selftests/$t.sh" &
done
wait
for t in $vm_all; do
	counted "vm/$t"
done

echo "$passed passed, $failed failed$([ $skipped = 0 ] || echo ", $skipped skipped")"
[ $failed = 0 ]
