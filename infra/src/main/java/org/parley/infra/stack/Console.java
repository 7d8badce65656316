package org.parley.infra.stack;

import java.io.PrintStream;

/** The supervisor's output: "[  3.4s] ..." progress lines (time since the command started), warnings, failures. */
public final class Console {
    private final PrintStream out;
    private final PrintStream err;
    /** Seconds the bootstrap spent before this JVM (building), so the times go on from there. */
    private final long startNanos = System.nanoTime()
            - Long.getLong("parley.stack.elapsed-seconds", 0L) * 1_000_000_000L;

    public Console(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public PrintStream out() {
        return out;
    }

    public PrintStream err() {
        return err;
    }

    /** "12.3s" since the start. */
    public String elapsed() {
        long ms = (System.nanoTime() - startNanos) / 1_000_000;
        return (ms / 1000) + "." + ((ms % 1000) / 100) + "s";
    }

    public void say(String line) {
        out.printf("[%6s] %s%n", elapsed(), line);
        out.flush();
    }

    public void warn(String line) {
        out.flush();
        err.printf("[%6s] WARNING: %s%n", elapsed(), line);
        err.flush();
    }

    /** A line to standard error as is. */
    public void error(String line) {
        out.flush();
        err.println(line);
        err.flush();
    }
}
