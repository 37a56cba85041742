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
import createClient, {} from "openapi-fetch";
import { apiVersion } from "./schema.js";
/** The API version these types describe; sent as `api-version` with every request, so a
 * newer server keeps answering in this version's shape. */
export const API_VERSION = apiVersion;
/** A client for the API at `baseUrl` (`https://statusboard.example.com`, no trailing `/`). */
export function createStatusboardClient(baseUrl, options = {}) {
    return createClient({
        baseUrl,
        credentials: options.credentials ?? "include",
        headers: { ...options.headers, "api-version": API_VERSION },
        ...(options.fetch ? { fetch: options.fetch } : {}),
    });
}
/** The id the server gave a request (`x-request-id`): quote it when reporting a failure.
 * `null` when the answer did not come from the API (a proxy's error page). */
export function requestId(response) {
    return response.headers.get("x-request-id");
}
