package io.github.unikernelfaas.rootfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.unikernelfaas.flavour.TestFlavours;
import io.github.unikernelfaas.host.HostTool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The live loop's core on temp dirs, with the real function check on the host python3. */
class LiveReloadTest {
    private static final List<Integer> GRAMMAR = TestFlavours.DEFAULT.grammarVersion();

    @TempDir
    Path src;
    @TempDir
    Path root;

    private Fs0Layout fs0;
    private final Path python = HostTool.require(null, "python3", System.getenv("PATH"), "unikernel.python",
            "install python3");
    private final LiveReload.Check check = new LiveReload.Check(python, GRAMMAR, Optional.empty());

    @BeforeEach
    void assemble() throws Exception {
        Files.writeString(src.resolve("function.py"), "import helper\ndef handler(event):\n    return 1\n");
        Files.writeString(src.resolve("helper.py"), "X = 1\n");
        fs0 = new Fs0Layout(root, "lib/python3.7");
        Fs0Assembler.assemble(src, fs0, WrapperSettings.parse("25"));
    }

    @Test
    void aGoodChangeUpdatesTheAppDirTheMarkerAndDropsStaleBytecode() throws Exception {
        Path app = fs0.app();
        Path pyc = app.resolve("__pycache__/function.cpython-37.pyc");
        Files.createDirectories(pyc.getParent());
        Files.writeString(pyc, "stale");
        Files.writeString(app.resolve("gone.py"), "# deleted from the sources since the build\n");
        Files.writeString(app.resolve("ukfaas-env.json"), "{}");
        Files.writeString(src.resolve("function.py"), "def handler(event):\n    return 2\n");

        LiveReload.apply(src, fs0, check, Optional.empty(), 1);

        assertEquals("def handler(event):\n    return 2\n", Files.readString(app.resolve("function.py")));
        assertFalse(Files.exists(pyc), "an unchecked-hash .pyc would keep the old code");
        assertFalse(Files.exists(app.resolve("gone.py")));
        assertTrue(Files.exists(app.resolve("wrapper.py")));
        assertTrue(Files.exists(app.resolve(WrapperSettings.FILE)));
        assertTrue(Files.exists(app.resolve("ukfaas-env.json")), "the run-time environment stays");
        Path marker = app.resolve(LiveReload.MARKER);
        assertEquals("1\n", Files.readString(marker));
        FileTime first = Files.getLastModifiedTime(marker);
        LiveReload.apply(src, fs0, check, Optional.empty(), 2);
        assertEquals("2\n", Files.readString(marker));
        assertTrue(Files.getLastModifiedTime(marker).compareTo(first) > 0, "the wrapper compares the mtime");
    }

    @Test
    void aBadChangeIsRefusedWithFileAndLineAndLeavesFs0Alone() throws Exception {
        String before = Files.readString(fs0.app().resolve("function.py"));
        Files.writeString(src.resolve("function.py"), "def handler(event):\n    return {\n");
        FunctionException e = assertThrows(FunctionException.class,
                () -> LiveReload.apply(src, fs0, check, Optional.empty(), 1));
        assertTrue(e.getMessage().contains(src.resolve("function.py") + ":2:"), e.getMessage());
        assertEquals(before, Files.readString(fs0.app().resolve("function.py")));
        assertFalse(Files.exists(fs0.app().resolve(LiveReload.MARKER)));
    }

    @Test
    void theWatcherTakesASavedChangeAndRefusesABadOne() throws Exception {
        LinkedBlockingQueue<String> events = new LinkedBlockingQueue<>();
        try (LiveReload watch = LiveReload.start(src, fs0, check, Optional.empty(), Duration.ofMillis(100),
                new LiveReload.Listener() {
                    @Override
                    public void reloaded(Set<String> changed, Duration took) {
                        events.add("reloaded " + changed);
                    }

                    @Override
                    public void refused(Set<String> changed, String message) {
                        events.add("refused " + changed + " " + message);
                    }
                })) {
            Thread.sleep(300); // the watcher's first look
            Files.writeString(src.resolve("helper.py"), "X = 22\n");
            String event = events.poll(10, TimeUnit.SECONDS);
            assertEquals("reloaded [helper.py]", event);
            assertEquals("X = 22\n", Files.readString(fs0.app().resolve("helper.py")));

            Files.writeString(src.resolve("function.py"), "def handler(event:\n");
            event = events.poll(10, TimeUnit.SECONDS);
            assertNotNull(event);
            assertTrue(event.startsWith("refused [function.py]"), event);
            assertTrue(event.contains(src.resolve("function.py") + ":1:"), event);
            assertEquals("1\n", Files.readString(fs0.app().resolve(LiveReload.MARKER)), "the bad edit left fs0");
        }
    }

    @Test
    void aSaveMadeBetweenTheBuildAndTheWatchersStartIsServedAtTheFirstLook() throws Exception {
        // run boots between the build's copy and the watcher's start: these saves happen during the boot.
        Files.writeString(src.resolve("helper.py"), "X = 2\n"); // same size: only the bytes tell
        Files.writeString(src.resolve("extra.py"), "Y = 1\n");
        LinkedBlockingQueue<String> events = new LinkedBlockingQueue<>();
        try (LiveReload watch = LiveReload.start(src, fs0, check, Optional.empty(), Duration.ofMillis(100),
                new LiveReload.Listener() {
                    @Override
                    public void reloaded(Set<String> changed, Duration took) {
                        events.add("reloaded " + changed);
                    }

                    @Override
                    public void refused(Set<String> changed, String message) {
                        events.add("refused " + changed + " " + message);
                    }
                })) {
            assertEquals("reloaded [extra.py, helper.py]", events.poll(10, TimeUnit.SECONDS));
            assertEquals("X = 2\n", Files.readString(fs0.app().resolve("helper.py")));
            assertEquals("Y = 1\n", Files.readString(fs0.app().resolve("extra.py")));
        }
    }

    @Test
    void theBaselineIsWhatFs0HoldsSoNothingChangedMeansNoReload() throws Exception {
        assertEquals(LiveReload.fingerprint(src), LiveReload.baseline(src, fs0.app()), "as the build copied it");
        Files.writeString(src.resolve("helper.py"), "X = 3\n");
        Files.delete(src.resolve("function.py"));
        java.util.Map<String, String> base = LiveReload.baseline(src, fs0.app());
        assertEquals(Set.of("function.py", "helper.py"), LiveReload.changed(base, LiveReload.fingerprint(src)),
                "an edit and a deletion made before the watcher started");
    }

    @Test
    void recompilesTheAppBytecodeWithTheGuestCPython() throws Exception {
        Optional<Path> guest = GuestPython.find("", "3.7", System.getenv("PATH"),
                Path.of(System.getProperty("user.home")));
        Assumptions.assumeTrue(guest.isPresent(), "no CPython 3.7 on this host (python3.7 on PATH or ~/.pyenv):"
                + " the .pyc refresh is not tested");
        Bytecode.compileBeside(guest.get(), fs0.app(), "/lib/python3.7/app");
        Path pyc = fs0.app().resolve("__pycache__/helper.cpython-37.pyc");
        byte[] old = Files.readAllBytes(pyc);
        Files.writeString(src.resolve("helper.py"), "X = 'a new value'\n");
        LiveReload.apply(src, fs0, check, guest, 1);
        byte[] now = Files.readAllBytes(pyc);
        assertFalse(java.util.Arrays.equals(old, now), "the .pyc holds the new code");
        assertTrue(new String(now, java.nio.charset.StandardCharsets.ISO_8859_1).contains("a new value"));
    }

    /** The whole loop on the host: the real wrapper serves fs0, an edit of the sources changes its next answer. */
    @Test
    void anEditWhileTheWrapperServesChangesItsNextAnswer() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Process wrapper = new ProcessBuilder(python.toString(), "-I", fs0.app().resolve("wrapper.py").toString(),
                "--host", "127.0.0.1", "--port", Integer.toString(port)).redirectErrorStream(true)
                .redirectOutput(root.resolve("wrapper.log").toFile()).start();
        LinkedBlockingQueue<String> events = new LinkedBlockingQueue<>();
        try (LiveReload watch = LiveReload.start(src, fs0, check, Optional.empty(), Duration.ofMillis(100),
                new LiveReload.Listener() {
                    @Override
                    public void reloaded(Set<String> changed, Duration took) {
                        events.add("reloaded");
                    }

                    @Override
                    public void refused(Set<String> changed, String message) {
                        events.add("refused " + message);
                    }
                })) {
            java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
            assertEquals("1", post(client, port, 100));
            Files.writeString(src.resolve("function.py"), "import helper\ndef handler(event):\n    return 2\n");
            assertEquals("reloaded", events.poll(10, TimeUnit.SECONDS));
            assertEquals("2", post(client, port, 1), Files.readString(root.resolve("wrapper.log")));
            Files.writeString(src.resolve("function.py"), "def handler(event):\n    return (\n");
            String refused = events.poll(10, TimeUnit.SECONDS);
            assertNotNull(refused);
            assertTrue(refused.startsWith("refused"), refused);
            assertEquals("2", post(client, port, 1), "the old code keeps serving");
        } finally {
            wrapper.destroy();
            wrapper.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** POSTs {} (retrying while the wrapper starts, at most {@code tries} times 100 ms) and returns the body. */
    private static String post(java.net.http.HttpClient client, int port, int tries) throws Exception {
        java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + port + "/")).timeout(Duration.ofSeconds(10))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}")).build();
        for (int i = 1; ; i++) {
            try {
                return client.send(request, java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            } catch (java.io.IOException e) {
                if (i >= tries) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }
}
