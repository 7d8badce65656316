package org.parley.client.crypto;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.UUID;

/**
 * This device's sending state in one group (docs/adr/0012): its current sender key's distribution id, the members it
 * was made for (a member missing from a later send makes it rotate) and the member devices given its distribution
 * message ({@code userId/deviceId}). Kept in the {@link DeviceStore} ({@link DeviceStore#storeGroupSendState}), so a
 * restarted device goes on under the same key without distributing it again. The sender key itself is libsignal's,
 * in the same store.
 *
 * <p>Encoded: a version byte {@code 1}, the distribution id (two longs), the member count and ids, the holder count
 * and names (modified UTF-8).
 */
public record GroupSendState(UUID distributionId, Set<String> members, Set<String> holders) {
    public GroupSendState {
        members = Set.copyOf(new LinkedHashSet<>(members));
        holders = Set.copyOf(new LinkedHashSet<>(holders));
    }

    /** A new sender key for {@code members}, not given to anyone yet. */
    public static GroupSendState fresh(Collection<String> members) {
        return new GroupSendState(GroupSenderKeys.newDistributionId(), Set.copyOf(members), Set.of());
    }

    /** The same key, also held by {@code more} devices now. */
    public GroupSendState withHolders(Collection<String> more) {
        Set<String> all = new LinkedHashSet<>(holders);
        all.addAll(more);
        return new GroupSendState(distributionId, members, all);
    }

    public byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(1);
            out.writeLong(distributionId.getMostSignificantBits());
            out.writeLong(distributionId.getLeastSignificantBits());
            out.writeInt(members.size());
            for (String m : members) {
                out.writeUTF(m);
            }
            out.writeInt(holders.size());
            for (String h : holders) {
                out.writeUTF(h);
            }
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory cannot fail", e);
        }
        return bytes.toByteArray();
    }

    public static GroupSendState decode(byte[] bytes) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
        int version = in.readUnsignedByte();
        if (version != 1) {
            throw new IOException("group send state version " + version);
        }
        UUID id = new UUID(in.readLong(), in.readLong());
        Set<String> members = new LinkedHashSet<>();
        for (int i = in.readInt(); i > 0; i--) {
            members.add(in.readUTF());
        }
        Set<String> holders = new LinkedHashSet<>();
        for (int i = in.readInt(); i > 0; i--) {
            holders.add(in.readUTF());
        }
        if (in.available() != 0) {
            throw new IOException("trailing bytes in a group send state");
        }
        return new GroupSendState(id, members, holders);
    }
}
