import { fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { Composer } from "./Composer";

describe("Composer", () => {
  it("sends on Enter, adds a line on Shift+Enter, and stops while busy", () => {
    const onSend = vi.fn();
    const onStop = vi.fn();
    const { rerender } = render(<Composer busy={false} disabled={false} onSend={onSend} onStop={onStop} />);
    const box = screen.getByLabelText("Ask a question");
    fireEvent.change(box, { target: { value: "first line" } });
    fireEvent.keyDown(box, { key: "Enter", shiftKey: true });
    expect(onSend).not.toHaveBeenCalled();
    fireEvent.keyDown(box, { key: "Enter" });
    expect(onSend).toHaveBeenCalledWith("first line");
    expect((box as HTMLTextAreaElement).value).toBe("");
    fireEvent.keyDown(box, { key: "Enter" }); // empty: nothing sent
    expect(onSend).toHaveBeenCalledTimes(1);
    rerender(<Composer busy={true} disabled={false} onSend={onSend} onStop={onStop} />);
    fireEvent.click(screen.getByRole("button", { name: "Stop" }));
    expect(onStop).toHaveBeenCalled();
  });
});
