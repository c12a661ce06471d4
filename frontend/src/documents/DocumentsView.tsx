import { useState, type ReactNode } from "react";
import type { Document } from "../api/types";
import { useApp } from "../context";
import { STATUS_LABEL, formatBytes, formatDate } from "./format";
import { IngestReportView } from "./IngestReportView";
import { UploadZone } from "./UploadZone";
import type { DocumentsModel } from "./useDocuments";

function StatusBadge({ doc }: { doc: Document }): ReactNode {
  const busy = doc.status === "QUEUED" || doc.status === "PROCESSING" || doc.status === "UPLOADING";
  return (
    <span className={`badge status-${doc.status.toLowerCase()}`} data-status={doc.status}>
      {busy && <span className="spinner" aria-hidden="true" />}
      {STATUS_LABEL[doc.status]}
    </span>
  );
}

function details(doc: Document): string {
  const parts = [formatBytes(doc.size)];
  if (doc.pages) parts.push(`${doc.pages} page${doc.pages === 1 ? "" : "s"}`);
  if (doc.chunks) parts.push(`${doc.chunks} passage${doc.chunks === 1 ? "" : "s"}`);
  parts.push(formatDate(doc.updated_at));
  return parts.join(" · ");
}

interface RowProps {
  doc: Document;
  showOwner: boolean;
  onDelete: (doc: Document) => Promise<void>;
  onReindex: (doc: Document) => Promise<void>;
}

function DocumentRow({ doc, showOwner, onDelete, onReindex }: RowProps): ReactNode {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const act = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(err instanceof Error ? err.message : "The action failed.");
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  };
  return (
    <li className="doc" data-doc-id={doc.doc_id} data-filename={doc.filename}>
      <div className="doc-main">
        <span className="filename" title={doc.filename}>
          {doc.filename}
        </span>
        <StatusBadge doc={doc} />
      </div>
      <p className="muted small">
        {showOwner && <span className="owner">{doc.owner} · </span>}
        {details(doc)}
      </p>
      {doc.status === "FAILED" && doc.error && <p className="error-text">Could not index: {doc.error}</p>}
      {doc.status === "INDEXED" && doc.report && <IngestReportView report={doc.report} />}
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      <div className="doc-actions">
        {confirming ? (
          <>
            <span className="confirm-text" role="alert">
              Delete “{doc.filename}”? This cannot be undone.
            </span>
            <button type="button" className="danger small-button" disabled={busy} onClick={() => void act(() => onDelete(doc))}>
              Yes, delete
            </button>
            <button type="button" className="small-button" onClick={() => setConfirming(false)} autoFocus>
              Cancel
            </button>
          </>
        ) : (
          <>
            <button
              type="button"
              className="small-button"
              disabled={busy || doc.status === "UPLOADING" || doc.status === "DELETING"}
              onClick={() => void act(() => onReindex(doc))}
              aria-label={`Re-index ${doc.filename}`}
            >
              Re-index
            </button>
            <button type="button" className="small-button" disabled={busy} onClick={() => setConfirming(true)} aria-label={`Delete ${doc.filename}`}>
              Delete
            </button>
          </>
        )}
      </div>
    </li>
  );
}

/** The documents page: upload, live list, re-index, delete; admins may list everyone's. */
export function DocumentsView({ model }: { model: DocumentsModel }): ReactNode {
  const { me } = useApp();
  const { documents, loading, error, showAll } = model;
  return (
    <div className="documents-view">
      <div className="view-header">
        <h1>Documents</h1>
        {me?.is_admin && (
          <label className="toggle">
            <input type="checkbox" checked={showAll} onChange={(e) => model.setShowAll(e.target.checked)} />
            Show everyone’s documents
          </label>
        )}
      </div>
      <UploadZone uploads={model.uploads} onFiles={model.upload} onDismiss={model.dismissUpload} />
      {error && (
        <p className="error-text" role="alert">
          {error}{" "}
          <button type="button" className="link-button" onClick={() => void model.refresh()}>
            Try again
          </button>
        </p>
      )}
      <section aria-labelledby="doc-list-title">
        <h2 id="doc-list-title" className="section-title">
          {showAll ? "All documents" : "Your documents"}{" "}
          <span className="muted small">({documents.length})</span>
        </h2>
        {loading ? (
          <p className="muted">Loading…</p>
        ) : documents.length === 0 ? (
          <p className="muted empty">No documents yet. Upload one to start asking questions about it.</p>
        ) : (
          <ul className="doc-list" aria-live="polite">
            {documents.map((doc) => (
              <DocumentRow key={doc.doc_id} doc={doc} showOwner={showAll} onDelete={model.remove} onReindex={model.reindex} />
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
