import { describe, expect, it } from "vitest";
import type { Document } from "../api/types";
import { applyDocumentEvent } from "./useDocuments";

const doc = (id: string, status: Document["status"]): Document => ({
  doc_id: id,
  owner: "alice",
  filename: `${id}.pdf`,
  blob_key: `k/${id}`,
  status,
  chunks: 0,
  created_at: "2026-11-26T10:00:00Z",
  updated_at: "2026-11-26T10:00:00Z",
  version: 1,
});

describe("applyDocumentEvent", () => {
  it("updates the status and failure reason of the matching document only", () => {
    const docs = [doc("a", "QUEUED"), doc("b", "QUEUED")];
    const failed = applyDocumentEvent(docs, { type: "document", doc_id: "b", status: "FAILED", error: "encrypted PDF" });
    expect(failed.map((d) => [d.status, d.error ?? null])).toEqual([
      ["QUEUED", null],
      ["FAILED", "encrypted PDF"],
    ]);
    const again = applyDocumentEvent(failed, { type: "document", doc_id: "b", status: "PROCESSING" });
    expect(again[1]).toMatchObject({ status: "PROCESSING", error: null });
  });
});
