import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError } from "../api/errors";
import type { ConversationSummary, Rating } from "../api/types";
import type { AssistantMessage } from "../chat/chatState";
import type { ChatModel } from "../chat/useChat";
import { useApp } from "../context";

/** Where the open conversation's id is kept, so a reload resumes it. */
export const CURRENT_KEY = "rag.conversation";

export interface ConversationsModel {
  items: ConversationSummary[];
  currentId: string | null;
  error: string | null;
  open: (id: string) => Promise<void>;
  startNew: () => void;
  rename: (id: string, title: string) => Promise<void>;
  remove: (id: string) => Promise<void>;
  rate: (message: AssistantMessage, rating: Rating, comment?: string) => Promise<void>;
}

function remembered(): string | null {
  try {
    return globalThis.localStorage?.getItem(CURRENT_KEY) ?? null;
  } catch {
    return null;
  }
}

function remember(id: string | null): void {
  try {
    if (id) globalThis.localStorage?.setItem(CURRENT_KEY, id);
    else globalThis.localStorage?.removeItem(CURRENT_KEY);
  } catch {
    // storage may be disabled; resuming after a reload is then simply unavailable
  }
}

const messageOf = (err: unknown) => (err instanceof ApiError ? err.message : "The request failed.");

/** The person's conversations (server-kept), and the open one's persistence and feedback. */
export function useConversations(chat: ChatModel): ConversationsModel {
  const { rest } = useApp();
  const { load, synced, clear, rated } = chat;
  const [items, setItems] = useState<ConversationSummary[]>([]);
  const [error, setError] = useState<string | null>(null);
  const currentId = chat.state.conversationId;

  const refresh = useCallback(async () => {
    try {
      setItems((await rest.listConversations({ limit: 50 })).items);
    } catch (err) {
      setError(messageOf(err));
    }
  }, [rest]);

  const open = useCallback(
    async (id: string) => {
      try {
        load(await rest.getConversation(id));
        setError(null);
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) remember(null);
        else setError(messageOf(err));
      }
    },
    [rest, load],
  );

  // On start: resume the conversation that was open before the reload.
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    const id = remembered();
    if (id) void open(id);
    void refresh();
  }, [open, refresh]);

  useEffect(() => {
    if (started.current) remember(currentId);
  }, [currentId]);

  // Once an answer is done, read the conversation back: the server numbers the turns
  // (feedback is per turn) and the list shows the new or updated conversation.
  const unsynced = chat.state.messages.some((m) => m.kind === "assistant" && m.status === "done" && m.turn == null);
  useEffect(() => {
    if (unsynced && !chat.busy && currentId) {
      rest.getConversation(currentId).then(synced, () => undefined);
      void refresh();
    }
  }, [unsynced, chat.busy, currentId, rest, synced, refresh]);

  const startNew = useCallback(() => clear(), [clear]);

  const rename = useCallback(
    async (id: string, title: string) => {
      try {
        const updated = await rest.renameConversation(id, title);
        setItems((list) => list.map((c) => (c.conversation_id === id ? updated : c)));
        setError(null);
      } catch (err) {
        setError(messageOf(err));
      }
    },
    [rest],
  );

  const remove = useCallback(
    async (id: string) => {
      try {
        await rest.deleteConversation(id);
        setItems((list) => list.filter((c) => c.conversation_id !== id));
        if (id === currentId) clear();
        setError(null);
      } catch (err) {
        setError(messageOf(err));
      }
    },
    [rest, currentId, clear],
  );

  const rate = useCallback(
    async (message: AssistantMessage, rating: Rating, comment?: string) => {
      if (!currentId || message.turn == null) return;
      try {
        const turn = await rest.rateAnswer(currentId, message.turn, rating, comment);
        rated(message.turn, turn.feedback ?? null);
        setError(null);
      } catch (err) {
        setError(messageOf(err));
      }
    },
    [rest, currentId, rated],
  );

  return { items, currentId, error, open, startNew, rename, remove, rate };
}
