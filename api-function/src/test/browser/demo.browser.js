// Browser test of the /demo/ page and segflow.js in real headless Chromium, driven by BrowserTest (JUnit).
// Usage: node demo.browser.js <base url> <chromium path>
// Asks the JUnit side for segment changes on stdout ("ENTER <user> <segment> <version>") and waits for "OK" on stdin.
"use strict";
const {chromium} = require("playwright-core");
const readline = require("node:readline");

const [base, executablePath] = process.argv.slice(2);
const replies = readline.createInterface({input: process.stdin});
const pending = [];
replies.on("line", (line) => { const next = pending.shift(); if (next) next(line); });

function ask(command) {
  return new Promise((resolve) => { pending.push(resolve); console.log(command); });
}

function check(condition, message) {
  if (!condition) throw new Error("FAILED: " + message);
  console.log("PASS " + message);
}

(async () => {
  const browser = await chromium.launch({
    executablePath,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"]
  });
  try {
    const page = await (await browser.newContext()).newPage();
    page.on("console", (m) => console.log("BROWSER " + m.type() + ": " + m.text()));
    await page.goto(base + "demo/");
    await page.waitForFunction(() => window.demoSession && document.getElementById("status").textContent.includes("version 0"));
    const user = await page.evaluate(() => window.demoSession.userId);
    check(await page.isHidden("#banner-browsing"), "no banner before any segment");

    // 1. A change appears in the DOM without a reload.
    await page.evaluate(() => { window.notReloaded = true; });
    check((await ask(`ENTER ${user} browsing-a-lot 1`)) === "OK", "the change was published");
    await page.waitForSelector("#banner-browsing", {state: "visible"});
    await page.waitForSelector("#recommendations", {state: "visible"});
    check(await page.evaluate(() => window.notReloaded === true), "the banner appeared without a reload");
    check(await page.isHidden(".welcome"), "the welcome banner went away");

    // 2. A reload shows the cached state first: segflow's API is held back, the banner is there anyway.
    const held = [];
    await page.route("**/v1/users/**", (route) => held.push(route));
    await page.reload();
    await page.waitForFunction(() => document.getElementById("status").textContent.includes("(cached)"));
    check(await page.isVisible("#banner-browsing"), "the reloaded page shows the cached segment before the API answers");
    check(held.length > 0, "the page did ask the API (and is still waiting for it)");
    await page.unroute("**/v1/users/**");
    held.forEach((route) => route.continue().catch(() => {}));
    await page.waitForFunction(() => !document.getElementById("status").textContent.includes("(cached)"));
    check(true, "once the API answers, the status no longer says cached");
    check((await ask(`ENTER ${user} cart-abandoner 2`)) === "OK", "a second change was published");
    await page.waitForSelector("#banner-abandoner", {state: "visible"});
    check(true, "after the cached state, live changes still arrive");

    // 3. Refused tokens are reported, not retried forever, and show nothing.
    const refusals = await page.evaluate(async (session) => {
      function refusal(options) {
        return new Promise((resolve) => {
          const client = segflow.createClient(Object.assign({apiHost: location.origin, storage: null}, options));
          client.on("error", (e) => resolve({status: e.status, error: e.error, segments: client.segments()}));
        });
      }
      return {
        badToken: await refusal({userId: session.userId, token: "not-a-token"}),
        otherUser: await refusal({userId: "demo-someone-else", token: session.token})
      };
    }, await page.evaluate(() => window.demoSession));
    check(refusals.badToken.status === 401 && refusals.badToken.error === "unauthorized", "a bad token gets 401");
    check(refusals.otherUser.status === 403 && refusals.otherUser.error === "forbidden", "another user's token gets 403");
    check(refusals.otherUser.segments.length === 0, "nothing is shown to a refused reader");
    console.log("DONE");
  } finally {
    await browser.close();
    replies.close();
  }
})().catch((e) => { console.error(e.stack || String(e)); process.exit(1); });
