/**
 * The part of the `Deno` and `Bun` globals that documentation snippets use, so that a snippet flagged
 * `deno` or `bun` type-checks under Node's compiler (see `snippets.ts`). Not the runtimes' full typings.
 * @module
 */

/** A fetch handler as both runtimes' `serve` take it. */
export type FetchHandler = (request: Request) => Response | Promise<Response>;

/** `Deno`, as far as the snippets go. */
export interface DenoGlobal {
  /** `Deno.serve(handler)` or `Deno.serve({ port, hostname }, handler)`. */
  serve(handler: FetchHandler): unknown;
  serve(options: { port?: number; hostname?: string }, handler: FetchHandler): unknown;
  /** `Deno.env.get(name)`. */
  env: { get(name: string): string | undefined };
}

/** `Bun`, as far as the snippets go. */
export interface BunGlobal {
  /** `Bun.serve({ fetch, port, hostname })`. */
  serve(options: { fetch: FetchHandler; port?: number; hostname?: string }): unknown;
  /** `Bun.env`, like `process.env`. */
  env: Record<string, string | undefined>;
}
