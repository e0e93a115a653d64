package io.github.unikernelfaas.maven;

import io.github.unikernelfaas.invoke.EventTemplates;
import java.io.File;
import java.nio.file.Path;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/**
 * Writes a realistic event of a usual trigger (API Gateway, SQS, SNS, S3, EventBridge, CloudEvents, plain
 * HTTP) into the test events, like {@code sam local generate-event}:
 * {@code ./mvnw unikernel:generate-event -Dunikernel.template=sqs}.
 */
@Mojo(name = "generate-event", threadSafe = true)
public class GenerateEventMojo extends AbstractUnikernelMojo {
    /** The template: http, apigw-rest, apigw-http, sqs, sns, s3, eventbridge or cloudevent. */
    @Parameter(property = "unikernel.template")
    private String template;

    /** The event's file name without .json; default: the template's name. */
    @Parameter(property = "unikernel.eventName")
    private String eventName;

    /** Replace an existing event file of that name. */
    @Parameter(property = "unikernel.overwrite", defaultValue = "false")
    private boolean overwrite;

    /** Where the integration-test goal finds the events. */
    @Parameter(property = "unikernel.eventsDirectory", defaultValue = "${project.basedir}/src/test/events")
    private File eventsDirectory;

    @Override
    protected void run() {
        Path out = EventTemplates.write(template, eventsDirectory.toPath(), eventName, overwrite);
        getLog().info("Wrote " + out + " (" + EventTemplates.TEMPLATES.get(template.trim()) + "); add "
                + out.getFileName().toString().replace(".json", ".expected.json")
                + " beside it with what handler must return, or the case passes on HTTP 200");
    }
}
