/**
 * One cell of `npm run bench:account`: a bench server's fetch handler driven through @hono/node-server's own
 * request listener, in this process, with stand-ins for the socket (no network, no parser): what the framework,
 * node-server's Request/Response and our code cost per request, without the kernel's share. Prints one JSON line.
 * Usage (after a build): `node bench/.build/account-cell.mjs <server> <scenario> [requests]`.
 * @module
 */
import { getRequestListener } from "@hono/node-server";
import type { IncomingMessage, ServerResponse } from "node:http";
import { build, type Scenario, type Stats } from "./apps.ts";

const [name = "hono", scenario = "S0", count = "100000"] = process.argv.slice(2);
const N = Number(count);
const stats: Stats = { requests: 0, writes: 0 };
const app = await build(name, scenario as Scenario, stats);
if (app.kind !== "fetch") throw new Error(`${name} is not a fetch server`);
const listener = getRequestListener(app.fetch);

let finished: () => void = () => {};
let seen: { status: number; headers: Record<string, unknown>; body: unknown } = { status: 0, headers: {}, body: undefined };
/** The parts of ServerResponse that node-server calls on its paths; `end` completes the request. */
const outgoing = () => ({
  writeHead(status: number, headers: Record<string, unknown>) {
    seen = { status, headers, body: undefined };
    return this;
  },
  end(body: unknown) {
    seen.body = body;
    finished();
  },
  write: () => true,
  flushHeaders() {},
  setHeader() {},
  on() {
    return this;
  },
  once() {
    return this;
  },
  writableFinished: true,
});
const call = (method: string, cookie?: string): Promise<void> =>
  new Promise((resolve) => {
    finished = resolve;
    const headers: Record<string, string> = { host: "127.0.0.1" };
    const rawHeaders = ["Host", "127.0.0.1"];
    if (cookie) {
      headers.cookie = cookie;
      rawHeaders.push("Cookie", cookie);
    }
    const incoming = { method, url: "/", headers, rawHeaders, socket: { encrypted: false }, readableEnded: true, complete: true, on() {}, once() {} };
    void listener(incoming as unknown as IncomingMessage, outgoing() as unknown as ServerResponse);
  });

let cookie: string | undefined;
if (scenario === "S2" || scenario === "S3") {
  await call("POST");
  const setCookie = seen.headers["set-cookie"];
  cookie = String(Array.isArray(setCookie) ? setCookie[0] : setCookie).split(";")[0];
}
const run = async (n: number) => {
  for (let i = 0; i < n; i++) await call("GET", cookie);
};
await run(N / 2); // warm-up
if (seen.status !== 200) throw new Error(`${name} ${scenario}: status ${seen.status}`);
const samples: number[] = [];
for (let k = 0; k < 5; k++) {
  const before = process.cpuUsage();
  await run(N / 5);
  const used = process.cpuUsage(before);
  samples.push((used.user + used.system) / (N / 5));
}
samples.sort((a, b) => a - b);
console.log(JSON.stringify({ name, scenario, cpu: samples[2], writes: stats.writes, body: String(seen.body), vary: seen.headers.vary ?? seen.headers.Vary ?? null }));
