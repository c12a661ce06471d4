import { describe, expect, it } from "vitest";
import type { Conversation, ServerEvent, Turn } from "../api/types";
import { chatReducer, initialChat, isBusy, type AssistantMessage, type ChatState } from "./chatState";

const ev = (event: ServerEvent) => ({ type: "event" as const, event });
const answer = (s: ChatState) => s.messages.at(-1) as AssistantMessage;
const asked = (rid = "r1", question = "Who leads Atlas?") =>
  chatReducer(initialChat, { type: "ask", requestId: rid, question, docIds: null });
const source = { n: 1, doc_id: "d", filename: "h.pdf", page: 6, snippet: "…", score: 0.5 };

describe("chatReducer", () => {
  it("streams tokens, then sources, then done", () => {
    let s = asked();
    expect(isBusy(s)).toBe(true);
    s = chatReducer(s, ev({ type: "token", request_id: "r1", text: "Dr. " }));
    s = chatReducer(s, ev({ type: "token", request_id: "r1", text: "Solberg [1]." }));
    s = chatReducer(s, ev({ type: "token", request_id: "other", text: "nope" }));
    s = chatReducer(s, ev({ type: "sources", request_id: "r1", sources: [source] }));
    s = chatReducer(s, ev({ type: "done", request_id: "r1" }));
    expect(answer(s)).toMatchObject({ text: "Dr. Solberg [1].", status: "done", sources: [source] });
    expect(isBusy(s)).toBe(false);
  });

  it("ignores frames that arrive after stop, and a cancelled error keeps it stopped", () => {
    let s = chatReducer(asked(), ev({ type: "token", request_id: "r1", text: "Part" }));
    s = chatReducer(s, { type: "stop", requestId: "r1" });
    s = chatReducer(s, ev({ type: "token", request_id: "r1", text: " late" }));
    s = chatReducer(s, ev({ type: "error", request_id: "r1", code: "cancelled", message: "cancelled" }));
    expect(answer(s)).toMatchObject({ text: "Part", status: "stopped" });
  });

  it("shows a server error with its message", () => {
    const s = chatReducer(asked(), ev({ type: "error", request_id: "r1", code: "bad_request", message: "the question is empty" }));
    expect(answer(s)).toMatchObject({ status: "error", error: "the question is empty" });
  });

  it("shows a busy model as an error the person can retry, with the server's hint", () => {
    const hint = "The model is busy right now; try again in a few seconds.";
    const s = chatReducer(asked(), ev({ type: "error", request_id: "r1", code: "unavailable", message: hint }));
    expect(answer(s)).toMatchObject({ status: "error", error: hint });
  });

  it("marks answers in flight as interrupted when the socket drops", () => {
    let s = chatReducer(asked(), ev({ type: "token", request_id: "r1", text: "Half" }));
    s = chatReducer(s, { type: "disconnected" });
    expect(answer(s).status).toBe("interrupted");
  });

  it("retry restarts the same answer under a new request id", () => {
    let s = chatReducer(asked(), ev({ type: "error", request_id: "r1", code: "internal", message: "boom" }));
    const id = answer(s).id;
    s = chatReducer(s, { type: "retry", messageId: id, requestId: "r2" });
    expect(answer(s)).toMatchObject({ requestId: "r2", status: "streaming", text: "", error: undefined });
    expect(s.messages).toHaveLength(2);
    s = chatReducer(s, ev({ type: "token", request_id: "r2", text: "ok" }));
    expect(answer(s).text).toBe("ok");
  });
});

describe("server-kept conversations", () => {
  const turn = (n: number, question: string, extra: Partial<Turn> = {}): Turn => ({
    n,
    question,
    answer: `answer ${n} [1]`,
    sources: [source],
    cancelled: false,
    settings: { llm_provider: "extractive", llm_model: "extractive", embed_provider: "minilm", retrieval_mode: "hybrid", reranker: "none", top_k: 6, doc_ids: null },
    created_at: "2026-11-29T07:00:00Z",
    feedback: null,
    ...extra,
  });
  const conversation = (turns: Turn[]): Conversation => ({
    conversation_id: "c1",
    owner: "alice",
    title: "Who leads Atlas?",
    created_at: "2026-11-29T07:00:00Z",
    updated_at: "2026-11-29T07:00:00Z",
    turn_count: turns.length,
    turns,
  });

  it("adopts the conversation announced for its own request only", () => {
    let s = chatReducer(asked(), ev({ type: "conversation", request_id: "elsewhere", conversation_id: "x" }));
    expect(s.conversationId).toBeNull();
    s = chatReducer(s, ev({ type: "conversation", request_id: "r1", conversation_id: "c1" }));
    s = chatReducer(s, ev({ type: "token", request_id: "r1", text: "Dr. Solberg" }));
    expect(s.conversationId).toBeNull(); // stored (so continued) only once the answer ends
    s = chatReducer(s, ev({ type: "done", request_id: "r1" }));
    expect(s.conversationId).toBe("c1");
    expect(answer(s).text).toBe("Dr. Solberg");
    expect(chatReducer(s, { type: "clear" })).toEqual(initialChat);
  });

  it("does not continue a conversation whose first answer failed (the server stored nothing)", () => {
    let s = chatReducer(asked(), ev({ type: "conversation", request_id: "r1", conversation_id: "c1" }));
    s = chatReducer(s, ev({ type: "error", request_id: "r1", code: "unavailable", message: "busy" }));
    expect(s.conversationId).toBeNull();
    s = chatReducer(s, { type: "ask", requestId: "r2", question: "again", docIds: null });
    s = chatReducer(s, ev({ type: "conversation", request_id: "r2", conversation_id: "c2" }));
    s = chatReducer(s, { type: "stop", requestId: "r2" }); // a stopped answer is stored, marked
    expect(s.conversationId).toBe("c2");
  });

  it("loads stored turns as messages with their turn numbers and feedback", () => {
    const up = { rating: "up" as const, comment: null, at: "2026-11-29T07:01:00Z" };
    const s = chatReducer(initialChat, { type: "load", conversation: conversation([turn(0, "q0", { feedback: up }), turn(1, "q1", { cancelled: true })]) });
    expect(s.conversationId).toBe("c1");
    expect(s.messages.map((m) => m.kind)).toEqual(["user", "assistant", "user", "assistant"]);
    const [first, second] = s.messages.filter((m): m is AssistantMessage => m.kind === "assistant");
    expect(first).toMatchObject({ turn: 0, status: "done", feedback: up, text: "answer 0 [1]", sources: [source] });
    expect(second).toMatchObject({ turn: 1, status: "stopped", feedback: null });
    expect(isBusy(s)).toBe(false);
  });

  it("learns the stored turn numbers of streamed answers without replacing them", () => {
    let s = chatReducer(asked("r1", "q0"), ev({ type: "conversation", request_id: "r1", conversation_id: "c1" }));
    s = chatReducer(s, ev({ type: "done", request_id: "r1" }));
    s = chatReducer(s, { type: "ask", requestId: "r2", question: "bad", docIds: null });
    s = chatReducer(s, ev({ type: "error", request_id: "r2", code: "bad_request", message: "no" }));
    s = chatReducer(s, { type: "ask", requestId: "r3", question: "q1", docIds: null });
    s = chatReducer(s, ev({ type: "done", request_id: "r3" }));
    s = chatReducer(s, { type: "synced", conversation: conversation([turn(0, "q0"), turn(1, "q1")]) });
    const answers = s.messages.filter((m): m is AssistantMessage => m.kind === "assistant");
    expect(answers.map((a) => [a.requestId, a.turn])).toEqual([["r1", 0], ["r2", undefined], ["r3", 1]]);
    expect(chatReducer(s, { type: "synced", conversation: { ...conversation([]), conversation_id: "other" } })).toBe(s);
  });

  it("records a rating on its turn only", () => {
    let s = chatReducer(initialChat, { type: "load", conversation: conversation([turn(0, "q0"), turn(1, "q1")]) });
    const down = { rating: "down" as const, comment: "wrong page", at: "2026-11-29T07:02:00Z" };
    s = chatReducer(s, { type: "rated", turn: 1, feedback: down });
    const answers = s.messages.filter((m): m is AssistantMessage => m.kind === "assistant");
    expect(answers.map((a) => a.feedback)).toEqual([null, down]);
  });
});
