package io.github.unikernelfaas.vm;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The guest console lines after which the function will never answer: the wrapper's own fatal lines and
 * the Unikraft kernel's (seen on 0.13.1). A table, matched in order against each new line; the first rule
 * that matches names the cause and the fix. Out of memory has many faces on Unikraft (a failed boot stack,
 * scheduler or NIC, a CPIO that does not unpack, CPython's MemoryError then abort): each says "memory".
 */
public final class FatalLines {
    /** What a rule's line means, for the message and the setting that fixes it. */
    public enum Kind {
        /** The wrapper could not load the function or stopped (see wrapper.py). */
        WRAPPER,
        /** The guest ran out of memory: unikernel.memory fixes it. */
        MEMORY,
        /** CPython or the kernel stopped; out of memory when a MemoryError is said around it. */
        ABORT,
        /** The kernel crashed. */
        CRASH
    }

    /**
     * One row: a pattern found anywhere in a console line, and what it means. An ABORT, or a failed import,
     * with a MemoryError among the lines around it is out of memory.
     */
    record Rule(Pattern pattern, Kind kind, String cause) {
        Rule(String regex, Kind kind, String cause) {
            this(Pattern.compile(regex), kind, cause);
        }

        /** Whether the lines after this one may still say MemoryError (CPython prints it after its fatal line). */
        boolean mayBeMemory() {
            return kind == Kind.ABORT || this == IMPORT;
        }
    }

    private static final Rule IMPORT = new Rule("ukfaas: cannot import function\\.py", Kind.WRAPPER, "function.py"
            + " could not be imported in the guest (its traceback is in the console above). A module the guest lacks"
            + " belongs in requirements.txt (or is not in the guest's standard library)");

    /** The wrapper's last line before it exits (wrapper.py: stopping()). */
    private static final Rule STOP = new Rule("ukfaas: stopping\\b", Kind.WRAPPER, "the wrapper stopped");

    static final List<Rule> RULES = List.of(
            IMPORT,
            new Rule("ukfaas: function\\.py defines no callable `handler`", Kind.WRAPPER, "function.py defines no"
                    + " callable `handler`: add def handler(event): to it"),
            STOP,
            new Rule("Boot stack alloc failed", Kind.MEMORY, "the kernel could not allocate its boot stack"),
            new Rule("Failed to initialize scheduling", Kind.MEMORY, "the kernel could not start its scheduler"),
            new Rule("Could not set the platform memory allocator", Kind.MEMORY, "the kernel found no memory to"
                    + " manage"),
            new Rule("Failed to attach network device \\d+ to lwIP", Kind.MEMORY, "the network device did not"
                    + " attach, which on this kernel means too little memory"),
            new Rule("Failed to extract cpio archive|cpio.*I/O error", Kind.MEMORY, "fs0's CPIO (initrd root) did"
                    + " not unpack into guest RAM"),
            new Rule("Could not preallocate MemoryError object", Kind.MEMORY, "CPython could not start"),
            new Rule("Fatal Python error", Kind.ABORT, "CPython stopped with a fatal error"),
            new Rule("abort called", Kind.ABORT, "the guest aborted"),
            new Rule("Assertion failure: |Unhandled Trap|\\bCrashing\\b", Kind.CRASH, "the kernel crashed"));

    private static final Pattern MEMORY_ERROR = Pattern.compile("\\bMemoryError\\b");

    private FatalLines() {
    }

    /**
     * What a fatal line means.
     *
     * @param line    the console line
     * @param kind    its rule's kind (MEMORY also for an abort after a MemoryError)
     * @param message the cause and the fix, in one paragraph
     */
    public record Fatal(String line, Kind kind, String message) {
        /** The setting that fixes it, if one does. */
        public Optional<String> setting() {
            return kind == Kind.MEMORY ? Optional.of(MemoryFloor.PROPERTY) : Optional.empty();
        }
    }

    /** The rule a cleaned console line matches, if any. */
    static Optional<Rule> rule(String line) {
        return RULES.stream().filter(r -> r.pattern().matcher(line).find()).findFirst();
    }

    /**
     * Judges one cleaned console line.
     *
     * @param around      the lines around it (a few dozen before, and those that came in just after)
     * @param lastWrapper the last line of the wrapper's before it ({@code ukfaas: ...}), or null
     */
    static Optional<Fatal> judge(String line, List<String> around, String lastWrapper, VmConfig config) {
        Optional<Rule> found = rule(line);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        Rule rule = found.get();
        Kind kind = rule.kind();
        if (rule.mayBeMemory() && (MEMORY_ERROR.matcher(line).find()
                || around.stream().anyMatch(l -> MEMORY_ERROR.matcher(l).find()))) {
            kind = Kind.MEMORY;
        }
        return Optional.of(new Fatal(line, kind, message(rule, kind, line, lastWrapper, config)));
    }

    private static String message(Rule rule, Kind kind, String line, String lastWrapper, VmConfig config) {
        String said = "the console says: '" + line.trim() + "'";
        switch (kind) {
            case MEMORY:
                int mb = config.machine().memoryMb();
                String cause = rule.cause().contains(". ") ? rule.cause().substring(0, rule.cause().indexOf(". "))
                        : rule.cause(); // the first sentence: the rest is about other causes
                return "The guest ran out of memory with " + mb + " MiB (unikernel.memory): " + cause
                        + (rule.kind() != Kind.MEMORY ? " with a MemoryError" : "") + "; " + said + ". "
                        + config.memoryFloor().advice(mb);
            case WRAPPER:
                if (rule != STOP) {
                    return "The function cannot serve: " + rule.cause() + "; the wrapper said '" + line.trim() + "'.";
                }
                // "ukfaas: stopping: <why>" says why itself; "ukfaas: stopping (exit status N)" follows its reason.
                String stop = line.substring(line.indexOf("ukfaas: stopping")).trim();
                boolean saysWhy = stop.startsWith("ukfaas: stopping:") || lastWrapper == null;
                return "The wrapper stopped in the guest; it said '" + (saysWhy ? stop : lastWrapper.trim() + "', then '"
                        + stop) + "'.";
            case ABORT:
                return "The guest stopped: " + rule.cause() + "; " + said + ".";
            default:
                return "The guest stopped: " + rule.cause() + "; " + said + "." + Readiness.symbolsHintFor(config);
        }
    }
}
