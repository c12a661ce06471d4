import type { ChatTurn, ServerEvent, Source } from "../api/types";

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
}

export type Message = UserMessage | AssistantMessage;

export interface ChatState {
  messages: Message[];
}

export type ChatAction =
  | { type: "ask"; requestId: string; question: string; docIds: string[] | null }
  | { type: "retry"; messageId: string; requestId: string }
  | { type: "stop"; requestId: string }
  | { type: "disconnected" }
  | { type: "event"; event: ServerEvent }
  | { type: "clear" };

export const initialChat: ChatState = { messages: [] };

/** How many earlier turns a follow-up carries (the server keeps at most its own limit of them). */
export const HISTORY_TURNS = 6;
const MAX_TURN_CHARS = 20_000;

/** The recent completed turns before message index `before`, as the `history` of an ask. */
export function historyBefore(messages: Message[], before: number = messages.length): ChatTurn[] {
  const turns: ChatTurn[] = [];
  for (const m of messages.slice(0, before)) {
    if (m.kind === "user") turns.push({ role: "user", content: m.text.slice(0, MAX_TURN_CHARS) });
    else if (m.status === "done" && m.text) turns.push({ role: "assistant", content: m.text.slice(0, MAX_TURN_CHARS) });
  }
  return turns.slice(-HISTORY_TURNS);
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
  return hit ? { messages } : state;
}

// Frames for an answer the user stopped (or that was interrupted) are late; drop them.
const live = (m: AssistantMessage) => m.status === "streaming";

function onEvent(state: ChatState, event: ServerEvent): ChatState {
  switch (event.type) {
    case "token":
      return updateAnswer(state, event.request_id, (m) => (live(m) ? { ...m, text: m.text + event.text } : m));
    case "sources":
      return updateAnswer(state, event.request_id, (m) => (live(m) ? { ...m, sources: event.sources } : m));
    case "done":
      return updateAnswer(state, event.request_id, (m) => (live(m) ? { ...m, status: "done" } : m));
    case "error":
      return updateAnswer(state, event.request_id, (m) =>
        !live(m) ? m : event.code === "cancelled" ? { ...m, status: "stopped" } : { ...m, status: "error", error: event.message },
      );
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
      return { messages: [...state.messages, user, answer] };
    }
    case "retry":
      return {
        messages: state.messages.map((m) =>
          m.kind === "assistant" && m.id === action.messageId
            ? { ...m, requestId: action.requestId, text: "", sources: [], status: "streaming", error: undefined }
            : m,
        ),
      };
    case "stop":
      return updateAnswer(state, action.requestId, (m) => (live(m) ? { ...m, status: "stopped" } : m));
    case "disconnected":
      return {
        messages: state.messages.map((m) =>
          m.kind === "assistant" && live(m) ? { ...m, status: "interrupted", error: "The connection dropped." } : m,
        ),
      };
    case "event":
      return onEvent(state, action.event);
    case "clear":
      return initialChat;
  }
}
