/** How far `webhook-timestamp` may be from the receiver's clock by default, in seconds. */
export const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;
/** A delivery that is not to be trusted, or not read: `reason` says which. */
export class WebhookVerificationError extends Error {
    reason;
    constructor(reason, message) {
        super(message);
        this.reason = reason;
        this.name = "WebhookVerificationError";
    }
}
/**
 * Checks the delivery (its headers and raw body) with the subscription's `secret`
 * (`whsec_…`) and answers the change it carries; throws `WebhookVerificationError`.
 */
export async function verifyWebhook(secret, headers, body, options = {}) {
    await verifyWebhookSignature(secret, headers, body, options);
    const text = typeof body === "string" ? body : new TextDecoder().decode(body);
    try {
        return JSON.parse(text);
    }
    catch (e) {
        throw new WebhookVerificationError("bad_body", `the body is not JSON: ${String(e)}`);
    }
}
/**
 * Checks only the signature and the timestamp; for bodies that are not changes (tests,
 * the specification's examples). Throws `WebhookVerificationError`.
 */
export async function verifyWebhookSignature(secret, headers, body, options = {}) {
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
        throw new WebhookVerificationError("timestamp_outside_tolerance", `\`webhook-timestamp\` is ${off} s off the receiver's clock, more than the tolerance`);
    }
    const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
    const prefix = new TextEncoder().encode(`${id}.${timestamp}.`);
    const signed = new Uint8Array(prefix.length + bytes.length);
    signed.set(prefix);
    signed.set(bytes, prefix.length);
    const hmacKey = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
    for (const signature of signatures.split(" ")) {
        if (!signature.startsWith("v1,"))
            continue;
        const tag = decodeBase64(signature.slice(3));
        // `crypto.subtle.verify` compares in constant time.
        if (tag && (await crypto.subtle.verify("HMAC", hmacKey, tag, signed)))
            return;
    }
    throw new WebhookVerificationError("bad_signature", "no signature in `webhook-signature` matches: not signed with this secret");
}
function decodeSecret(secret) {
    const key = secret.startsWith("whsec_") ? decodeBase64(secret.slice(6)) : null;
    if (!key || key.length === 0) {
        throw new WebhookVerificationError("bad_secret", "the secret is not `whsec_` followed by base64");
    }
    return key;
}
function decodeBase64(text) {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text))
        return null;
    try {
        const binary = atob(text);
        const bytes = new Uint8Array(binary.length);
        for (let i = 0; i < binary.length; i++)
            bytes[i] = binary.charCodeAt(i);
        return bytes;
    }
    catch {
        return null;
    }
}
function header(headers, name) {
    const value = headers instanceof Headers
        ? headers.get(name)
        : (headers[name] ?? headers[name.toLowerCase()]);
    const text = Array.isArray(value) ? value[0] : value;
    if (typeof text !== "string") {
        throw new WebhookVerificationError("missing_header", `the \`${name}\` header is missing`);
    }
    return text;
}
