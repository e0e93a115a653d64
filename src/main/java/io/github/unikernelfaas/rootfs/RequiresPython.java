package io.github.unikernelfaas.rootfs;

import io.github.unikernelfaas.host.Tail;
import java.util.List;

/**
 * Checks each installed distribution's Requires-Python against the guest's Python. pip checks it only when the
 * index publishes it (data-requires-python); from a --find-links directory it installs a wheel for any Python.
 * The check runs on the host python3 with the packaging library pip vendors: pip's own reading of specifiers,
 * not a second implementation of PEP 440 that could disagree with it.
 */
final class RequiresPython {
    /** argv: site-packages, guest Python version. Prints "name TAB version TAB requirement" for each misfit. */
    private static final String SCRIPT = """
            import email.parser, os, sys
            try:
                from pip._vendor.packaging.specifiers import SpecifierSet, InvalidSpecifier
            except ImportError:
                from packaging.specifiers import SpecifierSet, InvalidSpecifier
            site, version = sys.argv[1], sys.argv[2]
            for d in sorted(os.listdir(site)):
                path = os.path.join(site, d, 'METADATA')
                if not d.endswith('.dist-info') or not os.path.isfile(path):
                    continue
                with open(path, encoding='utf-8', errors='replace') as f:
                    meta = email.parser.Parser().parse(f, headersonly=True)
                spec = (meta.get('Requires-Python') or '').strip()
                if not spec:
                    continue
                try:
                    ok = SpecifierSet(spec).contains(version, prereleases=True)
                except InvalidSpecifier:
                    continue  # pip ignores an invalid one too
                if not ok:
                    print('\\t'.join([meta.get('Name', d), meta.get('Version', '?'), spec]))
            """;

    private RequiresPython() {
    }

    /** Fails naming every installed distribution that needs another Python than {@code s.pythonVersion()}. */
    static void check(java.nio.file.Path sitePackages, Requirements.Settings s, java.nio.file.Path work) {
        Requirements.ProcessResult r = Requirements.run(List.of(s.python().toString(), "-c", SCRIPT,
                sitePackages.toString(), s.pythonVersion()), s, work, 120);
        if (r.exit() != 0) {
            throw new RequirementsException("Could not check the installed packages' Requires-Python with "
                    + s.python() + " (it needs pip's vendored packaging library, or packaging):\n"
                    + Tail.of(r.output(), 15));
        }
        StringBuilder misfits = new StringBuilder();
        for (String line : r.output().strip().split("\n")) {
            String[] f = line.split("\t");
            if (f.length != 3) {
                continue;
            }
            misfits.append("\n  ").append(f[0]).append(' ').append(f[1]).append(" requires Python ").append(f[2])
                    .append(": pin an older version in requirements.txt, e.g. ").append(f[0]).append('<')
                    .append(f[1]);
        }
        if (misfits.length() > 0) {
            throw new RequirementsException("The requirements install packages that need a newer Python than the"
                    + " guest's CPython " + s.pythonVersion() + " (the index did not say so, e.g. a --find-links"
                    + " directory, so pip took them):" + misfits);
        }
    }
}
