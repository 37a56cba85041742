// What a frontend page does with @statusboard/client, from the origin it is served from.
// The driver (browser.mjs) opens it with `?api=<base URL>&phase=<phase>` and reads
// `window.checks` once `window.done` is set. Each check: { name, ok, detail }.
import {
  API_VERSION,
  StatusboardError,
  createStatusboardClient,
  items,
  requestId,
  subscribe,
  unwrap,
} from "/dist/index.js";

const params = new URLSearchParams(location.search);
const base = params.get("api");
const phase = params.get("phase");
const token = new URLSearchParams(location.hash.slice(1)).get("token");
const api = createStatusboardClient(base);
const admin = createStatusboardClient(base, { token });
const checks = [];
const check = (name, ok, detail) => checks.push({ name, ok: Boolean(ok), detail });

/** The next message of a subscription's iterator, or a rejection after 5 s. */
function within5s(iterator) {
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error("no live board message within 5 s")), 5000);
  });
  return Promise.race([iterator.next(), late]).finally(() => clearTimeout(timer));
}

/** Shows a report on the page, as a dashboard would. */
function show(report) {
  const item = document.createElement("li");
  item.textContent = `#${report.id} ${report.component}: ${report.status}, ${report.message}`;
  document.getElementById("live").append(item);
}

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
      check("health: answers in the client's version", API_VERSION === "11.0.0", API_VERSION);
    });
    await attempt("GET /api/v1/ready through the client", async () => {
      const { data, response } = await api.GET("/api/v1/ready");
      check("ready: 200 {status: ok, database: ok, github: no_token}",
        response.status === 200 && data?.status === "ok" && data?.database === "ok"
          && data?.github === "no_token",
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
    await attempt("the board: write with a token, read back, page", async () => {
      const saved = await admin.PUT("/api/v1/components/{slug}", {
        params: { path: { slug: "browser" } },
        body: { name: "Browser", description: "Made by a page." },
      });
      check("PUT component with a token (preflighted): 201", saved.response.status === 201
        && saved.data?.slug === "browser", `${saved.response.status} ${JSON.stringify(saved.data)}`);
      check("PUT component: its Location readable", saved.response.headers.get("location")
        === "/api/v1/components/browser", saved.response.headers.get("location"));
      const statuses = ["degraded_performance", "partial_outage", "major_outage"];
      for (const status of statuses) {
        const key = `browser-${status}`;
        const posted = await admin.POST("/api/v1/components/{slug}/reports", {
          params: { path: { slug: "browser" }, header: { "Idempotency-Key": key } },
          body: { status, message: `now ${status}` },
        });
        check(`POST report ${status}: 201, reported by the token's subject`,
          posted.response.status === 201 && posted.data?.reported_by === "dashboard",
          `${posted.response.status} ${JSON.stringify(posted.data ?? posted.error)}`);
      }
      const again = await admin.POST("/api/v1/components/{slug}/reports", {
        params: { path: { slug: "browser" }, header: { "Idempotency-Key": "browser-major_outage" } },
        body: { status: "major_outage", message: "now major_outage" },
      });
      check("POST report again with its key: the first report, nothing new",
        again.response.status === 201, `${again.response.status}`);
      const component = unwrap(await api.GET("/api/v1/components/{slug}",
        { params: { path: { slug: "browser" } } }));
      check("GET component: the latest report's status", component.status === "major_outage",
        JSON.stringify(component));
      const seen = [];
      for await (const report of items((page_token) =>
        api.GET("/api/v1/components/{slug}/reports",
          { params: { path: { slug: "browser" }, query: { limit: 1, page_token } } }))) {
        seen.push(report.status);
      }
      check("page through reports one at a time: newest first, each once",
        JSON.stringify(seen) === JSON.stringify([...statuses].reverse()), JSON.stringify(seen));
      const board = [];
      for await (const c of items((page_token) =>
        api.GET("/api/v1/components", { params: { query: { page_token } } }))) {
        board.push(c.slug);
      }
      check("the board lists the component", board.includes("browser"), JSON.stringify(board));
    });
    await attempt("the live board: the window, caught_up, live, resuming", async () => {
      // Sockets the subscription opens, so that the test can cut one.
      const sockets = [];
      class Tracked extends WebSocket {
        constructor(...args) {
          super(...args);
          sockets.push(this);
        }
      }
      const disconnects = [];
      const live = subscribe(base, {
        WebSocket: Tracked,
        retryDelay: () => 1000,
        onDisconnect: ({ code }) => disconnects.push(code),
      });
      const iterator = live[Symbol.asyncIterator]();
      const read = async () => (await within5s(iterator)).value;
      const untilCaughtUp = async () => {
        const events = [];
        for (let event = await read(); event.type !== "caught_up"; event = await read()) {
          events.push(event);
          if (event.type === "report") show(event);
        }
        return events;
      };
      const [board, ...windowed] = await untilCaughtUp();
      check("subscribe: first the board, every component with its change id",
        board?.type === "board" && board.change > 0
          && board.components.some((c) => c.slug === "browser"),
        JSON.stringify(board));
      check("subscribe: then the window's reports oldest first (not the one of 2 hours ago), then caught_up",
        windowed.every((e) => e.type === "report")
          && JSON.stringify(windowed.map((r) => r.status))
          === JSON.stringify(["degraded_performance", "partial_outage", "major_outage"]),
        JSON.stringify(windowed.map((r) => r.id)));
      const posted = unwrap(await admin.POST("/api/v1/components/{slug}/reports", {
        params: { path: { slug: "browser" } },
        body: { status: "partial_outage", message: "seen live by the page" },
      }));
      const arrived = await read();
      show(arrived);
      check("a new report arrives live and is shown", arrived.type === "report"
        && arrived.id === posted.id
        && document.getElementById("live").textContent.includes("seen live by the page"),
        JSON.stringify(arrived));

      // Cut the connection; a report recorded meanwhile comes once, after the reconnection.
      sockets[0].close();
      const missed = unwrap(await admin.POST("/api/v1/components/{slug}/reports", {
        params: { path: { slug: "browser" } },
        body: { status: "operational", message: "recorded while disconnected" },
      }));
      const resumed = await untilCaughtUp();
      resumed.forEach(show);
      check("resumes after the last change: the missed report, once, nothing repeated",
        sockets.length === 2 && disconnects.length === 1
          && JSON.stringify(resumed.map((r) => r.id)) === JSON.stringify([missed.id])
          && live.lastChange === resumed[0].change && resumed[0].change > arrived.change,
        `sockets ${sockets.length}, disconnects ${disconnects}, resumed `
          + `${JSON.stringify(resumed.map((r) => r.id))}, missed ${missed.id}`);
      live.close();
      check("close ends the iteration", (await within5s(iterator)).done === true);

      // A slow reader, from the first report on, with room for 2 messages: the connection
      // is closed while it lags and opened again after the last report held.
      const slowSockets = [];
      class SlowTracked extends WebSocket {
        constructor(...args) {
          super(...args);
          slowSockets.push(this);
        }
      }
      const slow = subscribe(base, { after: 0, maxQueued: 2, WebSocket: SlowTracked });
      const slowIterator = slow[Symbol.asyncIterator]();
      const ids = [];
      while (ids.at(-1) !== missed.id) {
        const event = (await within5s(slowIterator)).value;
        if (event.type === "report") ids.push(event.id);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      slow.close();
      const inOrder = ids.every((id, i) => i === 0 || id > ids[i - 1]);
      // `after: 0`: the log's first changes are older than the window (backdated), so the
      // server starts with a board, then the window's 5 reports (not the 2-hour-old one).
      check("a slow reader with maxQueued 2: every report once, in order, over several connections",
        ids.length === 5 && inOrder && slowSockets.length > 1,
        `ids ${JSON.stringify(ids)}, ${slowSockets.length} connections`);
    });
    await attempt("the status page: the summary, then an incident told live", async () => {
      const summary = unwrap(await api.GET("/api/v1/summary"));
      document.getElementById("summary").textContent = summary.status.description;
      // The legacy component's last report (two hours ago) is a major outage.
      check("the summary: its indicator and description, the components by group",
        summary.status.indicator === "major" && summary.status.description.length > 0
          && summary.components.some((g) => g.components.some((c) => c.slug === "browser")),
        JSON.stringify(summary.status));
      const live = subscribe(base, { after: summary.change });
      const iterator = live[Symbol.asyncIterator]();
      const read = async () => (await within5s(iterator)).value;
      const caughtUp = await read();
      check("subscribed from the summary's change: caught up at once", caughtUp.type === "caught_up",
        JSON.stringify(caughtUp));
      const shown = new Map();
      const showIncident = (incident) => {
        shown.set(incident.id, `${incident.name}: ${incident.status}`);
        document.getElementById("incidents").textContent = [...shown.values()].join("\n");
      };
      /** The messages up to the next `incident` one: the reports it made, then it. */
      const untilIncident = async () => {
        const reports = [];
        for (let event = await read(); ; event = await read()) {
          if (event.type === "incident") {
            showIncident(event);
            return { incident: event, reports };
          }
          reports.push(`${event.type} ${event.component} ${event.status}`);
        }
      };
      const opened = unwrap(await admin.POST("/api/v1/incidents", {
        params: { header: { "Idempotency-Key": "browser-incident" } },
        body: { name: "Checkout errors", status: "investigating", impact: "major",
                message: "Looking into it.", components: { browser: "major_outage" } },
      }));
      const first = await untilIncident();
      check("an incident opens live, after the report it made",
        first.incident.id === opened.id && first.incident.status === "investigating"
          && JSON.stringify(first.reports) === JSON.stringify(["report browser major_outage"]),
        JSON.stringify(first));
      unwrap(await admin.POST("/api/v1/incidents/{id}/updates", {
        params: { path: { id: opened.id } },
        body: { status: "identified", message: "A bad deploy." },
      }));
      const second = await untilIncident();
      check("its update arrives live, newest first", second.incident.status === "identified"
        && second.incident.updates[0].message === "A bad deploy." && second.reports.length === 0,
        JSON.stringify(second));
      unwrap(await admin.POST("/api/v1/incidents/{id}/updates", {
        params: { path: { id: opened.id } },
        body: { status: "resolved", message: "Fixed." },
      }));
      const third = await untilIncident();
      check("resolved live: the component returns to operational",
        third.incident.resolved_at !== null
          && JSON.stringify(third.reports) === JSON.stringify(["report browser operational"]),
        JSON.stringify(third));
      check("the page shows the incident's story",
        document.getElementById("incidents").textContent === "Checkout errors: resolved",
        document.getElementById("incidents").textContent);
      live.close();
    });
    await attempt("typed errors are readable", async () => {
      try {
        unwrap(await api.GET("/api/v1/components/{slug}", { params: { path: { slug: "nope" } } }));
        check("404 ComponentNotFound thrown", false, "no error");
      } catch (error) {
        check("404 ComponentNotFound thrown as StatusboardError", error instanceof
          StatusboardError && error.status === 404 && error.errorCode === "ComponentNotFound"
          && error.requestId !== null, `${error}`);
      }
      const anonymous = await api.DELETE("/api/v1/components/{slug}",
        { params: { path: { slug: "browser" } } });
      check("DELETE without a token: a readable 401 with its challenge",
        anonymous.response.status === 401 && anonymous.error?.error_code === "Unauthorized"
        && anonymous.response.headers.get("www-authenticate") === "Bearer",
        `${anonymous.response.status} ${JSON.stringify(anonymous.error)} `
        + `${anonymous.response.headers.get("www-authenticate")}`);
      const malformed = await fetch(`${base}/api/v1/components/browser/reports`, {
        method: "POST", credentials: "include",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: "{not json",
      });
      const body = await malformed.json();
      check("a malformed body: a readable 400", malformed.status === 400
        && body.request_id === requestId(malformed), `${malformed.status} ${JSON.stringify(body)}`);
    });
  },
  // Allowed origin, database stopped: the board it last knew, marked stale; writes a
  // typed 503.
  async down() {
    await attempt("GET /api/v1/ready through the client, database stopped", async () => {
      const { data, response } = await api.GET("/api/v1/ready");
      check("ready: 200, the database unavailable, the board's staleness",
        response.status === 200 && data?.database === "unavailable"
        && typeof data?.board.stale_seconds === "number", JSON.stringify(data));
    });
    await attempt("GET /api/v1/summary, database stopped", async () => {
      const { data, response } = await api.GET("/api/v1/summary");
      check("summary: 200 from memory, the stale mark and ETag readable",
        response.status === 200 && data?.components.length > 0
        && response.headers.get("statusboard-stale") !== null
        && response.headers.get("etag") !== null,
        `${response.status} ${response.headers.get("statusboard-stale")}`);
    });
    await attempt("POST a report, database stopped", async () => {
      const { error, response } = await admin.POST("/api/v1/components/{slug}/reports", {
        params: { path: { slug: "browser" } },
        body: { status: "operational", message: "while the database is down" },
      });
      check("a write: the typed 503 with Retry-After", response.status === 503
        && error?.error_code === "DatabaseUnavailable"
        && response.headers.get("retry-after") !== null
        && requestId(response) === error?.request_id, JSON.stringify(error));
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
    let write;
    try {
      const { response } = await admin.POST("/api/v1/components/{slug}/reports", {
        params: { path: { slug: "browser" } },
        body: { status: "operational", message: "from a foreign origin" },
      });
      write = `answered ${response.status}`;
    } catch (error) {
      write = `refused: ${error}`;
    }
    check("a write from a disallowed origin is refused (its preflight fails)",
      write.startsWith("refused"), write);
    // The upgrade is refused (403: the driver reads it in the browser's console); the
    // subscription sees a failed connection and no message.
    const received = [];
    const closed = await new Promise((resolve) => {
      const live = subscribe(base, {
        retryDelay: () => 60_000,
        onDisconnect: (event) => {
          live.close();
          resolve(event);
        },
      });
      (async () => {
        for await (const event of live) received.push(event);
      })();
    });
    check("a subscription from a disallowed origin fails (1006) and receives nothing",
      closed.code === 1006 && received.length === 0,
      `closed ${JSON.stringify(closed)}, received ${received.length}`);
  },
};

await phases[phase]();
document.getElementById("results").textContent = JSON.stringify(checks, null, 2);
window.checks = checks;
window.done = true;
