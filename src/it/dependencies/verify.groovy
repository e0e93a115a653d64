def log = new File(basedir, 'build.log').text
assert log.contains("pip left out what the guest's Python 3.7.4 needs")
assert log.contains('Dependencies: hush 1.0, quiet 1.0, shout 1.0')
assert log.contains('PASS loud')
def site = new File(basedir, 'target/unikernel/fs0/lib/python3.7/site-packages')
assert new File(site, 'shout/__init__.py').isFile()
assert new File(site, 'hush/__init__.py').isFile()
evaluate(new File(itCommon, 'no-qemu-left.groovy'))(basedir.name)
true
