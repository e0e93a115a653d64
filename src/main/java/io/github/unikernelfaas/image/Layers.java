package io.github.unikernelfaas.image;

import io.github.unikernelfaas.guest.GuestContract;
import io.github.unikernelfaas.host.Trees;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.FileEntry;
import com.google.cloud.tools.jib.api.buildplan.FilePermissions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The image's layers, least to most often changed: kernel, standard library, dependencies, app.
 * Changing only function.py changes only the last one. With the initrd root: kernel and initrd.
 */
public final class Layers {
    public static final String KERNEL_PATH = "/unikraft/bin/kernel";
    /** kraftkit's well-known path for the initrd. */
    public static final String INITRD_PATH = "/unikraft/bin/initrd";
    public static final String FS0_PATH = "/unikraft/fs0";
    /** jib's default for reproducible layers: one second after the epoch. */
    static final Instant MTIME = Instant.ofEpochSecond(1);

    private Layers() {
    }

    public static List<FileEntriesLayer> of(ImageSpec spec) {
        return of(spec, null);
    }

    /** @param uruncJson the file to put at {@value UruncConfig#FILE_PATH} (initrd root only), or null */
    static List<FileEntriesLayer> of(ImageSpec spec, Path uruncJson) {
        List<FileEntriesLayer> layers = new ArrayList<>();
        layers.add(FileEntriesLayer.builder().setName("kernel")
                .addEntry(new FileEntry(spec.kernel(), AbsoluteUnixPath.get(KERNEL_PATH), FilePermissions.fromOctalString(
                        "644"), MTIME))
                .build());
        if (spec.initrd() != null) {
            // The initrd holds all of fs0: layering it again would double the image.
            layers.add(FileEntriesLayer.builder().setName("initrd")
                    .addEntry(new FileEntry(spec.initrd(), AbsoluteUnixPath.get(INITRD_PATH),
                            FilePermissions.fromOctalString("644"), MTIME))
                    .build());
            if (uruncJson != null) {
                // Last and on its own: a few hundred bytes that change with the command line only.
                layers.add(FileEntriesLayer.builder().setName("urunc")
                        .addEntry(new FileEntry(uruncJson, AbsoluteUnixPath.get(UruncConfig.FILE_PATH),
                                FilePermissions.fromOctalString("644"), MTIME))
                        .build());
            }
            return layers;
        }
        Path fs0 = spec.fs0();
        // The split follows the flavour's Python lib dir: where Fs0Layout put the app and site-packages.
        String app = spec.pythonLib() + "/" + GuestContract.APP_DIR;
        String site = spec.pythonLib() + "/" + GuestContract.SITE_PACKAGES_DIR;
        Set<String> roots = Set.of(app, site);
        layers.add(fs0Layer("stdlib", fs0, roots, rel -> !under(rel, app) && !under(rel, site) && !isAppDir(rel)));
        layers.add(fs0Layer("dependencies", fs0, roots, rel -> under(rel, site)));
        layers.add(fs0Layer("app", fs0, roots, rel -> under(rel, app) || isAppDir(rel)));
        return layers;
    }

    /** dev/ and tmp/ are empty mount points that belong with the app: they exist in every fs0. */
    private static boolean isAppDir(String rel) {
        return rel.equals(GuestContract.DEV_DIR) || rel.equals(GuestContract.TMP_DIR);
    }

    private static boolean under(String rel, String dir) {
        return rel.equals(dir) || rel.startsWith(dir + "/");
    }

    /** @param layerRoots directories kept as entries even when not empty (the app and site-packages) */
    private static FileEntriesLayer fs0Layer(String name, Path fs0, Set<String> layerRoots, Predicate<String> include) {
        FileEntriesLayer.Builder b = FileEntriesLayer.builder().setName(name);
        try (Stream<Path> walk = Files.walk(fs0)) {
            for (Path p : walk.sorted().toList()) {
                String rel = fs0.relativize(p).toString().replace('\\', '/');
                if (rel.isEmpty() || !include.test(rel)) {
                    continue;
                }
                boolean dir = Files.isDirectory(p);
                // Directories only where they are needed empty or as a layer's own root.
                if (dir && !isEmptyDir(p) && !layerRoots.contains(rel)) {
                    continue;
                }
                b.addEntry(new FileEntry(p, AbsoluteUnixPath.get(FS0_PATH + "/" + rel),
                        FilePermissions.fromOctalString(dir ? "755" : "644"), MTIME));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read fs0 " + fs0, e);
        }
        return b.build();
    }

    private static boolean isEmptyDir(Path p) throws IOException {
        try (Stream<Path> s = Files.list(p)) {
            return s.findAny().isEmpty();
        }
    }

}
