import type { ReactNode } from "react";
import type { Document } from "../api/types";

interface Props {
  documents: Document[];
  selected: string[];
  onChange: (ids: string[]) => void;
}

/** "Ask only these documents": an optional restriction sent as `doc_ids`. */
export function ScopePicker({ documents, selected, onChange }: Props): ReactNode {
  const indexed = documents.filter((d) => d.status === "INDEXED");
  const toggle = (id: string, on: boolean) =>
    onChange(on ? [...selected, id] : selected.filter((x) => x !== id));
  const summary = selected.length === 0 ? "All your documents" : `${selected.length} selected`;
  return (
    <details className="scope">
      <summary>
        Ask only these documents: <strong>{summary}</strong>
      </summary>
      {indexed.length === 0 ? (
        <p className="muted small">No indexed documents yet.</p>
      ) : (
        <fieldset>
          <legend className="visually-hidden">Documents to ask</legend>
          {indexed.map((d) => (
            <label key={d.doc_id} className="scope-item">
              <input type="checkbox" checked={selected.includes(d.doc_id)} onChange={(e) => toggle(d.doc_id, e.target.checked)} />
              {d.filename}
            </label>
          ))}
          {selected.length > 0 && (
            <button type="button" className="link-button" onClick={() => onChange([])}>
              Clear selection
            </button>
          )}
        </fieldset>
      )}
    </details>
  );
}
