import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);

interface Scenario {
  scenario: string;
  writes: number;
  max: number;
  size: number;
  peakSize: number;
  heapGrowthMB: number;
}

describe("store: embedded memoryStore stays bounded", () => {
  // A child process, because a heap measurement needs --expose-gc (a full GC before each reading).
  it("holds 1,000,000 written sessions within max and a measured heap ceiling", async () => {
    const script = join(import.meta.dirname, "..", "..", "bench", "memory-bound.ts");
    const { stdout } = await run(process.execPath, ["--expose-gc", "--import", "tsx", script], { timeout: 170_000, cwd: join(import.meta.dirname, "..", "..") });
    const results = Object.fromEntries(stdout.trim().split("\n").map((line) => JSON.parse(line) as Scenario).map((r) => [r.scenario, r]));
    const shortTtl = results["short-ttl"]!;
    const bounded = results["max-bound"]!;
    expect(shortTtl.writes).toBe(1_000_000);
    expect(bounded.writes).toBe(1_000_000);
    // 1 s TTL, 1 ms between writes: expired sessions are swept as writes come in, about 1,000 live at a time.
    expect(shortTtl.peakSize).toBeLessThanOrEqual(1_100);
    expect(shortTtl.heapGrowthMB).toBeLessThan(8);
    // Nothing expires: max (50,000) holds. Measured ≈ 27 MB (≈ 560 B per session); 1,000,000 kept would be ≈ 530 MB.
    expect(bounded.size).toBe(bounded.max);
    expect(bounded.heapGrowthMB).toBeLessThan(64);
  }, 180_000);
});
