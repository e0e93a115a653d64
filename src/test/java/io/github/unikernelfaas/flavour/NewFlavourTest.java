package io.github.unikernelfaas.flavour;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.FileEntry;
import io.github.unikernelfaas.image.ImageSpec;
import io.github.unikernelfaas.image.Layers;
import io.github.unikernelfaas.kernel.KernelConfig;
import io.github.unikernelfaas.rootfs.Fs0Assembler;
import io.github.unikernelfaas.rootfs.Fs0Layout;
import io.github.unikernelfaas.source.Source;
import io.github.unikernelfaas.source.SourceManifest;
import io.github.unikernelfaas.source.SourcePatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A new flavour is one resource directory: the test flavour (src/test/resources/.../flavours/test-flavour, a
 * Python 3.10 lib dir) drives fs0, the image layers, the kconfig, the app files and the sources manifest.
 */
class NewFlavourTest {
    private static final Flavour TEST = TestFlavours.TEST;

    @TempDir
    Path dir;

    @Test
    void fs0PutsTheAppUnderTheFlavoursPythonLib() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.writeString(src.resolve("function.py"), "def handler(e):\n    return e\n");
        Fs0Layout fs0 = new Fs0Layout(dir.resolve("fs0"), TEST.pythonLib());
        Fs0Assembler.assemble(src, fs0);
        assertTrue(Files.isRegularFile(dir.resolve("fs0/lib/python3.10/app/function.py")));
        assertTrue(Files.isRegularFile(dir.resolve("fs0/lib/python3.10/app/wrapper.py")));
        assertTrue(Files.isDirectory(dir.resolve("fs0/lib/python3.10/site-packages")));
        assertFalse(Files.exists(dir.resolve("fs0/lib/python3.7")));
    }

    @Test
    void layersSplitFs0ByTheFlavoursPythonLib() throws Exception {
        Path fs0 = dir.resolve("fs0");
        for (String f : List.of("lib/python3.10/os.py", "lib/python3.10/app/function.py",
                "lib/python3.10/site-packages/colors/__init__.py")) {
            Files.createDirectories(fs0.resolve(f).getParent());
            Files.writeString(fs0.resolve(f), "# " + f + "\n");
        }
        Path kernel = Files.writeString(dir.resolve("kernel"), "k");
        Map<String, List<String>> test = paths(Layers.of(ImageSpec.of(kernel, fs0, TEST.pythonLib(), "fn:1", "v")));
        assertEquals(List.of("/unikraft/fs0/lib/python3.10/os.py"), test.get("stdlib"));
        assertEquals(List.of("/unikraft/fs0/lib/python3.10/site-packages",
                "/unikraft/fs0/lib/python3.10/site-packages/colors/__init__.py"), test.get("dependencies"));
        assertEquals(List.of("/unikraft/fs0/lib/python3.10/app", "/unikraft/fs0/lib/python3.10/app/function.py"),
                test.get("app"));
        // The same fs0 split by the shipped flavour's lib dir: nothing is app or dependency any more.
        Map<String, List<String>> other = paths(Layers.of(ImageSpec.of(kernel, fs0,
                TestFlavours.DEFAULT.pythonLib(), "fn:1", "v")));
        assertEquals(List.of(), other.get("app"));
        assertEquals(3, other.get("stdlib").size(), other.toString());
    }

    @Test
    void theKconfigAndAppFilesAreTheFlavours() {
        assertEquals("CONFIG_TEST_FLAVOUR=y\n# CONFIG_LIBPYTHON3 is not set\n",
                KernelConfig.withExtras(Flavours.kernelConfig(TEST), List.of()).render());
        assertEquals(Map.of("Makefile.uk", "# test flavour Makefile.uk\n", "Config.uk", "# test flavour Config.uk\n"),
                Flavours.appFiles(TEST));
        assertEquals(List.of("Makefile.uk", "Config.uk"), List.copyOf(Flavours.appFiles(TEST).keySet()));
    }

    @Test
    void theSourcesAndPatchesAreTheFlavours() {
        SourceManifest m = SourceManifest.load(Flavours.dir(TEST.name()));
        assertEquals(List.of("core", "lib-py", "cpython"), m.sources().stream().map(Source::id).toList());
        assertEquals(List.of("core/0001-test.patch"), m.get("core").patches().stream().map(SourcePatch::name).toList());
        assertEquals(List.of("lib-py", "cpython"), m.select(TEST.stdlibSources()).stream().map(Source::id).toList());
        assertEquals(TEST.pythonMakeLib(), m.get("cpython").lib());
    }

    private static Map<String, List<String>> paths(List<FileEntriesLayer> layers) {
        Map<String, List<String>> byName = new java.util.LinkedHashMap<>();
        for (FileEntriesLayer l : layers) {
            byName.put(l.getName(), l.getEntries().stream().map(FileEntry::getExtractionPath).map(Object::toString)
                    .toList());
        }
        return byName;
    }
}
