package org.parley.infra.it;

import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.parley.client.crypto.DeviceKeys;
import org.parley.client.ParleyClient;

/**
 * The end-to-end ITs' devices: one Vert.x for the class, the stack's first edge, a folder for the devices' encrypted
 * stores, and every client a test connected closed after it. Register it after the {@link LocalStackExtension}.
 */
final class SecureDeviceSessions implements BeforeAllCallback, AfterAllCallback, AfterEachCallback {
    private final LocalStackExtension stack;
    private final Duration wait;
    private final List<ParleyClient> open = new ArrayList<>();
    private Vertx vertx;
    private String edge;
    private Path stores;

    SecureDeviceSessions(LocalStackExtension stack, Duration wait) {
        this.stack = stack;
        this.wait = wait;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        // Not the edge URL yet: the stack extension may start after this one (JUnit does not order them).
        vertx = Vertx.vertx();
        stores = Files.createTempDirectory("parley-device-stores");
    }

    @Override
    public void afterEach(ExtensionContext context) {
        open.forEach(ParleyClient::close);
        open.clear();
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        if (vertx != null) {
            vertx.close();
        }
        if (stores == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(stores)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Connects {@code d} with its encrypted store; closed after the test. */
    SecureDevices.Connected connect(ParleyClient.Device d, DeviceKeys keys) throws Exception {
        SecureDevices.Connected c = SecureDevices.connect(vertx, edge(), stores, d, keys, wait);
        open.add(c.client());
        return c;
    }

    Vertx vertx() {
        return vertx;
    }

    /** The edge's HTTP base URL. */
    String edge() {
        if (edge == null) {
            edge = stack.edgeHttpUrl(0).toString();
        }
        return edge;
    }

    Path stores() {
        return stores;
    }
}
