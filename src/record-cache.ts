/**
 * Recently parsed records, by session ID: a store that hands back the same text a third time (every read of an
 * unchanged session) gets a copy of the parsed record instead of another `JSON.parse`, and the JSON of its
 * data for the change-detection snapshot instead of a `stringify`. Every request still reads the store: the
 * cache only answers "what does this exact text parse to".
 * @module
 */
import { BoundedMap } from "./bounded.ts";
import { dataOf, stringify } from "./record.ts";
import type { SessionData, SessionRecord } from "./types.ts";

/** Sessions whose parsed record is kept. */
const ENTRIES_MAX = 1_000;
/** Longer texts are parsed every time: the cache's memory stays under ENTRIES_MAX × a few times this. */
const TEXT_MAX = 4_096;

// The record handed out last and what is known of it. The loader adopts a record right after parsing it, so one
// slot is enough; a record that is not the last one handed out simply gets no shortcut (a WeakMap cost ~5 %).
let lastRecord: SessionRecord | undefined;
let lastDataJson: string | undefined;
let lastKept: SessionData | undefined;

/** The data JSON of a record this module handed out last, if known (from the cache: the session's snapshot, unchanged). */
export const knownDataJson = (record: SessionRecord): string | undefined => (record === lastRecord ? lastDataJson : undefined);

/** The data of the cache's own parse behind `knownDataJson` (never handed out, never changed): data equal to it is unchanged. */
export const knownData = (record: SessionRecord): SessionData | undefined => (record === lastRecord ? lastKept : undefined);

const handOut = (record: SessionRecord, dataJson: string | undefined, kept: SessionData | undefined): SessionRecord => {
  lastRecord = record;
  lastDataJson = dataJson;
  lastKept = kept;
  return record;
};

/** A deep copy of parsed JSON (plain objects, arrays, primitives): ~3× faster than parsing the text again. */
const copy = (value: unknown): unknown => {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = copy(value[i]);
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const key in value as Record<string, unknown>) out[key] = copy((value as Record<string, unknown>)[key]);
  return out;
};

interface Entry {
  text: string;
  /** Parsed once, never handed out: only copies of it are. Undefined while the text was seen once. */
  record: SessionRecord | undefined;
  dataJson: string;
  /** The data of `record` (shares its values). */
  data: SessionData | undefined;
}

/** @internal */
export interface RecordCache {
  /** The record in `text` stored under `id`: a fresh copy from the cache, or `parse(text)` (then kept). */
  parse(id: string, text: string, parse: (text: string) => SessionRecord): SessionRecord;
  /** Drops what is kept for `id` (destroyed, revoked). */
  forget(id: string): void;
}

/** @internal */
export function createRecordCache(): RecordCache {
  const entries = new BoundedMap<string, Entry>(ENTRIES_MAX);
  return {
    parse(id, text, parse) {
      const hit = entries.get(id);
      if (hit !== undefined && hit.text === text && hit.record !== undefined) {
        return handOut(copy(hit.record) as SessionRecord, hit.dataJson, hit.data);
      }
      const record = parse(text);
      if (text.length > TEXT_MAX) return record;
      if (hit === undefined) {
        entries.set(id, { text, record: undefined, dataJson: "", data: undefined });
      } else if (hit.text !== text) {
        // Seen once: a session written on every request (its text new each time) pays little more than the parse.
        hit.text = text;
        hit.record = undefined;
        hit.data = undefined;
      } else {
        // Seen twice unchanged: kept. Parsed JSON of bounded depth: copying and serialising it cannot fail.
        const kept = copy(record) as SessionRecord;
        hit.record = kept;
        hit.data = dataOf(kept);
        hit.dataJson = stringify(hit.data);
        return handOut(record, hit.dataJson, hit.data);
      }
      return record;
    },
    forget(id) {
      entries.delete(id);
    },
  };
}
