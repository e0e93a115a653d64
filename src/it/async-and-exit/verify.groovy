// An async def handler answers through the guest (awaited on the wrapper's worker-thread loop, twice);
// os._exit in a handler stops the VM, and the build says so naming the case, not a transport error.
def log = new File(basedir, 'build.log').text
assert log.contains('PASS a-async') : 'the async handler must answer'
assert log.contains('PASS b-async-again') : 'the loop lives on between calls'
assert log.contains('c-exit: the VM stopped during c-exit: ') : 'the dead VM must be named'
assert log.contains('os._exit(3) was called') || log.contains('QEMU exited with code') : 'with the cause'
assert log.contains('| async-and-exit: calling os._exit') : 'and the console tail'
assert !log.contains('c-exit: the connection failed') : 'not a transport error'
assert log.contains('d-after: not run: the VM stopped during c-exit')

evaluate(new File(itCommon, 'no-qemu-left.groovy'))(basedir.name)
true
