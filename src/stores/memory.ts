/**
 * The embedded default store: in memory, expiring, bounded.
 * @module
 */
import { BoundedMap } from "../bounded.ts";
import { mergeRecord } from "../merge.ts";
import type { MergePatch, SessionRecord, SessionStore } from "../types.ts";

/** Options of `memoryStore`. */
export interface MemoryStoreOptions {
  /** Most sessions kept; past it, the least recently written are evicted. @default 100000 */
  max?: number;
  /** Clock in ms, for tests. @default Date.now */
  now?: () => number;
}

/** A `SessionStore` in memory with TTL and LRU-by-write bound: it never grows past `max`, and expired entries are dropped as it is used. */
export interface MemoryStore extends SessionStore {
  /** The record, or `null` when missing or expired (synchronous). */
  get(id: string): string | null;
  /** Creates or overwrites a record for `ttl` seconds (synchronous). */
  set(id: string, record: string, ttl: number): void;
  /** Removes a record; a missing one is not an error (synchronous). */
  delete(id: string): void;
  /** Atomic merge (synchronous, so nothing can come between its read and its write); `null` for a missing record. */
  merge(id: string, patch: MergePatch, ttl: number): string | null;
  /** Number of records held (expired ones not yet swept included). */
  readonly size: number;
  /** Drops every record. */
  clear(): void;
}

type Entry = { value: string; expires: number };

/** Creates the embedded memory store. Reads are synchronous, so a session load needs no await. */
export function memoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const max = options.max ?? 100_000;
  const now = options.now ?? Date.now;
  // Insertion order is write order: the oldest writes, which expire first, are evicted and swept first.
  const entries = new BoundedMap<string, Entry>(max);

  const sweep = (t: number): void => {
    for (let checked = 0; checked < 8; checked++) {
      const front = entries.oldest();
      if (front === undefined || front[1].expires > t) break;
      entries.delete(front[0]);
    }
  };

  const get = (id: string): string | null => {
    const entry = entries.get(id);
    if (!entry) return null;
    if (entry.expires <= now()) {
      entries.delete(id);
      return null;
    }
    return entry.value;
  };
  const set = (id: string, record: string, ttl: number): void => {
    const t = now();
    entries.set(id, { value: record, expires: t + ttl * 1000 });
    sweep(t);
  };

  return {
    get,
    set,
    delete(id) {
      entries.delete(id);
    },
    merge(id, patch, ttl) {
      const merged = mergeRecord(get(id), patch);
      if (merged !== null) set(id, merged, ttl);
      return merged;
    },
    get size() {
      return entries.size;
    },
    clear() {
      entries.clear();
    },
  };
}

export type { SessionRecord };
