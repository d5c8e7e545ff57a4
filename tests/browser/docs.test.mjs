// docs.test.mjs - /docs in headless Chromium: the served /openapi.yaml is
// rendered by the vendored Redoc with every documented operation and its
// parameters, search works (Redoc's blob: worker under the page's CSP),
// and nothing is asked of any other origin.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';

import { artifact, assertClean, BASE, env, openBrowser } from './lib.mjs';

// [{ id, method, path, parameters: [name...] }] from api/openapi.yaml, read by
// the pytest side (Python has a YAML parser; this folder has none).
const documented = JSON.parse(fs.readFileSync(env('EQ_BROWSER_EXPECT'), 'utf8'));
const expected = documented.filter((op) => !op.hidden);
const preflights = documented.filter((op) => op.hidden);

let browser;
let page;

before(async () => {
  browser = await openBrowser({ width: 1400, height: 900 });
  page = browser.page;
  const response = await page.goto(BASE() + '/docs');
  assert.equal(response.status(), 200);
  // docs.js marks the page once Redoc has drawn it (or shows an error).
  const start = Date.now();
  await page.waitForSelector('html[data-rendered="true"], #redoc .error', { timeout: 45000 });
  console.log(`# /docs drawn by Redoc ${Date.now() - start} ms after the page loaded`);
  const error = await page.$('#redoc .error');
  assert.equal(error, null, error ? await error.innerText() : '');
});

after(async () => {
  if (browser)
    await browser.close();
});

test('every documented operation is rendered with its path and parameters', async () => {
  assert.ok(expected.length > 50, `only ${expected.length} operations expected?`);
  // Checked inside the page: the sections' text runs to megabytes.
  const missing = await page.evaluate((ops) => {
    const out = [];
    for (const op of ops) {
      const what = `${op.method.toUpperCase()} ${op.path}`;
      const section = document.getElementById(`tag/${op.tag}/operation/${op.id}`);
      if (!section) {
        out.push(`${what}: no section`);
        continue;
      }
      // textContent: innerText would lay the long page out again for each.
      const text = section.textContent;
      if (!text.includes(op.path))
        out.push(`${what}: path not shown`);
      for (const name of op.parameters)
        if (!text.includes(name))
          out.push(`${what}: parameter ${name} not shown`);
    }
    return out;
  }, expected);
  assert.deepEqual(missing, []);
});

test('CORS preflights are not listed one by one (one tag, described once)', async () => {
  assert.ok(preflights.length > 20, `${preflights.length} preflights in the document?`);
  assert.ok(preflights.every((op) => op.method === 'options'));
  const shown = await page.evaluate((ops) => ops.filter((op) =>
    document.getElementById(`tag/${op.tag}/operation/${op.id}`)).map((op) => op.id), preflights);
  assert.deepEqual(shown, []);
  const menu = await page.locator('.menu-content').innerText();
  assert.doesNotMatch(menu, /CORS preflight|Allowed methods/);
});

test('the scorecard operation shows its parameter, example, samples and (a click away) its response', async () => {
  const section = page.locator('[id="tag/indicators/operation/getScorecard"]');
  await section.scrollIntoViewIfNeeded();
  const text = await section.innerText();
  assert.match(text, /\/v1\/scorecard/);
  assert.match(text, /QUERY PARAMETERS[\s\S]*\bperiod\b/);
  assert.match(text, /Example: period=2024\/25 Q2/);
  assert.match(text, /Response samples/);
  // Responses are folded; the 200 opens on a click to show its schema.
  // (With JSON and CSV, Redoc writes the media type in a selector.)
  assert.doesNotMatch(text, /RESPONSE SCHEMA/);
  await section.locator('button', { hasText: /^\s*200\b/ }).first().click();
  await page.waitForFunction(() => /RESPONSE SCHEMA/
    .test(document.getElementById('tag/indicators/operation/getScorecard').innerText), null, { timeout: 5000 });
  assert.match(await section.innerText(), /rag_counts[\s\S]*action_plan/);
});

test('search finds an operation and leads to it (Redoc\'s worker runs under the CSP)', async () => {
  await page.fill('input[placeholder="Search..."]', 'scorecard');
  // The index is built and queried in a Worker made from a blob: URL.
  const results = page.locator('[data-role="search:results"] li[data-item-id]');
  const hit = page.locator('[data-role="search:results"] li[data-item-id="tag/indicators/operation/getScorecard"]');
  await hit.waitFor({ timeout: 10000 });
  const n = await results.count();
  assert.ok(n >= 1 && n < expected.length / 4, `search for "scorecard" gave ${n} results`);
  await hit.click();
  await page.waitForFunction(() => location.hash === '#tag/indicators/operation/getScorecard', null, { timeout: 5000 });
  await page.fill('input[placeholder="Search..."]', '');
});

test('the page asked nothing of another origin, and nothing was refused', async () => {
  await page.screenshot({ path: artifact('docs-scorecard.png') });   // where the search led
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: artifact('docs.png') });
  assertClean(assert, browser.record, '/docs');
  const origin = browser.origin;
  const asked = browser.record.all.map((u) => new URL(u.replace(/^blob:/, '')).origin);
  assert.ok(asked.every((o) => o === origin), asked.join(' '));
  assert.ok(browser.record.all.some((u) => u === origin + '/openapi.yaml'), 'the document was not fetched');
});
