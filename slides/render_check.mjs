// Render the built deck in headless Chromium with the network blocked, and prove it is self-contained.
//
//   node slides/render_check.mjs slides/dist/cs109par-slides.html [SCREENSHOT_DIR]
//
// Fails (exit 1) on any request that is not file: or data:, any broken image, any page error, or a
// presenter view without notes. With SCREENSHOT_DIR, writes slide-NN.png for every slide (1280x720)
// and presenter.png, so a person can look at each one. Prints a JSON summary on stdout.
// The browser: $CHROME_PATH, else chromium / chromium-browser / google-chrome on PATH.

import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import puppeteer from "puppeteer-core";

const [htmlArg, shotDir] = process.argv.slice(2);
if (!htmlArg) {
  console.error("usage: node render_check.mjs DECK.html [SCREENSHOT_DIR]");
  process.exit(2);
}

function findBrowser() {
  if (process.env.CHROME_PATH) return process.env.CHROME_PATH;
  for (const name of ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]) {
    try {
      return execFileSync("which", [name], { encoding: "utf8" }).trim();
    } catch {}
  }
  return null;
}

const executablePath = findBrowser();
if (!executablePath) {
  console.error("no Chromium/Chrome found (install one or set CHROME_PATH)");
  process.exit(3);
}

const url = pathToFileURL(resolve(htmlArg)).href;
const problems = [];
const browser = await puppeteer.launch({
  executablePath,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
         "--no-first-run", "--host-resolver-rules=MAP * ~NOTFOUND"],
});

async function openPage(target) {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 720 });
  await page.setRequestInterception(true);
  page.on("request", (req) => {
    const u = req.url();
    if (u.startsWith("file:") || u.startsWith("data:")) return req.continue();
    problems.push(`network request blocked: ${u.slice(0, 160)}`);
    return req.abort();
  });
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  page.on("console", (msg) => { if (msg.type() === "error") problems.push(`console error: ${msg.text()}`); });
  await page.goto(target, { waitUntil: "load" });
  return page;
}

let slides = 0;
let images = 0;
try {
  const page = await openPage(url);
  slides = await page.$$eval("svg[data-marpit-svg]", (xs) => xs.length);
  if (slides === 0) problems.push("no slides found");
  if (shotDir) mkdirSync(shotDir, { recursive: true });
  // the on-screen controls fade out on a real screen; hide them so screenshots show the slide alone
  await page.addStyleTag({ content: ".bespoke-marp-osc { display: none !important; }" });
  for (let i = 1; shotDir && i <= slides; i++) {
    await page.evaluate((n) => { location.hash = `#${n}`; }, i);
    await new Promise((r) => setTimeout(r, 120));
    await page.screenshot({ path: `${shotDir}/slide-${String(i).padStart(2, "0")}.png` });
  }
  const broken = await page.$$eval("img", (xs) => xs.filter((x) => !(x.complete && x.naturalWidth > 0)).map((x) => x.src.slice(0, 80)));
  images = await page.$$eval("img", (xs) => xs.length);
  for (const b of broken) problems.push(`broken image: ${b}`);

  const presenter = await openPage(`${url}?view=presenter`);
  const notes = await presenter.$$eval(".bespoke-marp-note", (xs) => xs.filter((x) => x.textContent.trim()).length);
  const hasView = await presenter.$$eval(".bespoke-marp-presenter-container", (xs) => xs.length);
  if (!hasView) problems.push("presenter view did not open (?view=presenter)");
  if (notes < slides) problems.push(`only ${notes} of ${slides} slides have speaker notes`);
  if (shotDir) {
    await presenter.setViewport({ width: 1400, height: 800 });
    await presenter.screenshot({ path: `${shotDir}/presenter.png` });
  }
} catch (err) {
  problems.push(`render failed: ${err.message}`);
} finally {
  await browser.close();
}

console.log(JSON.stringify({ slides, images, problems }, null, 2));
process.exit(problems.length ? 1 : 0);
