package io.github.unikernelfaas.kernel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * What a prebuilt kernel image is, as far as fs0 cares: a Linux kernel boots a userland that brings its own
 * Python (our CI test kernel runs the host's), anything else is taken for a Unikraft kernel. Reads a few
 * KiB of the file and at most ~1 MiB more, so a 66 MB vmlinux costs milliseconds.
 */
public enum KernelKind {
    LINUX_BZIMAGE("a Linux bzImage"),
    LINUX_ELF("a Linux ELF kernel (vmlinux)"),
    OTHER("not a Linux kernel");

    /** The x86 boot protocol's magic: "HdrS" at 0x202 of every bzImage. */
    static final int BZIMAGE_MAGIC_OFFSET = 0x202;
    private static final byte[] BZIMAGE_MAGIC = {'H', 'd', 'r', 'S'};
    private static final int HEAD = 4096;

    private final String description;

    KernelKind(String description) {
        this.description = description;
    }

    /** For log lines, e.g. "a Linux bzImage". */
    public String description() {
        return description;
    }

    public boolean linux() {
        return this != OTHER;
    }

    /** Reads the start of {@code kernel} (and, for an ELF file, a few bounded pieces) to tell its kind. */
    public static KernelKind detect(Path kernel) throws IOException {
        try (FileChannel ch = FileChannel.open(kernel, StandardOpenOption.READ)) {
            ByteBuffer head = ElfProbe.read(ch, 0, HEAD, HEAD);
            if (holds(head, BZIMAGE_MAGIC_OFFSET, BZIMAGE_MAGIC)) {
                return LINUX_BZIMAGE;
            }
            if (ElfProbe.isElf(head) && ElfProbe.isLinux(ch, head)) {
                return LINUX_ELF;
            }
            return OTHER;
        }
    }

    private static boolean holds(ByteBuffer b, int at, byte[] magic) {
        if (b.limit() < at + magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if (b.get(at + i) != magic[i]) {
                return false;
            }
        }
        return true;
    }
}
