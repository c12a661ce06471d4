import { render, screen, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import type { AssistantMessage } from "./chatState";
import { MessageView } from "./MessageView";

const source = (n: number, filename: string) => ({ n, doc_id: `d${n}`, filename, page: null, snippet: "…", score: 0.1 });
const answer = (over: Partial<AssistantMessage>): AssistantMessage => ({
  kind: "assistant",
  id: "m1",
  requestId: "r1",
  question: "q",
  docIds: null,
  text: "",
  sources: [],
  status: "done",
  ...over,
});
const view = (message: AssistantMessage) =>
  render(<MessageView message={message} onCite={vi.fn()} onRetry={vi.fn()} onStop={vi.fn()} />);

describe("MessageView", () => {
  it("shows a not-found answer as such, with no empty source list", () => {
    const { container } = view(answer({ text: "I could not find anything about that in your documents." }));
    expect(screen.getByRole("note").textContent).toContain("Nothing in your documents answers this");
    expect(screen.queryByRole("list", { name: "Sources" })).toBeNull();
    expect(container.querySelector("article")?.dataset.outcome).toBe("not-found");
  });

  it("lists sources in the order the answer cites them", () => {
    view(answer({ text: "First [2]. Then [1].", sources: [source(1, "a.txt"), source(2, "b.txt")] }));
    const chips = within(screen.getByRole("list", { name: "Sources" })).getAllByRole("button");
    expect(chips.map((c) => c.textContent)).toEqual(["2 b.txt", "1 a.txt"]);
    expect(screen.queryByRole("note")).toBeNull();
  });

  it("an answer still streaming is not called not found", () => {
    view(answer({ status: "streaming" }));
    expect(screen.queryByRole("note")).toBeNull();
  });
});
