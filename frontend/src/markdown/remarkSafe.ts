import type { Html, Link, Nodes, Parent, PhrasingContent, Root, Text } from "mdast";

/** The pseudo-URL a citation marker `[n]` becomes; the renderer turns it into a button. */
export const CITE_PREFIX = "#cite-";
const CITE = /\[(\d{1,3})\]/g;
// Inside these, text stays text: code is literal and links cannot nest.
const SKIP = new Set(["code", "inlineCode", "link", "linkReference"]);
const PHRASING_PARENTS = new Set(["paragraph", "heading", "emphasis", "strong", "delete", "tableCell"]);

/** Split a text node around `[n]` markers into text and citation links. */
export function splitCitations(text: Text): PhrasingContent[] {
  const out: PhrasingContent[] = [];
  let last = 0;
  for (const m of text.value.matchAll(CITE)) {
    const at = m.index ?? 0;
    if (at > last) out.push({ type: "text", value: text.value.slice(last, at) });
    const link: Link = { type: "link", url: `${CITE_PREFIX}${m[1]}`, children: [{ type: "text", value: m[0] }] };
    out.push(link);
    last = at + m[0].length;
  }
  if (out.length === 0) return [text];
  if (last < text.value.length) out.push({ type: "text", value: text.value.slice(last) });
  return out;
}

/** Raw HTML from a model is shown as the literal text it is, never interpreted. */
function inertHtml(node: Html, parent: Parent): Nodes {
  const text: Text = { type: "text", value: node.value };
  return PHRASING_PARENTS.has(parent.type) ? text : { type: "paragraph", children: [text] };
}

function transform(parent: Parent): void {
  const next: Nodes[] = [];
  for (const child of parent.children as Nodes[]) {
    if (child.type === "html") next.push(inertHtml(child, parent));
    else if (child.type === "text") next.push(...splitCitations(child));
    else {
      if ("children" in child && !SKIP.has(child.type)) transform(child);
      next.push(child);
    }
  }
  parent.children = next as Parent["children"];
}

/** Remark plugin: citation markers become links to `#cite-n`; raw HTML becomes plain text. */
export default function remarkSafe() {
  return (tree: Root) => transform(tree);
}
