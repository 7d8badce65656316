package org.parley.schemas;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import org.parley.config.Settings;

/**
 * The local verification-code outbox: the edge's file sender ({@code identity.sender=file}) writes the latest code of
 * each identifier to {@code <dir>/<identifier>}, and local tools (tests, benchmarks) read it from there. It stands in
 * for the SMS or e-mail a real sender delivers; it is on this machine only.
 */
public final class CodeOutbox {
    private CodeOutbox() {
    }

    /** {@code identity.file-sender.dir}, or {@code <data.dir>/data/identity/codes} when that is empty. */
    public static Path dir(Settings settings) {
        String dir = settings.find("identity.file-sender.dir").orElse("");
        return dir.isBlank() ? Path.of(settings.get("data.dir"), "data", "identity", "codes") : Path.of(dir);
    }

    /**
     * The file of an identifier. Identifiers are normalised E.164 numbers or e-mail addresses of
     * {@code [a-z0-9._%+@-]}, which are safe file names; anything else is refused.
     */
    public static Path file(Path dir, String identifier) {
        if (identifier.isEmpty() || !identifier.matches("[A-Za-z0-9._%+@-]{1,254}") || identifier.startsWith(".")) {
            throw new IllegalArgumentException("not an identifier: " + identifier);
        }
        return dir.resolve(identifier);
    }

    /** Replaces the identifier's code atomically (a reader never sees half a code). */
    public static void write(Path dir, String identifier, String code) throws IOException {
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".code-", ".tmp");
        Files.writeString(tmp, code + "\n", StandardCharsets.US_ASCII);
        Files.move(tmp, file(dir, identifier), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The latest code written for the identifier, if any. */
    public static Optional<String> read(Path dir, String identifier) throws IOException {
        try {
            return Optional.of(Files.readString(file(dir, identifier), StandardCharsets.US_ASCII).trim());
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /**
     * The latest code of an identifier in this process's outbox ({@link #dir} of {@link Settings#load()}): what local
     * tools hand the client SDK to register a device ({@code ParleyClient.register(edge, user, CodeOutbox::latest)}).
     */
    public static String latest(String identifier) throws IOException {
        Path dir = dir(Settings.load());
        return read(dir, identifier).orElseThrow(() -> new IOException("no code for " + identifier + " in " + dir
                + ": the edge must run with identity.sender=file and the same data.dir"));
    }
}
