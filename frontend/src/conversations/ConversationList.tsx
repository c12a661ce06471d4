import { useState, type FormEvent, type ReactNode } from "react";
import type { ConversationSummary } from "../api/types";
import "./conversations.css";
import type { ConversationsModel } from "./useConversations";

export const MAX_TITLE_CHARS = 200;

function Item({ item, current, model, onOpened }: { item: ConversationSummary; current: boolean; model: ConversationsModel; onOpened: () => void }): ReactNode {
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [title, setTitle] = useState(item.title);
  const id = item.conversation_id;
  const save = (event: FormEvent) => {
    event.preventDefault();
    const next = title.trim();
    if (next) void model.rename(id, next).then(() => setEditing(false));
  };
  if (editing) {
    return (
      <li className="conversation-item editing">
        <form onSubmit={save} className="rename-form">
          <label htmlFor={`title-${id}`} className="visually-hidden">
            New title for {item.title}
          </label>
          <input id={`title-${id}`} value={title} maxLength={MAX_TITLE_CHARS} onChange={(e) => setTitle(e.target.value)} autoFocus />
          <button type="submit" className="small-button">
            Save
          </button>
          <button type="button" className="small-button" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </form>
      </li>
    );
  }
  return (
    <li className={`conversation-item${current ? " current" : ""}`} data-conversation-id={id}>
      <button
        type="button"
        className="conversation-open"
        aria-current={current ? "true" : undefined}
        onClick={() => void model.open(id).then(onOpened)}
      >
        {item.title}
      </button>
      <div className="conversation-actions">
        {confirming ? (
          <>
            <button type="button" className="small-button danger" onClick={() => void model.remove(id)}>
              Yes, delete
            </button>
            <button type="button" className="small-button" onClick={() => setConfirming(false)}>
              Keep
            </button>
          </>
        ) : (
          <>
            <button type="button" className="small-button" aria-label={`Rename ${item.title}`} onClick={() => setEditing(true)}>
              Rename
            </button>
            <button type="button" className="small-button" aria-label={`Delete ${item.title}`} onClick={() => setConfirming(true)}>
              Delete
            </button>
          </>
        )}
      </div>
    </li>
  );
}

interface Props {
  model: ConversationsModel;
  /** Called after a conversation was opened or started (the phone layout closes the list). */
  onChosen: () => void;
}

/** The person's server-kept conversations: open, start, rename, delete. */
export function ConversationList({ model, onChosen }: Props): ReactNode {
  return (
    <nav className="conversations" aria-label="Conversations">
      <div className="conversations-head">
        <h2 className="small-heading">Conversations</h2>
        <button
          type="button"
          className="small-button"
          aria-label="Start a new conversation"
          onClick={() => {
            model.startNew();
            onChosen();
          }}
        >
          + New
        </button>
      </div>
      {model.error && (
        <p className="error-text small" role="alert">
          {model.error}
        </p>
      )}
      {model.items.length === 0 ? (
        <p className="muted small">Your conversations appear here.</p>
      ) : (
        <ul className="conversation-list">
          {model.items.map((item) => (
            <Item key={item.conversation_id} item={item} current={item.conversation_id === model.currentId} model={model} onOpened={onChosen} />
          ))}
        </ul>
      )}
    </nav>
  );
}
