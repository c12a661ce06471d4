import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import type { Document } from "../api/types";
import { addGroups, parseGroups, ShareDialog } from "./ShareDialog";

const doc = (shared: string[] = []): Document => ({
  doc_id: "d1",
  owner: "alice",
  filename: "rota.txt",
  blob_key: "k/d1",
  status: "INDEXED",
  chunks: 3,
  created_at: "2026-11-26T10:00:00Z",
  updated_at: "2026-11-26T10:00:00Z",
  version: 1,
  shared_with: shared,
});

describe("group names", () => {
  it("splits on commas and spaces and refuses what the server refuses", () => {
    expect(parseGroups(" team-a, team_b  ops.eu;x")).toEqual({ groups: ["team-a", "team_b", "ops.eu", "x"], invalid: [] });
    expect(parseGroups("ok, a'b, x)--").invalid).toEqual(["a'b", "x)--"]);
    expect(parseGroups("y".repeat(65)).invalid).toHaveLength(1);
    expect(addGroups(["b", "a"], ["a", "c"])).toEqual(["a", "b", "c"]);
  });
});

describe("ShareDialog", () => {
  it("adds and removes groups, then saves the sorted list and closes", async () => {
    const onSave = vi.fn(async () => undefined);
    const onClose = vi.fn();
    render(<ShareDialog doc={doc(["team-b"])} onSave={onSave} onClose={onClose} />);
    expect(screen.getByRole("dialog", { name: "Share “rota.txt”" })).toBeTruthy();
    const field = screen.getByLabelText("Add groups");
    expect(document.activeElement).toBe(field);
    fireEvent.change(field, { target: { value: "team-a, crew" } });
    fireEvent.keyDown(field, { key: "Enter" });
    expect(screen.getAllByRole("listitem").map((li) => li.textContent?.replace("×", ""))).toEqual(["crew", "team-a", "team-b"]);
    fireEvent.click(screen.getByRole("button", { name: "Remove team-b" }));
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(onSave).toHaveBeenCalledWith(["crew", "team-a"]);
  }, 20_000); // the first render pays for jsdom's warm-up on a loaded machine

  it("shows a bad name instead of sending it, and a server error without closing", async () => {
    const onSave = vi.fn(async () => {
      throw new Error("only the owner of a shared document may change it");
    });
    const onClose = vi.fn();
    render(<ShareDialog doc={doc()} onSave={onSave} onClose={onClose} />);
    const field = screen.getByLabelText("Add groups");
    fireEvent.change(field, { target: { value: "team') OR (1=1" } });
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(screen.getByRole("alert").textContent).toContain("is not a group name");
    expect(onSave).not.toHaveBeenCalled();
    fireEvent.change(field, { target: { value: "crew" } });
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(screen.getByRole("alert").textContent).toContain("only the owner"));
    expect(onSave).toHaveBeenCalledWith(["crew"]);
    expect(onClose).not.toHaveBeenCalled();
  });

  it("saves an empty list to stop sharing, and closes on Escape", async () => {
    const onSave = vi.fn(async () => undefined);
    const onClose = vi.fn();
    render(<ShareDialog doc={doc(["crew"])} onSave={onSave} onClose={onClose} />);
    fireEvent.click(screen.getByRole("button", { name: "Remove crew" }));
    expect(screen.getByText("Not shared with any group.")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(onSave).toHaveBeenCalledWith([]));
    fireEvent.keyDown(screen.getByLabelText("Add groups"), { key: "Escape" });
    expect(onClose).toHaveBeenCalled();
  });
});
