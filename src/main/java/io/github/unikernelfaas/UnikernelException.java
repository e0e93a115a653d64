package io.github.unikernelfaas;

import java.util.Optional;

/**
 * The root of the plugin's own errors: a message for the user and, when one setting is the fix, that
 * setting's property. The mojo base maps every one of them to a build failure and renders the setting
 * once, both as {@code -Dunikernel.x} and as {@code <x>}, so a throw site names the problem only.
 */
public class UnikernelException extends RuntimeException {

    private String setting;

    public UnikernelException(String message) {
        super(message);
    }

    public UnikernelException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Names the setting (its property, e.g. {@code unikernel.kernel}) that fixes this; returns this. */
    public UnikernelException setting(String property) {
        this.setting = property;
        return this;
    }

    public Optional<String> setting() {
        return Optional.ofNullable(setting);
    }

    /** The message, plus the setting in both of its spellings unless the message already gives the -D one. */
    public String render() {
        String message = String.valueOf(getMessage());
        if (setting == null || message.contains("-D" + setting)) {
            return message;
        }
        String name = setting.startsWith("unikernel.") ? setting.substring("unikernel.".length()) : setting;
        if (name.contains(".")) {
            // unikernel.deploy.name is <deployName>: no rule derives the POM name, so give the -D one only.
            return message + "\nSetting: -D" + setting + "=... on the command line.";
        }
        return message + "\nSetting: -D" + setting + "=... on the command line, or <" + name
                + "> in the plugin's <configuration>.";
    }
}
