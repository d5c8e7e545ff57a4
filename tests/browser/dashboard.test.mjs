// dashboard.test.mjs - /dashboard in headless Chromium against the real
// service: the scorecard, the action plan and the charts show the API's own
// numbers, the area picker redraws the population charts, an idle page
// costs the service nothing but its change stream, a value PUT through the
// API appears on the open page within two seconds without a reload (the
// change feed tells it), the page fits a phone and fills a wall screen with
// no overlapping labels and no horizontal scroll, illustrative figures carry
// a banner, withheld cells read "withheld" on the charts, and nothing is
// asked of any other origin.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { api, artifact, assertClean, BASE, env, getJSON, openBrowser, waitFor } from './lib.mjs';

const HATE_CRIME = '/v1/hate-crime/statistics?group_by=month&compare=previous_year';
const numberFormat = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 2 });
const RAG_WORD = { green: 'Green', amber: 'Amber', red: 'Red' };
const DIRECTION_WORD = {
  improving: 'Improving', worsening: 'Worsening', no_change: 'No change', not_comparable: 'Not comparable',
};

let browser;
let page;
const apiCalls = [];   // every /v1 response the page received: { path, status }

before(async () => {
  browser = await openBrowser({ width: 1400, height: 900 });
  page = browser.page;
  page.on('response', (r) => {
    const url = new URL(r.url());
    if (url.pathname.startsWith('/v1/'))
      apiCalls.push({ path: url.pathname + url.search, status: r.status(), at: Date.now() });
  });
  const response = await page.goto(BASE() + '/dashboard');
  assert.equal(response.status(), 200);
  await page.waitForSelector('#scorecard-table tbody tr', { timeout: 15000 });
  await page.waitForFunction(() => window.Chart &&
    ['chart-hate-crime', 'chart-ethnicity', 'chart-religion'].every((id) => window.Chart.getChart(document.getElementById(id))),
  null, { timeout: 15000 });
  // Set once: gone if anything reloads the page.
  await page.evaluate(() => { window.eqSameDocument = 'yes'; });
});

after(async () => {
  if (browser)
    await browser.close();
});

// The rows of a table as { key: dataset value, cells: [data-value...], text }.
function tableRows(id, keyAttr) {
  return page.$$eval(`#${id} tbody tr`, (trs, attr) => trs.map((tr) => ({
    key: tr.getAttribute(attr),
    cells: [...tr.querySelectorAll('td')].map((td) => td.dataset.value ?? null),
    text: tr.innerText,
  })), keyAttr);
}

function chartData(id) {
  return page.evaluate((canvasId) => {
    const canvas = document.getElementById(canvasId);
    const chart = window.Chart.getChart(canvas);
    // Pixels of the bars' colour (#1d4f91): the chart really was drawn.
    const ctx = canvas.getContext('2d');
    const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let bars = 0;
    for (let i = 0; i < px.length; i += 4)
      if (px[i] === 29 && px[i + 1] === 79 && px[i + 2] === 145 && px[i + 3] === 255)
        bars++;
    return {
      labels: chart.data.labels,
      datasets: chart.data.datasets.map((d) => d.data),
      barPixels: bars,
      role: canvas.getAttribute('role'),
      label: canvas.getAttribute('aria-label'),
    };
  }, id);
}

const num = (v) => (v === null || v === undefined || v === '' ? null : Number(v));

test('the scorecard shows the API\'s numbers, RAG and direction in words', async () => {
  const card = await getJSON('/v1/scorecard');
  assert.ok(card.indicators.length >= 5);
  assert.equal(await page.locator('#scorecard-period').innerText(), card.period.label);
  const rows = await page.$$eval('#scorecard-table tbody tr', (trs) => trs.map((tr) => ({
    code: tr.dataset.code,
    fields: Object.fromEntries([...tr.querySelectorAll('[data-field]')]
      .map((td) => [td.dataset.field, { value: td.dataset.value, text: td.innerText }])),
  })));
  assert.deepEqual(rows.map((r) => r.code), card.indicators.map((i) => i.code));
  for (const ind of card.indicators) {
    const f = rows.find((r) => r.code === ind.code).fields;
    assert.equal(num(f.actual.value), ind.actual, `${ind.code} actual`);
    assert.equal(num(f.target.value), ind.target, `${ind.code} target`);
    if (ind.actual !== null)
      assert.ok(f.actual.text.includes(numberFormat.format(ind.actual)), `${ind.code}: "${f.actual.text}"`);
    assert.equal(f.rag.value, ind.rag ?? '', `${ind.code} rag`);
    if (ind.rag)
      assert.ok(f.rag.text.includes(RAG_WORD[ind.rag]), `${ind.code}: RAG in words, got "${f.rag.text}"`);
    assert.equal(f.direction.value, ind.direction.previous_period, `${ind.code} direction`);
    assert.ok(f.direction.text.includes(DIRECTION_WORD[ind.direction.previous_period]), f.direction.text);
    assert.equal(f['direction-year'].value, ind.direction.year_earlier, `${ind.code} direction a year earlier`);
  }
  for (const rag of ['green', 'amber', 'red']) {
    const li = page.locator(`#rag-counts li[data-rag="${rag}"]`);
    assert.equal(num(await li.locator('strong').getAttribute('data-value')), card.rag_counts[rag], rag);
    assert.match(await li.innerText(), new RegExp(`${RAG_WORD[rag]}\\s+${card.rag_counts[rag]}\\b`));
  }
});

test('the action plan summary is the scorecard\'s', async () => {
  const plan = (await getJSON('/v1/scorecard')).action_plan;
  assert.ok(plan, 'the demo data has a current plan');
  assert.ok((await page.locator('#plan-name').innerText()).includes(plan.plan.title));
  const tiles = Object.fromEntries(await page.$$eval('#plan-tiles dd', (dds) => dds.map((dd) => [dd.dataset.field, dd.dataset.value])));
  assert.equal(num(tiles.total), plan.overall.total);
  assert.equal(num(tiles.overdue), plan.overall.overdue);
  assert.equal(num(tiles.complete_share), plan.overall.complete_share);
  for (const [status, n] of Object.entries(plan.overall.by_status))
    assert.equal(num(await page.locator(`#plan-status li[data-status="${status}"] strong`).getAttribute('data-value')), n, status);
  for (const [rag, n] of Object.entries(plan.overall.by_rag))
    assert.equal(num(await page.locator(`#plan-rag li[data-rag="${rag}"] strong`).getAttribute('data-value')), n, rag);
  const outcomes = await tableRows('plan-outcomes', 'data-outcome');
  assert.deepEqual(outcomes.map((o) => o.key), plan.outcomes.map((o) => o.outcome));
});

test('hate-crime reports by month: a drawn chart and a table of the API\'s numbers', async () => {
  const stats = await getJSON(HATE_CRIME);
  const months = stats.data.filter((r) => r.period.kind === 'month' && r.ward === null);
  assert.ok(months.length >= 6, `${months.length} months`);
  const chart = await chartData('chart-hate-crime');
  assert.equal(chart.role, 'img');
  assert.ok(chart.label.length > 20);
  assert.equal(chart.labels.length, months.length);
  // A month no source has supplied yet is a gap in the chart, not a zero.
  const supplied = (cell) => (cell && cell.coverage !== 'none' ? cell.value : null);
  assert.deepEqual(chart.datasets[0], months.map(supplied));
  assert.deepEqual(chart.datasets[1], months.map((r) => supplied(r.previous_year)));
  assert.ok(months.filter((r) => r.coverage !== 'none').length >= 3, 'the demo data should have months to show');
  // A withheld month is written "withheld" on the chart, never an empty bar.
  const marked = JSON.parse(await page.getAttribute('#chart-hate-crime', 'data-withheld'));
  assert.deepEqual(marked, months.map((r) => (r.suppressed ? 'withheld' : '')));
  if (months.some((r) => supplied(r)))
    assert.ok(chart.barPixels > 100, `only ${chart.barPixels} pixels of bars drawn`);

  const rows = await tableRows('table-hate-crime', 'data-period');
  assert.deepEqual(rows.map((r) => r.key), months.map((r) => r.period.label));
  assert.deepEqual(rows.map((r) => num(r.cells[0])), months.map((r) => r.value));
  assert.deepEqual(rows.map((r) => num(r.cells[1])), months.map((r) => (r.previous_year ? r.previous_year.value : null)));

  // The table is there for screen readers all along; the button shows it.
  const wrap = page.locator('#table-hate-crime-wrap');
  assert.ok((await wrap.boundingBox()).width <= 1);
  const toggle = page.locator('button[aria-controls="table-hate-crime-wrap"]');
  await toggle.click();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  assert.ok((await wrap.boundingBox()).width > 200);
  await toggle.click();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
});

async function expectArea(code) {
  const q = `/v1/demographics?area=${code}&characteristic=`;
  const [eth, rel] = await Promise.all([getJSON(q + 'ethnicity'), getJSON(q + 'religion')]);
  for (const [kind, body] of [['ethnicity', eth], ['religion', rel]]) {
    const cells = body.data.filter((r) => r.category.code !== 'total');
    const want = cells.map((r) => `${r.category.code}=${r.value}`).join(' ');
    const { value, elapsed, timedOut } = await waitFor(async () => {
      const rows = await tableRows(`table-${kind}`, 'data-category');
      return rows.map((r) => `${r.key}=${num(r.cells[0])}`).join(' ') === want;
    }, 5000);
    assert.ok(value && !timedOut, `${kind} table of ${code} not shown after ${elapsed} ms`);
    const top = cells.filter((r) => !r.category.parent);
    const chart = await chartData(`chart-${kind}`);
    assert.deepEqual(chart.datasets[0], top.map((r) => (r.share === null ? null : r.share * 100)), `${kind} chart of ${code}`);
    assert.equal(chart.labels.length, top.length);
    assert.ok(chart.barPixels > 200, `${kind}: only ${chart.barPixels} pixels of bars`);
    assert.ok(chart.label.includes(body.data[0].area.name), chart.label);
  }
  return { eth, rel };
}

test('the area picker lists the areas and redraws the population charts', async () => {
  const areas = (await getJSON('/v1/areas?limit=500')).data;
  const options = await page.$$eval('#ward-picker option', (os) => os.map((o) => o.value));
  assert.deepEqual([...options].sort(), areas.map((a) => a.code).sort());
  assert.equal(await page.locator('label[for="ward-picker"]').count(), 1);

  const wards = areas.filter((a) => a.kind === 'ward');
  await expectArea(await page.locator('#ward-picker').inputValue());
  await page.selectOption('#ward-picker', wards[2].code);
  const first = await expectArea(wards[2].code);
  await page.selectOption('#ward-picker', wards[9].code);
  const second = await expectArea(wards[9].code);
  assert.notDeepEqual(first.eth.data.map((r) => r.value), second.eth.data.map((r) => r.value),
    'two wards with the same figures: the test would not see a redraw');
  assert.equal(await page.evaluate(() => location.hash), `#area=${wards[9].code}`);
});

test('an idle page costs the service nothing but its change stream', async () => {
  // The page follows /v1/changes as an event stream...
  assert.ok(apiCalls.some((c) => c.path.startsWith('/v1/changes?') && c.status === 200), 'no change stream opened');
  await page.waitForTimeout(1200);      // let the picker's first fetches settle
  const from = Date.now();
  await page.waitForTimeout(2600);
  // ...so while nothing changes it asks nothing (no polling every second).
  const idle = apiCalls.filter((c) => c.at >= from);
  assert.deepEqual(idle, [], 'an idle page asked the service for something');
  assert.match(await page.locator('#status').innerText(), /as soon as the data changes/);
  // "Figures for" names the data's periods, never the time of a fetch.
  const card = await getJSON('/v1/scorecard');
  const shown = await page.locator('#data-period').innerText();
  assert.ok(shown.startsWith('Figures for:') && shown.includes(card.period.label), shown);
  assert.doesNotMatch(shown, /\d\d:\d\d:\d\d/);
});

async function putActual(code, period, current, actual, key) {
  const r = await api(`/v1/indicators/${code}/values/${period.replace(' ', '-')}`, {
    method: 'PUT',
    headers: {
      Authorization: `Bearer ${key}`,
      'Content-Type': 'application/json',
      'If-Match': `"v${current.revision}"`,
      'X-Request-Id': 'browser-test-put',
    },
    body: JSON.stringify({
      target: current.target, actual, commentary: current.commentary, published_on: current.published_on,
    }),
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

async function shownActual(code) {
  return page.$eval(`#scorecard-table tr[data-code="${code}"] td[data-field="actual"]`,
    (td) => ({ value: td.dataset.value, text: td.innerText }));
}

test('a value PUT through the API appears on the open page within two seconds', async () => {
  const key = env('EQ_BROWSER_KEY');
  const card = await getJSON('/v1/scorecard');
  const ind = card.indicators.find((i) => i.actual !== null && i.target !== null);
  const period = card.period.label;
  const enc = encodeURIComponent(period);
  const current = (await getJSON(`/v1/indicators/${ind.code}/values?from=${enc}&to=${enc}`)).data[0];
  assert.equal(current.actual, ind.actual);

  const changed = Math.round((ind.actual + 1.375) * 1000) / 1000;
  const callsBefore = apiCalls.length;
  const put = await putActual(ind.code, period, current, changed, key);
  const shown = await waitFor(async () => num((await shownActual(ind.code)).value) === changed, 2000);
  console.log(`# ${ind.code} ${ind.actual} -> ${changed}: on the page after ${shown.elapsed} ms`);
  assert.ok(shown.value && !shown.timedOut, `not shown after ${shown.elapsed} ms`);
  assert.ok(shown.elapsed <= 2000, `${shown.elapsed} ms`);
  assert.ok((await shownActual(ind.code)).text.includes(numberFormat.format(changed)));
  // The RAG and counts the page shows are the API's for the new value.
  const after = await getJSON('/v1/scorecard');
  const rag = after.indicators.find((i) => i.code === ind.code).rag;
  assert.equal(await page.getAttribute(`#scorecard-table tr[data-code="${ind.code}"] td[data-field="rag"]`, 'data-value'), rag);
  // Fetched by the page's own polling, not by a reload.
  assert.equal(await page.evaluate(() => window.eqSameDocument), 'yes');
  assert.ok(apiCalls.slice(callsBefore).some((c) => c.path === '/v1/scorecard' && c.status === 200));

  // Put it back; that shows as quickly.
  await putActual(ind.code, period, { ...current, revision: put.revision ?? current.revision + 1 }, ind.actual, key);
  const back = await waitFor(async () => num((await shownActual(ind.code)).value) === ind.actual, 2000);
  console.log(`# ${ind.code} back to ${ind.actual}: on the page after ${back.elapsed} ms`);
  assert.ok(back.value && !back.timedOut, `not restored on the page after ${back.elapsed} ms`);
});

test('a wall screen puts the panels side by side; a phone gets one column', async () => {
  await page.setViewportSize({ width: 1920, height: 1080 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(400);       // Chart.js redraws on resize
  const boxes = await page.$$eval('main > section', (ss) => ss.map((s) => {
    const r = s.getBoundingClientRect();
    return { id: s.id, left: r.left, top: r.top, right: r.right, bottom: r.bottom };
  }));
  const by = Object.fromEntries(boxes.map((b) => [b.id, b]));
  const layout = JSON.stringify(boxes);
  // Side by side: the scorecard (two columns wide), the chart and the plan
  // beside it, the population under it.  How far down the page goes
  // depends on the number of indicators (the integration suite adds some).
  assert.ok(by.scorecard.right - by.scorecard.left > 1000, `the scorecard is narrow on a wall: ${layout}`);
  assert.ok(by['hate-crime'].left >= by.scorecard.right, `the chart is not beside the scorecard: ${layout}`);
  assert.ok(by['action-plan'].left >= by.scorecard.right, `the plan is not beside the scorecard: ${layout}`);
  assert.ok(by.ward.top >= by.scorecard.bottom && by.ward.left < by.scorecard.right, layout);
  assert.ok(by['hate-crime'].bottom <= 1080 && by['action-plan'].top < 1080,
    `the chart and the plan are not on the first screen of a wall: ${layout}`);
  await page.screenshot({ path: artifact('dashboard-wall.png') });

  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(400);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `the page is ${width}px wide on a 390px phone`);
  const lefts = (await page.$$eval('main > section', (ss) => ss.map((s) => Math.round(s.getBoundingClientRect().left))));
  assert.equal(new Set(lefts).size, 1, 'on a phone the panels stack');
  for (const id of ['chart-hate-crime', 'chart-ethnicity', 'chart-religion'])
    assert.ok((await chartData(id)).barPixels > 100, `${id} not drawn on a phone`);
  await page.screenshot({ path: artifact('dashboard-phone.png'), fullPage: true });
  await page.setViewportSize({ width: 1400, height: 900 });
});

// Where the labels of a chart's category axis sit and how much room each
// needs: overlapping labels are a failure, however narrow the screen.
function labelRoom(id) {
  return page.evaluate((canvasId) => {
    const chart = window.Chart.getChart(document.getElementById(canvasId));
    const axis = chart.options.indexAxis === 'y' ? chart.scales.y : chart.scales.x;
    const font = window.Chart.defaults.font;
    const line = font.size * 1.2;
    const ctx = chart.ctx;
    ctx.save();
    ctx.font = `${font.size}px ${font.family}`;
    const lines = (l) => (Array.isArray(l) ? l : [l]);
    const ticks = axis.ticks.map((t, i) => {
      const text = lines(axis.getLabelForValue(t.value) ?? t.label);
      const raw = lines(chart.data.labels[t.value]);
      return {
        at: axis.getPixelForTick(i),
        lines: raw.length,
        width: Math.max(...raw.map((s) => ctx.measureText(String(s)).width)),
        text: String(text),
      };
    });
    ctx.restore();
    return { vertical: chart.options.indexAxis === 'y', rotation: axis.labelRotation || 0, line, ticks };
  }, id);
}

function assertNoOverlap(room, what) {
  for (let i = 1; i < room.ticks.length; i++) {
    const a = room.ticks[i - 1];
    const b = room.ticks[i];
    const gap = Math.abs(b.at - a.at);
    let need;
    if (room.vertical)
      need = ((a.lines + b.lines) / 2) * room.line;        // lines stacked: heights
    else if (room.rotation > 1)
      need = room.line / Math.sin((room.rotation * Math.PI) / 180);   // slanted strips
    else
      need = (a.width + b.width) / 2;                       // side by side: widths
    assert.ok(gap + 0.5 >= need, `${what}: labels "${a.text}" and "${b.text}" are ${gap.toFixed(1)}px apart and need ${need.toFixed(1)}px`);
  }
}

for (const [width, height] of [[390, 844], [1366, 768]]) {
  test(`at ${width}x${height}: no overlapping labels, no horizontal scroll, the banner, withheld shown as withheld`, async () => {
    await page.setViewportSize({ width, height });
    // Garden Suburb: religion has withheld categories in the demo data.
    const ward = (await getJSON('/v1/areas?limit=500')).data.find((a) => a.code === 'E05013641');
    await page.selectOption('#ward-picker', ward.code);
    const { rel } = await expectArea(ward.code);
    await page.waitForTimeout(400);       // Chart.js redraws on resize

    // No horizontal scroll: neither the page nor any table shown.
    const overflow = await page.evaluate(() => ({
      page: document.documentElement.scrollWidth,
      view: window.innerWidth,
      boxes: [...document.querySelectorAll('.table-wrap:not(.visually-hidden)')]
        .filter((w) => w.scrollWidth > w.clientWidth + 1)
        .map((w) => `${w.querySelector('table').id}: ${w.scrollWidth} > ${w.clientWidth}`),
    }));
    assert.ok(overflow.page <= overflow.view, `the page is ${overflow.page}px wide at ${overflow.view}px`);
    assert.deepEqual(overflow.boxes, [], 'a table scrolls sideways');

    for (const id of ['chart-hate-crime', 'chart-ethnicity', 'chart-religion'])
      assertNoOverlap(await labelRoom(id), `${id} at ${width}px`);

    // The banner: the demo data is illustrative, and the page says so.
    const banner = page.locator('#illustrative-banner');
    assert.ok(await banner.isVisible(), 'no banner over illustrative figures');
    assert.match(await banner.innerText(), /illustrative/i);
    assert.ok((await banner.boundingBox()).y < height, 'the banner is not on the first screen');
    assert.match(await page.locator('header').innerText(), /London Borough of Barnet/);

    // Withheld is written on the chart (not an empty bar) and in the table.
    const top = rel.data.filter((r) => r.category.code !== 'total' && !r.category.parent);
    const want = top.map((r) => (r.suppressed ? 'withheld' : ''));
    assert.ok(want.includes('withheld'), 'the test needs a withheld category');
    const marked = JSON.parse(await page.getAttribute('#chart-religion', 'data-withheld'));
    assert.deepEqual(marked, want);
    assert.ok(await page.evaluate(() => Boolean(window.Chart.registry.plugins.get('eqWithheld'))));
    for (const r of top.filter((c) => c.suppressed))
      assert.equal(await page.locator(`#table-religion tr[data-category="${r.category.code}"] td`).first().innerText(), 'withheld');
    await page.screenshot({ path: artifact(`dashboard-${width}x${height}.png`), fullPage: true });
  });
}

test('the page asked nothing of another origin, and nothing was refused', async () => {
  assertClean(assert, browser.record, '/dashboard');
  const origin = browser.origin;
  assert.ok(browser.record.all.every((u) => new URL(u).origin === origin), browser.record.all.join(' '));
  assert.ok(browser.record.all.some((u) => u.startsWith(origin + '/assets/chart.umd.min.js?v=')));
});
