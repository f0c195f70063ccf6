/**
 * The conformance suite's concurrency section, for stores with the atomic `merge` capability: no update lost among
 * concurrent requests on two instances, a logout racing with merges stays a logout, no per-user index entry lost.
 * @module
 */
import type { ConformanceApi, StoreHandle } from "./testing.ts";
import type { SessionOptions } from "./options.ts";
import type { Session } from "./session.ts";
import type { Sessions } from "./sessions.ts";
import type { MaybePromise } from "./types.ts";
import { Agent, randomText, sleep } from "./testing-agent.ts";

/** @internal What the section needs from the suite. */
export interface ConcurrencyContext {
  it: ConformanceApi["it"];
  expect: ConformanceApi["expect"];
  withSessions(fn: (make: (extra?: Partial<SessionOptions>, handle?: StoreHandle) => Sessions, open: () => Promise<StoreHandle>) => Promise<void>): Promise<void>;
  prefix: string;
  rounds: number;
}

/** @internal Registers the section's tests. */
export function registerConcurrency({ it, expect, withSessions, prefix, rounds }: ConcurrencyContext): void {
  /** Loads `count` requests on one cookie, spread over `instances`; each runs `fn` once all have loaded (a barrier). */
  const concurrent = async (instances: Sessions[], cookie: string, count: number, fn: (session: Session, i: number) => MaybePromise<void>): Promise<number[]> => {
    let loaded = 0;
    let release!: () => void;
    const all = new Promise<void>((resolve) => (release = resolve));
    const statuses = await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const handler = instances[i % instances.length]!.wrap(async (_request, session) => {
          if (++loaded === count) release();
          await all;
          await sleep(Math.random() * 20); // the handler awaits I/O before it changes the session
          await fn(session, i);
          return new Response("ok");
        });
        const response = await handler(new Request("http://127.0.0.1/", { headers: { cookie } }));
        await response.body?.cancel();
        return response.status;
      }),
    );
    return statuses;
  };

    it("atomic merge: the store applies a patch to the record as stored and never recreates a missing one", () =>
      withSessions(async (make) => {
        const store = make().store;
        expect(typeof store.merge).toBe("function");
        const key = `${prefix}merge-${randomText(9).replace(/[^A-Za-z0-9]/g, "x")}`;
        await store.set(key, JSON.stringify({ cookie: { originalMaxAge: null, expires: null }, keep: [1, "ü"], drop: 1, change: 1 }), 60);
        const merged = await store.merge!(key, { set: { change: "2", added: '{"n":[]}' }, unset: ["drop"] }, 60);
        const expected = { cookie: { originalMaxAge: null, expires: null }, keep: [1, "ü"], change: 2, added: { n: [] } };
        expect(JSON.parse(merged!)).toEqual(expected);
        const raw = await store.get(key);
        expect(typeof raw === "string" ? JSON.parse(raw) : raw).toEqual(expected);
        await store.delete(key);
        expect(await store.merge!(key, { set: { a: "1" }, unset: [] }, 60)).toBeNull();
        const after = await store.get(key);
        expect(after === null || after === undefined).toBe(true);
        expect(JSON.parse((await store.merge!(key, { set: { a: "1" }, unset: [], create: true }, 60))!)).toEqual({ a: 1 });
        await store.delete(key);
      }));

    it(`atomic merge: 50 concurrent requests on two instances, each setting its own key, lose none (${rounds} rounds)`, () =>
      withSessions(async (make, open) => {
        const one = make({ commitMode: "merge" });
        const two = make({ commitMode: "merge" }, await open());
        for (let round = 0; round < rounds; round++) {
          const agent = new Agent(one);
          await agent.run((s) => void (s.data.start = round));
          const statuses = await concurrent([one, two], agent.cookie, 50, (s, i) => void (s.data[`k${i}`] = i));
          expect(statuses.filter((status) => status !== 200)).toEqual([]);
          const data = (await agent.run((s) => s.data)).body as Record<string, unknown>;
          const lost = Array.from({ length: 50 }, (_, i) => `k${i}`).filter((key, i) => data[key] !== i);
          expect(lost).toEqual([]);
          expect(data.start).toBe(round);
          await agent.run((s) => s.destroy());
        }
      }), 60_000);

    it(`atomic merge: a logout racing with merges on another instance is never undone (${rounds} rounds)`, () =>
      withSessions(async (make, open) => {
        const one = make({ commitMode: "merge" });
        const two = make({ commitMode: "merge" }, await open());
        const observer = make({ commitMode: "merge" }, await open());
        for (let round = 0; round < rounds; round++) {
          const agent = new Agent(one);
          await agent.run((s) => void (s.data.user = "ada"));
          const key = one.options.prefix + agent.id;
          const logout = new Agent(two);
          logout.cookie = agent.cookie;
          const [statuses] = await Promise.all([
            concurrent([one], agent.cookie, 20, (s, i) => void (s.data[`k${i}`] = i)),
            sleep(5 + round * 5).then(() => logout.run((s) => s.destroy())),
          ]);
          expect(statuses.filter((status) => status !== 200)).toEqual([]);
          const watcher = new Agent(observer);
          watcher.cookie = agent.cookie;
          expect((await watcher.run((s) => ({ isNew: s.isNew, data: s.data }))).body).toEqual({ isNew: true, data: {} });
          const raw = await observer.store.get(key);
          expect(raw === null || raw === undefined).toBe(true);
        }
      }), 60_000);

    it("atomic merge: 20 concurrent log-ins of one user on two instances lose no index entry; revokeUser ends them all", () =>
      withSessions(async (make, open) => {
        const one = make({ commitMode: "merge" });
        const two = make({ commitMode: "merge" }, await open());
        const user = `user-${randomText(6).replace(/[^A-Za-z0-9]/g, "x")}`;
        const agents = Array.from({ length: 20 }, (_, i) => new Agent(i % 2 ? two : one));
        await Promise.all(agents.map((agent) => agent.run(async (s) => {
          await sleep(Math.random() * 10);
          s.data.name = "ada";
          s.setUser(user);
        })));
        expect((await one.listUserSessions(user)).length).toBe(20);
        expect(await two.revokeUser(user)).toBe(20);
        for (const agent of agents) expect((await agent.run((s) => s.isNew)).body).toBe(true);
        expect((await one.listUserSessions(user)).length).toBe(0);
      }), 60_000);
  }
