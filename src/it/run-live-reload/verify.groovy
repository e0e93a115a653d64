// `unikernel:run` end to end, as a user runs it, with each root: the function answers on the chosen port, the
// handler's prints show up in Maven's output, a saved edit of function.py changes the next answers without
// restarting Maven, an edit with a syntax error is refused and the previous code keeps answering (so does
// one that fails only in the guest's import), and Ctrl-C
// (SIGINT to the Maven JVM) ends it all, QEMU included. Each run's output: run-<root>.log in this directory.
import groovy.json.JsonOutput
import groovy.json.JsonSlurper
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.time.Duration
import java.util.concurrent.TimeUnit

def child = evaluate(new File(itCommon, 'child-maven.groovy'))
def settingsFile = child.settings(basedir)
def mvn = new File(System.getProperty('maven.home'), 'bin/mvn')
assert mvn.canExecute() : 'no Maven to start at ' + mvn
def function = new File(basedir, 'src/main/python/function.py')
def original = function.getText('UTF-8')
def edited = original.replace('GREETING = "hello"', 'GREETING = "bonjour"')
assert edited != original
def broken = edited + '\n\ndef broken(:\n    pass\n'
def brokenLine = broken.readLines().findIndexOf { it.startsWith('def broken(') } + 1 // the refusal names it
// Compiles, so the host's check lets it through; only the guest's import fails.
def failsInGuest = edited + '\n\nraise RuntimeError("live-reload-it import failure")\n'
def http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()

// True once check() is, false when it still is not after `seconds`.
def waitUntil = { int seconds, Closure check ->
    long end = System.nanoTime() + seconds * 1_000_000_000L
    while (System.nanoTime() < end) {
        if (check()) {
            return true
        }
        Thread.sleep(250)
    }
    check()
}
// The greeting of a 200 answer; "HTTP <status>: <body>" for another status; null when nothing answered.
def greet = { int port, String name ->
    def request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:${port}/")).timeout(Duration.ofSeconds(20))
            .header('Content-Type', 'application/json')
            .POST(HttpRequest.BodyPublishers.ofString(JsonOutput.toJson([name: name]))).build()
    try {
        def response = http.send(request, HttpResponse.BodyHandlers.ofString())
        response.statusCode() == 200 ? new JsonSlurper().parseText(response.body()).greeting
                : "HTTP ${response.statusCode()}: ${response.body()}"
    } catch (IOException e) {
        null
    }
}
def freePort = { new ServerSocket(0, 1, InetAddress.getLoopbackAddress()).withCloseable { it.localPort } }

def runWith = { String root, List<String> extra ->
    function.setText(original, 'UTF-8')
    int port = freePort()
    def logFile = new File(basedir, "run-${root}.log")
    def read = { logFile.getText('UTF-8') }
    def tail = { '\n--- last lines of ' + logFile + ':\n' + read().readLines().takeRight(40).join('\n') }
    // env --default-signal: a build started in the background (`cmd &`) hands SIGINT down ignored, and a JVM
    // that starts with SIGINT ignored never sees Ctrl-C; a terminal's Maven gets the default.
    def command = ['env', '--default-signal=INT', mvn.path] + child.args(settingsFile, localRepositoryPath) +
            ['unikernel:run', "-Dunikernel.port=${port}", "-Dunikernel.kernel=${testKernelDir}"] + extra
    command = command*.toString()
    def pb = new ProcessBuilder(command).directory(basedir).redirectErrorStream(true).redirectOutput(logFile)
    pb.environment().put('MAVEN_OPTS', '-Xmx512m')
    def maven = pb.start()
    try {
        assert waitUntil(180) { !maven.alive || read().contains('Function ready') } && maven.alive :
                "[${root}] no 'Function ready' within 180 s (Maven stopped), or Maven ended: ${command.join(' ')}" + tail()
        // env and the mvn script exec: the child is the Maven JVM itself, which the SIGINT below must reach.
        def exe = maven.toHandle().info().command().orElse('')
        assert exe.endsWith('/java') : "[${root}] the child is ${exe}, not the Maven JVM"

        def first = greet(port, 'ada')
        assert first == 'hello ada' : "[${root}] first answer: ${first}" + tail()
        assert waitUntil(30) { read() =~ /guest\| .*live-reload-it handling ada/ } :
                "[${root}] the handler's print is not in Maven's output, prefixed 'guest| '" + tail()

        // A saved edit: the answers change without restarting Maven. Until then the old answer, and no request
        // goes unanswered (the initrd root's new VM takes over once it is up).
        function.setText(edited, 'UTF-8')
        def seen = []
        assert waitUntil(120) { def g = greet(port, 'bob'); seen << g; g == 'bonjour bob' } :
                "[${root}] the edit was not served within 120 s; answers: ${seen.unique()}" + tail()
        def strays = seen.findAll { !(it in ['hello bob', 'bonjour bob']) }
        assert strays.isEmpty() : "[${root}] while the edit was taken up: ${strays}" + tail()
        assert waitUntil(30) { read() =~ /guest\| .*live-reload-it handling bob/ } :
                "[${root}] the handler's print after the reload is not in Maven's output" + tail()
        assert maven.alive : "[${root}] Maven ended" + tail()

        // A syntax error: refused at ERROR, naming the place; the previous code keeps answering.
        int refusals = read().count('[ERROR] Not reloaded')
        function.setText(broken, 'UTF-8')
        assert waitUntil(60) { read().count('[ERROR] Not reloaded') > refusals } :
                "[${root}] no ERROR 'Not reloaded' within 60 s of saving a syntax error" + tail()
        def refusal = read().substring(read().lastIndexOf('[ERROR] Not reloaded'))
        assert refusal.contains("function.py:${brokenLine}") :
                "[${root}] the refusal does not name function.py:${brokenLine}: " + refusal.take(800)
        6.times {
            def g = greet(port, 'eve')
            assert g == 'bonjour eve' : "[${root}] after the refused edit: ${g}" + tail()
            Thread.sleep(500)
        }
        assert maven.alive : "[${root}] Maven ended" + tail()

        // An edit that fails only in the guest's import: the 9p guest keeps its handler, the initrd root's new
        // VM does not come up; either way the previous code keeps answering, and the traceback is shown.
        function.setText(failsInGuest, 'UTF-8')
        def during = []
        assert waitUntil(120) { during << greet(port, 'eve'); read().contains('live-reload-it import failure') } :
                "[${root}] the guest's import failure was not shown within 120 s" + tail()
        3.times { during << greet(port, 'eve'); Thread.sleep(500) }
        assert during.every { it == 'bonjour eve' } :
                "[${root}] answers after an edit that fails in the guest: ${during.unique()}" + tail()
        if (root == 'initrd') {
            assert waitUntil(60) { read().contains('[ERROR] The VM with the new function.py did not start: the'
                    + ' previous VM keeps serving') } : "[${root}] no ERROR for the new VM that did not start" + tail()
            // Ended by the wrapper's line, with the cause, not by a timeout or a bare QEMU exit.
            assert read().contains('The function cannot serve: function.py could not be imported in the guest') :
                    "[${root}] the new VM's failure does not name the import" + tail()
        }
        assert maven.alive : "[${root}] Maven ended" + tail()

        // Ctrl-C.
        def kill = new ProcessBuilder('kill', '-INT', Long.toString(maven.pid())).start()
        assert kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0
        assert maven.waitFor(60, TimeUnit.SECONDS) : "[${root}] Maven still ran 60 s after SIGINT (then stopped)" + tail()
        assert maven.exitValue() == 130 : "[${root}] Maven ended on SIGINT with ${maven.exitValue()}, not 130" + tail()
    } finally {
        child.stop(maven)
        function.setText(original, 'UTF-8')
    }
    evaluate(new File(itCommon, 'no-qemu-left.groovy'))('run-live-reload')
}

runWith('initrd', [])
runWith('9p', ['-Dunikernel.rootfs=9p'])
true
