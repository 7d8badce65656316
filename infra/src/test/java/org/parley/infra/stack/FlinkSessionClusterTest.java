package org.parley.infra.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Flink session cluster's configuration and the choice of what a resubmitted job restores. */
class FlinkSessionClusterTest {
    @TempDir
    Path root;

    @Test
    void theClusterConfigurationSurvivesTheLossOfOneTaskManagerAndKeepsItsCheckpoints() {
        StackSettings s = StackSettings.load(root, Map.of("PARLEY_STACK_TOPOLOGY", "cluster"));
        Path flinkDir = s.data().resolve("flink");
        Map<String, String> c = FlinkSessionCluster.configuration(s, flinkDir);
        int slots = Integer.parseInt(c.get("taskmanager.numberOfTaskSlots"));
        int parallelism = Integer.parseInt(c.get("parallelism.default"));
        // one TaskManager alone holds the whole job (slot sharing: one slot per parallel pipeline)
        assertThat(slots).isGreaterThanOrEqualTo(parallelism);
        assertThat(c).containsEntry("execution.checkpointing.dir", flinkDir.resolve("checkpoints").toUri().toString())
                .containsEntry("rest.port", "28071").containsEntry("blob.server.port", "28072")
                .containsEntry("jobmanager.rpc.port", "28073").containsEntry("web.submit.enable", "false")
                .containsEntry("taskmanager.memory.managed.size", "0m").containsEntry("heartbeat.timeout", "10000");
        assertThat(c.values()).noneMatch(v -> v.contains("0.0.0.0"));
    }

    @Test
    void theNewestCompletedCheckpointOrSavepointIsRestoredAndAnUnfinishedOneIsNot() throws Exception {
        Path flink = root.resolve("flink");
        assertThat(FlinkSessionCluster.latestRestorePoint(flink)).isEmpty();
        Path oldChk = Files.createDirectories(flink.resolve("checkpoints/aaaa/chk-7"));
        Files.writeString(oldChk.resolve("_metadata"), "x");
        Files.setLastModifiedTime(oldChk.resolve("_metadata"), FileTime.fromMillis(1_000_000));
        Path savepoint = Files.createDirectories(flink.resolve("savepoints/savepoint-1234-abcd"));
        Files.writeString(savepoint.resolve("_metadata"), "x");
        Files.setLastModifiedTime(savepoint.resolve("_metadata"), FileTime.fromMillis(2_000_000));
        assertThat(FlinkSessionCluster.latestRestorePoint(flink)).contains(savepoint);

        Path newer = Files.createDirectories(flink.resolve("checkpoints/bbbb/chk-3"));
        Files.writeString(newer.resolve("_metadata"), "x");
        Files.setLastModifiedTime(newer.resolve("_metadata"), FileTime.fromMillis(3_000_000));
        Files.createDirectories(flink.resolve("checkpoints/bbbb/chk-4")); // in progress: no _metadata yet
        assertThat(FlinkSessionCluster.latestRestorePoint(flink)).contains(newer);
    }
}
