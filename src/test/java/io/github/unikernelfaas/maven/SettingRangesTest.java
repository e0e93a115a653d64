package io.github.unikernelfaas.maven;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoFailureException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A numeric setting out of range fails the goal before any work, naming the setting as -D and its range (not
 * "failed unexpectedly" from deep inside a JDK call). The goals here have no project: any work would fail
 * otherwise.
 */
class SettingRangesTest {

    @ParameterizedTest
    @CsvSource({
        "run, port, 70000, from 1 to 65535",
        "run, port, -5, from 1 to 65535",
        "run, invokeTimeout, 0, from 1 to 86400",
        "run, invokeTimeout, -3, from 1 to 86400",
        "run, bootTimeout, 0, from 1 to 86400",
        "run, guestPort, 0, from 1 to 65535",
        "run, memory, 0, from 16 to 1048576",
        "invoke, invokeTimeout, -1, from 1 to 86400",
        "integration-test, bootTimeout, -1, from 1 to 86400",
        "build, jobs, -1, from 0 to 1024",
        "build, handlerTimeout, -3, from 0 (no limit) to 999999",
        "build, handlerTimeout, soon, from 0 (no limit) to 999999",
        "build, downloadTimeout, 0, from 1 to 86400",
        "fetch, downloadTimeout, -1, from 1 to 86400",
        "deploy-files, replicas, -1, from 0 to 10000",
        "deploy-files, memory, 8, from 16 to 1048576",
        "package, guestPort, 65536, from 1 to 65535",
    })
    void anOutOfRangeSettingFailsBeforeAnyWorkNamingItAndItsRange(String goal, String field, String value,
            String range) throws Exception {
        AbstractUnikernelMojo mojo = validGoal(goal);
        set(mojo, field, value);
        MojoFailureException e = assertThrows(MojoFailureException.class, mojo::execute);
        String m = e.getMessage();
        assertTrue(m.contains("-Dunikernel." + field + "=") && m.contains("<" + field + ">"), m);
        assertTrue(m.contains(range) && m.contains(value), m);
        assertFalse(m.contains("unexpectedly"), m);
    }

    /** A goal whose numeric settings are their defaults (as Maven would inject them). */
    private static AbstractUnikernelMojo validGoal(String goal) throws Exception {
        AbstractUnikernelMojo mojo = switch (goal) {
            case "run" -> new RunMojo();
            case "invoke" -> new InvokeMojo();
            case "integration-test" -> new IntegrationTestMojo();
            case "build" -> new BuildMojo();
            case "fetch" -> new FetchMojo();
            case "deploy-files" -> new DeployFilesMojo();
            case "package" -> new PackageMojo();
            default -> throw new IllegalArgumentException(goal);
        };
        for (String[] d : new String[][] {{"port", "8080"}, {"guestPort", "8123"}, {"memory", "256"},
                {"bootTimeout", "90"}, {"invokeTimeout", "30"}, {"downloadTimeout", "60"}, {"jobs", "0"},
                {"replicas", "1"}, {"handlerTimeout", "25"}, {"maxEventBytes", "6291456"},
                {"maxResponseBytes", "6291456"}}) {
            if (field(mojo.getClass(), d[0]) != null) {
                set(mojo, d[0], d[1]);
            }
        }
        return mojo;
    }

    private static void set(AbstractMojo mojo, String name, String value) throws Exception {
        Field f = field(mojo.getClass(), name);
        f.setAccessible(true);
        f.set(mojo, f.getType() == int.class ? Integer.parseInt(value) : f.getType() == long.class ? Long.parseLong(value) : value);
    }

    private static Field field(Class<?> c, String name) {
        for (; c != null; c = c.getSuperclass()) {
            try {
                return c.getDeclaredField(name);
            } catch (NoSuchFieldException e) {
                // Look in the superclass.
            }
        }
        return null;
    }
}
