/**
 * Session IDs that unstorage would alter as keys (`:` `/` `\` separators, `?` cut, `.`/`..` segments), through
 * `storageStore` on the memory driver and the fs driver: each ID gets its own record, two IDs never share one, and
 * the fs driver never writes outside its base directory (SECURITY.md item 32).
 * @module
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createStorage, type Storage } from "unstorage";
import fsDriver from "unstorage/drivers/fs";
import memoryDriver from "unstorage/drivers/memory";
import { afterAll, describe, expect, it } from "vitest";
import { createSessions, storageStore } from "../../src/index.ts";
import { SECRET, cookiePair, request } from "../helpers/spy-storage.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Every file under `dir`, relative paths. */
const filesUnder = (dir: string): string[] => readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));

/** IDs that become the same unstorage key if stored as they are (normalizeKey: '/' and '\' → ':', '::' → ':', '?…' cut, edges trimmed). */
const families: string[][] = [
  ["user:0001", "user/0001", "user\\0001", "user//0001", "user::0001"],
  ["user0002", "user0002?a", "user0002?b", ":user0002", "user0002:", "/user0002"],
  ["a/b", "a:b", "a%2Fb", "a%3Ab"],
];

/** A manager whose genid hands out `ids` in order, and a function that stores `data` under the next ID. */
function issuer(storage: Storage, ids: string[]) {
  let next = 0;
  const sessions = createSessions<{ who?: string }>({ secret: SECRET, store: storageStore(storage), genid: () => ids[next++]! });
  const create = async (who: string): Promise<string> => {
    const res = await sessions.wrap((_req, session) => {
      session.data.who = who;
      return new Response("ok");
    })(request());
    expect(res.status).toBe(200);
    return cookiePair(res.headers.get("set-cookie"))!;
  };
  const read = async (cookie: string): Promise<string | undefined> => (await sessions.load(request(cookie))).data.who;
  return { create, read };
}

const drivers: [string, () => Storage][] = [
  ["memory driver", () => createStorage({ driver: memoryDriver() })],
  [
    "fs driver",
    () => {
      const dir = mkdtempSync(join(tmpdir(), "unsession-unsafe-ids-"));
      dirs.push(dir);
      return createStorage({ driver: fsDriver({ base: join(dir, "store") }) });
    },
  ],
];

for (const [name, make] of drivers) {
  describe(`unsafe session IDs through storageStore: ${name}`, () => {
    for (const family of families) {
      it(`${family.map((id) => JSON.stringify(id)).join(", ")}: one record each, never shared`, async () => {
        const storage = make();
        const { create, read } = issuer(storage, family);
        const cookies: string[] = [];
        for (const id of family) cookies.push(await create(`owner of ${id}`));
        for (const [i, id] of family.entries()) expect(await read(cookies[i]!)).toBe(`owner of ${id}`);
        expect(await storage.getKeys("sess")).toHaveLength(family.length);
      });
    }

    it("an ID that reads like a path stays a record under the store's base", async () => {
      const storage = make();
      const ids = ["../../../../tmp/unsession-escape", "..\\..\\escape", "/etc/passwd"];
      const { create, read } = issuer(storage, ids);
      const cookies: string[] = [];
      for (const id of ids) cookies.push(await create(id));
      for (const [i, id] of ids.entries()) expect(await read(cookies[i]!)).toBe(id);
      expect(await storage.getKeys("sess")).toHaveLength(ids.length);
    });

    it("an ID that is another one's prefix up to a ':' gets its own record (a file beside a folder on disk)", async () => {
      const storage = make();
      const ids = ["nest", "nest:inner", "deep:inner", "deep"];
      const { create, read } = issuer(storage, ids);
      const cookies: string[] = [];
      for (const id of ids) cookies.push(await create(`owner of ${id}`));
      for (const [i, id] of ids.entries()) expect(await read(cookies[i]!)).toBe(`owner of ${id}`);
    });

    it("IDs with '.' segments get their own records", async () => {
      const storage = make();
      const ids = ["a:b", "a:.:b", "a:.", "."];
      const { create, read } = issuer(storage, ids);
      const cookies: string[] = [];
      for (const id of ids) cookies.push(await create(`owner of ${id}`));
      for (const [i, id] of ids.entries()) expect(await read(cookies[i]!)).toBe(`owner of ${id}`);
    });
  });
}

describe("unsafe session IDs on disk", () => {
  it("the fs driver writes every record inside its base directory, one file per ID", async () => {
    const dir = mkdtempSync(join(tmpdir(), "unsession-unsafe-ids-"));
    dirs.push(dir);
    const base = join(dir, "store");
    const ids = ["../escape-1", "../../escape-2", "a/../../escape-3", "x\\..\\..\\escape-4"];
    const { create } = issuer(createStorage({ driver: fsDriver({ base }) }), ids);
    for (const id of ids) await create(id);
    const files = filesUnder(dir);
    expect(files).toHaveLength(ids.length);
    for (const file of files) expect(resolve(file).startsWith(resolve(base) + "/")).toBe(true);
  });
});
