package io.github.unikernelfaas.invoke;

import java.io.IOException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Sends every case to the function and judges each answer. The guest runs one handler at a time: after
 * a case timed out, the next one waits until the guest answers /health with 200 again (today's wrapper
 * answers it while a handler runs, and queues the next request behind that handler until its time limit;
 * older ones only once it has finished), and is reported as not run when it does not within the
 * invocation timeout.
 */
public final class EventRunner {
    private static final Duration POLL = Duration.ofMillis(200);

    private EventRunner() {
    }

    /**
     * @param vmStopped asked while a case runs: why the VM can serve no more (with its console's tail), if it
     *                  cannot; the case then fails at once saying so, and the cases after it are not run
     */
    public static List<CaseResult> run(List<EventCase> cases, FunctionClient client,
            Supplier<Optional<String>> vmStopped, Consumer<String> log) throws InterruptedException {
        List<CaseResult> results = new ArrayList<>();
        String busyWith = null;
        String stoppedDuring = null;
        for (EventCase c : cases) {
            if (stoppedDuring != null) {
                CaseResult r = CaseResult.error(c.name(), 0, "not run: the VM stopped during " + stoppedDuring);
                log.accept("FAIL " + c.name() + ": " + r.message());
                results.add(r);
                continue;
            }
            if (busyWith != null && !waitUntilFree(client)) {
                CaseResult r = CaseResult.error(c.name(), 0, "not run: the VM was still busy with " + busyWith
                        + ", which did not finish within the invocation timeout (unikernel.invokeTimeout)");
                log.accept("FAIL " + c.name() + ": " + r.message());
                results.add(r);
                continue;
            }
            busyWith = null;
            long t0 = System.nanoTime();
            CaseResult r;
            try {
                r = Expectation.check(c, client.invoke(c.body(), vmStopped));
            } catch (VmStoppedException e) {
                r = CaseResult.error(c.name(), elapsedMillis(t0), "the VM stopped during " + c.name() + ": "
                        + e.getMessage());
                stoppedDuring = c.name();
            } catch (HttpTimeoutException e) {
                r = CaseResult.error(c.name(), elapsedMillis(t0), "no answer within the invocation timeout"
                        + " (unikernel.invokeTimeout)");
                busyWith = c.name();
            } catch (IOException e) {
                r = CaseResult.error(c.name(), elapsedMillis(t0), "the connection failed: " + e);
            }
            log.accept(String.format("%s %s (%.1f ms)%s", r.passed() ? "PASS" : "FAIL", c.name(), r.millis(),
                    r.passed() ? "" : ": " + r.message()));
            results.add(r);
        }
        return results;
    }

    /** As above, for a VM that cannot be watched (tests, tools): a failed connection is just that. */
    public static List<CaseResult> run(List<EventCase> cases, FunctionClient client, Consumer<String> log)
            throws InterruptedException {
        return run(cases, client, Optional::empty, log);
    }

    /** Polls /health for up to the invocation timeout; true once the guest answers. */
    private static boolean waitUntilFree(FunctionClient client) throws InterruptedException {
        long deadline = System.nanoTime() + client.timeout().toNanos();
        while (System.nanoTime() < deadline) {
            long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
            if (client.healthy(Duration.ofMillis(left))) {
                return true;
            }
            Thread.sleep(Math.min(POLL.toMillis(), left));
        }
        return false;
    }

    private static double elapsedMillis(long t0) {
        return (System.nanoTime() - t0) / 1e6;
    }
}
