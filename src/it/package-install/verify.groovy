// `mvn install` boots, tests, packages the image and installs it as the project's artifact.
def log = new File(basedir, 'build.log').text
assert log.contains('PASS ping')
def digest = new File(basedir, 'target/unikernel/image.digest').text.trim()
assert digest ==~ /sha256:[0-9a-f]{64}/
def tar = new File(basedir, 'target/package-install-1.oci.tar')
assert tar.isFile()
def installed = new File(localRepositoryPath, 'it/unikernelfaas/package-install/1/package-install-1.oci.tar')
assert installed.isFile() : 'the image is the installed artifact'
assert installed.bytes == tar.bytes
def skopeo = ['skopeo', 'inspect', '--raw', 'oci-archive:' + tar].execute()
def raw = skopeo.text
skopeo.waitFor()
assert skopeo.exitValue() == 0
def md = java.security.MessageDigest.getInstance('SHA-256').digest(raw.getBytes('UTF-8')).encodeHex().toString()
assert 'sha256:' + md == digest : 'image.digest is the manifest digest'
assert raw.contains('"org.unikraft.kernel.version":"0.13.1~85b83a74"')
evaluate(new File(itCommon, 'no-qemu-left.groovy'))(basedir.name)
true
