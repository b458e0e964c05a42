// Signs one webhook delivery with each real sender library and prints the headers each would send,
// as one JSON object: {"svix": {...}, "standardwebhooks": {...}, "octokit": {...}}.
// Input (one JSON object on stdin): {"secret": "whsec_…", "body": "…", "id": "msg_…", "timestamp": seconds}.
import { Webhook as SvixWebhook } from "svix";
import { Webhook as StandardWebhook } from "standardwebhooks";
import { sign as octokitSign } from "@octokit/webhooks-methods";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const input = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const when = new Date(input.timestamp * 1000);

const svix = new SvixWebhook(input.secret);
const standard = new StandardWebhook(input.secret);

const out = {
  svix: {
    "svix-id": input.id,
    "svix-timestamp": String(input.timestamp),
    "svix-signature": svix.sign(input.id, when, input.body),
  },
  standardwebhooks: {
    "webhook-id": input.id,
    "webhook-timestamp": String(input.timestamp),
    "webhook-signature": standard.sign(input.id, when, input.body),
  },
  octokit: {
    "X-Hub-Signature-256": await octokitSign(input.secret, input.body),
  },
};
process.stdout.write(JSON.stringify(out) + "\n");
