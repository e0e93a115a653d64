#!/usr/bin/env bash
# Assembles the CI test kernel: a Linux guest that honours the unikernel-faas guest contract
# (DESIGN.md sections 6 and 8: 9p share `fs0`, 10.0.2.15/24 on QEMU's user network, the wrapper on
# the guest port), built from Debian packages only. Test infrastructure, not product: see
# README.md beside this file.
#
#   src/test/vm/assemble-test-kernel.sh OUT_DIR
#
# Writes OUT_DIR/vmlinux, initrd.img, kernel-args, qemu-args and kernel-bundle.properties, which
# makes OUT_DIR a kernel bundle: -Dunikernel.kernel=OUT_DIR is all a build needs to boot it. The .debs are cached in
# ${UKFAAS_TEST_CACHE:-~/.cache/unikernel-faas/test-kernel}. Idempotent: when OUT_DIR/.stamp names
# the same inputs, nothing is touched (a few ms; ~1 s after apt-get update); otherwise every output
# is rebuilt in a staging directory (~5-20 s, plus the download of ~70 MB once) and moved into
# place, byte-identical for identical inputs.
set -euo pipefail

say() { echo "assemble-test-kernel: $*" >&2; }
fail() { say "$*"; exit 1; }

[ $# -eq 1 ] || fail "usage: assemble-test-kernel.sh OUT_DIR"
out=$1
cache=${UKFAAS_TEST_CACHE:-$HOME/.cache/unikernel-faas/test-kernel}
py=/usr/bin/python3 # Debian's, never a pyenv shim: it needs lzma, and the guest runs it too

need() { # tool apt-package
  command -v "$1" >/dev/null 2>&1 || fail "$1 is missing: apt-get install $2"
}
need apt-get apt
need apt-cache apt
need dpkg dpkg
need dpkg-deb dpkg
need sha256sum coreutils
need tar tar
[ -x "$py" ] || fail "$py is missing: apt-get install python3"
arch=$(dpkg --print-architecture)
[ "$arch" = amd64 ] || fail "the test kernel is x86_64: this host's Debian architecture is $arch, not amd64"

# The stamp's first line names every input: this script (it holds /init too) and the versions of
# the two packages. Asking apt for them takes ~1 s (apt-cache re-reads the package lists when
# there is no pkgcache.bin, as in Debian's container images), so the second line fingerprints
# apt's lists and configuration: while they are unchanged, apt would answer the same.
outputs=(vmlinux initrd.img kernel-args qemu-args kernel-bundle.properties)
script="script=$(sha256sum "$0" | cut -c1-16)"
apt_state="apt=$(ls -l --time-style=+%s.%N /var/lib/apt/lists /etc/apt /etc/apt/*.d 2>/dev/null | sha256sum | cut -c1-16)"
old_inputs="" old_apt_state=""
complete=true
for f in "${outputs[@]}" .stamp; do [ -f "$out/$f" ] || complete=false; done
if $complete; then
  { read -r old_inputs || true; read -r old_apt_state || true; } < "$out/.stamp"
  if [ "${old_inputs%% *}" = "$script" ] && [ "$old_apt_state" = "$apt_state" ]; then
    say "$out is up to date (${old_inputs#* })"
    exit 0
  fi
fi

# Inputs: the generic kernel that linux-image-amd64 depends on (not -cloud-, which lacks 9p), at
# the exact version the metapackage pins, and busybox-static, at the versions apt would install.
declare -A version=()
kernel_pkg=""
while read -r pkg ver; do
  version[$pkg]=$ver
  case $pkg in linux-image-[0-9]*) kernel_pkg=$pkg ;; esac
done < <(apt-cache show --no-all-versions linux-image-amd64 busybox-static 2>/dev/null | awk '
  /^Package: / {p = $2}
  /^Version: / && p == "busybox-static" {print p, $2}
  /^Depends: / && p == "linux-image-amd64" {
    n = split(substr($0, 10), deps, ", ")
    for (i = 1; i <= n; i++) if (deps[i] ~ /^linux-image-[0-9]/) {
      split(deps[i], w, /[ ()=]+/); print w[1], (w[2] == "" ? "?" : w[2]); break
    }
  }')
[ -n "$kernel_pkg" ] || fail "apt knows no linux-image-amd64: run apt-get update"
[ -n "${version[busybox-static]:-}" ] || fail "apt knows no busybox-static: run apt-get update"
if [ "${version[$kernel_pkg]}" = "?" ]; then # an unversioned dependency: ask for the candidate
  version[$kernel_pkg]=$(apt-cache show --no-all-versions "$kernel_pkg" | awk '/^Version: / {print $2; exit}')
fi
inputs="$script $kernel_pkg=${version[$kernel_pkg]} busybox-static=${version[busybox-static]}"
if $complete && [ "$old_inputs" = "$inputs" ]; then # apt's lists changed, the inputs did not
  echo "$inputs" > "$out/.stamp.$$" && echo "$apt_state" >> "$out/.stamp.$$" && mv -f "$out/.stamp.$$" "$out/.stamp"
  say "$out is up to date (${inputs#* })"
  exit 0
fi

mkdir -p "$cache" "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/test-kernel.XXXXXX")
stage=$(mktemp -d "$out/.staging.XXXXXX") # beside the outputs, so that mv is a rename
trap 'rm -rf "$work" "$stage"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
find "$out" -maxdepth 1 \( -name '.staging.*' -o -name '.stamp.*' \) -mmin +60 -exec rm -rf {} + # killed runs

# apt-get download names a file <package>_<version with ':' as %3a>_<arch>.deb. It downloads into
# a private directory first: an interrupted download never lands in the cache under its final name.
fetch() { # package -> the cached .deb's path on stdout
  local deb="$cache/${1}_${version[$1]//:/%3a}_$arch.deb" tmp
  if [ ! -f "$deb" ]; then
    say "downloading $1 ${version[$1]} into $cache"
    tmp=$(mktemp -d "$cache/.download.XXXXXX")
    (cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$1=${version[$1]}" >&2) ||
      { rm -rf "$tmp"; fail "apt-get download $1=${version[$1]} failed"; }
    mv -f "$tmp"/*.deb "$deb" && rm -rf "$tmp"
  fi
  echo "$deb"
}
kernel_deb=$(fetch "$kernel_pkg")
busybox_deb=$(fetch busybox-static)
# Superseded versions go: the cache holds one kernel and one busybox.
find "$cache" -maxdepth 1 \( -name 'linux-image-*.deb' -o -name 'busybox-static_*.deb' \) \
  ! -path "$kernel_deb" ! -path "$busybox_deb" -delete
find "$cache" -maxdepth 1 -name '.download.*' -mmin +60 -exec rm -rf {} + # left by killed runs

dpkg-deb -x "$busybox_deb" "$work/busybox"
dpkg-deb -x "$kernel_deb" "$work/kernel" # 4-10 s: unpacks ~400 MB from xz, most of the run

# /init, run by busybox sh. Kernel command line parameters of the form name=value without a dot
# reach it as environment variables: that is how it learns ukfaas_port. @MODULES@ is filled in
# below with the modules in load order. Every failure powers the guest off (QEMU runs with
# -no-reboot, so it exits) instead of leaving a VM that never answers.
cat > "$work/init" <<'INIT'
#!/bb/sh
# /init of the unikernel-faas CI test guest, written by src/test/vm/assemble-test-kernel.sh.
export PATH=/bb
die() {
  echo "init: FAILED: $*; powering off"
  poweroff -f
  sleep 10
  exit 1
}
mount -t proc proc /proc || die "cannot mount /proc"
mount -t sysfs sysfs /sys || die "cannot mount /sys"
mount -t devtmpfs devtmpfs /dev || die "cannot mount /dev"
mount -t tmpfs -o mode=1777 tmpfs /tmp || die "cannot mount /tmp"

for m in @MODULES@; do
  insmod "/modules/$m.ko" || die "cannot load module $m"
done
echo "init: modules loaded"

ip link set lo up || die "cannot bring up lo"
i=0
while [ ! -e /sys/class/net/eth0 ]; do
  i=$((i + 1))
  [ $i -le 50 ] || die "no eth0: is there a -device virtio-net-pci on the QEMU command line?"
  sleep 0.1
done
ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0 && ip route add default via 10.0.2.2 ||
  die "cannot configure eth0"
echo "init: eth0 10.0.2.15/24 via 10.0.2.2"

# The host's /usr carries Debian's python3; /bin, /sbin, /lib and /lib64 are symlinks into it
# (merged /usr), made when the initrd was assembled.
mount -t 9p -o ro,trans=virtio,version=9p2000.L,cache=loose hostusr /usr ||
  die "cannot mount the 9p share hostusr at /usr (are the arguments of qemu-args on the QEMU command line?)"
[ -x /usr/bin/python3 ] || die "the host's /usr has no bin/python3"
echo "init: /usr (hostusr) mounted read-only"
# The wrapper sits under the flavour's Python lib dir (lib/python3.7 for the shipped flavour): take
# whichever fs0 has, so this guest serves every flavour.
fs0_wrapper() {
  for w in /fs0/lib/python*/app/wrapper.py; do
    [ -f "$w" ] && { echo "$w"; return 0; }
  done
  return 1
}
# The initrd root (unikernel.rootfs=initrd, unikernel.initrdRoot=fs0): the plugin appended fs0's CPIO
# to this initramfs, so the tree is already here. Otherwise fs0 is the 9p share.
if fs0_wrapper >/dev/null; then
  echo "init: fs0 came with the initramfs (initrd root)"
else
  mount -t 9p -o ro,trans=virtio,version=9p2000.L fs0 /fs0 || die "cannot mount the 9p share fs0 at /fs0"
  echo "init: /fs0 (9p share fs0) mounted read-only"
fi

port=${ukfaas_port:-8123}
wrapper=$(fs0_wrapper) || die "fs0 has no lib/python*/app/wrapper.py"
# -S: no site directories of the host's Python (its dist-packages): like the unikernel, the guest
# sees only the stdlib, fs0's app and fs0's site-packages (the wrapper adds that one itself).
echo "init: starting python3 -S $wrapper --port $port"
env -i PATH=/usr/local/bin:/usr/bin:/usr/sbin HOME=/tmp LANG=C.UTF-8 \
  PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 /usr/bin/python3 -S "$wrapper" --port "$port"
die "the wrapper exited with status $?"
INIT

# Python does the byte work: the uncompressed ELF vmlinux out of the bzImage, the module closure
# in load order (from each module's modinfo depends=, as modules.dep would give it: the .deb ships
# no modules.dep, and kmod need not be installed), and a reproducible newc cpio (fixed times,
# root-owned, sorted, with /dev/console) written without needing root or cpio.
"$py" - "$work" "$stage" <<'PY'
import glob, gzip, io, lzma, os, re, shutil, struct, subprocess, sys, zlib

work, stage = sys.argv[1:]
def fail(msg):
    sys.exit("assemble-test-kernel: " + msg)

# --- vmlinux ---------------------------------------------------------------------------------
# QEMU boots an ELF vmlinux through its PVH entry (the Xen ELF note PHYS32_ENTRY): no real-mode
# setup and no in-guest decompression, which is slow under TCG. The bzImage's setup header gives
# the compressed payload: payload_offset/payload_length at 0x248, relative to the protected-mode
# code after (setup_sects + 1) * 512 bytes; the payload ends with its 4-byte uncompressed size.
[vmlinuz] = glob.glob(os.path.join(work, "kernel", "boot", "vmlinuz-*"))
bz = open(vmlinuz, "rb").read()
if bz[0x202:0x206] != b"HdrS":
    fail(vmlinuz + " is not a bzImage")
pm = ((bz[0x1f1] or 4) + 1) * 512
off, length = struct.unpack_from("<II", bz, 0x248)
payload = bz[pm + off:pm + off + length]
if payload.startswith(b"\xfd7zXZ\x00"):
    elf = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(payload)
elif payload.startswith(b"\x28\xb5\x2f\xfd"):
    if not shutil.which("zstd"):
        fail(vmlinuz + " is zstd-compressed: apt-get install zstd")
    elf = subprocess.run(["zstd", "-dcq"], input=payload[:-4], stdout=subprocess.PIPE, check=True).stdout
elif payload.startswith(b"\x1f\x8b"):
    elf = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(payload)
else:
    fail("unknown compression of the payload of %s: %r" % (vmlinuz, payload[:6]))
if elf[:4] != b"\x7fELF" or elf[4] != 2:
    fail("the payload of %s is not a 64-bit ELF vmlinux" % vmlinuz)

def has_pvh_note(elf):
    phoff, = struct.unpack_from("<Q", elf, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", elf, 0x36)
    for i in range(phnum):
        p_type, _, p_offset, _, _, p_filesz = struct.unpack_from("<IIQQQQ", elf, phoff + i * phentsize)
        pos, end = p_offset, p_offset + p_filesz
        while p_type == 4 and pos + 12 <= end:  # PT_NOTE
            namesz, descsz, ntype = struct.unpack_from("<III", elf, pos)
            name = elf[pos + 12:pos + 12 + namesz].rstrip(b"\0")
            if name == b"Xen" and ntype == 18:  # XEN_ELFNOTE_PHYS32_ENTRY
                return True
            pos += 12 + (namesz + 3) // 4 * 4 + (descsz + 3) // 4 * 4
    return False

if has_pvh_note(elf):
    open(os.path.join(stage, "vmlinux"), "wb").write(elf)
else:
    # Without the note QEMU refuses an ELF kernel; the bzImage boots too, only slower (~1 s more).
    print("assemble-test-kernel: no PVH note in the vmlinux: using the bzImage", file=sys.stderr)
    shutil.copyfile(vmlinuz, os.path.join(stage, "vmlinux"))

# --- modules -----------------------------------------------------------------------------------
[moddir] = glob.glob(os.path.join(work, "kernel", "lib", "modules", "*"))
def modname(path):
    return re.sub(r"\.ko(\.(xz|zst|gz))?$", "", os.path.basename(path)).replace("-", "_")
kos = {modname(p): p for p in glob.glob(os.path.join(moddir, "kernel", "**", "*.ko*"), recursive=True)}
builtin = {modname(l.strip()) for l in open(os.path.join(moddir, "modules.builtin"))}

def module_bytes(path):
    data = open(path, "rb").read()
    if path.endswith(".xz"):
        return lzma.decompress(data)
    if path.endswith(".gz"):
        return gzip.decompress(data)
    if path.endswith(".zst"):
        if not shutil.which("zstd"):
            fail("the kernel's modules are zstd-compressed: apt-get install zstd")
        return subprocess.run(["zstd", "-dcq"], input=data, stdout=subprocess.PIPE, check=True).stdout
    return data

order, seen, blobs = [], set(), {}
def visit(name, chain):
    if name in seen:
        return
    seen.add(name)
    if name not in kos:
        if name in builtin:
            return  # built into the kernel: nothing to load
        fail("module %s (wanted by %s) is neither in the package nor built in" % (name, " <- ".join(chain)))
    blobs[name] = module_bytes(kos[name])
    m = re.search(rb"(?:^|\0)depends=([^\0]*)\0", blobs[name])
    for dep in (m.group(1).decode().split(",") if m else []):
        if dep:
            visit(dep.replace("-", "_"), chain + [dep])
    order.append(name)
# virtio-pci transport, the NIC (virtio_net pulls net_failover, failover), the 9p filesystem over
# virtio (9p pulls 9pnet, netfs, fscache).
for wanted in ("virtio_pci", "virtio_net", "9pnet_virtio", "9p"):
    visit(wanted, [wanted])

# --- initrd ------------------------------------------------------------------------------------
busybox = os.path.join(work, "busybox", "bin", "busybox")
applets = subprocess.run([busybox, "--list"], stdout=subprocess.PIPE, check=True, text=True).stdout.split()
for needed in ("sh", "mount", "insmod", "ip", "sleep", "env", "poweroff"):
    if needed not in applets:
        fail("busybox has no %s applet" % needed)
init = open(os.path.join(work, "init")).read().replace("@MODULES@", " ".join(order))

entries = []  # (name, mode, data, rdev)
def add(name, mode, data=b"", rdev=(0, 0)):
    entries.append((name, mode, data, rdev))
for d in ("bb", "dev", "fs0", "modules", "proc", "sys", "tmp", "usr"):
    add(d, 0o40755)
add("dev/console", 0o20600, rdev=(5, 1))
add("bb/busybox", 0o100755, open(busybox, "rb").read())
for a in applets:
    if a != "busybox":
        add("bb/" + a, 0o120777, b"busybox")
for link in ("bin", "sbin", "lib", "lib64"):
    add(link, 0o120777, b"usr/" + link.encode())  # resolve once the host's /usr is mounted
for name in order:
    add("modules/%s.ko" % name, 0o100644, blobs[name])
add("init", 0o100755, init.encode())

cpio = io.BytesIO()
def record(ino, name, mode, data, rdev):
    nb = name.encode() + b"\0"
    fields = (ino, mode, 0, 0, 2 if mode & 0o170000 == 0o40000 else 1, 0, len(data), 0, 0,
              rdev[0], rdev[1], len(nb), 0)
    cpio.write(b"070701" + b"".join(b"%08X" % f for f in fields) + nb)
    cpio.write(b"\0" * (-(110 + len(nb)) % 4) + data + b"\0" * (-len(data) % 4))
for ino, (name, mode, data, rdev) in enumerate(sorted(entries), 1):
    record(ino, name, mode, data, rdev)
record(0, "TRAILER!!!", 0, b"", (0, 0))
# Uncompressed: the kernel unpacks it in ~0.1 s less than a gzip one under TCG (see README.md); the
# size (a few MB) costs nothing on a local disk.
open(os.path.join(stage, "initrd.img"), "wb").write(cpio.getvalue())
print("assemble-test-kernel: modules in load order: " + " ".join(order), file=sys.stderr)
PY

# The plugin replaces {guestPort}. quiet/loglevel=3 keep the serial console (slow under TCG) to the
# init: lines; panic=-1 turns a dying /init into a reboot, which -no-reboot turns into QEMU's exit.
echo "console=ttyS0 panic=-1 quiet loglevel=3 ukfaas_port={guestPort}" > "$stage/kernel-args"
# The second 9p share: the host's /usr, read-only, for Debian's python3. q35: see README.md.
echo "-machine q35 -fsdev local,id=hostusr,path=/usr,security_model=none,readonly=on -device virtio-9p-pci,fsdev=hostusr,mount_tag=hostusr" > "$stage/qemu-args"
# The bundle (unikernel.kernel=OUT_DIR): the kernel and its companions, as the options of the same names.
# The guest runs the host's python3 with its own standard library: fs0 needs none (stdlib=none).
{
  echo "# The CI test kernel (src/test/vm/assemble-test-kernel.sh): boot it with -Dunikernel.kernel=<this directory>."
  echo "kernel=vmlinux"
  echo "initrd=initrd.img"
  echo "kernelArgs=$(cat "$stage/kernel-args")"
  echo "qemuArgs=$(cat "$stage/qemu-args")"
  # With the initrd root, fs0's tree goes under /fs0 of this initramfs (see /init).
  echo "initrdRoot=fs0"
  echo "stdlib=none"
} > "$stage/kernel-bundle.properties"

# Into place: the stamp goes first and comes back last, so a run interrupted in between is
# redone by the next one instead of trusted.
rm -f "$out/.stamp"
for f in "${outputs[@]}"; do mv -f "$stage/$f" "$out/$f"; done
printf '%s\n' "$inputs" "$apt_state" > "$stage/.stamp" && mv -f "$stage/.stamp" "$out/.stamp"
say "wrote $out: vmlinux from $kernel_pkg ${version[$kernel_pkg]}, initrd $(du -k "$out/initrd.img" | cut -f1) KiB"
