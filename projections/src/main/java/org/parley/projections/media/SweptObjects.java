package org.parley.projections.media;

/** The S3 side of a sweep ({@link S3SweptObjects}). Both calls are idempotent: gone already is success. */
public interface SweptObjects {
    /** Removes the object under the key. */
    void remove(String key) throws Exception;

    /** Aborts an open multipart upload (its parts go with it). */
    void abortMultipart(String key, String s3UploadId) throws Exception;
}
