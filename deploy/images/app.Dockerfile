# syntax=docker/dockerfile:1
# The image of every Parley app role (edge, sequencer, presence, projections, push) and of the provisioning Job.
# Build from the repository root:  docker build -f deploy/images/app.Dockerfile -t parley-app:0.1.0 .
# A pod picks its role with its arguments (RoleLauncher <role>); JVM flags come from JAVA_TOOL_OPTIONS.
FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY . .
# The app roles (launcher) and the provisioner (infra), installed into the image's own Maven repository, then every
# runtime jar of both into /out/lib.
RUN ./mvnw -B -q -DskipTests -Dmaven.repo.local=/m2 -pl launcher,infra -am install \
 && ./mvnw -B -q -Dmaven.repo.local=/m2 -pl launcher,infra dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory=/out/lib \
 && cp launcher/target/parley-launcher-*.jar infra/target/parley-infra-*.jar /out/lib/

FROM eclipse-temurin:17-jre
RUN useradd --uid 10001 --create-home --home-dir /var/lib/parley parley
COPY --from=build /out/lib /opt/parley/lib
USER 10001
WORKDIR /var/lib/parley
ENV PARLEY_DATA_DIR=/var/lib/parley
ENTRYPOINT ["java", "-cp", "/opt/parley/lib/*", "org.parley.launcher.RoleLauncher"]
CMD ["edge"]
