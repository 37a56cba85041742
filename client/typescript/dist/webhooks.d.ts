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
export declare const WEBHOOK_TOLERANCE_SECONDS: number;
/** Why a delivery was refused. */
export type WebhookRefusal = "bad_secret" | "missing_header" | "bad_timestamp" | "timestamp_outside_tolerance" | "bad_signature" | "bad_body";
/** A delivery that is not to be trusted, or not read: `reason` says which. */
export declare class WebhookVerificationError extends Error {
    readonly reason: WebhookRefusal;
    constructor(reason: WebhookRefusal, message: string);
}
/** Options of `verifyWebhook` and `verifyWebhookSignature`. */
export interface VerifyOptions {
    /** The receiver's time, in Unix seconds (default: now). */
    now?: number;
    /** How far the timestamp may be from `now`, in seconds (default: five minutes). */
    toleranceSeconds?: number;
}
/** Headers as `fetch`, Node's `http` (`IncomingHttpHeaders`) or a plain object give them. */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;
/**
 * Checks the delivery (its headers and raw body) with the subscription's `secret`
 * (`whsec_…`) and answers the change it carries; throws `WebhookVerificationError`.
 */
export declare function verifyWebhook(secret: string, headers: WebhookHeaders, body: string | Uint8Array, options?: VerifyOptions): Promise<WebhookChange>;
/**
 * Checks only the signature and the timestamp; for bodies that are not changes (tests,
 * the specification's examples). Throws `WebhookVerificationError`.
 */
export declare function verifyWebhookSignature(secret: string, headers: WebhookHeaders, body: string | Uint8Array, options?: VerifyOptions): Promise<void>;
