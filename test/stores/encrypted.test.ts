/**
 * Records sealed at rest (`encrypt`, `encryptedStore`): the conformance suite through the wrapper, and what a
 * dump of the store reveals with `hashIds` (neither IDs nor data) on the memory store, unstorage's memory
 * driver and Redis (REDIS_URL).
 */
import { createStorage, type Storage } from "unstorage";
import memoryDriver from "unstorage/drivers/memory";
import redisDriver from "unstorage/drivers/redis";
import { afterAll, describe, expect, it } from "vitest";
import { createSessions, encryptedStore, isUnsessionError, memoryStore, storageStore, type SessionOptions, type SessionStore, type UnsessionError } from "../../src/index.ts";
import { runStoreConformance } from "../../src/testing.ts";
import { client } from "../helpers/client.ts";
import { api, runId, serviceUrl } from "./env.ts";

const SECRET = "encrypted-records-secret-0123456789-abcdef";
const PASSWORD = "encrypted-records-password-0123456789-abcd";
const PASSWORD_NEW = "encrypted-records-password-new-0123456789";
const MARKER = "card-4111-1111-marker";

describe("store: encryptedStore(memoryStore())", () => {
  const shared = memoryStore();
  runStoreConformance("encrypted memory", { open: () => ({ store: encryptedStore(shared, { password: PASSWORD }) }), expiry: "store", skipSlow: true }, api);
});

/** A dump of every key and value of a store, however it is reached. */
type Dump = () => Promise<[string, string][]>;

/** A store that records what it holds, for the dump (the memory store under an unstorage-free spy). */
function dumpable(inner: SessionStore, keys: Set<string>): SessionStore {
  return {
    get: (key) => inner.get(key),
    set: (key, value, ttl) => (keys.add(key), inner.set(key, value, ttl)),
    delete: (key) => (keys.delete(key), inner.delete(key)),
  };
}

const targets: [string, (() => Promise<{ options: Partial<SessionOptions>; dump: Dump; close(): Promise<void> }>) | undefined][] = [
  [
    "memoryStore",
    async () => {
      const inner = memoryStore();
      const keys = new Set<string>();
      const dump: Dump = async () => [...keys].map((k) => [k, String(inner.get(k) ?? "")]);
      return { options: { store: dumpable(inner, keys) }, dump, close: async () => {} };
    },
  ],
  [
    "unstorage memory driver",
    async () => {
      const storage = createStorage({ driver: memoryDriver() });
      return { options: { storage }, dump: () => dumpStorage(storage), close: () => storage.dispose() };
    },
  ],
  [
    "redis",
    serviceUrl("REDIS_URL") === undefined
      ? undefined
      : async () => {
          const storage = createStorage({ driver: redisDriver({ url: process.env.REDIS_URL!, base: `unsession-encrypted-${runId}` }) });
          return {
            options: { storage },
            dump: () => dumpStorage(storage),
            close: async () => {
              await storage.clear();
              await storage.dispose();
            },
          };
        },
  ],
];

async function dumpStorage(storage: Storage): Promise<[string, string][]> {
  const keys = await storage.getKeys();
  return Promise.all(keys.map(async (k) => [k, String(await storage.getItemRaw(k))] as [string, string]));
}

for (const [name, open] of targets) {
  describe.skipIf(!open)(`encrypted records at rest: ${name}`, () => {
    let close: (() => Promise<void>) | undefined;
    afterAll(async () => close?.());

    it("with hashIds, a dump shows neither session IDs nor data; the session still works", async () => {
      const target = await open!();
      close = target.close;
      const sessions = createSessions<{ card?: string; n?: number }>({ secret: SECRET, hashIds: true, encrypt: { password: PASSWORD }, ...target.options });
      const browser = client(sessions);
      const { result: id } = await browser.run((s) => {
        s.data.card = MARKER;
        s.data.n = 1;
        return s.id;
      });
      await browser.run((s) => void (s.data.n = 2));
      const dump = await target.dump();
      expect(dump.length).toBeGreaterThan(0);
      for (const [key, value] of dump) {
        expect(key).not.toContain(id);
        expect(value).not.toContain(MARKER);
        expect(value).not.toContain(id);
        expect(value).not.toMatch(/originalMaxAge|__unsession|"n"/);
        expect(value).toMatch(/^u1\.[A-Za-z0-9_-]+\.0\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
      }
      expect((await browser.run((s) => ({ ...s.data }))).result).toEqual({ card: MARKER, n: 2 });
    });
  });
}

describe("encrypted records: integrity and rotation", () => {
  const setup = (extra: Partial<SessionOptions> = {}, store = memoryStore()) => {
    const errors: UnsessionError[] = [];
    const sessions = createSessions<{ user?: string }>({ secret: SECRET, store, encrypt: true, onError: (e) => errors.push(e), ...extra });
    return { sessions, store, errors };
  };

  it("a record copied under another session's key does not open: that session is anonymous, the error reported", async () => {
    const { sessions, store, errors } = setup();
    const admin = client(sessions);
    await admin.run((s) => void (s.data.user = "admin"));
    const mallory = client(sessions);
    const { result: malloryId } = await mallory.run((s) => {
      s.data.user = "mallory";
      return s.id;
    });
    const adminId = (await admin.run((s) => s.id)).result;
    store.set(`sess:${malloryId}`, store.get(`sess:${adminId}`)!, 60);
    const { result } = await mallory.run((s) => ({ user: s.data.user, isNew: s.isNew }));
    expect(result).toEqual({ user: undefined, isNew: true });
    expect(errors.map((e) => e.code)).toContain("ERR_STORE_DATA");
    expect((await admin.run((s) => s.data.user)).result).toBe("admin");
  });

  it("records written in clear before encryption was turned on are misses (reported, removed), not crashes", async () => {
    const store = memoryStore();
    const plain = createSessions<{ user?: string }>({ secret: SECRET, store });
    const browser = client(plain);
    await browser.run((s) => void (s.data.user = "ada"));
    const { sessions, errors } = setup({}, store);
    const again = client(sessions, browser.cookie);
    const { response, result } = await again.run((s) => s.isNew);
    expect(response.status).toBe(200);
    expect(result).toBe(true);
    expect(errors.map((e) => e.code)).toEqual(["ERR_STORE_DATA"]);
    expect(store.size).toBe(0);
  });

  it("rotates: records sealed under the old password open under [new, old], and are sealed under the new one when written", async () => {
    const store = memoryStore();
    const old = setup({ encrypt: { password: PASSWORD } }, store);
    const browser = client(old.sessions);
    const { result: id } = await browser.run((s) => {
      s.data.user = "ada";
      return s.id;
    });
    expect(store.get(`sess:${id}`)!.startsWith("u1.")).toBe(true);
    const rotated = setup({ encrypt: { password: [PASSWORD_NEW, PASSWORD] } }, store);
    const c = client(rotated.sessions, browser.cookie);
    expect((await c.run((s) => s.data.user)).result).toBe("ada");
    await c.run((s) => void (s.data.user = "ada2"));
    const onlyNew = setup({ encrypt: { password: PASSWORD_NEW } }, store);
    expect((await client(onlyNew.sessions, browser.cookie).run((s) => s.data.user)).result).toBe("ada2");
  });

  it("setUser, listUserSessions and revokeUser work through sealed records (the index is sealed too)", async () => {
    const { sessions, store } = setup({ hashIds: true });
    const browser = client(sessions);
    await browser.run((s) => s.setUser("user-42"));
    const list = await sessions.listUserSessions("user-42");
    expect(list).toHaveLength(1);
    expect(store.get("sess-user:user-42")!.startsWith("u1.")).toBe(true);
    expect(await sessions.revokeUser("user-42")).toBe(1);
    expect((await browser.run((s) => s.isNew)).result).toBe(true);
  });

  it("refuses a short password or a malformed option at construction", () => {
    for (const encrypt of [{ password: "short" }, { nope: 1 }, "yes"]) {
      try {
        createSessions({ secret: SECRET, encrypt: encrypt as never });
        expect.unreachable();
      } catch (error) {
        expect(isUnsessionError(error) && error.code).toBe("ERR_OPTIONS");
      }
    }
  });

  it("storageStore(storage) wrapped by hand works the same as the option", async () => {
    const storage = createStorage({ driver: memoryDriver() });
    const sessions = createSessions<{ user?: string }>({ secret: SECRET, store: encryptedStore(storageStore(storage), { password: PASSWORD }) });
    const browser = client(sessions);
    await browser.run((s) => void (s.data.user = "ada"));
    expect((await browser.run((s) => s.data.user)).result).toBe("ada");
    const [key] = await storage.getKeys();
    expect(String(await storage.getItemRaw(key!))).not.toContain("ada");
  });
});
