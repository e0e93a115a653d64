package io.github.unikernelfaas.env;

import java.util.regex.Pattern;

/** Environment variable names: what a POSIX shell accepts, so that the handler sees them as written. */
final class Names {
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private Names() {
    }

    static String check(String name, String where) {
        if (!NAME.matcher(name).matches()) {
            throw new EnvException(where + ": \"" + name + "\" is not an environment variable name (letters, digits"
                    + " and _, not starting with a digit)");
        }
        return name;
    }
}
