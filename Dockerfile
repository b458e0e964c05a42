# Open Pincery: one image for every tier. The first argument picks the tier:
#   docker run open-pincery                 standalone (every tier, embedded PostgreSQL)
#   docker run open-pincery gateway         the operator API alone (needs DATABASE_URL)
#   ... webhook-ingress | scheduler | wake-worker | maintenance-worker | memory-indexer | migrate
# Every tier serves /health and /ready on port 8080 (set in docker-compose.yml and k8s/), and its
# Prometheus metrics on METRICS_ADDR (9090 there).

# ---- build: the reactor, tests skipped (CI runs them), dependencies cached in a layer ----
FROM maven:3.9-eclipse-temurin-21 AS build
WORKDIR /src
COPY pom.xml ./
COPY migrations/pom.xml migrations/
COPY shared-model/pom.xml shared-model/
COPY testkit/pom.xml testkit/
COPY reasoner/pom.xml reasoner/
COPY memory/pom.xml memory/
COPY gateway/pom.xml gateway/
COPY webhook-ingress/pom.xml webhook-ingress/
COPY scheduler/pom.xml scheduler/
COPY wake-worker/pom.xml wake-worker/
COPY maintenance-worker/pom.xml maintenance-worker/
COPY memory-indexer/pom.xml memory-indexer/
COPY standalone/pom.xml standalone/
COPY cli/pom.xml cli/
COPY bench/pom.xml bench/
RUN mvn -B -q -pl standalone -am dependency:go-offline -DexcludeReactor=true || true
COPY . .
RUN mvn -B -q -pl standalone -am -DskipTests package

# ---- runtime: a JRE, bubblewrap for the shell sandbox, curl for the health check ----
FROM eclipse-temurin:21-jre
RUN apt-get update \
 && apt-get install -y --no-install-recommends bubblewrap curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 pincery \
 && useradd --uid 10001 --gid 10001 --home-dir /var/lib/pincery --create-home --shell /usr/sbin/nologin pincery
WORKDIR /app
COPY --from=build /src/standalone/target/lib/ /app/lib/
COPY --from=build /src/standalone/target/standalone.jar /app/open-pincery.jar
ENV OPEN_PINCERY_DATA_DIR=/var/lib/pincery/data \
    OPEN_PINCERY_HOST=0.0.0.0 \
    OPEN_PINCERY_PORT=8080 \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
USER 10001:10001
EXPOSE 8080 9090
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD curl -fsS "http://127.0.0.1:${OPEN_PINCERY_PORT:-8080}/health" >/dev/null || exit 1
ENTRYPOINT ["java", "-jar", "/app/open-pincery.jar"]
CMD ["standalone"]
