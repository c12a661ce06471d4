import { useCallback, useEffect, useReducer, useRef } from "react";
import { useApp } from "../context";
import type { Conversation, Feedback } from "../api/types";
import { chatReducer, initialChat, isBusy, type ChatState } from "./chatState";

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
  /** Show a stored conversation (resume after a reload, or one picked from the list). */
  load: (conversation: Conversation) => void;
  /** Learn the stored turns' numbers of the answers on screen. */
  synced: (conversation: Conversation) => void;
  rated: (turn: number, feedback: Feedback | null) => void;
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
      const conversation = stateRef.current.conversationId;
      dispatch({ type: "ask", requestId, question, docIds });
      // No history: the server answers from the conversation it kept (issue 15).
      socket.send({
        action: "ask",
        request_id: requestId,
        question,
        ...(conversation ? { conversation_id: conversation } : {}),
        ...(docIds ? { doc_ids: docIds } : {}),
      });
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
      const conversation = stateRef.current.conversationId;
      dispatch({ type: "retry", messageId, requestId });
      const docIds = target.docIds;
      socket.send({
        action: "ask",
        request_id: requestId,
        question: target.question,
        ...(conversation ? { conversation_id: conversation } : {}),
        ...(docIds ? { doc_ids: docIds } : {}),
      });
    },
    [socket],
  );

  const clear = useCallback(() => dispatch({ type: "clear" }), []);
  const load = useCallback((conversation: Conversation) => dispatch({ type: "load", conversation }), []);
  const synced = useCallback((conversation: Conversation) => dispatch({ type: "synced", conversation }), []);
  const rated = useCallback((turn: number, feedback: Feedback | null) => dispatch({ type: "rated", turn, feedback }), []);

  return { state, busy: isBusy(state), ask, stop, retry, clear, load, synced, rated };
}
