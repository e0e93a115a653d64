package io.github.unikernelfaas.rootfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.unikernelfaas.host.HostToolException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding a CPython of the guest's version, against fake programs that print a version. */
class GuestPythonTest {
    @TempDir
    Path dir;

    private Path fake(String path, String script) throws Exception {
        Path p = dir.resolve(path);
        Files.createDirectories(p.getParent());
        Files.writeString(p, "#!/bin/sh\n" + script + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    @Test
    void takesTheOneOnPath() throws Exception {
        Path onPath = fake("bin/python3.7", "echo 3.7");
        assertEquals(Optional.of(onPath), GuestPython.find(null, "3.7", dir.resolve("bin").toString(), dir));
    }

    @Test
    void skipsAShimThatDoesNotRunAndFallsBackToPyenvNewestFirst() throws Exception {
        fake("bin/python3.7", "echo 'pyenv: python3.7: command not found' >&2; exit 127");
        fake(".pyenv/versions/3.7.9/bin/python3.7", "echo 3.7");
        Path newest = fake(".pyenv/versions/3.7.16/bin/python3.7", "echo 3.7");
        fake(".pyenv/versions/3.8.18/bin/python3.8", "echo 3.8");
        assertEquals(Optional.of(newest), GuestPython.find("", "3.7", dir.resolve("bin").toString(), dir));
    }

    @Test
    void noneDoesNotLookAndNothingFoundIsEmpty() throws Exception {
        fake("bin/python3.7", "echo 3.7");
        assertTrue(GuestPython.find("none", "3.7", dir.resolve("bin").toString(), dir).isEmpty());
        assertTrue(GuestPython.find(null, "3.7", dir.resolve("empty").toString(), dir.resolve("nohome")).isEmpty());
    }

    @Test
    void aConfiguredPythonOfAnotherVersionIsRefused() throws Exception {
        Path py = fake("bin/python3", "echo 3.11");
        HostToolException e = assertThrows(HostToolException.class,
                () -> GuestPython.find(py.toString(), "3.7", "", dir));
        assertTrue(e.getMessage().contains("(unikernel.guestPython) is Python 3.11, the guest's is 3.7"),
                e.getMessage());
    }
}
