import { afterEach, expect, test } from "vitest";
import { type Api, startApi } from "../__tests__/fixture.js";
import { openApiDocument } from "./openapi.js";

let s: Api | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

test("the OpenAPI document describes exactly the public routes of the route table, with their methods", async () => {
  s = await startApi();
  const fromTable = new Map<string, string[]>();
  for (const route of s.routes) {
    if (route.auth !== "apiKey" || !route.path.startsWith("/v2/")) continue;
    const path = route.path.slice("/v2".length).replace(/:(\w+)/g, "{$1}");
    fromTable.set(path, route.methods.map((m) => m.toLowerCase()).sort());
  }
  const paths = openApiDocument().paths as Record<string, Record<string, unknown>>;
  const fromDocument = new Map(
    Object.entries(paths).map(([path, item]) => [
      path,
      Object.keys(item)
        .filter((k) => k !== "parameters")
        .sort(),
    ]),
  );
  expect(fromTable.size).toBeGreaterThan(5);
  expect(fromDocument).toEqual(fromTable);
});
