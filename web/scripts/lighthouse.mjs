// A real Lighthouse run (bench only, not CI) of the scenario editor: Debian's Chromium
// (CHROME_PATH, headless) opens the console, fills the login form, and Lighthouse measures the
// navigation that *Approve* starts — the redirect back to the console, the code exchange, the
// scenario's fetch and the graph drawn — in navigation mode with the desktop preset.
// Prints one JSON line: performance score, FCP, LCP, TBT, Speed Index (ms).
//
//   node scripts/lighthouse.mjs URL USERNAME PASSWORD [REPORT.html]
import { writeFileSync } from "node:fs";
import { startFlow } from "lighthouse";
import desktopConfig from "lighthouse/core/config/desktop-config.js";
import puppeteer from "puppeteer-core";

const [url, username, password, report] = process.argv.slice(2);
if (!url || !username || !password) {
  console.error("usage: node scripts/lighthouse.mjs URL USERNAME PASSWORD [REPORT.html]");
  process.exit(2);
}
const browser = await puppeteer.launch({
  executablePath: process.env.CHROME_PATH || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
});
try {
  const page = await browser.newPage();
  await page.goto(url);
  await page.waitForSelector("input[name=username]");
  await page.type("input[name=username]", username);
  await page.type("input[name=password]", password);
  const config = { ...desktopConfig, settings: { ...desktopConfig.settings, onlyCategories: ["performance"] } };
  const flow = await startFlow(page, { config, name: "editor" });
  await flow.navigate(
    async () => {
      await page.click("button[value=approve]");
      await page.waitForFunction(() => document.querySelectorAll(".react-flow__node").length > 0, { timeout: 60_000 });
    },
    { name: "sign in → editor" },
  );
  const result = await flow.createFlowResult();
  if (report) writeFileSync(report, await flow.generateReport());
  const lhr = result.steps[0].lhr;
  const ms = (id) => Math.round(lhr.audits[id]?.numericValue ?? NaN);
  const nodes = await page.evaluate(() => document.querySelectorAll(".react-flow__node").length);
  console.log(
    JSON.stringify({
      url: lhr.finalDisplayedUrl,
      performance: Math.round((lhr.categories.performance.score ?? 0) * 100),
      fcp: ms("first-contentful-paint"),
      lcp: ms("largest-contentful-paint"),
      tbt: ms("total-blocking-time"),
      speedIndex: ms("speed-index"),
      nodes,
      warnings: lhr.runWarnings,
    }),
  );
} finally {
  await browser.close();
}
