package org.parley.infra;

import io.minio.BucketExistsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import java.util.List;
import okhttp3.OkHttpClient;
import org.parley.config.Settings;

/** Creates the media bucket ({@code s3.media-bucket}) on the S3 endpoint if it is missing. */
public final class MediaBucketProvisioner {
    /** Region sent with every request, so the client never asks the endpoint for a bucket's location. */
    public static final String REGION = "us-east-1";

    private final Settings settings;

    public MediaBucketProvisioner(Settings settings) {
        this.settings = settings;
    }

    public List<String> provision() throws Exception {
        String bucket = settings.get("s3.media-bucket");
        OkHttpClient http = new OkHttpClient();
        try {
            MinioClient s3 = client(settings, http);
            if (s3.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
                return List.of("found   bucket " + bucket + " at " + settings.s3Endpoint());
            }
            s3.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
            return List.of("created bucket " + bucket + " at " + settings.s3Endpoint());
        } finally {
            shutdown(http);
        }
    }

    public static MinioClient client(Settings settings, OkHttpClient http) {
        return MinioClient.builder()
                .endpoint(settings.s3Endpoint())
                .region(REGION)
                .credentials(settings.get("s3.access-key"), settings.get("s3.secret-key"))
                .httpClient(http)
                .build();
    }

    /** Without this the JVM lingers ~60 s after main returns (OkHttp's pool and dispatcher threads). */
    public static void shutdown(OkHttpClient http) {
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }
}
