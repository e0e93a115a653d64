def log = new File(basedir, 'build.log').text
assert log.contains(':fetch (default-fetch)') : 'the lifecycle binds fetch to generate-resources'
assert log.contains('Offline (mvn -o) and 9 of 9 sources are not in the cache')
assert log.contains('https://github.com/unikraft/unikraft/archive/85b83a741e8bf7002ce6b926e4706d39323282f6.tar.gz')
assert log.contains('https://www.python.org/ftp/python/3.7.4/Python-3.7.4.tgz')
def cache = new File(basedir, 'target/empty-cache')
def written = []
if (cache.exists()) {
    cache.eachFileRecurse(groovy.io.FileType.FILES) { if (!it.name.endsWith('.lock')) written << it }
}
assert written.isEmpty() : 'offline, nothing may be written to the cache: ' + written
true
