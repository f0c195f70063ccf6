/**
 * Faults through the Express adapter: a save that fails or hangs never breaks the keep-alive connection for the
 * next request, and a poisoned record (too deep, not an object, broken JSON) never hangs a request nor crashes
 * the process.
 */
import { Agent, request as httpRequest } from "node:http";
import express from "express";
import { afterEach, describe, expect, it } from "vitest";
import session, { MemoryStore } from "../../../adapters/express/index.ts";
import { listen, type Listening } from "./helpers.ts";

const servers: Listening[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** GET over one shared keep-alive socket; resolves with status, body and any socket error. */
function get(agent: Agent, url: string, cookie?: string): Promise<{ status: number; body: string; setCookie?: string[]; error?: string }> {
  return new Promise((resolve) => {
    const req = httpRequest(url, { agent, headers: cookie ? { cookie } : {} }, (res) => {
      let body = "";
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, body, setCookie: res.headers["set-cookie"] }));
    });
    req.on("error", (error: NodeJS.ErrnoException) => resolve({ status: 0, body: "", error: error.code ?? error.message }));
    req.end();
  });
}

async function app(store: MemoryStore, options: Record<string, unknown> = {}) {
  const a = express();
  const errors: unknown[] = [];
  a.use(session({ secret: "keyboard cat", store, resave: false, saveUninitialized: false, storeTimeout: 200, ...options }));
  a.get("/login", (req: any, res: any) => {
    req.session.user = "ann";
    res.send("in");
  });
  a.get("/me", (req: any, res: any) => res.send(String(req.session.user ?? "anonymous")));
  a.use((err: any, _req: any, res: any, next: any) => {
    errors.push(err);
    if (res.headersSent) return next(err); // Express's final handler: what most apps end with
    res.status(500).send(String(err.code ?? err.message));
  });
  const l = await listen(a);
  servers.push(l);
  return { url: l.url, errors };
}

describe("express: faults", () => {
  it("a save that hangs past storeTimeout answers, reports the error, and the next request on the same connection works", async () => {
    const store = new MemoryStore();
    const { url, errors } = await app(store);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    let hang = true;
    const set = store.set.bind(store);
    store.set = (sid: string, sess: any, cb?: any) => (hang ? undefined : set(sid, sess, cb));
    for (let i = 0; i < 5; i++) {
      const failed = await get(agent, `${url}/login`);
      expect(failed.status).toBe(200);
      // No cookie for an ID that was never saved.
      expect(failed.setCookie ?? []).toHaveLength(0);
      const next = await get(agent, `${url}/me`);
      expect(next.error).toBeUndefined();
      expect(next.body).toBe("anonymous");
    }
    expect(errors.length).toBeGreaterThanOrEqual(5);
    expect((errors[0] as { code?: string }).code).toBe("ERR_STORE_TIMEOUT");
    hang = false;
    const ok = await get(agent, `${url}/login`);
    expect(ok.setCookie?.[0]).toMatch(/^connect\.sid=/);
    agent.destroy();
  });

  const poisoned: Array<[string, (sid: string, store: MemoryStore) => void]> = [
    ["nesting 5,000 levels deep", (sid, store) => {
      const deep = '{"d":'.repeat(5000) + '"x"' + "}".repeat(5000);
      (store as any).coreStore().set(sid, `{"cookie":{"originalMaxAge":null,"expires":null},"deep":${deep}}`, 60);
    }],
    ["not an object", (sid, store) => (store as any).coreStore().set(sid, "42", 60)],
    ["an array", (sid, store) => (store as any).coreStore().set(sid, "[1,2]", 60)],
    ["broken JSON", (sid, store) => (store as any).coreStore().set(sid, '{"cookie":{', 60)],
  ];
  for (const [name, poison] of poisoned) {
    it(`a stored record ${name}: an answer, never a hang or a crash, and log-in works after it`, async () => {
      const store = new MemoryStore();
      const { url } = await app(store);
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const login = await get(agent, `${url}/login`);
      const cookie = login.setCookie![0]!.split(";")[0]!;
      const sid = decodeURIComponent(cookie.split("=")[1]!).slice(2).split(".")[0]!;
      poison(sid, store);
      const first = await get(agent, `${url}/me`, cookie);
      // express-session gives an error here; we answer ERR_STORE_DATA once, or a fresh anonymous session.
      expect([200, 500]).toContain(first.status);
      if (first.status === 500) expect(first.body).toBe("ERR_STORE_DATA");
      else expect(first.body).toBe("anonymous");
      // Never a lock-out: the poisoned record is gone, the user can sign in again with the same browser.
      const again = await get(agent, `${url}/me`, cookie);
      expect(again.status).toBe(200);
      expect(again.body).toBe("anonymous");
      const relogin = await get(agent, `${url}/login`, cookie);
      expect(relogin.status).toBe(200);
      agent.destroy();
    }, 20_000);
  }
});
