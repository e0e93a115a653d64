def log = new File(basedir, 'build.log').text
assert log.contains('a-raises: expected HTTP 200 but got 500')
assert log.contains('ValueError: refusing on purpose')
assert log.contains('PASS b-after') : 'the server must keep serving after a handler error'
def console = new File(basedir, 'target/unikernel/console.log').text
assert console.contains('Traceback') && console.contains('ValueError: refusing on purpose')

evaluate(new File(itCommon, 'no-qemu-left.groovy'))(basedir.name)
true
