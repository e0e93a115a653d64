package io.github.unikernelfaas.flavour;

import io.github.unikernelfaas.vm.RootKind;
import io.github.unikernelfaas.vm.VirtioMode;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One kernel flavour: a Unikraft version with a CPython version, and every fact about it the plugin needs.
 * Read from {@code flavours/<name>/flavour.json}; the files beside it (sources manifest, patches, kconfig,
 * app files) are read through {@link Flavours}. A new flavour is one new resource directory.
 *
 * @param name             the directory's name, e.g. unikraft-0.13.1-python3.7
 * @param unikraftVersion  the kernel's full Unikraft version (make's UK_FULLVERSION, the image's os.version)
 * @param pythonVersion    the guest CPython's version, for messages
 * @param pythonLib        the guest Python's lib dir in fs0 (PYTHONHOME), e.g. lib/python3.7
 * @param pipPythonVersion what pip installs the requirements for (--python-version)
 * @param grammarVersion   (major, minor) the function's sources must parse as (ast feature_version)
 * @param kernelArgs       the default kernel command line per root; {guestPort} is replaced
 * @param virtio           which virtio interface the kernel drives
 * @param roots            the roots the kernel can mount
 * @param stdlibSources    the source ids fs0's standard library is made from
 * @param pythonMakeLib    the make lib name of CPython (its tree and its origin archive)
 * @param appFiles         the files of the Unikraft app directory (app/), Makefile.uk and Config.uk among them
 * @param tls              whether the guest's Python has TLS (the ssl module); the build warns when it has not
 */
public record Flavour(String name, String unikraftVersion, String pythonVersion, String pythonLib,
        String pipPythonVersion, List<Integer> grammarVersion, Map<RootKind, String> kernelArgs, VirtioMode virtio,
        List<RootKind> roots, List<String> stdlibSources, String pythonMakeLib, List<String> appFiles,
        boolean tls) {

    /** The flavour the plugin builds unless told otherwise. */
    public static final String DEFAULT = "unikraft-0.13.1-python3.7";

    public Flavour {
        grammarVersion = List.copyOf(grammarVersion);
        kernelArgs = Map.copyOf(kernelArgs);
        roots = List.copyOf(roots);
        stdlibSources = List.copyOf(stdlibSources);
        appFiles = List.copyOf(appFiles);
    }

    /** The default command line for this root, or a clear failure when the flavour cannot mount it. */
    public String kernelArgs(RootKind root) {
        String args = kernelArgs.get(root);
        if (args == null) {
            throw new FlavourException("The flavour " + name + " cannot mount the " + root.setting() + " root; it"
                    + " supports " + roots.stream().map(RootKind::setting).collect(Collectors.joining(", "))
                    + ". Set " + RootKind.PROPERTY + " to one of those, or choose another unikernel.flavour.");
        }
        return args;
    }

    /** The grammar version as Python writes it, e.g. 3.7. */
    public String grammar() {
        return grammarVersion.stream().map(String::valueOf).collect(Collectors.joining("."));
    }
}
