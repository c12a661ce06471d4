import { useEffect, useRef, type ReactNode } from "react";
import type { Source } from "../api/types";

interface Props {
  source: Source | null;
  n: number | null;
  onClose: () => void;
}

/** The source a citation points at: file, page and the quoted passage. Focus moves here. */
export function SourcePanel({ source, n, onClose }: Props): ReactNode {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (n != null) heading.current?.focus();
  }, [n, source]);
  useEffect(() => {
    if (n == null) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") onClose();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [n, onClose]);
  if (n == null) return null;
  return (
    <aside className="source-panel" aria-labelledby="source-title" data-testid="source-panel">
      <div className="source-head">
        <h2 id="source-title" tabIndex={-1} ref={heading}>
          Source [{n}]
        </h2>
        <button type="button" className="icon-button" onClick={onClose} aria-label="Close source">
          ×
        </button>
      </div>
      {source ? (
        <>
          <p className="source-file">
            <span className="filename">{source.filename}</span>
            {source.page != null && <span className="badge">page {source.page}</span>}
          </p>
          <blockquote className="snippet">{source.snippet}</blockquote>
        </>
      ) : (
        <p className="muted">This source is not available.</p>
      )}
    </aside>
  );
}
