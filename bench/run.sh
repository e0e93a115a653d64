#!/usr/bin/env bash
# Benchmarks: prepares the demo function (scripts/demo.sh) and runs bench/bench.py against it.
#   bench/run.sh            full run (~5 min): writes bench/results/latest.{json,md}
#   bench/run.sh --smoke    one short pass (~1 min): writes bench/results/smoke.{json,md}
# Boots the CI test kernel unless UNIKERNEL_KERNEL (and UNIKERNEL_INITRD, UNIKERNEL_KERNEL_ARGS) name another.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/demo.sh >/dev/null
project=target/demo/hello-fn
if [ -n "${UNIKERNEL_KERNEL:-}" ]; then
  exec python3 bench/bench.py --project "$project" --kernel "$UNIKERNEL_KERNEL" --kernel-name unikraft \
    --initrd "${UNIKERNEL_INITRD:-}" --kernel-args "${UNIKERNEL_KERNEL_ARGS:?set UNIKERNEL_KERNEL_ARGS}" "$@"
fi
tk=target/test-kernel
exec python3 bench/bench.py --project "$project" --kernel "$tk/vmlinux" --initrd "$tk/initrd.img" \
  --kernel-args "$(cat "$tk/kernel-args")" --qemu-args "$(cat "$tk/qemu-args")" "$@"
