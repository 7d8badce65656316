package org.parley.schemas;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Conversation ids and who belongs to them. A one-to-one conversation is {@code dm:<user>:<user>} with the two user
 * ids sorted, so both sides derive the same id and partition. A group is {@code g:<id>}; its members live in the
 * sequencer's state, not in the id.
 */
public final class Conversations {
    /**
     * User ids: 1..64 letters, digits, '_', '-', '.', starting with a letter or digit (no ':', the id separator; never
     * "." or "..", which name directories in paths and keys built from a user id, nor "-x", which reads as an option).
     */
    public static final Pattern USER_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

    /** Group ids: {@code g:} and 8..64 letters, digits, '_' or '-'. */
    public static final Pattern GROUP_ID = Pattern.compile("g:[A-Za-z0-9_-]{8,64}");

    private Conversations() {
    }

    public static boolean isGroup(String conversationId) {
        return conversationId != null && GROUP_ID.matcher(conversationId).matches();
    }

    /** A well-formed id of either kind (says nothing about whether a group exists). */
    public static boolean isValid(String conversationId) {
        return isGroup(conversationId) || members(conversationId).isPresent();
    }

    public static String direct(String userA, String userB) {
        return userA.compareTo(userB) <= 0 ? "dm:" + userA + ":" + userB : "dm:" + userB + ":" + userA;
    }

    /** The members of a conversation, or empty if the id is not one Parley knows. */
    public static Optional<List<String>> members(String conversationId) {
        if (conversationId == null || !conversationId.startsWith("dm:")) {
            return Optional.empty();
        }
        String[] parts = conversationId.split(":", -1);
        if (parts.length != 3 || !USER_ID.matcher(parts[1]).matches() || !USER_ID.matcher(parts[2]).matches()
                || parts[1].compareTo(parts[2]) > 0) {
            return Optional.empty();
        }
        return Optional.of(parts[1].equals(parts[2]) ? List.of(parts[1]) : List.of(parts[1], parts[2]));
    }
}
