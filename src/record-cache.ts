/**
 * Recently parsed records, by session ID: a store that hands back the same text a third time (every read of an
 * unchanged session) gets a copy of the parsed record instead of another `JSON.parse`, and the JSON of its
 * data for the change-detection snapshot instead of a `stringify`. Every request still reads the store: the
 * cache only answers "what does this exact text parse to".
 * @module
 */
import { BoundedMap } from "./bounded.ts";
import { stringify } from "./record.ts";
import type { SessionRecord } from "./types.ts";

/** Sessions whose parsed record is kept. */
const ENTRIES_MAX = 1_000;
/** Longer texts are parsed every time: the cache's memory stays under ENTRIES_MAX × a few times this. */
const TEXT_MAX = 4_096;

/** The JSON of a record's data (all but `cookie` and `__unsession`), for records that came from the cache. */
const dataJsonOf = new WeakMap<SessionRecord, string>();

/** The data JSON of a record this module handed out, if it knows it (the session's snapshot, unchanged). */
export const knownDataJson = (record: SessionRecord): string | undefined => dataJsonOf.get(record);

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

/**
 * True when `copy(value)` equals what `JSON.parse(JSON.stringify(value))` gives: plain objects and arrays of
 * strings, finite numbers, booleans and null (no Date, no undefined, no NaN, no toJSON), at most `depth` levels.
 */
const exact = (value: unknown, depth: number): boolean => {
  if (value === null) return true;
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value);
    case "object": {
      if (depth === 0) return false;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!exact(value[i], depth - 1)) return false;
        return true;
      }
      const proto = Object.getPrototypeOf(value);
      if ((proto !== Object.prototype && proto !== null) || typeof (value as { toJSON?: unknown }).toJSON === "function") return false;
      for (const key in value as Record<string, unknown>) if (!exact((value as Record<string, unknown>)[key], depth - 1)) return false;
      return true;
    }
    default:
      return false;
  }
};

/** Nesting checked by `exact`, well under the depth a record may have. */
const EXACT_DEPTH = 16;

/** @internal A record ready to be kept: its text and what the text parses to. */
export interface Written {
  readonly entry: Entry;
}

interface Entry {
  text: string;
  /** Parsed once, never handed out: only copies of it are. Undefined while the text was seen once. */
  record: SessionRecord | undefined;
  dataJson: string;
}

/** @internal */
export interface RecordCache {
  /** The record in `text` stored under `id`: a fresh copy from the cache, or `parse(text)` (then kept). */
  parse(id: string, text: string, parse: (text: string) => SessionRecord): SessionRecord;
  /**
   * What a write of `text` (record `cookie` + `data` + `meta`, data JSON `dataJson`) leaves to keep, taken
   * before the write: undefined when the data is not plain JSON (a copy would differ from a parse).
   */
  written(text: string, data: object, cookie: object, meta: object, dataJson: string): Written | undefined;
  /** Keeps a written record for `id` once the store has it: the next read of that text is not parsed. */
  put(id: string, written: Written): void;
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
        const record = copy(hit.record) as SessionRecord;
        dataJsonOf.set(record, hit.dataJson);
        return record;
      }
      const record = parse(text);
      if (text.length > TEXT_MAX) return record;
      if (hit === undefined || hit.text !== text) {
        // Seen once: a session written on every request (its text new each time) pays nothing more than the parse.
        entries.set(id, { text, record: undefined, dataJson: "" });
      } else {
        // Seen twice unchanged: kept. Parsed JSON of bounded depth: copying and serialising it cannot fail.
        const kept = copy(record) as SessionRecord;
        const { cookie: _cookie, __unsession: _meta, ...data } = kept;
        hit.record = kept;
        hit.dataJson = stringify(data);
        dataJsonOf.set(record, hit.dataJson);
      }
      return record;
    },
    written(text, data, cookie, meta, dataJson) {
      // An adapter's accessor named "cookie" (express-session's req.session.cookie) is not data: not copied.
      if (text.length > TEXT_MAX || Object.prototype.hasOwnProperty.call(data, "cookie") || !exact(data, EXACT_DEPTH) || !exact(meta, EXACT_DEPTH)) return undefined;
      const record = { ...(copy(data) as object), cookie: { ...cookie }, __unsession: copy(meta) } as SessionRecord;
      return { entry: { text, record, dataJson } };
    },
    put(id, written) {
      entries.set(id, written.entry);
    },
    forget(id) {
      entries.delete(id);
    },
  };
}
