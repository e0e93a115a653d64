package io.github.unikernelfaas.source;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.apache.commons.compress.archivers.ar.ArArchiveEntry;
import org.apache.commons.compress.archivers.ar.ArArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorOutputStream;

/** Builds fixture archives in memory, and computes their tree digest independently of the code under test. */
public final class Fixtures {
    private Fixtures() {
    }

    /** One archive entry; kind 'd' (directory), 'f' (file), 'l' (symlink), 'h' (hard link). */
    public record E(char kind, String name, String content, boolean exec) {
        public static E dir(String name) {
            return new E('d', name, null, false);
        }

        public static E file(String name, String content) {
            return new E('f', name, content, false);
        }

        public static E exec(String name, String content) {
            return new E('f', name, content, true);
        }

        public static E link(String name, String target) {
            return new E('l', name, target, false);
        }

        static E hardlink(String name, String target) {
            return new E('h', name, target, false);
        }
    }

    /** A small source tree below {@code top/}. */
    static List<E> tree(String top, String marker) {
        List<E> list = new ArrayList<>();
        list.add(E.dir(top + "/"));
        list.add(E.file(top + "/Makefile.uk", "$(eval $(call addlib," + marker + "))\n"));
        list.add(E.exec(top + "/support/run.sh", "#!/bin/sh\necho " + marker + "\n"));
        list.add(E.dir(top + "/src/"));
        list.add(E.file(top + "/src/main.c", "int main(void) { return 0; } /* " + marker + " */\n"));
        list.add(E.link(top + "/src/alias.c", "main.c"));
        list.add(E.link(top + "/include", "src/"));
        return list;
    }

    static byte[] tarGz(List<E> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream gz = new GzipCompressorOutputStream(bytes)) {
            writeTar(entries, gz);
        }
        return bytes.toByteArray();
    }

    static byte[] tarXz(List<E> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream xz = new XZCompressorOutputStream(bytes)) {
            writeTar(entries, xz);
        }
        return bytes.toByteArray();
    }

    /** An uncompressed tar. */
    static byte[] tar(List<E> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        writeTar(entries, bytes);
        return bytes.toByteArray();
    }

    /**
     * A Debian binary package as dpkg-deb lays it out: ar members debian-binary, control.tar.xz and
     * {@code dataMember} (e.g. data.tar.xz) holding {@code data}, whose entries start with {@code ./}.
     */
    static byte[] deb(String dataMember, byte[] data) throws IOException {
        byte[] control = tarXz(List.of(E.dir("./"), E.file("./control", "Package: fixture\nVersion: 1.0\n")));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ArArchiveOutputStream ar = new ArArchiveOutputStream(bytes)) {
            arMember(ar, "debian-binary", "2.0\n".getBytes(StandardCharsets.US_ASCII));
            arMember(ar, "control.tar.xz", control);
            arMember(ar, dataMember, data);
        }
        return bytes.toByteArray();
    }

    /** A .deb with data.tar.xz. */
    public static byte[] deb(List<E> entries) throws IOException {
        return deb("data.tar.xz", tarXz(entries));
    }

    private static void arMember(ArArchiveOutputStream ar, String name, byte[] content) throws IOException {
        ar.putArchiveEntry(new ArArchiveEntry(name, content.length, 0, 0, 0100644, 1700000000L));
        ar.write(content);
        ar.closeArchiveEntry();
    }

    private static void writeTar(List<E> entries, OutputStream out) throws IOException {
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out, "UTF-8");
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        for (E e : entries) {
            TarArchiveEntry t;
            switch (e.kind()) {
                case 'd':
                    t = new TarArchiveEntry(e.name(), true);
                    t.setMode(040755);
                    tar.putArchiveEntry(t);
                    break;
                case 'f': {
                    byte[] data = e.content().getBytes(StandardCharsets.UTF_8);
                    t = new TarArchiveEntry(e.name(), true);
                    t.setMode(e.exec() ? 0100755 : 0100644);
                    t.setSize(data.length);
                    tar.putArchiveEntry(t);
                    tar.write(data);
                    break;
                }
                case 'l':
                    t = new TarArchiveEntry(e.name(), TarArchiveEntry.LF_SYMLINK, true);
                    t.setLinkName(e.content());
                    tar.putArchiveEntry(t);
                    break;
                case 'h':
                    t = new TarArchiveEntry(e.name(), TarArchiveEntry.LF_LINK, true);
                    t.setLinkName(e.content());
                    tar.putArchiveEntry(t);
                    break;
                default:
                    throw new IllegalArgumentException();
            }
            tar.closeArchiveEntry();
        }
        tar.finish();
    }

    static byte[] zip(List<E> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(bytes)) {
            for (E e : entries) {
                ZipArchiveEntry z = new ZipArchiveEntry(e.name());
                byte[] data;
                switch (e.kind()) {
                    case 'd':
                        z.setUnixMode(040755);
                        data = new byte[0];
                        break;
                    case 'f':
                        z.setUnixMode(e.exec() ? 0100755 : 0100644);
                        data = e.content().getBytes(StandardCharsets.UTF_8);
                        break;
                    case 'l':
                        z.setUnixMode(0120777);
                        data = e.content().getBytes(StandardCharsets.UTF_8);
                        break;
                    default:
                        throw new IllegalArgumentException("zip has no " + e.kind());
                }
                zip.putArchiveEntry(z);
                zip.write(data);
                zip.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }

    /** The tree digest of the spec, as docs/sources.md defines it, computed without the production code. */
    static String expectedTreeDigest(List<E> entries, String top) throws Exception {
        List<String[]> lines = new ArrayList<>();
        String prefix = top + "/";
        for (E e : entries) {
            if (e.kind() == 'd') {
                continue;
            }
            String rel = e.name().substring(prefix.length());
            String line = e.kind() == 'f'
                    ? "f " + (e.exec() ? "0755" : "0644") + " " + rel + " " + sha256(e.content()) + "\n"
                    : "l 0777 " + rel + " " + sha256(e.content()) + "\n";
            lines.add(new String[] {rel, line});
        }
        lines.sort((a, b) -> Arrays.compareUnsigned(a[0].getBytes(StandardCharsets.UTF_8),
                b[0].getBytes(StandardCharsets.UTF_8)));
        StringBuilder all = new StringBuilder();
        for (String[] l : lines) {
            all.append(l[1]);
        }
        return sha256(all.toString());
    }

    static String sha256(String s) throws Exception {
        return sha256(s.getBytes(StandardCharsets.UTF_8));
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
