import { useRef, useState, type KeyboardEvent, type ReactNode } from "react";

interface Props {
  busy: boolean;
  disabled: boolean;
  onSend: (text: string) => void;
  onStop: () => void;
}

/** Enter sends, Shift+Enter adds a line; while an answer streams the button stops it. */
export function Composer({ busy, disabled, onSend, onStop }: Props): ReactNode {
  const [text, setText] = useState("");
  const area = useRef<HTMLTextAreaElement>(null);
  const send = () => {
    const question = text.trim();
    if (!question || busy || disabled) return;
    onSend(question);
    setText("");
  };
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    // isComposing: Enter that confirms an IME composition must not send.
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      send();
    }
  };
  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
    >
      <label htmlFor="question" className="visually-hidden">
        Ask a question
      </label>
      <textarea
        id="question"
        ref={area}
        value={text}
        rows={Math.min(6, Math.max(1, text.split("\n").length))}
        placeholder="Ask about your documents…  (Enter to send, Shift+Enter for a new line)"
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKeyDown}
        maxLength={4000}
        autoFocus
      />
      {busy ? (
        <button type="button" className="primary stop" onClick={onStop}>
          Stop
        </button>
      ) : (
        <button type="submit" className="primary" disabled={disabled || !text.trim()}>
          Send
        </button>
      )}
    </form>
  );
}
