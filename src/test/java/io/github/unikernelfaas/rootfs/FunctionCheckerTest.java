package io.github.unikernelfaas.rootfs;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.unikernelfaas.flavour.TestFlavours;
import io.github.unikernelfaas.host.HostTool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the real check script on the host python3 (the build needs python3 anyway). */
class FunctionCheckerTest {
    private static final List<Integer> GRAMMAR = TestFlavours.DEFAULT.grammarVersion();

    @TempDir
    Path src;

    private final Path python = HostTool.require(null, "python3", System.getenv("PATH"), "unikernel.python",
            "install python3");

    private FunctionException failing(String function) throws Exception {
        Files.writeString(src.resolve("function.py"), function);
        return assertThrows(FunctionException.class, () -> FunctionChecker.check(python, src, GRAMMAR));
    }

    @Test
    void acceptsOneAndTwoArgumentHandlers() throws Exception {
        Files.writeString(src.resolve("function.py"), "def handler(event):\n    return event\n");
        assertDoesNotThrow(() -> FunctionChecker.check(python, src, GRAMMAR));
        Files.writeString(src.resolve("function.py"), "def handler(event, context=None):\n    return event\n");
        assertDoesNotThrow(() -> FunctionChecker.check(python, src, GRAMMAR));
        Files.writeString(src.resolve("function.py"), "from impl import handler\n");
        assertDoesNotThrow(() -> FunctionChecker.check(python, src, GRAMMAR));
    }

    @Test
    void acceptsAnAsyncHandler() throws Exception {
        // The wrapper awaits it on the worker thread's event loop.
        Files.writeString(src.resolve("function.py"), "import asyncio\n\nasync def handler(event, context):\n"
                + "    await asyncio.sleep(0)\n    return event\n");
        assertDoesNotThrow(() -> FunctionChecker.check(python, src, GRAMMAR));
    }

    @Test
    void missingFunctionFileSaysWhatToCreate() {
        FunctionException e = assertThrows(FunctionException.class, () -> FunctionChecker.check(python, src, GRAMMAR));
        assertTrue(e.getMessage().contains("function.py does not exist"), e.getMessage());
        assertTrue(e.getMessage().contains("def handler(event)"), e.getMessage());
    }

    @Test
    void syntaxErrorNamesFileAndLine() throws Exception {
        FunctionException e = failing("def handler(event):\n    return {'a': 1\n\nx = 1\n");
        assertTrue(e.getMessage().contains(src.resolve("function.py") + ":2:"), e.getMessage());
    }

    @Test
    void syntaxErrorInAHelperModuleIsFoundToo() throws Exception {
        Files.createDirectories(src.resolve("pkg"));
        Files.writeString(src.resolve("pkg/util.py"), "def f(:\n    pass\n");
        FunctionException e = failing("def handler(event):\n    return 1\n");
        assertTrue(e.getMessage().contains(src.resolve("pkg/util.py") + ":1:"), e.getMessage());
    }

    @Test
    void newerThanPython37SyntaxIsRejected() throws Exception {
        FunctionException e = failing("def handler(event):\n    if (n := len(event)) > 1:\n        return n\n");
        assertTrue(e.getMessage().contains("Python 3.7"), e.getMessage());
        assertTrue(e.getMessage().contains(":2:"), e.getMessage());
    }

    @Test
    void theGrammarIsTheFlavours() throws Exception {
        Files.writeString(src.resolve("function.py"), "def handler(event):\n    if (n := len(event)) > 1:\n"
                + "        return n\n");
        assertDoesNotThrow(() -> FunctionChecker.check(python, src, TestFlavours.TEST.grammarVersion()),
                "the walrus is Python 3.8+: fine for the test flavour's 3.10");
        FunctionException e = assertThrows(FunctionException.class, () -> FunctionChecker.check(python, src,
                List.of(3, 7)));
        assertTrue(e.getMessage().startsWith("The function does not compile as Python 3.7 (the unikernel's"),
                e.getMessage());
    }

    @Test
    void missingHandlerIsNamed() throws Exception {
        FunctionException e = failing("def handle(event):\n    return 1\n");
        assertTrue(e.getMessage().contains("defines no `handler`"), e.getMessage());
    }

    @Test
    void handlerWithWrongShapeIsExplained() throws Exception {
        assertTrue(failing("async def handler():\n    return 1\n").getMessage().contains("takes no arguments"),
                "an async handler is judged like a plain one");
        assertTrue(failing("def handler():\n    return 1\n").getMessage().contains("takes no arguments"));
        assertTrue(failing("def handler(a, b, c):\n    return 1\n").getMessage().contains("3 required arguments"));
        String kwOnly = failing("def handler(event, *, flag):\n    return 1\n").getMessage();
        assertTrue(kwOnly.contains("required keyword-only parameter flag;"), kwOnly);
        assertTrue(kwOnly.contains("handler(event) or handler(event, context)"), kwOnly);
        assertTrue(failing("def handler(*args, a, b=1, **kw):\n    return 1\n").getMessage()
                .contains("keyword-only parameter a;"), "also after *args");
    }

    @Test
    void aHandlerBoundToAValueThatCannotBeCalledIsRefusedNamingFileAndLine() throws Exception {
        for (String[] c : new String[][] {{"handler = 42\n", "a number"}, {"x = 1\nhandler = 'hi'\n", "a string"},
                {"handler: list = [1]\n", "a list"}, {"handler = {'a': 1}\n", "a dict"}, {"handler = None\n", "None"},
                {"def handler(event):\n    return 1\n\nhandler = 42\n", "a number"}}) {
            String message = failing(c[0]).getMessage();
            int line = c[0].split("\n").length;
            assertTrue(message.contains("function.py:" + line + ": handler is " + c[1] + " (line " + line + ")"),
                    c[0] + " -> " + message);
            assertTrue(message.contains("def handler(event):"), message);
        }
    }

    @Test
    void aHandlerBoundToSomethingCallableIsFine() throws Exception {
        for (String source : List.of("handler = lambda event: event\n", "import json\nhandler = json.dumps\n",
                "class Handler:\n    def __call__(self, event):\n        return event\n\nhandler = Handler()\n",
                "handler = 42\n\ndef handler(event):\n    return event\n")) {
            Files.writeString(src.resolve("function.py"), source);
            assertDoesNotThrow(() -> FunctionChecker.check(python, src, GRAMMAR), source);
        }
    }

    @Test
    void optionalKeywordOnlyParametersAndStarArgsAreFine() throws Exception {
        for (String def : List.of("def handler(event, *, flag=False):", "def handler(*args):",
                "def handler(event, **kwargs):", "def handler(event, *rest, flag=None, **kw):")) {
            Files.writeString(src.resolve("function.py"), def + "\n    return event\n");
            assertDoesNotThrow(() -> FunctionChecker.check(python, src, GRAMMAR), def);
        }
    }

    @Test
    void aCheckerThatHangsWithItsStdoutOpenTimesOut() throws Exception {
        Files.writeString(src.resolve("function.py"), "def handler(event):\n    return event\n");
        Path hanging = Files.writeString(src.resolve("hanging-python"), "#!/bin/sh\necho '{'\nsleep 30\n");
        Files.setPosixFilePermissions(hanging, PosixFilePermissions.fromString("rwxr-xr-x"));
        FunctionException e = assertThrows(FunctionException.class,
                () -> FunctionChecker.check(hanging, src, GRAMMAR, Optional.empty(),
                        Duration.ofSeconds(1)));
        assertTrue(e.getMessage().contains("took over 1 s"), e.getMessage());
    }

    /** What ast.parse(feature_version=(3, 7)) lets through although CPython 3.7 refuses it. */
    private static final Map<String, String> NEWER_THAN_37 = Map.of(
            "import functools\nd = [functools.lru_cache]\n@d[0]\ndef handler(event):\n    return event\n",
            ":3:2: this decorator needs Python 3.9+ (PEP 614",
            "def handler(event):\n    a = b = [1]\n    return *a, *b\n",
            ":3:12: unparenthesised starred expression after `return` needs Python 3.8+",
            "def handler(event):\n    return list(gen(event))\n\ndef gen(a):\n    yield *a, *a\n",
            ":5:11: unparenthesised starred expression after `yield` needs Python 3.8+",
            "def handler(event):\n    for x in event:\n        try:\n            pass\n        finally:\n"
                    + "            continue\n",
            ":6:13: `continue` inside `finally` needs Python 3.8+",
            "def handler(event):\n    return event[*event]\n",
            ":2:18: a starred expression in a subscript needs Python 3.11+");

    @Test
    void withoutAGuestPythonNewerGrammarThatAstLetsThroughIsRefused() throws Exception {
        for (Map.Entry<String, String> c : NEWER_THAN_37.entrySet()) {
            String message = failing(c.getKey()).getMessage();
            assertTrue(message.contains(src.resolve("function.py") + c.getValue()), message);
        }
    }

    @Test
    void their37FormsPassTheAstChecks() throws Exception {
        Files.writeString(src.resolve("function.py"), "import functools\n@functools.lru_cache(None)\n"
                + "def handler(event):\n    for x in event:\n        try:\n            return (*event, *event)\n"
                + "        finally:\n            for y in x:\n                continue\n"
                + "    yield (*event,)\n    return event[(*event,)], event[1, 2]\n");
        assertDoesNotThrow(() -> FunctionChecker.check(python, src, GRAMMAR));
    }

    @Test
    void aGuestPythonCompilesEveryModule() throws Exception {
        Optional<Path> guest = GuestPython.find("", "3.7", System.getenv("PATH"), Path.of(System.getProperty(
                "user.home")));
        Assumptions.assumeTrue(guest.isPresent(), "no CPython 3.7 on this host");
        for (Map.Entry<String, String> c : NEWER_THAN_37.entrySet()) {
            Files.writeString(src.resolve("function.py"), c.getKey());
            FunctionException e = assertThrows(FunctionException.class,
                    () -> FunctionChecker.check(python, src, GRAMMAR, guest));
            String line = c.getValue().substring(0, c.getValue().indexOf(':', 1) + 1);
            assertTrue(e.getMessage().contains("compiled with " + guest.get()), e.getMessage());
            assertTrue(e.getMessage().contains(src.resolve("function.py") + line), e.getMessage());
            assertFalse(e.getMessage().contains("needs Python"), "CPython's own message: " + e.getMessage());
        }
        Files.writeString(src.resolve("function.py"), "def handler(event):\n    return (*event,)\n");
        assertDoesNotThrow(() -> FunctionChecker.check(python, src, GRAMMAR, guest));
    }
}
