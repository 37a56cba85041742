// What a frontend page does with @statusboard/client, from the origin it is served from.
// The driver (browser.mjs) opens it with `?api=<base URL>&phase=<phase>` and reads
// `window.checks` once `window.done` is set. Each check: { name, ok, detail }.
import { API_VERSION, createStatusboardClient, requestId } from "/dist/index.js";

const params = new URLSearchParams(location.search);
const base = params.get("api");
const phase = params.get("phase");
const api = createStatusboardClient(base);
const checks = [];
const check = (name, ok, detail) => checks.push({ name, ok: Boolean(ok), detail });

/** Runs `step`, recording a thrown error (a network or CORS failure) as a failed check. */
async function attempt(name, step) {
  try {
    await step();
  } catch (error) {
    check(name, false, `threw ${error}`);
  }
}

const phases = {
  // Allowed origin, database up: every operation, typed, with credentials.
  async up() {
    await attempt("GET /api/v1/health through the client", async () => {
      const { data, response } = await api.GET("/api/v1/health");
      check("health: 200 {status: ok}", response.status === 200 && data?.status === "ok",
        JSON.stringify(data));
      check("health: x-request-id readable", requestId(response) !== null, requestId(response));
      check("health: answers in the client's version", API_VERSION === "1.0.0", API_VERSION);
    });
    await attempt("GET /api/v1/ready through the client", async () => {
      const { data, response } = await api.GET("/api/v1/ready");
      check("ready: 200 {status: ok, database: ok}",
        response.status === 200 && data?.status === "ok" && data?.database === "ok",
        JSON.stringify(data));
    });
    await attempt("HEAD /api/v1/health", async () => {
      const response = await fetch(`${base}/api/v1/health`,
        { method: "HEAD", credentials: "include" });
      const body = await response.text();
      check("HEAD health: 200, no body, request id", response.status === 200 && body === ""
        && requestId(response) !== null, `${response.status} ${JSON.stringify(body)}`);
    });
    await attempt("DELETE /api/v1/health", async () => {
      const response = await fetch(`${base}/api/v1/health`,
        { method: "DELETE", credentials: "include" });
      const body = await response.json();
      check("DELETE health: a readable 405 with a request id", response.status === 405
        && body.request_id === requestId(response), `${response.status} ${JSON.stringify(body)}`);
    });
  },
  // Allowed origin, database stopped: the typed 503.
  async down() {
    await attempt("GET /api/v1/ready through the client, database stopped", async () => {
      const { data, error, response } = await api.GET("/api/v1/ready");
      check("ready: 503 with the typed body", response.status === 503 && data === undefined
        && error?.status === "unavailable" && error?.database.length > 0
        && error?.error_code === "DatabaseUnavailable", JSON.stringify(error));
      check("ready 503: x-request-id readable and equal to the body's",
        requestId(response) !== null && requestId(response) === error?.request_id,
        requestId(response));
    });
  },
  // A disallowed origin: the browser refuses to hand over the answer.
  async blocked() {
    let outcome;
    try {
      const { response } = await api.GET("/api/v1/health");
      outcome = `answered ${response.status}`;
    } catch (error) {
      outcome = `refused: ${error}`;
    }
    check("a disallowed origin is blocked", outcome.startsWith("refused"), outcome);
  },
};

await phases[phase]();
document.getElementById("results").textContent = JSON.stringify(checks, null, 2);
window.checks = checks;
window.done = true;
