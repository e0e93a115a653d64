package io.github.unikernelfaas.image;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What goes into the image.
 *
 * @param pythonLib       the guest Python's lib dir in fs0 (the flavour's), which splits fs0 into layers
 * @param name            e.g. registry.example.com/team/my-fn
 * @param tag             e.g. 1.0
 * @param unikraftVersion the kernel's Unikraft version (config os.version, org.unikraft.kernel.version)
 * @param kernelPatches   our patches the kernel was built with (annotation {@value #PATCHES_ANNOTATION})
 * @param initrd          fs0 as a CPIO archive for the initrd root, or null for the 9p root (fs0 as layers)
 * @param kernelArgs      the kernel command line the image needs (config Cmd), or null
 */
public record ImageSpec(Path kernel, Path fs0, String pythonLib, String name, String tag, String unikraftVersion,
        List<String> kernelPatches, Path initrd, String kernelArgs) {
    /** kraftkit's platform name for a QEMU/KVM kernel, and its architecture. */
    public static final String OS = "kvm";
    public static final String ARCHITECTURE = "x86_64";
    /** The kraftkit image format these images follow (v0.6.x: one manifest, kernel at a well-known path). */
    public static final String KRAFTKIT_VERSION = "0.6.1";
    /** Comma-separated names of the patches applied to the pinned sources; absent when none. */
    public static final String PATCHES_ANNOTATION = "io.github.unikernelfaas.kernel.patches";

    public ImageSpec {
        kernelPatches = kernelPatches == null ? List.of() : List.copyOf(kernelPatches);
    }

    /**
     * Splits "name:tag" (the tag defaults to latest). The repository name is lower-cased, as registries
     * require; the tag is case-sensitive and kept as given.
     */
    public static ImageSpec of(Path kernel, Path fs0, String pythonLib, String reference, String unikraftVersion) {
        String[] split = split(reference);
        return new ImageSpec(kernel, fs0, pythonLib, split[0].toLowerCase(Locale.ROOT), split[1], unikraftVersion,
                List.of(), null, null);
    }

    /** What to log when {@link #of} lower-cased the repository name of {@code reference}; empty if it did not. */
    public static Optional<String> lowerCasedNote(String reference) {
        String name = split(reference)[0];
        String lower = name.toLowerCase(Locale.ROOT);
        return name.equals(lower) ? Optional.empty() : Optional.of("Image name " + name + " lower-cased to " + lower
                + " (registries require lower-case repository names; the tag stays as given)");
    }

    /** {name, tag}: a colon after the last slash starts the tag (one before it is a registry port). */
    private static String[] split(String reference) {
        int slash = reference.lastIndexOf('/');
        int colon = reference.lastIndexOf(':');
        return colon > slash ? new String[] {reference.substring(0, colon), reference.substring(colon + 1)}
                : new String[] {reference, "latest"};
    }

    public ImageSpec withKernelPatches(List<String> patches) {
        return new ImageSpec(kernel, fs0, pythonLib, name, tag, unikraftVersion, patches, initrd, kernelArgs);
    }

    /** The initrd root: fs0 travels as {@code initrd}, booted with {@code kernelArgs}. */
    public ImageSpec withInitrd(Path initrd, String kernelArgs) {
        return new ImageSpec(kernel, fs0, pythonLib, name, tag, unikraftVersion, kernelPatches, initrd, kernelArgs);
    }

    /** urunc's keys for this image (initrd root only: urunc runs no 9p root for Unikraft). */
    public UruncConfig urunc() {
        if (initrd == null) {
            throw new ImageException("urunc cannot run an image with the 9p root (it supports only an initrd for"
                    + " Unikraft): set unikernel.rootfs=initrd");
        }
        return UruncConfig.forInitrd(kernelArgs, unikraftVersion);
    }

    public String reference() {
        return name + ":" + tag;
    }
}
