package org.parley.projections.keys;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.parley.events.KeyDirectoryFact;
import org.parley.projections.cql.RecordingSession;

/**
 * A device's grant is written before its keys: the edge serves a device once its keys are complete, and a bundle
 * served without the grant that was published with it makes every peer refuse the device as unauthorised.
 */
class KeyDirectoryGrantOrderTest {

    @Test
    void theGrantIsWrittenBeforeAnyOfTheDevicesKeys() {
        KeyDirectoryFact granted = KeyDirectoryFact.newBuilder(KeyMutationTest.upload(1000, 1, 10)).setDeviceGrant(
                org.parley.events.DeviceGrant.newBuilder().setLinkKey(KeyMutationTest.bytes(5, 3))
                        .setSignature(KeyMutationTest.bytes(9, 9)).build()).build();
        RecordingSession cql = new RecordingSession();

        new KeyDirectory(cql.session(), 86_400).write(granted).toCompletableFuture().join();

        List<String> statements = cql.executed().stream().map(RecordingSession.Executed::cql).toList();
        int grant = indexOf(statements, "UPDATE device_grants");
        assertThat(grant).as("%s", statements).isGreaterThanOrEqualTo(0);
        assertThat(statements.subList(0, grant)).as("written before the grant").isEmpty();
        assertThat(statements.subList(grant + 1, statements.size()))
                .anySatisfy(s -> assertThat(s).startsWith("UPDATE device_keys"));
    }

    private static int indexOf(List<String> statements, String prefix) {
        for (int i = 0; i < statements.size(); i++) {
            if (statements.get(i).startsWith(prefix)) {
                return i;
            }
        }
        return -1;
    }
}
