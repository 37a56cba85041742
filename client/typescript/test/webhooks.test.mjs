// The webhook verifier of the built package (dist/), on the Standard Webhooks
// specification's published example and on what must be refused.
//   node --test test/
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import {
  verifyWebhook,
  verifyWebhookSignature,
  WebhookVerificationError,
} from "../dist/index.js";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const TIMESTAMP = 1614265330;
const BODY = '{"test": 2432232314}';
const SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
const headers = (signature = SIGNATURE, timestamp = TIMESTAMP) => ({
  "webhook-id": ID,
  "webhook-timestamp": String(timestamp),
  "webhook-signature": signature,
});
const refusal = async (promise) => {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof WebhookVerificationError, String(e));
    return e.reason;
  }
  assert.fail("verified");
};

test("the specification's example verifies, alone or beside another signature", async () => {
  await verifyWebhookSignature(SECRET, headers(), BODY, { now: TIMESTAMP });
  await verifyWebhookSignature(SECRET, new Headers(headers(`v1,c29tZXRoaW5n ${SIGNATURE}`)), new TextEncoder().encode(BODY), { now: TIMESTAMP + 60 });
});

test("a changed body, another secret, a stale or future time, a missing header are refused", async () => {
  const at = { now: TIMESTAMP };
  assert.equal(await refusal(verifyWebhookSignature(SECRET, headers(), '{"test": 2432232315}', at)), "bad_signature");
  assert.equal(await refusal(verifyWebhookSignature("whsec_c29tZXRoaW5nIGVsc2U=", headers(), BODY, at)), "bad_signature");
  assert.equal(await refusal(verifyWebhookSignature(SECRET, headers(), BODY, { now: TIMESTAMP + 301 })), "timestamp_outside_tolerance");
  assert.equal(await refusal(verifyWebhookSignature(SECRET, headers(), BODY, { now: TIMESTAMP - 301 })), "timestamp_outside_tolerance");
  assert.equal(await refusal(verifyWebhookSignature("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", headers(), BODY, at)), "bad_secret");
  const { "webhook-id": _, ...missing } = headers();
  assert.equal(await refusal(verifyWebhookSignature(SECRET, missing, BODY, at)), "missing_header");
});

test("a verified delivery answers its change", async () => {
  const now = Math.floor(Date.now() / 1000);
  const body = JSON.stringify({ type: "report", change: 7, id: 1, component: "db", status: "operational", message: "", reported_at: "2026-12-03T00:00:00Z", reported_by: "ops" });
  const key = Buffer.from(SECRET.slice("whsec_".length), "base64");
  const signature = "v1," + createHmac("sha256", key).update(`msg_1_7.${now}.${body}`).digest("base64");
  const change = await verifyWebhook(SECRET, { "webhook-id": "msg_1_7", "webhook-timestamp": String(now), "webhook-signature": signature }, body);
  assert.equal(change.type, "report");
  assert.equal(change.change, 7);
});
