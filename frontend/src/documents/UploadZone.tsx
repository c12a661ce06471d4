import { useId, useRef, useState, type DragEvent, type ReactNode } from "react";
import type { Upload } from "./useDocuments";
import { formatBytes } from "./format";

interface Props {
  uploads: Upload[];
  onFiles: (files: File[]) => void;
  onDismiss: (key: string) => void;
}

const ACCEPT = ".pdf,.docx,.html,.htm,.md,.txt,application/pdf,text/plain,text/markdown,text/html";

/** Drag-and-drop area plus a file picker; each upload shows a progress bar. */
export function UploadZone({ uploads, onFiles, onDismiss }: Props): ReactNode {
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const hintId = useId();

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    const files = Array.from(e.dataTransfer.files);
    if (files.length) onFiles(files);
  };

  return (
    <section className="upload" aria-label="Upload documents">
      <div
        className={`dropzone${over ? " over" : ""}`}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
        data-testid="dropzone"
      >
        <p id={hintId}>
          Drop files here, or{" "}
          <button type="button" className="link-button" onClick={() => input.current?.click()}>
            choose files
          </button>
        </p>
        <p className="muted small">PDF, Word (.docx), HTML, Markdown or plain text.</p>
        <input
          ref={input}
          type="file"
          multiple
          accept={ACCEPT}
          className="visually-hidden"
          aria-describedby={hintId}
          aria-label="Choose files to upload"
          onChange={(e) => {
            const files = Array.from(e.target.files ?? []);
            e.target.value = "";
            if (files.length) onFiles(files);
          }}
        />
      </div>
      {uploads.length > 0 && (
        <ul className="uploads" aria-label="Uploads">
          {uploads.map((u) => (
            <li key={u.key} className={`upload-item ${u.state}`}>
              <div className="upload-row">
                <span className="filename">{u.name}</span>
                <span className="muted small">
                  {u.state === "uploading" && `${formatBytes(u.loaded)} of ${formatBytes(u.total)}`}
                  {u.state === "done" && "Uploaded"}
                </span>
                {u.state !== "uploading" && (
                  <button type="button" className="icon-button" onClick={() => onDismiss(u.key)} aria-label={`Dismiss ${u.name}`}>
                    ×
                  </button>
                )}
              </div>
              <progress
                max={Math.max(u.total, 1)}
                value={u.state === "done" ? Math.max(u.total, 1) : u.loaded}
                aria-label={`Upload progress of ${u.name}`}
              />
              {u.error && (
                <p className="error-text" role="alert">
                  {u.error}
                </p>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
