/** The Hono middleware's `sessions(c)`: the manager behind it, for user-level operations (list, revoke). */
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { session, type SessionEnv } from "../../adapters/hono.ts";
import { memoryStore } from "../../src/index.ts";

const secret = "hono-manager-test-secret-0123456789abcdef";
type Data = { user?: string };

function shop(options: Parameters<typeof session<Data>>[0]) {
  const sessions = session<Data>(options);
  const app = new Hono<SessionEnv<Data>>();
  app.use(sessions);
  app.post("/login", async (c) => {
    const s = c.get("session");
    await s.regenerate();
    s.setUser("ada");
    s.data.user = "ada";
    return c.text("in");
  });
  app.get("/me", (c) => c.text(c.get("session").data.user ?? "anonymous"));
  app.get("/devices", async (c) => c.json(await sessions.sessions(c).listUserSessions("ada", c.get("session"))));
  app.post("/others/revoke", async (c) => c.text(String(await sessions.sessions(c).revokeUser("ada", { except: c.get("session") }))));
  const cookieOf = (r: Response) => r.headers.get("set-cookie")!.split(";")[0]!;
  const login = async () => cookieOf(await app.request("/login", { method: "POST" }));
  const get = (path: string, cookie: string, method = "GET") => app.request(path, { method, headers: { cookie } });
  return { app, sessions, login, get };
}

describe("hono adapter: the manager behind the middleware", () => {
  it("lists and revokes a user's sessions through sessions(c), with fixed options", async () => {
    const { sessions, login, get } = shop({ secret });
    const a = await login();
    const b = await login();
    const list = (await (await get("/devices", a)).json()) as { sid: string; current: boolean }[];
    expect(list).toHaveLength(2);
    expect(list.filter((x) => x.current)).toHaveLength(1);
    expect(await (await get("/others/revoke", a, "POST")).text()).toBe("1");
    expect(await (await get("/me", b)).text()).toBe("anonymous");
    expect(await (await get("/me", a)).text()).toBe("ada");
    expect(sessions.sessions()).toBe(sessions.sessions());
  });

  it("resolves options given as a function of the context, and asks for the context without it", async () => {
    const store = memoryStore();
    const { sessions, login, get } = shop(() => ({ secret, store }));
    const a = await login();
    await login();
    expect(((await (await get("/devices", a)).json()) as unknown[]).length).toBe(2);
    expect(() => sessions.sessions()).toThrow(/call sessions\(c\) with the request's context/);
  });
});
