#!/usr/bin/env bash
# The main job: build and install the plugin and the archetype, generate a sample function project
# with the archetype, and boot-test it (`mvn verify`). Without UNIKERNEL_KERNEL it boots the CI test
# kernel (a Linux guest honouring the same guest contract, see src/test/vm/README.md).
#   UNIKERNEL_KERNEL=/path/to/kernel [UNIKERNEL_INITRD=...] [UNIKERNEL_KERNEL_ARGS=...] scripts/demo.sh
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

boot=()
if [ -n "${UNIKERNEL_KERNEL:-}" ]; then
  boot+=("-Dunikernel.kernel=$UNIKERNEL_KERNEL")
  [ -z "${UNIKERNEL_INITRD:-}" ] || boot+=("-Dunikernel.initrd=$UNIKERNEL_INITRD")
  [ -z "${UNIKERNEL_KERNEL_ARGS:-}" ] || boot+=("-Dunikernel.kernelArgs=$UNIKERNEL_KERNEL_ARGS")
else
  # The test guest's settings (its guest runs the host's python3: no stdlib in fs0).
  mapfile -t boot < <(scripts/test-kernel-props.sh "$root/target/test-kernel")
fi
[ -z "${UNIKERNEL_ROOTFS:-}" ] || boot+=("-Dunikernel.rootfs=$UNIKERNEL_ROOTFS")
"${mvn[@]}" -f "$demo/hello-fn/pom.xml" verify "${boot[@]}"
