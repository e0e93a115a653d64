package io.github.unikernelfaas.flavour;

import io.github.unikernelfaas.kernel.KernelKind;
import io.github.unikernelfaas.vm.MemoryFloor;
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
 * @param markers          the guest's PEP 508 environment markers but the Python versions (sys_platform,
 *                         platform_system...), as the guest's CPython reports them; those not given are Linux's
 * @param memoryFloorMb    per root, the least guest memory (MiB) the flavour's kernel boots the wrapper with,
 *                         measured on the real kernel; empty when not known
 */
public record Flavour(String name, String unikraftVersion, String pythonVersion, String pythonLib,
        String pipPythonVersion, List<Integer> grammarVersion, Map<RootKind, String> kernelArgs, VirtioMode virtio,
        List<RootKind> roots, List<String> stdlibSources, String pythonMakeLib, List<String> appFiles,
        boolean tls, Map<String, String> markers, Map<RootKind, Integer> memoryFloorMb) {

    /** The flavour the plugin builds unless told otherwise. */
    public static final String DEFAULT = "unikraft-0.13.1-python3.7";
    /** The environment markers a flavour may set (PEP 508); the Python versions follow pipPythonVersion. */
    public static final List<String> MARKERS = List.of("os_name", "sys_platform", "platform_machine",
            "platform_python_implementation", "platform_release", "platform_system", "platform_version",
            "implementation_name");

    public Flavour {
        grammarVersion = List.copyOf(grammarVersion);
        kernelArgs = Map.copyOf(kernelArgs);
        roots = List.copyOf(roots);
        stdlibSources = List.copyOf(stdlibSources);
        appFiles = List.copyOf(appFiles);
        markers = markers == null ? Map.of() : Map.copyOf(markers);
        memoryFloorMb = memoryFloorMb == null ? Map.of() : Map.copyOf(memoryFloorMb);
    }

    /** The least memory (MiB) this flavour's kernel boots with on {@code root}, when measured. */
    public java.util.OptionalInt memoryFloor(RootKind root) {
        Integer mb = memoryFloorMb.get(root);
        return mb == null ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(mb);
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

    /**
     * The floor to check {@code unikernel.memory} against before booting {@code kernel}: the flavour's measured
     * one for a Unikraft kernel (its own, or a prebuilt one, taken to be of this flavour); none for a Linux
     * kernel (the CI test guest), whose needs the flavour does not know.
     */
    public MemoryFloor memoryFloor(java.nio.file.Path kernel, RootKind root) {
        try {
            if (KernelKind.detect(kernel).linux()) {
                return MemoryFloor.UNKNOWN;
            }
        } catch (java.io.IOException e) {
            return MemoryFloor.UNKNOWN; // unreadable: the boot says why
        }
        java.util.OptionalInt mb = memoryFloor(root);
        return mb.isPresent() ? new MemoryFloor(mb.getAsInt(), name + " with the " + root.setting() + " root")
                : MemoryFloor.UNKNOWN;
    }

    /** The grammar version as Python writes it, e.g. 3.7. */
    public String grammar() {
        return grammarVersion.stream().map(String::valueOf).collect(Collectors.joining("."));
    }
}
