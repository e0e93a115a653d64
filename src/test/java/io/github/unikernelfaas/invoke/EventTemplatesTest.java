package io.github.unikernelfaas.invoke;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventTemplatesTest {
    private static final Path ARCHETYPE_FUNCTION =
            Path.of("archetype/src/main/resources/archetype-resources/src/main/python/function.py");

    @TempDir
    Path dir;

    @Test
    void everyTemplateIsAJsonObjectTheEventLoaderTakes() throws IOException {
        ObjectMapper json = new ObjectMapper();
        for (String name : EventTemplates.TEMPLATES.keySet()) {
            Path f = EventTemplates.write(name, dir, null, false);
            assertEquals(name + ".json", f.getFileName().toString());
            JsonNode node = json.readTree(Files.readAllBytes(f));
            assertTrue(node.isObject() && node.size() >= 1, name);
            assertEquals(name, EventCases.load(f).name());
        }
    }

    @Test
    void theArchetypesHandlerTakesEveryTemplate() throws Exception {
        // Host python3 runs the archetype's function.py on each template, as the wrapper would call it.
        List<String> files = new ArrayList<>();
        for (String name : EventTemplates.TEMPLATES.keySet()) {
            files.add(EventTemplates.write(name, dir, null, false).toString());
        }
        String script = "import importlib.util, json, sys\n"
                + "spec = importlib.util.spec_from_file_location('function', sys.argv[1])\n"
                + "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n"
                + "for f in sys.argv[2:]:\n"
                + "    r = m.handler(json.load(open(f, encoding='utf-8')))\n"
                + "    print(json.dumps(r))\n";
        List<String> cmd = new ArrayList<>(List.of("python3", "-c", script, ARCHETYPE_FUNCTION.toString()));
        cmd.addAll(files);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "python3 did not finish");
        assertEquals(0, p.exitValue(), out);
        List<String> answers = out.lines().toList();
        assertEquals(files.size(), answers.size(), out);
        for (String a : answers) {
            assertTrue(new ObjectMapper().readTree(a).has("greeting"), a);
        }
    }

    @Test
    void anExistingEventIsKeptUnlessOverwriteIsAsked() throws IOException {
        Path mine = dir.resolve("order.json");
        Files.writeString(mine, "{\"mine\": true}");
        InvalidEventException e = assertThrows(InvalidEventException.class,
                () -> EventTemplates.write("sqs", dir, "order", false));
        assertTrue(e.getMessage().contains("-Dunikernel.overwrite"), e.getMessage());
        assertEquals("{\"mine\": true}", Files.readString(mine));
        EventTemplates.write("sqs", dir, "order.json", true);
        assertArrayEquals(EventTemplates.template("sqs"), Files.readAllBytes(mine));
    }

    @Test
    void anUnknownOrMissingTemplateNamesTheKnownOnes() {
        for (String bad : new String[] {null, "kinesis"}) {
            InvalidEventException e = assertThrows(InvalidEventException.class,
                    () -> EventTemplates.write(bad, dir, null, false));
            assertTrue(e.getMessage().contains("apigw-http: Amazon API Gateway HTTP API"), e.getMessage());
        }
    }

    @Test
    void anEventNameMustBeAPlainFileName() {
        for (String bad : new String[] {"../escape", "a/b", "hello.expected", ".hidden"}) {
            assertThrows(InvalidEventException.class, () -> EventTemplates.write("http", dir, bad, false), bad);
        }
    }
}
