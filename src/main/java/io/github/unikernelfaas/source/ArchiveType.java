package io.github.unikernelfaas.source;

import java.util.Locale;

/** The archive formats a source may come in. */
public enum ArchiveType {
    TAR_GZ("tar.gz"),
    TAR_XZ("tar.xz"),
    TAR_BZ2("tar.bz2"),
    ZIP("zip");

    private final String name;

    ArchiveType(String name) {
        this.name = name;
    }

    /** Parses a manifest name: tar.gz, tgz, tar.xz, txz, tar.bz2, tbz2 or zip. */
    public static ArchiveType parse(String value) {
        switch (value == null ? "" : value.toLowerCase(Locale.ROOT)) {
            case "tar.gz":
            case "tgz":
                return TAR_GZ;
            case "tar.xz":
            case "txz":
                return TAR_XZ;
            case "tar.bz2":
            case "tbz2":
                return TAR_BZ2;
            case "zip":
                return ZIP;
            default:
                throw new SourceException("Unknown archive type '" + value
                        + "': use one of tar.gz, tgz, tar.xz, txz, tar.bz2, tbz2, zip");
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
