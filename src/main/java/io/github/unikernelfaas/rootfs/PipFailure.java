package io.github.unikernelfaas.rootfs;

import io.github.unikernelfaas.host.Tail;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Why pip found no distribution for a requirement: pip says "from versions: none" alike for a misspelled name and
 * for a package that has only native wheels or sources, so the cause is read from pip -vv's skipped links.
 */
final class PipFailure {
    private static final Pattern NO_VERSION = Pattern.compile(
            "Could not find a version that satisfies the requirement (\\S+) \\(from versions: ([^)]*)\\)");
    private static final Pattern NO_DISTRIBUTION = Pattern.compile("No matching distribution found for (\\S+)");
    /** pip 22+, for indexes that publish data-requires-python. */
    private static final Pattern IGNORED_PYTHON = Pattern.compile(
            "Ignored the following versions that require a different python version: (.*)");
    /** pip -vv: "Skipping link: REASON: URL"; the reason may hold colons, the URL comes last. */
    private static final Pattern SKIPPED = Pattern.compile("Skipping link: (.*): (\\S+://\\S+)");

    /** The requirement pip found nothing for; {@code versions} are the ones it could install, none matching. */
    record NoMatch(String requirement, String project, List<String> versions) {
    }

    private PipFailure() {
    }

    static Optional<NoMatch> noMatch(String pipOutput) {
        Matcher m = NO_VERSION.matcher(pipOutput);
        if (m.find()) {
            String versions = m.group(2).strip();
            return Optional.of(of(m.group(1), versions.equals("none") || versions.isEmpty() ? List.of()
                    : Arrays.stream(versions.split(",\\s*")).toList()));
        }
        m = NO_DISTRIBUTION.matcher(pipOutput);
        return m.find() ? Optional.of(of(m.group(1), List.of())) : Optional.empty();
    }

    private static NoMatch of(String requirement, List<String> versions) {
        String r = requirement.replaceAll("[)(]", "");
        Matcher name = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._-]*").matcher(r);
        return new NoMatch(r, name.find() ? name.group() : r, versions);
    }

    /**
     * The error for a requirement pip found nothing for.
     *
     * @param verbose pip -vv's output of the same install, asked for only when pip listed no version at all
     */
    static String message(NoMatch m, String pipOutput, Supplier<String> verbose, String pythonVersion) {
        String pipSaid = "\npip said:\n" + Tail.of(pipOutput, 15);
        Matcher ignored = IGNORED_PYTHON.matcher(pipOutput);
        if (ignored.find()) {
            String fits = m.versions().isEmpty()
                    ? " The index has no older version of " + m.project() + ": choose another package, or an index"
                            + " that has an older version."
                    : " These versions fit: " + String.join(", ", m.versions()) + "; pin one in requirements.txt.";
            return "The requirement " + m.requirement() + " has no version for the guest's Python " + pythonVersion
                    + ": pip ignored " + ignored.group(1).strip() + " (a newer Python)." + fits + pipSaid;
        }
        if (!m.versions().isEmpty()) {
            return "No pure-Python wheel of " + m.project() + " matches the requirement " + m.requirement()
                    + " for Python " + pythonVersion + "; the index has these versions: "
                    + String.join(", ", m.versions()) + ". Change the version in requirements.txt." + pipSaid;
        }
        List<String> skipped = skippedFiles(verbose.get(), m.project());
        if (skipped.isEmpty()) {
            return "The requirement " + m.requirement() + " was not found on the index: pip found no file of "
                    + m.project() + " at all. Check its spelling in requirements.txt, or point unikernel.pipIndexUrl"
                    + " (or --find-links in unikernel.pipExtraArgs) at the index that has it." + pipSaid;
        }
        return "The requirement " + m.requirement() + " has no pure-Python wheel for Python " + pythonVersion
                + " (py3-none-any); the index has only " + String.join(", ", skipped) + ". The unikernel's CPython"
                + " has no dynamic loading, so native wheels and source distributions (which may need a C compiler)"
                + " cannot be used: choose a pure-Python package or version." + pipSaid;
    }

    /** The files of {@code project} that pip -vv skipped (other projects' links are skipped too, by name). */
    static List<String> skippedFiles(String verboseOutput, String project) {
        String prefix = canonical(project) + "-";
        List<String> files = new ArrayList<>();
        for (String line : verboseOutput.split("\n")) {
            Matcher m = SKIPPED.matcher(line);
            if (!m.find() || m.group(1).startsWith("wrong project name")) {
                continue;
            }
            String url = m.group(2).replaceFirst("[#?].*$", "");
            String file = URLDecoder.decode(url.substring(url.lastIndexOf('/') + 1), StandardCharsets.UTF_8);
            String c = canonical(file);
            // "name-1.0..." and not "name-extra-1.0...": the version follows the name.
            if (c.startsWith(prefix) && c.length() > prefix.length() && Character.isDigit(c.charAt(prefix.length()))
                    && !files.contains(file)) {
                files.add(file);
            }
        }
        return files;
    }

    /** PEP 503 normalisation, applied to file names too (wheels write the name with underscores). */
    private static String canonical(String name) {
        return name.toLowerCase(Locale.ROOT).replaceAll("[-_.]+", "-");
    }
}
