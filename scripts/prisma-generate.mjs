// Prisma's CLI insists on a native schema engine binary, downloaded from a host outside the
// npm registry, even for `generate`, which never runs it. We apply migrations with our own
// runner (src/db/migrations.ts), so point the CLI at an empty placeholder and generate offline.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const placeholder = join(mkdtempSync(join(tmpdir(), "prisma-engine-")), "schema-engine");
writeFileSync(placeholder, "");
execFileSync("npx", ["prisma", "generate"], {
  stdio: "inherit",
  env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: placeholder, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
});
