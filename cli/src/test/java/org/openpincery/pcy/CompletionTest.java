package org.openpincery.pcy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Completion scripts, checked by the shells themselves. No server is needed. */
class CompletionTest {

  @TempDir Path dir;

  private final Cli cli = new Cli("http://127.0.0.1:9", Path.of("/nonexistent/config.json"));

  @Test
  void bashCompletionPassesBashNAndCompletesCommands() throws Exception {
    var r = cli.run("completion", "bash");
    assertThat(r.exit()).isZero();
    Path script = dir.resolve("pcy.bash");
    Files.writeString(script, r.out());
    assertThat(run("bash", "-n", script.toString()).exit).isZero();
    // Sourced, it registers a completion for pcy that offers the commands.
    var words =
        run(
            "bash",
            "-c",
            "source "
                + script
                + " && COMP_WORDS=(pcy ag) && COMP_CWORD=1 && COMP_LINE='pcy ag' && COMP_POINT=6"
                + " && _complete_pcy pcy ag pcy >/dev/null 2>&1; complete -p pcy;"
                + " printf '%s\\n' \"${COMPREPLY[@]}\"");
    assertThat(words.exit).isZero();
    assertThat(words.out).contains("complete").contains("pcy").contains("agent");
    // The team verbs' subcommands and the roles after --role complete too.
    var token =
        run(
            "bash",
            "-c",
            "source "
                + script
                + " && COMP_WORDS=(pcy token c) && COMP_CWORD=2 && COMP_LINE='pcy token c'"
                + " && COMP_POINT=11 && _complete_pcy pcy c token >/dev/null 2>&1;"
                + " printf '%s\\n' \"${COMPREPLY[@]}\"");
    assertThat(token.out).contains("create");
    var role =
        run(
            "bash",
            "-c",
            "source "
                + script
                + " && COMP_WORDS=(pcy invite x --role ad) && COMP_CWORD=4"
                + " && COMP_LINE='pcy invite x --role ad' && COMP_POINT=22"
                + " && _complete_pcy pcy ad --role >/dev/null 2>&1;"
                + " printf '%s\\n' \"${COMPREPLY[@]}\"");
    assertThat(role.out).contains("admin");
  }

  @Test
  void zshGetsTheBashScriptThroughBashcompinitAndFishGetsCompleteLines() throws Exception {
    var zsh = cli.run("completion", "zsh");
    assertThat(zsh.exit()).isZero();
    assertThat(zsh.out()).startsWith("#compdef pcy").contains("bashcompinit");
    Path script = dir.resolve("pcy.zsh");
    Files.writeString(script, zsh.out());
    // The script is also valid bash syntax (what zsh's bashcompinit runs).
    assertThat(run("bash", "-n", script.toString()).exit).isZero();

    var fish = cli.run("completion", "fish");
    assertThat(fish.exit()).isZero();
    assertThat(fish.out())
        .contains("complete -c pcy -n '__fish_use_subcommand' -a 'agent'")
        .contains("__fish_seen_subcommand_from agent")
        .contains("-a 'rotate-secret'")
        .contains("-a 'invite'")
        .contains("__fish_seen_subcommand_from token")
        .contains("-l expires-in-days")
        .contains("-l token")
        .contains("-l follow")
        .contains("-l url");
    assertThat(fish.out().lines().filter(l -> !l.startsWith("#")))
        .allSatisfy(l -> assertThat(l).startsWith("complete -c pcy"));
    assertThat(cli.run("completion", "tcsh").exit()).isEqualTo(2);
  }

  private record Ran(int exit, String out) {}

  private static Ran run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return new Ran(p.exitValue(), out);
  }
}
