package org.parley.edge.media;

import io.vertx.core.Future;
import org.parley.edge.protocol.ErrorCode;
import org.parley.edge.protocol.MediaKeys;
import org.parley.edge.protocol.ProtocolException;

/**
 * The {@code mediaObjectId} of a {@code send} (the object an end-to-end encrypted attachment is stored in) must be
 * either an object the sender uploaded (its own key, completed: the object exists), or, when the send forwards a
 * message ({@code forwardOf}), an object the sender may read in the forwarded message's conversation (the
 * {@link MediaAccess} rule: shown to it there within its reach). Forwarding thus re-sends the descriptor without
 * uploading the ciphertext again, and never grants the new conversation an object the forwarder could not read itself.
 * Checked by the edge before the action is appended (the sequencer cannot see the bucket or the references).
 */
public final class AttachmentObjects {
    private final MediaStore media;
    private final MediaAccess access;

    public AttachmentObjects(MediaStore media, MediaAccess access) {
        this.media = media;
        this.access = access;
    }

    /**
     * Succeeds at once for no object. {@code forwardConversationId}/{@code forwardSeq}: the message forwarded, or null.
     * Fails with INVALID_FIELD saying why, or UNAVAILABLE (retry) while the read model is behind the forwarded seq.
     */
    public Future<Void> check(String userId, String key, String forwardConversationId, Long forwardSeq, String ref) {
        if (key == null) {
            return Future.succeededFuture();
        }
        if (MediaKeys.owner(key).map(userId::equals).orElse(false)) {
            return media.exists(key).compose(exists -> exists ? Future.succeededFuture()
                    : Future.failedFuture(new ProtocolException(ErrorCode.INVALID_FIELD, "'mediaObjectId' " + key
                            + " names no uploaded object: complete the upload (POST /v1/uploads/{id}/complete) first",
                            ref)));
        }
        if (forwardConversationId == null) {
            return Future.failedFuture(new ProtocolException(ErrorCode.INVALID_FIELD, "'mediaObjectId' must be an"
                    + " object you uploaded (media/" + userId + "/<uuid>), or the attachment of the message you forward"
                    + " (with 'forwardOf')", ref));
        }
        return access.check(userId, key, forwardConversationId, forwardSeq).recover(err ->
                err instanceof ProtocolException p && p.code() == ErrorCode.NOT_A_MEMBER
                        ? Future.failedFuture(new ProtocolException(ErrorCode.INVALID_FIELD, "'mediaObjectId' " + key
                                + " was not shown to you in " + forwardConversationId + " (the message you forward):"
                                + " upload the attachment again", ref))
                        : Future.failedFuture(err));
    }
}
