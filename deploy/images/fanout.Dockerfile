# syntax=docker/dockerfile:1
# The fan-out job for the Flink Kubernetes Operator (application mode): Flink's own image plus the job jar and its
# dependencies in /opt/flink/usrlib, which Flink puts on the job's class path. Flink itself, its REST/web modules and
# the logging binding come from the base image (Flink loads org.apache.flink classes parent-first anyway).
# Build from the repository root:  docker build -f deploy/images/fanout.Dockerfile -t parley-fanout:0.1.0 .
FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY . .
RUN ./mvnw -B -q -DskipTests -Dmaven.repo.local=/m2 -pl fanout-jobs -am install \
 && ./mvnw -B -q -Dmaven.repo.local=/m2 -pl fanout-jobs dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory=/out/usrlib \
      -DexcludeArtifactIds=flink-streaming-java,flink-clients,flink-runtime-web,flink-runtime,flink-core,flink-core-api,flink-java,flink-annotations,flink-metrics-core,flink-rpc-core,flink-rpc-akka-loader,flink-shaded-guava,flink-shaded-jackson,flink-shaded-netty,flink-shaded-asm-9,flink-shaded-zookeeper-3,flink-hadoop-fs,flink-file-sink-common,flink-datastream,flink-datastream-api,flink-optimizer,flink-queryable-state-client-java,flink-connector-datagen,logback-classic,logback-core \
 && cp fanout-jobs/target/parley-fanout-jobs-*.jar /out/usrlib/parley-fanout-jobs.jar

FROM flink:2.2.1-java17
COPY --from=build --chown=flink:flink /out/usrlib /opt/flink/usrlib
