package io.github.unikernelfaas.image;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What urunc (urunc-dev/urunc, pkg/unikontainers/config.go) needs to boot the image: the keys
 * {@code com.urunc.unikernel.*}, read from the runtime spec's annotations or, because containerd does not pass
 * image annotations on, from {@code /urunc.json} in the rootfs. urunc base64-decodes every value from either
 * source, so both carry the same base64 values.
 *
 * <p>urunc composes the Unikraft command line itself (unikernels/unikraft.go, below Unikraft 0.16.1):
 * {@code <app> [env.vars=[…]] netdev.ipv4_addr=… netdev.ipv4_gw_addr=… netdev.ipv4_subnet_mask=…
 * vfs.rootfs=initrd -- <args>}, where {@code <app> <args>} is the container's process args, else this
 * {@code cmdline} split at white space. So {@code cmdline} holds only the application part of our kernel
 * arguments (what follows their {@code --}), after an app name: repeating the libparams would give two
 * {@code --} and two network settings.
 *
 * @param binary           the kernel's path in the image
 * @param initrd           the initrd's path in the image
 * @param cmdline          app name and application arguments, as urunc wants them
 * @param unikernelVersion the Unikraft version as urunc compares it (numbers only: below 0.16.1 it sends
 *                         the netdev.ipv4_* and vfs.rootfs=initrd libparams our 0.13 kernels understand)
 */
public record UruncConfig(String binary, String initrd, String cmdline, String unikernelVersion) {
    public static final String PREFIX = "com.urunc.unikernel.";
    /** In the rootfs, where urunc looks for it (uruncJSONFilename). */
    public static final String FILE_PATH = "/urunc.json";
    /**
     * argv[1] of the guest as urunc places it (argv[0] is the kernel path QEMU prepends). Unikraft 0.13's
     * libparam parser skips a word without a dot, so any name works; not "help", which prints usage and halts.
     */
    public static final String APP_NAME = "python";
    /** The libparams urunc sends itself for Unikraft below 0.16.1 (and the ones it sends from 0.16.1). */
    static final List<String> URUNC_OWN_PARAMS = List.of("netdev.ipv4_addr", "netdev.ipv4_gw_addr",
            "netdev.ipv4_subnet_mask", "vfs.rootfs", "netdev.ip", "vfs.fstab", "env.vars");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern VERSION = Pattern.compile("^v?(\\d+(?:\\.\\d+)*)");

    /** For the initrd root at kraftkit's paths, from the resolved kernel arguments and the Unikraft version. */
    public static UruncConfig forInitrd(String kernelArgs, String unikraftVersion) {
        List<String> app = appArgs(kernelArgs);
        String cmdline = String.join(" ", concat(List.of(APP_NAME), app));
        return new UruncConfig(Layers.KERNEL_PATH, Layers.INITRD_PATH, cmdline, version(unikraftVersion));
    }

    /** The words after the first {@code --} of the kernel arguments; none without one. */
    public static List<String> appArgs(String kernelArgs) {
        List<String> words = words(kernelArgs);
        int stop = words.indexOf("--");
        return stop < 0 ? List.of() : List.copyOf(words.subList(stop + 1, words.size()));
    }

    /**
     * The words of the kernel arguments that urunc will not pass: everything before {@code --} (or all of
     * them without one) except the libparams urunc sends itself. Empty for the flavours' defaults.
     */
    public static List<String> droppedParams(String kernelArgs) {
        List<String> words = words(kernelArgs);
        int stop = words.indexOf("--");
        List<String> before = stop < 0 ? words : words.subList(0, stop);
        List<String> dropped = new ArrayList<>();
        for (String w : before) {
            String name = w.contains("=") ? w.substring(0, w.indexOf('=')) : w;
            if (!URUNC_OWN_PARAMS.contains(name)) {
                dropped.add(w);
            }
        }
        return dropped;
    }

    /** "0.13.1~85b83a74" -> "0.13.1": the part hashicorp/go-version in urunc reads as the release. */
    static String version(String unikraftVersion) {
        Matcher m = VERSION.matcher(unikraftVersion == null ? "" : unikraftVersion.trim());
        if (!m.find()) {
            throw new ImageException("Unikraft version '" + unikraftVersion + "' does not start with a number:"
                    + " urunc could not tell which command line parameters the kernel takes (set"
                    + " unikernel.unikraftVersion, e.g. 0.13.1)");
        }
        return m.group(1);
    }

    /** Every key urunc reads, with its plain value, sorted. */
    public Map<String, String> plain() {
        Map<String, String> m = new TreeMap<>();
        m.put(PREFIX + "unikernelType", "unikraft");
        m.put(PREFIX + "hypervisor", "qemu");
        m.put(PREFIX + "binary", binary);
        m.put(PREFIX + "initrd", initrd);
        m.put(PREFIX + "cmdline", cmdline);
        m.put(PREFIX + "unikernelVersion", unikernelVersion);
        // Said explicitly: an empty value fails strconv.ParseBool and urunc logs an error.
        m.put(PREFIX + "useDMBlock", "false");
        return Collections.unmodifiableMap(m);
    }

    /** The same keys with base64 values: the manifest annotations and /urunc.json. */
    public Map<String, String> encoded() {
        Map<String, String> m = new TreeMap<>();
        plain().forEach((k, v) -> m.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
        return Collections.unmodifiableMap(m);
    }

    /** /urunc.json: one JSON object, keys sorted, so the layer (and the image digest) is reproducible. */
    public byte[] json() {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(encoded());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads /urunc.json back to plain values (what urunc's decode() does). */
    public static Map<String, String> decode(byte[] json) {
        try {
            Map<String, String> m = new TreeMap<>();
            JSON.readTree(json).fields().forEachRemaining(e -> m.put(e.getKey(),
                    new String(Base64.getDecoder().decode(e.getValue().asText()), StandardCharsets.UTF_8)));
            return m;
        } catch (java.io.IOException | IllegalArgumentException e) {
            throw new ImageException("Not a urunc.json with base64 values: " + e.getMessage(), e);
        }
    }

    private static List<String> words(String s) {
        String t = s == null ? "" : s.trim();
        return t.isEmpty() ? List.of() : Arrays.asList(t.split("\\s+"));
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> r = new ArrayList<>(a);
        r.addAll(b);
        return r;
    }
}
