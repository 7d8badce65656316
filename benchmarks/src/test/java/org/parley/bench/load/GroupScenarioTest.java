package org.parley.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GroupScenarioTest {
    private final List<BenchDevice> devices = new ArrayList<>();
    private final LoadRun run;

    GroupScenarioTest() {
        for (int i = 0; i < 12; i++) { // 6 users with 2 devices each
            devices.add(new BenchDevice(i, i / 2, new BenchDevice.Credentials("u" + (i / 2), "d" + i, "t" + i)));
        }
        run = new LoadRun("Lg1", null, null, devices, 6, new Accounting(10), 0, 60, 10, 0);
    }

    @Test
    void groupsAreDisjointAndAMessageGoesToEveryMemberDeviceButTheSender() throws Exception {
        GroupScenario g = new GroupScenario(3, 5);
        assertThat(g.members(0)).containsExactly(0, 1, 2);
        assertThat(g.members(1)).containsExactly(3, 4, 5);
        g.layout(run);
        assertThat(g.groupId(1)).isEqualTo("g:Lg1-grp1").matches("g:[A-Za-z0-9_-]{8,64}");
        assertThat(g.recipients(1, 7)).containsExactlyInAnyOrder(6, 8, 9, 10, 11); // u3..u5's devices but d7
        JsonObject create = new JsonObject(g.createFrame(run, 1, g.groupId(1), "Lg1-group-1"));
        assertThat(create.getString("type")).isEqualTo("createGroup");
        assertThat(create.getString("groupId")).isEqualTo("g:Lg1-grp1");
        assertThat(create.getJsonArray("members").getList()).containsExactly("u3", "u4", "u5");
        // prepare cannot create groups without connections: it says so
        assertThatThrownBy(() -> g.prepare(run)).hasMessageContaining("not created");
    }

    @Test
    void sizeIsBounded() {
        assertThatThrownBy(() -> new GroupScenario(1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new GroupScenario(1025, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(Scenarios.create("group", new Scenarios.Options(1024, 2)).name()).isEqualTo("group");
    }

    @Test
    void setUpRepliesAreMatchedByClientMessageIdAndNotAccounted() {
        BenchDevice d = devices.get(0);
        var reply = run.request(d, "Lg1-group-0", "{}"); // not connected: fails at once
        assertThat(reply).isCompletedExceptionally();
        run.onFrame(d, new JsonObject().put("type", "sent").put("clientMessageId", "Lg1-group-0").put("conversationId", "g:x"));
        assertThat(run.accounting().tally().extraSentFrames()).isZero();
    }
}
