package org.parley.bench.load;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Group messages: {@code groups} groups of {@code size} users each (disjoint: group g holds users g*size ..
 * g*size+size-1), created before the load with {@code createGroup} (docs/protocol.md; the group id is named by the
 * harness so the set-up is idempotent per run). Operation n goes to group n mod groups, sent by its members in turn;
 * every device of every member except the sending device must show it. Figures: {@code group.sent},
 * {@code group.delivered} (per recipient device), {@code group.receipt} (send → delivered to every member: the
 * sender's {@code delivered_to_all}, docs/adr/0014).
 */
public final class GroupScenario implements Scenario {
    static final int MAX_SIZE = 1024;

    private final int size;
    private final int requestedGroups;
    private int groups;
    private String[] groupIds;
    private int[][] recipientsBase; // all devices of the group's members

    public GroupScenario(int size, int groups) {
        if (size < 2 || size > MAX_SIZE || groups < 1) {
            throw new IllegalArgumentException("group: --group-size 2.." + MAX_SIZE + ", --groups >= 1");
        }
        this.size = size;
        this.requestedGroups = groups;
    }

    @Override
    public String name() {
        return "group";
    }

    /** Group g's users. */
    int[] members(int g) {
        int[] m = new int[size];
        for (int k = 0; k < size; k++) {
            m[k] = g * size + k;
        }
        return m;
    }

    /** The createGroup frame of group g. */
    String createFrame(LoadRun run, int g, String groupId, String clientMessageId) {
        JsonArray users = new JsonArray();
        for (int u : members(g)) {
            users.add(run.devices().get(run.devicesOf(u)[0]).userId());
        }
        return new JsonObject().put("type", "createGroup").put("clientMessageId", clientMessageId)
                .put("name", "bench " + groupId).put("members", users).put("groupId", groupId).encode();
    }

    /** Group ids ("g:<run>-grp<g>") and each group's member devices. */
    void layout(LoadRun run) {
        groups = Math.min(requestedGroups, run.sharedUsers() / size);
        if (groups < 1) {
            throw new IllegalArgumentException("group: " + run.sharedUsers() + " shared users cannot fill one group of " + size);
        }
        groupIds = new String[groups];
        recipientsBase = new int[groups][];
        for (int g = 0; g < groups; g++) {
            groupIds[g] = "g:" + run.runId() + "-grp" + g;
            List<Integer> devs = new ArrayList<>();
            for (int u : members(g)) {
                for (int d : run.devicesOf(u)) {
                    devs.add(d);
                }
            }
            recipientsBase[g] = devs.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    String groupId(int g) {
        return groupIds[g];
    }

    @Override
    public void prepare(LoadRun run) {
        layout(run);
        List<CompletableFuture<JsonObject>> replies = new ArrayList<>();
        for (int g = 0; g < groups; g++) {
            BenchDevice creator = run.devices().get(run.devicesOf(members(g)[0])[0]);
            String cmid = run.runId() + "-group-" + g;
            replies.add(run.request(creator, cmid, createFrame(run, g, groupIds[g], cmid)));
        }
        for (int g = 0; g < groups; g++) {
            JsonObject reply;
            try {
                reply = replies.get(g).get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("group " + groupIds[g] + " not created: " + e, e);
            }
            if (!"sent".equals(reply.getString("type"))) {
                throw new IllegalStateException("group " + groupIds[g] + " not created (does this stack have groups?): " + reply.encode());
            }
        }
        LoadBench.log("group: %d groups of %d members created", groups, size);
    }

    /** Recipients of a message of group g sent by device {@code sender}: every member device but the sender. */
    int[] recipients(int g, int sender) {
        int[] base = recipientsBase[g];
        int[] out = new int[base.length - 1];
        int i = 0;
        for (int d : base) {
            if (d != sender && i < out.length) {
                out[i++] = d;
            }
        }
        return out;
    }

    @Override
    public void fire(LoadRun run, long n, long dueNanos, boolean measured) {
        int g = (int) (n % groups);
        int[] users = members(g);
        BenchDevice sender = null;
        for (int k = 0; k < size && sender == null; k++) {
            BenchDevice d = run.devices().get(run.devicesOf(users[(int) ((n / groups + k) % size)])[0]);
            if (d.live) {
                sender = d;
            }
        }
        if (sender == null) {
            run.skipped(name());
            return;
        }
        run.sendToConversation(name(), (int) n, sender, groupIds[g], recipients(g, sender.index), dueNanos, measured);
    }
}
