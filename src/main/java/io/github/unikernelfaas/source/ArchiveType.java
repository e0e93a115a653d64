package io.github.unikernelfaas.source;

import java.util.Locale;

/** The archive formats a source may come in. */
public enum ArchiveType {
    TAR_GZ("tar.gz"),
    TAR_XZ("tar.xz"),
    TAR_BZ2("tar.bz2"),
    ZIP("zip"),
    /** A Debian binary package: an ar archive whose data.tar.{xz,gz,bz2} holds the files. */
    DEB("deb");

    private final String name;

    ArchiveType(String name) {
        this.name = name;
    }

    /** Parses a manifest name: tar.gz, tgz, tar.xz, txz, tar.bz2, tbz2, zip or deb. */
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
            case "deb":
                return DEB;
            default:
                throw new SourceException("Unknown archive type '" + value
                        + "': use one of tar.gz, tgz, tar.xz, txz, tar.bz2, tbz2, zip, deb");
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
