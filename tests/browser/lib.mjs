// lib.mjs - what the browser tests share: Debian's Chromium driven by
// playwright-core (never a browser of Playwright's own: nothing is
// downloaded), a fresh profile per run, and a record of every request the
// pages make, so a test can prove that none leaves the service.
//
// The service is started by the pytest side (tests/browser/test_browser.py),
// which passes what the scripts need in the environment:
//   EQ_BROWSER_BASE_URL   http://127.0.0.1:<port> of the running service
//   EQ_BROWSER_ARTIFACTS  where screenshots go
//   EQ_BROWSER_KEY        a manage:indicators key (dashboard test)
//   EQ_BROWSER_EXPECT     JSON file of the documented operations (docs test)
//   EQ_CHROMIUM           the browser (default /usr/bin/chromium)

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export function env(name) {
  const v = process.env[name];
  if (!v)
    throw new Error(`${name} is not set: run the browser tests through pytest (tests/browser/test_browser.py)`);
  return v;
}

export const BASE = () => env('EQ_BROWSER_BASE_URL').replace(/\/$/, '');

// Without these Chromium reaches for Google's services at start and, on
// this closed network, its connections are refused.
const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-default-apps', '--disable-extensions', '--metrics-recording-only',
  '--no-default-browser-check',
];

// A browser with a fresh profile, and the record of everything it asked for.
// `outside` holds every request not for the service's own origin (blob: and
// data: URLs are the page's own memory, not the network); such requests are
// also refused, so a failing test cannot reach anywhere either.
export async function openBrowser(viewport = { width: 1400, height: 900 }) {
  const base = BASE();
  const origin = new URL(base).origin;
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.EQ_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ARGS,
    viewport,
    serviceWorkers: 'block',
    timeout: 30000,
  });
  const record = { all: [], outside: [], consoleErrors: [], pageErrors: [] };
  const local = (url) => url.startsWith(origin + '/') || url.startsWith('blob:' + origin + '/') ||
    url.startsWith('data:');
  context.on('request', (req) => {
    record.all.push(req.url());
    if (!local(req.url()))
      record.outside.push(req.url());
  });
  await context.route('**/*', (route) => {
    const url = route.request().url();
    return local(url) ? route.continue() : route.abort('blockedbyclient');
  });
  const watch = (page) => {
    page.on('console', (msg) => {
      if (msg.type() === 'error')
        record.consoleErrors.push(msg.text());
    });
    page.on('pageerror', (err) => record.pageErrors.push(String(err && err.message)));
  };
  context.on('page', watch);
  context.pages().forEach(watch);
  const page = context.pages()[0] || await context.newPage();
  const close = async () => {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  };
  return { context, page, record, close, origin };
}

// What every page must satisfy: nothing asked of another origin, no script
// error, nothing refused by the Content-Security-Policy (Chromium reports
// those as console errors).
export function assertClean(assert, record, what) {
  assert.deepEqual(record.outside, [], `${what} asked for something outside the service`);
  assert.deepEqual(record.pageErrors, [], `${what} threw`);
  assert.deepEqual(record.consoleErrors, [], `${what} logged errors (CSP refusals among them)`);
  assert.ok(record.all.length > 0, `${what}: no request was recorded at all`);
}

export function artifact(name) {
  const dir = env('EQ_BROWSER_ARTIFACTS');
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, name);
}

export async function api(pathAndQuery, init = {}) {
  const r = await fetch(BASE() + pathAndQuery, init);
  const text = await r.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  return { status: r.status, headers: r.headers, body };
}

export async function getJSON(pathAndQuery) {
  const r = await api(pathAndQuery);
  if (r.status !== 200)
    throw new Error(`GET ${pathAndQuery}: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
  return r.body;
}

// Poll fn() until it returns a truthy value or ms pass; returns the value
// and how long it took.
export async function waitFor(fn, ms, every = 25) {
  const start = Date.now();
  for (;;) {
    const v = await fn();
    if (v)
      return { value: v, elapsed: Date.now() - start };
    if (Date.now() - start > ms)
      return { value: v, elapsed: Date.now() - start, timedOut: true };
    await new Promise((r) => setTimeout(r, every));
  }
}
