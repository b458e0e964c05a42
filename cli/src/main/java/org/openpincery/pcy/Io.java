package org.openpincery.pcy;

import java.io.Console;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Function;

/**
 * What the CLI reads from and writes to outside its arguments: the environment, the standard
 * streams, whether they are terminals, and a hidden prompt. Tests build one of their own.
 *
 * @param hiddenPrompt reads a line without echo after showing the prompt (a terminal's console);
 *     null when there is no terminal to ask on
 */
record Io(
    Map<String, String> env,
    PrintStream out,
    PrintStream err,
    InputStream in,
    boolean stdoutTerminal,
    boolean stdinTerminal,
    Function<String, char[]> hiddenPrompt) {

  /** The real process: the launcher tells whether stdout and stdin are terminals. */
  static Io system() {
    Console console = System.console();
    boolean terminal = console != null && isTerminal(console);
    boolean stdoutTerminal = flag("pcy.stdout.tty", terminal);
    boolean stdinTerminal = flag("pcy.stdin.tty", terminal);
    return new Io(
        System.getenv(),
        new PrintStream(System.out, true, StandardCharsets.UTF_8),
        new PrintStream(System.err, true, StandardCharsets.UTF_8),
        System.in,
        stdoutTerminal,
        stdinTerminal,
        console == null ? null : prompt -> console.readPassword("%s", prompt));
  }

  String env(String name) {
    String value = env.get(name);
    return value == null || value.isEmpty() ? null : value;
  }

  private static boolean flag(String property, boolean fallback) {
    String value = System.getProperty(property);
    return value == null ? fallback : value.equals("1") || value.equals("true");
  }

  // JDK 22+ returns a Console also when redirected and says whether it is a terminal; on 21 a
  // console exists only on a terminal. Read by reflection: the code is compiled for release 21.
  private static boolean isTerminal(Console console) {
    try {
      Method m = Console.class.getMethod("isTerminal");
      return (Boolean) m.invoke(console);
    } catch (ReflectiveOperationException e) {
      return true;
    }
  }
}
