/**
 * express-session against the unsession Express adapter on the same Express app and MemoryStore-style store:
 * a returning visitor who only reads the session, and one who changes it on every request.
 * Run: `npx tsx test/adapters/express/http-bench.ts` (not part of the test suite; numbers depend on the machine).
 * @module
 */
import { createRequire } from "node:module";
import express from "express";
import expressSession from "express-session";
import session from "../../../adapters/express/index.ts";
import { listen, SECRET, cookieOf } from "./helpers.ts";

// autocannon ships no type declarations.
const autocannon: (options: Record<string, unknown>) => Promise<any> = createRequire(import.meta.url)("autocannon");
const DURATION = Number(process.env.DURATION ?? 4);

async function measure(label: string, middleware: any) {
  const app = express();
  app.use(middleware);
  app.get("/read", (req: any, res) => res.send(`hello ${req.session.user ?? "anon"}`));
  app.get("/write", (req: any, res) => {
    req.session.n = (req.session.n ?? 0) + 1;
    res.send(String(req.session.n));
  });
  app.get("/login", (req: any, res) => {
    req.session.user = "ann";
    res.send("ok");
  });
  const server = await listen(app);
  const cookie = cookieOf(await fetch(server.url + "/login"))!;
  const row: Record<string, number | string> = { middleware: label };
  for (const path of ["/read", "/write"]) {
    const result = await autocannon({ url: server.url + path, connections: 10, duration: DURATION, headers: { cookie } });
    row[`${path} req/s`] = Math.round(result.requests.average);
    row[`${path} p99 ms`] = result.latency.p99;
    if (result.non2xx || result.errors) throw new Error(`${label} ${path}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  }
  await server.close();
  return row;
}

const options = { secret: SECRET, resave: false, saveUninitialized: false };
// Interleaved rounds, so that a noisy neighbour or JIT warm-up does not favour one side.
const ROUNDS = Number(process.env.ROUNDS ?? 2);
const rows = [];
for (let round = 0; round < ROUNDS; round++) {
  const pair = [
    () => measure("express-session 1.19 (MemoryStore)", expressSession(options)),
    () => measure("unsession/express (MemoryStore)", session(options)),
  ];
  if (round % 2 === 1) pair.reverse();
  for (const run of pair) rows.push(await run());
}
console.table(rows);
