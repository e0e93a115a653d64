package io.github.unikernelfaas.vm;

/**
 * The least guest memory a kernel boots the function with, for messages and the check before boot.
 *
 * @param mb      the floor in MiB; 0 when not known (a Linux test kernel, or a flavour not measured)
 * @param runtime what it was measured for, e.g. "unikraft-0.13.1-python3.7 with the initrd root"
 */
public record MemoryFloor(int mb, String runtime) {
    public static final MemoryFloor UNKNOWN = new MemoryFloor(0, "");
    public static final String PROPERTY = "unikernel.memory";

    public boolean known() {
        return mb > 0;
    }

    /** Refuses {@code memoryMb} below the floor, before anything boots. */
    public void check(int memoryMb) {
        if (known() && memoryMb < mb) {
            throw new VmException(PROPERTY + "=" + memoryMb + " MiB is below the floor of " + mb + " MiB for "
                    + runtime + ": the kernel fails at boot with less. Set -D" + PROPERTY + "=" + mb
                    + " or more.").setting(PROPERTY);
        }
    }

    /** The fix for a guest that ran out of memory with {@code memoryMb}. */
    public String advice(int memoryMb) {
        if (known() && memoryMb < mb) {
            return "The floor for " + runtime + " is " + mb + " MiB: set -D" + PROPERTY + "=" + mb + " or more.";
        }
        String floor = known() ? " (the floor for " + runtime + " is " + mb + " MiB)" : "";
        return "Give the guest more memory than " + memoryMb + " MiB" + floor + ", e.g. -D" + PROPERTY + "="
                + Math.max(memoryMb * 2, mb) + ".";
    }
}
