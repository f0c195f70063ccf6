/**
 * The store conformance suite: run it against your own storage to check that sessions live there correctly.
 * It imports no test runner: pass yours (`vitest`, `node:test` wrappers, `bun:test`, Deno's BDD module).
 *
 * ```ts
 * import { describe, expect, it } from "vitest";
 * import { createStorage } from "unstorage";
 * import redisDriver from "unstorage/drivers/redis";
 * import { runStoreConformance } from "unsession/testing";
 *
 * runStoreConformance("redis", {
 *   open: () => {
 *     const storage = createStorage({ driver: redisDriver({ url: process.env.REDIS_URL }) });
 *     return { storage, close: () => storage.dispose() };
 *   },
 *   expiry: "store",
 * }, { describe, it, expect });
 * ```
 * @module
 */
import { createSessions } from "./manager.ts";
import type { Sessions } from "./sessions.ts";
import type { SessionOptions } from "./options.ts";
import type { MaybePromise, SessionStore, StorageLike } from "./types.ts";
import { Agent, randomText, SECRET, sleep } from "./testing-agent.ts";
import { registerConcurrency } from "./testing-concurrency.ts";

/** The assertions the suite uses; `vitest`'s and `bun:test`'s `expect` fit. */
export interface ConformanceExpect {
  (actual: unknown): {
    toBe(expected: unknown): void;
    toEqual(expected: unknown): void;
    toBeNull(): void;
    toBeTruthy(): void;
    toContain(expected: unknown): void;
    not: { toBe(expected: unknown): void; toBeNull(): void; toContain(expected: unknown): void };
  };
}

/** The test runner's functions, injected so that this module imports none. */
export interface ConformanceApi {
  /** The runner's `describe`. */
  describe(name: string, fn: () => void): void;
  /** The runner's `it` (or `test`). */
  it(name: string, fn: () => Promise<void>, timeout?: number): void;
  /** The runner's `expect`. */
  expect: ConformanceExpect;
}

/** One handle on the storage under test. */
export interface StoreHandle {
  /** An unstorage `Storage`… */
  storage?: StorageLike;
  /** …or a `SessionStore` (wins over `storage`). */
  store?: SessionStore;
  /** Releases the handle (connections, clients). */
  close?: () => MaybePromise<void>;
}

/** Options of `runStoreConformance`. */
export interface ConformanceOptions {
  /**
   * Opens a handle on the storage. Each call must reach the same data (a new client on the same server,
   * a new `createStorage` on the same directory, or the same in-memory object): two handles play two app instances.
   */
  open: () => MaybePromise<StoreHandle>;
  /**
   * `"store"`: the store itself stops returning a record after its TTL (Redis `EX`, `sqlStore`, `memoryStore`).
   * `"core"`: it does not (fs, plain memory driver); the core's own deadline check is then the only expiry, and removes the record on load.
   * @default "core"
   */
  expiry?: "store" | "core";
  /** Key prefix of the suite's records; a random part is added per test. @default "conformance:" */
  prefix?: string;
  /** Skips the tests that wait for real time to pass (about 5 s in all). @default false */
  skipSlow?: boolean;
  /**
   * The store claims the atomic `merge` capability: the concurrency section runs (no update lost among 50
   * concurrent requests on two instances, a logout racing with merges stays a logout, no per-user index entry lost
   * among concurrent log-ins). Its first test fails when the store has no `merge`. @default false
   */
  atomicMerge?: boolean;
  /** Rounds of each concurrency test. @default 3 */
  rounds?: number;
}

/**
 * Registers the conformance suite for one storage: CRUD, expiry, touch, regenerate, 100 KB sessions,
 * Unicode and binary-safe values, key prefixes, concurrent requests and two app instances on one storage.
 */
export function runStoreConformance(name: string, options: ConformanceOptions, api: ConformanceApi): void {
  const { describe, it, expect } = api;
  const coreOnly = (options.expiry ?? "core") === "core";
  const slow = options.skipSlow ? (title: string) => `${title} (skipped: skipSlow)` : (title: string) => title;

  /** Opens handles and managers for one test, and closes them all afterwards. */
  const withSessions = async (
    fn: (make: (extra?: Partial<SessionOptions>, handle?: StoreHandle) => Sessions, open: () => Promise<StoreHandle>) => Promise<void>,
  ): Promise<void> => {
    const handles: StoreHandle[] = [];
    const open = async () => {
      const handle = await options.open();
      handles.push(handle);
      return handle;
    };
    const first = await open();
    const prefix = `${options.prefix ?? "conformance:"}${randomText(6).replace(/[^A-Za-z0-9]/g, "x")}:`;
    const make = (extra: Partial<SessionOptions> = {}, handle: StoreHandle = first): Sessions =>
      createSessions({ secret: SECRET, prefix, storage: handle.storage, store: handle.store, ...extra });
    try {
      await fn(make, open);
    } finally {
      for (const handle of handles) await handle.close?.();
    }
  };

  /** Polls the raw store until `key` reads as missing (a removal the core hands off may land a moment later). */
  const gone = async (sessions: Sessions, key: string): Promise<boolean> => {
    for (let i = 0; i < 50; i++) {
      const raw = await sessions.store.get(key);
      if (raw === null || raw === undefined) return true;
      await sleep(20);
    }
    return false;
  };

  describe(`store conformance: ${name}`, () => {
    it("creates, reads, updates and destroys a session", () =>
      withSessions(async (make) => {
        const sessions = make();
        const agent = new Agent(sessions);
        const created = await agent.run((s) => {
          s.data.user = "ada";
          return s.isNew;
        });
        expect(created.body).toBe(true);
        expect(agent.cookie).toContain("sid=");
        const key = sessions.options.prefix + agent.id;
        expect(await sessions.store.get(key)).not.toBeNull();
        expect((await agent.run((s) => ({ data: s.data, isNew: s.isNew }))).body).toEqual({ data: { user: "ada" }, isNew: false });
        await agent.run((s) => {
          s.data.cart = ["apple"];
          delete s.data.user;
        });
        expect((await agent.run((s) => s.data)).body).toEqual({ cart: ["apple"] });
        const cookie = agent.cookie;
        const destroyed = await agent.run((s) => s.destroy());
        expect(destroyed.setCookie).toContain("sid=;");
        expect(await gone(sessions, key)).toBe(true);
        agent.cookie = cookie; // a replayed cookie finds nothing
        expect((await agent.run((s) => ({ data: s.data, isNew: s.isNew }))).body).toEqual({ data: {}, isNew: true });
      }));

    it("stores nothing for a visitor whose session was never written", () =>
      withSessions(async (make) => {
        const agent = new Agent(make());
        const result = await agent.run((s) => s.data.user ?? null);
        expect(result.body).toBeNull();
        expect(result.setCookie).toBeNull();
      }));

    it("answers a missing key with null and deletes a missing key without error", () =>
      withSessions(async (make) => {
        const sessions = make();
        const key = `${sessions.options.prefix}missing-${randomText(9).replace(/[^A-Za-z0-9]/g, "x")}`;
        const raw = await sessions.store.get(key);
        expect(raw === null || raw === undefined).toBe(true);
        await sessions.store.delete(key);
      }));

    it(
      slow(`expires sessions after the idle timeout${coreOnly ? " (core deadline, record removed on load)" : " (core deadline and the store's TTL)"}, and touch extends it`),
      () =>
        withSessions(async (make) => {
          if (options.skipSlow) return;
          const sessions = make({ idleTimeout: 2, touchAfter: 0 });
          const idle = new Agent(sessions);
          const active = new Agent(sessions);
          await idle.run((s) => void (s.data.n = 1));
          const idleWritten = Date.now(); // its deadline is at most 2 s after this
          await active.run((s) => void (s.data.n = 2));
          const idleKey = sessions.options.prefix + idle.id;
          await sleep(Math.max(0, idleWritten + 1000 - Date.now()));
          const touched = await active.run((s) => {
            s.touch();
            return s.data.n;
          });
          expect(touched.body).toBe(2);
          // Past the idle session's deadline; about 1.1 s after the touch, well within the active one's new 2 s.
          await sleep(Math.max(0, idleWritten + 2100 - Date.now()));
          if (!coreOnly) {
            // The store's own TTL: the record is gone without any load.
            const raw = await sessions.store.get(idleKey);
            expect(raw === null || raw === undefined).toBe(true);
          }
          expect((await idle.run((s) => ({ data: s.data, isNew: s.isNew }))).body).toEqual({ data: {}, isNew: true });
          expect(await gone(sessions, idleKey)).toBe(true);
          expect((await active.run((s) => ({ data: s.data, isNew: s.isNew }))).body).toEqual({ data: { n: 2 }, isNew: false });
        }),
      20_000,
    );

    it(slow("expires a session at the absolute timeout even when it stays active"), () =>
      withSessions(async (make) => {
        if (options.skipSlow) return;
        const sessions = make({ idleTimeout: 60, absoluteTimeout: 2, touchAfter: 0 });
        const agent = new Agent(sessions);
        await agent.run((s) => void (s.data.n = 1));
        const created = Date.now(); // the session's creation time is earlier than this
        await sleep(700);
        expect((await agent.run((s) => ((s.data.n = 2), s.isNew))).body).toBe(false); // active, within the 2 s
        await sleep(Math.max(0, created + 2100 - Date.now()));
        expect((await agent.run((s) => s.isNew)).body).toBe(true);
      }),
      20_000,
    );

    it("regenerates: new ID, data kept on request, old record gone at once", () =>
      withSessions(async (make) => {
        const sessions = make();
        const agent = new Agent(sessions);
        await agent.run((s) => void (s.data.cart = ["pear"]));
        const oldCookie = agent.cookie;
        const oldKey = sessions.options.prefix + agent.id;
        await agent.run(async (s) => {
          await s.regenerate({ keepData: true });
          s.data.user = "ada";
        });
        expect(agent.cookie).not.toBe(oldCookie);
        expect(await gone(sessions, oldKey)).toBe(true);
        expect((await agent.run((s) => s.data)).body).toEqual({ cart: ["pear"], user: "ada" });
        const replay = new Agent(sessions);
        replay.cookie = oldCookie;
        expect((await replay.run((s) => ({ data: s.data, isNew: s.isNew }))).body).toEqual({ data: {}, isNew: true });
      }));

    it("hashIds: keeps the record under a hash of the ID, never under the ID itself", () =>
      withSessions(async (make) => {
        const sessions = make({ hashIds: true });
        const agent = new Agent(sessions);
        await agent.run((s) => void (s.data.user = "ada"));
        const raw = await sessions.store.get(sessions.options.prefix + agent.id);
        expect(raw === null || raw === undefined).toBe(true);
        expect((await agent.run((s) => s.data)).body).toEqual({ user: "ada" });
        await agent.run((s) => s.destroy());
        expect((await agent.run((s) => s.isNew)).body).toBe(true);
      }));

    it("stores and reads back a 100 KB session", () =>
      withSessions(async (make) => {
        const agent = new Agent(make());
        const blob = randomText(75 * 1024); // 100 KB of base64
        await agent.run((s) => void (s.data.blob = blob));
        const back = await agent.run((s) => s.data.blob);
        expect((back.body as string).length).toBe(blob.length);
        expect(back.body).toBe(blob);
      }));

    it("keeps Unicode and binary-safe values exactly", () =>
      withSessions(async (make) => {
        const agent = new Agent(make());
        const values = {
          emoji: "🍐🛒 👩🏽‍💻",
          scripts: "Grüße · 日本語 · עברית · العربية · Ελληνικά",
          controls: "tab\tnewline\nnul\u0000quote\"backslash\\",
          // JSON escapes lone surrogates (well-formed JSON.stringify), so they survive like any other character.
          loneSurrogates: "\ud800 and \udfff",
          base64: randomText(512),
          numbers: [0, -1, 1.5, 1e21, Number.MAX_SAFE_INTEGER],
          nested: { "ключ ✓": [true, false, null, { deep: "é" }] },
        };
        await agent.run((s) => void Object.assign(s.data, values));
        expect((await agent.run((s) => s.data)).body).toEqual(values);
      }));

    it("keeps two prefixes on one storage apart, even for the same ID", () =>
      withSessions(async (make) => {
        const id = `same-id-${randomText(24).replace(/[^A-Za-z0-9]/g, "x")}`;
        const a = make({ prefix: `${options.prefix ?? "conformance:"}a-${id.slice(-8)}:`, genid: () => id });
        const b = make({ prefix: `${options.prefix ?? "conformance:"}b-${id.slice(-8)}:`, genid: () => id });
        const agentA = new Agent(a);
        const agentB = new Agent(b);
        await agentA.run((s) => void (s.data.app = "a"));
        const crossed = new Agent(b);
        crossed.cookie = agentA.cookie; // the same signed ID, the other prefix
        expect((await crossed.run((s) => s.isNew)).body).toBe(true);
        await agentB.run((s) => void (s.data.app = "b"));
        expect(agentA.id).toBe(agentB.id);
        expect((await agentA.run((s) => s.data)).body).toEqual({ app: "a" });
        expect((await agentB.run((s) => s.data)).body).toEqual({ app: "b" });
        await agentA.run((s) => s.destroy());
        expect((await agentB.run((s) => s.data)).body).toEqual({ app: "b" });
      }));

    it("serves concurrent requests on one session without errors or a replaced session", () =>
      withSessions(async (make) => {
        const sessions = make();
        const agent = new Agent(sessions);
        await agent.run((s) => void (s.data.user = "ada"));
        const cookie = agent.cookie;
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => {
            const client = new Agent(sessions);
            client.cookie = cookie;
            return client.run(async (s) => {
              await sleep(i % 5);
              if (i % 2 === 0) s.data[`k${i}`] = i;
              return { user: s.data.user, id: s.id };
            });
          }),
        );
        for (const result of results) {
          expect(result.status).toBe(200);
          expect(result.body).toEqual({ user: "ada", id: agent.id });
        }
        const final = (await agent.run((s) => s.data)).body as Record<string, unknown>;
        expect(final.user).toBe("ada");
        for (const [key, value] of Object.entries(final)) if (key !== "user") expect(value).toBe(Number(key.slice(1)));
        expect(agent.cookie).toBe(cookie);
      }));

    it('commitMode "merge": two overlapping requests that change different keys both persist', () =>
      withSessions(async (make, open) => {
        const one = make({ commitMode: "merge" });
        const two = make({ commitMode: "merge" }, await open());
        const agent = new Agent(one);
        await agent.run((s) => void (s.data.user = "ada"));
        const request = () => new Request("http://127.0.0.1/", { headers: { cookie: agent.cookie } });
        const first = await one.load(request());
        const second = await two.load(request()); // both loaded before either commits
        first.data.theme = "dark";
        second.data.cart = ["mug"];
        delete second.data.user;
        await two.commit(second);
        await one.commit(first);
        expect((await agent.run((s) => s.data)).body).toEqual({ theme: "dark", cart: ["mug"] });
      }));

    if (options.atomicMerge) registerConcurrency({ it, expect, withSessions, prefix: options.prefix ?? "conformance:", rounds: options.rounds ?? 3 });

    it("shares sessions between two app instances on the same storage", () =>
      withSessions(async (make, open) => {
        const one = make();
        const two = make({}, await open());
        const onOne = new Agent(one);
        await onOne.run((s) => void (s.data.cart = ["fig"]));
        const onTwo = new Agent(two);
        onTwo.cookie = onOne.cookie;
        expect((await onTwo.run((s) => s.data)).body).toEqual({ cart: ["fig"] });
        await onTwo.run((s) => void (s.data.cart as string[]).push("plum"));
        expect((await onOne.run((s) => s.data)).body).toEqual({ cart: ["fig", "plum"] });
        await onTwo.run((s) => s.destroy());
        expect((await onOne.run((s) => s.isNew)).body).toBe(true);
      }));
  });
}
