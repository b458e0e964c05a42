package org.openpincery.pcy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code pcy credential add|list|revoke}: workspace secrets that shell calls get as {@code
 * PLACEHOLDER:<name>}. A value is read from a hidden prompt on a terminal, or from stdin when
 * piped; never from an argument (it would be in the shell's history and the process list).
 */
@Command(
    name = "credential",
    description = "Workspace credentials (values are sealed; never shown again).",
    subcommands = {
      CredentialCommand.Add.class,
      CredentialCommand.ListCredentials.class,
      CredentialCommand.Revoke.class
    })
final class CredentialCommand extends Base {

  @Override
  void run() {
    throw PcyException.usage("credential needs a command: add, list, revoke");
  }

  @Command(
      name = "add",
      description = {
        "Add a credential. The value comes from a hidden prompt, or from stdin when piped:",
        "  printf %s \"$TOKEN\" | pcy credential add github_token"
      })
  static final class Add extends Base {
    @Parameters(paramLabel = "NAME", description = "Letters, digits, _; not starting with a digit.")
    String name;

    @Override
    void run() {
      Api api = session();
      char[] value = readValue();
      try {
        var body = Json.object().put("name", name).put("value", new String(value));
        JsonNode r = api.post("/api/credentials", body);
        if (out().json()) {
          out().json(r);
        } else {
          out().line("credential " + Json.text(r, "name") + " added");
        }
      } finally {
        Arrays.fill(value, '\0');
      }
    }

    private char[] readValue() {
      Io io = io();
      char[] value;
      if (io.stdinTerminal()) {
        if (io.hiddenPrompt() == null) {
          throw PcyException.usage("no terminal to ask on: pipe the value into stdin");
        }
        value = io.hiddenPrompt().apply("Value for " + name + " (hidden): ");
        if (value == null) {
          throw PcyException.usage("no value given");
        }
      } else {
        try {
          ByteArrayOutputStream bytes = new ByteArrayOutputStream();
          io.in().transferTo(bytes);
          String text = bytes.toString(StandardCharsets.UTF_8);
          // One trailing line end is the pipe's, not the secret's (echo, a file).
          if (text.endsWith("\r\n")) {
            text = text.substring(0, text.length() - 2);
          } else if (text.endsWith("\n")) {
            text = text.substring(0, text.length() - 1);
          }
          value = text.toCharArray();
        } catch (IOException e) {
          throw PcyException.failure("cannot read the value from stdin: " + e.getMessage());
        }
      }
      if (value.length == 0) {
        throw PcyException.usage("the value is empty");
      }
      return value;
    }
  }

  @Command(name = "list", description = "Names and dates (never values).")
  static final class ListCredentials extends Base {
    @Override
    void run() {
      JsonNode r = session().get("/api/credentials");
      if (out().json()) {
        out().json(r);
        return;
      }
      List<List<String>> rows = new ArrayList<>();
      for (JsonNode c : r.path("credentials")) {
        rows.add(List.of(Json.text(c, "name"), Json.text(c, "created_at")));
      }
      out().table(List.of("NAME", "CREATED"), rows);
    }
  }

  @Command(
      name = "revoke",
      description = "Revoke a credential; shell calls naming it then fail closed.")
  static final class Revoke extends Base {
    @Parameters(paramLabel = "NAME")
    String name;

    @Override
    void run() {
      session().delete("/api/credentials/" + URLEncoder.encode(name, StandardCharsets.UTF_8));
      if (out().json()) {
        out().json(Json.object().put("name", name).put("revoked", true));
      } else {
        out().line("credential " + name + " revoked");
      }
    }
  }
}
