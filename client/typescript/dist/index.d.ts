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
 * ```
 */
import { type Client } from "openapi-fetch";
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
export type ApiError = components["schemas"]["Error"];
/** The typed client: `api.GET(path, init)` and friends, as `openapi-fetch` defines them. */
export type StatusboardClient = Client<paths>;
/** How to reach the API. */
export interface StatusboardClientOptions {
    /** Send cookies and HTTP authentication (`fetch`'s `credentials`); `"include"` by
     * default, as the API allows credentials from the origins in its `CORS_ORIGINS`. */
    credentials?: RequestCredentials;
    /** Headers sent with every request, besides `api-version`. */
    headers?: Record<string, string>;
    /** The `fetch` to use (a test double, or `fetch` with a timeout); the global one by default. */
    fetch?: (input: Request) => Promise<Response>;
}
/** A client for the API at `baseUrl` (`https://statusboard.example.com`, no trailing `/`). */
export declare function createStatusboardClient(baseUrl: string, options?: StatusboardClientOptions): StatusboardClient;
/** The id the server gave a request (`x-request-id`): quote it when reporting a failure.
 * `null` when the answer did not come from the API (a proxy's error page). */
export declare function requestId(response: Response): string | null;
