// The developer's side of a published kernel: a project generated from the archetype resolves the bundle this IT deployed by its Maven coordinates
// and verifies with no C toolchain on PATH: online from the team's file repository into a fresh local repository,
// then offline (-o) from what that run cached.
import java.util.concurrent.TimeUnit
import java.util.zip.ZipFile

def child = evaluate(new File(itCommon, 'child-maven.groovy'))
def target = new File(basedir, 'target')
def published = new File(target, 'team-repo/it/unikernelfaas/kernel-artifact-runtime/1/kernel-artifact-runtime-1.zip')
assert published.isFile() : 'deploy published no bundle at ' + published
def names = new ZipFile(published).withCloseable { z -> z.entries().collect { it.name } }.sort()
assert names == ['initrd', 'kernel', 'kernel-bundle.properties'] : 'bundle entries: ' + names
def props = new Properties()
new ZipFile(published).withCloseable { z -> z.getInputStream(z.getEntry('kernel-bundle.properties')).withCloseable { props.load(it) } }
assert props.getProperty('guestContract') == '1' && props.getProperty('initrd') == 'initrd' : 'bundle properties: ' + props

// A PATH with every program of the real one but the C toolchain, so a build that needed it would fail.
def noCc = new File(target, 'no-cc-bin')
noCc.mkdirs()
def toolchain = ~/^(gcc.*|cc|c\+\+|g\+\+.*|cpp.*|clang.*|.*-gcc.*|make|gmake|ld|ld\..*|as|flex|bison)$/
System.getenv('PATH').split(':').each { dir ->
    new File(dir).listFiles()?.each { f ->
        def link = new File(noCc, f.name)
        if (!(f.name ==~ toolchain) && f.canExecute() && !link.exists()) {
            java.nio.file.Files.createSymbolicLink(link.toPath(), f.toPath())
        }
    }
}
def probe = new ProcessBuilder('sh', '-c', 'command -v gcc cc make; true')
probe.environment().put('PATH', noCc.path)
def found = probe.start().text.trim()
assert found.isEmpty() : 'the PATH without a toolchain still has ' + found

def mvn = new File(System.getProperty('maven.home'), 'bin/mvn')
def settingsFile = child.settings(basedir)
// The developer's project, generated from the archetype, then pointed at the team's kernel as a user would: the
// coordinates as a property (which -D still overrides) and the team's repository.
def generated = new File(target, 'generated')
def fn = new File(generated, 'fn')
def genLog = new File(target, 'generate.log')
def gen = new ProcessBuilder(([mvn.path] + child.args(settingsFile, localRepositoryPath) + [
        'org.apache.maven.plugins:maven-archetype-plugin:3.3.1:generate', '-DinteractiveMode=false',
        '-DarchetypeGroupId=io.github.unikernelfaas', '-DarchetypeArtifactId=unikernel-faas-python-archetype',
        '-DarchetypeVersion=' + pluginVersion, '-DgroupId=com.example', '-DartifactId=fn', '-Dversion=1.0',
        '-DoutputDirectory=' + generated])*.toString()).directory(target).redirectErrorStream(true).redirectOutput(genLog).start()
assert gen.waitFor(300, TimeUnit.SECONDS) && gen.exitValue() == 0 : 'archetype:generate failed: ' + genLog.text
def fnPom = new File(fn, 'pom.xml')
def pomText = fnPom.getText('UTF-8')
assert pomText.contains('</properties>') : 'the generated POM has no <properties>'
def teamRepo = new File(target, 'team-repo').toURI().toString()
fnPom.setText(pomText.replaceFirst('</properties>',
        "  <unikernel.kernel>mvn:it.unikernelfaas:kernel-artifact-runtime:1</unikernel.kernel>\n  </properties>\n" +
        "  <repositories><repository><id>team</id><url>${teamRepo}</url></repository></repositories>"), 'UTF-8')

// The IT's own local repository holds the plugin; the deploy also installed the bundle there, which is taken
// out so that the first run must download it from the team's repository.
def freshRepo = new File(localRepositoryPath.toString())
def installed = new File(freshRepo, 'it/unikernelfaas/kernel-artifact-runtime')
assert installed.deleteDir() && !installed.exists() : 'could not take the installed bundle out of ' + freshRepo
def run = { String name, List extra, File dir = fn, List goals = ['verify'] ->
    def log = new File(target, name + '.log')
    def command = ([mvn.path] + child.args(settingsFile, freshRepo) + extra + goals)*.toString()
    def pb = new ProcessBuilder(command).directory(dir).redirectErrorStream(true).redirectOutput(log)
    pb.environment().put('PATH', noCc.path)
    pb.environment().put('MAVEN_OPTS', '-Xmx512m')
    def p = pb.start()
    try {
        assert p.waitFor(600, TimeUnit.SECONDS) : name + ': no end within 600 s (Maven stopped): ' + log
    } finally {
        child.stop(p)
    }
    def out = log.getText('UTF-8')
    assert p.exitValue() == 0 : name + ' failed (exit ' + p.exitValue() + '), see ' + log + ':\n' + out.readLines().takeRight(40).join('\n')
    out
}
def passed = { String name, String out ->
    assert out.contains('PASS hello') && out.contains('PASS anonymous') : name + ': the events did not pass:\n' + out
}
def online = run('fn-online', ['-Dunikernel.cacheDir=' + new File(target, 'fn-cache')])
passed('online', online)
assert online.contains('Kernel bundle it.unikernelfaas:kernel-artifact-runtime:zip:1') : 'the kernel was not resolved by its coordinates'
assert online.contains('Kernel bundle unpacked into') : 'the first run did not unpack the bundle'
def origin = new File(installed, '1/_remote.repositories')
assert origin.isFile() && origin.text.contains('kernel-artifact-runtime-1.zip>team=') : 'the bundle did not come from the team repository: ' + (origin.isFile() ? origin.text : 'no ' + origin)
def offline = run('fn-offline', ['-o', '-Dunikernel.cacheDir=' + new File(target, 'fn-cache')])
passed('offline', offline)
assert !offline.contains('Kernel bundle unpacked into') : 'the offline run unpacked again instead of using the cache'

// The same bundle through an OCI registry (Debian's docker-registry on a free loopback port): pushed by the
// runtime project's push-kernel-bundle, pulled by the function project by digest, with no toolchain either.
def registryBin = ['sh', '-c', 'command -v docker-registry'].execute().text.trim()
assert registryBin : 'docker-registry is not installed: scripts/install-host-deps.sh installs it'
def port = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()).withCloseable { it.localPort }
def regDir = new File(target, 'registry')
regDir.mkdirs()
def config = new File(regDir, 'config.yml')
config.text = "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${regDir}/storage\nhttp:\n  addr: 127.0.0.1:${port}\n"
def registry = new ProcessBuilder(registryBin, 'serve', config.path).redirectErrorStream(true)
        .redirectOutput(new File(regDir, 'registry.log')).start()
try {
    def up = false
    for (int i = 0; i < 100 && !up && registry.isAlive(); i++) {
        try {
            up = new URL("http://127.0.0.1:${port}/v2/").openConnection().with { connectTimeout = 1000; responseCode == 200 }
        } catch (IOException notYet) {
            Thread.sleep(100)
        }
    }
    assert up : 'docker-registry did not answer within 10 s: ' + new File(regDir, 'registry.log').text
    def image = "127.0.0.1:${port}/team/python-runtime:1"
    def pushed = run('runtime-push', ['-Dunikernel.kernelBundleImage=' + image, '-Dunikernel.allowInsecureRegistries'],
            basedir, ['unikernel:push-kernel-bundle'])
    def pin = (pushed =~ /-Dunikernel\.kernel=(oci:\S+@sha256:[0-9a-f]{64})/)
    assert pin.find() : 'push-kernel-bundle named no digest to pin:\n' + pushed
    def fromRegistry = run('fn-oci', ['-Dunikernel.kernel=' + pin.group(1), '-Dunikernel.allowInsecureRegistries',
            '-Dunikernel.cacheDir=' + new File(target, 'fn-oci-cache')])
    passed('oci', fromRegistry)
    assert fromRegistry.contains('Pulled the kernel bundle ' + pin.group(1)) : 'the kernel was not pulled from the registry'
} finally {
    registry.destroy()
    registry.waitFor(10, TimeUnit.SECONDS)
}
evaluate(new File(itCommon, 'no-qemu-left.groovy'))('fn')
true
