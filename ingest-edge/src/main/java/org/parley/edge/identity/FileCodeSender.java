package org.parley.edge.identity;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import org.parley.schemas.CodeOutbox;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local sender ({@code identity.sender=file}, the default of the local stack): writes each identifier's latest
 * code to {@code <dir>/<identifier>} ({@link CodeOutbox}), where tests and benchmarks read it. Nothing leaves the
 * machine, so no real user can register through it: production sets {@code identity.sender=http}.
 */
public class FileCodeSender implements CodeSender {
    private static final Logger LOG = LoggerFactory.getLogger(FileCodeSender.class);

    private final Vertx vertx;
    private final Path dir;

    public FileCodeSender(Vertx vertx, Path dir) {
        this.vertx = vertx;
        this.dir = dir;
    }

    @Override
    public Future<Void> send(Identifier to, String code, Duration validFor) {
        return vertx.executeBlocking(() -> {
            CodeOutbox.write(dir, to.value(), code);
            LOG.debug("registration code for {} written to {}", to, dir);
            return null;
        }, false);
    }

    @Override
    public String describe() {
        return "file (" + dir + ")";
    }
}
