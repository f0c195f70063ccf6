/**
 * Checklist items 33–36 under real interleaving: a slow request is held inside its handler (after its load,
 * before its commit) while other requests run to completion, against the memory store and Redis
 * (REDIS_URL, keys under a prefix unique to this run). "Two instances" means two managers on one store,
 * as two servers behind a load balancer: there, only `commitMode: "merge"` keeps item 33 and 35.
 */
import { createStorage } from "unstorage";
import redisDriver from "unstorage/drivers/redis";
import { afterAll, describe, expect, it } from "vitest";
import { createSessions, memoryStore, storageStore, type SessionOptions, type Sessions, type SessionStore } from "../../src/index.ts";
import { SECRET, idIn, pairOf } from "./harness.ts";

const redisUrl = process.env.REDIS_URL;
if (!redisUrl) console.warn("[unsession tests] REDIS_URL is not set: skipping the Redis concurrency tests (e.g. REDIS_URL=redis://127.0.0.1:6379)");
const runId = `${process.pid.toString(36)}${Date.now().toString(36)}`;

/** A store with write counts per key. */
interface Counted extends SessionStore {
  writesTo(key: string): number;
  peek(key: string): Promise<string | null>;
}

const counted = (inner: SessionStore): Counted => {
  const writes = new Map<string, number>();
  return {
    get: (key) => inner.get(key),
    set(key, value, ttl) {
      writes.set(key, (writes.get(key) ?? 0) + 1);
      return inner.set(key, value, ttl);
    },
    delete: (key) => inner.delete(key),
    writesTo: (key) => writes.get(key) ?? 0,
    peek: async (key) => {
      const v = await inner.get(key);
      return v === null || v === undefined ? null : typeof v === "string" ? v : JSON.stringify(v);
    },
  };
};

type Data = { user?: string; x?: string; y?: string; n?: number };

/** A gate: a promise the test opens when it wants the held request to go on. */
const gate = () => {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
};

/** One app instance on a store. `/hold?…` waits for the gate passed in `holds` before acting. */
function instance(store: SessionStore, options: Partial<SessionOptions> = {}) {
  const sessions: Sessions<Data> = createSessions<Data>({ secret: SECRET, store, ...options });
  const holds = new Map<string, Promise<void>>();
  const handler = sessions.wrap(async (request, session) => {
    const url = new URL(request.url);
    const q = url.searchParams;
    const hold = q.get("hold");
    if (hold) await holds.get(hold);
    const action = url.pathname;
    if (action === "/login") {
      await session.regenerate({ keepData: q.get("keep") === "1" });
      session.data.user = q.get("user") ?? "alice";
    } else if (action === "/logout") {
      await session.destroy();
    } else if (action === "/set") {
      (session.data as Record<string, unknown>)[q.get("k")!] = q.get("v");
    } else if (action === "/touch") {
      session.touch();
    }
    return Response.json({ ...session.data, isNew: session.isNew });
  });
  const get = (path: string, cookie?: string | null) => handler(new Request(`http://127.0.0.1${path}`, { headers: cookie ? { cookie } : {} }));
  return { sessions, holds, get };
}

interface Backend {
  name: string;
  open(): Counted;
  key(id: string): string;
}

const backends: Backend[] = [{ name: "memory store", open: () => counted(memoryStore()), key: (id) => `sess:${id}` }];
const redisStorages: ReturnType<typeof createStorage>[] = [];
if (redisUrl) {
  backends.push({
    name: "redis",
    open: () => {
      const storage = createStorage({ driver: redisDriver({ url: redisUrl, base: `unsession-security-${runId}` }) });
      redisStorages.push(storage);
      return counted(storageStore(storage));
    },
    key: (id) => `sess:${id}`,
  });
}

afterAll(async () => {
  for (const storage of redisStorages) {
    await storage.clear(); // only this run's base
    await storage.dispose();
  }
});

for (const backend of backends) {
  describe(`concurrency (${backend.name})`, () => {
    describe("checklist 33: a logout is not undone by a slower request", () => {
      const cases: [string, Partial<SessionOptions>, boolean][] = [
        ["one instance (default commitMode)", {}, false],
        ["one instance, commitMode merge", { commitMode: "merge" }, false],
        ["two instances, commitMode merge", { commitMode: "merge" }, true],
      ];
      for (const [label, options, two] of cases) {
        it(`${label}: a slow request that changes data commits after the logout and writes nothing back`, async () => {
          const store = backend.open();
          const a = instance(store, options);
          const b = two ? instance(store, options) : a;
          const cookie = pairOf(await a.get("/login?user=alice"))!;
          const key = backend.key(idIn(cookie));
          const g = gate();
          a.holds.set("1", g.opened);
          const slow = a.get("/set?k=x&v=late&hold=1", cookie); // loaded before the logout
          await new Promise((r) => setTimeout(r, 20));
          const logout = await b.get("/logout", cookie);
          expect(logout.headers.get("set-cookie")).toMatch(/^sid=;/);
          g.open();
          await slow;
          expect(await store.peek(key)).toBeNull();
          expect(await (await a.get("/", cookie)).json()).toEqual({ isNew: true });
          expect(await (await b.get("/", cookie)).json()).toEqual({ isNew: true });
        });
      }

      it("a slow request that only reads (a touch is due) does not bring the record back", async () => {
        const store = backend.open();
        const a = instance(store, { touchAfter: 0 });
        const b = instance(store, { touchAfter: 0 });
        const cookie = pairOf(await a.get("/login?user=alice"))!;
        const g = gate();
        a.holds.set("1", g.opened);
        const slow = a.get("/touch?hold=1", cookie);
        await new Promise((r) => setTimeout(r, 20));
        await b.get("/logout", cookie);
        g.open();
        await slow;
        expect(await store.peek(backend.key(idIn(cookie)))).toBeNull();
      });
    });

    describe("checklist 34: a touch never rewrites stale data", () => {
      for (const two of [false, true]) {
        it(`${two ? "two instances" : "one instance"}: request 1 loads, request 2 sets x, request 1 ends unmodified with a touch due: x survives`, async () => {
          const store = backend.open();
          const a = instance(store, { touchAfter: 0 });
          const b = two ? instance(store, { touchAfter: 0 }) : a;
          const cookie = pairOf(await a.get("/login?user=alice"))!;
          const g = gate();
          a.holds.set("1", g.opened);
          const slow = a.get("/touch?hold=1", cookie);
          await new Promise((r) => setTimeout(r, 20));
          await b.get("/set?k=x&v=from-2", cookie);
          g.open();
          expect(await (await slow).json()).toEqual({ user: "alice", isNew: false }); // its own (older) view
          expect(await (await a.get("/", cookie)).json()).toEqual({ user: "alice", x: "from-2", isNew: false });
          expect(JSON.parse((await store.peek(backend.key(idIn(cookie))))!).x).toBe("from-2");
        });
      }

      it("commitMode merge: two requests changing different keys both keep their change", async () => {
        const store = backend.open();
        const a = instance(store, { commitMode: "merge" });
        const b = instance(store, { commitMode: "merge" });
        const cookie = pairOf(await a.get("/login?user=alice"))!;
        const g = gate();
        a.holds.set("1", g.opened);
        const slow = a.get("/set?k=y&v=from-1&hold=1", cookie);
        await new Promise((r) => setTimeout(r, 20));
        await b.get("/set?k=x&v=from-2", cookie);
        g.open();
        await slow;
        expect(await (await a.get("/", cookie)).json()).toEqual({ user: "alice", x: "from-2", y: "from-1", isNew: false });
      });
    });

    describe("checklist 35: after regenerate, the old ID never reappears", () => {
      const cases: [string, Partial<SessionOptions>, boolean, string][] = [
        ["one instance, a slow change", {}, false, "/set?k=x&v=late&hold=1"],
        ["one instance, a slow touch", { touchAfter: 0 }, false, "/touch?hold=1"],
        ["two instances (merge), a slow change", { commitMode: "merge" }, true, "/set?k=x&v=late&hold=1"],
        ["two instances, a slow touch", { touchAfter: 0 }, true, "/touch?hold=1"],
      ];
      for (const [label, options, two, path] of cases) {
        it(`${label}: the old key stays absent and the old cookie stays anonymous`, async () => {
          const store = backend.open();
          const a = instance(store, options);
          const b = two ? instance(store, options) : a;
          const before = pairOf(await a.get("/set?k=x&v=anon"))!;
          const g = gate();
          a.holds.set("1", g.opened);
          const slow = a.get(path, before);
          await new Promise((r) => setTimeout(r, 20));
          const after = pairOf(await b.get("/login?user=alice&keep=1", before))!;
          expect(idIn(after)).not.toBe(idIn(before));
          g.open();
          await slow;
          expect(await store.peek(backend.key(idIn(before)))).toBeNull();
          expect(await (await a.get("/", before)).json()).toEqual({ isNew: true });
          expect(await (await b.get("/", after)).json()).toMatchObject({ user: "alice", isNew: false });
        });
      }
    });

    describe("checklist 36: touch writes are throttled per session", () => {
      it("no touch write within touchAfter, sequential or concurrent; one write once it has passed", async () => {
        const store = backend.open();
        const a = instance(store, { idleTimeout: 600, touchAfter: 1 });
        const cookie = pairOf(await a.get("/login?user=alice"))!;
        const key = backend.key(idIn(cookie));
        const base = store.writesTo(key);
        for (let i = 0; i < 5; i++) await a.get("/", cookie);
        await Promise.all(Array.from({ length: 20 }, () => a.get("/", cookie)));
        expect(store.writesTo(key)).toBe(base);
        await new Promise((r) => setTimeout(r, 1100));
        // Twenty requests at once, all seeing a touch due: one write, not twenty (Cloudflare KV: 1 write/s per key).
        await Promise.all(Array.from({ length: 20 }, () => a.get("/", cookie)));
        await new Promise((r) => setTimeout(r, 20));
        expect(store.writesTo(key)).toBe(base + 1);
        for (let i = 0; i < 5; i++) await a.get("/", cookie);
        expect(store.writesTo(key)).toBe(base + 1);
      });
    });
  });
}
