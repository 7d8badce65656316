package org.parley.edge.media;

import io.minio.GetObjectArgs;
import io.minio.GetObjectResponse;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.StatObjectArgs;
import io.minio.errors.ErrorResponseException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayInputStream;
import java.util.Optional;
import okhttp3.OkHttpClient;
import org.parley.config.Settings;

/** The media bucket through the MinIO SDK. Its calls block, so they run on Vert.x worker threads. */
public final class S3MediaStore implements MediaStore, AutoCloseable {
    /** Sent with every request, so the client never asks the endpoint for a bucket's location. */
    private static final String REGION = "us-east-1";

    private final Vertx vertx;
    private final OkHttpClient http = new OkHttpClient();
    private final MinioClient s3;
    private final String bucket;

    public S3MediaStore(Vertx vertx, Settings settings) {
        this.vertx = vertx;
        this.bucket = settings.get("s3.media-bucket");
        this.s3 = MinioClient.builder().endpoint(settings.s3Endpoint()).region(REGION)
                .credentials(settings.get("s3.access-key"), settings.get("s3.secret-key")).httpClient(http).build();
    }

    @Override
    public Future<Void> put(String key, Buffer bytes, String contentType) {
        return vertx.executeBlocking(() -> {
            s3.putObject(PutObjectArgs.builder().bucket(bucket).object(key).contentType(contentType)
                    .stream(new ByteArrayInputStream(bytes.getBytes()), bytes.length(), -1).build());
            return null;
        }, false);
    }

    @Override
    public Future<Optional<Media>> get(String key) {
        return vertx.executeBlocking(() -> {
            try (GetObjectResponse r = s3.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build())) {
                return Optional.of(new Media(Buffer.buffer(r.readAllBytes()), r.headers().get("Content-Type")));
            } catch (ErrorResponseException e) {
                if ("NoSuchKey".equals(e.errorResponse().code())) {
                    return Optional.<Media>empty();
                }
                throw e;
            }
        }, false);
    }

    @Override
    public Future<Boolean> exists(String key) {
        return vertx.executeBlocking(() -> {
            try {
                s3.statObject(StatObjectArgs.builder().bucket(bucket).object(key).build());
                return true;
            } catch (ErrorResponseException e) {
                if ("NoSuchKey".equals(e.errorResponse().code()) || "NoSuchObject".equals(e.errorResponse().code())) {
                    return false;
                }
                throw e;
            }
        }, false);
    }

    @Override
    public void close() {
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }
}
