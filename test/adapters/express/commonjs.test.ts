import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";

const dir = mkdtempSync(join(tmpdir(), "unsession-express-cjs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// require(esm) exists from Node 20.19 / 22.12 on.
const canRequireEsm = Boolean((process.features as { require_module?: boolean }).require_module);
if (!canRequireEsm) console.warn("[express commonjs] this Node cannot require() ES modules: skipped");

describe.skipIf(!canRequireEsm)("express: CommonJS", () => {
  it("require() of the ESM module returns the middleware factory, as require('express-session') does", async () => {
    const file = join(dir, "express.mjs");
    await build({ entryPoints: ["adapters/express/index.ts"], bundle: true, platform: "node", format: "esm", outfile: file, logLevel: "silent" });
    const script = `
      const session = require(${JSON.stringify(file)});
      const mw = session({ secret: "x".repeat(40), resave: false, saveUninitialized: false });
      console.log(JSON.stringify([typeof session, typeof mw, session.session === session, session.default === session,
        typeof session.Store, typeof session.MemoryStore, typeof session.Session, typeof session.Cookie]));`;
    const out = execFileSync(process.execPath, ["-e", script], { encoding: "utf8" });
    expect(JSON.parse(out.trim().split("\n").at(-1)!)).toEqual(["function", "function", true, true, "function", "function", "function", "function"]);
  });
});
