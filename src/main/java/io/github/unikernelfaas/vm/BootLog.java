package io.github.unikernelfaas.vm;

import java.util.function.Consumer;

/** Where a boot reports progress (info) and what the user should know (warn). */
public record BootLog(Consumer<String> info, Consumer<String> warn) {
    /** Both levels to one place (tests, tools). */
    public static BootLog to(Consumer<String> both) {
        return new BootLog(both, both);
    }
}
