package io.github.unikernelfaas.source;

import java.nio.file.Files;
import java.nio.file.Path;
import java.net.URI;

/** A second build in its own JVM: resolves a manifest file against a mirror, prints its log and the result. */
public final class ResolveProbe {
    private ResolveProbe() {
    }

    public static void main(String[] args) throws Exception {
        FetchLog log = new FetchLog() {
            @Override
            public void info(String message) {
                System.out.println("INFO " + message);
                System.out.flush();
            }

            @Override
            public void warn(String message) {
                System.out.println("WARN " + message);
                System.out.flush();
            }
        };
        try {
            SourceSet set = SourceResolver.builder(Path.of(args[0])).mirror(URI.create(args[1])).log(log)
                    .idleTimeout(java.time.Duration.ofSeconds(20)).lockTimeout(java.time.Duration.ofSeconds(40))
                    .build().resolve(TestSources.parse(Files.readString(Path.of(args[2]))));
            System.out.println("CORE " + set.core());
            System.out.println("LIBS " + set.libraryPath());
            System.exit(0);
        } catch (SourceException e) {
            System.out.println("FAILED " + e.getMessage());
            System.exit(2);
        }
    }
}
