package io.github.unikernelfaas.kernel;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small synthetic ELF files (32 or 64 bit, little-endian): a note segment and named sections, nothing more. */
final class TinyElf {
    private final boolean is64;
    private final ByteArrayOutputStream notes = new ByteArrayOutputStream();
    private final Map<String, byte[]> sections = new LinkedHashMap<>();

    private TinyElf(boolean is64) {
        this.is64 = is64;
    }

    static TinyElf elf64() {
        return new TinyElf(true);
    }

    /** Like Unikraft's multiboot image, which its build turns into elf32-i386. */
    static TinyElf elf32() {
        return new TinyElf(false);
    }

    TinyElf note(String name, int type, String desc) {
        byte[] n = (name + "\0").getBytes(StandardCharsets.US_ASCII);
        byte[] d = desc.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = le(12 + pad(n.length) + pad(d.length));
        b.putInt(n.length).putInt(d.length).putInt(type).put(n).position(12 + pad(n.length));
        b.put(d);
        notes.writeBytes(b.array());
        return this;
    }

    TinyElf section(String name, byte[] contents) {
        sections.put(name, contents);
        return this;
    }

    TinyElf section(String name, String contents) {
        return section(name, contents.getBytes(StandardCharsets.US_ASCII));
    }

    byte[] bytes() {
        int ehsize = is64 ? 64 : 52;
        int phentsize = is64 ? 56 : 32;
        int shentsize = is64 ? 64 : 40;
        boolean hasNotes = notes.size() > 0;
        int phnum = hasNotes ? 1 : 0;

        // Data after the headers: notes, each section's contents, then the section names.
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        int dataStart = ehsize + phnum * phentsize;
        int notesOffset = dataStart;
        data.writeBytes(notes.toByteArray());
        ByteArrayOutputStream names = new ByteArrayOutputStream();
        names.write(0);
        List<int[]> headers = new ArrayList<>(); // name index, offset, size
        for (Map.Entry<String, byte[]> s : sections.entrySet()) {
            headers.add(new int[] {names.size(), dataStart + data.size(), s.getValue().length});
            names.writeBytes((s.getKey() + "\0").getBytes(StandardCharsets.US_ASCII));
            data.writeBytes(s.getValue());
        }
        int shstrtabName = names.size();
        names.writeBytes(".shstrtab\0".getBytes(StandardCharsets.US_ASCII));
        headers.add(new int[] {shstrtabName, dataStart + data.size(), names.size()});
        data.writeBytes(names.toByteArray());
        int shoff = dataStart + data.size();
        int shnum = headers.size() + 1; // index 0 is the null section

        ByteBuffer b = le(shoff + shnum * shentsize);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', (byte) (is64 ? 2 : 1), 1, 1});
        b.position(0x10);
        b.putShort((short) 2).putShort((short) (is64 ? 0x3e : 3)).putInt(1);
        if (is64) {
            b.putLong(0).putLong(ehsize).putLong(shoff).putInt(0);
        } else {
            b.putInt(0).putInt(ehsize).putInt(shoff).putInt(0);
        }
        b.putShort((short) ehsize).putShort((short) phentsize).putShort((short) phnum)
                .putShort((short) shentsize).putShort((short) shnum).putShort((short) (shnum - 1));
        b.position(ehsize);
        if (hasNotes) {
            if (is64) {
                b.putInt(4).putInt(4).putLong(notesOffset).putLong(0).putLong(0).putLong(notes.size())
                        .putLong(notes.size()).putLong(4);
            } else {
                b.putInt(4).putInt(notesOffset).putInt(0).putInt(0).putInt(notes.size()).putInt(notes.size())
                        .putInt(4).putInt(4);
            }
        }
        b.put(data.toByteArray());
        b.position(shoff + shentsize); // after the null section
        for (int[] h : headers) {
            int at = b.position();
            if (is64) {
                b.putInt(h[0]).putInt(1).putLong(0).putLong(0).putLong(h[1]).putLong(h[2]);
            } else {
                b.putInt(h[0]).putInt(1).putInt(0).putInt(0).putInt(h[1]).putInt(h[2]);
            }
            b.position(at + shentsize);
        }
        return b.array();
    }

    private static int pad(int n) {
        return (n + 3) & ~3;
    }

    private static ByteBuffer le(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }
}
