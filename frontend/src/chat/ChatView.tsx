import { useCallback, useEffect, useRef, useState, type ReactNode } from "react";
import type { Document, Source } from "../api/types";
import { ConversationList } from "../conversations/ConversationList";
import { useConversations } from "../conversations/useConversations";
import { useApp } from "../context";
import type { AssistantMessage } from "./chatState";
import { Composer } from "./Composer";
import { MessageView } from "./MessageView";
import { ScopePicker } from "./ScopePicker";
import { SourcePanel } from "./SourcePanel";
import type { ChatModel } from "./useChat";

interface Props {
  chat: ChatModel;
  documents: Document[];
}

/** The chat page: conversation, composer, optional document scope, source panel. */
export function ChatView({ chat, documents }: Props): ReactNode {
  const { status } = useApp();
  const [scope, setScope] = useState<string[]>([]);
  const [cited, setCited] = useState<{ n: number; source: Source | null } | null>(null);
  const conversations = useConversations(chat);
  const [listOpen, setListOpen] = useState(false);
  const end = useRef<HTMLDivElement>(null);
  const messages = chat.state.messages;
  const lastText = messages.at(-1)?.kind === "assistant" ? (messages.at(-1) as AssistantMessage).text : "";

  useEffect(() => {
    end.current?.scrollIntoView?.({ block: "end" });
  }, [messages.length, lastText]);

  // Selected documents that were deleted meanwhile leave the scope.
  useEffect(() => {
    setScope((ids) => ids.filter((id) => documents.some((d) => d.doc_id === id)));
  }, [documents]);

  const onCite = useCallback((message: AssistantMessage, n: number) => {
    setCited({ n, source: message.sources.find((s) => s.n === n) ?? null });
  }, []);
  const closeSource = useCallback(() => setCited(null), []);

  return (
    <div className={`chat-view with-list${cited ? " with-panel" : ""}${listOpen ? " list-open" : ""}`}>
      <ConversationList model={conversations} onChosen={() => setListOpen(false)} />
      <div className="chat-main">
        <button
          type="button"
          className="small-button list-toggle"
          aria-expanded={listOpen}
          onClick={() => setListOpen((open) => !open)}
        >
          {listOpen ? "Hide conversations" : "Conversations"}
        </button>
        <div className="conversation" role="log" aria-label="Conversation" aria-live="polite" aria-relevant="additions">
          {messages.length === 0 ? (
            <div className="empty-chat">
              <h1>Ask your documents</h1>
              <p className="muted">Answers quote your documents and cite the file and page they came from.</p>
            </div>
          ) : (
            messages.map((m) => (
              <MessageView key={m.id} message={m} onCite={onCite} onRetry={chat.retry} onStop={chat.stop} onRate={conversations.rate} />
            ))
          )}
          <div ref={end} />
        </div>
        <div className="composer-area">
          <ScopePicker documents={documents} selected={scope} onChange={setScope} />
          <Composer
            busy={chat.busy}
            disabled={status === "stopped"}
            onSend={(q) => chat.ask(q, scope.length ? scope : null)}
            onStop={chat.stop}
          />
          {messages.length > 0 && !chat.busy && (
            <button type="button" className="link-button small" onClick={conversations.startNew}>
              New conversation
            </button>
          )}
        </div>
      </div>
      <SourcePanel n={cited?.n ?? null} source={cited?.source ?? null} onClose={closeSource} />
    </div>
  );
}
