package org.parley.edge.session;

import org.parley.edge.protocol.ClientFrame;

/**
 * Features that live beside a device's session (typing, presence subscriptions): they see the frames the session
 * does not handle itself and learn when it closes. Called on the connection's context.
 */
public interface SessionExtension {
    SessionExtension NONE = new SessionExtension() {
        @Override
        public boolean onFrame(DeviceConnection connection, ClientFrame frame) {
            return false;
        }

        @Override
        public void onClose(DeviceConnection connection) {
        }
    };

    /** Handles the frame if it is one of this extension's. */
    boolean onFrame(DeviceConnection connection, ClientFrame frame);

    void onClose(DeviceConnection connection);

    /** Both, in order: the first that handles a frame takes it. */
    static SessionExtension of(SessionExtension... extensions) {
        return new SessionExtension() {
            @Override
            public boolean onFrame(DeviceConnection connection, ClientFrame frame) {
                for (SessionExtension e : extensions) {
                    if (e.onFrame(connection, frame)) {
                        return true;
                    }
                }
                return false;
            }

            @Override
            public void onClose(DeviceConnection connection) {
                for (SessionExtension e : extensions) {
                    e.onClose(connection);
                }
            }
        };
    }
}
