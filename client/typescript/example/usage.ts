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

// --- The board ---------------------------------------------------------------------------

import { type Component, StatusboardError, items, unwrap } from "../src/index.js";

/** Reading the board needs no token: every component, page after page (100 a page). */
export async function board(): Promise<Component[]> {
  const all: Component[] = [];
  for await (const component of items((page_token) =>
    api.GET("/api/v1/components", { params: { query: { limit: 100, page_token } } }),
  )) {
    all.push(component);
  }
  return all;
}

/** A component's reports of the last hour, newest first, 50 a page. */
export async function lastHour(slug: string): Promise<string[]> {
  const since = new Date(Date.now() - 3600_000).toISOString();
  const lines: string[] = [];
  for await (const report of items((page_token) =>
    api.GET("/api/v1/components/{slug}/reports", {
      params: { path: { slug }, query: { since, limit: 50, page_token } },
    }),
  )) {
    lines.push(`${report.reported_at} ${report.status}: ${report.message}`);
  }
  return lines;
}

/** Changing it needs a token with the operation's scope; give it once to the client. A
 * retried report carries the same `Idempotency-Key`, so it is recorded once. */
export async function declareOutage(accessToken: string, slug: string): Promise<string> {
  const admin = createStatusboardClient("https://statusboard.example.com", {
    token: accessToken,
  });
  try {
    unwrap(
      await admin.PUT("/api/v1/components/{slug}", {
        params: { path: { slug } },
        body: { name: "Checkout API", description: "Takes the orders." },
      }),
    );
    const report = unwrap(
      await admin.POST("/api/v1/components/{slug}/reports", {
        params: { path: { slug }, header: { "Idempotency-Key": crypto.randomUUID() } },
        body: { status: "major_outage", message: "Orders fail with 503." },
      }),
    );
    return `recorded report ${report.id} by ${report.reported_by}`;
  } catch (failure) {
    // Typed errors: the status, the error code to branch on, the request id to quote.
    if (failure instanceof StatusboardError) {
      if (failure.status === 401) return "sign in again";
      if (failure.errorCode === "InsufficientScope") return "this token may not do that";
      return `${failure.errorCode}: ${failure.message} (request ${failure.requestId})`;
    }
    throw failure;
  }
}

// --- The live board ------------------------------------------------------------------------

import { type BoardEvent, type ComponentStatus, subscribe } from "../src/index.js";

/** A dashboard kept live: every component's status from the `board` message, then each
 * change as it is committed. `render` is called once the backlog has been applied
 * (`caught_up`) and after each live report. The subscription reconnects by itself, after
 * the last change it received; `stop()` ends it. */
export function watchBoard(
  render: (statuses: ReadonlyMap<string, ComponentStatus>) => void,
): { stop: () => void } {
  const statuses = new Map<string, ComponentStatus>();
  let live = false;
  const subscription = subscribe("https://statusboard.example.com", {
    onDisconnect: ({ code, attempt }) => console.warn(`live board lost (${code}), retry ${attempt}`),
  });
  (async () => {
    for await (const event of subscription) {
      const message: BoardEvent = event;
      if (message.type === "board") {
        statuses.clear();
        for (const component of message.components) statuses.set(component.slug, component.status);
      } else if (message.type === "report") statuses.set(message.component, message.status);
      else if (message.type === "component") statuses.set(message.slug, message.status);
      else if (message.type === "component_deleted") statuses.delete(message.slug);
      else live = true;
      if (live) render(statuses);
    }
  })();
  return { stop: () => subscription.close() };
}

// --- The status page: the summary, incidents, maintenance -------------------------------

import type { Incident, Summary } from "../src/index.js";

/** The page's banner and sections, from one request: the overall indicator in words, each
 * group's components, the unresolved incidents with their latest update, and the
 * maintenances under way or to come. */
export async function statusPage(): Promise<string[]> {
  const summary: Summary = unwrap(await api.GET("/api/v1/summary"));
  const lines = [`${summary.status.description} (${summary.status.indicator})`];
  for (const group of summary.components) {
    lines.push(`${group.name ?? "Other"}:`);
    for (const component of group.components) {
      lines.push(`  ${component.name}: ${component.status}`);
    }
  }
  for (const incident of summary.incidents) {
    lines.push(`incident ${incident.name} (${incident.impact}): ${incident.updates[0]?.message}`);
  }
  for (const maintenance of summary.maintenances) {
    lines.push(`maintenance ${maintenance.name}: ${maintenance.scheduled_for}`);
  }
  return lines;
}

/** Keeps the page's incidents current: from the summary's change on, each `incident`
 * message replaces the one the page holds (a resolved one leaves the list). */
export async function followIncidents(onChange: (open: Incident[]) => void): Promise<void> {
  const summary = unwrap(await api.GET("/api/v1/summary"));
  const open = new Map(summary.incidents.map((incident) => [incident.id, incident]));
  for await (const event of subscribe("https://statusboard.example.com", {
    after: summary.change,
  })) {
    if (event.type !== "incident") continue;
    if (event.status === "resolved") open.delete(event.id);
    else open.set(event.id, event);
    onChange([...open.values()]);
  }
}

/** Opening an incident needs a token with `incidents:write`; its components' statuses
 * change with it. */
export async function openIncident(accessToken: string, slug: string): Promise<number> {
  const admin = createStatusboardClient("https://statusboard.example.com", {
    token: accessToken,
  });
  const opened = unwrap(
    await admin.POST("/api/v1/incidents", {
      params: { header: { "Idempotency-Key": crypto.randomUUID() } },
      body: {
        name: "Checkout errors",
        status: "investigating",
        impact: "major",
        message: "Some payments fail.",
        components: { [slug]: "partial_outage" },
      },
    }),
  );
  return opened.id;
}

// --- History: uptime, badges, the feed -----------------------------------------------------

import type { ComponentUptime } from "../src/index.js";

/** The 90 daily bars under each component: every component's days, 100 a page. A day's
 * `uptime` is `null` when nothing counted (before the component existed, or all of it
 * under maintenance). */
export async function uptimeBars(): Promise<Map<string, (number | null)[]>> {
  const bars = new Map<string, (number | null)[]>();
  for await (const component of items((page_token) =>
    api.GET("/api/v1/uptime", { params: { query: { days: 90, limit: 100, page_token } } }),
  )) {
    const uptime: ComponentUptime = component;
    bars.set(
      uptime.component,
      uptime.days.map((day) => day.uptime ?? null),
    );
  }
  return bars;
}

/** The badges and the feed are not JSON: read them as text. */
export async function statusBadge(slug: string): Promise<string> {
  const { data, error } = await api.GET("/api/v1/components/{slug}/badge.svg", {
    params: { path: { slug } },
    parseAs: "text",
  });
  if (error !== undefined) {
    throw new Error(`no badge for ${slug}`);
  }
  return data;
}
