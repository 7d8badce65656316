package org.parley.infra;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.parley.config.Settings;
import org.slf4j.LoggerFactory;

/**
 * One-shot, idempotent provisioning of the local stack, run by {@code ./parley up} once the services are ready:
 * Kafka topics, the CQL read-model schema, the media bucket, the registry subjects. Prints what it created and what
 * it found; the last line is {@code PROVISIONED in <ms> ms} on success. Exit status 1 if any step failed.
 */
public final class ProvisionStack {
    private ProvisionStack() {
    }

    public static void main(String[] args) {
        Logging.useToolConfig();
        LoggerFactory.getLogger(ProvisionStack.class); // initialise logging before the steps' threads log at once
        System.exit(run(Settings.load(), System.out) ? 0 : 1);
    }

    /** Runs the four steps in parallel (they touch different services), reports to out; true if all succeeded. */
    public static boolean run(Settings settings, PrintStream out) {
        long start = System.nanoTime();
        Map<String, Callable<List<String>>> steps = new LinkedHashMap<>();
        steps.put("topics", () -> new TopicProvisioner(settings).provision());
        steps.put("cql", () -> new CqlSchemaApplier(settings).apply());
        steps.put("s3", () -> new MediaBucketProvisioner(settings).provision());
        steps.put("registry", () -> new SchemaRegistration(settings).register());

        ExecutorService pool = Executors.newFixedThreadPool(steps.size());
        boolean ok = true;
        try {
            Map<String, Future<List<String>>> running = new LinkedHashMap<>();
            steps.forEach((name, step) -> running.put(name, pool.submit(step)));
            for (Map.Entry<String, Future<List<String>>> e : running.entrySet()) {
                try {
                    for (String line : e.getValue().get()) {
                        out.println(e.getKey() + ": " + line);
                    }
                } catch (ExecutionException failure) {
                    ok = false;
                    Throwable cause = failure.getCause();
                    out.println(e.getKey() + ": FAILED " + cause);
                    for (Throwable c = cause.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
                        out.println(e.getKey() + ":   caused by " + c);
                    }
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        } finally {
            pool.shutdownNow();
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        out.println(ok ? "PROVISIONED in " + ms + " ms" : "PROVISIONING FAILED after " + ms + " ms");
        out.flush();
        return ok;
    }
}
