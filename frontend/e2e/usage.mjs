// The Usage page for administrators, in Debian's headless Chromium (playwright-core, no download),
// against a real `rag serve` where USER (an administrator) and PERSON have asked questions.
// Run by tests/browser/test_usage_page.py, or:
//   BASE_URL=http://127.0.0.1:8765 E2E_USER=admin E2E_PERSON=bob node e2e/usage.mjs
// Prints one JSON line; exits non-zero on the first failed check.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const BASE_URL = process.env.BASE_URL ?? "http://127.0.0.1:8765";
const ARTIFACTS = process.env.ARTIFACTS ?? "../test-artifacts";
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const USER = process.env.E2E_USER ?? "admin";
const PERSON = process.env.E2E_PERSON ?? "bob";
const NOT_ADMIN = process.env.E2E_NOT_ADMIN ?? "carol";

const results = {};
function check(condition, what) {
  if (!condition) throw new Error(`check failed: ${what}`);
}

async function main() {
  mkdirSync(ARTIFACTS, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), "rag-usage-profile-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
    viewport: { width: 1280, height: 860 },
    colorScheme: "light",
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const pageErrors = [];
    page.on("pageerror", (e) => pageErrors.push(String(e)));
    await notForOthers(page);
    await usagePage(page);
    check(pageErrors.length === 0, `no page errors (saw ${pageErrors.join(" | ")})`);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

async function signIn(page, user) {
  await page.goto(BASE_URL);
  await page.getByLabel("User name").fill(user);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("status").getByText("Connected").waitFor({ timeout: 15_000 });
}

async function notForOthers(page) {
  await signIn(page, NOT_ADMIN);
  await page.getByRole("tab", { name: "Documents" }).waitFor();
  check((await page.getByRole("tab", { name: "Usage" }).count()) === 0, "no Usage tab for a non-administrator");
  await page.getByRole("button", { name: "Sign out" }).click();
  results.hidden_from_others = true;
}

async function usagePage(page) {
  await signIn(page, USER);
  await page.getByRole("tab", { name: "Usage" }).click();
  const table = page.getByRole("table", { name: "Usage per person" });
  await table.waitFor({ timeout: 15_000 });
  const row = table.getByRole("row").filter({ has: page.getByRole("rowheader", { name: PERSON, exact: true }) });
  const cells = await row.getByRole("cell").allInnerTexts();
  check(cells[0] === "2", `${PERSON} asked 2 questions (row: ${cells.join(" | ")})`);
  check(cells[1] === "1", `${PERSON} indexed 1 document (row: ${cells.join(" | ")})`);
  const chart = page.getByRole("img", { name: /Questions per day/ });
  check((await chart.locator("rect.usage-bar").count()) === 7, "seven bars for seven days");
  const summary = (await chart.locator("desc").textContent()) ?? "";
  check(/busiest day/.test(summary), `the chart describes itself: ${summary}`);
  results.chart_summary = summary;
  await page.screenshot({ path: join(ARTIFACTS, "screenshot-usage.png") });
  await audit(page, "usage");
  await page.getByRole("button", { name: "Last 30 days" }).click();
  await page.waitForFunction(() => document.querySelectorAll("rect.usage-bar").length === 30, null, { timeout: 10_000 });
  check((await page.getByRole("button", { name: "Last 30 days" }).getAttribute("aria-pressed")) === "true", "30 days pressed");
  await audit(page, "usage-30");
  results.usage_rows = await table.getByRole("row").count();
}

/** axe-core accessibility audit (WCAG 2.1 A/AA), as in web-app.mjs; any violation fails. */
async function audit(page, name) {
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(AXE);
  const { violations, passed } = await page.evaluate(async () => {
    const result = await window.axe.run(document, { runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] });
    return {
      passed: result.passes.length,
      violations: result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`),
    };
  });
  check(violations.length === 0, `no accessibility violations on ${name}: ${violations.join(" | ")}`);
  check(passed > 5, `the accessibility audit ran on ${name}`);
  results.axe_rules_passed = { ...(results.axe_rules_passed ?? {}), [name]: passed };
}

main().then(
  () => console.log(JSON.stringify({ ok: true, ...results })),
  (err) => {
    console.log(JSON.stringify({ ok: false, error: String(err?.message ?? err), ...results }));
    process.exit(1);
  },
);
