package org.parley.infra.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The project version: the first {@code <version>} of the root pom (the parent's), as the module jars are named. */
final class ProjectVersion {
    private static final Pattern VERSION = Pattern.compile("<version>(.*?)</version>");

    private ProjectVersion() {
    }

    static String of(Path root) {
        try {
            Matcher m = VERSION.matcher(Files.readString(root.resolve("pom.xml")));
            if (!m.find()) {
                throw new StackException("no <version> in " + root.resolve("pom.xml"));
            }
            return m.group(1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
