package org.openpincery.pcy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * What every command shares: the root's global options and I/O, the server URL, the kept session,
 * output in the chosen format.
 */
abstract class Base implements Callable<Integer> {

  @Spec CommandSpec spec;

  private Output output;

  final Pcy root() {
    return (Pcy) spec.root().userObject();
  }

  final Io io() {
    return root().io;
  }

  /** --url, else OPEN_PINCERY_URL, else the default, normalised. */
  final String url() {
    String given = root().url;
    if (given == null) {
      given = io().env("OPEN_PINCERY_URL");
    }
    return Api.normalise(given == null ? Pcy.DEFAULT_URL : given);
  }

  final Config config() {
    return Config.locate(io());
  }

  /**
   * A token given for this run instead of a kept session: {@code --token}, else {@code PCY_TOKEN},
   * else {@code OPEN_PINCERY_TOKEN}; as {@code {where, token}}, or null when none is given.
   */
  final String[] givenToken() {
    String option = root().token;
    if (option != null && !option.isBlank()) {
      return new String[] {"--token", option.strip()};
    }
    for (String name : new String[] {"PCY_TOKEN", "OPEN_PINCERY_TOKEN"}) {
      String value = io().env(name);
      if (value != null && !value.isBlank()) {
        return new String[] {name, value.strip()};
      }
    }
    return null;
  }

  /** The API with the given token (an API token for scripts), else the kept session, if any. */
  final Api api() {
    String url = url();
    String[] given = givenToken();
    if (given != null) {
      return new Api(url, given[1], false, given[0]);
    }
    return keptApi();
  }

  /** The API with the session kept for this URL, if any, whatever token is given (logout). */
  final Api keptApi() {
    String url = url();
    Optional<JsonNode> session = config().session(url);
    return new Api(
        url, session.map(s -> s.get("token").asText()).orElse(null), session.isPresent());
  }

  /**
   * The API with the given token or the session kept for this URL; without either, exit 3 saying
   * how to log in.
   */
  final Api session() {
    return requireSession(api());
  }

  /**
   * The API with the session kept for this URL, for what only a person's session may do (leave a
   * workspace, switch it); exit 3 without one.
   */
  final Api keptSession() {
    return requireSession(keptApi());
  }

  private Api requireSession(Api api) {
    if (!api.hasSession()) {
      // A mistyped URL has no session either: say that it cannot be reached (exit 5) first.
      api.send("GET", "/health", null, java.util.Map.of());
      throw new PcyException(
          PcyException.AUTH,
          "not logged in to "
              + api.base()
              + ": run 'pcy login --bootstrap-token T' (or 'pcy bootstrap' once, or 'pcy accept"
              + " INVITATION'), or give an API token in PCY_TOKEN");
    }
    return api;
  }

  final Output out() {
    if (output == null) {
      Pcy pcy = root();
      boolean json = pcy.output == null ? !io().stdoutTerminal() : pcy.output == Pcy.Format.json;
      boolean color = io().stdoutTerminal() && !pcy.noColor && io().env("NO_COLOR") == null;
      output = new Output(io().out(), json, color);
    }
    return output;
  }

  final Agents agents(Api api) {
    return new Agents(api);
  }

  @Override
  public final Integer call() {
    run();
    return 0;
  }

  /** The command; fails with {@link PcyException}, or returns normally for exit 0. */
  abstract void run();
}
