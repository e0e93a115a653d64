def log = new File(basedir, 'build.log').text
assert log.contains('thread count of 2') : 'the reactor did not run with -T 2'
assert !log.contains('OverlappingFileLockException')
for (m in ['fn-a', 'fn-b']) {
    assert new File(basedir, m + '/target/unikernel/fs0/lib/python3.7/site-packages/shout/__init__.py').isFile()
}
// One install; the other module waited for it or found it complete.
assert log.count('Installing requirements.txt with pip') == 1
true
