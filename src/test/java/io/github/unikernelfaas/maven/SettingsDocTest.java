package io.github.unikernelfaas.maven;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * Keeps docs/settings.md true: every property a mojo reads is in its table, every {@code unikernel.x} of
 * the table is a parameter, and a default the table gives as a literal is the parameter's default.
 * {@code @Parameter} is not kept at run time, so the parameters come from the plugin descriptor that
 * maven-plugin-plugin writes into target/classes at process-classes, before the tests run.
 */
class SettingsDocTest {
    static final Path SETTINGS = Path.of("docs/settings.md");
    /** Documented names that stand for a family of properties, not one parameter. */
    static final Set<String> PATTERNS = Set.of("unikernel.env.NAME");
    /** Maven's own expressions: not user properties. */
    static final Pattern MAVEN_EXPRESSION = Pattern.compile("(project|session|settings|mojo|plugin|reactorProjects|basedir)\\b.*");
    static final Pattern CODE = Pattern.compile("`([^`]*)`");
    static final Pattern PROPERTY = Pattern.compile("\\$\\{([^}]+)}");

    /** property → the defaults the mojos declare for it (a property declared by two mojos has two entries). */
    static Map<String, Set<String>> parameters;
    /** The table's rows: the properties of the first cell, the default cell. */
    static List<Row> rows;

    record Row(List<String> properties, String defaultCell) {}

    @BeforeAll
    static void read() throws Exception {
        parameters = descriptorParameters();
        rows = tableRows(Files.readString(SETTINGS, StandardCharsets.UTF_8));
    }

    static Map<String, Set<String>> descriptorParameters() throws Exception {
        Path classes = Path.of(AbstractUnikernelMojo.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path descriptor = classes.resolve("META-INF/maven/plugin.xml");
        assertTrue(Files.isRegularFile(descriptor), descriptor + " is missing: maven-plugin-plugin writes it at"
                + " process-classes; run the tests through Maven (./mvnw test)");
        NodeList mojos = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(descriptor.toFile())
                .getElementsByTagName("mojo");
        Map<String, Set<String>> out = new TreeMap<>();
        for (int i = 0; i < mojos.getLength(); i++) {
            Element mojo = (Element) mojos.item(i);
            NodeList configs = mojo.getElementsByTagName("configuration");
            if (configs.getLength() == 0) {
                continue;
            }
            NodeList entries = configs.item(0).getChildNodes();
            for (int j = 0; j < entries.getLength(); j++) {
                if (entries.item(j).getNodeType() != Node.ELEMENT_NODE) {
                    continue;
                }
                Element e = (Element) entries.item(j);
                Matcher m = PROPERTY.matcher(e.getTextContent().trim());
                if (m.matches() && !MAVEN_EXPRESSION.matcher(m.group(1)).matches()) {
                    out.computeIfAbsent(m.group(1), k -> new TreeSet<>()).add(e.getAttribute("default-value"));
                }
            }
        }
        assertTrue(out.size() > 40, "the descriptor's user properties look incomplete: " + out.keySet());
        return out;
    }

    static List<Row> tableRows(String doc) {
        List<Row> out = new ArrayList<>();
        for (String line : doc.split("\n")) {
            if (!line.startsWith("| `")) {
                continue;
            }
            String[] cells = line.split(" \\| ", 3);
            List<String> props = new ArrayList<>();
            Matcher m = CODE.matcher(cells[0]);
            while (m.find()) {
                if (!m.group(1).startsWith("<")) {
                    props.add(m.group(1));
                }
            }
            out.add(new Row(props, cells[1].trim()));
        }
        assertTrue(out.size() > 30, "no settings table found in " + SETTINGS);
        return out;
    }

    @Test
    void everyPropertyOfTheMojosIsInTheTable() {
        Set<String> documented = new TreeSet<>();
        rows.forEach(r -> documented.addAll(r.properties()));
        Set<String> missing = new TreeSet<>(parameters.keySet());
        missing.removeAll(documented);
        assertEquals(Set.of(), missing, "parameters missing from " + SETTINGS + ": add a row for each");
    }

    @Test
    void everyPropertyOfTheTableIsAParameter() {
        Set<String> unknown = new TreeSet<>();
        for (Row r : rows) {
            for (String p : r.properties()) {
                if (!parameters.containsKey(p) && !PATTERNS.contains(p)) {
                    unknown.add(p);
                }
            }
        }
        assertEquals(Set.of(), unknown, SETTINGS + " names properties no mojo reads");
    }

    /** A default cell that is one literal ({@code `256`}) or empty must match the descriptor; prose is not checked. */
    @Test
    void literalDefaultsAreTheParametersDefaults() {
        List<String> wrong = new ArrayList<>();
        int checked = 0;
        for (Row r : rows) {
            String cell = r.defaultCell();
            boolean empty = cell.isEmpty();
            Matcher m = CODE.matcher(cell);
            if (!empty && !m.matches()) {
                continue;
            }
            String documented = empty ? "" : m.group(1);
            for (String p : r.properties()) {
                Set<String> declared = parameters.get(p);
                if (declared == null || (empty && r.properties().size() > 1)) {
                    continue;
                }
                checked++;
                for (String d : declared) {
                    if (!documented.equals(spelled(d))) {
                        wrong.add(p + ": the table says '" + documented + "', a mojo declares '" + d + "'");
                    }
                }
            }
        }
        assertEquals(List.of(), wrong);
        assertTrue(checked > 30, "only " + checked + " defaults checked");
    }

    /** A descriptor default as the table writes it: paths relative to the project, {@code ~} for the home. */
    static String spelled(String d) {
        return d.replace("${project.basedir}/", "").replace("${project.build.directory}", "target")
                .replace("${user.home}", "~").replace("${project.build.finalName}", "${finalName}")
                .replace("${project.", "${");
    }
}
