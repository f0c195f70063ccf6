/**
 * The middleware alone, without sockets: express-session and the unsession adapter on the same fake Node
 * request/response, for a returning visitor who reads the session and for one who changes it.
 * Run: `npx tsx test/adapters/express/middleware-bench.ts` (not part of the test suite).
 * @module
 */
import { IncomingMessage, ServerResponse } from "node:http";
import { Socket } from "node:net";
import expressSession from "express-session";
import { Bench } from "tinybench";
import session from "../../../adapters/express/index.ts";
import { SECRET } from "./helpers.ts";

type Middleware = (req: any, res: any, next: (err?: unknown) => void) => void;

/** One request through the middleware; resolves when the response has ended. */
function once(mw: Middleware, cookie: string | undefined, handler: (req: any) => void): Promise<string | undefined> {
  const req: any = new IncomingMessage(new Socket());
  req.url = "/";
  req.method = "GET";
  req.headers = cookie ? { cookie } : {};
  const res: any = new ServerResponse(req);
  // No socket: the bytes go nowhere, and "finish" fires once Node has really ended the response.
  res._writeRaw = (_data: unknown, encoding: unknown, callback?: () => void) => {
    (typeof encoding === "function" ? (encoding as () => void) : callback)?.();
    return true;
  };
  return new Promise((resolve, reject) => {
    res.on("finish", () => {
      const header = res.getHeader("set-cookie");
      resolve(Array.isArray(header) ? header[0] : header);
    });
    mw(req, res, (err) => {
      if (err) return reject(err);
      handler(req);
      res.end("ok");
    });
  });
}

async function suite(label: string, mw: Middleware, bench: Bench) {
  const setCookie = await once(mw, undefined, (req) => (req.session.user = "ann"));
  const cookie = String(setCookie).split(";")[0]!;
  // Make sure the benchmark measures a returning visitor, not a new session each time.
  let seen: unknown;
  await once(mw, cookie, (req) => (seen = req.session.user));
  if (seen !== "ann") throw new Error(`${label}: the session cookie was not honoured`);
  bench.add(`${label}: read`, () => once(mw, cookie, (req) => void req.session.user));
  bench.add(`${label}: write`, () => once(mw, cookie, (req) => (req.session.n = (req.session.n ?? 0) + 1)));
}

const options = { secret: SECRET, resave: false, saveUninitialized: false };
const bench = new Bench({ time: 1500, warmup: true });
await suite("express-session", expressSession(options) as Middleware, bench);
await suite("unsession/express", session(options) as Middleware, bench);
await bench.run();
console.table(bench.table());
