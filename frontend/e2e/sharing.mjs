// Sharing a document with a group (issue 15), in the built web app against a real `rag serve`
// started with RAG_LOCAL_GROUPS (tests/browser/test_sharing.py). Two people, two browser contexts:
// the owner uploads a note and shares it with a group through the share dialog; a member finds it
// under "Shared with me" (read-only, "shared by" its owner, also at phone width) and gets an answer
// citing it; a non-member does not. axe audits every screen. Prints one JSON line of results.
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const BASE_URL = process.env.BASE_URL ?? "http://127.0.0.1:8765";
const ARTIFACTS = process.env.ARTIFACTS ?? "../test-artifacts";
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const OWNER = process.env.E2E_OWNER ?? "olive";
const MEMBER = process.env.E2E_MEMBER ?? "mick";
const OUTSIDER = process.env.E2E_OUTSIDER ?? "nell";
const GROUP = process.env.E2E_GROUP ?? "crew";
const FILE = "crew-rota.txt";
const NOTE =
  "Crew rota for the survey ship. The lifeboat drill is held every second Tuesday at the " +
  "starboard muster station. The drill is led by bosun Philippa Quarrington.";
const QUESTION = "Who leads the lifeboat drill?";

const results = {};
function check(condition, what) {
  if (!condition) throw new Error(`check failed: ${what}`);
}

async function main() {
  mkdirSync(ARTIFACTS, { recursive: true });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
  try {
    const owner = await signIn(browser, OWNER);
    await shareFlow(owner);
    const member = await signIn(browser, MEMBER);
    await memberFlow(member);
    const outsider = await signIn(browser, OUTSIDER);
    await outsiderFlow(outsider);
    for (const p of [owner, member, outsider]) {
      check(p.errors.length === 0, `no page errors (saw ${p.errors.join(" | ")})`);
    }
  } finally {
    await browser.close();
  }
}

async function signIn(browser, user) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, colorScheme: "light" });
  // Nothing may leave the server's origin.
  await context.route((url) => !url.href.startsWith(BASE_URL) && !url.href.startsWith(BASE_URL.replace("http", "ws")), (r) => r.abort());
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  const frames = [];
  page.on("websocket", (ws) => ws.on("framereceived", (f) => frames.push(JSON.parse(f.payload))));
  await page.goto(BASE_URL);
  await page.getByLabel("User name").fill(user);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("status").getByText("Connected").waitFor({ timeout: 20_000 });
  return { page, errors, frames, user };
}

async function shareFlow({ page }) {
  await page.getByRole("tab", { name: "Documents" }).click();
  await page.getByLabel("Choose files to upload").setInputFiles([{ name: FILE, mimeType: "text/plain", buffer: Buffer.from(NOTE) }]);
  const row = page.locator(`li.doc[data-filename="${FILE}"]`);
  await row.locator('[data-status="INDEXED"]').waitFor({ timeout: 120_000 });
  await row.getByRole("button", { name: `Share ${FILE}` }).click();
  const dialog = page.getByRole("dialog", { name: `Share “${FILE}”` });
  await dialog.waitFor();
  await dialog.getByLabel("Add groups").fill("bad'name");
  await dialog.getByRole("button", { name: "Save" }).click();
  check((await dialog.getByRole("alert").innerText()).includes("is not a group name"), "a bad group name is refused in the dialog");
  await dialog.getByLabel("Add groups").fill(GROUP);
  await dialog.getByLabel("Add groups").press("Enter");
  await dialog.getByRole("listitem").filter({ hasText: GROUP }).waitFor();
  await audit(page, "share-dialog");
  await shoot(page, "share-dialog");
  await dialog.getByRole("button", { name: "Save" }).click();
  await dialog.waitFor({ state: "detached" });
  await row.getByText(`Shared with ${GROUP}`).waitFor();
  results.shared_by_owner = true;
}

async function memberFlow({ page, frames }) {
  await page.getByRole("tab", { name: "Documents" }).click();
  check((await page.locator(`li.doc[data-filename="${FILE}"]`).count()) === 0, "the shared note is not among my own documents");
  await page.getByRole("button", { name: "Shared with me" }).click();
  const row = page.locator(`li.doc[data-filename="${FILE}"]`);
  await row.waitFor({ timeout: 10_000 });
  check((await row.innerText()).includes(`Shared by ${OWNER}`), "the row says who shared it");
  check((await row.getByRole("button").count()) === 0, "no delete, re-index or share for a shared document");
  await audit(page, "shared-with-me");
  await shoot(page, "shared-with-me");
  await page.setViewportSize({ width: 390, height: 844 });
  await row.waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  check(overflow <= 1, `no sideways scrolling at phone width (${overflow}px)`);
  await audit(page, "shared-with-me-phone");
  await shoot(page, "shared-with-me-phone");
  await page.setViewportSize({ width: 1280, height: 860 });

  const sources = await ask(page, frames);
  check(sources.some((s) => s.filename === FILE), `the member's answer cites the shared note: ${sources.map((s) => s.filename)}`);
  const answer = page.locator("article.message.assistant").last();
  check((await answer.locator(".answer-text").innerText()).includes("Quarrington"), "the answer quotes the shared note");
  await audit(page, "member-chat");
  await shoot(page, "member-chat");
  results.member_cited_shared = true;
}

async function outsiderFlow({ page, frames }) {
  await page.getByRole("tab", { name: "Documents" }).click();
  await page.getByRole("button", { name: "Shared with me" }).click();
  await page.getByText("Nothing is shared with your groups yet.").waitFor({ timeout: 10_000 });
  const sources = await ask(page, frames);
  check(!sources.some((s) => s.filename === FILE), "a non-member's answer never cites the note");
  const text = await page.locator("article.message.assistant").last().locator(".answer-text").innerText();
  check(!text.includes("Quarrington"), "nor quotes it");
  results.outsider_not_cited = true;
}

async function ask(page, frames) {
  await page.getByRole("tab", { name: "Chat" }).click();
  const box = page.getByLabel("Ask a question");
  await box.fill(QUESTION);
  await box.press("Enter");
  const answer = page.locator("article.message.assistant").last();
  await answer.locator("xpath=self::*[@data-status='done']").waitFor({ timeout: 60_000 });
  const rid = await answer.getAttribute("data-request-id");
  return frames.find((f) => f.type === "sources" && f.request_id === rid)?.sources ?? [];
}

/** axe-core audit (WCAG 2.1 A/AA), as in e2e/web-app.mjs; any violation fails. */
async function audit(page, name) {
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] });
    return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  });
  check(violations.length === 0, `axe (${name}): ${violations.join("; ")}`);
  results.axe_clean = [...(results.axe_clean ?? []), name];
}

async function shoot(page, name) {
  await page.screenshot({ path: join(ARTIFACTS, `screenshot-${name}.png`) });
}

main().then(
  () => console.log(JSON.stringify({ ok: true, ...results })),
  (err) => {
    console.log(JSON.stringify({ ok: false, error: String(err?.message ?? err), ...results }));
    process.exit(1);
  },
);
