import type { Source } from "../api/types";

/** Sources in the order the answer first cites them ([n]); uncited ones keep their order, last. */
export function inCitationOrder(text: string, sources: readonly Source[]): Source[] {
  const first = new Map<number, number>();
  for (const match of text.matchAll(/\[(\d+)\]/g)) {
    const n = Number(match[1]);
    if (!first.has(n)) first.set(n, match.index ?? 0);
  }
  const position = (s: Source) => first.get(s.n) ?? Number.MAX_SAFE_INTEGER;
  return sources
    .map((s, i) => ({ s, i }))
    .sort((a, b) => position(a.s) - position(b.s) || a.i - b.i)
    .map(({ s }) => s);
}

/** A finished answer with no sources: the documents do not answer the question. */
export function isNotFound(status: string, sources: readonly Source[]): boolean {
  return status === "done" && sources.length === 0;
}
