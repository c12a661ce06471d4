// @vitest-environment node
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import openapiTS, { astToString } from "openapi-typescript";
import { describe, expect, it } from "vitest";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

describe("generated API types", () => {
  it("schema.d.ts is what openapi-typescript makes of the committed openapi.json", async () => {
    // The other half (openapi.json matches the server) is tests/browser/test_api_schema.py.
    const snapshot = JSON.parse(readFileSync(here("../../openapi.json"), "utf8"));
    const ast = await openapiTS(snapshot, { defaultNonNullable: false });
    const committed = readFileSync(here("./schema.d.ts"), "utf8");
    const strip = (s: string) => s.slice(s.indexOf("export "));
    expect(strip(committed)).toBe(strip(astToString(ast)));
  });
});
