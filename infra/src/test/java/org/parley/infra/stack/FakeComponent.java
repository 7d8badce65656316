package org.parley.infra.stack;

/**
 * A stand-in process for the supervisor's tests: {@code ready <name>} prints "PARLEY READY <name>" and lives until
 * stopped; {@code exit <code>} prints a line and exits with that code at once.
 */
public final class FakeComponent {
    private FakeComponent() {
    }

    /** A component of that name that runs this class with {@code ready <name>} (ready once its line is logged). */
    static Component ready(String name) {
        java.util.List<String> javaArgs = java.util.List.of("-Xmx32m", "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), FakeComponent.class.getName(), "ready", name);
        return new Component(name, Component.Kind.APP, "test", FakeComponent.class.getName(), "jvm.test",
                java.util.List.of(), Component.Readiness.logLines(java.util.List.of(ComponentTable.readyLine(name))),
                javaArgs);
    }

    public static void main(String[] args) throws InterruptedException {
        if (args[0].equals("exit")) {
            System.out.println("fake: failing on purpose");
            System.exit(Integer.parseInt(args[1]));
        }
        System.out.println("PARLEY READY " + args[1]);
        System.out.flush();
        Thread.sleep(600_000);
    }
}
