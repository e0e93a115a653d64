package io.github.unikernelfaas.maven;

import io.github.unikernelfaas.kernel.KernelBuilder;
import io.github.unikernelfaas.kernel.KernelBundleZip;
import io.github.unikernelfaas.vm.KernelBundle;
import java.io.File;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Component;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProjectHelper;

/**
 * Packages a kernel as a kernel bundle zip, so that a team builds its runtime once and every developer and CI
 * runner resolves it ({@code -Dunikernel.kernel=mvn:group:artifact:version}) without a C toolchain. Without
 * unikernel.kernel it builds the flavour's kernel (or takes it from the cache) and records the flavour, the guest
 * contract version, the cache key and the patches; with one, it republishes that kernel or bundle. In a project of
 * packaging {@code unikernel-runtime} the zip is the project's artifact (install and deploy publish it); in any
 * other it is attached with the classifier {@code kernel-bundle}.
 */
@Mojo(name = "kernel-bundle", defaultPhase = LifecyclePhase.PACKAGE, threadSafe = true)
public class KernelBundleMojo extends AbstractSourceMojo {
    static final String PACKAGING = "unikernel-runtime";
    static final String CLASSIFIER = "kernel-bundle";

    @Parameter(defaultValue = "${project.build.directory}/${project.build.finalName}.zip", readonly = true)
    private File bundleZip;

    @Component
    private MavenProjectHelper projectHelper;

    @Override
    protected void run() throws MojoFailureException, InterruptedException {
        Map<String, Path> files = new LinkedHashMap<>();
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("guestContract", KernelBundle.GUEST_CONTRACT);
        if (prebuiltKernel == null) {
            KernelBuilder.Result built = buildOrReuseKernel(resolveSources());
            files.put("kernel", built.kernel());
            built.debugSymbols().ifPresent(dbg -> files.put("kernel.dbg", dbg));
            properties.put("flavour", flavour().name());
            properties.put("unikraftVersion", unikraftVersion());
            properties.put("cacheKey", built.key());
            if (!built.patches().isEmpty()) {
                properties.put("patches", String.join(",", built.patches()));
            }
        } else {
            files.put("kernel", prebuiltKernel.toPath());
            if (kernelBundle != null) {
                kernelBundle.initrd().ifPresent(i -> files.put("initrd", i));
                kernelBundle.kernelArgs().ifPresent(a -> properties.put("kernelArgs", a));
                kernelBundle.qemuArgs().ifPresent(a -> properties.put("qemuArgs", a));
                kernelBundle.initrdRoot().ifPresent(a -> properties.put("initrdRoot", a));
                kernelBundle.stdlib().ifPresent(a -> properties.put("stdlib", a));
                kernelBundle.provenance().flavour().ifPresent(a -> properties.put("flavour", a));
            }
        }
        properties.put("kernel", "kernel");
        if (files.containsKey("initrd")) {
            properties.put("initrd", "initrd");
        }
        KernelBundleZip.write(bundleZip.toPath(), files, properties);
        if (PACKAGING.equals(project.getPackaging())) {
            project.getArtifact().setFile(bundleZip);
        } else {
            projectHelper.attachArtifact(project, KernelArtifact.EXTENSION, CLASSIFIER, bundleZip);
        }
        getLog().info("Kernel bundle: " + bundleZip + " (" + String.join(", ", files.keySet()) + "; "
                + (prebuiltKernel == null ? "flavour " + flavour().name() : "prebuilt " + prebuiltKernel) + ")");
    }
}
