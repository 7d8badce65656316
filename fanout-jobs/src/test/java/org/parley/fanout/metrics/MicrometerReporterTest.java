package org.parley.fanout.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import org.apache.flink.metrics.CharacterFilter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.LogicalScopeProvider;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;

class MicrometerReporterTest {
    /** An operator's group as Flink hands it to reporters: a logical scope and the scope's variables. */
    static class OperatorGroup extends UnregisteredMetricsGroup implements LogicalScopeProvider {
        @Override
        public Map<String, String> getAllVariables() {
            return Map.of("<job_name>", "parley-fanout", "<job_id>", "8f2c", "<task_name>", "Source: deliveries",
                    "<operator_name>", "Source: deliveries", "<subtask_index>", "1", "<tm_id>", "tm-uuid",
                    "<task_attempt_id>", "a1", "<host>", "localhost");
        }

        @Override
        public String getLogicalScope(CharacterFilter filter) {
            return getLogicalScope(filter, '.');
        }

        @Override
        public String getLogicalScope(CharacterFilter filter, char delimiter) {
            return String.join(String.valueOf(delimiter), "taskmanager", "job", "task", "operator");
        }

        @Override
        public MetricGroup getWrappedMetricGroup() {
            return this;
        }
    }

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MicrometerReporter reporter = new MicrometerReporter(registry, Tags.of("role", "fanout"));
    private final OperatorGroup group = new OperatorGroup();

    @Test
    void countersAreReadWhenScrapedWithTheScopeInTheNameAndRunIdsDropped() {
        SimpleCounter records = new SimpleCounter();
        reporter.notifyOfAddedMetric(records, "numRecordsIn", group);
        records.inc(5);
        FunctionCounter c = registry.get("flink.taskmanager.job.task.operator.numRecordsIn").functionCounter();
        assertThat(c.count()).isEqualTo(5);
        assertThat(c.getId().getTags()).extracting(t -> t.getKey())
                .containsExactlyInAnyOrder("role", "job_name", "task_name", "operator_name", "subtask_index");
        assertThat(c.getId().getTag("subtask_index")).isEqualTo("1");
        records.inc();
        assertThat(c.count()).isEqualTo(6);
    }

    @Test
    void numericGaugesAreGaugesOthersAreLeftOut() {
        reporter.notifyOfAddedMetric((Gauge<Long>) () -> 42L, "numRestarts", group);
        reporter.notifyOfAddedMetric((Gauge<String>) () -> "/tmp/chk-1", "lastCheckpointExternalPath", group);
        reporter.notifyOfAddedMetric((Gauge<Boolean>) () -> true, "isBackPressured", group);
        assertThat(registry.get("flink.taskmanager.job.task.operator.numRestarts").gauge().value()).isEqualTo(42);
        assertThat(registry.get("flink.taskmanager.job.task.operator.isBackPressured").gauge().value()).isEqualTo(1);
        assertThat(registry.find("flink.taskmanager.job.task.operator.lastCheckpointExternalPath").meter()).isNull();
    }

    @Test
    void metersGiveACountAndARateAndRemovedMetricsLeaveTheRegistry() {
        MeterView meter = new MeterView(new SimpleCounter());
        meter.markEvent(3);
        reporter.notifyOfAddedMetric(meter, "numRecordsOutPerSecond", group);
        assertThat(registry.get("flink.taskmanager.job.task.operator.numRecordsOutPerSecond").functionCounter().count())
                .isEqualTo(3);
        assertThat(registry.get("flink.taskmanager.job.task.operator.numRecordsOutPerSecond.rate").gauge()).isNotNull();
        reporter.notifyOfRemovedMetric(meter, "numRecordsOutPerSecond", group);
        assertThat(registry.getMeters()).isEmpty();
    }

    @Test
    void jvmNetworkBufferAndMostKafkaClientMetricsAreLeftOut() {
        assertThat(MicrometerReporter.exported("flink.taskmanager.Status.JVM.Memory.Heap.Used", "Used")).isFalse();
        assertThat(MicrometerReporter.exported("flink.taskmanager.job.task.Shuffle.Netty.Input.Buffers.inPoolUsage",
                "inPoolUsage")).isFalse();
        assertThat(MicrometerReporter.exported(
                "flink.taskmanager.job.task.operator.KafkaSourceReader.KafkaConsumer.node_1.request_rate", "request-rate"))
                .isFalse();
        assertThat(MicrometerReporter.exported(
                "flink.taskmanager.job.task.operator.KafkaSourceReader.KafkaConsumer.records_lag_max", "records-lag-max"))
                .isTrue();
        assertThat(MicrometerReporter.exported("flink.jobmanager.job.numRestarts", "numRestarts")).isTrue();
        reporter.notifyOfAddedMetric(new SimpleCounter(), "request-total", new OperatorGroup() {
            @Override
            public String getLogicalScope(CharacterFilter filter, char delimiter) {
                return "taskmanager.job.task.operator.KafkaSourceReader.KafkaConsumer";
            }
        });
        assertThat(registry.getMeters()).isEmpty();
    }

    @Test
    void namesKeepOnlyLettersDigitsUnderscoresAndDots() {
        assertThat(MicrometerReporter.clean("Source: deliveries->Map")).isEqualTo("Source__deliveries__Map");
    }
}
