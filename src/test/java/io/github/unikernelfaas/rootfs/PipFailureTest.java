package io.github.unikernelfaas.rootfs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Reading pip's output; the real pip runs in RequirementsTest. */
class PipFailureTest {
    @Test
    void onlyTheProjectsOwnSkippedFilesCount() {
        String vv = String.join("\n",
                "Skipping link: wrong project name (not fast-thing): file:///w/fast_thing-1.0-py3-none-any.whl",
                "Skipping link: none of the wheel's tags (cp37-cp37m-manylinux1_x86_64) are compatible (run pip debug"
                        + " --verbose to show compatible tags): file:///w/Fast_Thing-1.0-cp37-cp37m-manylinux1_x86_64.whl",
                "Skipping link: No sources permitted for fast-thing: https://i.example/f/fast-thing-2.0.tar.gz#sha256=ab",
                "Skipping link: none of the wheel's tags (cp311) are compatible: file:///w/fast_thing_extra-1.0-cp311-"
                        + "cp311-linux_x86_64.whl",
                "  Skipping link: 2.0 Requires-Python >=3.9: file:///w/fast%2Dthing-3.0-py3-none-any.whl (from"
                        + " file:///w/simple/fast-thing/) (requires-python:>=3.9)");
        assertEquals(List.of("Fast_Thing-1.0-cp37-cp37m-manylinux1_x86_64.whl", "fast-thing-2.0.tar.gz",
                "fast-thing-3.0-py3-none-any.whl"), PipFailure.skippedFiles(vv, "fast.thing"));
    }

    @Test
    void theRequirementItsNameAndTheVersionsPipListed() {
        PipFailure.NoMatch m = PipFailure.noMatch("ERROR: Could not find a version that satisfies the requirement"
                + " colors[x]>=9 (from versions: 1.0, 2.1)\nERROR: No matching distribution found for colors[x]>=9\n")
                .orElseThrow();
        assertEquals(new PipFailure.NoMatch("colors[x]>=9", "colors", List.of("1.0", "2.1")), m);
        assertEquals(List.of(), PipFailure.noMatch("ERROR: Could not find a version that satisfies the requirement"
                + " nope (from versions: none)").orElseThrow().versions());
    }
}
