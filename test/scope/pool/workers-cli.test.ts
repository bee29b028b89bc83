import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "@jest/globals";
import { workersMain } from "../../../src/scope/pool/workers-cli";
import { sink } from "../../helpers/sink";

const dir = mkdtempSync(join(tmpdir(), "wojest-workers-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function main(args: string[]) {
  const out = sink();
  const err = sink();
  const code = await workersMain(args, out.stream, err.stream, join(dir, "pool"));
  return { code, out: out.text(), err: err.text() };
}

describe("worker-orcd-jest workers", () => {
  it("lists an empty pool, as text and as JSON", async () => {
    expect(await main([])).toMatchObject({
      code: 0,
      out: expect.stringMatching(/^no pooled workers \(pool: /),
    });
    expect(JSON.parse((await main(["--json"])).out)).toEqual([]);
  });

  it("stop: exit 1 for an id it does not hold, 2 for ids and --all together or neither, or a mistyped word", async () => {
    expect((await main(["stop", "deadbeef"])).code).toBe(1);
    expect(await main(["stop"])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/give worker ids or --all, not neither/),
    });
    expect((await main(["stop", "deadbeef", "--all"])).code).toBe(2);
    expect(await main(["stpo"])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/did you mean `stop`/),
    });
  });
});
