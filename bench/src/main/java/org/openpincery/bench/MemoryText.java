package org.openpincery.bench;

import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fills the memory bench's text templates: {@code {name}} takes a word of that vocabulary (a
 * trailing digit, as in {@code {first2}}, draws a second, independent word), {@code {name:PATTERN}}
 * a fresh identifier of that shape ({@code #} a digit, {@code X} an upper-case letter or digit,
 * {@code x} a hexadecimal digit, {@code a} a lower-case letter, anything else literal). A slot
 * already in the bindings map keeps its value, so a planted fact and the questions about it name
 * the same identifier.
 */
final class MemoryText {

  private static final Pattern SLOT = Pattern.compile("\\{([a-z]+[0-9]?)(?::([^}]*))?}");

  static final String[] FIRST = {
    "Ana", "Ben", "Chloe", "Dana", "Elif", "Felix", "Greta", "Hugo", "Ines", "Jonas", "Kira",
    "Liam", "Maya", "Noah", "Olga", "Pablo", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera", "Wes",
    "Xenia", "Yusuf", "Zoe", "Aiko", "Bruno", "Carmen", "Dmitri", "Eva", "Farid", "Gwen", "Hamza",
    "Ingrid", "Jamal", "Katja", "Lorenzo", "Mei", "Nils", "Oskar", "Priya", "Rafael", "Sofia",
    "Tomas", "Ulla", "Viktor", "Wanda", "Yara", "Zeynep", "Amir", "Bianca", "Cyril", "Delia",
    "Emil", "Fatima", "Gustav", "Hana", "Ivan", "Julia", "Kofi", "Lena", "Marek", "Nadia"
  };
  static final String[] LAST = {
    "Kim",
    "Novak",
    "Schmidt",
    "Rossi",
    "Garcia",
    "Okafor",
    "Lindqvist",
    "Dubois",
    "Tanaka",
    "Kowalski",
    "Haddad",
    "Jensen",
    "Moreau",
    "Silva",
    "Weber",
    "Nguyen",
    "Petrov",
    "Costa",
    "Fischer",
    "Yilmaz",
    "Brennan",
    "Horvat",
    "Ivanova",
    "Laurent",
    "Mendes",
    "Nakamura",
    "Olsen",
    "Pereira",
    "Quist",
    "Rahman",
    "Sato",
    "Varga",
    "Wolf",
    "Zhang",
    "Bauer",
    "Coleman",
    "Eriksen",
    "Ferreira",
    "Gruber",
    "Hoffmann",
    "Kaplan",
    "Lopez",
    "Meyer",
    "Nowak",
    "Park",
    "Ruiz"
  };
  static final String[] COMPANY = {
    "Acme", "Brightline", "Cobalt", "Driftwood", "Evergreen", "Fjord", "Granite", "Helix",
    "Ironbark", "Juniper", "Keystone", "Lumen", "Meridian", "Northwind", "Orchid", "Pinnacle",
    "Quarry", "Redwood", "Solstice", "Tidewater", "Umbra", "Vantage", "Willow", "Zephyr",
    "Atlas", "Beacon", "Cascade", "Delta", "Ember", "Falcon", "Glacier", "Harbor"
  };
  static final String[] CITY = {
    "Lisbon",
    "Berlin",
    "Oslo",
    "Vienna",
    "Porto",
    "Lyon",
    "Turin",
    "Gdansk",
    "Ghent",
    "Leeds",
    "Bilbao",
    "Malmo",
    "Tallinn",
    "Zagreb",
    "Krakow",
    "Dublin",
    "Helsinki",
    "Seville",
    "Bern",
    "Rotterdam",
    "Brno",
    "Cork",
    "Graz",
    "Aarhus",
    "Nantes",
    "Bologna",
    "Riga",
    "Valencia"
  };
  static final String[] WEEKDAY = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday"};
  static final String[] MONTH = {
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December"
  };
  static final String[] TIME = {"8:30", "9:00", "10:15", "11:45", "13:00", "14:30", "16:00"};
  static final String[] RESTAURANT = {
    "Casa Lupa", "The Green Fork", "Sakura Garden", "Trattoria Nonna", "Blue Lotus", "El Patio"
  };
  static final String[] HOSTPREFIX = {"web", "db", "api", "worker", "cache", "mq", "batch"};
  static final String[] REGION = {"eu-west", "eu-central", "us-east", "ap-south"};
  static final String[] SERVICE = {
    "nginx", "postgresql", "redis", "rabbitmq", "billing-api", "auth", "search", "mailer"
  };
  static final String[] FILLER = {
    "No rush, but this week would be great.",
    "Let me know if you need anything else from me.",
    "I already mentioned this to the team yesterday.",
    "It is not urgent, just keep it on the list.",
    "The last attempt did not work out, so please double-check.",
    "Thanks a lot in advance!",
    "We discussed it briefly in the weekly call.",
    "Copying the details below so they are in one place.",
    "If it is easier, call me after lunch.",
    "I will be travelling most of next week.",
    "Please keep the customer in the loop.",
    "The numbers from last month looked a bit off.",
    ""
  };

  /** One line of business: what its people talk about. */
  record Domain(String[] topics, String[] requests, String[] items, String[] issues) {}

  static final Domain[] DOMAINS = {
    new Domain( // an online shop's support desk
        new String[] {
          "the spring catalogue",
          "returns policy",
          "the loyalty programme",
          "shipping rates",
          "the warehouse move",
          "product reviews"
        },
        new String[] {
          "issue a refund",
          "send a replacement",
          "update the delivery address",
          "check the stock level",
          "apply the discount code",
          "escalate the complaint"
        },
        new String[] {
          "standing desk",
          "espresso grinder",
          "hiking boots",
          "rain jacket",
          "wireless headphones",
          "cast iron pan",
          "yoga mat",
          "desk lamp"
        },
        new String[] {
          "arrived damaged",
          "never arrived",
          "is the wrong size",
          "was charged twice",
          "is missing a part",
          "stopped working after a week"
        }),
    new Domain( // on-call operations
        new String[] {
          "the database migration",
          "the on-call rota",
          "the load balancer config",
          "log retention",
          "the disaster recovery drill",
          "the monitoring dashboards"
        },
        new String[] {
          "restart the worker pool",
          "rotate the API keys",
          "scale up the cluster",
          "roll back the last deploy",
          "check the error rate",
          "clean up old snapshots"
        },
        new String[] {
          "load balancer",
          "message queue",
          "read replica",
          "CI runner",
          "object storage bucket",
          "VPN gateway",
          "cron job",
          "container registry"
        },
        new String[] {
          "is timing out",
          "returns 502 errors",
          "uses too much memory",
          "fills the disk",
          "is stuck in a restart loop",
          "has a high replication lag"
        }),
    new Domain( // sales
        new String[] {
          "the Q3 pipeline",
          "the enterprise pricing",
          "the partner programme",
          "the trade fair booth",
          "the renewal forecast",
          "the demo script"
        },
        new String[] {
          "send the proposal",
          "schedule a demo",
          "prepare the contract",
          "follow up with the lead",
          "update the CRM",
          "draft the quote"
        },
        new String[] {
          "annual licence",
          "starter plan",
          "onboarding package",
          "support contract",
          "custom integration",
          "training workshop",
          "pilot project",
          "volume discount"
        },
        new String[] {
          "went quiet after the demo",
          "wants a lower price",
          "asked for references",
          "needs legal review",
          "is comparing us with a competitor",
          "postponed the decision"
        }),
    new Domain( // a personal assistant: travel and calendar
        new String[] {
          "the trip to the coast",
          "the family reunion",
          "the dentist appointments",
          "the kitchen renovation",
          "the school holidays",
          "the car insurance"
        },
        new String[] {
          "book a table",
          "find a hotel",
          "move the appointment",
          "buy the tickets",
          "renew the passport",
          "order flowers"
        },
        new String[] {
          "train ticket",
          "hotel room",
          "rental car",
          "concert ticket",
          "birthday present",
          "museum pass",
          "ferry crossing",
          "gym membership"
        },
        new String[] {
          "is fully booked",
          "got cancelled",
          "costs more than expected",
          "needs a deposit",
          "has a new time",
          "requires a signature"
        }),
    new Domain( // finance and bookkeeping
        new String[] {
          "the year-end closing",
          "the expense policy",
          "the audit",
          "the cash flow forecast",
          "payroll",
          "the travel budget"
        },
        new String[] {
          "approve the expense report",
          "reconcile the bank statement",
          "pay the supplier",
          "send the reminder",
          "book the invoice",
          "update the forecast"
        },
        new String[] {
          "invoice",
          "credit note",
          "purchase order",
          "expense report",
          "bank transfer",
          "receipt",
          "budget line",
          "payment plan"
        },
        new String[] {
          "is overdue",
          "has the wrong amount",
          "is missing a VAT number",
          "was paid twice",
          "needs a second approval",
          "bounced"
        }),
    new Domain( // recruiting and HR
        new String[] {
          "the hiring plan",
          "the onboarding checklist",
          "the salary review",
          "the team offsite",
          "the parental leave policy",
          "the engineering ladder"
        },
        new String[] {
          "schedule the interview",
          "send the offer letter",
          "book the onboarding",
          "collect the references",
          "update the job ad",
          "prepare the contract"
        },
        new String[] {
          "job offer",
          "interview slot",
          "laptop order",
          "access badge",
          "training budget",
          "relocation package",
          "probation review",
          "team lunch"
        },
        new String[] {
          "declined the offer",
          "needs a visa",
          "asked for more time",
          "has a notice period of three months",
          "wants to work remotely",
          "accepted"
        }),
  };

  private final Random random;

  MemoryText(Random random) {
    this.random = random;
  }

  String fill(String template, Domain domain, Map<String, String> bindings) {
    Matcher m = SLOT.matcher(template);
    StringBuilder out = new StringBuilder(template.length() + 64);
    while (m.find()) {
      String name = m.group(1);
      String value = bindings.get(name);
      if (value == null) {
        value = m.group(2) != null ? identifier(m.group(2)) : word(name, domain, bindings);
        bindings.put(name, value);
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }

  String pick(String[] words) {
    return words[random.nextInt(words.length)];
  }

  boolean chance(double p) {
    return random.nextDouble() < p;
  }

  int between(int low, int high) {
    return low + random.nextInt(high - low + 1);
  }

  String identifier(String pattern) {
    StringBuilder b = new StringBuilder(pattern.length());
    for (char c : pattern.toCharArray()) {
      b.append(
          switch (c) {
            case '#' -> (char) ('0' + random.nextInt(10));
            case 'X' -> "ABCDEFGHJKLMNPQRSTUVWXYZ23456789".charAt(random.nextInt(32));
            case 'x' -> "0123456789abcdef".charAt(random.nextInt(16));
            case 'a' -> (char) ('a' + random.nextInt(26));
            default -> c;
          });
    }
    return b.toString();
  }

  private String word(String slot, Domain d, Map<String, String> bindings) {
    String base =
        Character.isDigit(slot.charAt(slot.length() - 1))
            ? slot.substring(0, slot.length() - 1)
            : slot;
    return switch (base) {
      case "first" -> pick(FIRST);
      case "last" -> pick(LAST);
      case "company" -> pick(COMPANY);
      case "slug" -> pick(COMPANY).toLowerCase(Locale.ROOT);
      case "city" -> pick(CITY);
      case "weekday" -> pick(WEEKDAY);
      case "month" -> pick(MONTH);
      case "day" -> Integer.toString(between(1, 28));
      case "time" -> pick(TIME);
      case "restaurant" -> pick(RESTAURANT);
      case "service" -> pick(SERVICE);
      case "host" -> pick(HOSTPREFIX) + "-" + pick(REGION) + "-" + between(1, 40);
      case "email" ->
          (bindings.getOrDefault("first", pick(FIRST))
                  + "."
                  + bindings.getOrDefault("last", pick(LAST))
                  + "@"
                  + pick(COMPANY)
                  + ".example")
              .toLowerCase(Locale.ROOT);
      case "phone" -> identifier("+49 1## ### ####");
      case "n" -> Integer.toString(between(2, 400));
      case "pct" -> Integer.toString(between(40, 99));
      case "amount" -> between(12, 9000) + "." + identifier("##");
      case "topic" -> pick(d.topics());
      case "request" -> pick(d.requests());
      case "item" -> pick(d.items());
      case "issue" -> pick(d.issues());
      case "filler" -> pick(FILLER);
      default -> throw new IllegalArgumentException("unknown slot {" + slot + "}");
    };
  }
}
