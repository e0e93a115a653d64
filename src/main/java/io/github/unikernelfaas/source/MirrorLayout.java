package io.github.unikernelfaas.source;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * Maps upstream URLs onto a mirror: {@code https://HOST/PATH} (or http) becomes {@code MIRROR/HOST/PATH}, the
 * query string kept, the upstream port dropped. {@code MIRROR} may be an http(s) or file URL.
 */
public final class MirrorLayout {
    private MirrorLayout() {
    }

    /** The URL to download {@code upstream} from, given the mirror base (null: upstream itself). */
    public static URI map(URI upstream, URI mirror) {
        if (mirror == null || "file".equalsIgnoreCase(upstream.getScheme())) {
            return upstream;
        }
        String base = mirror.toString();
        if (!base.endsWith("/")) {
            base += "/";
        }
        String path = upstream.getRawPath() == null ? "" : upstream.getRawPath();
        if (path.startsWith("/")) {
            path = path.substring(1);
        }
        String query = upstream.getRawQuery() == null ? "" : "?" + upstream.getRawQuery();
        try {
            return new URI(base + upstream.getHost() + "/" + path + query);
        } catch (URISyntaxException e) {
            throw new SourceException("Cannot map " + upstream + " onto mirror " + mirror + ": " + e.getMessage());
        }
    }

    /** Parses and checks a {@code unikernel.mirror} value. */
    public static URI parseMirror(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            URI uri = new URI(value.trim());
            String scheme = uri.getScheme();
            if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https")
                    || scheme.equalsIgnoreCase("file"))) {
                throw new SourceException("unikernel.mirror must be an http, https or file URL, not '" + value + "'");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new SourceException("unikernel.mirror is not a valid URL: '" + value + "': " + e.getMessage());
        }
    }
}
