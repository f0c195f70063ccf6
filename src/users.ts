/**
 * Per-user index of sessions: list a user's sessions and end them all (revocation).
 *
 * Chosen over a per-user generation checked on load because it costs nothing on ordinary requests:
 * binding a session to a user costs 1 read + 1 write of the index (at login), listing 1 + N reads,
 * revoking 1 read + N deletes + 1 write. The index holds store keys (hashed IDs with `hashIds`),
 * never IDs in the clear beyond what the store keys already are.
 *
 * The index is one record, `{"<store key>": <created ms>, …}`. On a store with the atomic `merge` capability,
 * a login adds its entry and a revocation removes its entries in one atomic step each (no read first), so
 * concurrent log-ins lose no entry; on other stores they read, change and write the whole index (racy).
 * @module
 */
import { parseRecord } from "./record.ts";
import type { MaybePromise, MergePatch, UserSessionInfo } from "./types.ts";

/** @internal What the index needs from the manager. */
export interface UserIndexDeps {
  indexKey(userId: string): string;
  keyOf(id: string): MaybePromise<string>;
  readKey(key: string): MaybePromise<unknown>;
  writeKey(key: string, json: string, ttl: number): MaybePromise<void>;
  removeKey(key: string): MaybePromise<void>;
  /** The store's atomic merge, when it has one. */
  mergeKey?: (key: string, patch: MergePatch, ttl: number) => MaybePromise<string | null>;
  deadlineOf(meta: { c: number; i: number }): number;
  hash(text: string): Promise<string>;
}

/** Index entries live this long without a login refreshing them (a year, above any sane session life). */
const INDEX_TTL = 365 * 86_400;

/** @internal */
export interface UserIndex {
  add(userId: string, id: string, now: number): Promise<void>;
  list(userId: string, currentId?: string): Promise<UserSessionInfo[]>;
  revoke(userId: string, exceptId?: string): Promise<number>;
  revokeOne(userId: string, sid: string): Promise<boolean>;
}

type Entries = Record<string, number>;

/** The shape of `UserSessionInfo.sid`: 16 hex characters. */
const SID = /^[0-9a-f]{16}$/;

/** @internal */
export function createUserIndex(deps: UserIndexDeps): UserIndex {
  const legacyIndexes = new WeakSet<Entries>();
  const readIndex = async (userId: string): Promise<Entries> => {
    const raw = await deps.readKey(deps.indexKey(userId));
    if (raw === null || raw === undefined) return {};
    const value = typeof raw === "string" ? (JSON.parse(raw) as unknown) : raw;
    const entries: Entries = Object.create(null);
    if (!value || typeof value !== "object") return entries;
    // `keys`: the earlier layout, `{"keys": {…}}`, still read.
    const legacy = (value as { keys?: unknown }).keys;
    if (legacy && typeof legacy === "object") legacyIndexes.add(entries);
    for (const source of [legacy && typeof legacy === "object" ? legacy : {}, value]) {
      for (const [key, created] of Object.entries(source)) if (typeof created === "number") entries[key] = created;
    }
    return entries;
  };
  /** Removes entries: atomically when the store can merge (a login landing meanwhile keeps its entry). */
  const dropEntries = (userId: string, entries: Entries, dropped: string[]): MaybePromise<unknown> => {
    if (deps.mergeKey) {
      // An index in the earlier layout loses its `keys` object; the entries it held that survive are written flat.
      const set = legacyIndexes.has(entries) ? Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, String(v)])) : {};
      return deps.mergeKey(deps.indexKey(userId), { set, unset: legacyIndexes.has(entries) ? [...dropped, "keys"] : dropped }, INDEX_TTL);
    }
    return Object.keys(entries).length === 0
      ? deps.removeKey(deps.indexKey(userId))
      : deps.writeKey(deps.indexKey(userId), JSON.stringify(entries), INDEX_TTL);
  };

  /** Live records of the index, read once each; dead keys are pruned from the returned entries. */
  const live = async (entries: Entries, now: number) => {
    const found: { key: string; created: number; expires: number; label: string | undefined }[] = [];
    for (const key of Object.keys(entries)) {
      const raw = await deps.readKey(key);
      if (raw === null || raw === undefined) {
        delete entries[key];
        continue;
      }
      let meta: { c: number; i: number; n?: string; l?: string } | undefined;
      try {
        meta = parseRecord(raw).__unsession;
      } catch {
        meta = undefined;
      }
      const expires = meta ? deps.deadlineOf(meta) : Number.NaN;
      if (!meta || meta.n !== undefined || !(expires > now)) {
        delete entries[key];
        continue;
      }
      found.push({ key, created: meta.c, expires, label: typeof meta.l === "string" ? meta.l : undefined });
    }
    return found;
  };

  return {
    async add(userId, id, now) {
      const key = await deps.keyOf(id);
      if (deps.mergeKey) {
        await deps.mergeKey(deps.indexKey(userId), { set: { [key]: String(now) }, unset: [], create: true }, INDEX_TTL);
        return;
      }
      const entries = await readIndex(userId);
      entries[key] = now;
      await deps.writeKey(deps.indexKey(userId), JSON.stringify(entries), INDEX_TTL);
    },
    async list(userId, currentId) {
      const now = Date.now();
      const entries = await readIndex(userId);
      const before = Object.keys(entries);
      const sessions = await live(entries, now);
      if (Object.keys(entries).length !== before.length) await dropEntries(userId, entries, before.filter((key) => !(key in entries)));
      const currentKey = currentId ? await deps.keyOf(currentId) : undefined;
      return Promise.all(
        sessions.map(async (x) => ({
          sid: await deps.hash(x.key),
          createdAt: new Date(x.created),
          expiresAt: new Date(x.expires),
          current: x.key === currentKey,
          ...(x.label === undefined ? {} : { label: x.label }),
        })),
      );
    },
    async revoke(userId, exceptId) {
      const entries = await readIndex(userId);
      const keep = exceptId ? await deps.keyOf(exceptId) : undefined;
      const dropped: string[] = [];
      for (const key of Object.keys(entries)) {
        if (key === keep) continue;
        await deps.removeKey(key);
        delete entries[key];
        dropped.push(key);
      }
      await dropEntries(userId, entries, dropped);
      return dropped.length;
    },
    async revokeOne(userId, sid) {
      // A handle that `list` cannot have produced names nothing (a forged or stale form field, not a programming error).
      if (typeof sid !== "string" || !SID.test(sid)) return false;
      const entries = await readIndex(userId);
      for (const key of Object.keys(entries)) {
        if ((await deps.hash(key)) !== sid) continue;
        await deps.removeKey(key);
        delete entries[key];
        await dropEntries(userId, entries, [key]);
        return true;
      }
      return false;
    },
  };
}
