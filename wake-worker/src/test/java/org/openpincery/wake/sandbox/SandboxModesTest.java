package org.openpincery.wake.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.openpincery.config.Env;

class SandboxModesTest {

  @Test
  void theUnsandboxedModeIsAnExplicitChoiceThatSaysSoAndStillAppliesLimits() throws Exception {
    Path root = Files.createTempDirectory("pincery-none");
    Sandbox sandbox =
        Sandbox.probe(
            SandboxConfig.from(
                Env.of(
                    Map.of(
                        "OPEN_PINCERY_SANDBOX", "none",
                        "OPEN_PINCERY_SANDBOX_ROOT", root.resolve("w").toString(),
                        "SHELL_FILE_SIZE_MB", "1"))));
    assertThat(sandbox.usable()).isTrue();
    assertThat(sandbox.profile()).contains("unsandboxed");
    UUID agent = UUID.randomUUID();
    Sandbox.Result r =
        sandbox.run(agent, "pwd; head -c 2000000 /dev/zero > big; echo $?", Map.of("X", "y"));
    assertThat(r.stdout()).startsWith(root.resolve("w").resolve(agent.toString()).toString());
    assertThat(r.stderr()).contains("File size limit exceeded");
  }

  @Test
  void redactionCoversTheValueItsBase64AndItsUrlEncoding() {
    String secret = "p@ss word/+=?";
    Redactor redactor = new Redactor(Map.of("db", secret));
    String b64 = Base64.getEncoder().encodeToString(secret.getBytes(StandardCharsets.UTF_8));
    String url = java.net.URLEncoder.encode(secret, StandardCharsets.UTF_8);
    String out = redactor.redact("a " + secret + " b " + b64 + " c " + url + " d");
    assertThat(out)
        .isEqualTo("a [REDACTED:db] b [REDACTED:db] c [REDACTED:db] d")
        .doesNotContain(secret);
  }
}
