import type { ReactNode } from "react";
import type { Document } from "../api/types";

type Report = NonNullable<Document["report"]>;

/** One line per fact of an ingestion report (pages, text, passages, timings). */
export function reportSummary(report: Report): string[] {
  const lines: string[] = [];
  if (report.pages != null) {
    const missing = report.pages_without_text?.length ?? 0;
    lines.push(`${report.pages} page${report.pages === 1 ? "" : "s"}, ${missing} without text`);
  }
  lines.push(`${report.chunks ?? 0} passage${report.chunks === 1 ? "" : "s"}`);
  lines.push(`read in ${(report.parse_s ?? 0).toFixed(2)} s, embedded in ${(report.embed_s ?? 0).toFixed(2)} s`);
  return lines;
}

/** What ingestion found, folded away unless there are warnings. */
export function IngestReportView({ report }: { report: Report }): ReactNode {
  const warnings = report.warnings ?? [];
  return (
    <details className="ingest-report small" open={warnings.length > 0}>
      <summary>
        Ingestion report{warnings.length > 0 && ` (${warnings.length} warning${warnings.length === 1 ? "" : "s"})`}
      </summary>
      <ul className="muted">
        {reportSummary(report).map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
      {warnings.length > 0 && (
        <ul className="warning-text">
          {warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
    </details>
  );
}
