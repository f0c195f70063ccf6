/**
 * How much does building a `Request` per call cost the Express adapter, against handing the core a `RequestLike`?
 * Run: `npx tsx test/adapters/express/requestlike-bench.ts` (not part of the test suite).
 * @module
 */
import { Bench } from "tinybench";
import { createSessions } from "../../../src/index.ts";
import { SECRET } from "./helpers.ts";

const sessions = createSessions({ secret: SECRET, name: "connect.sid" });
// A stored session and its cookie, as a returning browser sends it.
const first = await sessions.load({ cookie: null, secure: false });
first.data.user = "ann";
const setCookie = (await sessions.commit(first))!;
const cookie = `theme=dark; ${setCookie.split(";")[0]}; _ga=GA1.2.3`;
// What a Node IncomingMessage offers.
const req = { url: "/account?tab=1", headers: { host: "127.0.0.1:3000", cookie, accept: "text/html", "user-agent": "bench" }, socket: { encrypted: false } };

const check = async (s: { data: Record<string, unknown> }) => {
  if (s.data.user !== "ann") throw new Error("session not loaded");
};
await check(await sessions.load({ cookie, secure: false, path: "/account" }));

const bench = new Bench({ time: 1500, warmup: true });
bench
  .add("RequestLike { cookie, secure, forwardedProto, path }", async () => {
    const s = sessions.loadFast({ cookie: req.headers.cookie, secure: req.socket.encrypted, forwardedProto: null, path: req.url.split("?")[0] });
    if (s instanceof Promise) await s;
  })
  .add("new Request(url, { headers }) from the Node request", async () => {
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) headers.set(k, v);
    const request = new Request(`http://${req.headers.host}${req.url}`, { headers });
    const s = sessions.loadFast(request);
    if (s instanceof Promise) await s;
  })
  .add("new Request(url, { headers: { cookie } }) (cookie header only)", async () => {
    const request = new Request(`http://${req.headers.host}${req.url}`, { headers: { cookie: req.headers.cookie } });
    const s = sessions.loadFast(request);
    if (s instanceof Promise) await s;
  });
await bench.run();
console.table(bench.table());
