package io.github.unikernelfaas.rootfs;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.unikernelfaas.flavour.TestFlavours;
import io.github.unikernelfaas.host.HostTool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
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
        assertTrue(failing("async def handler(event):\n    return 1\n").getMessage().contains("async def"));
        assertTrue(failing("def handler():\n    return 1\n").getMessage().contains("takes no arguments"));
        assertTrue(failing("def handler(a, b, c):\n    return 1\n").getMessage().contains("3 required arguments"));
        String kwOnly = failing("def handler(event, *, flag):\n    return 1\n").getMessage();
        assertTrue(kwOnly.contains("required keyword-only parameter flag;"), kwOnly);
        assertTrue(kwOnly.contains("handler(event) or handler(event, context)"), kwOnly);
        assertTrue(failing("def handler(*args, a, b=1, **kw):\n    return 1\n").getMessage()
                .contains("keyword-only parameter a;"), "also after *args");
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
                () -> FunctionChecker.check(hanging, src, GRAMMAR, Duration.ofSeconds(1)));
        assertTrue(e.getMessage().contains("took over 1 s"), e.getMessage());
    }
}
