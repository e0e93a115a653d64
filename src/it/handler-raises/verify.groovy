def log = new File(basedir, 'build.log').text
assert log.contains('a-raises: expected HTTP 200 but got 500')
assert log.contains('ValueError: refusing on purpose')
assert log.contains('PASS b-after') : 'the server must keep serving after a handler error'
def console = new File(basedir, 'target/unikernel/console.log').text
assert console.contains('Traceback') && console.contains('ValueError: refusing on purpose')

def left = ["pgrep", "-f", "unikernel-faas:" + basedir.name].execute()
left.waitFor()
assert left.exitValue() == 1 : "a QEMU of this IT is still running: " + left.text
true
