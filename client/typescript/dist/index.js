/**
 * Typed client for the statusboard API.
 *
 * The types in `./schema.ts` are generated from the API's latest OpenAPI document
 * (`openapi/statusboard/statusboard-latest.json`) by `cargo xtask openapi generate`; the
 * client is `openapi-fetch` over them: every path, method, parameter, answer and error is
 * checked by the compiler.
 *
 * @example
 * ```ts
 * import { createStatusboardClient, requestId } from "@statusboard/client";
 *
 * const api = createStatusboardClient("https://statusboard.example.com");
 * const { data, error, response } = await api.GET("/api/v1/ready");
 * if (data) console.log(data.database);                  // "ok"
 * else console.warn(error?.database, requestId(response)); // why, and the id to report
 *
 * // The whole board, page after page; a token for the operations that change it.
 * for await (const component of items((page_token) =>
 *   api.GET("/api/v1/components", { params: { query: { page_token } } }))) {
 *   console.log(component.slug, component.status);
 * }
 * const admin = createStatusboardClient(base, { token: () => session.accessToken });
 * const report = unwrap(await admin.POST("/api/v1/components/{slug}/reports", {
 *   params: { path: { slug: "db" } },
 *   body: { status: "major_outage", message: "primary down" },
 * }));
 *
 * // The board live: the last hour's reports, `caught_up`, then each new one.
 * const live = subscribe("https://statusboard.example.com");
 * for await (const event of live) {
 *   if (event.type === "report") console.log(event.component, event.status);
 * }
 * ```
 */
import createClient, {} from "openapi-fetch";
import { apiVersion } from "./schema.js";
/** The API version these types describe; sent as `api-version` with every request, so a
 * newer server keeps answering in this version's shape. */
export const API_VERSION = apiVersion;
export { WEBHOOK_TOLERANCE_SECONDS, WebhookVerificationError, verifyWebhook, verifyWebhookSignature, } from "./webhooks.js";
/** A client for the API at `baseUrl` (`https://statusboard.example.com`, no trailing `/`). */
export function createStatusboardClient(baseUrl, options = {}) {
    const client = createClient({
        baseUrl,
        credentials: options.credentials ?? "include",
        headers: { ...options.headers, "api-version": API_VERSION },
        ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    if (options.token !== undefined)
        client.use(bearer(options.token));
    return client;
}
/** The middleware that adds `Authorization: Bearer <token>` to every request without one. */
function bearer(token) {
    return {
        async onRequest({ request }) {
            if (request.headers.has("authorization"))
                return undefined;
            const current = typeof token === "function" ? await token() : token;
            if (current)
                request.headers.set("authorization", `Bearer ${current}`);
            return request;
        },
    };
}
/** An error answer of the API, thrown by [`unwrap`]: its status, `error_code`, message
 * and request id, and the typed body. */
export class StatusboardError extends Error {
    /** The HTTP status (`404`, `422`, …). */
    status;
    /** What went wrong, for code to test (`"ComponentNotFound"`); `null` when none came. */
    errorCode;
    /** The id to quote when reporting the failure (`x-request-id`). */
    requestId;
    /** The error body as the API sent it. */
    body;
    constructor(response, body) {
        const fields = (body ?? {});
        super(fields.message ?? `${response.status} ${response.statusText}`);
        this.name = "StatusboardError";
        this.status = response.status;
        this.errorCode = fields.error_code ?? null;
        this.requestId = requestId(response) ?? fields.request_id ?? null;
        this.body = body;
    }
}
/** The data of a call's result, or a thrown [`StatusboardError`] for an error answer. */
export function unwrap(result) {
    if (result.response.ok && result.data !== undefined)
        return result.data;
    if (result.response.ok && result.response.status === 204)
        return undefined;
    throw new StatusboardError(result.response, result.error);
}
/** Every item of a paginated operation, page after page: `fetchPage` is called with
 * `null` for the first page and with the previous page's `next_page` after, until a page
 * has none (the server ignores the other query parameters when a page token comes). An
 * error answer throws a [`StatusboardError`]. */
export async function* items(fetchPage) {
    let pageToken = null;
    do {
        const page = unwrap(await fetchPage(pageToken));
        yield* page.items;
        pageToken = page.next_page ?? null;
    } while (pageToken !== null);
}
/** Subscribes to the live board of the API at `baseUrl` (as for
 * [`createStatusboardClient`]); `api-version` goes in the query, since a browser cannot
 * send headers with a WebSocket. Messages wait in the subscription until read (at most
 * `maxQueued`). The
 * iteration throws when a message cannot be read or the socket cannot be created at all
 * (a `ws:` URL from an `https:` page); a connection that fails or drops is retried. */
export function subscribe(baseUrl, options = {}) {
    const Socket = options.WebSocket ?? globalThis.WebSocket;
    const retryDelay = options.retryDelay ?? ((attempt) => Math.min(250 * 2 ** (attempt - 1), 30_000));
    const url = new URL(`${baseUrl.replace(/\/$/, "")}/api/v1/events`, globalThis.location?.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    url.searchParams.set("api-version", API_VERSION);
    const maxQueued = Math.max(options.maxQueued ?? 10_000, 1);
    const queue = [];
    /** Whether the connection is closed until the reader catches up with the queue. */
    let paused = false;
    let failure = null;
    let wake = null;
    let lastChange = options.after ?? null;
    let closed = false;
    let attempt = 0;
    let socket = null;
    let timer;
    const notify = () => {
        wake?.();
        wake = null;
    };
    const connect = () => {
        if (lastChange === null)
            url.searchParams.delete("after");
        else
            url.searchParams.set("after", String(lastChange));
        let current;
        try {
            current = new Socket(url);
        }
        catch (error) {
            // A URL the browser refuses outright (`ws:` from an `https:` page): no retry helps.
            failure = error instanceof Error ? error : new Error(String(error));
            close();
            return;
        }
        socket = current;
        current.onopen = () => {
            attempt = 0;
        };
        current.onmessage = (message) => {
            if (socket !== current)
                return;
            let event;
            try {
                event = JSON.parse(String(message.data));
            }
            catch {
                failure = new Error(`unexpected live board message: ${String(message.data)}`);
                close();
                return;
            }
            if (event.type !== "caught_up")
                lastChange = event.change;
            queue.push(event);
            notify();
            if (queue.length >= maxQueued) {
                paused = true;
                current.close(1000);
            }
        };
        current.onclose = (event) => {
            if (closed || paused || socket !== current)
                return;
            attempt += 1;
            options.onDisconnect?.({ code: event.code, reason: event.reason, attempt });
            timer = setTimeout(connect, retryDelay(attempt));
        };
    };
    const close = () => {
        closed = true;
        clearTimeout(timer);
        socket?.close(1000);
        notify();
    };
    connect();
    return {
        get lastChange() {
            return lastChange;
        },
        close,
        async *[Symbol.asyncIterator]() {
            try {
                while (true) {
                    const next = queue.shift();
                    if (paused && !closed && queue.length <= maxQueued / 2) {
                        paused = false;
                        connect();
                    }
                    if (next !== undefined)
                        yield next;
                    else if (failure)
                        throw failure;
                    else if (closed)
                        return;
                    else
                        await new Promise((resolve) => (wake = resolve));
                }
            }
            finally {
                close();
            }
        },
    };
}
/** The id the server gave a request (`x-request-id`): quote it when reporting a failure.
 * `null` when the answer did not come from the API (a proxy's error page). */
export function requestId(response) {
    return response.headers.get("x-request-id");
}
