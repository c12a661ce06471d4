import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { IngestReportView, reportSummary } from "./IngestReportView";

describe("IngestReportView", () => {
  const report = {
    pages: 9,
    pages_without_text: [8, 9],
    chunks: 31,
    parse_s: 0.42,
    embed_s: 1.5,
    warnings: ["page 8 has no text layer: scanned?", "page 9 has no text layer: scanned?"],
  };

  it("summarises pages, passages and timings", () => {
    expect(reportSummary(report)).toEqual(["9 pages, 2 without text", "31 passages", "read in 0.42 s, embedded in 1.50 s"]);
    expect(reportSummary({ ...report, pages: null, warnings: [] })).toEqual(["31 passages", "read in 0.42 s, embedded in 1.50 s"]);
  });

  it("shows the warnings, opened", () => {
    const { container } = render(<IngestReportView report={report} />);
    expect(screen.getByText("page 8 has no text layer: scanned?")).toBeTruthy();
    expect(screen.getByText(/2 warnings/)).toBeTruthy();
    expect(container.querySelector("details")?.open).toBe(true);
  });
});
