// How a frontend uses @statusboard/client: every operation, a 503, and the request id.
// Type-checked by `npm run typecheck` (and so by `.ci/run` and GitHub's `frontend` job).
import {
  API_VERSION,
  type Health,
  type NotReady,
  createStatusboardClient,
  requestId,
} from "../src/index.js";

const api = createStatusboardClient("https://statusboard.example.com");

/** Liveness: `{ status: "ok" }`. */
export async function isAlive(): Promise<boolean> {
  const { data } = await api.GET("/api/v1/health");
  const health: Health | undefined = data;
  return health?.status === "ok";
}

/** Readiness: `ok`, or why not — a `503` with a typed body saying what failed. */
export async function readiness(): Promise<string> {
  const { data, error, response } = await api.GET("/api/v1/ready");
  if (data) {
    return `ready (database ${data.database})`;
  }
  if (response.status === 503 && error) {
    const notReady: NotReady = error;
    return `not ready: ${notReady.database} (request ${requestId(response)})`;
  }
  // Anything else: a proxy's error page, a network failure turned answer, …
  return `unexpected ${response.status} (request ${requestId(response) ?? "none"})`;
}

/** Network failures (server down, CORS refusal) reject the promise instead. */
export async function report(): Promise<string> {
  try {
    return `${API_VERSION}: ${(await isAlive()) ? "alive" : "not alive"}; ${await readiness()}`;
  } catch (failure) {
    return `cannot reach the API: ${String(failure)}`;
  }
}
