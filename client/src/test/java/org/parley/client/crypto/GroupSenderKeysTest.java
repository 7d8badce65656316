package org.parley.client.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GroupSenderKeysTest {
    @TempDir
    Path dir;

    private final KeyDirectoryStub directory = new KeyDirectoryStub();
    private TestDevice alice;
    private TestDevice bob;
    private TestDevice carol;

    @BeforeEach
    void register() throws Exception {
        alice = TestDevice.register(dir, directory, "alice");
        bob = TestDevice.register(dir, directory, "bob");
        carol = TestDevice.register(dir, directory, "carol");
        alice.startSessionsWith(directory, "bob");
        alice.startSessionsWith(directory, "carol");
    }

    @Test
    void oneCiphertextPerGroupMessageOpensForEveryMemberOnce() throws Exception {
        UUID group = GroupSenderKeys.newDistributionId();
        distribute(alice, group, bob, carol);

        Envelope message = alice.group.encrypt(group, bytes("hello group"));
        assertThat(message.type()).isEqualTo(Envelope.SENDER_KEY);
        assertThat(text(bob.group.decrypt(alice.address, message))).isEqualTo("hello group");
        assertThat(text(carol.group.decrypt(alice.address, message))).isEqualTo("hello group");
        assertThat(bob.group.decrypt(alice.address, message)).isEqualTo(new Decrypted.Duplicate());

        // Out of order and with a gap within the sender's chain.
        Envelope second = alice.group.encrypt(group, bytes("second"));
        alice.group.encrypt(group, bytes("lost"));
        Envelope fourth = alice.group.encrypt(group, bytes("fourth"));
        assertThat(text(bob.group.decrypt(alice.address, fourth))).isEqualTo("fourth");
        assertThat(text(bob.group.decrypt(alice.address, second))).isEqualTo("second");
    }

    @Test
    void afterRotationARemovedMemberCannotDecryptWhatFollows() throws Exception {
        UUID before = GroupSenderKeys.newDistributionId();
        distribute(alice, before, bob, carol);
        Envelope old = alice.group.encrypt(before, bytes("carol still here"));
        assertThat(text(carol.group.decrypt(alice.address, old))).isEqualTo("carol still here");

        // Carol is removed: alice rotates and tells bob only.
        UUID after = GroupSenderKeys.newDistributionId();
        distribute(alice, after, bob);
        Envelope next = alice.group.encrypt(after, bytes("carol is gone"));

        assertThat(text(bob.group.decrypt(alice.address, next))).isEqualTo("carol is gone");
        assertThat(carol.group.decrypt(alice.address, next)).isEqualTo(new Decrypted.NoSession());
        // Her old sender key keeps opening only what was sent under it.
        Envelope stale = alice.group.encrypt(before, bytes("sent under the old key by mistake"));
        assertThat(text(carol.group.decrypt(alice.address, stale))).isEqualTo("sent under the old key by mistake");
        assertThat(carol.group.decrypt(alice.address, alice.group.encrypt(after, bytes("more"))))
                .isInstanceOf(Decrypted.NoSession.class);
    }

    @Test
    void aMessageBeforeTheDistributionArrivedIsNoSessionAndOpensAfterIt() throws Exception {
        UUID group = GroupSenderKeys.newDistributionId();
        byte[] distribution = alice.group.distributionMessage(group);
        Envelope early = alice.group.encrypt(group, bytes("early"));
        assertThat(bob.group.decrypt(alice.address, early)).isEqualTo(new Decrypted.NoSession());

        bob.group.acceptDistribution(alice.address, distribution);
        assertThat(text(bob.group.decrypt(alice.address, early))).isEqualTo("early");
    }

    /** The sender's distribution message travels to each member over the pairwise sessions, as in the app. */
    private void distribute(TestDevice sender, UUID distributionId, TestDevice... members) throws Exception {
        byte[] distribution = sender.group.distributionMessage(distributionId);
        for (TestDevice member : members) {
            Envelope pairwise = sender.pairwise.encrypt(member.address, distribution);
            Decrypted received = member.pairwise.decrypt(sender.address, pairwise);
            member.group.acceptDistribution(sender.address, ((Decrypted.Plaintext) received).content());
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(Decrypted d) {
        assertThat(d).isInstanceOf(Decrypted.Plaintext.class);
        return TestDevice.text(d);
    }

    @Test
    void aDistributionMessageTakenAfterAnEncryptionDoesNotOpenThatMessage() throws Exception {
        // Why SecureMessenger takes the distribution message before it encrypts the payload it travels with.
        UUID group = GroupSenderKeys.newDistributionId();
        byte[] before = alice.group.distributionMessage(group);
        Envelope first = alice.group.encrypt(group, bytes("first"));
        byte[] after = alice.group.distributionMessage(group);

        carol.group.acceptDistribution(alice.address, before);
        assertThat(text(carol.group.decrypt(alice.address, first))).isEqualTo("first");
        bob.group.acceptDistribution(alice.address, after);
        assertThat(bob.group.decrypt(alice.address, first)).isNotInstanceOf(Decrypted.Plaintext.class);
    }
}
