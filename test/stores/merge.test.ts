/**
 * `mergeRecord` (the JSON-text merge every atomic store runs) and the Redis Lua script that mirrors it:
 * same answers on hand-written edge cases and on generated records.
 */
import fc from "fast-check";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { mergeRecord, redisStore, type MergePatch } from "../../src/index.ts";
import { runId, serviceUrl } from "./env.ts";

const record = (data: Record<string, unknown>) => JSON.stringify({ cookie: { originalMaxAge: null, expires: null }, ...data, __unsession: { c: 1, i: 2 } });

describe("mergeRecord", () => {
  it("sets, replaces and removes top-level keys and keeps every other value byte for byte", () => {
    const current = '{ "cookie" : {"a":[1,{"b":"}]\\"{"}]}, "keep":1.50000000000000001e3,"n":12345678901234567890, "gone":[],"x":"\\ud800"}';
    const merged = mergeRecord(current, { set: { x: '"y"', added: "[]", cookie: "{}" }, unset: ["gone", "absent"] });
    expect(merged).toBe('{"cookie":{},"keep":1.50000000000000001e3,"n":12345678901234567890,"x":"y","added":[]}');
    expect(JSON.parse(merged!)).toEqual({ cookie: {}, keep: 1500, n: 12345678901234567890, x: "y", added: [] });
  });

  it("never recreates a missing record, unless asked to (the per-user index)", () => {
    expect(mergeRecord(null, { set: { a: "1" }, unset: [] })).toBeNull();
    expect(mergeRecord(undefined, { set: { a: "1" }, unset: [] })).toBeNull();
    expect(mergeRecord(null, { set: { a: "1" }, unset: ["b"], create: true })).toBe('{"a":1}');
    expect(mergeRecord("{}", { set: {}, unset: ["a"] })).toBe("{}");
  });

  it("redisStore refuses anything but an ioredis or node-redis client, with ERR_OPTIONS", () => {
    for (const client of [undefined, null, {}, { get() {} }, { evalsha: 1, get() {} }]) {
      expect(() => redisStore({ client } as never)).toThrow(expect.objectContaining({ code: "ERR_OPTIONS" }));
    }
    expect(() => redisStore(undefined as never)).toThrow(expect.objectContaining({ code: "ERR_OPTIONS" }));
  });

  it("rejects text that is not a JSON object with ERR_STORE_DATA", () => {
    for (const bad of ["", "[]", "42", '{"a":1', '{"a" 1}', '{"a":"x}', "{a:1}", '{"a":}']) {
      expect(() => mergeRecord(bad, { set: {}, unset: [] }), bad).toThrow(expect.objectContaining({ code: "ERR_STORE_DATA" }));
    }
  });

  it("agrees with JSON.parse on generated records and patches", () => {
    const key = fc.oneof(fc.constantFrom("a", "b", "cookie", "__unsession", "k\"q", "ü", "\\"), fc.string({ maxLength: 4 }));
    fc.assert(
      fc.property(fc.dictionary(key, fc.jsonValue({ maxDepth: 3 })), fc.dictionary(key, fc.jsonValue({ maxDepth: 2 })), fc.array(key, { maxLength: 3 }), (data, set, unset) => {
        const patch: MergePatch = { set: Object.fromEntries(Object.entries(set).map(([k, v]) => [k, JSON.stringify(v)])), unset };
        const expected: Record<string, unknown> = JSON.parse(JSON.stringify(data));
        for (const k of unset) delete expected[k];
        Object.assign(expected, JSON.parse(JSON.stringify(set)));
        expect(JSON.parse(mergeRecord(JSON.stringify(data, null, Math.random() < 0.3 ? 1 : 0), patch)!)).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });
});

const url = serviceUrl("REDIS_URL");
describe.skipIf(!url)("redisStore's Lua merge script", () => {
  const client = url ? new Redis(url, { lazyConnect: true }) : undefined;
  afterAll(() => client?.quit());

  it("gives the same text as mergeRecord, writes the TTL, and creates nothing for a missing record", async () => {
    const store = redisStore({ client: client! });
    const key = `unsession-test-${runId}:merge-script`;
    const samples: [string, MergePatch][] = [
      [record({ a: 1, b: [1, [2]], s: 'x"}{][\\' }), { set: { a: "2", c: '{"d":[]}' }, unset: ["b"] }],
      ['{ "cookie" : {"a":[1,{"b":"}]\\"{"}]}, "keep":1.50000000000000001e3,"n":12345678901234567890, "gone":[],"x":"\\ud800"}', { set: { x: '"y"', "é ü": "null" }, unset: ["gone"] }],
      ["{}", { set: {}, unset: [] }],
    ];
    for (const [current, patch] of samples) {
      await store.set(key, current, 60);
      const merged = await store.merge(key, patch, 30);
      expect(merged).toBe(mergeRecord(current, patch));
      expect(await store.get(key)).toBe(merged);
      const ttl = await client!.ttl(key);
      expect(ttl > 0 && ttl <= 30).toBe(true);
    }
    await store.delete(key);
    expect(await store.merge(key, { set: { a: "1" }, unset: [] }, 30)).toBeNull();
    expect(await store.get(key)).toBeNull();
    expect(await store.merge(key, { set: { a: "1" }, unset: [], create: true }, 30)).toBe('{"a":1}');
    await store.set(key, "[1,2]", 30);
    await expect(store.merge(key, { set: {}, unset: [] }, 30)).rejects.toThrow(/not a JSON object/);
    await store.delete(key);
  });

  it("agrees with mergeRecord on generated records", async () => {
    const store = redisStore({ client: client! });
    const key = `unsession-test-${runId}:merge-gen`;
    const k = fc.oneof(fc.constantFrom("a", "b", "k\"q", "ü", "\\"), fc.string({ maxLength: 3 }));
    await fc.assert(
      fc.asyncProperty(fc.dictionary(k, fc.jsonValue({ maxDepth: 3 })), fc.dictionary(k, fc.jsonValue({ maxDepth: 1 })), fc.array(k, { maxLength: 2 }), async (data, set, unset) => {
        const current = JSON.stringify(data);
        const patch: MergePatch = { set: Object.fromEntries(Object.entries(set).map(([n, v]) => [n, JSON.stringify(v)])), unset };
        await store.set(key, current, 60);
        expect(await store.merge(key, patch, 60)).toBe(mergeRecord(current, patch));
      }),
      { numRuns: 150 },
    );
    await store.delete(key);
  });
});
