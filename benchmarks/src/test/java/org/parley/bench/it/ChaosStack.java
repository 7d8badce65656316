package org.parley.bench.it;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.parley.infra.stack.Console;
import org.parley.infra.stack.ParleyCommand;
import org.parley.infra.stack.StackException;

/**
 * The whole local stack for the chaos test, through the supervisor's API in this JVM, as the integration tests of
 * {@code infra} have it (split layout, local push test mode). It lives here, not in {@code infra}, because the chaos
 * mode is the load tool's, and the load tool ({@code ./parley bench}) runs this module's packaged jar: the build
 * packages it only after {@code infra}'s tests. Stops at the end what it started.
 */
final class ChaosStack implements BeforeAllCallback, AfterAllCallback {
    /** A command's exit code and output. */
    record Result(int exitCode, String output) {
    }

    private final Path root = findRoot();
    private boolean startedHere;

    @Override
    public void beforeAll(ExtensionContext context) {
        Result status = parley("status");
        startedHere = status.output().contains("stopped");
        Result up = parley("up");
        if (up.exitCode() != 0) {
            up = parley("up"); // a cold start can miss a readiness deadline; up rolled back what it started
        }
        if (up.exitCode() != 0) {
            throw new IllegalStateException("./parley up failed (exit " + up.exitCode() + "):\n" + up.output());
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (startedHere) {
            parley("down");
        }
    }

    Path repoRoot() {
        return root;
    }

    /** {@code ./parley <args>} in this JVM; the output also goes to the test log. */
    Result parley(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(new TeeStream(bytes), true, StandardCharsets.UTF_8);
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("PARLEY_STACK_LAYOUT", "split");
        env.put("PARLEY_PUSH_ALLOW_LOOPBACK_HTTP", "true");
        int exit;
        try {
            exit = ParleyCommand.run(root, env, new Console(out, out), List.of(args));
        } catch (StackException e) {
            if (!e.reported()) {
                out.println("parley: " + e.getMessage());
            }
            exit = e.exitCode();
        }
        out.flush();
        return new Result(exit, bytes.toString(StandardCharsets.UTF_8));
    }

    private static Path findRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("parley")) && Files.isRegularFile(dir.resolve("mvnw"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no ./parley found above " + Path.of("").toAbsolutePath());
    }

    /** Copies everything to the test log as well as to the capture. */
    private static final class TeeStream extends java.io.OutputStream {
        private final ByteArrayOutputStream capture;

        TeeStream(ByteArrayOutputStream capture) {
            this.capture = capture;
        }

        @Override
        public void write(int b) {
            capture.write(b);
            System.out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            capture.write(b, off, len);
            System.out.write(b, off, len);
        }
    }
}
