// Shared by the ITs' verify.groovy that start a Maven of their own (the generated project's ./mvnw, or `mvn
// unikernel:run`): `def child = evaluate(new File(itCommon, 'child-maven.groovy'))` gives
//   child.settings(basedir): writes <basedir>/child-settings.xml, src/it/settings.xml interpolated as the invoker
//     does for its own builds (it keeps no copy): @localRepositoryUrl@ is the user's local repository, a file:
//     repository tried after the IT's isolated one; returns that file;
//   child.args(settingsFile, localRepositoryPath): the options that make a child Maven resolve as the invoker's
//     builds do: -B -ntp, -s that file, -Dmaven.repo.local the IT's isolated repository. Like them, it runs
//     online (the invoker never passes -o: offline, Maven reads no file: repository either);
//   child.stop(process): stops it as a terminal would (SIGTERM: the build's shutdown hook stops its QEMU),
//     then kills it and whatever it started when it is still there after 15 s. For `finally` blocks.
import java.util.concurrent.TimeUnit

def settings = { File basedir ->
    def template = new File(new File(itCommon).parentFile, 'settings.xml').getText('UTF-8')
    def repoUrl = new File(userLocalRepository.toString()).toURI().toString()
    def file = new File(basedir, 'child-settings.xml')
    file.setText(template.replace('@localRepositoryUrl@', repoUrl), 'UTF-8')
    assert !(file.text =~ /@\w+@/) : 'a placeholder of src/it/settings.xml is left in ' + file
    file
}
def args = { File settingsFile, localRepositoryPath ->
    ['-B', '-ntp', '-s', settingsFile.path, '-Dmaven.repo.local=' + localRepositoryPath.toString()]
}
def stop = { Process p ->
    if (p == null || !p.isAlive()) {
        return
    }
    def descendants = p.toHandle().descendants().toList()
    p.destroy()
    if (!p.waitFor(15, TimeUnit.SECONDS)) {
        descendants.each { it.destroyForcibly() }
        p.destroyForcibly()
        p.waitFor(10, TimeUnit.SECONDS)
    }
}
[settings: settings, args: args, stop: stop]
