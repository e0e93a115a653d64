#!/usr/bin/env bash
# Assembles the CI test kernel: a Linux guest that honours the unikernel-faas guest contract
# (DESIGN.md sections 6 and 8: 9p share `fs0`, 10.0.2.15/24 on QEMU's user network, the wrapper on
# the guest port), built from Debian packages only. Test infrastructure, not product: see
# README.md beside this file.
#
#   src/test/vm/assemble-test-kernel.sh OUT_DIR [--self-contained]
#
# Writes OUT_DIR/vmlinux, initrd.img, kernel-args, qemu-args and kernel-bundle.properties, which
# makes OUT_DIR a kernel bundle: -Dunikernel.kernel=OUT_DIR is all a build needs to boot it. The guest
# runs the host's python3 over a 9p share of /usr; with --self-contained the initrd carries that
# python3 (Debian's, as installed on this host), its libraries and the part of its standard library
# the wrapper needs instead, and qemu-args has no 9p share: QEMU can save such a guest (warm start).
# The .debs are cached in
# ${UKFAAS_TEST_CACHE:-~/.cache/unikernel-faas/test-kernel}. Idempotent: when OUT_DIR/.stamp names
# the same inputs, nothing is touched (a few ms; ~1 s after apt-get update); otherwise every output
# is rebuilt in a staging directory (~5-20 s, plus the download of ~70 MB once) and moved into
# place, byte-identical for identical inputs.
set -euo pipefail

say() { echo "assemble-test-kernel: $*" >&2; }
fail() { say "$*"; exit 1; }

usage="usage: assemble-test-kernel.sh OUT_DIR [--self-contained]"
[ $# -ge 1 ] && [ $# -le 2 ] || fail "$usage"
out=$1
self_contained=false
if [ $# -eq 2 ]; then
  [ "$2" = --self-contained ] || fail "unknown option $2; $usage"
  self_contained=true
fi
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
if $self_contained; then
  need ldd libc-bin
  need dpkg-query dpkg
fi
arch=$(dpkg --print-architecture)
[ "$arch" = amd64 ] || fail "the test kernel is x86_64: this host's Debian architecture is $arch, not amd64"

# The stamp's first line names every input: this script (it holds /init too) and its variant, the
# versions of the two packages and, self-contained, those of the host's packages whose files go
# into the initrd. Asking apt for them takes ~1 s (apt-cache re-reads the package lists when
# there is no pkgcache.bin, as in Debian's container images), so the second line fingerprints
# apt's lists and configuration (and dpkg's database, self-contained): while they are unchanged,
# apt and dpkg would answer the same.
outputs=(vmlinux initrd.img kernel-args qemu-args kernel-bundle.properties)
script="script=$(sha256sum "$0" | cut -c1-16)"
apt_state="apt=$(ls -l --time-style=+%s.%N /var/lib/apt/lists /etc/apt /etc/apt/*.d 2>/dev/null | sha256sum | cut -c1-16)"
if $self_contained; then
  script="$script:self-contained"
  apt_state="$apt_state dpkg=$(ls -l --time-style=+%s.%N /var/lib/dpkg/status | sha256sum | cut -c1-16)"
fi
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

# Self-contained: the host's python3, the shared libraries it loads (ldd's closure), and the part of
# its standard library that the wrapper (src/main/resources/.../rootfs/wrapper.py) and a plain
# function (json, os) import. Measured with `python3 -S -v wrapper.py` serving GET /health, POSTs
# (one whose handler raises), a query string and POST /_/restored (prepare, re-seed, the second
# call's 409), on Debian's 3.11: what `import` lines name as loaded from a file (the rest is built
# in or frozen). Whole packages (json, re, collections, urllib), except encodings (1.4 MB): its
# registry and the UTF-8, Latin-1 and ASCII codecs. Not _hashlib (it would bring libcrypto, 4.5 MB):
# hashlib falls back to the built-in sha256/sha512/blake2. os.py is there for Python's start (its
# landmark of the stdlib directory; the module itself is frozen). A function that imports more
# fails with ModuleNotFoundError on the console: add the module here.
host_files=""
if $self_contained; then
  host_files=$(PYTHONDONTWRITEBYTECODE=1 "$py" -S - <<'LIST'
import glob, os, re, subprocess, sys
MODULES = """ast bisect contextlib copyreg enum functools hashlib ipaddress keyword linecache operator os random
    reprlib selectors socket textwrap token tokenize traceback types warnings""".split()
PACKAGES = "collections json re urllib".split()
ENCODINGS = "__init__ aliases ascii latin_1 utf_8 utf_8_sig".split()
EXTENSIONS = ["_json"]  # json's C speedups (json works without them, slower)
exe = os.path.realpath(sys.executable)
lib = os.path.dirname(os.__file__)  # /usr/lib/python3.X
def fail(msg):
    sys.exit("assemble-test-kernel: " + msg)
files = [(exe, "usr/bin/" + os.path.basename(exe))]
for m in MODULES:
    files.append((os.path.join(lib, m + ".py"), None))
for p in PACKAGES:
    files += [(f, None) for f in glob.glob(os.path.join(lib, p, "**", "*.py"), recursive=True)]
files += [(os.path.join(lib, "encodings", e + ".py"), None) for e in ENCODINGS]
for x in EXTENSIONS:
    found = glob.glob(os.path.join(lib, "lib-dynload", x + ".cpython-*.so"))
    files += [(f, None) for f in found]  # absent when built into the interpreter
# The libraries: ldd's closure of the interpreter and the extensions (each ldd lists its whole closure).
libs = set()
for elf in [exe] + [f for f, _ in files if f.endswith(".so")]:
    out = subprocess.run(["ldd", elf], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True).stdout
    for line in out.splitlines():
        if "not found" in line:
            fail("%s needs a library this host lacks: %s" % (elf, line.strip()))
        m = re.search(r"(/\S+) \(0x", line)
        if m:
            libs.add(m.group(1))
files += [(l, None) for l in sorted(libs)]
for src, dest in files:
    if not os.path.isfile(src):
        fail("%s is missing from the host's Python %d.%d" % (src, *sys.version_info[:2]))
    # Merged /usr: /lib/x/libc.so.6 is /usr/lib/x/libc.so.6 in the guest; the file itself, not a link.
    print(src + "\t" + (dest or "usr/" + src.lstrip("/").removeprefix("usr/")))
LIST
  ) || fail "could not list the host python3's files"
  # dpkg -S knows each file under the path its package ships it at (ldd's /lib/...), so ask it
  # for those; a file of no package (pip's, a local build) fails here. Its lines: "pkg[:arch][,
  # pkg2...]: path".
  owned=$(cut -f1 <<<"$host_files" | xargs dpkg -S 2>&1 || true)
  unowned=$(grep -m3 'no path found' <<<"$owned" || true)
  [ -z "$unowned" ] || fail "the self-contained guest takes only files of Debian packages: $unowned"
  owners=$(grep -v '^diversion ' <<<"$owned" | sed -n 's/^\(.*\): \/.*/\1/p' | tr ',' '\n' | sed 's/:.*//; s/^ *//' | sort -u)
  [ -n "$owners" ] || fail "dpkg -S names no package of the host python3's files: $(head -3 <<<"$owned")"
  inputs="$inputs $(dpkg-query -W -f='${Package}=${Version} ' $owners | sed 's/ $//')"
fi
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

# /usr carries Debian's python3; /bin, /sbin, /lib and /lib64 are symlinks into it (merged /usr),
# made when the initrd was assembled. The self-contained initrd brings its own /usr; otherwise it
# is the host's, over 9p.
if [ -x /usr/bin/python3 ]; then
  echo "init: /usr came with the initramfs (self-contained)"
else
  mount -t 9p -o ro,trans=virtio,version=9p2000.L,cache=loose hostusr /usr ||
    die "cannot mount the 9p share hostusr at /usr (are the arguments of qemu-args on the QEMU command line?)"
  [ -x /usr/bin/python3 ] || die "the host's /usr has no bin/python3"
  echo "init: /usr (hostusr) mounted read-only"
fi
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

# fs0's name service (unikernel.dns): the unikernel reads /etc/hosts and /etc/resolv.conf at its root,
# which is fs0; here fs0 is /fs0, so /etc points into it. nsswitch.conf: musl's order, hosts first,
# then DNS (glibc with no nsswitch.conf would ask DNS first, even for localhost).
for f in hosts resolv.conf; do
  if [ -f "/fs0/etc/$f" ]; then
    ln -s "/fs0/etc/$f" "/etc/$f" || die "cannot link /etc/$f to fs0's"
  fi
done
echo "hosts: files dns" > /etc/nsswitch.conf || die "cannot write /etc/nsswitch.conf"
echo "init: /etc/hosts and /etc/resolv.conf from fs0: $(ls /etc | tr '\n' ' ')"

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
printf '%s\n' "$host_files" > "$work/host-files"
# PYTHONHASHSEED: the .pyc of the self-contained initrd are byte-identical from run to run (a set
# constant is marshalled in its iteration order).
PYTHONHASHSEED=0 "$py" - "$work" "$stage" "$work/host-files" <<'PY'
import glob, gzip, importlib.util, io, lzma, os, py_compile, re, shutil, struct, subprocess, sys, zlib

work, stage, host_list = sys.argv[1:]
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
for needed in ("sh", "mount", "insmod", "ip", "sleep", "env", "poweroff", "ln", "ls", "tr"):
    if needed not in applets:
        fail("busybox has no %s applet" % needed)
init = open(os.path.join(work, "init")).read().replace("@MODULES@", " ".join(order))

entries = []  # (name, mode, data, rdev)
def add(name, mode, data=b"", rdev=(0, 0)):
    entries.append((name, mode, data, rdev))
for d in ("bb", "dev", "etc", "fs0", "modules", "proc", "sys", "tmp", "usr"):
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

# Self-contained: the host's files (src TAB path in the initrd, from the list made above), their
# directories, python3 -> python3.X as in Debian, and for each .py a .pyc that the guest takes
# without checking it against the source (an unchecked-hash .pyc: the initrd's files carry no
# times, and the guest compiles nothing at each boot).
host = [l.split("\t") for l in open(host_list).read().splitlines() if l]
dirs = set()
for src, dest in host:
    mode = 0o100755 if os.stat(src).st_mode & 0o111 else 0o100644
    add(dest, mode, open(src, "rb").read())
    if src.endswith(".py"):
        pyc = importlib.util.cache_from_source(src)  # .../__pycache__/name.cpython-3X.pyc
        tmp = os.path.join(work, "compiled.pyc")
        py_compile.compile(src, cfile=tmp, dfile=src, doraise=True,
                           invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
        add(os.path.join(os.path.dirname(dest), "__pycache__", os.path.basename(pyc)), 0o100644, open(tmp, "rb").read())
    d = os.path.dirname(dest)
    while d not in ("", "usr"):
        dirs.add(d)
        d = os.path.dirname(d)
for d in sorted(dirs) + sorted({os.path.join(os.path.dirname(dest), "__pycache__") for src, dest in host
                                 if src.endswith(".py")}):
    add(d, 0o40755)
for src, dest in host:
    if dest.startswith("usr/bin/python3."):
        add("usr/bin/python3", 0o120777, os.path.basename(dest).encode())

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
# The second 9p share: the host's /usr, read-only, for Debian's python3. q35: see README.md. The
# self-contained guest has no share besides fs0's (none with the initrd root), so QEMU can save it.
if $self_contained; then
  echo "-machine q35" > "$stage/qemu-args"
else
  echo "-machine q35 -fsdev local,id=hostusr,path=/usr,security_model=none,readonly=on -device virtio-9p-pci,fsdev=hostusr,mount_tag=hostusr" > "$stage/qemu-args"
fi
# The bundle (unikernel.kernel=OUT_DIR): the kernel and its companions, as the options of the same names.
# The guest runs Debian's python3 with its own standard library: fs0 needs none (stdlib=none).
{
  if $self_contained; then
    echo "# The CI test kernel, self-contained (src/test/vm/assemble-test-kernel.sh --self-contained): Debian's"
    echo "# python3 in the initrd, no 9p share of the host's /usr, so warm start saves and restores it."
  fi
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
