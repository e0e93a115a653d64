package io.github.unikernelfaas.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The two sides of the guest contract agree: the constants of {@link GuestContract} against the shipped
 * wrapper.py's module-level constants (and, for the entry module and the app package, its code and the
 * flavours' start commands). A rename on one side only fails here, not in a booted guest.
 */
class GuestContractTest {
    /** A module-level {@code NAME = "text"} or {@code NAME = ("a", "b")}, optionally commented. */
    static final Pattern CONSTANT = Pattern.compile("^([A-Z][A-Z0-9_]*) = (\"[^\"]*\"|\\((?:\"[^\"]*\"(?:, )?)+\\))(?:\\s+#.*)?$",
            Pattern.MULTILINE);
    static final Pattern STRING = Pattern.compile("\"([^\"]*)\"");

    static Path resources;
    static String wrapper;
    static Map<String, List<String>> constants;

    @BeforeAll
    static void read() throws Exception {
        // The shipped tree (target/classes), not the test resources, which have test flavours of their own.
        resources = Path.of(GuestContract.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .resolve("io/github/unikernelfaas");
        wrapper = Files.readString(resources.resolve("rootfs").resolve(GuestContract.WRAPPER_FILE), StandardCharsets.UTF_8);
        constants = constants(wrapper);
    }

    static Map<String, List<String>> constants(String python) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        Matcher m = CONSTANT.matcher(python);
        while (m.find()) {
            List<String> values = new ArrayList<>();
            Matcher s = STRING.matcher(m.group(2));
            while (s.find()) {
                values.add(s.group(1));
            }
            out.put(m.group(1), values);
        }
        return out;
    }

    private static String wrapperConstant(String name) {
        List<String> values = constants.get(name);
        assertTrue(values != null && values.size() == 1, "wrapper.py defines no string constant " + name
                + " = \"...\" at module level (found: " + constants.keySet() + ")");
        return values.get(0);
    }

    @Test
    void theFilesBesideTheWrapperHaveTheSameNames() {
        assertEquals(GuestContract.SETTINGS_FILE, wrapperConstant("SETTINGS_FILE"));
        assertEquals(GuestContract.ENV_FILE, wrapperConstant("ENV_FILE"));
        assertEquals(GuestContract.RELOAD_FILE, wrapperConstant("RELOAD_FILE"));
        assertEquals(GuestContract.SITE_PACKAGES_DIR, wrapperConstant("SITE_PACKAGES"));
    }

    @Test
    void theEndpointsAreTheWrappers() {
        assertEquals(GuestContract.RESTORED_PATH, wrapperConstant("RESTORED_PATH"));
        List<String> health = constants.get("HEALTH_PATHS");
        assertTrue(health != null && health.contains(GuestContract.HEALTH_PATH),
                "wrapper.py's HEALTH_PATHS " + health + " lack " + GuestContract.HEALTH_PATH);
    }

    @Test
    void theWrapperImportsTheEntryModuleAndCallsTheHandler() {
        String module = GuestContract.FUNCTION_FILE.replaceFirst("\\.py$", "");
        assertTrue(Pattern.compile("^\\s+import " + Pattern.quote(module) + "$", Pattern.MULTILINE).matcher(wrapper).find(),
                "wrapper.py never runs `import " + module + "` (GuestContract.FUNCTION_FILE)");
        assertTrue(wrapper.contains("getattr(" + module + ", \"" + GuestContract.HANDLER + "\""),
                "wrapper.py never looks up " + GuestContract.HANDLER + " in " + module);
    }

    /** The start command imports the wrapper as a module of the app package: both names come from here. */
    @Test
    void everyShippedFlavourStartsTheWrapperFromTheAppDirectory() throws Exception {
        String entry = GuestContract.APP_DIR + "." + GuestContract.WRAPPER_FILE.replaceFirst("\\.py$", "");
        List<String> flavours = Files.readAllLines(resources.resolve("flavours/index.txt")).stream()
                .map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        assertFalse(flavours.isEmpty());
        for (String f : flavours) {
            String json = Files.readString(resources.resolve("flavours").resolve(f).resolve("flavour.json"));
            assertTrue(json.contains("import sys, " + entry + " as w") || json.contains("-m " + entry),
                    "flavour " + f + " does not start " + entry);
        }
    }

    /** The parser itself: a constant renamed or dropped on the Python side is not found. */
    @Test
    void theParserReadsModuleLevelConstantsOnly() {
        Map<String, List<String>> c = constants("""
                ENV_FILE = "a.json"  # comment
                PATHS = ("/x", "/y")
                    INDENTED = "no"
                lower = "no"
                COUNT = 3
                """);
        assertEquals(Map.of("ENV_FILE", List.of("a.json"), "PATHS", List.of("/x", "/y")), c);
    }
}
