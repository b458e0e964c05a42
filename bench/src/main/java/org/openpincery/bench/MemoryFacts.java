package org.openpincery.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The memory bench's labelled set: 40 facts, each planted as one event of an agent's history, with
 * two questions whose answer is that event — a paraphrase that shares few words with it (where
 * semantic search should matter) and an exact one (an identifier the fact carries, or its key
 * words, where full-text and trigram search should) — and a decoy on the same subject that does not
 * answer them, planted twice in the same agent's history.
 */
final class MemoryFacts {

  private MemoryFacts() {}

  /** The kinds of question, reported side by side. */
  static final String PARAPHRASE = "paraphrase";

  static final String IDENTIFIER = "identifier";
  static final String KEYWORDS = "keywords";

  /** A question and the kind it is. */
  record Question(String kind, String text) {}

  /**
   * One planted event: a fact (with its questions) or a decoy (none).
   *
   * @param id the fact's number, 0-based; a decoy carries its fact's
   */
  record Instance(
      int id, MemoryCorpus.Draft draft, List<Question> questions, List<Instance> decoys) {
    boolean isFact() {
      return !questions.isEmpty();
    }

    /** This fact, then its decoys. */
    List<Instance> withDecoys() {
      List<Instance> all = new ArrayList<>();
      all.add(this);
      all.addAll(decoys);
      return all;
    }
  }

  // type (a tool_result's is "tool_result:<tool>"), fact, paraphrase, exact question, whether the
  // exact question is an identifier (else key words), decoy.
  private record Fact(
      String type,
      String fact,
      String paraphrase,
      String exact,
      boolean identifier,
      String decoy) {}

  private static final List<Fact> FACTS =
      List.of(
          new Fact(
              "message_received",
              "Note from {first}: the gate code for the storage unit at {city} Self Storage is {pin:####}, unit {id:SU-####}.",
              "what number opens the entrance to the place where we keep our boxes?",
              "{id}",
              true,
              "{first} asked whether our storage unit at {city} Self Storage could be swapped for a bigger one next month."),
          new Fact(
              "webhook_received",
              "{\"type\":\"charge.refunded\",\"data\":{\"object\":{\"id\":\"{id:ch_xxxxxxxxxxxxxx}\",\"amount_refunded\":{n}00,\"reason\":\"duplicate\",\"customer_email\":\"{email}\"}}}",
              "was a customer's money given back because they paid twice?",
              "{id}",
              true,
              "{\"type\":\"charge.succeeded\",\"data\":{\"object\":{\"id\":\"{id:ch_xxxxxxxxxxxxxx}\",\"amount\":{n}00,\"customer_email\":\"{email}\"}}}"),
          new Fact(
              "tool_result:shell",
              "$ openssl x509 -enddate -noout -in /etc/ssl/{id:shop-aaaaaa}.pem\nnotAfter=Mar 14 23:59:59 2027 GMT",
              "when does the TLS certificate of the web shop run out?",
              "{id}.pem notAfter",
              true,
              "$ openssl version\nOpenSSL 3.0.13 30 Jan 2024 (Library: OpenSSL 3.0.13 30 Jan 2024)"),
          new Fact(
              "maintenance_completed",
              "Wake summary: {first} {last} confirmed she is allergic to peanuts and shellfish; the team dinner booking at {restaurant} must mention it.",
              "which foods must be avoided for one of our guests?",
              "allergic to peanuts and shellfish",
              false,
              "Wake summary: booked the team dinner at {restaurant} for eight people on {weekday}; {first} will confirm the menu."),
          new Fact(
              "message_received",
              "Our new VAT number is {id:DE#########}, please put it on every invoice from now on. — {first}",
              "which tax identification should appear on the bills we send?",
              "{id}",
              true,
              "{first}: please send the invoices for {month} as PDF attachments, not as links."),
          new Fact(
              "assistant_message",
              "I moved the production database backups to the bucket s3://{slug}-backups-{id:#####}; the old bucket will be deleted on {month} 30.",
              "where are the db snapshots kept now?",
              "{slug}-backups-{id}",
              true,
              "I checked the backups: the nightly job for the staging database finished in 14 minutes."),
          new Fact(
              "message_received",
              "{first} here — my flight to {city} is {id:LH ####}, landing at 17:40 on {weekday}; can someone pick me up?",
              "when does the plane get in, and who needs a ride from the airport?",
              "{id}",
              true,
              "{first} here — I booked the train to {city} for the conference, no need to collect me."),
          new Fact(
              "tool_result:http_get",
              "{\"order\":\"{id:ORD-XXXXXX}\",\"status\":\"returned_to_sender\",\"reason\":\"address not found\",\"carrier\":\"UPS\"}",
              "why did the parcel come back to us?",
              "{id}",
              true,
              "{\"order\":\"{id:ORD-XXXXXX}\",\"status\":\"delivered\",\"carrier\":\"UPS\",\"signed_by\":\"{first}\"}"),
          new Fact(
              "memory_remembered",
              "{first} {last} wants to be contacted by phone after 6 pm, never by email.",
              "what is the right way and time to get hold of this person?",
              "{first} {last} phone after 6 pm",
              false,
              "{first} {last} sent the signed contract by email on {weekday}."),
          new Fact(
              "webhook_received",
              "{\"alert\":\"DiskFull\",\"host\":\"{id:db-aaaa-##}\",\"mountpoint\":\"/var/lib/postgresql\",\"used_percent\":97}",
              "which machine is running out of storage space?",
              "{id}",
              true,
              "{\"alert\":\"HighCPU\",\"host\":\"{id:db-aaaa-##}\",\"value\":88,\"summary\":\"cpu above 85% for 10 minutes\"}"),
          new Fact(
              "message_received",
              "The wifi password for the {city} office guest network is now {id:aaaaaa-aaaaa-##}.",
              "how do visitors get onto the internet at the branch?",
              "{id}",
              true,
              "The {city} office will be closed on {weekday} for the carpet cleaning."),
          new Fact(
              "maintenance_completed",
              "Wake summary: the landlord, {first} {last}, agreed to lower the rent to 2,150 EUR a month from {month} in exchange for a two-year lease.",
              "how much will we pay for the flat every month from now on, and why did that change?",
              "rent 2,150 EUR two-year lease",
              false,
              "Wake summary: paid the {month} rent for the apartment; the landlord confirmed receipt."),
          new Fact(
              "tool_result:sql_query",
              "-- top customer by lifetime value\n customer_id | lifetime_value\n {id:C-#####} | 48210.55\n(1 row)",
              "who is our biggest spender of all time?",
              "{id}",
              true,
              "-- customers created this week\n count\n 37\n(1 row)"),
          new Fact(
              "message_sent",
              "Hi {first}, your appointment with Dr. {last} is confirmed for {weekday} at 9:15, room {id:R-###}. Please bring your insurance card.",
              "when is the doctor's visit and what do I have to take along?",
              "{id}",
              true,
              "Hi {first}, Dr. {last}'s practice called: the lab results are not ready yet."),
          new Fact(
              "assistant_message",
              "The root cause of the outage was an expired API key for the payment provider; I rotated it and checkout works again (incident {id:INC-####}).",
              "why were customers unable to pay yesterday?",
              "{id}",
              true,
              "The checkout page loads slowly on phones; I opened a ticket with the frontend team."),
          new Fact(
              "message_received",
              "{first}: our accountant is {first2} {last2}, reachable at {id:aaaaaa.aaaaa@ledger.example}; send her the quarterly receipts.",
              "who keeps our books, and how do I get in touch?",
              "{id}",
              true,
              "{first}: the quarterly receipts are in the shared folder, sorted by month."),
          new Fact(
              "webhook_received",
              "{\"action\":\"closed\",\"pull_request\":{\"number\":{n},\"merged\":true,\"title\":\"Fix memory leak in the image resizer\"}}",
              "has the change that stops the picture scaler from eating RAM been merged?",
              "memory leak image resizer",
              false,
              "{\"action\":\"opened\",\"pull_request\":{\"number\":{n},\"merged\":false,\"title\":\"Add dark mode to the settings page\"}}"),
          new Fact(
              "timer_fired",
              "Reminder: renew the domain {id:aaaaaaa-aaaa.io} before it lapses on {month} 3.",
              "which web address do we have to pay for again soon?",
              "{id}",
              true,
              "Reminder: check the DNS records after the migration."),
          new Fact(
              "tool_result:read_file",
              "# Onboarding\n\nNew hires get their laptop from {first} in IT; the door badge is issued by reception on floor 4.",
              "where do new employees pick up their access card?",
              "door badge reception floor 4",
              false,
              "# Offboarding\n\nCollect the laptop and revoke every account on the last working day."),
          new Fact(
              "message_received",
              "Please cancel subscription {id:SUB-XXXXXX} for {first} {last}; they are moving abroad.",
              "why does that customer want to stop their plan?",
              "{id}",
              true,
              "Please upgrade subscription {id:SUB-XXXXXX} for {first} {last} to the annual plan."),
          new Fact(
              "maintenance_completed",
              "Wake summary: decided with {first} to postpone the product launch from {month} by six weeks because the payment integration failed the security review.",
              "why was the release pushed back?",
              "postpone product launch security review",
              false,
              "Wake summary: the launch checklist is 80% done; marketing copy still pending from {first}."),
          new Fact(
              "message_received",
              "The spare key for the {city} flat is with the neighbour, {first} {last}, in apartment 4B on the third floor.",
              "who is holding the extra house key?",
              "spare key neighbour {last}",
              false,
              "The smoke detector in the {city} flat needs a new battery."),
          new Fact(
              "tool_result:shell",
              "$ kubectl get pods -n payments\nNAME                          READY   STATUS             RESTARTS\n{id:payments-api-xxxxxxxxx-aaaaa}   0/1     CrashLoopBackOff   17",
              "which service keeps crashing and restarting in the cluster?",
              "{id}",
              true,
              "$ kubectl get nodes\nNAME     STATUS   ROLES    AGE\nnode-1   Ready    worker   41d\nnode-2   Ready    worker   41d"),
          new Fact(
              "webhook_received",
              "{\"form\":\"contact\",\"name\":\"{first} {last}\",\"message\":\"I was charged for a premium plan I never ordered, order {id:ORD-XXXXXX}\"}",
              "someone complained about paying for an upgrade they did not buy",
              "{id}",
              true,
              "{\"form\":\"contact\",\"name\":\"{first} {last}\",\"message\":\"Do you ship to {city}?\"}"),
          new Fact(
              "assistant_message",
              "I negotiated a 12% discount with {company} on the annual licence, valid until {month} 31; quote number {id:Q-#####}.",
              "how much cheaper did we get the yearly software subscription?",
              "{id}",
              true,
              "{company} sent their price list for the annual licence; no discounts this year."),
          new Fact(
              "message_received",
              "Heads up: {first}'s birthday is on {month} 14; she loves dark chocolate and jazz records.",
              "what present would our colleague enjoy for her special day?",
              "{first} birthday chocolate",
              false,
              "Heads up: {first} is out of office from {month} 14 to 21."),
          new Fact(
              "tool_result:http_get",
              "{\"city\":\"{city}\",\"forecast\":\"heavy snow\",\"warning\":\"mountain passes closed above 1200 m\"}",
              "can we drive over the alps this weekend?",
              "heavy snow passes closed",
              false,
              "{\"city\":\"{city}\",\"forecast\":\"sunny\",\"high\":24}"),
          new Fact(
              "message_sent",
              "Dear {first}, invoice {id:INV-#####} for 3,480.00 EUR is now 30 days overdue; please pay by Friday to avoid a late fee.",
              "which bill has not been settled, and how late is it?",
              "{id}",
              true,
              "Dear {first}, thank you for paying invoice {id:INV-#####} so promptly."),
          new Fact(
              "maintenance_completed",
              "Wake summary: the production server's SSH port moved from 22 to {id:4####} after the brute force attempts; {first} has the new config.",
              "which port do I use to log in to the prod box now?",
              "SSH port {id}",
              true,
              "Wake summary: installed security updates on the staging server; no reboot needed."),
          new Fact(
              "message_received",
              "Lunch order for {weekday}: four vegetarian, two vegan, and {first} wants the gluten-free pasta from {restaurant}.",
              "what special diets do we need to cater for at the team meal?",
              "gluten-free pasta {restaurant}",
              false,
              "Lunch on {weekday} is cancelled, the team eats at the conference."),
          new Fact(
              "webhook_received",
              "{\"event\":\"calendar.created\",\"title\":\"Board meeting\",\"start\":\"2026-12-{dd:1#}T10:00:00Z\",\"location\":\"{city} HQ, room {id:Orion-##}\"}",
              "where will the directors gather?",
              "{id}",
              true,
              "{\"event\":\"calendar.created\",\"title\":\"Team standup\",\"start\":\"2026-12-{dd:1#}T09:00:00Z\",\"location\":\"online\"}"),
          new Fact(
              "tool_result:search_web",
              "1. {city} Marathon 2027 — registration opens on {month} 1, entry fee 95 EUR, limited to 12,000 runners",
              "how much does it cost to sign up for the race?",
              "{city} Marathon registration fee",
              false,
              "1. {city} half marathon results 2026 — winners and finishing times"),
          new Fact(
              "assistant_message",
              "The car's next service is due at 90,000 km or in {month}, whichever comes first; the garage is {company} Motors, booking {id:GAR-####}.",
              "when does the vehicle need to go in for maintenance?",
              "{id}",
              true,
              "The car insurance renewal letter arrived; the premium went up 4%."),
          new Fact(
              "message_received",
              "{first} lost her laptop on the train; it is a ThinkPad with asset tag {id:IT-#####}, please wipe it remotely.",
              "which computer went missing and what should we do about it?",
              "{id}",
              true,
              "{first} asked for a second monitor for her desk."),
          new Fact(
              "memory_remembered",
              "Production deploys happen only on Tuesdays and Thursdays before 3 pm, agreed with {first}.",
              "on which days are we allowed to ship to prod?",
              "deploys Tuesdays Thursdays",
              false,
              "{first} asked for the deploy log of last week."),
          new Fact(
              "timer_fired",
              "Quarterly reminder: file the VAT return for the last quarter with the tax office by the 10th.",
              "when is the sales tax report due to the government?",
              "VAT return tax office",
              false,
              "Quarterly reminder: review the team objectives."),
          new Fact(
              "tool_result:sql_query",
              "-- failed logins in the last hour\n user | attempts\n {id:aaaaaaaa.aaaa} | 214\n(1 row)",
              "is someone trying to break into an account?",
              "{id}",
              true,
              "-- sign-ups today\n count\n 58\n(1 row)"),
          new Fact(
              "message_received",
              "The plumber ({first} {last}, {id:+49 17# ### ####}) comes on {weekday} between 8 and 10 to fix the leaking pipe under the kitchen sink.",
              "when is the water leak going to be repaired?",
              "{id}",
              true,
              "The electrician finished replacing the bathroom lights."),
          new Fact(
              "webhook_received",
              "{\"event\":\"order.created\",\"order_id\":\"{id:ORD-XXXXXX}\",\"items\":[{\"sku\":\"SKU-7781\",\"name\":\"Espresso machine\",\"qty\":40}],\"note\":\"corporate gift\"}",
              "did a company buy a lot of coffee makers as presents?",
              "{id}",
              true,
              "{\"event\":\"order.created\",\"order_id\":\"{id:ORD-XXXXXX}\",\"items\":[{\"sku\":\"SKU-1203\",\"name\":\"Coffee beans 1 kg\",\"qty\":2}]}"),
          new Fact(
              "maintenance_completed",
              "Wake summary: {first} {last} resigned; the last working day is {month} 28 and the {company} account goes to {first2}.",
              "who is leaving us, and who takes over their client?",
              "{first} {last} resigned",
              false,
              "Wake summary: {first} {last} is on parental leave until {month}."));

  /** How many facts there are (each with two questions). */
  static int count() {
    return FACTS.size();
  }

  /** The facts with their slots filled (the same seed, the same text), each with its decoys. */
  static List<Instance> instances(long seed) {
    Random random = new Random(seed ^ 0xfac7L);
    MemoryText text = new MemoryText(random);
    MemoryText.Domain domain = MemoryText.DOMAINS[0];
    List<Instance> out = new ArrayList<>(FACTS.size());
    for (int i = 0; i < FACTS.size(); i++) {
      Fact f = FACTS.get(i);
      Map<String, String> bindings = new HashMap<>();
      String body = text.fill(f.fact(), domain, bindings);
      List<Question> questions =
          List.of(
              new Question(PARAPHRASE, text.fill(f.paraphrase(), domain, bindings)),
              new Question(
                  f.identifier() ? IDENTIFIER : KEYWORDS, text.fill(f.exact(), domain, bindings)));
      List<Instance> decoys = new ArrayList<>();
      for (int d = 0; d < 2; d++) {
        decoys.add(
            new Instance(
                i,
                draft(f.type(), text.fill(f.decoy(), domain, new HashMap<>())),
                List.of(),
                List.of()));
      }
      out.add(new Instance(i, draft(f.type(), body), questions, decoys));
    }
    return out;
  }

  private static MemoryCorpus.Draft draft(String type, String body) {
    if (type.startsWith("tool_result:")) {
      return new MemoryCorpus.Draft(
          "tool_result", "agent", null, type.substring("tool_result:".length()), null, body, "{}");
    }
    return switch (type) {
      case "webhook_received" ->
          new MemoryCorpus.Draft(
              type, "webhook", body, null, null, null, "{\"content_type\":\"application/json\"}");
      case "memory_remembered" ->
          new MemoryCorpus.Draft(type, "agent", body, null, null, null, "{\"tags\":[\"fact\"]}");
      case "message_received" -> MemoryCorpus.Draft.of(type, "person:" + "someone", body);
      case "maintenance_completed" -> MemoryCorpus.Draft.of(type, "maintenance", body);
      case "timer_fired" -> MemoryCorpus.Draft.of(type, "timer", body);
      default -> MemoryCorpus.Draft.of(type, "agent", body);
    };
  }
}
