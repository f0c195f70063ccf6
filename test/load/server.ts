/**
 * Serves the Hono example (examples/hono-node `createApp`) for the load test, on 127.0.0.1 and a free port.
 * Env: LOAD_STORE = "memory" | "redis"; REDIS_URL; LOAD_REDIS_BASE (key prefix, unique per run);
 * LOAD_PBKDF2_ITERATIONS (the demo login's password hash cost; the load test measures sessions, not PBKDF2).
 * Prints `listening <port>` once ready.
 * @module
 */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { createStorage, type Storage } from "unstorage";
import redisDriver from "unstorage/drivers/redis";
import { createApp } from "../../examples/hono-node/app.ts";

const mode = process.env.LOAD_STORE ?? "memory";
let storage: Storage | undefined;
if (mode === "redis") {
  if (!process.env.REDIS_URL) throw new Error("LOAD_STORE=redis needs REDIS_URL");
  storage = createStorage({ driver: redisDriver({ url: process.env.REDIS_URL, base: process.env.LOAD_REDIS_BASE ?? `unsession-load-${process.pid}` }) });
}

const app = createApp({
  secret: "load-test-secret-that-is-long-enough-0123456789",
  storage,
  iterations: Number(process.env.LOAD_PBKDF2_ITERATIONS ?? 1000),
});
const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) => {
  console.log(`listening ${info.port}`);
});

const stop = (): void => {
  server.close();
  void Promise.resolve(storage?.dispose()).finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
