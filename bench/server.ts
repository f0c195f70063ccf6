/**
 * One benchmark server process: built by bench/build.ts, run as `BENCH_SERVER=<name> BENCH_SCENARIO=S0..S3 node bench/.build/server.mjs`.
 * Listens on 127.0.0.1 (a free port), reports `{ port }` over IPC, answers `"stats"` / `"reset"` / `"exit"` messages.
 * @module
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import { build, type Scenario, type Stats } from "./apps.ts";

const name = process.env.BENCH_SERVER ?? "";
const scenario = (process.env.BENCH_SCENARIO ?? "S0") as Scenario;
const stats: Stats = { requests: 0, writes: 0 };

const app = await build(name, scenario, stats);
const listener = app.kind === "fetch" ? getRequestListener(app.fetch) : app.listener;
const server = createServer(listener);
server.keepAliveTimeout = 60_000;

server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  if (process.send) process.send({ type: "ready", port });
  else console.log(`listening on http://127.0.0.1:${port}/ (${name} ${scenario})`);
});

// CPU time of this process since the last reset: less sensitive to other load on the machine than req/s.
let cpuStart = process.cpuUsage();
process.on("message", (message: unknown) => {
  if (message === "stats") {
    const cpu = process.cpuUsage(cpuStart);
    process.send?.({ type: "stats", ...stats, cpuMicros: cpu.user + cpu.system });
  } else if (message === "reset") {
    stats.requests = 0;
    stats.writes = 0;
    cpuStart = process.cpuUsage();
    process.send?.({ type: "reset" });
  } else if (message === "exit") {
    server.closeAllConnections();
    server.close();
    // process.exit writes the --cpu-prof profile too.
    process.exit(0);
  }
});
process.on("disconnect", () => process.exit(0));
