import { createStorage } from "unstorage";
import memoryDriver from "unstorage/drivers/memory";
import { describe, expect, it } from "vitest";
import { createSessions, type SessionEvent } from "../../src/index.ts";

const secret = "security-extras-secret-of-32-chars-or-more";
const cookieOf = (response: Response): string => response.headers.get("set-cookie")!.split(";")[0]!;
const idOf = (cookie: string): string => decodeURIComponent(cookie.split("=")[1]!).slice(2).split(".")[0]!;

function app(options: Parameters<typeof createSessions>[0]) {
  const sessions = createSessions<{ user?: string; n?: number }>(options);
  const handler = sessions.wrap(async (request, session) => {
    const url = new URL(request.url);
    if (url.pathname === "/login") {
      await session.regenerate();
      const user = url.searchParams.get("user")!;
      session.data.user = user;
      session.setUser(user);
      return new Response("in");
    }
    if (url.pathname === "/inc") session.data.n = (session.data.n ?? 0) + 1;
    return new Response(session.data.user ? `${session.data.user}:${session.data.n ?? 0}` : "anonymous");
  });
  const get = (path: string, cookie?: string) =>
    handler(new Request(`http://127.0.0.1${path}`, { headers: cookie ? { cookie } : {} }));
  return { sessions, get };
}

describe("revocation by user (checklist 17)", () => {
  it("lists a user's sessions without raw IDs and ends them all except the current one", async () => {
    const storage = createStorage({ driver: memoryDriver() });
    const { sessions, get } = app({ secret, storage });
    const a = cookieOf(await get("/login?user=alice"));
    const b = cookieOf(await get("/login?user=alice"));
    const c = cookieOf(await get("/login?user=alice"));
    const bob = cookieOf(await get("/login?user=bob"));
    const current = await sessions.load(new Request("http://127.0.0.1/", { headers: { cookie: c } }));
    const list = await sessions.listUserSessions("alice", current);
    expect(list).toHaveLength(3);
    expect(list.filter((x) => x.current)).toHaveLength(1);
    for (const entry of list) {
      for (const cookie of [a, b, c]) expect(entry.sid).not.toContain(idOf(cookie));
      expect(entry.expiresAt.getTime()).toBeGreaterThan(Date.now());
    }
    expect(await sessions.revokeUser("alice", { except: current })).toBe(2);
    expect(await (await get("/", a)).text()).toBe("anonymous");
    expect(await (await get("/", b)).text()).toBe("anonymous");
    expect(await (await get("/", c)).text()).toBe("alice:0");
    expect(await (await get("/", bob)).text()).toBe("bob:0");
    expect(await sessions.listUserSessions("alice")).toHaveLength(1);
    expect(await sessions.revokeUser("alice")).toBe(1);
    expect(await (await get("/", c)).text()).toBe("anonymous");
  });

  it("prunes sessions that ended by logout from the listing", async () => {
    const { sessions, get } = app({ secret });
    const a = cookieOf(await get("/login?user=carol"));
    cookieOf(await get("/login?user=carol"));
    const session = await sessions.load(new Request("http://127.0.0.1/", { headers: { cookie: a } }));
    await session.destroy();
    expect(await sessions.listUserSessions("carol")).toHaveLength(1);
  });
});

describe("hashed IDs at rest (checklist 22)", () => {
  it("stores records under a hash of the ID, so store keys are not usable IDs", async () => {
    const storage = createStorage({ driver: memoryDriver() });
    const { get } = app({ secret, storage, hashIds: true });
    const cookie = cookieOf(await get("/login?user=dave"));
    const keys = await storage.getKeys();
    const records = keys.filter((k) => k.startsWith("sess:"));
    expect(records).toHaveLength(1);
    expect(records[0]).not.toContain(idOf(cookie));
    // Neither the keys nor anything stored (the user index included) holds the raw ID.
    for (const key of keys) expect(String(await storage.getItemRaw(key))).not.toContain(idOf(cookie));
    expect(await (await get("/inc", cookie)).text()).toBe("dave:1");
  });

  it("migrate mode reads records stored under raw IDs and moves them under the hash", async () => {
    const storage = createStorage({ driver: memoryDriver() });
    const before = app({ secret, storage });
    const cookie = cookieOf(await before.get("/login?user=erin"));
    const id = idOf(cookie);
    expect(await storage.hasItem(`sess:${id}`)).toBe(true);
    const strict = app({ secret, storage, hashIds: true });
    expect(await (await strict.get("/", cookie)).text()).toBe("anonymous");
    const migrating = app({ secret, storage, hashIds: "migrate" });
    expect(await (await migrating.get("/", cookie)).text()).toBe("erin:0");
    expect(await storage.hasItem(`sess:${id}`)).toBe(false);
    expect(await (await strict.get("/inc", cookie)).text()).toBe("erin:1");
  });
});

describe("ID renewal with a grace window (checklist 16)", () => {
  it("rotates the ID after renewAfter and keeps the old ID working during the grace window", async () => {
    const storage = createStorage({ driver: memoryDriver() });
    const events: SessionEvent[] = [];
    const { get } = app({ secret, storage, renewAfter: 1, renewGrace: 5, onEvent: (e) => events.push(e) });
    const old = cookieOf(await get("/login?user=frank"));
    await new Promise((r) => setTimeout(r, 1100));
    const renewedResponse = await get("/inc", old);
    expect(await renewedResponse.text()).toBe("frank:1");
    const fresh = cookieOf(renewedResponse);
    expect(idOf(fresh)).not.toBe(idOf(old));
    // A request in flight with the old cookie lands on the renewed session and learns the new cookie.
    const inFlight = await get("/inc", old);
    expect(await inFlight.text()).toBe("frank:2");
    expect(idOf(cookieOf(inFlight))).toBe(idOf(fresh));
    expect(await (await get("/", fresh)).text()).toBe("frank:2");
    await new Promise((r) => setTimeout(r, 20));
    expect(events.some((e) => e.type === "renewed")).toBe(true);
  });

  it("the old ID stops working after the grace window", async () => {
    const { get } = app({ secret, renewAfter: 1, renewGrace: 1 });
    const old = cookieOf(await get("/login?user=gina"));
    await new Promise((r) => setTimeout(r, 1050));
    const fresh = cookieOf(await get("/", old));
    await new Promise((r) => setTimeout(r, 1100));
    expect(await (await get("/", old)).text()).toBe("anonymous");
    expect(await (await get("/", fresh)).text()).toBe("gina:0");
  });
});

describe("several cookies of one name", () => {
  it("uses the first validly signed cookie, live or not: one store read at most (issue 13)", async () => {
    const { sessions, get } = app({ secret });
    const dead = cookieOf(await get("/login?user=hank"));
    const live = cookieOf(await get("/login?user=ivy"));
    expect(await (await get("/", `${dead}; ${live}`)).text()).toBe("hank:0");
    const session = await sessions.load(new Request("http://127.0.0.1/", { headers: { cookie: dead } }));
    await session.destroy();
    // The first cookie still verifies but names no session: the request is anonymous (it used to try the next
    // one, which let k copies of a dead cookie cost k reads).
    expect(await (await get("/", `${dead}; ${live}`)).text()).toBe("anonymous");
    expect(await (await get("/", `sid=forged; ${live}`)).text()).toBe("ivy:0");
    expect(await (await get("/", dead)).text()).toBe("anonymous");
  });
});
