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

/** What the cache knows of a record it handed out: its data JSON and the data of its own parse (never handed out). */
export interface Known {
  dataJson: string;
  data: SessionData;
}

// The record handed out last and what is known of it. The loader adopts a record right after parsing it, so one
// slot is enough; a record that is not the last one handed out simply gets no shortcut (a WeakMap cost ~5 %).
let lastRecord: SessionRecord | undefined;
let lastKnown: Known | undefined;

/** What is known of `record` if it is the one this module handed out last from its kept parse (the session's snapshot, unchanged). */
export const knownOf = (record: SessionRecord): Known | undefined => (record === lastRecord ? lastKnown : undefined);

const handOut = (record: SessionRecord, known: Known): SessionRecord => {
  lastRecord = record;
  lastKnown = known;
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
  /** The data of `record` (shares its values) and its JSON; set with `record`. */
  known: Known | undefined;
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
        return handOut(copy(hit.record) as SessionRecord, hit.known!);
      }
      const record = parse(text);
      if (text.length > TEXT_MAX) return record;
      if (hit === undefined) {
        entries.set(id, { text, record: undefined, known: undefined });
      } else if (hit.text !== text) {
        // Seen once: a session written on every request (its text new each time) pays little more than the parse.
        hit.text = text;
        hit.record = undefined;
        hit.known = undefined;
      } else {
        // Seen twice unchanged: kept. Parsed JSON of bounded depth: copying and serialising it cannot fail.
        const kept = copy(record) as SessionRecord;
        hit.record = kept;
        const data = dataOf(kept);
        hit.known = { dataJson: stringify(data), data };
        return handOut(record, hit.known);
      }
      return record;
    },
    forget(id) {
      entries.delete(id);
    },
  };
}
