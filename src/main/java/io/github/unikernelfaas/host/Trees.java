package io.github.unikernelfaas.host;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;

/** Directory trees on the build host. */
public final class Trees {
    private Trees() {
    }

    /**
     * Deletes a directory and everything below it without following links (a link is deleted, not its target);
     * nothing happens if it does not exist.
     */
    public static void delete(Path dir) throws IOException {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /**
     * Copies the tree {@code from} to {@code to} as it is: files with their permissions, directories, and symbolic
     * links as links (never their targets). {@code to} must not exist yet.
     */
    public static void mirror(Path from, Path to) throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Files.createDirectories(to.resolve(from.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Path target = to.resolve(from.relativize(file).toString());
                if (attrs.isSymbolicLink()) {
                    Files.createSymbolicLink(target, Files.readSymbolicLink(file));
                } else if (attrs.isRegularFile()) {
                    Files.copy(file, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /**
     * Copies the regular files below {@code from} into {@code to}, leaving out every path (file or
     * directory, with what is below it) that {@code skip} accepts.
     *
     * @return the copied files, relative to {@code from}, sorted
     */
    public static List<String> copy(Path from, Path to, Predicate<Path> skip) throws IOException {
        List<String> copied = new ArrayList<>();
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                if (!dir.equals(from) && skip.test(dir)) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                Files.createDirectories(to.resolve(from.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (attrs.isRegularFile() && !skip.test(file)) {
                    String rel = from.relativize(file).toString();
                    Files.copy(file, to.resolve(rel), StandardCopyOption.REPLACE_EXISTING);
                    copied.add(rel);
                }
                return FileVisitResult.CONTINUE;
            }
        });
        copied.sort(Comparator.naturalOrder());
        return copied;
    }
}
