import { describe, expect, it } from "vitest";
import { inCitationOrder, isNotFound } from "./citations";

const source = (n: number) => ({ n, doc_id: `d${n}`, filename: `f${n}.txt`, page: null, snippet: "…", score: 0.1 });

describe("citations", () => {
  it("orders sources by their first citation in the answer, uncited last", () => {
    const sources = [source(1), source(2), source(3), source(4)];
    const ordered = inCitationOrder("Yes [3]. Also [1] and again [3]; see [2].", sources);
    expect(ordered.map((s) => s.n)).toEqual([3, 1, 2, 4]);
  });

  it("keeps the server's order when nothing is cited", () => {
    expect(inCitationOrder("No markers.", [source(2), source(1)]).map((s) => s.n)).toEqual([2, 1]);
  });

  it("a finished answer without sources is not found; one still streaming is not", () => {
    expect(isNotFound("done", [])).toBe(true);
    expect(isNotFound("streaming", [])).toBe(false);
    expect(isNotFound("done", [source(1)])).toBe(false);
  });
});
