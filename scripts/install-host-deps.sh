#!/usr/bin/env bash
# Installs what building and boot-testing a function needs on a Debian/Ubuntu machine:
# QEMU (to boot kernels), python3 (function checks, the CI test guest's interpreter),
# busybox-static (the CI test kernel's initramfs); skopeo, umoci, docker-registry and apache2-utils
# (the image tests read and push images as an independent client would); containerd (a test imports the
# image as a Kubernetes node would); kubectl (kubernetes-client, only if no kubectl is installed: a test
# has it read the generated deploy files).
set -euo pipefail

packages=(qemu-system-x86 busybox-static python3 python3-pip cpio skopeo umoci docker-registry apache2-utils containerd)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
command -v kubectl >/dev/null || missing+=(kubernetes-client)
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-host-deps: all present (${packages[*]})"
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-host-deps: installing ${missing[*]}"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
