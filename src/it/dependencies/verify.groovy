def log = new File(basedir, 'build.log').text
assert log.contains('Dependencies: shout 1.0')
assert log.contains('PASS loud')
assert new File(basedir, 'target/unikernel/fs0/lib/python3.7/site-packages/shout/__init__.py').isFile()
def left = ['pgrep', '-f', 'unikernel-faas:' + basedir.name].execute()
left.waitFor()
assert left.exitValue() == 1 : 'a QEMU of this IT is still running: ' + left.text
true
