import { useMemo, useState, type ReactNode } from "react";
import type { Rating } from "../api/types";
import { FeedbackBar } from "../conversations/FeedbackBar";
import { SafeMarkdown } from "../markdown/SafeMarkdown";
import type { AssistantMessage, Message } from "./chatState";
import { inCitationOrder, isNotFound } from "./citations";

interface Props {
  message: Message;
  onCite: (message: AssistantMessage, n: number) => void;
  onRetry: (id: string) => void;
  onStop: () => void;
  /** Rate a stored answer (issue 15); absent: no feedback buttons. */
  onRate?: (message: AssistantMessage, rating: Rating, comment?: string) => Promise<void>;
}

const STATUS_TEXT: Partial<Record<AssistantMessage["status"], string>> = {
  stopped: "Stopped.",
  interrupted: "The connection dropped before the answer finished.",
};

function CopyButton({ text }: { text: string }): ReactNode {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      setCopied(false);
    }
  };
  return (
    <button type="button" className="small-button" onClick={() => void copy()} disabled={!text}>
      {copied ? "Copied" : "Copy"}
    </button>
  );
}

function Answer({ message, onCite, onRetry, onStop, onRate }: Props & { message: AssistantMessage }): ReactNode {
  const known = useMemo(() => new Set(message.sources.map((s) => s.n)), [message.sources]);
  const streaming = message.status === "streaming";
  const sources = useMemo(() => inCitationOrder(message.text, message.sources), [message.text, message.sources]);
  const notFound = isNotFound(message.status, message.sources);
  return (
    <article
      className={`message assistant ${message.status}${notFound ? " not-found" : ""}`}
      aria-busy={streaming}
      data-request-id={message.requestId}
      data-status={message.status}
      data-outcome={notFound ? "not-found" : undefined}
    >
      <h3 className="visually-hidden">Answer</h3>
      <div className="answer-text">
        {message.text ? (
          <SafeMarkdown text={message.text} knownCitations={known} onCite={(n) => onCite(message, n)} />
        ) : streaming ? (
          <p className="muted typing" aria-label="Thinking">
            <span className="dot" />
            <span className="dot" />
            <span className="dot" />
          </p>
        ) : null}
      </div>
      {notFound && (
        <p className="muted small not-found-note" role="note">
          Nothing in your documents answers this, so no source is shown. Try other words, or upload a document that covers it.
        </p>
      )}
      {sources.length > 0 && (
        <ol className="source-chips" aria-label="Sources">
          {sources.map((s) => (
            <li key={s.n}>
              <button type="button" className="chip" onClick={() => onCite(message, s.n)}>
                <span className="chip-n">{s.n}</span> {s.filename}
                {s.page != null && <span className="muted"> p. {s.page}</span>}
              </button>
            </li>
          ))}
        </ol>
      )}
      {message.error && message.status === "error" && (
        <p className="error-text" role="alert">
          {message.error}
        </p>
      )}
      {STATUS_TEXT[message.status] && <p className="muted small">{STATUS_TEXT[message.status]}</p>}
      <div className="message-actions">
        {streaming ? (
          <button type="button" className="small-button" onClick={onStop}>
            Stop
          </button>
        ) : (
          <>
            <CopyButton text={message.text} />
            <button type="button" className="small-button" onClick={() => onRetry(message.id)}>
              Retry
            </button>
          </>
        )}
      </div>
      {!streaming && onRate && <FeedbackBar message={message} onRate={onRate} />}
    </article>
  );
}

export function MessageView(props: Props): ReactNode {
  const { message } = props;
  if (message.kind === "user") {
    return (
      <article className="message user">
        <h3 className="visually-hidden">You asked</h3>
        <p>{message.text}</p>
      </article>
    );
  }
  return <Answer {...props} message={message} />;
}
