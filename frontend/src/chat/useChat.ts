import { useCallback, useEffect, useReducer, useRef } from "react";
import { useApp } from "../context";
import { chatReducer, historyBefore, initialChat, isBusy, type ChatState } from "./chatState";

function newRequestId(): string {
  return globalThis.crypto?.randomUUID?.() ?? `r-${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

export interface ChatModel {
  state: ChatState;
  busy: boolean;
  ask: (question: string, docIds: string[] | null) => void;
  stop: () => void;
  retry: (messageId: string) => void;
  clear: () => void;
}

/** Conversation state driven by the shared socket's events. */
export function useChat(): ChatModel {
  const { socket, subscribe, status } = useApp();
  const [state, dispatch] = useReducer(chatReducer, initialChat);
  const stateRef = useRef(state);
  stateRef.current = state;

  useEffect(() => subscribe((event) => dispatch({ type: "event", event })), [subscribe]);

  // A dropped socket ends the answers in flight: the server will not resume them.
  const wasOpen = useRef(false);
  useEffect(() => {
    if (status === "open") wasOpen.current = true;
    else if (wasOpen.current) dispatch({ type: "disconnected" });
  }, [status]);

  const ask = useCallback(
    (question: string, docIds: string[] | null) => {
      const requestId = newRequestId();
      const history = historyBefore(stateRef.current.messages);
      dispatch({ type: "ask", requestId, question, docIds });
      socket.send({ action: "ask", request_id: requestId, question, history, ...(docIds ? { doc_ids: docIds } : {}) });
    },
    [socket],
  );

  const stop = useCallback(() => {
    for (const m of stateRef.current.messages) {
      if (m.kind === "assistant" && m.status === "streaming") {
        socket.unqueue((msg) => msg.action === "ask" && msg.request_id === m.requestId);
        socket.send({ action: "cancel", request_id: m.requestId });
        dispatch({ type: "stop", requestId: m.requestId });
      }
    }
  }, [socket]);

  const retry = useCallback(
    (messageId: string) => {
      const messages = stateRef.current.messages;
      const index = messages.findIndex((m) => m.id === messageId);
      const target = messages[index];
      if (!target || target.kind !== "assistant") return;
      const requestId = newRequestId();
      // History is what came before this answer's question.
      const history = historyBefore(messages, Math.max(0, index - 1));
      dispatch({ type: "retry", messageId, requestId });
      const docIds = target.docIds;
      socket.send({ action: "ask", request_id: requestId, question: target.question, history, ...(docIds ? { doc_ids: docIds } : {}) });
    },
    [socket],
  );

  const clear = useCallback(() => dispatch({ type: "clear" }), []);

  return { state, busy: isBusy(state), ask, stop, retry, clear };
}
