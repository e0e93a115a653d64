#!/usr/bin/env bash
# The main job: build and install the plugin and the archetype, generate a sample function project
# with the archetype, and boot-test it with the project's own wrapper (`./mvnw verify`). Without
# UNIKERNEL_KERNEL it boots the CI test kernel (a Linux guest honouring the same guest contract, see
# src/test/vm/README.md), whose directory is a kernel bundle: one option boots it.
#   UNIKERNEL_KERNEL=/path/to/kernel-or-bundle-dir scripts/demo.sh
#   UNIKERNEL_ROOTFS=initrd scripts/demo.sh      # fs0 as an initrd instead of the 9p share
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
mvn=("$root/mvnw" -B -ntp)

"${mvn[@]}" -q install -DskipTests
"${mvn[@]}" -q -f archetype/pom.xml install
version=$("${mvn[@]}" -q help:evaluate -Dexpression=project.version -DforceStdout)

demo="$root/target/demo"
rm -rf "$demo"
mkdir -p "$demo"
"${mvn[@]}" -q org.apache.maven.plugins:maven-archetype-plugin:3.3.1:generate -DinteractiveMode=false \
  -DarchetypeGroupId=io.github.unikernelfaas -DarchetypeArtifactId=unikernel-faas-python-archetype \
  -DarchetypeVersion="$version" -DgroupId=com.example -DartifactId=hello-fn -Dversion=1.0-SNAPSHOT \
  -DoutputDirectory="$demo"
echo "demo: generated $demo/hello-fn"

if [ -n "${UNIKERNEL_KERNEL:-}" ]; then
  kernel=$UNIKERNEL_KERNEL
else
  kernel="$root/target/test-kernel"
  bash src/test/vm/assemble-test-kernel.sh "$kernel"
fi
boot=("-Dunikernel.kernel=$kernel")
[ -z "${UNIKERNEL_ROOTFS:-}" ] || boot+=("-Dunikernel.rootfs=$UNIKERNEL_ROOTFS")
cd "$demo/hello-fn"
./mvnw -B -ntp verify "${boot[@]}"
