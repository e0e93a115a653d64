#!/usr/bin/env bash
# Assembles the CI test kernel into OUT_DIR (src/test/vm/assemble-test-kernel.sh; quick when up to
# date) and prints the Maven options that boot it, one per line: the kernel, its initrd, and every
# test.kernel.NAME=VALUE of its test-kernel.properties as -Dunikernel.NAME=VALUE.
#   mapfile -t boot < <(scripts/test-kernel-props.sh target/test-kernel)
set -euo pipefail
out=${1:?usage: test-kernel-props.sh OUT_DIR}
cd "$(dirname "$0")/.."
bash src/test/vm/assemble-test-kernel.sh "$out" >&2
out=$(cd "$out" && pwd)
echo "-Dunikernel.kernel=$out/vmlinux"
echo "-Dunikernel.initrd=$out/initrd.img"
sed -n 's/^test\.kernel\.\([A-Za-z]*\)=/-Dunikernel.\1=/p' "$out/test-kernel.properties"
