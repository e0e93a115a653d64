package io.github.unikernelfaas.flavour;

/** The shipped flavour and the test flavour (src/test/resources/.../flavours/test-flavour), loaded once. */
public final class TestFlavours {
    /** The flavour the plugin ships and builds by default. */
    public static final Flavour DEFAULT = Flavours.load(Flavour.DEFAULT);
    /** A second flavour, only on the test classpath: Unikraft 9.9.9 with a Python 3.10 lib dir. */
    public static final Flavour TEST = Flavours.load("test-flavour");

    private TestFlavours() {
    }
}
