# Builds the bridge's fat jar and runs it on a JRE. Used by docker-compose.yml.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -B -q -DskipTests package

FROM eclipse-temurin:17-jre
WORKDIR /opt/bridge
COPY --from=build /src/analytics-api/target/mqtt-kafka-bridge.jar /opt/bridge/mqtt-kafka-bridge.jar
COPY config.yml /opt/bridge/config.yml
VOLUME /opt/bridge/data
# MQTT, REST API, admin (health checks and metrics)
EXPOSE 1883 8080 8081
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/opt/bridge/mqtt-kafka-bridge.jar", "server", "/opt/bridge/config.yml"]
