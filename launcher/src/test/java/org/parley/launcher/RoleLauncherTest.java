package org.parley.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.parley.config.CpuPriority;

class RoleLauncherTest {
    private static final Map<String, Integer> SEEN = new ConcurrentHashMap<>();

    /** Stands in for a role's main: records the nice value of its own thread and of a thread it starts. */
    public static void main(String[] args) throws InterruptedException {
        SEEN.put("main", CpuPriority.currentThreadNice().orElse(-100));
        Thread worker = new Thread(() -> SEEN.put("worker", CpuPriority.currentThreadNice().orElse(-100)));
        worker.start();
        worker.join();
        SEEN.put("thread:" + Thread.currentThread().getName(), 1);
    }

    @Test
    void aRoleWithANiceValueRunsItsMainAndEveryThreadItStartsAtThatValue() throws Exception {
        var main = MethodHandles.lookup().findStatic(RoleLauncherTest.class, "main",
                MethodType.methodType(void.class, String[].class));

        RoleLauncher.start(AppRole.PROJECTIONS, 9, main).join();

        assertThat(SEEN).containsEntry("main", 9).containsEntry("worker", 9)
                .containsKey("thread:role-projections");
        assertThat(CpuPriority.currentThreadNice()).as("the launcher's own thread").isPresent().get()
                .isNotEqualTo(9);
    }
}
