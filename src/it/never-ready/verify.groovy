def log = new File(basedir, 'build.log').text
assert log.contains('did not become ready within 20 s under ') : 'the timeout names the accelerator'
assert log.contains('(unikernel.bootTimeout)')
assert log.contains('lines of the guest console')
assert log.contains('| never-ready: simulating an import that never finishes')

evaluate(new File(itCommon, 'no-qemu-left.groovy'))(basedir.name)
true
