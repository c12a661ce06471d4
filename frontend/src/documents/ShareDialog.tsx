import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent, type ReactNode } from "react";
import "./sharing.css";
import type { Document } from "../api/types";

/** The server's rule for group names (service/naming.py GROUP) and its limit per document. */
export const GROUP_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
export const MAX_GROUPS = 20;

/** Split typed text ("team-a, team-b" or spaces) into names; report the ones the server refuses. */
export function parseGroups(text: string): { groups: string[]; invalid: string[] } {
  const names = text.split(/[\s,;]+/).filter(Boolean);
  return {
    groups: names.filter((n) => GROUP_PATTERN.test(n)),
    invalid: names.filter((n) => !GROUP_PATTERN.test(n)),
  };
}

/** Add names to a list: distinct, sorted (as the server stores them). */
export function addGroups(current: string[], added: string[]): string[] {
  return [...new Set([...current, ...added])].sort();
}

interface Props {
  doc: Document;
  onSave: (groups: string[]) => Promise<void>;
  onClose: () => void;
}

/** Share a document read-only with groups: chips of the chosen groups, a field to add more. */
export function ShareDialog({ doc, onSave, onClose }: Props): ReactNode {
  const titleId = useId();
  const inputId = useId();
  const [groups, setGroups] = useState<string[]>(doc.shared_with ?? []);
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => input.current?.focus(), []);

  const add = (): boolean => {
    const { groups: names, invalid } = parseGroups(text);
    if (invalid.length) {
      setError(`“${invalid[0]}” is not a group name: use letters, digits and _ . - (at most 64).`);
      return false;
    }
    const next = addGroups(groups, names);
    if (next.length > MAX_GROUPS) {
      setError(`A document can be shared with at most ${MAX_GROUPS} groups.`);
      return false;
    }
    setGroups(next);
    setText("");
    setError(null);
    return true;
  };

  const save = async (event: FormEvent) => {
    event.preventDefault();
    if (text.trim() && !add()) return;
    const { groups: typed } = parseGroups(text);
    setSaving(true);
    try {
      await onSave(addGroups(groups, typed));
      onClose();
    } catch (err) {
      setError(err instanceof Error ? err.message : "Sharing failed.");
    } finally {
      setSaving(false);
    }
  };

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === "Escape") onClose();
  };

  return (
    <div className="dialog-backdrop" onKeyDown={onKeyDown}>
      <form className="dialog share-dialog" role="dialog" aria-modal="true" aria-labelledby={titleId} onSubmit={(e) => void save(e)}>
        <h2 id={titleId}>Share “{doc.filename}”</h2>
        <p className="muted small">
          People in these groups can ask about this document and see it cited. Only its owner or an administrator can change, re-index or delete it.
        </p>
        {groups.length === 0 ? (
          <p className="muted small">Not shared with any group.</p>
        ) : (
          <ul className="chips" aria-label="Shared with">
            {groups.map((g) => (
              <li key={g} className="chip">
                {g}
                <button type="button" className="link-button" aria-label={`Remove ${g}`} onClick={() => setGroups(groups.filter((x) => x !== g))}>
                  ×
                </button>
              </li>
            ))}
          </ul>
        )}
        <label htmlFor={inputId}>Add groups</label>
        <div className="share-add">
          <input
            id={inputId}
            ref={input}
            value={text}
            placeholder="team-a, team-b"
            autoComplete="off"
            onChange={(e) => setText(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter" && text.trim()) {
                e.preventDefault();
                add();
              }
            }}
          />
          <button type="button" className="small-button" onClick={() => add()} disabled={!text.trim()}>
            Add
          </button>
        </div>
        {error && (
          <p className="error-text" role="alert">
            {error}
          </p>
        )}
        <div className="dialog-actions">
          <button type="submit" className="primary" disabled={saving}>
            {saving ? "Saving…" : "Save"}
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </div>
  );
}
