package org.openpincery.pcy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code pcy budget show|set}: an agent's spend against its budget (dollars). */
@Command(
    name = "budget",
    description = "An agent's budget in dollars: show it, or set it (0 = no spending).",
    subcommands = {BudgetCommand.Show.class, BudgetCommand.Set.class})
final class BudgetCommand extends Base {

  @Override
  void run() {
    throw PcyException.usage("budget needs a command: show, set");
  }

  /** Puts {@code budget_limit_usd}: a decimal number of dollars, or null for "unlimited". */
  static void putBudget(ObjectNode body, String amount) {
    if (amount.equalsIgnoreCase("unlimited") || amount.equalsIgnoreCase("none")) {
      body.putNull("budget_limit_usd");
      return;
    }
    try {
      BigDecimal value = new BigDecimal(amount.startsWith("$") ? amount.substring(1) : amount);
      body.put("budget_limit_usd", value);
    } catch (NumberFormatException e) {
      throw PcyException.usage(
          "the budget must be dollars (like 5 or 0.25) or 'unlimited', not '" + amount + "'");
    }
  }

  static void print(Output o, JsonNode a) {
    if (o.json()) {
      ObjectNode shown = Json.object();
      shown.put("id", Json.text(a, "id"));
      shown.put("name", Json.text(a, "name"));
      shown.set("budget_limit_usd", a.get("budget_limit_usd"));
      shown.set("budget_unlimited", a.get("budget_unlimited"));
      shown.set("budget_spent_usd", a.get("budget_spent_usd"));
      shown.set("is_enabled", a.get("is_enabled"));
      shown.set("disabled_reason", a.get("disabled_reason"));
      o.json(shown);
      return;
    }
    boolean unlimited = a.path("budget_unlimited").asBoolean(false);
    BigDecimal spent = new BigDecimal(Json.text(a, "budget_spent_usd"));
    String remaining =
        unlimited
            ? "unlimited"
            : "$"
                + new BigDecimal(Json.text(a, "budget_limit_usd"))
                    .subtract(spent)
                    .max(BigDecimal.ZERO)
                    .toPlainString();
    o.fields(
        Output.pairs(
            "agent",
            Json.text(a, "name"),
            "limit",
            unlimited ? "unlimited" : "$" + Json.text(a, "budget_limit_usd"),
            "spent",
            "$" + spent.toPlainString(),
            "remaining",
            remaining));
    if ("budget_exhausted".equals(Json.text(a, "disabled_reason"))) {
      o.line(o.yellow("disabled: budget exhausted (a higher budget enables it again)"));
    }
  }

  @Command(name = "show", description = "Limit, spent and remaining.")
  static final class Show extends Base {
    @Parameters(paramLabel = "AGENT")
    String agent;

    @Override
    void run() {
      Api api = session();
      print(out(), api.get("/api/agents/" + agents(api).id(agent)));
    }
  }

  @Command(name = "set", description = "Set the limit: dollars, or 'unlimited'.")
  static final class Set extends Base {
    @Parameters(index = "0", paramLabel = "AGENT")
    String agent;

    @Parameters(index = "1", paramLabel = "USD")
    String amount;

    @Override
    void run() {
      Api api = session();
      ObjectNode body = Json.object();
      putBudget(body, amount);
      print(out(), api.patch("/api/agents/" + agents(api).id(agent), body));
    }
  }
}
