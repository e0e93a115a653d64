// unikernel.rootfs=9p: fs0 is shared read-only over virtio-9p, and the image keeps it as layers.
def log = new File(basedir, 'build.log').text
assert log.contains('PASS share')
assert !log.contains('fs0 as an initrd:')
def command = new File(basedir, 'target/unikernel/qemu-command.txt').readLines()
assert command.any { it.startsWith('virtio-9p-pci,fsdev=fs0,mount_tag=fs0') } : 'fs0 is the 9p share: ' + command
assert command.any { it.startsWith('local,id=fs0,') && it.endsWith(',readonly=on') }
assert !new File(basedir, 'target/unikernel/fs0/lib').listFiles().any { it.name.startsWith('python') &&
        new File(it, 'app/written-by-the-guest').exists() } : 'the guest could not write into the share'
def tar = new File(basedir, 'target/ninep-root-1.oci.tar')
def skopeo = ['skopeo', 'inspect', '--raw', 'oci-archive:' + tar.path].execute()
def raw = skopeo.text
skopeo.waitFor()
assert skopeo.exitValue() == 0
assert !raw.contains('org.unikraft.kernel.initrd') : 'no initrd in a 9p image'
evaluate(new File(itCommon, 'no-qemu-left.groovy'))(basedir.name)
true
