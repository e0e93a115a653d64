package io.github.unikernelfaas.source;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * How a source is verified: the sha256 of the downloaded file, or the digest of its extracted tree (for
 * archives whose bytes are not stable, such as GitHub-generated ones; see {@link TreeDigest}). A
 * verification without a value is "unverified": such a source is never used.
 */
public record Verification(Kind kind, String value) {
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

    /** What the value is a digest of. */
    public enum Kind {
        /** sha256 of the downloaded file ({@code <sha256>} in the POM). */
        SHA256("sha256"),
        /** {@link TreeDigest} of the extracted archive ({@code <treeSha256>} in the POM). */
        TREE_SHA256("treeSha256");

        private final String key;

        Kind(String key) {
            this.key = key;
        }

        /** The manifest and POM element name. */
        public String key() {
            return key;
        }
    }

    public Verification {
        if (kind == null) {
            throw new IllegalArgumentException("kind");
        }
        if (value != null) {
            value = value.trim().toLowerCase(Locale.ROOT);
            if (!HEX64.matcher(value).matches()) {
                throw new SourceException("Invalid " + kind.key() + " '" + value
                        + "': expected 64 hexadecimal digits");
            }
        }
    }

    public static Verification sha256(String value) {
        return new Verification(Kind.SHA256, value);
    }

    public static Verification tree(String value) {
        return new Verification(Kind.TREE_SHA256, value);
    }

    /** True when there is a value to check against. */
    public boolean pinned() {
        return value != null;
    }

    /**
     * For directory names: kind and the first 16 hex digits, e.g. {@code sha256-7d5b0b6062521e46}. The cache
     * marker holds the full value and is checked against the pin.
     */
    String slug() {
        return (kind == Kind.SHA256 ? "sha256-" : "tree-") + value.substring(0, 16);
    }

    @Override
    public String toString() {
        return kind.key() + " " + (value == null ? "(unverified)" : value);
    }
}
