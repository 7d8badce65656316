package org.parley.edge.receipts;

import org.parley.edge.protocol.ServerFrames;
import org.parley.edge.readmodel.RecentMarks;
import org.parley.edge.session.ConnectedDevices;
import org.parley.edge.session.DeviceConnection;
import org.parley.events.Receipt;
import org.parley.schemas.MemberMarks;

/**
 * One-to-one receipts as state (docs/adr/0014): every edge tails {@code receipts} and hands each one-to-one mark (the
 * other member's delivered or read, {@link MemberMarks#isLive}) to the devices of its {@code toUserId} connected here,
 * as a {@code receipt} frame without an inbox seq, not acknowledged. A device that was offline reads the marks from
 * {@code member_receipts} through {@code messageInfo}. Everything else on {@code receipts} (a reader's own read, a
 * group's aggregates) still comes through the inbox and is ignored here.
 */
public class ReceiptRelay {
    private final ConnectedDevices connected;
    private final RecentMarks recent;

    public ReceiptRelay(ConnectedDevices connected, RecentMarks recent) {
        this.connected = connected;
        this.recent = recent;
    }

    /** From the receipts tail (read_committed: a mark of an aborted transaction is never shown). */
    public void onReceipt(Receipt r) {
        if (!MemberMarks.isLive(r)) {
            return;
        }
        recent.record(r);
        String frame = null;
        for (DeviceConnection c : connected.ofUser(r.getToUserId())) {
            if (frame == null) {
                frame = ServerFrames.receipt(r);
            }
            c.push(frame);
        }
    }
}
