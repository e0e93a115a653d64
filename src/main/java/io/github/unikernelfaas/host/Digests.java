package io.github.unikernelfaas.host;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256, the one digest the plugin uses (cache keys, verification, image blobs), and its hex form. */
public final class Digests {
    private Digests() {
    }

    /** A fresh SHA-256 digest (every JDK has it). */
    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String hex(byte[] digest) {
        return HexFormat.of().formatHex(digest);
    }

    /** Adds a file's bytes to {@code md}, streamed. */
    public static void update(MessageDigest md, Path file) throws IOException {
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
    }

    /** The hex SHA-256 of a file, streamed. */
    public static String sha256(Path file) throws IOException {
        MessageDigest md = sha256();
        update(md, file);
        return hex(md.digest());
    }

    public static String sha256(byte[] bytes) {
        return hex(sha256().digest(bytes));
    }

    public static String sha256(String text) {
        return sha256(text.getBytes(StandardCharsets.UTF_8));
    }
}
