import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { ConversationList } from "./ConversationList";
import type { ConversationsModel } from "./useConversations";

const summary = (id: string, title: string) => ({
  conversation_id: id,
  owner: "alice",
  title,
  created_at: "2026-11-29T07:00:00Z",
  updated_at: "2026-11-29T07:00:00Z",
  turn_count: 1,
});

function model(over: Partial<ConversationsModel> = {}): ConversationsModel {
  return {
    items: [summary("c1", "Who leads Atlas?"), summary("c2", "Radio channels")],
    currentId: "c1",
    error: null,
    open: vi.fn(() => Promise.resolve()),
    startNew: vi.fn(),
    rename: vi.fn(() => Promise.resolve()),
    remove: vi.fn(() => Promise.resolve()),
    rate: vi.fn(() => Promise.resolve()),
    ...over,
  };
}

describe("ConversationList", () => {
  it("marks the open conversation, opens another and starts a new one", async () => {
    const m = model();
    const chosen = vi.fn();
    render(<ConversationList model={m} onChosen={chosen} />);
    expect(screen.getByRole("button", { name: "Who leads Atlas?" }).getAttribute("aria-current")).toBe("true");
    fireEvent.click(screen.getByRole("button", { name: "Radio channels" }));
    expect(m.open).toHaveBeenCalledWith("c2");
    await waitFor(() => expect(chosen).toHaveBeenCalled());
    fireEvent.click(screen.getByRole("button", { name: "Start a new conversation" }));
    expect(m.startNew).toHaveBeenCalled();
  });

  it("renames with a capped title and deletes only after confirming", async () => {
    const m = model();
    render(<ConversationList model={m} onChosen={vi.fn()} />);
    fireEvent.click(screen.getByRole("button", { name: "Rename Radio channels" }));
    const input = screen.getByLabelText("New title for Radio channels");
    expect(input.getAttribute("maxLength")).toBe("200");
    fireEvent.change(input, { target: { value: " VHF notes " } });
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(m.rename).toHaveBeenCalledWith("c2", "VHF notes");
    await waitFor(() => expect(screen.queryByLabelText("New title for Radio channels")).toBeNull());
    fireEvent.click(screen.getByRole("button", { name: "Delete Who leads Atlas?" }));
    expect(m.remove).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole("button", { name: "Yes, delete" }));
    expect(m.remove).toHaveBeenCalledWith("c1");
  });

  it("shows errors and an empty state", () => {
    render(<ConversationList model={model({ items: [], error: "The server cannot be reached." })} onChosen={vi.fn()} />);
    expect(screen.getByRole("alert").textContent).toContain("cannot be reached");
    expect(screen.getByText("Your conversations appear here.")).toBeTruthy();
  });
});
