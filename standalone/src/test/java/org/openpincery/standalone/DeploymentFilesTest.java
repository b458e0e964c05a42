package org.openpincery.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openpincery.config.Env;
import org.openpincery.ops.Metrics;
import org.openpincery.scheduler.SchedulerConfig;
import org.openpincery.scheduler.SchedulerVerticle;

/**
 * docker-compose.yml (with its Caddy overlay) and k8s/ (with its CloudNativePG overlay) render with
 * their own tools, and what they give each tier — the command, every environment variable, the
 * ports and the probes — is what that tier's code reads and serves.
 */
class DeploymentFilesTest {

  private static final Set<String> TIERS =
      Set.of(
          "gateway",
          "webhook-ingress",
          "scheduler",
          "maintenance-worker",
          "wake-worker",
          "memory-indexer");

  @Test
  @SuppressWarnings("unchecked")
  void composeGivesEveryTierACommandAndSettingsItsCodeReads() throws Exception {
    Map<String, Object> compose = DeploymentFiles.compose("docker-compose.yml");
    Map<String, Map<String, Object>> services =
        (Map<String, Map<String, Object>>) compose.get("services");
    assertThat(services.keySet())
        .containsExactlyInAnyOrder(
            "postgres",
            "migrate",
            "gateway",
            "webhook-ingress",
            "scheduler",
            "maintenance-worker",
            "wake-worker",
            "memory-indexer");
    for (String tier : TierSettings.tiers()) {
      Map<String, Object> service = services.get(tier);
      assertThat((List<String>) service.get("command")).as(tier).containsExactly(tier);
      assertThat(Main.TIERS).contains(tier);
      Map<String, String> env = DeploymentFiles.environment(service);
      Set<String> read = TierSettings.read(tier, env);
      assertThat(read)
          .as("%s reads every setting compose gives it", tier)
          .containsAll(env.keySet());
      if (tier.equals("migrate")) {
        assertThat(service.get("depends_on").toString()).contains("service_healthy");
        continue;
      }
      assertThat(service.get("depends_on").toString())
          .as(tier)
          .contains("migrate")
          .contains("service_completed_successfully");
      String portSetting =
          tier.equals("webhook-ingress") ? "OPEN_PINCERY_WEBHOOK_PORT" : "OPEN_PINCERY_PORT";
      assertThat(env).as(tier).containsEntry(portSetting, "8080");
      assertThat(Metrics.Address.parse(env.get("METRICS_ADDR")).port()).isEqualTo(9090);
      Map<String, Object> health = (Map<String, Object>) service.get("healthcheck");
      assertThat((List<String>) health.get("test"))
          .as(tier)
          .contains("http://127.0.0.1:8080/ready");
    }
    assertThat(services.get("gateway").get("ports").toString()).contains("127.0.0.1:8080");
    assertThat(services.get("webhook-ingress").get("ports").toString()).contains("127.0.0.1:8081");
    Map<String, Object> deploy = (Map<String, Object>) services.get("wake-worker").get("deploy");
    assertThat((Integer) deploy.get("replicas")).isGreaterThan(1);

    Map<String, Object> withCaddy =
        DeploymentFiles.compose("docker-compose.yml", "docker-compose.caddy.yml");
    Map<String, Map<String, Object>> all =
        (Map<String, Map<String, Object>>) withCaddy.get("services");
    assertThat(all).containsKey("caddy");
    Map<String, String> gatewayEnv = DeploymentFiles.environment(all.get("gateway"));
    assertThat(TierSettings.read("gateway", gatewayEnv)).contains("OPEN_PINCERY_TRUSTED_PROXIES");
    assertThat(gatewayEnv).containsKey("OPEN_PINCERY_TRUSTED_PROXIES");
  }

  @ParameterizedTest
  @ValueSource(strings = {"k8s", "k8s/overlays/cloudnativepg"})
  @SuppressWarnings("unchecked")
  void kustomizeGivesEveryTierItsCommandSettingsPortsAndProbes(String dir) throws Exception {
    List<Map<String, Object>> docs = DeploymentFiles.kustomize(dir);
    Map<String, String> config = new HashMap<>();
    Set<String> deployments = new HashSet<>();
    boolean migrateJob = false;
    boolean hpaOnQueue = false;
    for (Map<String, Object> doc : docs) {
      if (doc.get("kind").equals("ConfigMap")) {
        ((Map<String, Object>) doc.get("data")).forEach((k, v) -> config.put(k, v.toString()));
      }
    }
    Set<String> configReadBySomeTier = new HashSet<>();
    for (Map<String, Object> doc : docs) {
      String kind = (String) doc.get("kind");
      Map<String, Object> meta = (Map<String, Object>) doc.get("metadata");
      if (kind.equals("Job")) {
        Map<String, Object> c = container(doc);
        assertThat((List<String>) c.get("args")).containsExactly("migrate");
        migrateJob = true;
      }
      if (kind.equals("HorizontalPodAutoscaler")) {
        Map<String, Object> spec = (Map<String, Object>) doc.get("spec");
        assertThat(((Map<String, Object>) spec.get("scaleTargetRef")).get("name"))
            .isEqualTo("wake-worker");
        hpaOnQueue = spec.toString().contains("pincery_pending_agents");
      }
      if (!kind.equals("Deployment")) {
        continue;
      }
      String tier = (String) meta.get("name");
      deployments.add(tier);
      Map<String, Object> c = container(doc);
      assertThat((List<String>) c.get("args")).as(tier).containsExactly(tier);
      Map<String, String> env = new HashMap<>(config);
      Set<String> own = new HashSet<>();
      for (Map<String, Object> e : (List<Map<String, Object>>) c.get("env")) {
        String name = (String) e.get("name");
        own.add(name);
        // Secrets are referenced, never inlined: a stand-in value for the check.
        env.put(name, e.containsKey("value") ? e.get("value").toString() : stand_in(name));
      }
      Set<String> read = TierSettings.read(tier, env);
      assertThat(read).as("%s reads every setting its pod spec gives it", tier).containsAll(own);
      configReadBySomeTier.addAll(read);
      String portSetting =
          tier.equals("webhook-ingress") ? "OPEN_PINCERY_WEBHOOK_PORT" : "OPEN_PINCERY_PORT";
      assertThat(env).as(tier).containsEntry(portSetting, "8080");
      assertThat(Metrics.Address.parse(env.get("METRICS_ADDR")).port()).isEqualTo(9090);
      assertThat(c.get("ports").toString())
          .contains("containerPort=8080")
          .contains("containerPort=9090");
      assertThat(((Map<String, Object>) c.get("livenessProbe")).toString())
          .contains("path=/health");
      assertThat(((Map<String, Object>) c.get("startupProbe")).toString()).contains("path=/health");
      assertThat(((Map<String, Object>) c.get("readinessProbe")).toString())
          .contains("path=/ready");
      assertThat(((Map<String, Object>) c.get("securityContext")).get("allowPrivilegeEscalation"))
          .isEqualTo(false);
      assertThat(c.get("resources").toString()).contains("requests").contains("limits");
    }
    assertThat(deployments).isEqualTo(TIERS);
    assertThat(migrateJob).isTrue();
    assertThat(hpaOnQueue).isTrue();
    assertThat(configReadBySomeTier)
        .as("every ConfigMap setting is read by some tier")
        .containsAll(config.keySet());
    assertThat(docs.toString()).as("no Secret is inlined").doesNotContain("kind=Secret");

    // The HPA's queue metric is one the scheduler really exports.
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    new SchedulerVerticle(null, SchedulerConfig.from(Env.of(Map.of())), registry);
    assertThat(registry.find("pincery_pending_agents").gauge()).isNotNull();
  }

  private static String stand_in(String name) {
    return switch (name) {
      case "DATABASE_URL" -> "postgres://u:p@db:5432/pincery";
      case "OPEN_PINCERY_VAULT_KEY" -> DeploymentFiles.DOT_ENV.get("OPEN_PINCERY_VAULT_KEY");
      default -> "secret-stand-in-0123456789";
    };
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> container(Map<String, Object> doc) {
    Map<String, Object> spec = (Map<String, Object>) doc.get("spec");
    Map<String, Object> template = (Map<String, Object>) spec.get("template");
    Map<String, Object> podSpec = (Map<String, Object>) template.get("spec");
    return ((List<Map<String, Object>>) podSpec.get("containers")).getFirst();
  }
}
