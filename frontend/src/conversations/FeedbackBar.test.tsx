import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import type { AssistantMessage } from "../chat/chatState";
import { FeedbackBar, MAX_COMMENT_CHARS } from "./FeedbackBar";

const answer = (over: Partial<AssistantMessage> = {}): AssistantMessage => ({
  kind: "assistant",
  id: "a-t0",
  requestId: "r1",
  question: "q",
  docIds: null,
  text: "Dr. Solberg [1].",
  sources: [],
  status: "done",
  turn: 0,
  feedback: null,
  ...over,
});

describe("FeedbackBar", () => {
  it("rates at once, then sends an optional comment with the same rating", async () => {
    const onRate = vi.fn(() => Promise.resolve());
    const { rerender } = render(<FeedbackBar message={answer()} onRate={onRate} />);
    fireEvent.click(screen.getByRole("button", { name: "Bad answer" }));
    expect(onRate).toHaveBeenLastCalledWith(expect.objectContaining({ turn: 0 }), "down", undefined);
    // the stored rating comes back through the message
    const rated = answer({ feedback: { rating: "down", comment: null, at: "2026-11-29T07:00:00Z" } });
    rerender(<FeedbackBar message={rated} onRate={onRate} />);
    expect(screen.getByRole("button", { name: "Bad answer" }).getAttribute("aria-pressed")).toBe("true");
    const box = screen.getByLabelText("Comment (optional)");
    expect(box.getAttribute("maxLength")).toBe(String(MAX_COMMENT_CHARS));
    fireEvent.change(box, { target: { value: "  cites the wrong page  " } });
    fireEvent.click(screen.getByRole("button", { name: "Send feedback" }));
    expect(onRate).toHaveBeenLastCalledWith(expect.objectContaining({ turn: 0 }), "down", "cites the wrong page");
    await waitFor(() => expect(screen.getByRole("status").textContent).toContain("Thanks"));
  });

  it("shows nothing for an answer the server has not stored yet", () => {
    const { container } = render(<FeedbackBar message={answer({ turn: undefined })} onRate={vi.fn()} />);
    expect(container.textContent).toBe("");
  });
});
