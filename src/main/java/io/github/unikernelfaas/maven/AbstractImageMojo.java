package io.github.unikernelfaas.maven;

import java.io.File;
import org.apache.maven.plugins.annotations.Parameter;

/** What the package and push goals share: the image reference and its tar. */
abstract class AbstractImageMojo extends AbstractUnikernelMojo {
    /** The image reference: [registry/]name[:tag]. */
    @Parameter(property = "unikernel.image", defaultValue = "${project.artifactId}:${project.version}")
    protected String image;

    /** The OCI image layout tar. */
    @Parameter(property = "unikernel.imageTar",
            defaultValue = "${project.build.directory}/${project.build.finalName}.oci.tar")
    protected File imageTar;
}
