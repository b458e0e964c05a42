package org.openpincery.pcy;

import java.util.Map;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Parameters;

/**
 * {@code pcy completion bash|zsh|fish}: a completion script from the command model. Bash is
 * picocli's generator; its script also runs in zsh (it loads {@code bashcompinit} there itself);
 * fish gets {@code complete} lines written here.
 */
@Command(
    name = "completion",
    description = {
      "Print a shell completion script (bash, zsh, fish).",
      "  source <(pcy completion bash)        # bash, e.g. in ~/.bashrc",
      "  source <(pcy completion zsh)         # zsh (through bashcompinit)",
      "  pcy completion fish | source         # fish"
    })
final class CompletionCommand extends Base {

  enum Shell {
    bash,
    zsh,
    fish
  }

  @Parameters(paramLabel = "SHELL", description = "bash, zsh or fish")
  Shell shell;

  @Override
  void run() {
    CommandLine model = Pcy.commandLine(io());
    String script =
        switch (shell) {
          case bash -> AutoComplete.bash("pcy", model);
          case zsh ->
              "#compdef pcy\n"
                  + "autoload -U +X compinit && compinit\n"
                  + "autoload -U +X bashcompinit && bashcompinit\n"
                  + AutoComplete.bash("pcy", model);
          case fish -> fish(model);
        };
    io().out().print(script);
    io().out().flush();
  }

  /** fish: one {@code complete} line per command and option, scoped by the command path. */
  static String fish(CommandLine root) {
    StringBuilder out =
        new StringBuilder("# fish completion for pcy (pcy completion fish | source)\n");
    out.append("complete -c pcy -f\n");
    walk(root.getCommandSpec(), "", out);
    return out.toString();
  }

  private static void walk(CommandSpec spec, String path, StringBuilder out) {
    String condition = condition(spec, path);
    for (Map.Entry<String, CommandLine> sub : spec.subcommands().entrySet()) {
      CommandSpec child = sub.getValue().getCommandSpec();
      if (!child.name().equals(sub.getKey())) {
        continue; // an alias
      }
      out.append("complete -c pcy -n ")
          .append(quote(condition))
          .append(" -a ")
          .append(quote(sub.getKey()))
          .append(" -d ")
          .append(quote(firstLine(child)))
          .append('\n');
    }
    for (OptionSpec option : spec.options()) {
      if (option.hidden()) {
        continue;
      }
      out.append("complete -c pcy -n ")
          .append(quote(path.isEmpty() ? "true" : condition(spec, path, true)));
      for (String name : option.names()) {
        if (name.startsWith("--")) {
          out.append(" -l ").append(name.substring(2));
        } else if (name.startsWith("-") && name.length() == 2) {
          out.append(" -s ").append(name.substring(1));
        }
      }
      if (option.arity().max() > 0) {
        out.append(" -r");
        if (option.completionCandidates() != null) {
          StringBuilder values = new StringBuilder();
          option.completionCandidates().forEach(v -> values.append(v).append(' '));
          out.append(" -a ").append(quote(values.toString().strip()));
        }
      }
      String[] description = option.description();
      if (description.length > 0) {
        out.append(" -d ").append(quote(description[0]));
      }
      out.append('\n');
    }
    for (Map.Entry<String, CommandLine> sub : spec.subcommands().entrySet()) {
      CommandSpec child = sub.getValue().getCommandSpec();
      if (child.name().equals(sub.getKey()) && !child.name().equals("help")) {
        walk(child, path.isEmpty() ? child.name() : path + " " + child.name(), out);
      }
    }
  }

  /** Where this command's subcommands are offered: its path seen, none of its children yet. */
  private static String condition(CommandSpec spec, String path) {
    String children = String.join(" ", spec.subcommands().keySet());
    if (path.isEmpty()) {
      return "__fish_use_subcommand";
    }
    return seen(path)
        + (children.isEmpty() ? "" : "; and not __fish_seen_subcommand_from " + children);
  }

  private static String condition(CommandSpec spec, String path, boolean options) {
    return seen(path);
  }

  private static String seen(String path) {
    StringBuilder s = new StringBuilder();
    for (String word : path.split(" ")) {
      if (!s.isEmpty()) {
        s.append("; and ");
      }
      s.append("__fish_seen_subcommand_from ").append(word);
    }
    return s.toString();
  }

  private static String firstLine(CommandSpec spec) {
    String[] d = spec.usageMessage().description();
    return d.length == 0 ? "" : d[0];
  }

  private static String quote(String s) {
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }
}
