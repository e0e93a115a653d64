package io.github.unikernelfaas.vm;

import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The accelerator a boot starts with, and whether it may fall back to TCG when KVM turns out not to
 * run the guest.
 *
 * @param first         the accelerator of the first attempt
 * @param fallBackToTcg auto-detected KVM: boot under TCG when KVM fails the guest
 * @param note          why TCG was chosen when the setting was auto (said once at WARN), else empty
 */
public record AcceleratorChoice(Accelerator first, boolean fallBackToTcg, Optional<String> note) {
    public static final String PROPERTY = "unikernel.accel";

    public static AcceleratorChoice of(Accelerator a) {
        return new AcceleratorChoice(a, false, Optional.empty());
    }

    /**
     * Parses the {@code unikernel.accel} setting: auto, kvm or tcg.
     *
     * @param remembered an earlier verdict that KVM does not run this guest here (see {@link KvmVerdicts}); asked
     *                   only when KVM is wanted and the host does not rule it out (it hashes the kernel)
     */
    public static AcceleratorChoice choose(String setting, KvmHost host, Supplier<Optional<String>> remembered) {
        String s = setting == null ? "auto" : setting.trim().toLowerCase(Locale.ROOT);
        switch (s) {
            case "", "auto": {
                Optional<String> problem = host.problem().or(remembered);
                if (problem.isPresent()) {
                    return new AcceleratorChoice(Accelerator.TCG, false, Optional.of("Booting under TCG (software"
                            + " emulation, slower): " + problem.get() + ". Set -D" + PROPERTY + "=tcg to silence this."));
                }
                return new AcceleratorChoice(Accelerator.KVM, true, Optional.empty());
            }
            case "kvm": {
                Optional<String> problem = host.problem().or(remembered);
                if (problem.isPresent()) {
                    throw new VmException(PROPERTY + "=kvm but KVM cannot run the guest here: " + problem.get()
                            + ". Use -D" + PROPERTY + "=tcg (software emulation) or -D" + PROPERTY + "=auto.");
                }
                return of(Accelerator.KVM);
            }
            case "tcg":
                return of(Accelerator.TCG);
            default:
                throw new VmException(PROPERTY + " must be auto, kvm or tcg, not '" + setting + "'");
        }
    }
}
