package io.github.unikernelfaas.kernel;

import com.github.difflib.patch.AbstractDelta;
import com.github.difflib.patch.Chunk;
import com.github.difflib.patch.Patch;
import com.github.difflib.patch.PatchFailedException;
import com.github.difflib.unifieddiff.UnifiedDiff;
import com.github.difflib.unifieddiff.UnifiedDiffFile;
import com.github.difflib.unifieddiff.UnifiedDiffReader;
import io.github.unikernelfaas.source.SourcePatch;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Applies one unified diff (git's -p1 layout, {@code a/} and {@code b/} prefixes, several files allowed) to a
 * tree with java-diff-utils. Strict: every hunk must match the file exactly where its header says (no offset,
 * no fuzz), since a patch for our pinned sources that needs either was written for other sources. All files
 * are checked before any is written.
 */
final class PatchApplier {
    private static final Pattern HUNK_HEADER = Pattern.compile("^@@ -\\d+(,\\d+)? \\+\\d+(,\\d+)? @@",
            Pattern.MULTILINE);
    private static final String DEV_NULL = "/dev/null";

    private final SourcePatch patch;
    private final String sourceId;
    private final Path root;

    private PatchApplier(SourcePatch patch, String sourceId, Path root) {
        this.patch = patch;
        this.sourceId = sourceId;
        this.root = root;
    }

    /**
     * Applies {@code patch} to the tree {@code root} of source {@code sourceId}.
     *
     * @return the files it changed, created or deleted, relative to the tree, in patch order
     */
    static List<String> apply(SourcePatch patch, String sourceId, Path root) throws IOException {
        return new PatchApplier(patch, sourceId, root).apply();
    }

    /** One file's content while the patch is applied: lines without their '\n'; null once deleted. */
    private static final class Text {
        List<String> lines;
        boolean finalNewline = true;
        boolean existed;
    }

    private List<String> apply() throws IOException {
        UnifiedDiff diff = parse();
        Map<String, Text> files = new LinkedHashMap<>();
        for (UnifiedDiffFile f : diff.getFiles()) {
            checkSupported(f);
            boolean create = DEV_NULL.equals(f.getFromFile());
            boolean delete = DEV_NULL.equals(f.getToFile());
            if (!create && !delete && !f.getFromFile().equals(f.getToFile())) {
                throw fail(f.getFromFile(), "renames " + f.getFromFile() + " to " + f.getToFile()
                        + ", which is not supported: a patch may only change, create or delete files");
            }
            String rel = create ? f.getToFile() : f.getFromFile();
            Path file = inside(rel);
            Text text = files.computeIfAbsent(rel, r -> new Text());
            if (text.lines == null && !text.existed) {
                load(rel, file, text);
            }
            if (create != (text.lines == null)) {
                throw fail(rel, create ? "creates " + rel + ", which the tree already has"
                        : "changes " + rel + ", which the tree does not have");
            }
            List<String> before = text.lines == null ? new ArrayList<>() : text.lines;
            List<String> after = applyHunks(rel, f.getPatch(), before);
            if (delete && !after.isEmpty()) {
                throw fail(rel, "deletes " + rel + " but its hunks leave " + after.size() + " lines in it");
            }
            text.lines = delete ? null : after;
        }
        List<String> changed = new ArrayList<>(files.keySet());
        for (Map.Entry<String, Text> e : files.entrySet()) {
            write(root.resolve(e.getKey()), e.getValue());
        }
        return changed;
    }

    private UnifiedDiff parse() {
        // One char per byte: lines compare and write back byte for byte, whatever the files' encoding.
        String text = new String(patch.content(), StandardCharsets.ISO_8859_1);
        // The library decodes with the JVM's default charset; hand it bytes that decode to the same chars.
        Charset cs = Charset.defaultCharset();
        byte[] forReader = text.getBytes(cs);
        if (!new String(forReader, cs).equals(text)) {
            throw new KernelBuildException(about() + " has bytes outside ASCII, which this JVM's default charset "
                    + cs + " cannot carry: run Maven with a UTF-8 locale (e.g. LC_ALL=C.UTF-8)");
        }
        UnifiedDiff diff;
        try {
            diff = UnifiedDiffReader.parseUnifiedDiff(new ByteArrayInputStream(forReader));
        } catch (IOException | RuntimeException e) { // the reader's parse errors are RuntimeExceptions
            throw new KernelBuildException(about() + " is not a unified diff: " + e.getMessage());
        }
        int headers = (int) HUNK_HEADER.matcher(text).results().count();
        int hunks = diff.getFiles().stream().mapToInt(f -> f.getPatch().getDeltas().size()).sum();
        if (diff.getFiles().isEmpty() || hunks == 0) {
            throw new KernelBuildException(about() + " holds no hunks: it must be a unified diff with a/ and b/"
                    + " paths (git diff, git format-patch, diff -u)");
        }
        if (headers != hunks) {
            // The reader silently drops a hunk whose line counts are not met (a truncated or hand-edited diff).
            throw new KernelBuildException(about() + " is damaged: " + headers + " hunk headers but " + hunks
                    + " complete hunks (are the @@ line counts right?)");
        }
        return diff;
    }

    private void checkSupported(UnifiedDiffFile f) {
        String what = f.getFromFile() == null ? f.getToFile() : f.getFromFile();
        if (f.getFromFile() == null || f.getToFile() == null) {
            throw fail(what, "has a file section without both --- and +++ lines");
        }
        if (f.isNoNewLineAtTheEndOfTheFile()) {
            throw fail(what, "has a '\\ No newline at end of file' marker, which is not supported: let the change"
                    + " keep the file's last line ending in a newline");
        }
        if (f.getRenameFrom() != null || f.getCopyFrom() != null || f.getBinaryAdded() != null
                || f.getBinaryDeleted() != null || f.getBinaryEdited() != null || f.getOldMode() != null) {
            throw fail(what, "renames, copies, changes the mode of or binary-patches " + what + ": only text"
                    + " changes are supported");
        }
    }

    /** The file {@code rel} names in the tree; refuses anything that would leave it. */
    private Path inside(String rel) throws IOException {
        List<String> parts = Arrays.asList(rel.split("/"));
        if (rel.isEmpty() || rel.startsWith("/") || parts.contains("..") || parts.contains("")) {
            throw fail(rel, "names the path '" + rel + "', which is not a path inside the tree");
        }
        Path file = root.resolve(rel);
        // A link in the copy must not lead a write out of it.
        Path realRoot = root.toRealPath();
        for (Path p = file.getParent(); p != null && p.startsWith(root); p = p.getParent()) {
            if (Files.exists(p) && !p.toRealPath().startsWith(realRoot)) {
                throw fail(rel, "reaches " + rel + " through a link that leaves the tree");
            }
        }
        if (Files.isSymbolicLink(file)) {
            throw fail(rel, "changes " + rel + ", which is a symbolic link");
        }
        return file;
    }

    private static void load(String rel, Path file, Text text) throws IOException {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            text.lines = null;
            return;
        }
        text.existed = true;
        String content = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
        text.finalNewline = content.isEmpty() || content.endsWith("\n");
        List<String> lines = new ArrayList<>(Arrays.asList(content.split("\n", -1)));
        lines.remove(lines.size() - 1); // after the last '\n', or the whole file when empty
        if (!text.finalNewline) {
            lines.add(content.substring(content.lastIndexOf('\n') + 1));
        }
        text.lines = lines;
    }

    private List<String> applyHunks(String rel, Patch<String> diff, List<String> lines) {
        int end = 0;
        for (AbstractDelta<String> d : diff.getDeltas()) {
            Chunk<String> expected = d.getSource();
            int at = expected.getPosition();
            if (at < end) {
                throw fail(rel, "has overlapping hunks in " + rel + " at line " + (at + 1));
            }
            List<String> want = expected.getLines();
            if (want.isEmpty() && !lines.isEmpty()) {
                // The reader places a hunk without old lines one line early ("-5,0" means after line 5).
                throw fail(rel, "has a hunk without context lines in " + rel + " (line " + (at + 1) + "), which"
                        + " cannot be placed safely: make the patch with context (git diff, diff -u)");
            }
            if (at + want.size() > lines.size()) {
                throw fail(rel, "expects " + rel + " to have at least " + (at + want.size()) + " lines; it has "
                        + lines.size());
            }
            for (int i = 0; i < want.size(); i++) {
                if (!want.get(i).equals(lines.get(at + i))) {
                    throw fail(rel, "does not match " + rel + " at line " + (at + i + 1) + " (hunk at line "
                            + (at + 1) + "): the patch expects \"" + want.get(i).strip() + "\", the file has \""
                            + lines.get(at + i).strip() + "\"");
                }
            }
            end = at + want.size();
        }
        try {
            return diff.applyTo(lines);
        } catch (PatchFailedException e) {
            throw fail(rel, "does not apply to " + rel + ": " + e.getMessage());
        }
    }

    private static void write(Path file, Text text) throws IOException {
        if (text.lines == null) {
            Files.deleteIfExists(file);
            return;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < text.lines.size(); i++) {
            sb.append(text.lines.get(i));
            if (i < text.lines.size() - 1 || text.finalNewline) {
                sb.append('\n');
            }
        }
        Files.createDirectories(file.getParent());
        Files.write(file, sb.toString().getBytes(StandardCharsets.ISO_8859_1));
    }

    private KernelBuildException fail(String file, String problem) {
        return new KernelBuildException("Patch " + patch.name() + " (" + patch.location() + ") does not apply to "
                + sourceId + " (file " + file + "): it " + problem + ". A pinned patch fits only the pinned"
                + " version: if you override " + sourceId + ", give the override the patches that fit it (POM"
                + " <patches/> or \"patches\": [] for none).");
    }

    private String about() {
        return "Patch " + patch.name() + " (" + patch.location() + ") for " + sourceId;
    }
}
