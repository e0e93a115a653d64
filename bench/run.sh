#!/usr/bin/env bash
# Benchmarks: prepares the demo function (scripts/demo.sh boot-tests it) and runs bench/bench.py,
# which replays the exact QEMU command line the plugin used (target/unikernel/qemu-command.txt).
#   bench/run.sh            full run (~5 min): writes bench/results/latest.{json,md}
#   bench/run.sh --smoke    one short pass (~1 min): writes bench/results/smoke.{json,md}
# The demo boots the CI test kernel, or UNIKERNEL_KERNEL (see scripts/demo.sh). The Unikraft kernel's
# cold start is added when the plugin has one in its cache (UNIKERNEL_CACHE_DIR, default
# ~/.cache/unikernel-faas).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/demo.sh >/dev/null
project=target/demo/hello-fn
name=ci-test-kernel
[ -z "${UNIKERNEL_KERNEL:-}" ] || name=unikraft
python3 bench/bench.py --project "$project" --kernel-name "$name" "$@"
[ -z "${UNIKERNEL_KERNEL:-}" ] || exit 0

cache=${UNIKERNEL_CACHE_DIR:-$HOME/.cache/unikernel-faas}
cached=""
for d in "$cache"/kernels/*/; do
  if [ -f "$d.complete" ] && [ -f "${d}kernel" ]; then cached=$d; break; fi
done
if [ -z "$cached" ]; then
  echo "bench: no Unikraft kernel in $cache/kernels: cold start measured for the CI test kernel only"
  exit 0
fi
# Built without unikernel.kernel, the demo takes the cached kernel (no make: same key) with the
# matching standard library, offline; its boot test records the command line to replay.
echo "bench: Unikraft kernel in the cache ($cached): measuring its cold start too"
uk=target/demo/hello-fn-unikraft
rm -rf "$uk" && cp -r "$project" "$uk" && rm -rf "$uk/target"
./mvnw -B -q -ntp -o -f "$uk/pom.xml" verify -Dunikernel.cacheDir="$cache"
exec python3 bench/bench.py --project "$uk" --kernel-name unikraft --merge-cold-start "$@"
