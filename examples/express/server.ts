/**
 * Starts the Express example: `npx tsx examples/express/server.ts`.
 * PORT (default 3000), HOST (default 127.0.0.1), SESSION_SECRET, and REDIS_URL to keep sessions in Redis
 * through connect-redis — the same records an express-session app on that Redis reads and writes.
 * @module
 */
import { RedisStore } from "connect-redis";
import { createClient } from "redis";
import { createApp } from "./app.ts";

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? "127.0.0.1";

let secret = process.env.SESSION_SECRET;
if (!secret) {
  secret = "dev-only-secret-change-me-please-0123456789";
  console.warn("warning: SESSION_SECRET is not set; using a fixed development secret. Set SESSION_SECRET (32+ random characters) in production.");
}

let store: RedisStore | undefined;
if (process.env.REDIS_URL) {
  const client = createClient({ url: process.env.REDIS_URL });
  await client.connect();
  store = new RedisStore({ client, prefix: "sess:" });
}

const app = createApp({ secret, store });
app.listen(port, host, () => {
  console.log(`unsession Express example on http://${host}:${port} (sessions in ${store ? "Redis" : "memory"})`);
});
