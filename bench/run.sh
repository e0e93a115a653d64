#!/usr/bin/env bash
# Benchmarks: prepares the demo function (scripts/demo.sh boot-tests it) and runs bench/bench.py,
# which replays the exact QEMU command line the plugin used (target/unikernel/qemu-command.txt).
#   bench/run.sh            full run (~5 min; more with a Unikraft kernel): bench/results/latest.{json,md}
#   bench/run.sh --smoke    one short pass (~2 min): bench/results/smoke.{json,md}, boot-loop-smoke-*.{json,md}
# The demo boots the CI test kernel, or UNIKERNEL_KERNEL (see scripts/demo.sh; it is then named
# "unikraft"). The Unikraft kernel is measured too when the plugin has one in its cache
# (UNIKERNEL_CACHE_DIR, default ~/.cache/unikernel-faas; built offline, -o; not with --smoke) or
# can build one:
#   UNIKERNEL_MIRROR=URL-or-dir     -> -Dunikernel.mirror (a directory becomes a file: URL)
#   UNIKERNEL_SOURCES_FILE=file     -> -Dunikernel.sourcesFile (JSON source overrides)
# With either set, its project is built online (the plugin fetches and builds the kernel when it is
# not cached: ~10 min on 2 cores). A measured Unikraft kernel also gets bench/boot-loop.py: 20 boots
# at -m 256 (BOOT_LOOP_BOOTS, BOOT_LOOP_MEMORY), 3 with --smoke; BOOT_LOOP=0 skips it. With --smoke,
# boot-loop also makes its 3 boots on the CI test kernel, and bench/selftest.py checks the boot
# handling against a fake QEMU. A measured Unikraft kernel also gets bench/warm-start.py (cold against a
# restored VM state; see warm_start below). Extra Maven options: MAVEN_ARGS (e.g. -Dunikernel.accel=tcg).
# Every Maven call (and scripts/demo.sh) writes a log under target/bench-logs/; a failure prints its
# last 40 lines and the log's path and exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
smoke=false
for a in "$@"; do [ "$a" != --smoke ] || smoke=true; done
bench_args=("$@")
logs=target/bench-logs
mkdir -p "$logs"

say() { echo "bench: $*"; }

# logged NAME CMD...: runs CMD with its output in $logs/NAME.log; returns CMD's exit code.
logged() {
  local name=$1; shift
  local log="$logs/$name.log" t0=$SECONDS rc=0
  say "$name: $* (log: $log)"
  "$@" >"$log" 2>&1 </dev/null || rc=$?
  if [ $rc -eq 0 ]; then say "$name: done in $((SECONDS - t0)) s"; fi
  return $rc
}

# fail NAME RC: the last 40 lines of NAME's log and its path, then exit RC.
fail() {
  local log="$logs/$1.log"
  echo "bench: $1 FAILED (exit $2); last 40 lines of $log:" >&2
  tail -n 40 "$log" | sed 's/^/    /' >&2
  echo "bench: full log: $log" >&2
  exit "$2"
}

must() {
  local rc=0
  logged "$@" || rc=$?
  [ $rc -eq 0 ] || fail "$1" $rc
}

# ninep_variant PROJECT NAME MAVEN_OPTION...: a copy of PROJECT booted with the 9p root instead of the
# default initrd root; its cold start joins the results as NAME-9p (the boot time per root).
ninep_variant() {
  local src=$1 kname=$2; shift 2
  local copy="$src-9p"
  rm -rf "$copy" && cp -r "$src" "$copy" && rm -rf "$copy/target"
  must "$kname-9p" ./mvnw -B -ntp -f "$copy/pom.xml" verify -Dunikernel.rootfs=9p "$@"
  python3 bench/bench.py --project "$copy" --kernel-name "$kname-9p" --merge-cold-start "${bench_args[@]}"
}

# warm_start PROJECT NAME: bench/warm-start.py, cold against warm (a restored VM state) on the project's
# recorded command line at -m WARM_MEMORY (default 192); Unikraft only (the CI test guest's 9p /usr
# cannot be saved). WARM_START=0 skips it.
warm_start() {
  [ "${WARM_START:-1}" != 0 ] || { say "warm-start skipped (WARM_START=0)"; return 0; }
  local runs=(--runs "${WARM_RUNS:-7}")
  if $smoke; then runs=(--smoke); fi
  python3 bench/warm-start.py --project "$1" --kernel-name "$2" --memory "${WARM_MEMORY:-192}" "${runs[@]}"
}

boot_loop() { # project name
  [ "${BOOT_LOOP:-1}" != 0 ] || { say "boot-loop skipped (BOOT_LOOP=0)"; return 0; }
  if $smoke; then
    python3 bench/boot-loop.py --project "$1" --kernel-name "$2" --smoke
  else
    python3 bench/boot-loop.py --project "$1" --kernel-name "$2" --boots "${BOOT_LOOP_BOOTS:-20}" \
      --memory "${BOOT_LOOP_MEMORY:-256}"
  fi
}

if $smoke; then
  must selftest python3 bench/selftest.py
fi
must demo scripts/demo.sh
project=target/demo/hello-fn
name=ci-test-kernel
[ -z "${UNIKERNEL_KERNEL:-}" ] || name=unikraft
say "bench.py on $name (replaying $project/target/unikernel/qemu-command.txt)"
python3 bench/bench.py --project "$project" --kernel-name "$name" "$@"
if [ -n "${UNIKERNEL_KERNEL:-}" ]; then
  warm_start "$project" "$name"
  boot_loop "$project" "$name"
  exit 0
fi
# The other root: the same function booted over the 9p share, for the boot time per root.
bash src/test/vm/assemble-test-kernel.sh target/test-kernel 2>/dev/null  # quick: demo.sh assembled it
ninep_variant "$project" "$name" "-Dunikernel.kernel=$(pwd)/target/test-kernel"
if $smoke; then
  boot_loop "$project" "$name"
fi

cache=${UNIKERNEL_CACHE_DIR:-$HOME/.cache/unikernel-faas}
mirror=${UNIKERNEL_MIRROR:-}
sources=${UNIKERNEL_SOURCES_FILE:-}
props=("-Dunikernel.cacheDir=$cache")
if [ -n "$mirror" ]; then
  if [ -d "$mirror" ]; then mirror="file://$(cd "$mirror" && pwd)"; fi
  props+=("-Dunikernel.mirror=$mirror")
fi
if [ -n "$sources" ]; then
  [ -f "$sources" ] || { echo "bench: UNIKERNEL_SOURCES_FILE=$sources is not a file" >&2; exit 1; }
  sources="$(cd "$(dirname "$sources")" && pwd)/$(basename "$sources")"
  props+=("-Dunikernel.sourcesFile=$sources")
fi
offline=()
if [ -n "$mirror$sources" ]; then
  say "Unikraft kernel: taken from $cache if cached, else fetched and built (mirror: ${mirror:-none}," \
    "sources file: ${sources:-none}; a first build takes ~10 min on 2 cores)"
elif $smoke; then
  # CI's pass: a kernel cached on this machine may come from other sources than the pins (a mirror of
  # repacked archives), which an offline build without the same settings cannot reuse.
  say "smoke: the Unikraft kernel is measured only with UNIKERNEL_MIRROR or UNIKERNEL_SOURCES_FILE set"
  exit 0
else
  cached=""
  for d in "$cache"/kernels/*/; do
    if [ -f "$d.complete" ] && [ -f "${d}kernel" ]; then cached=$d; break; fi
  done
  if [ -z "$cached" ]; then
    say "no Unikraft kernel in $cache/kernels, and neither UNIKERNEL_MIRROR nor UNIKERNEL_SOURCES_FILE is set:" \
      "measured the $name only"
    exit 0
  fi
  say "Unikraft kernel in the cache ($cached): measuring it too (offline)"
  offline=(-o)
fi

# Built without unikernel.kernel, the project takes the cached kernel (same key: no make) or builds it,
# with the matching standard library; its boot test records the command line to replay.
uk=target/demo/hello-fn-unikraft
rm -rf "$uk" && cp -r "$project" "$uk" && rm -rf "$uk/target"
mvn=(./mvnw -B -ntp "${offline[@]}" -f "$uk/pom.xml")
must unikraft-package "${mvn[@]}" package "${props[@]}"
# The boot test may hit the kernel's start-up crash: one retry, as the benchmarks do; they count them.
rc=0
logged unikraft-verify "${mvn[@]}" verify "${props[@]}" || rc=$?
if [ $rc -ne 0 ]; then
  if crash=$(python3 bench/replay.py crash-line "$uk/target/unikernel/console.log"); then
    say "unikraft-verify: the boot test crashed ($crash); log: $logs/unikraft-verify.log; retrying once"
    rc=0
    logged unikraft-verify-retry "${mvn[@]}" verify "${props[@]}" || rc=$?
    [ $rc -eq 0 ] || fail unikraft-verify-retry $rc
  else
    fail unikraft-verify $rc
  fi
fi
say "bench.py on the Unikraft kernel (replaying $uk/target/unikernel/qemu-command.txt)"
python3 bench/bench.py --project "$uk" --kernel-name unikraft --merge-cold-start "$@"
warm_start "$uk" unikraft
boot_loop "$uk" unikraft
ninep_variant "$uk" unikraft "${offline[@]}" "${props[@]}"
boot_loop "$uk-9p" unikraft-9p
