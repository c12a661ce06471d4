import { describe, expect, it } from "vitest";
import type { ServerEvent } from "../api/types";
import { HISTORY_TURNS, chatReducer, historyBefore, initialChat, isBusy, type AssistantMessage, type ChatState } from "./chatState";

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

describe("historyBefore", () => {
  it("carries completed turns only, most recent last, capped", () => {
    let s = asked("r1", "q1");
    s = chatReducer(s, ev({ type: "token", request_id: "r1", text: "a1" }));
    s = chatReducer(s, ev({ type: "done", request_id: "r1" }));
    s = chatReducer(s, { type: "ask", requestId: "r2", question: "q2", docIds: null });
    s = chatReducer(s, { type: "stop", requestId: "r2" });
    expect(historyBefore(s.messages)).toEqual([
      { role: "user", content: "q1" },
      { role: "assistant", content: "a1" },
      { role: "user", content: "q2" },
    ]);
    for (let i = 3; i < 10; i++) s = chatReducer(s, { type: "ask", requestId: `r${i}`, question: `q${i}`, docIds: null });
    const h = historyBefore(s.messages);
    expect(h).toHaveLength(HISTORY_TURNS);
    expect(h.at(-1)).toEqual({ role: "user", content: "q9" });
  });
});
