/**
 * Receiving webhooks: `verifyWebhook` checks that a delivery came from the server that
 * holds the subscription's secret, recently, and reads the change it carries.
 *
 * Deliveries are signed as the Standard Webhooks specification says
 * (https://www.standardwebhooks.com): `webhook-id` (the same on every attempt at a
 * delivery: drop a second arrival by it), `webhook-timestamp` (Unix seconds) and
 * `webhook-signature`, space-separated `v1,<base64 HMAC-SHA256>` of
 * `<id>.<timestamp>.<body>`, one per secret that signs (two for 24 hours after a
 * rotation). Verify the raw body, before parsing it: a re-serialized body does not match.
 * Uses Web Crypto, so it runs in Node 20+, Deno, Bun, workers and browsers.
 *
 * @example
 * ```ts
 * import { verifyWebhook, WebhookVerificationError } from "@statusboard/client";
 *
 * // In a handler that has the raw body as text and the request's headers:
 * try {
 *   const change = await verifyWebhook(process.env.WEBHOOK_SECRET!, request.headers, rawBody);
 *   if (change.type === "incident") console.log(change.incident.name);
 *   // answer 2xx
 * } catch (e) {
 *   if (e instanceof WebhookVerificationError) console.warn(e.reason); // answer 401
 *   else throw e;
 * }
 * ```
 */
import type { components as eventSchemas } from "./events.js";

/** A change as a delivery carries it: the live board's message for it. */
export type WebhookChange = eventSchemas["schemas"]["BoardEvent"];

/** How far `webhook-timestamp` may be from the receiver's clock by default, in seconds. */
export const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;

/** Why a delivery was refused. */
export type WebhookRefusal =
  | "bad_secret"
  | "missing_header"
  | "bad_timestamp"
  | "timestamp_outside_tolerance"
  | "bad_signature"
  | "bad_body";

/** A delivery that is not to be trusted, or not read: `reason` says which. */
export class WebhookVerificationError extends Error {
  constructor(
    readonly reason: WebhookRefusal,
    message: string,
  ) {
    super(message);
    this.name = "WebhookVerificationError";
  }
}

/** Options of `verifyWebhook` and `verifyWebhookSignature`. */
export interface VerifyOptions {
  /** The receiver's time, in Unix seconds (default: now). */
  now?: number;
  /** How far the timestamp may be from `now`, in seconds (default: five minutes). */
  toleranceSeconds?: number;
}

/** Headers as `fetch`, Node's `http` (`IncomingHttpHeaders`) or a plain object give them. */
export type WebhookHeaders =
  | Headers
  | Record<string, string | string[] | undefined>;

/**
 * Checks the delivery (its headers and raw body) with the subscription's `secret`
 * (`whsec_…`) and answers the change it carries; throws `WebhookVerificationError`.
 */
export async function verifyWebhook(
  secret: string,
  headers: WebhookHeaders,
  body: string | Uint8Array,
  options: VerifyOptions = {},
): Promise<WebhookChange> {
  await verifyWebhookSignature(secret, headers, body, options);
  const text = typeof body === "string" ? body : new TextDecoder().decode(body);
  try {
    return JSON.parse(text) as WebhookChange;
  } catch (e) {
    throw new WebhookVerificationError("bad_body", `the body is not JSON: ${String(e)}`);
  }
}

/**
 * Checks only the signature and the timestamp; for bodies that are not changes (tests,
 * the specification's examples). Throws `WebhookVerificationError`.
 */
export async function verifyWebhookSignature(
  secret: string,
  headers: WebhookHeaders,
  body: string | Uint8Array,
  options: VerifyOptions = {},
): Promise<void> {
  const key = decodeSecret(secret);
  const id = header(headers, "webhook-id");
  const timestamp = header(headers, "webhook-timestamp");
  const signatures = header(headers, "webhook-signature");
  if (!/^\d+$/.test(timestamp)) {
    throw new WebhookVerificationError("bad_timestamp", "`webhook-timestamp` is not a number of seconds");
  }
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const off = now - Number(timestamp);
  if (Math.abs(off) > (options.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS)) {
    throw new WebhookVerificationError(
      "timestamp_outside_tolerance",
      `\`webhook-timestamp\` is ${off} s off the receiver's clock, more than the tolerance`,
    );
  }
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  const prefix = new TextEncoder().encode(`${id}.${timestamp}.`);
  const signed = new Uint8Array(prefix.length + bytes.length);
  signed.set(prefix);
  signed.set(bytes, prefix.length);
  const hmacKey = await crypto.subtle.importKey(
    "raw",
    key,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["verify"],
  );
  for (const signature of signatures.split(" ")) {
    if (!signature.startsWith("v1,")) continue;
    const tag = decodeBase64(signature.slice(3));
    // `crypto.subtle.verify` compares in constant time.
    if (tag && (await crypto.subtle.verify("HMAC", hmacKey, tag, signed))) return;
  }
  throw new WebhookVerificationError(
    "bad_signature",
    "no signature in `webhook-signature` matches: not signed with this secret",
  );
}

function decodeSecret(secret: string): Uint8Array<ArrayBuffer> {
  const key = secret.startsWith("whsec_") ? decodeBase64(secret.slice(6)) : null;
  if (!key || key.length === 0) {
    throw new WebhookVerificationError("bad_secret", "the secret is not `whsec_` followed by base64");
  }
  return key;
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
  try {
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return null;
  }
}

function header(headers: WebhookHeaders, name: string): string {
  const value =
    headers instanceof Headers
      ? headers.get(name)
      : (headers[name] ?? headers[name.toLowerCase()]);
  const text = Array.isArray(value) ? value[0] : value;
  if (typeof text !== "string") {
    throw new WebhookVerificationError("missing_header", `the \`${name}\` header is missing`);
  }
  return text;
}
