package io.github.unikernelfaas;

import java.util.List;
import java.util.function.Function;

/**
 * A whole-number setting's allowed range. The goals check theirs before any work (no build, no boot), so a
 * value that cannot work fails naming its setting and range instead of deep inside a JDK or QEMU call.
 *
 * @param property the setting's property, e.g. {@code unikernel.port}
 * @param min      the smallest allowed value
 * @param max      the largest allowed value ({@link Long#MAX_VALUE}: no upper bound)
 * @param what     what the number is, for the message (e.g. "a TCP port", "seconds")
 */
public record SettingRange(String property, long min, long max, String what) {
    public static final SettingRange PORT = new SettingRange("unikernel.port", 1, 65535, "a TCP port on 127.0.0.1");
    public static final SettingRange GUEST_PORT = new SettingRange("unikernel.guestPort", 1, 65535,
            "the guest's TCP port");
    public static final SettingRange BOOT_TIMEOUT = new SettingRange("unikernel.bootTimeout", 1, 86_400, "seconds");
    public static final SettingRange INVOKE_TIMEOUT = new SettingRange("unikernel.invokeTimeout", 1, 86_400,
            "seconds");
    public static final SettingRange DOWNLOAD_TIMEOUT = new SettingRange("unikernel.downloadTimeout", 1, 86_400,
            "seconds");
    /** Generic bounds only: what a runtime needs at least is checked where the runtime is known. */
    public static final SettingRange MEMORY = new SettingRange("unikernel.memory", 16, 1_048_576, "MiB");
    public static final SettingRange REPLICAS = new SettingRange("unikernel.replicas", 0, 10_000, "replicas");
    public static final SettingRange JOBS = new SettingRange("unikernel.jobs", 0, 1024,
            "make jobs, 0 for one per core");

    /** Every range above. */
    public static final List<SettingRange> ALL = List.of(PORT, GUEST_PORT, BOOT_TIMEOUT, INVOKE_TIMEOUT,
            DOWNLOAD_TIMEOUT, MEMORY, REPLICAS, JOBS);

    public SettingRange {
        if (min > max) {
            throw new IllegalArgumentException(property + ": min " + min + " > max " + max);
        }
    }

    /** Fails naming the setting and its range unless {@code value} is in range. */
    public void check(long value) {
        check(value, UnikernelException::new);
    }

    /** As {@link #check(long)}, with the config object's own exception type. */
    public void check(long value, Function<String, ? extends UnikernelException> error) {
        if (value < min || value > max) {
            throw error.apply(property + " is " + value + ": it must be " + describe() + " (" + what + ")")
                    .setting(property);
        }
    }

    /**
     * Checks each setting {@code given} has a value for (e.g. the -D properties): the first goal of a build
     * then refuses a value a later goal would, before the kernel build those goals wait for.
     */
    public static void checkGiven(Function<String, String> given) {
        for (SettingRange r : ALL) {
            String text = given.apply(r.property());
            if (text == null) {
                continue;
            }
            long value;
            try {
                value = Long.parseLong(text.trim());
            } catch (NumberFormatException e) {
                throw new UnikernelException(r.property() + " is '" + text + "': it must be a whole number "
                        + r.describe() + " (" + r.what() + ")").setting(r.property());
            }
            r.check(value);
        }
    }

    /** "from 1 to 65535", or "at least 0" without an upper bound. */
    public String describe() {
        return max == Long.MAX_VALUE ? "at least " + min : "from " + min + " to " + max;
    }
}
