import { describe, expect, it } from "vitest";
import { BoundedMap } from "../../src/bounded.ts";

describe("BoundedMap (the core's bounded caches and registries)", () => {
  it("never holds more than max entries and drops the oldest write first", () => {
    const map = new BoundedMap<string, number>(3);
    for (let i = 0; i < 5; i++) map.set(`k${i}`, i);
    expect(map.size).toBe(3);
    expect([map.has("k0"), map.has("k1"), map.get("k2"), map.get("k3"), map.get("k4")]).toEqual([false, false, 2, 3, 4]);
  });

  it("counts a rewrite as a new write, and skips entries deleted meanwhile", () => {
    const map = new BoundedMap<string, number>(3);
    map.set("a", 1);
    map.set("b", 2);
    map.set("c", 3);
    map.set("a", 10); // a is now the newest
    map.delete("b");
    map.set("d", 4);
    map.set("e", 5); // evicts c, the oldest live entry
    expect([map.has("b"), map.has("c"), map.get("a"), map.get("d"), map.get("e")]).toEqual([false, false, 10, 4, 5]);
  });

  it("keeps the bound and the order over many evictions (the cursor restarts as the map turns over)", () => {
    const map = new BoundedMap<number, number>(100);
    for (let i = 0; i < 100_000; i++) map.set(i, i);
    expect(map.size).toBe(100);
    expect(map.has(99_899)).toBe(false);
    for (let i = 99_900; i < 100_000; i++) expect(map.get(i)).toBe(i);
  });

  it("answers the oldest live entry (the memory store's sweep), and clear() empties it", () => {
    const map = new BoundedMap<string, number>(3);
    expect(map.oldest()).toBeUndefined();
    map.set("a", 1);
    map.set("b", 2);
    map.set("a", 3); // rewritten: b is now the oldest
    expect(map.oldest()).toEqual(["b", 2]);
    map.delete("b");
    expect(map.oldest()).toEqual(["a", 3]);
    map.clear();
    expect([map.size, map.oldest()]).toEqual([0, undefined]);
    map.set("c", 4);
    expect(map.oldest()).toEqual(["c", 4]);
  });
});
