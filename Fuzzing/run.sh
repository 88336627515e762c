#!/usr/bin/env bash
# Fuzzes DicomKit with libFuzzer: installs what it needs (clang and libFuzzer, as root), builds the harness
# (Fuzzing/DicomKit.Fuzzing), instruments DicomKit.dll with SharpFuzz, builds the libFuzzer driver, then runs each
# target for a bounded time with a fixed seed. See docs/fuzzing.md.
#
#   Fuzzing/run.sh [seconds-per-target] [target...]     targets: pdu association dataset (default: all)
#   FUZZ_SECONDS=600 FUZZ_SEED=7 Fuzzing/run.sh         the same through the environment
#
# Prints executions and findings per target; exits 1 if any target crashed (the input is saved under
# Fuzzing/crashes/<target>/), 2 on a setup failure.
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd .. && pwd)

seconds=${1:-${FUZZ_SECONDS:-60}}
[ $# -gt 0 ] && shift
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(pdu association dataset)
seed=${FUZZ_SEED:-1}
# Inputs beyond this are not generated; larger seed files are cut by the driver.
max_len=${FUZZ_MAX_LEN:-65536}
# The .NET child's heap: an input that makes the reader allocate beyond it fails with OutOfMemoryException, a finding.
heap_limit=${FUZZ_HEAP_LIMIT:-0x40000000}

# clang 14 with its compiler-rt (libclang_rt.fuzzer) and libFuzzer 14, from Debian's own packages.
need=()
command -v clang++-14 >/dev/null 2>&1 || need+=(clang-14)
[ -f /usr/lib/llvm-14/lib/libFuzzer.a ] || need+=(libfuzzer-14-dev)
ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 || need+=(libclang-rt-14-dev)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "run.sh: installing ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "run.sh: missing ${need[*]}; run as root or install them with apt-get" >&2
    exit 2
  fi
fi

out=$PWD/out
bin=$out/bin
rm -rf "$bin"
mkdir -p "$bin"

echo "run.sh: building the harness"
dotnet build DicomKit.Fuzzing/DicomKit.Fuzzing.csproj -c Release -nologo -v quiet -o "$bin" >"$out/build.log" 2>&1 \
  || { cat "$out/build.log" >&2; exit 2; }
echo "run.sh: instrumenting DicomKit.dll"
dotnet tool restore >/dev/null
dotnet tool run sharpfuzz "$bin/DicomKit.dll" >"$out/instrument.log" 2>&1 || { cat "$out/instrument.log" >&2; exit 2; }
echo "run.sh: building the libFuzzer driver"
clang++-14 -O1 -g -std=c++17 -fsanitize=fuzzer driver/libfuzzer-driver.cc -o "$out/libfuzzer-driver"

status=0
summary=()
for target in "${targets[@]}"; do
  [ -d "corpus/$target" ] || { echo "run.sh: no corpus/$target: unknown target" >&2; exit 2; }
  # libFuzzer adds what it learns to the first corpus directory: a working copy, so git keeps only the seeds.
  work=$out/corpus/$target
  crashes=$PWD/crashes/$target
  mkdir -p "$work" "$crashes"
  log=$out/$target.log
  echo "run.sh: fuzzing $target for ${seconds}s (seed $seed); log $log"
  set +e
  DOTNET_FUZZ_TARGET="$bin/DicomKit.Fuzzing $target" DOTNET_GCHeapHardLimit=$heap_limit \
    "$out/libfuzzer-driver" -seed="$seed" -max_total_time="$seconds" -max_len="$max_len" -timeout=30 \
      -print_final_stats=1 -artifact_prefix="$crashes/" "$work" "corpus/$target" >"$log" 2>&1
  rc=$?
  set -e
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  [ -n "$execs" ] || execs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#' || true)
  found=$(grep -oE "Test unit written to [^ ]+" "$log" | sed 's/Test unit written to //' || true)
  if [ $rc -ne 0 ] || [ -n "$found" ]; then
    status=1
    grep -E "^(Unhandled|System\.|   at )|libfuzzer-driver:|ERROR: libFuzzer" "$log" | head -20 || true
    summary+=("$target: ${execs:-?} executions, FOUND: ${found:-exit code $rc} (reproduce: DOTNET_GCHeapHardLimit=$heap_limit dotnet $bin/DicomKit.Fuzzing.dll $target <file>)")
  else
    summary+=("$target: ${execs:-?} executions, no findings ($(find "$work" -type f | wc -l) inputs in the working corpus)")
  fi
done

echo
printf '%s\n' "${summary[@]}"
exit "$status"
