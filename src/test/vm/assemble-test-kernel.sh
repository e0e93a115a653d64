#!/usr/bin/env bash
# Assembles the CI test kernel: a Linux guest that honours the unikernel-faas guest contract
# (9p root share `fs0`, 10.0.2.15 on QEMU's user network, the wrapper on the guest port), built
# from Debian packages only. Test infrastructure, not product: see README.md beside this file.
#
#   src/test/vm/assemble-test-kernel.sh OUT_DIR
#
# Writes OUT_DIR/vmlinux, initrd.img, kernel-args, qemu-args and test-kernel.properties.
# Idempotent: a second run with the same inputs changes nothing and takes about a second.
set -euo pipefail

out=${1:?usage: assemble-test-kernel.sh OUT_DIR}
cache=${UKFAAS_TEST_CACHE:-$HOME/.cache/unikernel-faas/test-kernel}
here=$(cd "$(dirname "$0")" && pwd)

need() { # tool package
  command -v "$1" >/dev/null 2>&1 || { echo "assemble-test-kernel: $1 is missing: sudo apt-get install $2" >&2; exit 1; }
}
need apt-get apt
need dpkg-deb dpkg
need python3 python3
need cpio cpio
need gzip gzip

kernel_pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}')
[ -n "$kernel_pkg" ] || { echo "assemble-test-kernel: apt knows no linux-image-amd64: run apt-get update" >&2; exit 1; }

# The stamp names every input; when it matches, the outputs are current.
stamp="script=$(sha256sum "$0" | cut -c1-16) kernel=$kernel_pkg busybox=$(apt-cache policy busybox-static | awk '/Candidate/ {print $2}')"
if [ -f "$out/.stamp" ] && [ "$(cat "$out/.stamp")" = "$stamp" ]; then
  echo "assemble-test-kernel: $out is up to date ($kernel_pkg)"
  exit 0
fi

mkdir -p "$cache" "$out"
fetch() { # package -> path of its .deb in the cache
  local deb
  deb=$(ls "$cache/$1"_*.deb 2>/dev/null | head -1 || true)
  if [ -z "$deb" ]; then
    (cd "$cache" && apt-get -q -o APT::Sandbox::User=root download "$1" >/dev/null)
    deb=$(ls "$cache/$1"_*.deb | head -1)
  fi
  echo "$deb"
}
kernel_deb=$(fetch "$kernel_pkg")
busybox_deb=$(fetch busybox-static)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dpkg-deb --fsys-tarfile "$kernel_deb" | tar -x -C "$work" --wildcards './boot/vmlinuz-*' './lib/modules/*/kernel/drivers/virtio/*' \
  './lib/modules/*/kernel/drivers/net/*' './lib/modules/*/kernel/net/9p/*' './lib/modules/*/kernel/net/core/*' \
  './lib/modules/*/kernel/fs/9p/*' './lib/modules/*/kernel/fs/netfs/*' './lib/modules/*/kernel/fs/fscache/*'
dpkg-deb -x "$busybox_deb" "$work/busybox"

root="$work/initrd"
mkdir -p "$root"/{bin,dev,proc,sys,tmp,usr,fs0,modules}
cp "$work/busybox/bin/busybox" "$root/bin/busybox"
cp "$here/init" "$root/init"
chmod 755 "$root/init" "$root/bin/busybox"

# The uncompressed ELF vmlinux boots through its PVH entry: no decompression in the guest, which
# is slow under TCG. Modules: the virtio, net and 9p drivers with their dependencies, in load order.
python3 - "$work" "$root" "$out/vmlinux.tmp" <<'PY'
import glob, lzma, os, re, shutil, sys
work, root, vmlinux = sys.argv[1:]
[vmlinuz] = glob.glob(os.path.join(work, "boot", "vmlinuz-*"))
data = open(vmlinuz, "rb").read()
start = data.find(b"\xfd7zXZ\x00")
if start < 0:
    sys.exit("assemble-test-kernel: %s has no XZ payload" % vmlinuz)
elf = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(data[start:])
if elf[:4] != b"\x7fELF":
    sys.exit("assemble-test-kernel: the payload of %s is not an ELF vmlinux" % vmlinuz)
open(vmlinux, "wb").write(elf)

kos = {os.path.basename(p)[:-3].replace("-", "_"): p
       for p in glob.glob(os.path.join(work, "lib", "modules", "*", "kernel", "**", "*.ko"), recursive=True)}
def depends(name):
    m = re.search(rb"(?:^|\x00)depends=([^\x00]*)\x00", open(kos[name], "rb").read())
    return [d.replace("-", "_") for d in m.group(1).decode().split(",") if d] if m else []
order = []
def visit(name):
    if name in order:
        return
    if name not in kos:
        return  # built into the kernel
    for d in depends(name):
        visit(d)
    order.append(name)
for wanted in ("virtio_pci", "virtio_net", "9pnet_virtio", "9p"):
    if wanted not in kos:
        sys.exit("assemble-test-kernel: module %s not found in the kernel package" % wanted)
    visit(wanted)
for name in order:
    shutil.copy(kos[name], os.path.join(root, "modules", name + ".ko"))
open(os.path.join(root, "modules", "order"), "w").write("\n".join(order) + "\n")
PY

# A reproducible newc archive: sorted names, fixed times, root-owned.
find "$root" -exec touch -h -d @0 {} +
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --reproducible --quiet) | gzip -1 -n > "$out/initrd.img.tmp"

echo "console=ttyS0 panic=-1 quiet loglevel=3 ukfaas_port={guestPort}" > "$out/kernel-args.tmp"
echo "-fsdev local,id=hostusr,path=/usr,security_model=none,readonly=on -device virtio-9p-pci,fsdev=hostusr,mount_tag=hostusr,disable-modern=on,disable-legacy=off" > "$out/qemu-args.tmp"
{
  echo "test.kernel.kernelArgs=$(cat "$out/kernel-args.tmp")"
  echo "test.kernel.qemuArgs=$(cat "$out/qemu-args.tmp")"
} > "$out/test-kernel.properties.tmp"
for f in vmlinux initrd.img kernel-args qemu-args test-kernel.properties; do
  mv -f "$out/$f.tmp" "$out/$f"
done
echo "$stamp" > "$out/.stamp"
echo "assemble-test-kernel: wrote $out (vmlinux from $kernel_pkg, initrd $(du -h "$out/initrd.img" | cut -f1))"
