package io.github.unikernelfaas.vm;

import java.nio.file.Path;
import java.util.List;

/**
 * A virtual machine monitor that can run a function VM. QEMU is the one we ship ({@link Qemu}); the
 * rest of vm/ talks to this interface, so another VMM is one more implementation.
 */
public interface Vmm {
    /** For messages, e.g. "QEMU". */
    String name();

    /** The VMM binary: {@code configured} (a path or a name on PATH) or the default, or a clear error. */
    Path locate(String configured, String pathEnv);

    /**
     * The full command line.
     *
     * @param control where the VMM listens for its machine protocol (the run state tells a KVM failure
     *                from a slow guest)
     */
    default List<String> command(VmConfig config, Path control) {
        return command(config, control, java.util.function.UnaryOperator.identity());
    }

    /** As above, with each file the VMM opens (kernel, initrd, shared directory) passed through {@code files}. */
    List<String> command(VmConfig config, Path control, java.util.function.UnaryOperator<Path> files);

    /** The file the VMM loads as initrd for this config, if any (may need writing first). */
    Path initrd(VmConfig config);

    /**
     * Arguments appended to {@link #command} that make the VMM load the guest state saved in {@code state}
     * instead of booting the kernel (a warm start).
     */
    List<String> restoreArgs(Path state);

    /** Where the VMM's machine protocol writes a saved guest state to {@code file} (a migration target). */
    String saveTarget(Path file);

    /** What a running VMM of ours has in its command line: the stale-VM sweep touches only those. */
    String processMatch();
}
