// report.test.mjs - the printable Annual Equalities Report
// (/reports/annual/2024-25) in headless Chromium against the real service:
// every section of /v1/reports/annual/2024-25 is drawn with its title, its
// completeness and what is missing, its sources, its figures and the
// council's commentary when it has one; withheld
// counts read "withheld"; a banner marks illustrative figures; the page
// fits a phone and a laptop with no sideways scroll; it prints to A4 (the
// PDF is kept among the artifacts, with screenshots at both widths); and
// nothing is asked of any other origin.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';

import { api, artifact, assertClean, BASE, getJSON, openBrowser } from './lib.mjs';

const YEAR = '2024-25';
const numberFormat = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 2 });
let browser;
let page;
let report;

before(async () => {
  report = await getJSON(`/v1/reports/annual/${YEAR}`);
  browser = await openBrowser({ width: 1366, height: 768 });
  page = browser.page;
  const response = await page.goto(`${BASE()}/reports/annual/${YEAR}`);
  assert.equal(response.status(), 200);
  await page.waitForFunction(() => document.documentElement.dataset.rendered, null, { timeout: 15000 });
  assert.equal(await page.evaluate(() => document.documentElement.dataset.rendered), 'true',
    await page.locator('#report-status').innerText());
});

after(async () => {
  if (browser)
    await browser.close();
});

test('every section is drawn: title, completeness, what is missing, sources', async () => {
  const sections = Object.entries(report.sections);
  assert.ok(sections.length >= 7, `${sections.length} sections`);
  const drawn = await page.$$eval('section[data-section]', (ss) => ss.map((s) => ({
    key: s.dataset.section,
    complete: s.dataset.complete,
    title: s.querySelector('h2').innerText,
    notes: [...s.querySelectorAll('.notes li')].map((li) => li.innerText),
    sources: [...s.querySelectorAll('.sources a')].map((a) => a.getAttribute('href')),
    commentary: s.querySelector('.commentary p') ? s.querySelector('.commentary p').innerText : null,
    text: s.innerText,
  })));
  assert.deepEqual(drawn.map((d) => d.key), sections.map(([k]) => k));
  for (const [key, s] of sections) {
    const d = drawn.find((x) => x.key === key);
    assert.equal(d.title, s.title, key);
    assert.equal(d.complete, String(s.complete), key);
    assert.match(d.text, s.complete ? /Complete for the year/ : /Incomplete for the year/, key);
    assert.deepEqual(d.notes, s.notes, `${key}: what is missing`);
    assert.deepEqual(d.sources, s.sources, `${key}: sources`);
    assert.equal(d.commentary, s.commentary ? s.commentary.text : null, `${key}: commentary`);
  }
  // test_browser.py wrote one (with a line break, kept on the page).
  assert.ok(sections.some(([, s]) => s.commentary), 'a section with commentary');
  assert.match(await page.locator('#report-title').innerText(), new RegExp(YEAR));
  assert.match(await page.locator('header').innerText(), /London Borough of Barnet/);
});

test('the figures are the API\'s, withheld ones written "withheld"', async () => {
  const text = (key) => page.locator(`section[data-section="${key}"]`).innerText();
  const ind = report.sections.indicators.data;
  const indText = await text('indicators');
  for (const r of ind) {
    assert.ok(indText.includes(r.title), r.code);
    if (r.outturn && r.outturn.actual !== null)
      assert.ok(indText.includes(numberFormat.format(r.outturn.actual)), `${r.code}: ${r.outturn.actual}`);
  }
  const hc = report.sections.hate_crime.data;
  const hcText = await text('hate_crime');
  assert.ok(hcText.includes(hc.suppressed ? 'withheld' : numberFormat.format(hc.reports)), hcText.slice(0, 200));
  for (const s of hc.strand_flags.filter((f) => f.suppressed))
    assert.match(hcText, /withheld/, s.strand);
  // ...and on the chart, never as an empty bar (web/figures.js).
  if (hc.strand_flags.length)
    assert.deepEqual(JSON.parse(await page.getAttribute('section[data-section="hate_crime"] canvas', 'data-withheld')),
      hc.strand_flags.map((f) => (f.suppressed ? 'withheld' : '')));
  const ap = report.sections.action_plan.data;
  if (ap)
    assert.ok((await text('action_plan')).includes(ap.plan.title));
  for (const d of report.sections.demographics.data)
    assert.ok((await text('demographics')).includes(d.title));
  // Charts come with their tables.
  const figures = await page.$$eval('figure.chart', (fs) => fs.map((f) => Boolean(f.nextElementSibling && f.nextElementSibling.querySelector('table'))));
  assert.ok(figures.length >= 1 && figures.every(Boolean), JSON.stringify(figures));
});

test('illustrative figures carry a banner', async () => {
  const illustrative = report.sections.demographics.data.some((d) => d.official === false);
  assert.equal(await page.locator('#illustrative-banner').isVisible(), illustrative);
});

for (const [width, height, name] of [[390, 844, 'phone'], [1366, 768, 'desktop']]) {
  test(`at ${width}x${height}: no sideways scroll`, async () => {
    await page.setViewportSize({ width, height });
    await page.waitForTimeout(600);      // the charts are sized again once a resize settles
    const wide = await page.evaluate(() => ({
      page: document.documentElement.scrollWidth,
      view: window.innerWidth,
      tables: [...document.querySelectorAll('.table-wrap')].filter((w) => w.scrollWidth > w.clientWidth + 1).length,
    }));
    assert.ok(wide.page <= wide.view, `${wide.page}px wide at ${wide.view}px`);
    assert.equal(wide.tables, 0, 'a table scrolls sideways');
    await page.screenshot({ path: artifact(`report-${name}.png`), fullPage: true });
  });
}

test('it prints to A4', async () => {
  await page.emulateMedia({ media: 'print' });
  const pdf = await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true });
  await page.emulateMedia({ media: 'screen' });
  fs.writeFileSync(artifact(`annual-report-${YEAR}.pdf`), pdf);
  const text = pdf.toString('latin1');
  const pages = (text.match(/\/Type\s*\/Page[^s]/g) || []).length;
  assert.ok(pdf.length > 20000, `${pdf.length} bytes`);
  assert.ok(pages >= 2 && pages <= 30, `${pages} pages`);
  // A4 is 595 x 842 points (Chromium writes 594.96 x 841.92).
  const box = text.match(/\/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]/);
  assert.ok(box, 'no MediaBox in the PDF');
  assert.ok(Math.abs(Number(box[1]) - 595) < 1 && Math.abs(Number(box[2]) - 842) < 1, box[0]);
});

test('a year written otherwise is a 404, and the page asked nothing elsewhere', async () => {
  assert.equal((await api('/reports/annual/2024')).status, 404);
  assertClean(assert, browser.record, '/reports/annual');
  assert.ok(browser.record.all.some((u) => u.endsWith(`/v1/reports/annual/${YEAR}`)));
});
