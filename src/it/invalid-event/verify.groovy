def log = new File(basedir, 'build.log').text
assert log.contains('broken.json is not valid JSON at line 1')
assert !new File(basedir, 'target/unikernel/console.log').exists() : 'nothing may boot'
true
