/**
 * A map that keeps at most `max` entries, dropping the oldest write first: the core's caches and per-process
 * registries (verified cookies, signatures, hashed keys, tombstones, touch times) all need one.
 * @module
 */

interface Box<V> {
  value: V;
}

/**
 * @internal Insertion-ordered map with a bound. Eviction is amortised O(1): one iterator is kept across writes.
 * A fresh `keys()` iterator per eviction would step again over the slots of every entry deleted before it
 * (V8 keeps them until a rehash), which makes each eviction O(max) once the map is full.
 */
export class BoundedMap<K, V> {
  readonly #max: number;
  readonly #entries = new Map<K, Box<V>>();
  #cursor: Iterator<[K, Box<V>]> | undefined;
  #head: [K, Box<V>] | undefined;

  constructor(max: number) {
    this.#max = max;
  }

  /** Number of entries held. */
  get size(): number {
    return this.#entries.size;
  }

  /** The value under `key`, if held. */
  get(key: K): V | undefined {
    return this.#entries.get(key)?.value;
  }

  /** True when `key` is held. */
  has(key: K): boolean {
    return this.#entries.has(key);
  }

  /** Stores `value` as the newest entry, evicting the oldest ones past the bound. */
  set(key: K, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, { value });
    while (this.#entries.size > this.#max) this.#entries.delete(this.#oldest()[0]);
  }

  /** Removes `key`; a missing key is no error. */
  delete(key: K): void {
    this.#entries.delete(key);
  }

  /** The oldest entry as `[key, value]`, or undefined when empty. */
  oldest(): [K, V] | undefined {
    if (this.#entries.size === 0) return undefined;
    const [key, box] = this.#oldest();
    return [key, box.value];
  }

  /** Removes every entry. */
  clear(): void {
    this.#entries.clear();
    this.#cursor = undefined;
    this.#head = undefined;
  }

  /** The oldest live entry (the map is not empty). Entries before the cursor were all deleted or rewritten. */
  #oldest(): [K, Box<V>] {
    for (;;) {
      const head = this.#head;
      if (head !== undefined && this.#entries.get(head[0]) === head[1]) return head;
      const next = (this.#cursor ??= this.#entries.entries()).next();
      if (next.done) {
        // Entries written after the cursor finished: start again from the front.
        this.#cursor = undefined;
        this.#head = undefined;
        continue;
      }
      this.#head = next.value;
    }
  }
}
