package org.parley.infra.stack;

/**
 * A stand-in process for the supervisor's tests: {@code ready <name>} prints "PARLEY READY <name>" and lives until
 * stopped; {@code exit <code>} prints a line and exits with that code at once.
 */
public final class FakeComponent {
    private FakeComponent() {
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
