def log = new File(basedir, 'build.log').text
assert log.contains('PASS good')
assert log.contains('1 of 2 event cases failed')
assert log.contains('add: expected {"sum":7} but got {"sum":6}')
def report = new File(basedir, 'target/unikernel-reports/TEST-unikernel.wrong-expectation.xml').text
assert report.contains('tests="2"') && report.contains('failures="1"')

evaluate(new File(itCommon, 'no-qemu-left.groovy'))(basedir.name)
true
