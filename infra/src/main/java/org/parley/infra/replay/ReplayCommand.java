package org.parley.infra.replay;

import com.datastax.oss.driver.api.core.CqlSession;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.parley.config.Settings;
import org.parley.projections.CqlSessionFactory;
import org.parley.projections.ReadModelTables;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./parley replay}: rebuilds the read model from the log into another keyspace and compares it with the live
 * one (exit 0 equal, 1 different, 2 bad usage or failure); or, with {@code --topic}, writes one topic's records in a
 * range to a JSON-lines file. docs/replay.md.
 */
@Command(name = "./parley replay", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Rebuilds the CQL read model from the topics into another keyspace and compares it with the live"
                + " one, table by table (exit 0: equal, 1: different, 2: bad usage or failure).",
                "With --topic: writes one topic's records in a range as JSON lines (decoded value, schema id)."})
public final class ReplayCommand implements Callable<Integer> {
    @Option(names = "--keyspace", paramLabel = "NAME",
            description = "keyspace to rebuild into (default: <cql.keyspace>_replay); never the live one")
    String keyspace;

    @Option(names = "--fresh", description = "drop that keyspace and its consumer group's offsets first"
            + " (default: resume where a stopped replay into it was)")
    boolean fresh;

    @Option(names = "--group", paramLabel = "ID", description = "consumer group of the replay (default: parley-replay-<keyspace>)")
    String group;

    @Option(names = "--no-compare", description = "rebuild only")
    boolean noCompare;

    @Option(names = "--compare-only", description = "compare the keyspace with the live one without replaying")
    boolean compareOnly;

    @Option(names = "--against", paramLabel = "KEYSPACE", description = "the keyspace to compare with (default: cql.keyspace)")
    String against;

    @Option(names = "--topic", paramLabel = "TOPIC", description = "export this topic's records instead (needs --out)")
    String topic;

    @Option(names = "--from", paramLabel = "OFFSET|TIME", description = "with --topic: first offset, or first time (ISO-8601)")
    String from;

    @Option(names = "--to", paramLabel = "OFFSET|TIME", description = "with --topic: end offset or time, excluded (default: the current end)")
    String to;

    @Option(names = "--partition", paramLabel = "P", description = "with --topic: only this partition")
    Integer partition;

    @Option(names = "--out", paramLabel = "FILE", description = "with --topic: the JSON-lines file ('-': standard output)")
    String outFile;

    private final Settings settings;
    private final PrintStream out;
    private final PrintStream err;

    public ReplayCommand() {
        this(Settings.load(), System.out, System.err);
    }

    public ReplayCommand(Settings settings, PrintStream out, PrintStream err) {
        this.settings = settings;
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "parley-infra-logback.xml"); // the tools' logging config
        }
        System.exit(new CommandLine(new ReplayCommand()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        try {
            return topic != null ? export() : rebuildAndCompare();
        } catch (IllegalArgumentException e) {
            err.println("parley replay: " + e.getMessage());
            return 2;
        }
    }

    private int export() throws IOException {
        if (outFile == null) {
            throw new IllegalArgumentException("--topic needs --out FILE (or --out - for standard output)");
        }
        if (keyspace != null || fresh || compareOnly || noCompare || against != null || group != null) {
            throw new IllegalArgumentException("--topic exports a topic; the keyspace options do not apply");
        }
        TopicRangeExport.Bound lower = from == null ? null : TopicRangeExport.Bound.parse(from);
        TopicRangeExport.Bound upper = to == null ? null : TopicRangeExport.Bound.parse(to);
        long started = System.nanoTime();
        long n;
        if (outFile.equals("-")) {
            Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
            n = new TopicRangeExport(settings).export(topic, partition, lower, upper, w);
        } else {
            try (Writer w = Files.newBufferedWriter(Path.of(outFile), StandardCharsets.UTF_8)) {
                n = new TopicRangeExport(settings).export(topic, partition, lower, upper, w);
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        err.printf("exported %d records of %s to %s in %.1f s%n", n, topic, outFile, seconds);
        return 0;
    }

    private int rebuildAndCompare() throws InterruptedException {
        if (from != null || to != null || partition != null || outFile != null) {
            throw new IllegalArgumentException("--from, --to, --partition and --out go with --topic");
        }
        if (compareOnly && (noCompare || fresh)) {
            throw new IllegalArgumentException("--compare-only replays nothing: drop --no-compare and --fresh");
        }
        String liveKeyspace = ReadModelRebuild.requireKeyspaceName(against != null ? against : settings.get("cql.keyspace"));
        String target = ReadModelRebuild.requireKeyspaceName(keyspace != null ? keyspace
                : settings.get("cql.keyspace") + "_replay");
        if (target.equals(liveKeyspace)) {
            throw new IllegalArgumentException("--keyspace and --against name the same keyspace '" + target + "'");
        }
        if (!compareOnly) {
            ReadModelRebuild rebuild = new ReadModelRebuild(settings.with(java.util.Map.of("cql.keyspace", liveKeyspace)),
                    target, group != null ? group : "parley-replay-" + target, out, 2_000);
            if (fresh) {
                out.println("dropping keyspace " + target + " and the replay's consumer offsets");
                rebuild.reset();
            }
            rebuild.run();
        }
        if (noCompare) {
            return 0;
        }
        if (against == null) {
            long lag = ReadModelRebuild.lag(settings, settings.get("projections.group-id"));
            if (lag > 0) {
                out.printf("note: the live projection has %d records of the log still to write (or commit):"
                        + " rows they write may show as differences; compare again with --compare-only%n", lag);
            }
        }
        return compare(settings, liveKeyspace, target, out) ? 0 : 1;
    }

    /** Compares the rebuilt tables of two keyspaces, prints the report; true if equal. */
    public static boolean compare(Settings settings, String live, String replayed, PrintStream out) {
        try (CqlSession session = CqlSessionFactory.open(settings, false)) {
            session.refreshSchema();
            ReadModelComparison.Result result = new ReadModelComparison(new CqlKeyspaceRows(session, live),
                    new CqlKeyspaceRows(session, replayed)).compare(ReadModelTables.REBUILT_FROM_LOG);
            ReadModelComparison.print(result, out);
            return result.equal();
        }
    }
}
