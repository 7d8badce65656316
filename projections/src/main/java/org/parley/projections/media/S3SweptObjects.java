package org.parley.projections.media;

import com.google.common.collect.HashMultimap;
import io.minio.MinioAsyncClient;
import io.minio.RemoveObjectArgs;
import io.minio.errors.ErrorResponseException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import org.parley.config.Settings;

/** {@link SweptObjects} on the media bucket through the MinIO SDK (the client the edge uses for uploads). */
public final class S3SweptObjects implements SweptObjects, AutoCloseable {
    private static final String REGION = "us-east-1";
    private static final long TIMEOUT_SECONDS = 60;

    private final OkHttpClient http = new OkHttpClient();
    private final MinioAsyncClient s3;
    private final String bucket;

    public S3SweptObjects(Settings settings) {
        this.bucket = settings.get("s3.media-bucket");
        this.s3 = MinioAsyncClient.builder().endpoint(settings.s3Endpoint()).region(REGION)
                .credentials(settings.get("s3.access-key"), settings.get("s3.secret-key")).httpClient(http).build();
    }

    @Override
    public void remove(String key) throws Exception {
        // S3 answers a DELETE of a missing key with success: removing twice is fine.
        await(s3.removeObject(RemoveObjectArgs.builder().bucket(bucket).object(key).build()));
    }

    @Override
    public void abortMultipart(String key, String s3UploadId) throws Exception {
        try {
            await(s3.abortMultipartUploadAsync(bucket, REGION, key, s3UploadId, HashMultimap.create(),
                    HashMultimap.create()));
        } catch (ErrorResponseException e) {
            String code = e.errorResponse().code();
            if (!"NoSuchUpload".equals(code)) {
                throw e;
            }
            // Already aborted or completed: nothing left to abort.
        }
    }

    private static <T> T await(java.util.concurrent.CompletableFuture<T> f) throws Exception {
        try {
            return f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof Exception ex ? ex : e;
        }
    }

    @Override
    public void close() {
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }
}
