package io.github.unikernelfaas.kernel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;

/**
 * Just enough ELF (32 and 64 bit) to recognise a Linux vmlinux without reading it whole: an ELF note named
 * "Linux" (build salt, since Linux 4.20), or "Linux version " near the start of {@code .rodata}, where the
 * kernel keeps its banner (at 0x1a0 in Debian's 6.1). Every read is capped; a damaged file is simply not Linux.
 */
final class ElfProbe {
    /** Cap for the program and section header tables, the notes and the section names. */
    static final int TABLE_LIMIT = 64 * 1024;
    /** How much of .rodata is searched for the banner. */
    static final int RODATA_LIMIT = 1024 * 1024;
    private static final byte[] BANNER = "Linux version ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NOTE_NAME = "Linux".getBytes(StandardCharsets.US_ASCII);
    private static final int PT_NOTE = 4;

    private ElfProbe() {
    }

    /** The fields of the ELF header this probe needs. */
    private record Header(boolean is64, ByteOrder order, long phoff, int phentsize, int phnum, long shoff,
            int shentsize, int shnum, int shstrndx) {
    }

    static boolean isElf(ByteBuffer head) {
        return head.limit() >= 64 && head.get(0) == 0x7f && head.get(1) == 'E' && head.get(2) == 'L'
                && head.get(3) == 'F' && (head.get(4) == 1 || head.get(4) == 2);
    }

    static boolean isLinux(FileChannel ch, ByteBuffer head) throws IOException {
        Header h = header(head);
        return hasLinuxNote(ch, h) || rodataHasBanner(ch, h);
    }

    private static Header header(ByteBuffer b) {
        boolean is64 = b.get(4) == 2;
        ByteOrder order = b.get(5) == 2 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        ByteBuffer h = b.duplicate().order(order);
        if (is64) {
            return new Header(true, order, h.getLong(0x20), u16(h, 0x36), u16(h, 0x38), h.getLong(0x28),
                    u16(h, 0x3a), u16(h, 0x3c), u16(h, 0x3e));
        }
        return new Header(false, order, u32(h, 0x1c), u16(h, 0x2a), u16(h, 0x2c), u32(h, 0x20), u16(h, 0x2e),
                u16(h, 0x30), u16(h, 0x32));
    }

    private static boolean hasLinuxNote(FileChannel ch, Header h) throws IOException {
        int entry = h.is64 ? 56 : 32;
        if (h.phentsize < entry) {
            return false;
        }
        ByteBuffer table = read(ch, h.phoff, (long) h.phnum * h.phentsize, TABLE_LIMIT).order(h.order);
        for (int at = 0; at + entry <= table.limit(); at += h.phentsize) {
            if (table.getInt(at) != PT_NOTE) {
                continue;
            }
            long offset = h.is64 ? table.getLong(at + 8) : u32(table, at + 4);
            long size = h.is64 ? table.getLong(at + 32) : u32(table, at + 16);
            if (notesNameLinux(read(ch, offset, size, TABLE_LIMIT).order(h.order))) {
                return true;
            }
        }
        return false;
    }

    /** Notes are (namesz, descsz, type, name, desc) with 4-byte words and 4-byte padding, in both classes. */
    private static boolean notesNameLinux(ByteBuffer notes) {
        int pos = 0;
        while (pos + 12 <= notes.limit()) {
            long namesz = u32(notes, pos);
            long descsz = u32(notes, pos + 4);
            if (namesz > notes.limit() || descsz > notes.limit()) {
                return false;
            }
            int name = pos + 12;
            int len = (int) namesz;
            if (len > 0 && name + len <= notes.limit() && notes.get(name + len - 1) == 0) {
                len--; // the name's NUL
            }
            if (len == NOTE_NAME.length && indexOf(notes, name, name + len, NOTE_NAME) == name) {
                return true;
            }
            pos = (int) (name + align4(namesz) + align4(descsz)); // both sizes are within the buffer
        }
        return false;
    }

    private static boolean rodataHasBanner(FileChannel ch, Header h) throws IOException {
        int entry = h.is64 ? 64 : 40;
        if (h.shentsize < entry || h.shstrndx >= h.shnum) {
            return false;
        }
        ByteBuffer table = read(ch, h.shoff, (long) h.shnum * h.shentsize, TABLE_LIMIT).order(h.order);
        int strtab = h.shstrndx * h.shentsize;
        if (strtab + entry > table.limit()) {
            return false;
        }
        ByteBuffer names = read(ch, offset(table, strtab, h), size(table, strtab, h), TABLE_LIMIT);
        byte[] rodata = ".rodata\0".getBytes(StandardCharsets.US_ASCII);
        for (int at = 0; at + entry <= table.limit(); at += h.shentsize) {
            long name = u32(table, at);
            if (name + rodata.length <= names.limit()
                    && indexOf(names, (int) name, (int) name + rodata.length, rodata) == name) {
                ByteBuffer head = read(ch, offset(table, at, h), size(table, at, h), RODATA_LIMIT);
                return indexOf(head, 0, head.limit(), BANNER) >= 0;
            }
        }
        return false;
    }

    private static long offset(ByteBuffer table, int at, Header h) {
        return h.is64 ? table.getLong(at + 0x18) : u32(table, at + 0x10);
    }

    private static long size(ByteBuffer table, int at, Header h) {
        return h.is64 ? table.getLong(at + 0x20) : u32(table, at + 0x14);
    }

    /**
     * Up to {@code min(length, limit)} bytes at {@code position}, fewer at the end of the file, none when the
     * position is outside it (offsets come from the file, which may be damaged).
     */
    static ByteBuffer read(FileChannel ch, long position, long length, int limit) throws IOException {
        long size = ch.size();
        if (position < 0 || position >= size || length <= 0) {
            return ByteBuffer.allocate(0);
        }
        ByteBuffer b = ByteBuffer.allocate((int) Math.min(Math.min(length, limit), size - position));
        while (b.hasRemaining() && ch.read(b, position + b.position()) > 0) {
            // positional reads until full or end of file
        }
        b.flip();
        return b;
    }

    /** Index of {@code needle} within [from, to) of {@code hay}, or -1. */
    private static int indexOf(ByteBuffer hay, int from, int to, byte[] needle) {
        outer:
        for (int i = from; i + needle.length <= to; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay.get(i + j) != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static long align4(long n) {
        return (n + 3) & ~3L;
    }

    private static int u16(ByteBuffer b, int at) {
        return Short.toUnsignedInt(b.getShort(at));
    }

    private static long u32(ByteBuffer b, int at) {
        return Integer.toUnsignedLong(b.getInt(at));
    }
}
