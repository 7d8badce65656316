package org.parley.client.crypto;

import java.io.IOException;

/** A device store file that cannot be opened. Nothing is read from it, and the file is left as it is. */
public class DeviceStoreException extends IOException {
    public DeviceStoreException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The key the application gave is not the one the store was written with. */
    public static final class WrongKey extends DeviceStoreException {
        public WrongKey(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The file is not a device store, or it was changed or truncated since it was written. */
    public static final class Tampered extends DeviceStoreException {
        public Tampered(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
