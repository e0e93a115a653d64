def log = new File(basedir, 'build.log').text
assert log.contains('Dependencies: shout 1.0')
assert log.contains('PASS loud')
assert new File(basedir, 'target/unikernel/fs0/lib/python3.7/site-packages/shout/__init__.py').isFile()
evaluate(new File(itCommon, 'no-qemu-left.groovy'))(basedir.name)
true
