package org.parley.edge.identity;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class IdentifierTest {
    @Test
    void phoneNumbersAreE164AndAddressesAreNormalised() {
        assertThat(Identifier.parse(" +14155550100 ")).hasValue(new Identifier(Identifier.Kind.PHONE, "+14155550100"));
        assertThat(Identifier.parse("Alice.B+tag@Example.ORG"))
                .hasValue(new Identifier(Identifier.Kind.EMAIL, "alice.b+tag@example.org"));
        for (String bad : new String[] {"14155550100", "+0123456789", "+1234", "+1234567890123456", "alice", "a@b",
                "a@b..c", "../etc/passwd", ".x@example.org", "a b@example.org", "a/b@example.org", ""}) {
            assertThat(Identifier.parse(bad)).as(bad).isEmpty();
        }
        assertThat(Identifier.parse(null)).isEmpty();
    }
}
