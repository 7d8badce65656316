package org.parley.edge.media.transfer;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/** The S3 operations uploads and downloads need; clients move the bytes themselves through the presigned URLs. */
public interface ObjectTransfers {
    /** A presigned PUT of the whole object. */
    String presignPut(String key, int seconds);

    /** Starts a multipart upload of {@code key}; S3's upload id. */
    CompletionStage<String> startMultipart(String key, String contentType);

    /** A presigned PUT of part {@code partNumber} of a multipart upload. */
    String presignPart(String key, String s3UploadId, int partNumber, int seconds);

    /** The parts S3 holds of a multipart upload, by part number. */
    CompletionStage<List<Part>> parts(String key, String s3UploadId);

    /** Joins the parts into the object. */
    CompletionStage<Void> completeMultipart(String key, String s3UploadId, List<Part> parts);

    /** The stored object's size, or empty when there is none. */
    CompletionStage<Optional<Long>> size(String key);

    /** A presigned GET (HTTP Range works on it), served as a download of {@code contentType}. */
    String presignGet(String key, String contentType, int seconds);

    /** A part as S3 holds it. */
    record Part(int number, String etag, long size) {
    }
}
