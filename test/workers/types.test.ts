/**
 * The adapter's types against the real Workers types: bindings typed with @cloudflare/workers-types fit
 * `kvStore` and `durableObjectStore`, and `withSession` gives an `ExportedHandler`'s `fetch`.
 * Checked by tsc in a temporary project (the repository's tsconfig uses DOM types, which clash with them).
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const run = promisify(execFile);

const program = `/// <reference path="${ROOT}/node_modules/@cloudflare/workers-types/index.d.ts" />
import { durableObjectStore, kvStore, SessionStoreDO, withSession } from "${ROOT}/adapters/cloudflare.ts";
interface Env { SESSIONS: KVNamespace; SESSION_DO: DurableObjectNamespace; SESSION_SECRET: string }
export { SessionStoreDO };
export default {
  fetch: withSession<{ user?: string }, Env>(
    (request, session, env, ctx) => {
      ctx.waitUntil(Promise.resolve());
      return new Response(session.data.user ?? new URL(request.url).pathname);
    },
    (env) => ({ secret: env.SESSION_SECRET, store: env.SESSION_SECRET ? kvStore(env.SESSIONS) : durableObjectStore(env.SESSION_DO, { shards: 4 }) }),
  ),
} satisfies ExportedHandler<Env>;

export const wrongKind: unknown = (env: Env) =>
  // @ts-expect-error a Durable Object namespace is not a KV namespace
  kvStore(env.SESSION_DO);
`;

async function typecheck(source: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "unsession-types-"));
  try {
    await writeFile(join(dir, "worker.ts"), source);
    await writeFile(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "ESNext",
          moduleResolution: "Bundler",
          lib: ["ES2022"],
          types: [],
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          allowImportingTsExtensions: true,
          baseUrl: ROOT,
          paths: { "*": [`${ROOT}/node_modules/*`] },
        },
        files: ["worker.ts"],
      }),
    );
    try {
      await run(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", dir], { cwd: dir });
      return "";
    } catch (error) {
      return String((error as { stdout?: string }).stdout ?? error);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe("workers: types", () => {
  it("accepts @cloudflare/workers-types bindings, satisfies ExportedHandler and rejects a wrong binding", async () => {
    // One tsc run: the wrong binding is marked @ts-expect-error, so an unused marker fails too.
    expect(await typecheck(program)).toBe("");
  }, 90_000);
});
