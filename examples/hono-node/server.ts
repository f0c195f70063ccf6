/**
 * Starts the example shop on Node: `npm start`.
 * PORT (default 3000), HOST (default 127.0.0.1), SESSION_SECRET, and REDIS_URL to keep sessions in Redis.
 * @module
 */
import { serve } from "@hono/node-server";
import { createStorage, type Storage } from "unstorage";
import redisDriver from "unstorage/drivers/redis";
import { createApp } from "./app.ts";

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? "127.0.0.1";

let secret = process.env.SESSION_SECRET;
if (!secret) {
  secret = "dev-only-secret-change-me-please-0123456789";
  console.warn("warning: SESSION_SECRET is not set; using a fixed development secret. Set SESSION_SECRET (32+ random characters) in production.");
}

// The only difference between the two modes: where the records live.
let storage: Storage | undefined;
if (process.env.REDIS_URL) {
  // Keys are `sess:<id>`, as connect-redis writes them: an express-session app can share this Redis.
  storage = createStorage({ driver: redisDriver({ url: process.env.REDIS_URL }) });
}

const app = createApp({ secret, storage });
const server = serve({ fetch: app.fetch, port, hostname: host }, (info) => {
  console.log(`unsession shop listening on http://${host}:${info.port} (sessions in ${storage ? "Redis" : "memory"})`);
});

const stop = () => {
  server.close(() => {
    void Promise.resolve(storage?.dispose()).finally(() => process.exit(0));
  });
  // Keep-alive connections would hold close() open: do not wait for them forever.
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
