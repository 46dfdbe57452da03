# Builds the bridge's fat jar and runs it on a JRE. Used by docker-compose.yml.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
# The console's assets are built by the distribution's Node.js and npm (module console).
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null && rm -rf /var/lib/apt/lists/*
COPY . .
RUN mvn -B -q -DskipTests package

FROM eclipse-temurin:17-jre
WORKDIR /opt/bridge
COPY --from=build /src/analytics-api/target/mqtt-kafka-bridge.jar /opt/bridge/mqtt-kafka-bridge.jar
COPY config.yml /opt/bridge/config.yml
# The launcher carries the measured JVM settings (README, docs/BENCHMARKS.md); it finds the jar in its parent directory.
COPY bin/mqtt-kafka-bridge /opt/bridge/bin/mqtt-kafka-bridge
ENV JAVA_OPTS="-XX:MaxRAMPercentage=75"
# The launcher's class-data-sharing archive (written at the first stop, mapped by later starts) lives on
# the data volume, so a recreated container keeps it.
ENV BRIDGE_CDS_DIR=/opt/bridge/data/cds
VOLUME /opt/bridge/data
# MQTT, MQTT over WebSocket (deploy/cluster/bridge.yml), over secure WebSocket (console live view),
# REST API and console, admin (health checks and metrics)
EXPOSE 1883 8083 8443 8080 8081
ENTRYPOINT ["/opt/bridge/bin/mqtt-kafka-bridge"]
# docker-compose.yml replaces this with the cluster's node configuration.
CMD ["server", "/opt/bridge/config.yml"]
