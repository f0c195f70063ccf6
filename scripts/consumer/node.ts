/**
 * The Node side of the consumer: the Express adapter over real HTTP, then one run of every `web.ts` path.
 * Prints `consumer ok` when each path answered as expected.
 * @module
 */
import express from "express";
import type {} from "express-session"; // req.session typed as docs/express.md says
import type { AddressInfo } from "node:net";
import session from "unsession/express";
import { app, check, conformance, core, coreFetch, memoryKv, worker } from "./web.js";

declare module "express-session" {
  interface SessionData {
    userId?: string;
  }
}

const secret = "consumer-secret-0123456789abcdef-0123456789";
const cookieOf = (response: Response): string => (response.headers.get("set-cookie") ?? "").split(";")[0] ?? "";

// Core: log in, then come back with the cookie.
const login = await coreFetch(new Request("http://localhost/login"));
check(login.headers.get("set-cookie")?.startsWith("sid=") === true, "core sets a cookie at login");
const back = await coreFetch(new Request("http://localhost/", { headers: { cookie: cookieOf(login) } }));
check((await back.text()) === "user=ada cart=1", "core reads the session back");
check(core.options.name === "sid", "core options");

// Hono and Workers.
const hono = await app.request("/");
check((await hono.text()) === "hono user=hono" && cookieOf(hono).startsWith("sid="), "hono answers with a session");
const env = { SESSIONS: memoryKv(), SESSION_SECRET: secret };
const w = await worker.fetch(new Request("http://localhost/"), env, { waitUntil: () => {} });
check((await w.text()) === "worker user=worker" && cookieOf(w).startsWith("sid="), "worker answers with a session");

// Express over HTTP.
const server = express()
  .use(express.urlencoded({ extended: false }))
  .use(session({ secret, resave: false, saveUninitialized: false }))
  .post("/login", (req, res) => {
    req.session.userId = String(req.body?.user ?? "nobody");
    res.send("ok");
  })
  .get("/", (req, res) => void res.send(`express user=${req.session.userId ?? "-"}`))
  .listen(0, "127.0.0.1");
await new Promise((resolve) => server.once("listening", resolve));
try {
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const posted = await fetch(`${base}/login`, { method: "POST", body: new URLSearchParams({ user: "grace" }) });
  check(posted.status === 200 && cookieOf(posted).startsWith("connect.sid="), "express sets a cookie at login");
  const again = await fetch(`${base}/`, { headers: { cookie: cookieOf(posted) } });
  check((await again.text()) === "express user=grace", "express reads the session back");
} finally {
  server.close();
}

const tests = await conformance();
check(tests > 5, `the conformance suite ran (${tests} tests)`);
console.log(`consumer ok (conformance: ${tests} tests)`);
