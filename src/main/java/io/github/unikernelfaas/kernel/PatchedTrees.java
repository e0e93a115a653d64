package io.github.unikernelfaas.kernel;

import io.github.unikernelfaas.host.Trees;
import io.github.unikernelfaas.source.SourcePatch;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Patched private copies of the source trees that have patches. The cached trees are shared by every build on
 * the machine and stay exactly as verified; make is pointed at the copies instead.
 */
final class PatchedTrees {
    /** The copies by original tree, and every applied patch's name in order. */
    record Prepared(Map<Path, Path> copies, List<String> names) {
        Path forTree(Path tree) {
            return copies.getOrDefault(tree, tree);
        }
    }

    private PatchedTrees() {
    }

    /**
     * Copies each patched tree to {@code <srcDir>/<source id>/<tree's folder name>} (the name is kept, in case a
     * make rule looks at it) and applies its patches in order, recording each in {@code buildLog}.
     */
    static Prepared prepare(List<KernelSources.TreePatches> trees, Path srcDir, Path buildLog,
            Consumer<String> log) throws IOException {
        Map<Path, Path> copies = new LinkedHashMap<>();
        List<String> names = new ArrayList<>();
        for (KernelSources.TreePatches t : trees) {
            if (t.patches().isEmpty()) {
                continue;
            }
            Path copy = srcDir.resolve(t.sourceId()).resolve(t.tree().getFileName().toString());
            Trees.mirror(t.tree(), copy);
            for (SourcePatch p : t.patches()) {
                List<String> files = PatchApplier.apply(p, t.sourceId(), copy);
                String line = "Applied patch " + p.name() + " to " + t.sourceId() + " (" + files.size() + " file"
                        + (files.size() == 1 ? "" : "s") + ": " + String.join(", ", files) + ")";
                Files.writeString(buildLog, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
                log.accept(line);
                names.add(p.name());
            }
            copies.put(t.tree(), copy);
        }
        return new Prepared(copies, names);
    }
}
