#!/usr/bin/env bash
# Benchmarks: prepares the demo function (scripts/demo.sh) and runs bench/bench.py against it.
#   bench/run.sh            full run (~5 min): writes bench/results/latest.{json,md}
#   bench/run.sh --smoke    one short pass (~1 min): writes bench/results/smoke.{json,md}
# Boots the CI test kernel, and also the Unikraft kernel when the plugin has one in its cache
# (UNIKERNEL_CACHE_DIR, default ~/.cache/unikernel-faas). UNIKERNEL_KERNEL (with UNIKERNEL_INITRD,
# UNIKERNEL_KERNEL_ARGS) runs everything against that kernel instead.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/demo.sh >/dev/null
project=target/demo/hello-fn
if [ -n "${UNIKERNEL_KERNEL:-}" ]; then
  exec python3 bench/bench.py --project "$project" --kernel "$UNIKERNEL_KERNEL" --kernel-name unikraft \
    --initrd "${UNIKERNEL_INITRD:-}" --kernel-args "${UNIKERNEL_KERNEL_ARGS:?set UNIKERNEL_KERNEL_ARGS}" "$@"
fi
tk=target/test-kernel
python3 bench/bench.py --project "$project" --kernel "$tk/vmlinux" --initrd "$tk/initrd.img" \
  --kernel-args "$(cat "$tk/kernel-args")" --qemu-args "$(cat "$tk/qemu-args")" "$@"

cache=${UNIKERNEL_CACHE_DIR:-$HOME/.cache/unikernel-faas}
cached=""
for d in "$cache"/kernels/*/; do
  if [ -f "$d.complete" ] && [ -f "${d}kernel" ]; then cached=$d; break; fi
done
if [ -z "$cached" ]; then
  echo "bench: no Unikraft kernel in $cache/kernels: cold start measured for the CI test kernel only"
  exit 0
fi
# The demo built without unikernel.kernel takes the cached kernel (no make: same key) and gets the
# matching standard library in fs0; offline, so nothing is downloaded.
echo "bench: Unikraft kernel in the cache ($cached): measuring its cold start too"
uk=target/demo/hello-fn-unikraft
rm -rf "$uk" && cp -r "$project" "$uk" && rm -rf "$uk/target"
./mvnw -B -q -ntp -o -f "$uk/pom.xml" package -DskipTests -Dunikernel.cacheDir="$cache"
exec python3 bench/bench.py --project "$uk" --kernel "$uk/target/unikernel/kernel" --kernel-name unikraft \
  --kernel-args "netdev.ipv4_addr=10.0.2.15 netdev.ipv4_gw_addr=10.0.2.2 netdev.ipv4_subnet_mask=255.255.255.0 -- -m app.wrapper --port {guestPort}" \
  --merge-cold-start "$@"
