package org.parley.edge.media.transfer;

import com.google.common.collect.HashMultimap;
import io.minio.GetPresignedObjectUrlArgs;
import io.minio.MinioAsyncClient;
import io.minio.StatObjectArgs;
import io.minio.errors.ErrorResponseException;
import io.minio.http.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import okhttp3.OkHttpClient;
import org.parley.config.Settings;

/**
 * {@link ObjectTransfers} on the media bucket through the MinIO SDK's asynchronous client. URLs are signed for the
 * endpoint clients reach ({@code s3.public-endpoint}, by default the endpoint the edge uses): a presigned URL carries
 * its host in the signature.
 */
public final class S3ObjectTransfers implements ObjectTransfers, AutoCloseable {
    private static final String REGION = "us-east-1";

    private final OkHttpClient http = new OkHttpClient();
    private final MinioAsyncClient s3;
    private final MinioAsyncClient signer;
    private final String bucket;

    public S3ObjectTransfers(Settings settings) {
        this.bucket = settings.get("s3.media-bucket");
        this.s3 = client(settings.s3Endpoint(), settings);
        String publicEndpoint = settings.find("s3.public-endpoint").filter(v -> !v.isBlank()).orElse(settings.s3Endpoint());
        this.signer = publicEndpoint.equals(settings.s3Endpoint()) ? s3 : client(publicEndpoint, settings);
    }

    private MinioAsyncClient client(String endpoint, Settings settings) {
        return MinioAsyncClient.builder().endpoint(endpoint).region(REGION)
                .credentials(settings.get("s3.access-key"), settings.get("s3.secret-key")).httpClient(http).build();
    }

    @Override
    public String presignPut(String key, int seconds) {
        return presign(Method.PUT, key, seconds, Map.of());
    }

    @Override
    public CompletionStage<String> startMultipart(String key, String contentType) {
        HashMultimap<String, String> headers = HashMultimap.create();
        headers.put("Content-Type", contentType);
        return call(() -> s3.createMultipartUploadAsync(bucket, REGION, key, headers, HashMultimap.create()))
                .thenApply(r -> r.result().uploadId());
    }

    @Override
    public String presignPart(String key, String s3UploadId, int partNumber, int seconds) {
        return presign(Method.PUT, key, seconds, Map.of("uploadId", s3UploadId, "partNumber", String.valueOf(partNumber)));
    }

    @Override
    public CompletionStage<List<Part>> parts(String key, String s3UploadId) {
        return call(() -> s3.listPartsAsync(bucket, REGION, key, 10_000, 0, s3UploadId, HashMultimap.create(),
                HashMultimap.create())).thenApply(r -> {
                    List<Part> out = new ArrayList<>();
                    for (io.minio.messages.Part p : r.result().partList()) {
                        out.add(new Part(p.partNumber(), p.etag(), p.partSize()));
                    }
                    return out;
                });
    }

    @Override
    public CompletionStage<Void> completeMultipart(String key, String s3UploadId, List<Part> parts) {
        io.minio.messages.Part[] s3Parts = parts.stream().map(p -> new io.minio.messages.Part(p.number(), p.etag()))
                .toArray(io.minio.messages.Part[]::new);
        return call(() -> s3.completeMultipartUploadAsync(bucket, REGION, key, s3UploadId, s3Parts,
                HashMultimap.create(), HashMultimap.create())).thenApply(r -> null);
    }

    @Override
    public CompletionStage<Optional<Long>> size(String key) {
        return call(() -> s3.statObject(StatObjectArgs.builder().bucket(bucket).object(key).build()))
                .handle((r, err) -> {
                    if (err == null) {
                        return Optional.of(r.size());
                    }
                    Throwable cause = err;
                    while ((cause instanceof CompletionException || cause instanceof java.util.concurrent.ExecutionException)
                            && cause.getCause() != null && cause.getCause() != cause) {
                        cause = cause.getCause();
                    }
                    if (cause instanceof ErrorResponseException e && ("NoSuchKey".equals(e.errorResponse().code())
                            || "NoSuchObject".equals(e.errorResponse().code()))) {
                        return Optional.<Long>empty();
                    }
                    throw cause instanceof RuntimeException re ? re : new CompletionException(cause);
                });
    }

    @Override
    public String presignGet(String key, String contentType, int seconds) {
        // Served as a download of a safe type whatever the uploader claimed (docs/security.md, media).
        return presign(Method.GET, key, seconds, Map.of("response-content-type", contentType,
                "response-content-disposition", "attachment"));
    }

    private String presign(Method method, String key, int seconds, Map<String, String> query) {
        try {
            return signer.getPresignedObjectUrl(GetPresignedObjectUrlArgs.builder().method(method).bucket(bucket)
                    .object(key).expiry(seconds).extraQueryParams(query).build());
        } catch (Exception e) {
            throw new IllegalStateException("could not presign " + method + " " + key, e);
        }
    }

    /** An SDK call that may throw before returning its future, as a stage either way. */
    private static <T> CompletionStage<T> call(SdkCall<T> call) {
        try {
            return call.start();
        } catch (Exception e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @FunctionalInterface
    private interface SdkCall<T> {
        CompletableFuture<T> start() throws Exception;
    }

    @Override
    public void close() {
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }
}
