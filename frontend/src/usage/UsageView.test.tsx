import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { RestClient } from "../api/rest";
import { AppContext, type AppServices } from "../context";
import { formatCost } from "./format";
import type { UsageReport } from "./types";
import { UsageView } from "./UsageView";

const zero = { questions: 0, documents: 0, failures: 0, input_tokens: 0, output_tokens: 0, cost_usd: 0 };

function report(days: number): UsageReport {
  const daily = Array.from({ length: days }, (_, i) => ({
    ...zero,
    day: `2026-11-${String(30 - days + i).padStart(2, "0")}`,
    questions: i === days - 1 ? 5 : i % 2,
  }));
  return {
    days,
    since: daily[0]!.day,
    until: daily[days - 1]!.day,
    people: [
      { ...zero, user_id: "alice", questions: 4, documents: 2, input_tokens: 1200, output_tokens: 300, cost_usd: 0.00216 },
      { ...zero, user_id: "bob", questions: 1, failures: 1 },
    ],
    daily,
    total: { ...zero, questions: 5, documents: 2, failures: 1, input_tokens: 1200, output_tokens: 300, cost_usd: 0.00216 },
  };
}

function renderWith(usage: (days: number) => Promise<UsageReport>): number[] {
  const asked: number[] = [];
  const rest = {
    usage: (days: number) => {
      asked.push(days);
      return usage(days);
    },
  } as unknown as RestClient;
  const services = { rest, me: { user_id: "root", is_admin: true } } as unknown as AppServices;
  render(
    <AppContext.Provider value={services}>
      <UsageView />
    </AppContext.Provider>,
  );
  return asked;
}

describe("UsageView", () => {
  it("shows each person's figures and a chart of questions per day, 7 days first", async () => {
    const asked = renderWith(async (days) => report(days));
    const table = await screen.findByRole("table", { name: "Usage per person" });
    const [, alice, bob, ...rest] = within(table).getAllByRole("row");
    expect(rest).toHaveLength(0);
    expect(within(alice!).getByRole("rowheader").textContent).toBe("alice");
    expect(alice!.textContent).toContain("1,200 / 300");
    expect(alice!.textContent).toContain("$0.00216");
    expect(bob!.textContent).toContain("bob");
    const chart = screen.getByRole("img", { name: /Questions per day/ });
    expect(chart.querySelectorAll("rect.usage-bar")).toHaveLength(7);
    expect(chart.querySelector("desc")?.textContent).toMatch(/busiest day was Nov 29 with 5/);
    expect(screen.getByText(/5 questions, 2 documents, 1 failure, estimated cost \$0\.00216/)).toBeTruthy();
    expect(asked).toEqual([7]);
    expect(screen.getByRole("button", { name: "Last 7 days" }).getAttribute("aria-pressed")).toBe("true");
  });

  it("switches to 30 days", async () => {
    const asked = renderWith(async (days) => report(days));
    await screen.findByRole("table");
    fireEvent.click(screen.getByRole("button", { name: "Last 30 days" }));
    await waitFor(() => expect(screen.getByRole("img").querySelectorAll("rect.usage-bar")).toHaveLength(30));
    expect(asked).toEqual([7, 30]);
  });

  it("says when usage cannot be read", async () => {
    renderWith(async () => {
      throw new Error("only administrators may read usage");
    });
    expect((await screen.findByRole("alert")).textContent).toContain("only administrators may read usage");
  });

  it("formats small and large costs", () => {
    expect(formatCost(0)).toBe("$0");
    expect(formatCost(0.00216)).toBe("$0.00216");
    expect(formatCost(0.0432)).toBe("$0.043");
    expect(formatCost(12.5)).toBe("$12.50");
  });
});
