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
import { type Client } from "openapi-fetch";
import type { components as eventSchemas } from "./events.js";
import { type components, type paths } from "./schema.js";
export type { components, operations, paths } from "./schema.js";
/** The API version these types describe; sent as `api-version` with every request, so a
 * newer server keeps answering in this version's shape. */
export declare const API_VERSION: string;
/** `GET /api/v1/health`'s answer. */
export type Health = components["schemas"]["Health"];
/** `GET /api/v1/ready`'s answer when the service is ready (`200`). */
export type Readiness = components["schemas"]["Readiness"];
/** `GET /api/v1/ready`'s answer when it is not (`503`): `database` says why. */
export type NotReady = components["schemas"]["NotReady"];
/** The body of every other error answer: `request_id`, `message`, `error_code`. */
export type ApiError = components["schemas"]["ApiError"];
/** A component of the board, with its current status. */
export type Component = components["schemas"]["Component"];
/** How a component is doing. */
export type ComponentStatus = components["schemas"]["ComponentStatus"];
/** A status report, as recorded. */
export type StatusReport = components["schemas"]["StatusReport"];
/** An incident: what is happening, its impact, the components it affects, its updates
 * newest first. */
export type Incident = components["schemas"]["Incident"];
/** One entry of an incident's timeline. */
export type IncidentUpdate = components["schemas"]["IncidentUpdate"];
/** Where an incident stands: `investigating`, `identified`, `monitoring`, `resolved`. */
export type IncidentStatus = components["schemas"]["IncidentStatus"];
/** How bad an incident is: `none`, `minor`, `major`, `critical`. */
export type Impact = components["schemas"]["Impact"];
/** A scheduled maintenance, with its updates newest first. */
export type Maintenance = components["schemas"]["Maintenance"];
/** Where a maintenance stands: `scheduled`, `in_progress`, `completed`, `cancelled`. */
export type MaintenanceStatus = components["schemas"]["MaintenanceStatus"];
/** Everything a status page shows (`GET /api/v1/summary`). */
export type Summary = components["schemas"]["Summary"];
/** The summary's overall indicator: `none`, `minor`, `major`, `critical`, `maintenance`. */
export type Indicator = components["schemas"]["Indicator"];
/** A token pair (`POST /api/v1/auth/refresh`, `statusboard-server token issue`). */
export type TokenResponse = components["schemas"]["TokenResponse"];
/** A webhook subscription (API 7.0.0 on). */
export type Webhook = components["schemas"]["Webhook"];
/** `POST /api/v1/webhooks`'s answer: the subscription and its secret, shown once. */
export type WebhookCreated = components["schemas"]["WebhookCreated"];
/** What a subscription asks for. */
export type NewWebhook = components["schemas"]["NewWebhook"];
/** One attempt at a delivery. */
export type DeliveryAttempt = components["schemas"]["DeliveryAttempt"];
/** A component's binding to GitHub (API 7.0.0 on): its source and how polling goes. */
export type GithubBinding = components["schemas"]["GithubBinding"];
/** What `PUT /api/v1/components/{slug}/github` takes. */
export type GithubBindingUpdate = components["schemas"]["GithubBindingUpdate"];
/** A component's uptime over a range of days, day by day (API 8.0.0 on):
 * `GET /api/v1/components/{slug}/uptime`, and each item of `GET /api/v1/uptime`. */
export type ComponentUptime = components["schemas"]["ComponentUptime"];
/** One UTC day of a component: seconds in each status and the day's uptime (0 to 1,
 * `null` with no counted time). */
export type UptimeDay = components["schemas"]["UptimeDay"];
/** Seconds spent in each status. */
export type StatusSeconds = components["schemas"]["StatusSeconds"];
/** A status badge as shields.io's endpoint badges read it (`…/badge.json`). The SVG
 * badges (`…/badge.svg`, `…/uptime.svg`) and the Atom feed (`/api/v1/incidents.atom`)
 * are not JSON: read them with `parseAs: "text"`. */
export type ShieldsBadge = components["schemas"]["ShieldsBadge"];
export { type VerifyOptions, type WebhookChange, type WebhookHeaders, type WebhookRefusal, WEBHOOK_TOLERANCE_SECONDS, WebhookVerificationError, verifyWebhook, verifyWebhookSignature, } from "./webhooks.js";
/** What went wrong, for code to test: every `error_code` the API answers with, generated
 * from the document's `ErrorCode` (each one's meaning is in the document). */
export type ErrorCode = components["schemas"]["ErrorCode"];
/** The typed client: `api.GET(path, init)` and friends, as `openapi-fetch` defines them. */
export type StatusboardClient = Client<paths>;
/** How to reach the API. */
export interface StatusboardClientOptions {
    /** Send cookies and HTTP authentication (`fetch`'s `credentials`); `"include"` by
     * default, as the API allows credentials from the origins in its `CORS_ORIGINS`. */
    credentials?: RequestCredentials;
    /** Headers sent with every request, besides `api-version`. */
    headers?: Record<string, string>;
    /** The access token for the operations that need one (their `Authorization` parameter
     * names the scope), sent as `Authorization: Bearer …` unless a call sets that header
     * itself. A function is asked before every request, so a token that the app refreshes
     * is always current; `null`/`undefined` sends none. */
    token?: string | (() => string | null | undefined | Promise<string | null | undefined>);
    /** The `fetch` to use (a test double, or `fetch` with a timeout); the global one by default. */
    fetch?: (input: Request) => Promise<Response>;
}
/** A client for the API at `baseUrl` (`https://statusboard.example.com`, no trailing `/`). */
export declare function createStatusboardClient(baseUrl: string, options?: StatusboardClientOptions): StatusboardClient;
/** An error answer of the API, thrown by [`unwrap`]: its status, `error_code`, message
 * and request id, and the typed body. */
export declare class StatusboardError extends Error {
    /** The HTTP status (`404`, `422`, …). */
    readonly status: number;
    /** What went wrong, for code to test (`"ComponentNotFound"`); `null` when none came. */
    readonly errorCode: ErrorCode | (string & {}) | null;
    /** The id to quote when reporting the failure (`x-request-id`). */
    readonly requestId: string | null;
    /** The error body as the API sent it. */
    readonly body: unknown;
    constructor(response: Response, body: unknown);
}
/** The data of a call's result, or a thrown [`StatusboardError`] for an error answer. */
export declare function unwrap<T>(result: {
    data?: T;
    error?: unknown;
    response: Response;
}): T;
/** One page of a paginated operation (`items`, and `next_page` when there are more). */
interface Page<T> {
    items: T[];
    next_page?: string | null;
}
/** Every item of a paginated operation, page after page: `fetchPage` is called with
 * `null` for the first page and with the previous page's `next_page` after, until a page
 * has none (the server ignores the other query parameters when a page token comes). An
 * error answer throws a [`StatusboardError`]. */
export declare function items<T>(fetchPage: (pageToken: string | null) => Promise<{
    data?: Page<T>;
    error?: unknown;
    response: Response;
}>): AsyncGenerator<T, void, undefined>;
/** A message of the live board (`GET /api/v1/events`), generated from the JSON Schema
 * `openapi-events/events-<version>.schema.json`: `board` (every component, first),
 * `component` (created or updated), `component_deleted`, `report` (a [`StatusReport`]),
 * each with `change`, its id in the board's change log; or `caught_up` (the backlog has
 * been sent; what follows is live). */
export type BoardEvent = eventSchemas["schemas"]["BoardEvent"];
/** How a [`subscribe`] subscription connects and reconnects. */
export interface SubscribeOptions {
    /** Start after this change id: every later change, none twice. Left out (or too far
     * behind): a `board` message, then the reports of the server's window
     * (`WS_INITIAL_HOURS`). */
    after?: number | null;
    /** How long to wait before the `attempt`-th reconnection in a row (1, 2, …), in ms;
     * 250 ms doubling up to 30 s by default. */
    retryDelay?: (attempt: number) => number;
    /** Told each time the connection closes and a reconnection is scheduled: the close
     * code (`1001` the server stops, `1008` this page read too slowly, `1006` the connection
     * failed or was refused, as for an `Origin` outside the server's `CORS_ORIGINS`). */
    onDisconnect?: (closed: {
        code: number;
        reason: string;
        attempt: number;
    }) => void;
    /** The most messages held for a reader that has not taken them yet (10,000 by
     * default): past it the subscription closes its connection, and opens a new one after
     * the last change held once the reader has taken half. Nothing is lost or repeated;
     * a reader that stops reading costs no more memory than this. */
    maxQueued?: number;
    /** The `WebSocket` class; the global one by default (browsers, Node.js 22). */
    WebSocket?: typeof WebSocket;
}
/** A live board subscription: an async iterable of [`BoardEvent`]s for one reader, which
 * reconnects by itself, after the last change received, so that no change is missed or
 * repeated (a `caught_up` comes again after each reconnection). */
export interface Subscription extends AsyncIterable<BoardEvent> {
    /** Where a reconnection resumes: the last change id received, else `after`. */
    readonly lastChange: number | null;
    /** Closes the connection and ends the iteration. */
    close(): void;
}
/** Subscribes to the live board of the API at `baseUrl` (as for
 * [`createStatusboardClient`]); `api-version` goes in the query, since a browser cannot
 * send headers with a WebSocket. Messages wait in the subscription until read (at most
 * `maxQueued`). The
 * iteration throws when a message cannot be read or the socket cannot be created at all
 * (a `ws:` URL from an `https:` page); a connection that fails or drops is retried. */
export declare function subscribe(baseUrl: string, options?: SubscribeOptions): Subscription;
/** The id the server gave a request (`x-request-id`): quote it when reporting a failure.
 * `null` when the answer did not come from the API (a proxy's error page). */
export declare function requestId(response: Response): string | null;
