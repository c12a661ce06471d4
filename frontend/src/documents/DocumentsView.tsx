import { useState, type ReactNode } from "react";
import type { Document } from "../api/types";
import { useApp } from "../context";
import { STATUS_LABEL, formatBytes, formatDate } from "./format";
import { IngestReportView } from "./IngestReportView";
import { ShareDialog } from "./ShareDialog";
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
  /** Whether the caller may change it (owner or admin); shared-with-me documents are read-only. */
  canChange: boolean;
  onDelete: (doc: Document) => Promise<void>;
  onReindex: (doc: Document) => Promise<void>;
  onShare: (doc: Document) => void;
}

/** Who a document is shared with (for its owner), or who shared it (for a group member). */
function SharingNote({ doc, canChange }: { doc: Document; canChange: boolean }): ReactNode {
  const groups = doc.shared_with ?? [];
  if (!canChange) return <p className="small shared-note">Shared by {doc.owner} · read-only</p>;
  if (groups.length === 0) return null;
  return <p className="small shared-note">Shared with {groups.join(", ")}</p>;
}

function DocumentRow({ doc, showOwner, canChange, onDelete, onReindex, onShare }: RowProps): ReactNode {
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
      <SharingNote doc={doc} canChange={canChange} />
      {doc.status === "FAILED" && doc.error && <p className="error-text">Could not index: {doc.error}</p>}
      {doc.status === "INDEXED" && doc.report && <IngestReportView report={doc.report} />}
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      {canChange && (
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
                disabled={busy || doc.status === "DELETING"}
                onClick={() => onShare(doc)}
                aria-label={`Share ${doc.filename}`}
              >
                Share
              </button>
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
      )}
    </li>
  );
}

/** The documents page: upload, live list, re-index, delete, share; "shared with me" lists
 * what others shared with my groups (read-only); admins may list everyone's. */
export function DocumentsView({ model }: { model: DocumentsModel }): ReactNode {
  const { me } = useApp();
  const { documents, loading, error, showAll, showShared } = model;
  const [sharing, setSharing] = useState<Document | null>(null);
  const canChange = (doc: Document) => !!me && (me.is_admin || doc.owner === me.user_id);
  const title = showShared ? "Shared with me" : showAll ? "All documents" : "Your documents";
  const empty = showShared
    ? "Nothing is shared with your groups yet."
    : "No documents yet. Upload one to start asking questions about it.";
  return (
    <div className="documents-view">
      <div className="view-header">
        <h1>Documents</h1>
        <div className="view-switch" role="group" aria-label="Which documents">
          <button type="button" aria-pressed={!showShared} onClick={() => model.setShowShared(false)}>
            Mine
          </button>
          <button type="button" aria-pressed={showShared} onClick={() => model.setShowShared(true)}>
            Shared with me
          </button>
        </div>
        {me?.is_admin && !showShared && (
          <label className="toggle">
            <input type="checkbox" checked={showAll} onChange={(e) => model.setShowAll(e.target.checked)} />
            Show everyone’s documents
          </label>
        )}
      </div>
      {!showShared && <UploadZone uploads={model.uploads} onFiles={model.upload} onDismiss={model.dismissUpload} />}
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
          {title}{" "}
          <span className="muted small">({documents.length})</span>
        </h2>
        {loading ? (
          <p className="muted">Loading…</p>
        ) : documents.length === 0 ? (
          <p className="muted empty">{empty}</p>
        ) : (
          <ul className="doc-list" aria-live="polite">
            {documents.map((doc) => (
              <DocumentRow
                key={doc.doc_id}
                doc={doc}
                showOwner={showAll}
                canChange={canChange(doc)}
                onDelete={model.remove}
                onReindex={model.reindex}
                onShare={setSharing}
              />
            ))}
          </ul>
        )}
      </section>
      {sharing && <ShareDialog doc={sharing} onSave={(groups) => model.share(sharing, groups)} onClose={() => setSharing(null)} />}
    </div>
  );
}
