import { useState, type FormEvent, type ReactNode } from "react";
import type { Rating } from "../api/types";
import type { AssistantMessage } from "../chat/chatState";

export const MAX_COMMENT_CHARS = 1000;

/** A thumb drawn inline (emoji fonts are not everywhere); ``down`` turns it over. */
function Thumb({ down = false }: { down?: boolean }): ReactNode {
  return (
    <svg aria-hidden="true" focusable="false" width="16" height="16" viewBox="0 0 24 24" style={down ? { transform: "rotate(180deg)" } : undefined}>
      <path
        fill="currentColor"
        d="M2 21h4V9H2v12zm20-11a2 2 0 0 0-2-2h-6.3l.95-4.57.03-.32a1.5 1.5 0 0 0-.44-1.06L13.17 1 6.59 7.59A1.98 1.98 0 0 0 6 9v10a2 2 0 0 0 2 2h9a2 2 0 0 0 1.84-1.22l3.02-7.05c.09-.23.14-.47.14-.73v-2z"
      />
    </svg>
  );
}

interface Props {
  message: AssistantMessage;
  onRate: (message: AssistantMessage, rating: Rating, comment?: string) => Promise<void>;
}

/** Thumbs up or down on a stored answer, then an optional comment (at most 1,000 characters). */
export function FeedbackBar({ message, onRate }: Props): ReactNode {
  const current = message.feedback?.rating ?? null;
  const [commenting, setCommenting] = useState(false);
  const [comment, setComment] = useState(message.feedback?.comment ?? "");
  const [sent, setSent] = useState(false);
  if (message.turn == null) return null;

  const choose = (rating: Rating) => {
    setSent(false);
    setCommenting(true);
    void onRate(message, rating, comment.trim() || undefined);
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!current) return;
    void onRate(message, current, comment.trim() || undefined).then(() => {
      setSent(true);
      setCommenting(false);
    });
  };
  const field = `comment-${message.id}`;
  return (
    <div className="feedback">
      <div role="group" aria-label="Rate this answer" className="feedback-buttons">
        <button type="button" className="small-button thumb" aria-pressed={current === "up"} aria-label="Good answer" onClick={() => choose("up")}>
          <Thumb />
        </button>
        <button type="button" className="small-button thumb" aria-pressed={current === "down"} aria-label="Bad answer" onClick={() => choose("down")}>
          <Thumb down />
        </button>
        {sent && <span className="muted small" role="status">Thanks for the feedback.</span>}
      </div>
      {commenting && current && (
        <form className="feedback-form" onSubmit={submit}>
          <label htmlFor={field} className="small">
            Comment (optional)
          </label>
          <textarea
            id={field}
            rows={2}
            maxLength={MAX_COMMENT_CHARS}
            value={comment}
            onChange={(e) => setComment(e.target.value)}
          />
          <div className="feedback-form-actions">
            <span className="muted small">{comment.length}/{MAX_COMMENT_CHARS}</span>
            <button type="submit" className="small-button">
              Send feedback
            </button>
          </div>
        </form>
      )}
    </div>
  );
}
