package org.openpincery.pcy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The workspace's members ({@code GET /api/members}): a member named by e-mail (any case) or by
 * user id. An id is taken as given (the server answers 404 for a stranger); an e-mail that is no
 * member's is exit 4.
 */
final class Members {

  private final Api api;

  Members(Api api) {
    this.api = api;
  }

  /** {@code {"members": [{"user_id", "email", "name", "role", "joined_at"}]}}. */
  JsonNode list() {
    return api.get("/api/members");
  }

  /** The user id of {@code ref}: a UUID as is, else the member with that e-mail. */
  String userId(String ref) {
    if (Agents.UUID_TEXT.matcher(ref).matches()) {
      return ref.toLowerCase(Locale.ROOT);
    }
    for (JsonNode m : list().path("members")) {
      if (Json.text(m, "email").equalsIgnoreCase(ref.strip())) {
        return Json.text(m, "user_id");
      }
    }
    throw PcyException.notFound(
        "no member with the e-mail '" + ref + "' in this workspace (pcy members shows them)");
  }

  /**
   * User id → e-mail of the members, to show people instead of ids; empty when the list cannot be
   * read (the caller shows ids then).
   */
  Map<String, String> emails() {
    Map<String, String> emails = new HashMap<>();
    try {
      for (JsonNode m : list().path("members")) {
        emails.put(Json.text(m, "user_id"), Json.text(m, "email"));
      }
    } catch (PcyException unreadable) {
      // ids then
    }
    return emails;
  }
}
