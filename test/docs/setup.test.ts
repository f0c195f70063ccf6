/**
 * The README's set-up stays two commands: one starts the example shop with no service running or configured
 * (`npm start`: memory store, no secret set), one runs the tests (`npm test`). This runs the first one
 * literally, as a newcomer would, and checks that both name the scripts they claim to.
 * @module
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { freePort } from "../e2e/server.ts";
import { ROOT } from "../runtimes/spawn.ts";

const readme = readFileSync(join(ROOT, "README.md"), "utf8");
const scripts = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;

/** The command lines (comments dropped) of the first sh block under "## Try it". */
function tryItCommands(): string[] {
  const section = readme.slice(readme.indexOf("## Try it"));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
  return block
    .split("\n")
    .map((line) => line.replace(/\s+#.*$/, "").trim())
    .filter(Boolean);
}

describe("README: the set-up is two commands on a fresh machine", () => {
  it("names two commands, the shop and the tests, and they are this package's scripts", () => {
    expect(tryItCommands()).toEqual(["npm install && npm start", "npm test"]);
    expect(scripts.start).toMatch(/examples\/hono-node\/server\.ts/);
    expect(scripts.test).toBe("vitest run");
  });

  it("`npm start` serves the shop with no service and no secret configured, and stops by PID", async () => {
    const port = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: "127.0.0.1", NO_COLOR: "1" };
    for (const name of ["SESSION_SECRET", "REDIS_URL", "DATABASE_URL", "MYSQL_URL"]) delete env[name];
    // Its own process group: npm → tsx → node, all stopped together by the group's ID.
    const child = spawn("npm", ["start"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`npm start did not listen within 60 s:\n${output}`)), 60_000);
        child.stdout.on("data", () => {
          if (output.includes(`listening on http://127.0.0.1:${port}`)) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.once("exit", (code) => {
          clearTimeout(timer);
          reject(new Error(`npm start exited with ${code}:\n${output}`));
        });
      });
      expect(output).toContain("sessions in memory");
      expect(output).toMatch(/SESSION_SECRET is not set/); // says so, and still starts
      const home = await fetch(`http://127.0.0.1:${port}/`);
      expect(home.status).toBe(200);
      expect(home.headers.get("set-cookie")).toMatch(/^sid=/);
      expect(await home.text()).toContain("Pages viewed in this session: 1");
    } finally {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, "SIGTERM");
      await exited;
    }
  }, 90_000);
});
