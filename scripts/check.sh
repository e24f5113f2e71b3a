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
#   vm         each selftests/*.sh in Debian's kernel under qemu, mcsec.ko loaded
set -u
cd "$(dirname "$0")/.."
top=$PWD
logs=$top/build/check
mkdir -p "$logs"
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
passed=0 failed=0 skipped=0

# count NAME STATUS LOGFILE: adds the TAP results of one suite run.
count() {
	local name=$1 status=$2 log=$3 p f s
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
		printf '  %-34s %4d passed%s\n' "$name" "$p" "$([ "$s" = 0 ] || echo ", $s skipped")"
	else
		printf '  %-34s %4d passed, %d FAILED (log: %s)\n' "$name" "$p" "$f" "${log#$top/}"
		grep -E '^not ok' "$log" | head -20 | sed 's/^/      /'
		grep -vE '^(not )?ok ' "$log" | tail -15 | sed 's/^/      | /'
	fi
}

# run NAME TIMEOUT CMD...: runs one suite and counts it.
run() {
	local name=$1 limit=$2 log st
	shift 2
	log=$logs/${name//\//_}.log
	timeout --kill-after=10 "$limit" "$@" </dev/null >"$log" 2>&1
	st=$?
	[ $st = 124 ] && echo "# timed out after ${limit}s" >>"$log"
	count "$name" $st "$log"
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

echo "== fuzz (${FUZZ_SECONDS}s each)"
for fz in build-san/fuzz/fuzz_*; do
	[ -f "$fz" ] && [ -x "$fz" ] || continue
	n=$(basename "$fz")
	rm -rf "build-san/fuzz-work/$n"
	mkdir -p "build-san/fuzz-work/$n"
	run "fuzz/$n" $((FUZZ_SECONDS + 120)) "$fz" -max_total_time="$FUZZ_SECONDS" \
		-rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="build-san/fuzz-work/$n-" \
		"build-san/fuzz-work/$n" "fuzz/corpus/$n"
done

echo "== vm (Debian $(scripts/kdir.sh --abi 2>/dev/null) under qemu)"
for t in selftests/*.sh; do
	case $t in */lib.sh) continue ;; esac	# the suites' shared library
	run "vm/$(basename "$t" .sh)" 900 selftests/vm/run.sh --timeout 600 -- "$t"
done

echo "$passed passed, $failed failed$([ $skipped = 0 ] || echo ", $skipped skipped")"
[ $failed = 0 ]
