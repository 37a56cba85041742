// A complete webhook receiver on Node's http server: verifies each delivery with the
// subscription's secret, drops a second arrival of the same delivery (by `webhook-id`),
// logs the change. Type-checked by `npm run typecheck`.
//
//   WEBHOOK_SECRET=whsec_… node --experimental-strip-types example/webhook-receiver.ts 9000
//
// Answers `204` to a verified delivery (the server then sends the next one), `401` to one
// that does not verify, `413` to a body over 1 MiB. The server retries anything but a
// `2xx`: answer `2xx` only once the change is safely handled.
import { createServer } from "node:http";
import { verifyWebhook, WebhookVerificationError } from "../src/index.js";

const secret = process.env.WEBHOOK_SECRET;
if (!secret) throw new Error("WEBHOOK_SECRET must hold the subscription's whsec_… secret");
const BODY_LIMIT = 1 << 20;
const seen = new Set<string>();

const server = createServer(async (request, response) => {
  if (request.method !== "POST") return response.writeHead(405).end();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > BODY_LIMIT) return response.writeHead(413).end();
    chunks.push(chunk);
  }
  try {
    const change = await verifyWebhook(secret, request.headers, Buffer.concat(chunks));
    const id = String(request.headers["webhook-id"]);
    if (seen.has(id)) {
      console.log(`${id}: already handled`);
    } else {
      seen.add(id);
      if (seen.size > 10_000) seen.delete(seen.values().next().value!);
      console.log(`${id}: ${change.type}`, change);
    }
    response.writeHead(204).end();
  } catch (e) {
    if (!(e instanceof WebhookVerificationError)) throw e;
    console.warn(`refused (${e.reason}): ${e.message}`);
    response.writeHead(401).end();
  }
});
server.listen(Number(process.argv[2] ?? 9000), "127.0.0.1");
