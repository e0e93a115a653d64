import groovy.json.JsonSlurper

def log = new File(basedir, 'build.log').text
// 2: offline names exactly the stdlib's sources.
assert log.contains('Offline (mvn -o) and 2 of 2 sources are not in the cache')
assert log.contains('sources/Python-3.7.4.tgz') && log.contains('sources/lib-python3.tar.gz')
assert !log.contains('github.com/unikraft/unikraft') : 'the Unikraft core is never asked for'
// 3: none.
assert log.contains('Skipping fetch: the prebuilt kernel needs no standard library in fs0; unikernel.stdlib=none')
assert log.contains('Python standard library: not in fs0; unikernel.stdlib=none')
// 4: auto with a kernel that is not Linux.
assert log.contains('Sources: 2 verified in') && log.contains('(2 downloaded)')
assert log.contains('fetched only the standard library\'s sources (lib-python3, python3)')
assert log =~ /Python standard library: 4 files in \S+; \S+kernel\.img is not a Linux kernel/

assert log.contains('No .pyc in fs0 (unikernel.bytecode=false)')
// 5: with .pyc when the host has a CPython 3.7 (the build says which it did); fs0 and the image are 5's.
boolean pyc = log.contains('.pyc compiled by ')
if (pyc) {
    assert log =~ /\.pyc compiled by \S+: app 2, site-packages 0, standard library 4 \(sourceless\)/
} else {
    assert log.contains('No .pyc in fs0: no CPython 3.7 on this host')
    println 'NOTE: no CPython 3.7 on this host: the .pyc half of this test did not run'
}
def lib = new File(basedir, 'target/unikernel/fs0/lib/python3.7')
def stdlibFile = { String py -> pyc ? py + 'c' : py }
['os.py', 'encodings/__init__.py', 'encodings/utf_8.py', '_sysconfigdata.py'].each {
    assert new File(lib, stdlibFile(it)).isFile() : stdlibFile(it) + ' in fs0'
    assert !pyc || !new File(lib, it).exists() : it + ' is replaced by its .pyc'
}
assert new File(lib, 'app/function.py').isFile() : 'the function keeps its source'
assert !pyc || new File(lib, 'app/__pycache__/function.cpython-37.pyc').isFile()
assert !new File(lib, 'test').exists() : 'test suites are left out'
def cached = new File(basedir, 'target/cache/sources').list().sort()
assert cached == ['lib-python3', 'python3'] : 'only the stdlib\'s sources are cached: ' + cached

// The image: the stdlib in its own layer, between the kernel and the dependencies.
def tar = new File(basedir, 'target/prebuilt-unikraft-stdlib-1.oci.tar')
def entry = { String name ->
    def p = ['tar', '-xOf', tar.path, name].execute()
    def bytes = p.inputStream.bytes
    assert p.waitFor() == 0 : 'tar could not read ' + name
    new JsonSlurper().parse(bytes)
}
def blob = { String digest -> entry('blobs/sha256/' + digest.substring('sha256:'.length())) }
def manifest = blob(entry('index.json').manifests[0].digest)
def config = blob(manifest.config.digest)
def layers = config.history.findAll { !it.empty_layer }.collect { it.comment }
assert layers == ['kernel', 'stdlib', 'dependencies', 'app'] : layers
def digest = manifest.layers[1].digest.substring('sha256:'.length())
def list = ['sh', '-c', 'tar -xOf "$0" "$1" | tar -tzf -', tar.path, 'blobs/sha256/' + digest].execute()
def names = list.text.readLines()
assert list.waitFor() == 0
assert names.contains('unikraft/fs0/lib/python3.7/' + stdlibFile('encodings/__init__.py')) : names
assert names.contains('unikraft/fs0/lib/python3.7/' + stdlibFile('_sysconfigdata.py')) : names
assert !names.any { it.contains('/app/') } : names
true
