def log = new File(basedir, 'build.log').text
assert log.contains('does not compile as Python 3.7')
assert log =~ /function\.py:2:/
assert !new File(basedir, 'target/unikernel/console.log').exists() : 'nothing may boot'
true
