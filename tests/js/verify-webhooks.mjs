// Verifies webhook deliveries slab5d made with the npm `standardwebhooks` package — an
// independent implementation of the Standard Webhooks scheme (api.md §8.3).
// Usage: node verify-webhooks.mjs DELIVERIES.json
// DELIVERIES.json: [{"secrets": ["whsec_…", …], "headers": {"webhook-id", "webhook-timestamp",
// "webhook-signature"}, "body": "<raw body>"}]. Each delivery must verify with every secret
// listed, and must NOT verify once its body is changed by one byte. Prints one line per
// delivery; exit 0 when all hold, 1 otherwise.
import { readFileSync } from "node:fs";
import { Webhook } from "standardwebhooks";

const deliveries = JSON.parse(readFileSync(process.argv[2], "utf8"));
let failures = 0;
for (const [i, d] of deliveries.entries()) {
  for (const secret of d.secrets) {
    const wh = new Webhook(secret);
    try {
      const payload = wh.verify(d.body, d.headers);
      if (payload.id !== d.headers["webhook-id"]) throw new Error("payload id differs from webhook-id");
      console.log(`delivery ${i}: verified (${payload.type})`);
    } catch (e) {
      failures++;
      console.log(`delivery ${i}: NOT verified: ${e.message}`);
    }
    try {
      wh.verify(d.body.replace(/}$/, " }"), d.headers);
      failures++;
      console.log(`delivery ${i}: a changed body verified`);
    } catch {
      // expected
    }
  }
}
if (deliveries.length === 0) {
  console.log("no deliveries to verify");
  failures++;
}
process.exit(failures === 0 ? 0 : 1);
