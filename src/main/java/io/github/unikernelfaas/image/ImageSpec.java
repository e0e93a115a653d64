package io.github.unikernelfaas.image;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

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

    /** Splits "name:tag" (the tag defaults to latest); names are lower-cased as registries require. */
    public static ImageSpec of(Path kernel, Path fs0, String pythonLib, String reference, String unikraftVersion) {
        String ref = reference.toLowerCase(Locale.ROOT);
        int slash = ref.lastIndexOf('/');
        int colon = ref.lastIndexOf(':');
        if (colon > slash) {
            return new ImageSpec(kernel, fs0, pythonLib, ref.substring(0, colon), ref.substring(colon + 1),
                    unikraftVersion, List.of(), null, null);
        }
        return new ImageSpec(kernel, fs0, pythonLib, ref, "latest", unikraftVersion, List.of(), null, null);
    }

    public ImageSpec withKernelPatches(List<String> patches) {
        return new ImageSpec(kernel, fs0, pythonLib, name, tag, unikraftVersion, patches, initrd, kernelArgs);
    }

    /** The initrd root: fs0 travels as {@code initrd}, booted with {@code kernelArgs}. */
    public ImageSpec withInitrd(Path initrd, String kernelArgs) {
        return new ImageSpec(kernel, fs0, pythonLib, name, tag, unikraftVersion, kernelPatches, initrd, kernelArgs);
    }

    public String reference() {
        return name + ":" + tag;
    }
}
