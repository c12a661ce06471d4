import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError } from "../api/errors";
import { uploadToTarget } from "../api/upload";
import type { Document, DocumentEvent } from "../api/types";
import { useApp } from "../context";

export interface Upload {
  key: string;
  name: string;
  loaded: number;
  total: number;
  state: "uploading" | "done" | "error";
  error?: string;
  docId?: string;
}

export interface DocumentsModel {
  documents: Document[];
  loading: boolean;
  error: string | null;
  uploads: Upload[];
  showAll: boolean;
  setShowAll: (all: boolean) => void;
  /** The "shared with me" view: documents others shared with my groups (read-only). */
  showShared: boolean;
  setShowShared: (shared: boolean) => void;
  share: (doc: Document, groups: string[]) => Promise<void>;
  refresh: () => Promise<void>;
  upload: (files: File[]) => void;
  remove: (doc: Document) => Promise<void>;
  reindex: (doc: Document) => Promise<void>;
  dismissUpload: (key: string) => void;
}

const DONE_UPLOAD_VISIBLE_MS = 4000;

/** Apply a live status event to the list (the event carries status and error only). */
export function applyDocumentEvent(docs: Document[], event: DocumentEvent): Document[] {
  return docs.map((d) =>
    d.doc_id === event.doc_id ? { ...d, status: event.status, error: event.error ?? null } : d,
  );
}

function message(err: unknown): string {
  return err instanceof ApiError || err instanceof Error ? err.message : "Something went wrong.";
}

/** The documents list, kept live from `document` events, plus uploads in flight. */
export function useDocuments(): DocumentsModel {
  const { rest, subscribe, me } = useApp();
  const [documents, setDocuments] = useState<Document[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [showAll, setShowAll] = useState(false);
  const [showShared, setShowShared] = useState(false);
  const all = showAll && !!me?.is_admin && !showShared;
  const seq = useRef(0);

  const refresh = useCallback(async () => {
    const mine = ++seq.current; // a slower earlier listing must not overwrite a newer one
    try {
      const items = await rest.listAllDocuments(all, showShared);
      if (mine === seq.current) {
        setDocuments(items);
        setError(null);
      }
    } catch (err) {
      if (mine === seq.current) setError(message(err));
    } finally {
      if (mine === seq.current) setLoading(false);
    }
  }, [rest, all, showShared]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  useEffect(
    () =>
      subscribe((event) => {
        if (event.type !== "document") return;
        setDocuments((docs) => applyDocumentEvent(docs, event));
        // Final states change counts (chunks, pages): fetch the record once.
        if (event.status === "INDEXED" || event.status === "FAILED") {
          rest.getDocument(event.doc_id).then(
            (doc) => setDocuments((docs) => docs.map((d) => (d.doc_id === doc.doc_id ? doc : d))),
            () => undefined,
          );
        }
      }),
    [subscribe, rest],
  );

  const patchUpload = (key: string, change: Partial<Upload>) =>
    setUploads((list) => list.map((u) => (u.key === key ? { ...u, ...change } : u)));

  const uploadOne = useCallback(
    async (file: File, key: string) => {
      try {
        const created = await rest.createDocument(file);
        patchUpload(key, { docId: created.document.doc_id });
        setDocuments((docs) => [created.document, ...docs.filter((d) => d.doc_id !== created.document.doc_id)]);
        await uploadToTarget(created.upload, file, (loaded, total) => patchUpload(key, { loaded, total }));
        patchUpload(key, { state: "done", loaded: file.size });
        // The document's own row shows its progress from here on.
        setTimeout(() => setUploads((list) => list.filter((u) => u.key !== key)), DONE_UPLOAD_VISIBLE_MS);
        const doc = await rest.getDocument(created.document.doc_id).catch(() => null);
        if (doc) setDocuments((docs) => docs.map((d) => (d.doc_id === doc.doc_id && d.status === "UPLOADING" ? doc : d)));
      } catch (err) {
        patchUpload(key, { state: "error", error: message(err) });
      }
    },
    [rest],
  );

  const upload = useCallback(
    (files: File[]) => {
      for (const file of files) {
        const key = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
        setUploads((list) => [...list, { key, name: file.name, loaded: 0, total: file.size, state: "uploading" }]);
        void uploadOne(file, key);
      }
    },
    [uploadOne],
  );

  const remove = useCallback(
    async (doc: Document) => {
      await rest.deleteDocument(doc.doc_id);
      setDocuments((docs) => docs.filter((d) => d.doc_id !== doc.doc_id));
    },
    [rest],
  );

  const reindex = useCallback(
    async (doc: Document) => {
      const updated = await rest.reindexDocument(doc.doc_id);
      setDocuments((docs) => docs.map((d) => (d.doc_id === updated.doc_id ? updated : d)));
    },
    [rest],
  );

  const share = useCallback(
    async (doc: Document, groups: string[]) => {
      const updated = await rest.shareDocument(doc.doc_id, groups);
      setDocuments((docs) => docs.map((d) => (d.doc_id === updated.doc_id ? updated : d)));
    },
    [rest],
  );

  const dismissUpload = useCallback((key: string) => setUploads((list) => list.filter((u) => u.key !== key)), []);

  return {
    documents,
    loading,
    error,
    uploads,
    showAll: all,
    setShowAll,
    showShared,
    setShowShared,
    share,
    refresh,
    upload,
    remove,
    reindex,
    dismissUpload,
  };
}
