package org.openpincery.pcy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Finds an agent by id or by name. A UUID is taken as an id. A name is looked for, in order, as an
 * exact name among live agents (unique there), then ignoring case among live agents, then exactly
 * among deleted ones (whose history stays readable); the first step that finds anything decides.
 * More than one match is an error naming every candidate's id (exit 2); none is exit 4.
 */
final class Agents {

  static final Pattern UUID_TEXT =
      Pattern.compile(
          "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  private final Api api;

  Agents(Api api) {
    this.api = api;
  }

  /** The agent's id. */
  String id(String ref) {
    if (UUID_TEXT.matcher(ref).matches()) {
      return ref.toLowerCase(java.util.Locale.ROOT);
    }
    return find(ref).get("id").asText();
  }

  /** The agent's JSON as listed (id, name, status, …). */
  JsonNode find(String ref) {
    if (UUID_TEXT.matcher(ref).matches()) {
      return api.get("/api/agents/" + ref.toLowerCase(java.util.Locale.ROOT));
    }
    List<JsonNode> all = new ArrayList<>();
    api.get("/api/agents?include_deleted=true").path("agents").forEach(all::add);
    List<Predicate<JsonNode>> steps =
        List.of(
            a -> !deleted(a) && a.path("name").asText().equals(ref),
            a -> !deleted(a) && a.path("name").asText().equalsIgnoreCase(ref),
            a -> deleted(a) && a.path("name").asText().equals(ref));
    for (Predicate<JsonNode> step : steps) {
      List<JsonNode> found = all.stream().filter(step).toList();
      if (found.size() == 1) {
        return found.getFirst();
      }
      if (found.size() > 1) {
        throw PcyException.usage(
            "'"
                + ref
                + "' is ambiguous: it matches "
                + found.size()
                + " agents, give one of their ids: "
                + found.stream()
                    .map(
                        a ->
                            a.path("id").asText()
                                + " ("
                                + a.path("name").asText()
                                + (deleted(a) ? ", deleted" : "")
                                + ")")
                    .collect(Collectors.joining(", ")));
      }
    }
    throw PcyException.notFound("no agent named '" + ref + "' (pcy agent list shows them)");
  }

  private static boolean deleted(JsonNode a) {
    return a.path("deleted").asBoolean(false);
  }
}
