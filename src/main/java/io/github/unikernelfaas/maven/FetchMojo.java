package io.github.unikernelfaas.maven;

import io.github.unikernelfaas.rootfs.StdlibPolicy;
import io.github.unikernelfaas.source.SourceSet;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/**
 * Fetches the pinned Unikraft core, libraries and the upstream archives their make would download into the
 * cache, each verified (file sha256 or tree digest). Offline ({@code -o}) it uses the cache only and names
 * every missing source. With a prebuilt kernel it fetches only what fs0's standard library is made from, and
 * nothing when that kernel needs none (unikernel.stdlib).
 */
@Mojo(name = "fetch", defaultPhase = LifecyclePhase.GENERATE_RESOURCES, threadSafe = true)
public class FetchMojo extends AbstractSourceMojo {
    @Override
    protected void run() throws MojoFailureException, InterruptedException {
        if (prebuiltKernel != null) {
            StdlibPolicy.Decision stdlibNeeded = stdlibDecision();
            if (!stdlibNeeded.install()) {
                getLog().info("Skipping fetch: the prebuilt kernel needs no standard library in fs0; "
                        + stdlibNeeded.reason());
                return;
            }
            List<String> ids = flavour().stdlibSources();
            resolveSources(ids);
            getLog().info("Prebuilt kernel " + prebuiltKernel + ": fetched only the standard library's sources ("
                    + String.join(", ", ids) + ")");
            return;
        }
        SourceSet set = resolveSources();
        getLog().info("Unikraft core: " + set.core());
        List<String> libs = new ArrayList<>();
        for (Map.Entry<String, java.nio.file.Path> lib : set.libs().entrySet()) {
            libs.add(lib.getKey());
        }
        getLog().info("Libraries (L= order): " + String.join(", ", libs));
        List<String> origins = new ArrayList<>();
        for (SourceSet.OriginArchive o : set.origins()) {
            origins.add(o.placeAs());
        }
        getLog().info("Origin archives for make's build directory: " + String.join(", ", origins));
    }
}
