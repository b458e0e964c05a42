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

  /** The API with the session kept for this URL, if any. */
  final Api api() {
    String url = url();
    Optional<JsonNode> session = config().session(url);
    return new Api(
        url, session.map(s -> s.get("token").asText()).orElse(null), session.isPresent());
  }

  /** The API with the session kept for this URL; without one, exit 3 saying how to log in. */
  final Api session() {
    Api api = api();
    if (!api.hasSession()) {
      // A mistyped URL has no session either: say that it cannot be reached (exit 5) first.
      api.send("GET", "/health", null, java.util.Map.of());
      throw new PcyException(
          PcyException.AUTH,
          "not logged in to "
              + api.base()
              + ": run 'pcy login --bootstrap-token T' (or 'pcy bootstrap' once)");
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
