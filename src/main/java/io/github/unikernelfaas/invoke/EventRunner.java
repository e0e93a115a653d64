package io.github.unikernelfaas.invoke;

import java.io.IOException;
import java.net.http.HttpTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/** Sends every case to the function and judges each answer. */
public final class EventRunner {
    private EventRunner() {
    }

    /**
     * @param vmAlive asked after a transport error, to tell a dead VM from a slow or broken handler
     */
    public static List<CaseResult> run(List<EventCase> cases, FunctionClient client, BooleanSupplier vmAlive,
            Consumer<String> log) throws InterruptedException {
        List<CaseResult> results = new ArrayList<>();
        for (EventCase c : cases) {
            long t0 = System.nanoTime();
            CaseResult r;
            try {
                r = Expectation.check(c, client.invoke(c.body()));
            } catch (HttpTimeoutException e) {
                r = CaseResult.error(c.name(), elapsedMillis(t0), "no answer within the invocation timeout"
                        + " (unikernel.invokeTimeout)");
            } catch (IOException e) {
                String why = vmAlive.getAsBoolean() ? "the connection failed: " + e
                        : "the VM stopped while handling it (see the console log)";
                r = CaseResult.error(c.name(), elapsedMillis(t0), why);
            }
            log.accept(String.format("%s %s (%.1f ms)%s", r.passed() ? "PASS" : "FAIL", c.name(), r.millis(),
                    r.passed() ? "" : ": " + r.message()));
            results.add(r);
        }
        return results;
    }

    private static double elapsedMillis(long t0) {
        return (System.nanoTime() - t0) / 1e6;
    }
}
