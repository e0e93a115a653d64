package io.github.unikernelfaas.source;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class PathFilterTest {
    private final PathFilter filter = PathFilter.drop(List.of("usr/share/doc", "usr/share/man", "**/__pycache__",
            "usr/lib/python3.11/test", "usr/lib/python3.11/idlelib", "usr/lib/python3.11/tkinter", "**/*.whl"));

    @Test
    void aMatchedDirectoryDropsEverythingBelowIt() {
        assertTrue(filter.drops("usr/share/doc"));
        assertTrue(filter.drops("usr/share/doc/python3.11/copyright"));
        assertTrue(filter.drops("usr/share/man/man1/python3.11.1.gz"));
        assertTrue(filter.drops("usr/lib/python3.11/test/test_os.py"));
        assertTrue(filter.drops("usr/lib/python3.11/idlelib/idle.py"));
    }

    @Test
    void doubleStarSpansAnyNumberOfSegmentsIncludingNone() {
        assertTrue(filter.drops("__pycache__/x.pyc"));
        assertTrue(filter.drops("usr/lib/python3.11/__pycache__/os.cpython-311.pyc"));
        assertTrue(filter.drops("usr/lib/python3.11/encodings/__pycache__/utf_8.cpython-311.pyc"));
        assertTrue(filter.drops("usr/share/python-wheels/pip-23.0.1-py3-none-any.whl"));
    }

    @Test
    void keepsWhatNoPatternMatchesAndMatchesWholeSegmentsOnly() {
        assertFalse(filter.drops("usr/lib/python3.11/os.py"));
        assertFalse(filter.drops("usr/share/docs/x"), "doc is not a prefix of docs");
        assertFalse(filter.drops("usr/lib/python3.11/test_support.py"));
        assertFalse(filter.drops("usr/lib/python3.11/unittest/case.py"));
        assertFalse(filter.drops("usr/lib/python3.11/tkinterx/a.py"));
        assertFalse(PathFilter.NONE.drops("usr/share/doc/x"));
    }

    @Test
    void singleStarAndQuestionMarkStayInOneSegment() {
        PathFilter f = PathFilter.drop(List.of("usr/*/x", "lib?"));
        assertTrue(f.drops("usr/bin/x"));
        assertFalse(f.drops("usr/a/b/x"));
        assertTrue(f.drops("lib6/y"));
        assertFalse(f.drops("lib64/y"));
    }

    @Test
    void refusesPatternsThatCouldNeverMatch() {
        for (String bad : List.of("/usr/share/doc", "usr/share/doc/", "../etc", "a/../b", " ")) {
            SourceException e = assertThrows(SourceException.class, () -> PathFilter.drop(List.of(bad)), bad);
            assertTrue(e.getMessage().contains("Invalid drop pattern '" + bad + "'"), e.getMessage());
        }
    }
}
