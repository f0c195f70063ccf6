/**
 * Session data types as users write them: an `interface` is accepted everywhere a data type is taken
 * (core, Hono, Workers), keeps its typo checks, and an unstorage `Storage` fits the structural `StorageLike`.
 * The type assertions are checked by `npm run typecheck` (tsc covers test/): a regression fails CI there;
 * the runtime assertions below check the same calls behave.
 * @module
 */
import { Hono } from "hono";
import { createStorage } from "unstorage";
import { describe, expect, expectTypeOf, it } from "vitest";
import { withSession, type WorkerSessionFetch } from "../../adapters/cloudflare.ts";
import expressSession from "../../adapters/express/index.ts";
import { session as honoSession, type SessionEnv } from "../../adapters/hono.ts";
import { createSessions, storageStore, type Session, type SessionData, type Sessions, type SessionStore, type StorageLike } from "../../src/index.ts";
import { runStoreConformance, type StoreHandle } from "../../src/testing.ts";
import { SECRET } from "../helpers/spy-storage.ts";

/** Declared as most apps do: an interface, no index signature. */
interface Data {
  userId?: string;
  cart: string[];
}

describe("types: session data", () => {
  it("takes an interface as the data of createSessions, wrap, load and commit", async () => {
    const sessions = createSessions<Data>({ secret: SECRET });
    expectTypeOf(sessions).toEqualTypeOf<Sessions<Data>>();
    const handler = sessions.wrap((_request, session) => {
      expectTypeOf(session).toEqualTypeOf<Session<Data>>();
      expectTypeOf(session.data.userId).toEqualTypeOf<string | undefined>();
      expectTypeOf(session.data.cart).toEqualTypeOf<string[]>();
      session.data.userId = "ada";
      // @ts-expect-error typo checks: `userID` is not a key of Data
      session.data.userID = "ada";
      // @ts-expect-error value types are checked too
      session.data.cart = "tea";
      return new Response(session.data.userId);
    });
    const response = await handler(new Request("http://127.0.0.1/"));
    expect(await response.text()).toBe("ada");
    const session = await sessions.load(new Request("http://127.0.0.1/", { headers: { cookie: response.headers.get("set-cookie")!.split(";")[0]! } }));
    expect(session.data.userId).toBe("ada");
    expect(session.data.cart).toBe("tea"); // the runtime took what the type checker refused
  });

  it("keeps untyped data as Record<string, unknown> and refuses primitives as data", () => {
    const sessions = createSessions({ secret: SECRET });
    expectTypeOf(sessions).toEqualTypeOf<Sessions<SessionData>>();
    expectTypeOf<Session["data"]>().toEqualTypeOf<Record<string, unknown>>();
    // @ts-expect-error data is an object
    expect(() => createSessions<string>({ secret: "short" })).toThrow(/secret/);
  });

  it("takes an interface in Hono's SessionEnv and session(), and Workers' withSession", async () => {
    const app = new Hono<SessionEnv<Data>>();
    app.use(honoSession<Data>({ secret: SECRET }));
    app.get("/", (c) => {
      const data = c.get("session").data;
      expectTypeOf(data).toEqualTypeOf<Data>();
      // @ts-expect-error typo checks in Hono handlers
      data.userID = "x";
      data.userId = "hono";
      return c.text(data.userId);
    });
    expect(await (await app.request("/")).text()).toBe("hono");

    const fetch = withSession<Data, { SECRET: string }>(
      (_request, session) => {
        expectTypeOf(session.data).toEqualTypeOf<Data>();
        // @ts-expect-error typo checks in Workers handlers
        session.data.userID = "x";
        session.data.userId = "worker";
        return new Response(session.data.userId);
      },
      (env) => ({ secret: env.SECRET }),
    );
    expectTypeOf(fetch).toEqualTypeOf<WorkerSessionFetch<Data, { SECRET: string }>>();
    expect(await (await fetch(new Request("http://127.0.0.1/"), { SECRET }, { waitUntil: () => {} })).text()).toBe("worker");
  });
});

describe("types: StorageLike", () => {
  it("is what an unstorage Storage is, wherever a storage is taken", async () => {
    const storage = createStorage();
    expectTypeOf(storage).toExtend<StorageLike>();
    expectTypeOf(storageStore(storage)).toEqualTypeOf<SessionStore>();
    expectTypeOf({ storage }).toExtend<StoreHandle>();
    expectTypeOf(runStoreConformance).toBeFunction();
    const express = expressSession({ secret: SECRET, store: storage, resave: false, saveUninitialized: false });
    expect(typeof express).toBe("function");

    const sessions = createSessions<Data>({ secret: SECRET, storage, prefix: "types-storage:" });
    const session = await sessions.load(new Request("http://127.0.0.1/"));
    session.data.cart = ["tea"];
    await sessions.commit(session);
    expect(JSON.parse((await storage.getItemRaw<string>(`types-storage:${session.id}`))!)).toMatchObject({ cart: ["tea"] });
  });

  it("does not need unstorage: a plain object with the four methods is a storage", async () => {
    const map = new Map<string, string>();
    const storage: StorageLike = {
      getItemRaw: async (key) => map.get(key) ?? null,
      setItemRaw: async (key, value) => void map.set(key, value),
      removeItem: async (key) => void map.delete(key),
      getMount: () => ({ driver: { name: "map" } }),
    };
    const sessions = createSessions<Data>({ secret: SECRET, storage });
    const session = await sessions.load(new Request("http://127.0.0.1/"));
    session.data.userId = "map";
    await sessions.commit(session);
    expect([...map.keys()]).toEqual([`sess:${session.id}`]);
  });
});
