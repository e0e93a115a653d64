def log = new File(basedir, 'build.log').text
assert log.contains('PASS a-health') : '/health must answer while a handler runs'
assert log.contains('b-loop: expected HTTP 200 but got 504 (the handler ran past its time limit, unikernel.handlerTimeout)')
assert log.contains('the handler did not return within 2 s')
assert log.contains('PASS c-health-after') : 'a new worker serves the requests after a stuck handler'
def console = new File(basedir, 'target/unikernel/console.log').text
assert console.contains('ukfaas: POST /: the handler did not return within 2 s; it runs on in its thread (1 stuck of at most 2)')
assert console.contains('ukfaas: POST / -> 504 in ')
assert new File(basedir, 'target/unikernel/fs0/lib/python3.7/app/ukfaas-settings.json').text == '{"handlerTimeout": 2}\n'

evaluate(new File(itCommon, 'no-qemu-left.groovy'))(basedir.name)
true
