package org.parley.client.media;

import java.io.IOException;
import java.util.function.Supplier;

/**
 * How a received attachment is shown (docs/media.md, "Auto-download"): its thumbnail (and dimensions, duration, name)
 * at once, from the descriptor inside the message, with no request at all; the file itself right away when the user's
 * auto-download setting covers its kind on the current network, else when the user asks ({@link #fetch}).
 */
public final class AttachmentView {
    /** What to show now. {@code content} is the verified file when it was fetched automatically, else null. */
    public record Shown(AttachmentDescriptor descriptor, byte[] thumbnail, boolean autoDownloaded, byte[] content) {
    }

    /** Fetches and verifies a whole attachment ({@link Attachments#download}). */
    @FunctionalInterface
    public interface Fetcher {
        byte[] fetch(AttachmentDescriptor d, String conversationId, Long seq)
                throws IOException, InterruptedException, AttachmentException;
    }

    private final Fetcher fetcher;
    private final Supplier<AutoDownload> setting;

    /** {@code setting}: the user's current setting (e.g. refreshed from {@link AutoDownload#fetch}). */
    public AttachmentView(Attachments attachments, Supplier<AutoDownload> setting) {
        this(attachments::download, setting);
    }

    public AttachmentView(Fetcher fetcher, Supplier<AutoDownload> setting) {
        this.fetcher = fetcher;
        this.setting = setting;
    }

    /** Shows an attachment received in {@code conversationId} at {@code seq} while on {@code network}. */
    public Shown show(AttachmentDescriptor d, String conversationId, long seq, NetworkKind network)
            throws IOException, InterruptedException, AttachmentException {
        if (setting.get().allows(d.kind(), network)) {
            return new Shown(d, d.thumbnail(), true, fetcher.fetch(d, conversationId, seq));
        }
        return new Shown(d, d.thumbnail(), false, null);
    }

    /** The file on demand (the user tapped the thumbnail), verified. */
    public byte[] fetch(AttachmentDescriptor d, String conversationId, long seq)
            throws IOException, InterruptedException, AttachmentException {
        return fetcher.fetch(d, conversationId, seq);
    }
}
