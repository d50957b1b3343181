// Runs web/tests/fixtures.py with the repository's virtualenv (made by scripts/setup.sh).
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";

const ROOT = resolve(__dirname, "../..");
const PYTHON = resolve(ROOT, ".venv/bin/python");

export function python(command: "fixtures" | "validate" | "campaign", input?: unknown): any { // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON of any shape for the tests
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: run scripts/setup.sh first`);
  const out = execFileSync(PYTHON, [resolve(__dirname, "fixtures.py"), command, ROOT], {
    input: input === undefined ? undefined : JSON.stringify(input),
    maxBuffer: 64 * 1024 * 1024,
    cwd: ROOT,
  });
  return JSON.parse(out.toString("utf-8"));
}
