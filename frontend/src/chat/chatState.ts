import type { Conversation, Feedback, ServerEvent, Source } from "../api/types";

export type AnswerStatus = "streaming" | "done" | "stopped" | "error" | "interrupted";

export interface UserMessage {
  kind: "user";
  id: string;
  text: string;
}

export interface AssistantMessage {
  kind: "assistant";
  id: string;
  requestId: string;
  /** The question this answers (for retry). */
  question: string;
  docIds: string[] | null;
  text: string;
  sources: Source[];
  status: AnswerStatus;
  error?: string;
  /** The stored turn's number once the server has it (feedback is given per turn). */
  turn?: number;
  feedback?: Feedback | null;
  /** The conversation the server announced for this answer. */
  conversationId?: string;
}

export type Message = UserMessage | AssistantMessage;

export interface ChatState {
  messages: Message[];
  /** The server-kept conversation these messages belong to (null: the next ask starts one). */
  conversationId: string | null;
}

export type ChatAction =
  | { type: "ask"; requestId: string; question: string; docIds: string[] | null }
  | { type: "retry"; messageId: string; requestId: string }
  | { type: "stop"; requestId: string }
  | { type: "disconnected" }
  | { type: "event"; event: ServerEvent }
  | { type: "clear" }
  | { type: "load"; conversation: Conversation }
  | { type: "synced"; conversation: Conversation }
  | { type: "rated"; turn: number; feedback: Feedback | null };

export const initialChat: ChatState = { messages: [], conversationId: null };

/** The stored conversation as messages (the server keeps the history; the app only shows it). */
export function messagesOf(conversation: Conversation): Message[] {
  return (conversation.turns ?? []).flatMap((t): Message[] => [
    { kind: "user", id: `u-t${t.n}`, text: t.question },
    {
      kind: "assistant",
      id: `a-t${t.n}`,
      requestId: `stored-${conversation.conversation_id}-${t.n}`,
      question: t.question,
      docIds: t.settings.doc_ids ?? null,
      text: t.answer,
      sources: t.sources ?? [],
      status: t.cancelled ? "stopped" : "done",
      turn: t.n,
      feedback: t.feedback ?? null,
    },
  ]);
}

/** The answers on screen with the numbers (and ratings) of their stored turns, matched in order
 * by question; the messages themselves stay as they are (no re-render of what was streamed). */
export function withTurns(messages: Message[], conversation: Conversation): Message[] {
  const turns = conversation.turns ?? [];
  let next = 0;
  return messages.map((m) => {
    if (m.kind !== "assistant" || (m.status !== "done" && m.status !== "stopped")) return m;
    const i = turns.findIndex((t, k) => k >= next && t.question === m.question.trim());
    const stored = turns[i];
    if (!stored) return m;
    next = i + 1;
    return { ...m, turn: stored.n, feedback: stored.feedback ?? null };
  });
}

export function isBusy(state: ChatState): boolean {
  return state.messages.some((m) => m.kind === "assistant" && m.status === "streaming");
}

function updateAnswer(
  state: ChatState,
  requestId: string | null | undefined,
  change: (m: AssistantMessage) => AssistantMessage,
): ChatState {
  if (!requestId) return state;
  let hit = false;
  const messages = state.messages.map((m) => {
    if (m.kind !== "assistant" || m.requestId !== requestId) return m;
    hit = true;
    return change(m);
  });
  return hit ? { ...state, messages } : state;
}

// Frames for an answer the user stopped (or that was interrupted) are late; drop them.
const live = (m: AssistantMessage) => m.status === "streaming";

/** Continue the conversation of an answer that ended done or stopped (so it is stored). */
function adopt(state: ChatState, requestId: string | null | undefined): ChatState {
  const m = state.messages.find((x) => x.kind === "assistant" && x.requestId === requestId);
  const id = m?.kind === "assistant" && m.status !== "error" ? m.conversationId : undefined;
  return id && id !== state.conversationId ? { ...state, conversationId: id } : state;
}

function onEvent(state: ChatState, event: ServerEvent): ChatState {
  switch (event.type) {
    case "token":
      return updateAnswer(state, event.request_id, (m) => (live(m) ? { ...m, text: m.text + event.text } : m));
    case "sources":
      return updateAnswer(state, event.request_id, (m) => (live(m) ? { ...m, sources: event.sources } : m));
    case "done":
      return adopt(updateAnswer(state, event.request_id, (m) => (live(m) ? { ...m, status: "done" } : m)), event.request_id);
    case "error": {
      const next = updateAnswer(state, event.request_id, (m) =>
        !live(m) ? m : event.code === "cancelled" ? { ...m, status: "stopped" } : { ...m, status: "error", error: event.message },
      );
      return event.code === "cancelled" ? adopt(next, event.request_id) : next;
    }
    case "conversation":
      // Kept on the answer (only an answer of this view) until it ends: the server stores a
      // conversation with its first done or cancelled answer, never with a failed one.
      return updateAnswer(state, event.request_id, (m) => ({ ...m, conversationId: event.conversation_id }));
    default:
      return state;
  }
}

export function chatReducer(state: ChatState, action: ChatAction): ChatState {
  switch (action.type) {
    case "ask": {
      const user: UserMessage = { kind: "user", id: `u-${action.requestId}`, text: action.question };
      const answer: AssistantMessage = {
        kind: "assistant",
        id: `a-${action.requestId}`,
        requestId: action.requestId,
        question: action.question,
        docIds: action.docIds,
        text: "",
        sources: [],
        status: "streaming",
      };
      return { ...state, messages: [...state.messages, user, answer] };
    }
    case "retry":
      return {
        ...state,
        messages: state.messages.map((m) =>
          m.kind === "assistant" && m.id === action.messageId
            ? { ...m, requestId: action.requestId, text: "", sources: [], status: "streaming", error: undefined, turn: undefined, feedback: null }
            : m,
        ),
      };
    case "stop":
      return adopt(updateAnswer(state, action.requestId, (m) => (live(m) ? { ...m, status: "stopped" } : m)), action.requestId);
    case "disconnected":
      return {
        ...state,
        messages: state.messages.map((m) =>
          m.kind === "assistant" && live(m) ? { ...m, status: "interrupted", error: "The connection dropped." } : m,
        ),
      };
    case "event":
      return onEvent(state, action.event);
    case "clear":
      return initialChat;
    case "load":
      return { messages: messagesOf(action.conversation), conversationId: action.conversation.conversation_id };
    case "synced":
      return state.conversationId === action.conversation.conversation_id
        ? { ...state, messages: withTurns(state.messages, action.conversation) }
        : state;
    case "rated":
      return {
        ...state,
        messages: state.messages.map((m) => (m.kind === "assistant" && m.turn === action.turn ? { ...m, feedback: action.feedback } : m)),
      };
  }
}
