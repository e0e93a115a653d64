// unikernel.rootfs=initrd: fs0 travels as a CPIO initrd, not as a 9p share, in the VM and in the image.
def log = new File(basedir, 'build.log').text
assert log.contains('fs0 as an initrd:')
assert log.contains('PASS write-tmp')
def command = new File(basedir, 'target/unikernel/qemu-command.txt').readLines()
assert !command.any { it.contains('mount_tag=fs0') } : 'no 9p share of fs0: ' + command
def initrd = command[command.indexOf('-initrd') + 1]
assert initrd.endsWith('initrd-with-fs0.img') : 'the test kernel initrd followed by fs0: ' + initrd
// The CI test guest mounts the host's /usr over 9p, which QEMU refuses to save: warm start says so and boots cold.
assert log.contains('Warm start off for this VM: unikernel.qemuArgs adds a 9p share') : 'the warm-start fallback is named'
assert !command.contains('-incoming')
def console = new File(basedir, 'target/unikernel/console.log').text
assert console.contains('init: fs0 came with the initramfs (initrd root)')
def tar = new File(basedir, 'target/initrd-root-1.oci.tar')
def skopeo = ['skopeo', 'inspect', '--raw', 'oci-archive:' + tar.path].execute()
def raw = skopeo.text
skopeo.waitFor()
assert skopeo.exitValue() == 0
assert raw.contains('"org.unikraft.kernel.initrd":"/unikraft/bin/initrd"') : 'kraftkit\'s initrd layer annotation: ' + raw
def unpack = new File(basedir, 'target/umoci-unpack')
def umoci = ['umoci', 'raw', 'unpack', '--rootless', '--image', tar.path + '.dir:1', unpack.path]
def layoutDir = new File(tar.path + '.dir')
layoutDir.mkdirs()
def x = ['tar', 'xf', tar.path, '-C', layoutDir.path].execute()
x.waitFor()
assert x.exitValue() == 0
def u = umoci.execute()
def err = u.err.text
u.waitFor()
assert u.exitValue() == 0 : err
assert new File(unpack, 'unikraft/bin/initrd').isFile() : 'the image holds the initrd at kraftkit\'s path'
assert new File(unpack, 'unikraft/bin/kernel').isFile()
assert !new File(unpack, 'unikraft/fs0').exists() : 'no fs0 layers beside the initrd'
evaluate(new File(itCommon, 'no-qemu-left.groovy'))(basedir.name)
true
