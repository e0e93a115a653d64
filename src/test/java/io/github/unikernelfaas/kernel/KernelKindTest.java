package io.github.unikernelfaas.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelKindTest {
    private static final String BANNER = "Linux version 6.1.0-57-amd64 (debian-kernel@lists.debian.org) #1 SMP\n\0";

    @TempDir
    Path dir;

    private KernelKind kindOf(byte[] bytes) throws Exception {
        Path f = Files.write(dir.resolve("kernel-" + System.nanoTime()), bytes);
        return KernelKind.detect(f);
    }

    private static byte[] withAt(int size, int at, String text) {
        byte[] b = new byte[size];
        byte[] t = text.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(t, 0, b, at, t.length);
        return b;
    }

    @Test
    void bzImageIsRecognisedByTheBootProtocolMagic() throws Exception {
        byte[] bz = withAt(2048, 0x202, "HdrS");
        bz[0] = 'M';
        bz[1] = 'Z';
        assertEquals(KernelKind.LINUX_BZIMAGE, kindOf(bz));
        assertEquals(KernelKind.OTHER, kindOf(withAt(2048, 0x200, "HdrS")), "the magic only counts at 0x202");
    }

    @Test
    void vmlinuxIsRecognisedByTheBannerInRodata() throws Exception {
        byte[] elf = TinyElf.elf64().section(".text", "\u0090\u0090\u00c3").section(".rodata", "\0\0" + BANNER)
                .bytes();
        assertEquals(KernelKind.LINUX_ELF, kindOf(elf));
        assertEquals(KernelKind.LINUX_ELF, kindOf(TinyElf.elf32().section(".rodata", BANNER).bytes()), "32-bit ELF");
    }

    @Test
    void vmlinuxIsRecognisedByItsLinuxNote() throws Exception {
        byte[] elf = TinyElf.elf64().note("Xen", 6, "linux").note("GNU", 3, "build-id-bytes")
                .note("Linux", 0x100, "6.1.0-57-amd64").section(".rodata", "no banner here").bytes();
        assertEquals(KernelKind.LINUX_ELF, kindOf(elf));
        assertEquals(KernelKind.LINUX_ELF, kindOf(TinyElf.elf32().note("Linux", 0x100, "salt").bytes()), "32-bit");
    }

    @Test
    void unikraftLikeElfIsOther() throws Exception {
        // What a Unikraft kernel looks like to the probe: ELF (32-bit after its multiboot objcopy), no Linux
        // note (a note merely mentioning Linux in its description does not count), no banner.
        byte[] elf = TinyElf.elf32().note("Xen", 6, "Linux").note("Linuxish", 1, "x")
                .section(".rodata", "Unikraft Tethys 0.13.1~85b83a74\0Linux\0version\0")
                .section(".data", "x").bytes();
        assertEquals(KernelKind.OTHER, kindOf(elf));
        assertEquals(KernelKind.OTHER, kindOf(TinyElf.elf64().section(".rodata", "Python 3.7.4\0").bytes()));
    }

    @Test
    void onlyTheStartOfRodataIsRead() throws Exception {
        // Bounded: a banner past the searched part of .rodata, or in another section, is not looked for.
        byte[] rodata = new byte[ElfProbe.RODATA_LIMIT + 4096];
        byte[] banner = BANNER.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(banner, 0, rodata, ElfProbe.RODATA_LIMIT + 100, banner.length);
        assertEquals(KernelKind.OTHER, kindOf(TinyElf.elf64().section(".rodata", rodata).bytes()));
        assertEquals(KernelKind.OTHER, kindOf(TinyElf.elf64().section(".data", BANNER).bytes()));
        // ...while the same banner just inside the limit is found.
        Arrays.fill(rodata, (byte) 0);
        System.arraycopy(banner, 0, rodata, ElfProbe.RODATA_LIMIT - banner.length, banner.length);
        assertEquals(KernelKind.LINUX_ELF, kindOf(TinyElf.elf64().section(".rodata", rodata).bytes()));
    }

    @Test
    void tinyTextAndDamagedFilesAreOtherWithoutFailing() throws Exception {
        assertEquals(KernelKind.OTHER, kindOf(new byte[0]));
        assertEquals(KernelKind.OTHER, kindOf("\u007fELF".getBytes(StandardCharsets.ISO_8859_1)));
        assertEquals(KernelKind.OTHER, kindOf("#!/bin/sh\necho not a kernel\n".getBytes(StandardCharsets.US_ASCII)));
        // Header tables pointing past the end of the file, absurd counts, a section-name index out of range.
        ByteBuffer h = ByteBuffer.wrap(TinyElf.elf64().section(".rodata", BANNER).bytes()).order(ByteOrder.LITTLE_ENDIAN);
        byte[] broken = h.array().clone();
        ByteBuffer b = ByteBuffer.wrap(broken).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0x20, Long.MAX_VALUE).putShort(0x38, (short) -1); // phoff, phnum
        b.putLong(0x28, 1L << 40); // shoff
        assertEquals(KernelKind.OTHER, kindOf(broken));
        byte[] badIndex = h.array().clone();
        ByteBuffer.wrap(badIndex).order(ByteOrder.LITTLE_ENDIAN).putShort(0x3e, (short) 999); // shstrndx
        assertEquals(KernelKind.OTHER, kindOf(badIndex));
        byte[] hugeNote = TinyElf.elf64().note("Linux", 1, "x").bytes();
        ByteBuffer.wrap(hugeNote).order(ByteOrder.LITTLE_ENDIAN).putInt(64 + 56, 0x7fffffff); // namesz
        assertEquals(KernelKind.OTHER, kindOf(hugeNote));
    }

    @Test
    void aMissingFileIsAnError() {
        assertThrows(NoSuchFileException.class, () -> KernelKind.detect(dir.resolve("no-such-kernel")));
    }
}
