/**
 * Helpers for values that may or may not be promises: the core answers synchronously when it can,
 * because one await on a hot path already costs a framework a measurable share of its speed.
 * @module
 */
import type { MaybePromise } from "./types.ts";

/** True when `value` is a promise (a thenable). */
export const isPromise = <T>(value: MaybePromise<T>): value is Promise<T> =>
  value !== null && typeof value === "object" && typeof (value as Promise<T>).then === "function";

/**
 * Applies `fn` now when `value` is plain, or after it settles when it is a promise.
 * (Not named `then`: a module that exports `then` is a thenable, and `await import()` of it breaks.)
 */
export const chain = <T, R>(value: MaybePromise<T>, fn: (value: T) => MaybePromise<R>): MaybePromise<R> =>
  isPromise(value) ? value.then(fn) : fn(value);
