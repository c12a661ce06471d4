import { fireEvent, render } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { SafeMarkdown, isLocalImage } from "./SafeMarkdown";

function show(text: string, onCite = vi.fn()) {
  const { container } = render(<SafeMarkdown text={text} onCite={onCite} knownCitations={new Set([1, 2])} />);
  return { container, onCite };
}

describe("SafeMarkdown", () => {
  it("shows a <script> from the model as inert text", () => {
    const { container } = show("Answer <script>window.__x = 1</script> end\n\n<script>alert(1)</script>");
    expect(container.querySelector("script")).toBeNull();
    expect(container.textContent).toContain("<script>window.__x = 1</script>");
    expect(container.textContent).toContain("<script>alert(1)</script>");
    expect((window as { __x?: number }).__x).toBeUndefined();
  });

  it("creates no element from raw HTML (no img onerror, no iframe)", () => {
    const { container } = show('x <img src=x onerror="alert(1)"> <iframe src="https://evil.example"></iframe>');
    expect(container.querySelector("img, iframe")).toBeNull();
    expect(container.textContent).toContain('<img src=x onerror="alert(1)">');
  });

  it("refuses remote images and keeps local ones", () => {
    const { container } = show("![pixel](https://tracker.example/p.png) and ![chart](/static/chart.png)");
    const imgs = container.querySelectorAll("img");
    expect(imgs).toHaveLength(1);
    expect(imgs[0]!.getAttribute("src")).toBe("/static/chart.png");
    expect(container.querySelector(".blocked-image")?.textContent).toBe("[image not loaded: pixel]");
  });

  it("turns [n] markers into citation buttons", () => {
    const { container, onCite } = show("Atlas is led by Dr. Solberg [1][2]. Also [7].");
    const buttons = container.querySelectorAll<HTMLButtonElement>("button.cite");
    expect([...buttons].map((b) => b.textContent)).toEqual(["[1]", "[2]", "[7]"]);
    fireEvent.click(buttons[1]!);
    expect(onCite).toHaveBeenCalledWith(2);
    expect(buttons[2]!.disabled).toBe(true); // no source 7
  });

  it("leaves [n] inside code alone", () => {
    const { container } = show("Use `arr[1]` here\n\n```\nx[2]\n```");
    expect(container.querySelectorAll("button.cite")).toHaveLength(0);
    expect(container.textContent).toContain("arr[1]");
  });

  it("neutralises javascript: links and opens others without referrer", () => {
    const { container } = show("[click](javascript:alert(1)) [docs](https://example.org/a)");
    const links = [...container.querySelectorAll("a")];
    expect(links.some((a) => (a.getAttribute("href") ?? "").startsWith("javascript"))).toBe(false);
    const docs = links.find((a) => a.textContent === "docs")!;
    expect(docs.getAttribute("rel")).toBe("noopener noreferrer nofollow");
    expect(docs.getAttribute("target")).toBe("_blank");
  });

  it("renders ordinary markdown", () => {
    const { container } = show("**bold** and a list:\n\n- one\n- two");
    expect(container.querySelector("strong")?.textContent).toBe("bold");
    expect(container.querySelectorAll("li")).toHaveLength(2);
  });
});

describe("isLocalImage", () => {
  it("accepts only same-origin http(s) URLs", () => {
    const origin = "http://127.0.0.1:8000";
    expect(isLocalImage("/a.png", origin)).toBe(true);
    expect(isLocalImage("http://127.0.0.1:8000/a.png", origin)).toBe(true);
    expect(isLocalImage("http://127.0.0.9:8000/a.png", origin)).toBe(false);
    expect(isLocalImage("//evil.example/a.png", origin)).toBe(false);
    expect(isLocalImage("data:image/svg+xml,<svg/>", origin)).toBe(false);
    expect(isLocalImage(undefined, origin)).toBe(false);
  });
});
