// Cognito sign-in of the built web app through Amplify Auth, against moto's Cognito.
// Run by tests/browser/test_cognito_sign_in.py, which serves the app with a cognito config.json.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const BASE_URL = process.env.BASE_URL;
const COGNITO_URL = process.env.COGNITO_URL;
const USERNAME = process.env.COGNITO_USERNAME;
const PASSWORD = process.env.COGNITO_PASSWORD;
const ARTIFACTS = process.env.ARTIFACTS ?? "../test-artifacts";
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

function check(condition, what) {
  if (!condition) throw new Error(`check failed: ${what}`);
}

async function main() {
  mkdirSync(ARTIFACTS, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), "rag-e2e-cognito-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1100, height: 700 },
  });
  const results = {};
  const foreign = [];
  await context.route(
    (url) => !url.href.startsWith(BASE_URL) && !url.href.startsWith(COGNITO_URL),
    (route) => {
      foreign.push(route.request().url());
      return route.abort();
    },
  );
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const logs = [];
    page.on("console", (m) => logs.push(`${m.type()}: ${m.text()}`));
    page.on("pageerror", (e) => logs.push(`pageerror: ${e}`));
    try {
      await flow(page, results, foreign);
    } catch (err) {
      await page.screenshot({ path: join(ARTIFACTS, "screenshot-cognito-failure.png") }).catch(() => undefined);
      const body = await page.locator("body").innerText().catch(() => "");
      throw new Error(`${err?.message ?? err}\npage: ${body}\nconsole: ${logs.join("\n")}`);
    }
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

async function flow(page, results, foreign) {
    const targets = [];
    const bearer = [];
    page.on("request", (r) => {
      const target = r.headers()["x-amz-target"];
      if (target) targets.push(target.split(".").at(-1));
      const auth = r.headers()["authorization"];
      if (r.url().startsWith(BASE_URL) && auth) bearer.push(auth);
    });
    await page.goto(BASE_URL);
    await page.getByLabel("User name").fill(USERNAME);
    await page.getByLabel("Password").fill("wrong-password-1A!");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").waitFor({ timeout: 15_000 });
    results.wrong_password_message = await page.getByRole("alert").innerText();
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("status").getByText("Connected").waitFor({ timeout: 20_000 });
    await page.locator(".badge.admin").waitFor({ timeout: 10_000 });
    check((await page.locator(".session .user").innerText()).includes(USERNAME), "the Cognito user is shown");
    check(targets.filter((t) => t === "InitiateAuth").length === 2, `two sign-in attempts went to Cognito: ${targets}`);
    check(/password/i.test(results.wrong_password_message), `a wrong password is refused: ${results.wrong_password_message}`);
    check(bearer.length > 0 && bearer.every((h) => h.startsWith("Bearer ey")), "API calls carry the access token");
    const payload = JSON.parse(Buffer.from(bearer[0].split(".")[1], "base64url").toString());
    check(payload.token_use === "access", `the bearer is an access token (${payload.token_use})`);
    results.cognito_calls = targets;
    await page.getByRole("tab", { name: "Documents" }).click();
    await page.getByText("No documents yet").waitFor();
    await page.screenshot({ path: join(ARTIFACTS, "screenshot-cognito.png") });
    // The session survives a reload (Amplify keeps it), and sign-out ends it.
    await page.reload();
    await page.getByRole("status").getByText("Connected").waitFor({ timeout: 20_000 });
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("User name").waitFor();
    check(foreign.length === 0, `nothing outside the app and moto was contacted: ${foreign}`);
    console.log(JSON.stringify({ ok: true, ...results }));
}

main().catch((err) => {
  console.log(JSON.stringify({ ok: false, error: String(err?.message ?? err) }));
  process.exit(1);
});
