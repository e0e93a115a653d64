// The generated project is byte-exact where it must be, and its own ./mvnw verify, run as a user would with
// the test kernel bundle, booted the function for real.
import java.nio.file.*
import java.util.concurrent.TimeUnit

def gen = new File(basedir, 'generated/my-fn')
def templates = new File(archetypeResources)

['src/main/python/function.py', 'requirements.txt', 'mvnw', 'mvnw.cmd', '.mvn/wrapper/maven-wrapper.properties', 'src/test/events/hello.json',
 'src/test/events/hello.expected.json', 'src/test/events/anonymous.json',
 'src/test/events/anonymous.expected.json'].each { f ->
    assert new File(gen, f).bytes == new File(templates, f).bytes : "$f is not byte-exact"
}
assert new File(gen, '.gitignore').text.contains('target/')
// The Maven wrapper: executable (the post-generate script), and it runs the pinned Maven.
assert new File(gen, 'mvnw').canExecute() : 'mvnw lost its exec bit'
def pinned = (new File(gen, '.mvn/wrapper/maven-wrapper.properties').text =~ /apache-maven-([0-9.]+)-bin/)[0][1]
def mvnw = new ProcessBuilder('./mvnw', '-v').directory(gen).redirectErrorStream(true).start()
def mvnwOut = mvnw.inputStream.text
assert mvnw.waitFor() == 0 : mvnwOut
assert mvnwOut.contains("Apache Maven ${pinned}") : mvnwOut
// Only groupId, artifactId and version are asked for: `package` has a literal default.
assert !new File(gen, 'src/main/java').exists()
def pom = new File(gen, 'pom.xml').text
assert pom.contains('<packaging>unikernel</packaging>')
assert pom.contains('<extensions>true</extensions>')
assert pom.contains("<version>${pluginVersion}</version>")
def readme = new File(gen, 'README.md').text
assert readme.startsWith('# my-fn')
assert readme.contains('## Build and test')

// As a user would: the project's own wrapper (its pinned Maven), generate-event then verify, one kernel option.
// It resolves as the invoker's builds do: the IT's isolated local repository, then the user's, then Central.
def child = evaluate(new File(itCommon, 'child-maven.groovy'))
def settingsFile = child.settings(basedir)
def logFile = new File(basedir, 'mvnw-verify.log')
def command = ['./mvnw'] + child.args(settingsFile, localRepositoryPath) +
        ['-V', 'unikernel:generate-event', '-Dunikernel.template=sqs', 'verify', '-Dunikernel.kernel=' + testKernelDir]
def pb = new ProcessBuilder(command).directory(gen).redirectErrorStream(true).redirectOutput(logFile)
pb.environment().put('MAVEN_OPTS', '-Xmx512m')
def build = pb.start()
def limit = 600
try {
    assert build.waitFor(limit, TimeUnit.SECONDS) : "./mvnw verify did not end within ${limit} s (stopped); its output: ${logFile}"
} finally {
    child.stop(build)
}
def log = logFile.text
assert build.exitValue() == 0 : "./mvnw verify failed (exit ${build.exitValue()}): ${command.join(' ')}\n" + log.readLines().takeRight(60).join('\n')
assert log.contains("Apache Maven ${pinned}") : 'the build ran on the Maven the wrapper pins'
assert log.contains('PASS hello')
assert log.contains('PASS anonymous')
// unikernel:generate-event wrote an SQS event, which the archetype's handler answers.
assert new File(gen, 'src/test/events/sqs.json').text.contains('"eventSource": "aws:sqs"')
assert log.contains('PASS sqs')
assert log.contains('Cases: 3, passed: 3, failed: 0')
assert log =~ /Booted in [0-9.]+ s under (KVM|TCG)/
assert !(log.contains('booting under TCG instead') && log.contains('under KVM')) : 'the summary names the accelerator that ran'

def report = new File(gen, 'target/unikernel-reports/TEST-unikernel.my-fn.xml').text
assert report.contains('tests="3"') && report.contains('failures="0"')
assert new File(gen, 'target/unikernel/fs0/lib/python3.7/app/wrapper.py').isFile()
assert new File(gen, 'target/unikernel/console.log').text.contains('ukfaas: listening')

evaluate(new File(itCommon, 'no-qemu-left.groovy'))('my-fn')
true
