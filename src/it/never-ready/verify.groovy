def log = new File(basedir, 'build.log').text
assert log.contains('did not become ready within 20 s (unikernel.bootTimeout)')
assert log.contains('lines of the guest console')
assert log.contains('| never-ready: simulating an import that never finishes')

def left = ["pgrep", "-f", "unikernel-faas:" + basedir.name].execute()
left.waitFor()
assert left.exitValue() == 1 : "a QEMU of this IT is still running: " + left.text
true
