package org.openpincery.pcy;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code pcy}: the operator CLI. Global options come before or after the command ({@code pcy --url
 * URL agent list}, {@code pcy agent list -o json}). Every command talks to the operator API over
 * HTTP; the session is kept per server URL in the config file ({@link Config}).
 */
@Command(
    name = "pcy",
    mixinStandardHelpOptions = true,
    // Every subcommand takes --help (and --version), and shows the exit codes and environment.
    scope = CommandLine.ScopeType.INHERIT,
    versionProvider = Pcy.Version.class,
    description = "Drive Open Pincery agents from the terminal.",
    footerHeading = "%nEnvironment:%n",
    footer = {
      "  OPEN_PINCERY_URL              the server without --url",
      "  OPEN_PINCERY_BOOTSTRAP_TOKEN  the default --bootstrap-token",
      "  PCY_TOKEN                     an API token (pcy_...) instead of a kept session",
      "  OPEN_PINCERY_TOKEN            the same, when PCY_TOKEN is not set",
      "  PCY_CONFIG                    the session file (~/.config/pcy/config.json)",
      "  NO_COLOR                      no colours",
      "",
      "Docs: docs/cli.md"
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:ok",
      "1:failed (not ready, chain broken, no reply in time, conflict, rate limited)",
      "2:usage (bad arguments, ambiguous agent name, input the server refused with 400)",
      "3:auth (not logged in, session or token expired or revoked, wrong bootstrap token)",
      "4:not found (unknown agent name or id, schedule, credential, member, token)",
      "5:server error (5xx), or the server cannot be reached (refused, wrong URL)",
      "6:forbidden (403: the role is too low, a role above your own, not a member)"
    },
    subcommands = {
      AuthCommands.Bootstrap.class,
      AuthCommands.Login.class,
      AuthCommands.Logout.class,
      AuthCommands.Whoami.class,
      AuthCommands.Status.class,
      TeamCommands.Invite.class,
      TeamCommands.Accept.class,
      TeamCommands.MembersCommand.class,
      TeamCommands.Leave.class,
      TeamCommands.RoleCommand.class,
      TeamCommands.InvitationsCommand.class,
      TokenCommand.class,
      WorkspaceCommand.class,
      AuditCommand.class,
      NotifyCommand.class,
      McpCommand.class,
      AgentCommand.class,
      MessageCommand.class,
      StopCommands.Stop.class,
      StopCommands.CarryOn.class,
      ApprovalsCommand.class,
      EventsCommand.class,
      MemoryCommand.class,
      BudgetCommand.class,
      CredentialCommand.class,
      ScheduleCommand.class,
      TimersCommand.class,
      TimerCommand.class,
      VerifyCommand.class,
      CompletionCommand.class,
      DemoCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Pcy implements Runnable {

  static final String VERSION = "0.1.0";
  static final String DEFAULT_URL = "http://127.0.0.1:8080";

  final Io io;

  @Option(
      names = "--url",
      paramLabel = "URL",
      scope = CommandLine.ScopeType.INHERIT,
      description = "The server (default: OPEN_PINCERY_URL, else " + DEFAULT_URL + ").")
  String url;

  @Option(
      names = "--token",
      paramLabel = "TOKEN",
      scope = CommandLine.ScopeType.INHERIT,
      description =
          "An API token (pcy_...) instead of the kept session (default: PCY_TOKEN, else"
              + " OPEN_PINCERY_TOKEN). Prefer the variable: an argument shows in the process list.")
  String token;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      scope = CommandLine.ScopeType.INHERIT,
      description = "table or json (default: table on a terminal, json when piped).")
  Format output;

  @Option(
      names = "--no-color",
      scope = CommandLine.ScopeType.INHERIT,
      description = "No colours (also NO_COLOR).")
  boolean noColor;

  enum Format {
    table,
    json
  }

  Pcy(Io io) {
    this.io = io;
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(new CommandLine(this), "a command is needed");
  }

  public static void main(String[] args) throws java.io.IOException {
    if (System.getProperty("pcy.training") != null) {
      Training.run(); // ./pcy's one training run for the JVM's ahead-of-time cache
      return;
    }
    Api.closeAtExit();
    int code = execute(Io.system(), args);
    Api.closeAll();
    System.exit(code);
  }

  /** Runs one command line against {@code io}; returns the exit code. */
  static int execute(Io io, String... args) {
    return commandLine(io).execute(args);
  }

  static CommandLine commandLine(Io io) {
    CommandLine cli = new CommandLine(new Pcy(io));
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    cli.setOut(new java.io.PrintWriter(io.out(), true));
    cli.setErr(new java.io.PrintWriter(io.err(), true));
    // A usage error is one line too, naming where the help is (picocli would print the usage).
    cli.setParameterExceptionHandler(
        (e, args) -> {
          String command = e.getCommandLine().getCommandSpec().qualifiedName();
          io.err().println("pcy: " + e.getMessage() + " (" + command + " --help)");
          return PcyException.USAGE;
        });
    cli.setExecutionExceptionHandler(
        (e, line, parsed) -> {
          if (e instanceof PcyException p) {
            io.err().println("pcy: " + p.getMessage());
            return p.exitCode();
          }
          if (e instanceof CommandLine.ParameterException p) {
            io.err().println("pcy: " + p.getMessage());
            return PcyException.USAGE;
          }
          io.err().println("pcy: unexpected error: " + e);
          return PcyException.FAILURE;
        });
    return cli;
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"pcy " + VERSION};
    }
  }
}
