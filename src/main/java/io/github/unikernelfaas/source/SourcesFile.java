package io.github.unikernelfaas.source;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Source overrides from a JSON file ({@code -Dunikernel.sourcesFile}), for what a POM cannot say from the
 * command line: {@code {"sources": [{"id": "musl", "url": "...", "sha256": "..."}]}} with the fields of a POM
 * {@code <source>}. Relative patch paths are taken from the file's folder. Anything the format does not know
 * fails, naming the file: a misspelt field must not silently leave a pin in place.
 */
public final class SourcesFile {
    static final String FIELDS = "id, version, url, sha256, treeSha256, patches";

    private SourcesFile() {
    }

    private record Root(List<Entry> sources) {
    }

    private record Entry(String id, String version, String url, String sha256, String treeSha256,
            List<String> patches) {
    }

    /** Reads the overrides of {@code file}, in file order. */
    public static List<SourceOverride> read(Path file) {
        Path abs = file.toAbsolutePath().normalize();
        String from = "the sources file " + abs;
        Root root;
        try {
            root = new ObjectMapper()
                    .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                    .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                    .readValue(Files.readAllBytes(abs), Root.class);
        } catch (NoSuchFileException e) {
            throw new SourceException("The sources file " + abs + " (unikernel.sourcesFile) does not exist");
        } catch (UnrecognizedPropertyException e) {
            throw new SourceException("Sources file " + abs + ": unknown field '" + e.getPropertyName() + "' at "
                    + path(e) + " (line " + e.getLocation().getLineNr() + "). An entry has the fields " + FIELDS
                    + "; the file is {\"sources\": [entries]}");
        } catch (JsonProcessingException e) {
            throw new SourceException("Sources file " + abs + " is not valid: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ")")
                    + ". Expected {\"sources\": [{\"id\": \"musl\", \"sha256\": \"...\"}, ...]}");
        } catch (IOException e) {
            throw new SourceException("Cannot read the sources file " + abs + ": " + e.getMessage(), e);
        }
        if (root == null || root.sources() == null) {
            throw new SourceException("Sources file " + abs + " has no \"sources\" list. Expected {\"sources\":"
                    + " [{\"id\": \"musl\", \"sha256\": \"...\"}, ...]}");
        }
        List<SourceOverride> overrides = new ArrayList<>();
        int i = 0;
        for (Entry e : root.sources()) {
            if (e == null || e.id() == null || e.id().isBlank()) {
                throw new SourceException("Sources file " + abs + ": entry " + i + " of \"sources\" has no \"id\"");
            }
            List<Path> patches = null;
            if (e.patches() != null) {
                patches = new ArrayList<>();
                for (String p : e.patches()) {
                    if (p == null || p.isBlank()) {
                        throw new SourceException("Sources file " + abs + ": entry '" + e.id() + "' has an empty"
                                + " patch path");
                    }
                    patches.add(abs.getParent().resolve(p.trim()));
                }
            }
            overrides.add(new SourceOverride(e.id(), e.version(), e.url(), e.sha256(), e.treeSha256(), patches,
                    from));
            i++;
        }
        return overrides;
    }

    /** Where in the document a mapping problem is, e.g. {@code sources[1].sha265}. */
    private static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                sb.append(sb.length() == 0 ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.length() == 0 ? "the top level" : sb.toString();
    }
}
