package org.parley.fanout;

import java.nio.file.Path;
import java.time.Duration;
import org.parley.config.Settings;
import org.parley.schemas.TopicCatalog;

/**
 * Everything the fan-out job reads from {@link Settings}, resolved once in the client (main) so that no function
 * needs the settings at run time.
 *
 * @param flinkDir absolute directory of the job's checkpoints and savepoints: {@code flink.state-dir} if set, else
 *     {@code <data.dir>/data/flink} ({@code data.dir} is relative to the working directory, the repository root)
 * @param maxParallelism the number of key groups; fixed so that checkpoints stay restorable when the parallelism
 *     changes ({@code flink.max-parallelism}, default 4096)
 * @param autoRegisterSchemas whether the sinks register the DeviceDelivery schema under the topic's subject
 *     (idempotent) or only look it up ({@code registry.auto-register}, default true)
 * @param restoreOnStart whether the local cluster restores the newest checkpoint/savepoint on start
 *     ({@code fanout.restore}, default true; false starts from empty state and the group's offsets)
 * @param fetchMaxWaitMs {@code fetch.max.wait.ms} of every source ({@code kafka.consumer.fetch-max-wait-ms}): an
 *     append, or a committed transaction's marker, wakes a parked fetch, so a long wait costs no latency
 * @param pushRequestsTopic where the push decisions go ({@code topic.push-requests})
 * @param push what the push decision pushes ({@code push.*})
 * @param webSubmitEnabled whether the local cluster's dashboard/REST API accepts job jars to upload and run
 *     ({@code flink.web-submit-enabled}, default false: anyone reaching the port could run code in the process)
 * @param webCancelEnabled whether the local cluster's dashboard offers to cancel jobs
 *     ({@code flink.web-cancel-enabled}, default false)
 */
public record FanoutConfig(
        String kafkaBootstrap,
        String registryUrl,
        String groupId,
        String conversationEventsTopic,
        String receiptsTopic,
        String devicesTopic,
        String deviceSessionsTopic,
        String userItemsTopic,
        String deliveriesTopic,
        String edgeDeliveriesTopic,
        int parallelism,
        int maxParallelism,
        Duration checkpointInterval,
        Duration bufferTimeout,
        String bindHost,
        int restPort,
        int blobPort,
        Path flinkDir,
        boolean autoRegisterSchemas,
        boolean restoreOnStart,
        int fetchMaxWaitMs,
        String pushRequestsTopic,
        PushPolicy push,
        boolean webSubmitEnabled,
        boolean webCancelEnabled) {

    public static final String GROUP_ID = "parley-fanout";
    public static final String JOB_NAME = "parley-fanout";

    public static FanoutConfig from(Settings s) {
        TopicCatalog topics = TopicCatalog.from(s);
        return new FanoutConfig(
                s.kafkaBootstrap(),
                s.registryUrl(),
                s.find("fanout.group-id").orElse(GROUP_ID),
                topics.conversationEvents().name(),
                topics.receipts().name(),
                topics.devices().name(),
                topics.deviceSessions().name(),
                topics.userItems().name(),
                topics.deliveries().name(),
                topics.edgeDeliveries().name(),
                s.getInt("flink.parallelism"),
                s.find("flink.max-parallelism").map(Integer::parseInt).orElse(4096),
                Duration.ofMillis(s.getLong("flink.checkpoint-interval-ms")),
                Duration.ofMillis(s.getLong("flink.buffer-timeout-ms")),
                s.host(),
                s.getInt("flink.rest-port"),
                s.getInt("flink.blob-port"),
                s.find("flink.state-dir").map(Path::of)
                        .orElseGet(() -> Path.of(s.get("data.dir")).resolve("data").resolve("flink"))
                        .toAbsolutePath().normalize(),
                s.find("registry.auto-register").map(Boolean::parseBoolean).orElse(true),
                s.find("fanout.restore").map(Boolean::parseBoolean).orElse(true),
                s.getInt("kafka.consumer.fetch-max-wait-ms"),
                topics.pushRequests().name(),
                PushPolicy.from(s),
                s.find("flink.web-submit-enabled").map(Boolean::parseBoolean).orElse(false),
                s.find("flink.web-cancel-enabled").map(Boolean::parseBoolean).orElse(false));
    }

    public Path checkpointsDir() {
        return flinkDir().resolve("checkpoints");
    }

    public Path savepointsDir() {
        return flinkDir().resolve("savepoints");
    }
}
