// End-to-end test of the built web app against a real `rag serve`, in Debian's headless Chromium
// driven by playwright-core (no browser download). Run by tests/browser/test_web_app.py, or:
//   BASE_URL=http://127.0.0.1:8765 SAMPLES=../samples/docs ARTIFACTS=../test-artifacts node e2e/web-app.mjs
// Prints one JSON line of measurements; exits non-zero on the first failed check.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

const BASE_URL = process.env.BASE_URL ?? "http://127.0.0.1:8765";
const SAMPLES = process.env.SAMPLES ?? "../samples/docs";
const ARTIFACTS = process.env.ARTIFACTS ?? "../test-artifacts";
const DOCS_DIR = process.env.DOCS_DIR ?? ""; // set to refresh the README screenshots
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const USER = process.env.E2E_USER ?? `e2e-${Date.now().toString(36)}`;
// When set, USER is an administrator and OTHER_USER owns OTHER_FILE.
const OTHER_USER = process.env.E2E_OTHER_USER ?? "";
const OTHER_FILE = process.env.E2E_OTHER_FILE ?? "";
// A loopback address on another origin stands in for "another site"; nothing leaves the machine.
const FOREIGN = "http://127.0.0.9:9";

const results = {};
const failures = [];
function check(condition, what) {
  if (!condition) throw new Error(`check failed: ${what}`);
}

async function main() {
  mkdirSync(ARTIFACTS, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), "rag-e2e-profile-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1280, height: 860 },
    colorScheme: "light",
  });
  const foreignRequests = [];
  // Anything not aimed at the server under test is recorded and refused.
  await context.route(
    (url) => !url.href.startsWith(BASE_URL) && !url.href.startsWith(BASE_URL.replace("http", "ws")),
    (route) => {
      foreignRequests.push(route.request().url());
      return route.abort();
    },
  );
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await run(page, foreignRequests);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

function watchSocket(page) {
  const sent = [];
  const received = [];
  page.on("websocket", (ws) => {
    ws.on("framesent", (f) => sent.push(JSON.parse(f.payload)));
    ws.on("framereceived", (f) => received.push({ at: Date.now(), ...JSON.parse(f.payload) }));
  });
  return { sent, received };
}

async function run(page, foreignRequests) {
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && pageErrors.push(m.text()));
  const frames = watchSocket(page);
  // Every WebSocket passes through Playwright so the test can cut it like a network drop would.
  const sockets = [];
  await page.routeWebSocket(/\/ws(\?|$)/, (ws) => {
    ws.connectToServer();
    sockets.push(ws);
  });

  // --- sign in ---
  await page.goto(BASE_URL);
  await page.getByLabel("User name").waitFor();
  await audit(page, "sign-in");
  await page.getByLabel("User name").fill(USER);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("status").getByText("Connected").waitFor({ timeout: 15_000 });
  results.signed_in_as = USER;

  await documentsFlow(page);
  if (OTHER_USER) await adminFlow(page);
  await chatFlow(page, frames);
  await scopeFlow(page, frames);
  await inertOutputFlow(page, foreignRequests);
  await stopFlow(page, frames);
  await reconnectFlow(page, sockets);
  await phoneView(page);
  await deleteFlow(page);

  check(foreignRequests.length === 0, `no request left the server's origin (saw ${foreignRequests.join(", ")})`);
  const unexpected = pageErrors.filter((e) => !e.includes("127.0.0.9"));
  check(unexpected.length === 0, `no page errors (saw ${unexpected.join(" | ")})`);
}

function sample(name, mimeType) {
  return { name, mimeType, buffer: readFileSync(join(SAMPLES, name)) };
}

async function documentsFlow(page) {
  await page.getByRole("tab", { name: "Documents" }).click();
  const started = Date.now();
  await page.getByLabel("Choose files to upload").setInputFiles([
    sample("field-station-handbook.pdf", "application/pdf"),
    sample("visitor-faq.txt", "text/plain"),
    { name: "broken.pdf", mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.4 this is not really a pdf") },
  ]);
  const upload = page.locator("li.upload-item", { hasText: "field-station-handbook.pdf" });
  await upload.getByText("Uploaded").waitFor({ timeout: 30_000 });
  const progress = upload.getByLabel("Upload progress of field-station-handbook.pdf");
  const max = Number(await progress.getAttribute("max"));
  const value = Number(await progress.getAttribute("value"));
  check(max > 1000 && value === max, `upload progress bar full (${value}/${max})`);
  const handbook = page.locator('li.doc[data-filename="field-station-handbook.pdf"]');
  await handbook.locator('[data-status="INDEXED"]').waitFor({ timeout: 120_000 });
  results.seconds_to_indexed = (Date.now() - started) / 1000;
  await page.locator('li.doc[data-filename="visitor-faq.txt"] [data-status="INDEXED"]').waitFor({ timeout: 60_000 });
  const broken = page.locator('li.doc[data-filename="broken.pdf"]');
  await broken.locator('[data-status="FAILED"]').waitFor({ timeout: 60_000 });
  const reason = await broken.locator(".error-text").innerText();
  check(reason.startsWith("Could not index:") && reason.length > 20, `failed document shows its reason: ${reason}`);
  results.failed_reason = reason;
  check((await handbook.innerText()).includes("7 pages"), "indexed record refreshed with its page count");
  const report = (await handbook.locator("details.ingest-report").textContent()) ?? "";
  check(report.includes("Ingestion report") && /7 pages, 0 without text/.test(report), `indexed document shows its ingestion report: ${report}`);
  await page.waitForFunction(() => !document.querySelector("li.upload-item"), null, { timeout: 15_000 });
  await shoot(page, "documents");
  await audit(page, "documents");
}

async function adminFlow(page) {
  await page.locator(".badge.admin").waitFor();
  const others = page.locator(`li.doc[data-filename="${OTHER_FILE}"]`);
  check((await others.count()) === 0, "another user's document is not in my own list");
  await page.getByLabel("Show everyone’s documents").check();
  await others.waitFor({ timeout: 10_000 });
  check((await others.innerText()).includes(OTHER_USER), "everyone's list shows the owner");
  await page.getByLabel("Show everyone’s documents").uncheck();
  await others.waitFor({ state: "detached", timeout: 10_000 });
  results.admin_scope_all = true;
}

async function ask(page, question) {
  await page.getByRole("tab", { name: "Chat" }).click();
  const box = page.getByLabel("Ask a question");
  await box.fill(question);
  await box.press("Enter");
}

async function chatFlow(page, frames) {
  const askedAt = Date.now();
  await ask(page, "Who leads Project Atlas?");
  const answer = page.locator("article.message.assistant").last();
  await answer.locator("xpath=self::*[@data-status='done']").waitFor({ timeout: 30_000 });
  const rid = await answer.getAttribute("data-request-id");
  const tokens = frames.received.filter((f) => f.type === "token" && f.request_id === rid);
  check(tokens.length >= 2, `answer streamed in several token frames (${tokens.length})`);
  results.first_token_ms = tokens[0].at - askedAt;
  results.token_frames = tokens.length;
  const text = await answer.locator(".answer-text").innerText();
  check(text.includes("Ingrid Solberg"), `answer names the lead: ${text}`);

  // The citation that quotes page 6 of the handbook opens that source.
  const sources = frames.received.find((f) => f.type === "sources" && f.request_id === rid).sources;
  const cited = sources.find((s) => s.filename === "field-station-handbook.pdf" && s.page === 6);
  check(cited, `a source is the handbook's page 6: ${JSON.stringify(sources.map((s) => [s.filename, s.page]))}`);
  await answer.locator(`button.cite[data-cite="${cited.n}"]`).first().click();
  const panel = page.getByTestId("source-panel");
  const panelText = await panel.innerText();
  check(panelText.includes("field-station-handbook.pdf") && panelText.includes("page 6"), `panel shows file and page: ${panelText}`);
  check(panelText.includes("Solberg"), "panel shows the snippet");
  check(await page.evaluate(() => document.activeElement?.id === "source-title"), "focus moved to the source panel");
  await shoot(page, "chat");
  await audit(page, "chat");

  // A follow-up names the server-kept conversation and carries no history (issue 15).
  const announced = frames.received.find((f) => f.type === "conversation" && f.request_id === rid);
  check(announced, "the first answer announced its conversation");
  await ask(page, "What about channel 16?");
  await page.locator("article.message.assistant").last().locator("xpath=self::*[@data-status='done']").waitFor({ timeout: 30_000 });
  const followUp = frames.sent.filter((m) => m.action === "ask").at(-1);
  check(followUp.conversation_id === announced.conversation_id && followUp.history === undefined, "follow-up names the conversation, sends no history");
  await page.keyboard.press("Escape");
  check((await panel.count()) === 0, "Escape closes the source panel");
  await conversationFlow(page);

  // A question the documents do not answer is shown as not found, not as an empty source list.
  await page.getByRole("button", { name: "New conversation", exact: true }).click();
  await ask(page, "Who won the football world cup in 2018?");
  const none = page.locator("article.message.assistant").last();
  await none.locator("xpath=self::*[@data-status='done']").waitFor({ timeout: 30_000 });
  check((await none.getAttribute("data-outcome")) === "not-found", "the answer is marked not found");
  check((await none.getByRole("note").innerText()).includes("Nothing in your documents"), "a not-found note is shown");
  check((await none.locator(".source-chips").count()) === 0, "no empty source list");
  results.not_found_shown = true;
}

/** Issue 15: rate an answer, reload: the conversation and the rating come back from the server. */
async function conversationFlow(page) {
  const first = page.locator("article.message.assistant").first();
  await first.getByRole("button", { name: "Bad answer" }).click({ timeout: 15_000 });
  await first.getByLabel("Comment (optional)").fill("the page is right, the wording is not");
  await first.getByRole("button", { name: "Send feedback" }).click();
  await first.getByRole("status").getByText("Thanks for the feedback.").waitFor({ timeout: 10_000 });

  await page.reload();
  await page.getByRole("status").getByText("Connected").waitFor({ timeout: 15_000 });
  const resumed = page.locator("article.message.assistant");
  await resumed.nth(1).waitFor({ timeout: 15_000 });
  check((await resumed.count()) === 2, "the reload shows both answers of the conversation");
  check((await resumed.first().innerText()).includes("Ingrid Solberg"), "the first answer came back");
  const pressed = await resumed.first().getByRole("button", { name: "Bad answer" }).getAttribute("aria-pressed");
  check(pressed === "true", "the rating was stored on the server");
  const list = page.getByRole("navigation", { name: "Conversations" });
  const current = list.locator('button[aria-current="true"]');
  check((await current.innerText()) === "Who leads Project Atlas?", "the list marks the open conversation");
  await list.getByRole("button", { name: "Rename Who leads Project Atlas?" }).click();
  await list.getByLabel("New title for Who leads Project Atlas?").fill("Atlas questions");
  await list.getByRole("button", { name: "Save" }).click();
  await list.getByRole("button", { name: "Atlas questions", exact: true }).waitFor({ timeout: 10_000 });
  await audit(page, "conversations");
  results.conversation_resumed_after_reload = true;
  results.feedback_stored = true;
}

async function scopeFlow(page, frames) {
  await page.getByRole("tab", { name: "Chat" }).click();
  await page.locator("details.scope summary").click();
  await page.getByRole("checkbox", { name: "visitor-faq.txt" }).check();
  await ask(page, "Who leads Project Atlas?");
  const answer = page.locator("article.message.assistant").last();
  await answer.locator("xpath=self::*[@data-status='done']").waitFor({ timeout: 30_000 });
  const sent = frames.sent.filter((m) => m.action === "ask").at(-1);
  check(sent.doc_ids?.length === 1, `the ask carries the chosen doc_ids (${JSON.stringify(sent.doc_ids)})`);
  const rid = await answer.getAttribute("data-request-id");
  const sources = frames.received.find((f) => f.type === "sources" && f.request_id === rid)?.sources ?? [];
  check(sources.every((s) => s.filename === "visitor-faq.txt"), `only the chosen document is cited: ${sources.map((s) => s.filename)}`);
  await page.getByRole("button", { name: "Clear selection" }).click();
  await page.locator("details.scope summary").click();
  results.scoped_sources = sources.length;
}

async function inertOutputFlow(page, foreignRequests) {
  // A document whose text a verbatim (extractive) answer will quote: raw HTML and a remote image.
  await page.getByRole("tab", { name: "Documents" }).click();
  const hostile =
    "The zephyr beacon password is <script>window.__pwned = 1</script><img src=x onerror=\"window.__pwned = 2\"> " +
    `and its badge is ![tracker](${FOREIGN}/pixel.png) shown here.\n`;
  await page.getByLabel("Choose files to upload").setInputFiles([
    { name: "hostile.txt", mimeType: "text/plain", buffer: Buffer.from(hostile) },
  ]);
  await page.locator('li.doc[data-filename="hostile.txt"] [data-status="INDEXED"]').waitFor({ timeout: 60_000 });
  await ask(page, "What is the zephyr beacon password?");
  const answer = page.locator("article.message.assistant").last();
  await answer.locator("xpath=self::*[@data-status='done']").waitFor({ timeout: 30_000 });
  const html = await answer.locator(".answer-text").innerHTML();
  const text = await answer.locator(".answer-text").innerText();
  check(text.includes("<script>"), `the script tag is shown as text: ${text}`);
  check(!html.includes("<script"), "no script element was created");
  check((await answer.locator(".answer-text img").count()) === 0, "no image element was created");
  check(await answer.locator(".blocked-image").count() >= 1, "the remote image is shown as blocked");
  check(await page.evaluate(() => window.__pwned === undefined), "no injected code ran");
  check(!foreignRequests.some((u) => u.includes("pixel.png")), "the remote image was never requested");
  results.inert_answer = text.slice(0, 200);
}

async function stopFlow(page, frames) {
  await ask(page, "Summarise everything the handbook says about safety, radios and boats.");
  // The composer's Stop (mounted while anything streams), not the answer's own, which the
  // streaming message list may re-render under the pointer.
  await page.locator("button.stop").click();
  const answer = page.locator("article.message.assistant").last();
  await answer.locator("xpath=self::*[@data-status='stopped']").waitFor({ timeout: 5_000 });
  const rid = await answer.getAttribute("data-request-id");
  check(frames.sent.some((m) => m.action === "cancel" && m.request_id === rid), "a cancel action was sent");
  // Wait for the server's verdict on that request: cancelled, or done if it finished first.
  const deadline = Date.now() + 10_000;
  let verdict;
  while (!verdict && Date.now() < deadline) {
    verdict = frames.received.find((f) => f.request_id === rid && (f.type === "done" || f.type === "error"));
    await page.waitForTimeout(50);
  }
  check(verdict, "the server ended the stopped request");
  results.stop_server_verdict = verdict.type === "error" ? verdict.code : verdict.type;
  const shown = await answer.getAttribute("data-status");
  check(shown === "stopped", `the answer stays stopped after the server's verdict (${shown})`);
  await page.getByRole("button", { name: "Send" }).waitFor();
}

async function reconnectFlow(page, sockets) {
  const before = sockets.length;
  await sockets.at(-1).close({ code: 1011, reason: "test drop" });
  await page.getByRole("status").getByText("Reconnecting…").waitFor({ timeout: 5_000 });
  await page.getByRole("status").getByText("Connected").waitFor({ timeout: 15_000 });
  check(sockets.length === before + 1, "the app opened a new socket after the drop");
  await ask(page, "Who leads Project Atlas?");
  const answer = page.locator("article.message.assistant").last();
  await answer.locator("xpath=self::*[@data-status='done']").waitFor({ timeout: 30_000 });
  results.reconnected = true;
}

async function phoneView(page) {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByRole("tab", { name: "Chat" }).click();
  await page.locator("button.cite").first().click();
  await page.getByTestId("source-panel").waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 0, `no horizontal scrolling at phone width (${overflow}px)`);
  await shoot(page, "chat-phone");
  await page.getByRole("button", { name: "Close source" }).click();
  // The conversation list opens over the chat on a phone.
  await page.getByRole("button", { name: "Conversations", exact: true }).click();
  await page.getByRole("navigation", { name: "Conversations" }).getByRole("button", { name: "Start a new conversation" }).waitFor();
  const listOverflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(listOverflow <= 0, `the conversation list fits the phone width (${listOverflow}px)`);
  await shoot(page, "conversations-phone");
  await audit(page, "conversations-phone");
  await page.getByRole("button", { name: "Hide conversations" }).click();
  await page.getByRole("tab", { name: "Documents" }).click();
  const docOverflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(docOverflow <= 0, `documents view fits the phone width (${docOverflow}px)`);
  const boxes = await page.locator(".doc, .dropzone").evaluateAll((els) => els.map((e) => e.getBoundingClientRect().right));
  check(boxes.every((r) => r <= 390), `document cards fit the phone width (${boxes})`);
  await shoot(page, "documents-phone");
  await page.setViewportSize({ width: 1280, height: 860 });
}

async function deleteFlow(page) {
  await page.getByRole("tab", { name: "Documents" }).click();
  const row = page.locator('li.doc[data-filename="field-station-handbook.pdf"]');
  await row.getByRole("button", { name: "Delete field-station-handbook.pdf" }).click();
  await row.getByRole("button", { name: "Yes, delete" }).click();
  await row.waitFor({ state: "detached", timeout: 15_000 });
  await page.reload();
  await page.getByRole("tab", { name: "Documents" }).click();
  await page.locator('li.doc[data-filename="visitor-faq.txt"]').waitFor();
  check((await row.count()) === 0, "the deleted document stays gone after a reload");
  // Nothing of it can be cited any more.
  await ask(page, "Who leads Project Atlas?");
  const answer = page.locator("article.message.assistant").last();
  await answer.locator("xpath=self::*[@data-status='done']").waitFor({ timeout: 30_000 });
  const text = await answer.innerText();
  check(!text.includes("field-station-handbook.pdf"), "the deleted document is no longer cited");
  results.deleted = true;
}

/** axe-core accessibility audit (WCAG 2.1 A/AA: labels, names, contrast, roles); any violation fails. */
async function audit(page, name) {
  // Evaluated through the DevTools protocol: the app's CSP forbids injected script tags.
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

async function shoot(page, name) {
  const file = join(ARTIFACTS, `screenshot-${name}.png`);
  await page.screenshot({ path: file });
  if (DOCS_DIR && (name === "chat" || name === "documents")) copyFileSync(file, join(DOCS_DIR, `screenshot-${name}.png`));
}

main().then(
  () => console.log(JSON.stringify({ ok: true, ...results })),
  (err) => {
    console.log(JSON.stringify({ ok: false, error: String(err?.message ?? err), failures, ...results }));
    process.exit(1);
  },
);
