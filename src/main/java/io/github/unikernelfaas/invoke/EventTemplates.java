package io.github.unikernelfaas.invoke;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Realistic events of the usual triggers, like {@code sam local generate-event}: resources of the plugin
 * (io/github/unikernelfaas/events/NAME.json), written into a project's test events.
 */
public final class EventTemplates {
    /** Template names with what each one is, in the order they are listed. */
    public static final Map<String, String> TEMPLATES = templates();

    private EventTemplates() {
    }

    private static Map<String, String> templates() {
        Map<String, String> t = new LinkedHashMap<>();
        t.put("http", "a plain HTTP request body (what curl -d sends)");
        t.put("apigw-rest", "Amazon API Gateway REST API proxy request (payload format 1.0)");
        t.put("apigw-http", "Amazon API Gateway HTTP API request (payload format 2.0)");
        t.put("sqs", "Amazon SQS message batch");
        t.put("sns", "Amazon SNS notification");
        t.put("s3", "Amazon S3 object-created notification");
        t.put("eventbridge", "Amazon EventBridge event");
        t.put("cloudevent", "CloudEvents 1.0 event, structured JSON mode (Knative, Google Cloud)");
        return t;
    }

    /** The list for messages: one "name: what" a line. */
    public static String describe() {
        return TEMPLATES.entrySet().stream().map(e -> "  " + e.getKey() + ": " + e.getValue())
                .collect(Collectors.joining("\n"));
    }

    /** The template's bytes; an unknown name fails naming the known ones. */
    public static byte[] template(String name) {
        if (name == null || !TEMPLATES.containsKey(name.trim())) {
            throw new InvalidEventException((name == null || name.isBlank() ? "No event template chosen"
                    : "No event template named \"" + name + "\"") + ": set unikernel.template to one of\n"
                    + describe(), null);
        }
        try (InputStream in = EventTemplates.class.getResourceAsStream("/io/github/unikernelfaas/events/"
                + name.trim() + ".json")) {
            if (in == null) {
                throw new IllegalStateException("The plugin lacks its event template " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read the event template " + name, e);
        }
    }

    /**
     * Writes template {@code name} to {@code dir/fileName.json}; an existing file is kept unless
     * {@code overwrite}. Returns the file written.
     */
    public static Path write(String name, Path dir, String fileName, boolean overwrite) {
        byte[] bytes = template(name);
        String base = fileName == null || fileName.isBlank() ? name.trim() : fileName.trim();
        if (base.endsWith(".json")) {
            base = base.substring(0, base.length() - ".json".length());
        }
        if (base.isEmpty() || base.contains("/") || base.contains("\\") || base.startsWith(".")
                || base.endsWith(".expected")) {
            throw new InvalidEventException("\"" + fileName + "\" is no event name (unikernel.eventName): a plain"
                    + " file name such as order-placed, not a path, not NAME.expected", null);
        }
        Path out = dir.resolve(base + ".json");
        if (Files.exists(out) && !overwrite) {
            throw new InvalidEventException(out + " exists: choose another name with -Dunikernel.eventName=NAME,"
                    + " or replace it with -Dunikernel.overwrite", null);
        }
        try {
            Files.createDirectories(dir);
            Path tmp = dir.resolve("." + base + ".json.tmp");
            Files.write(tmp, bytes);
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write " + out, e);
        }
        return out;
    }
}
