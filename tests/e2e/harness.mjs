// harness.mjs - the machinery of kring's browser tests: a check counter, RFC 6238
// codes, and a Person (one browser context) whose every page is checked as it
// is visited: axe-core (no serious or critical violation), the security
// headers of every HTML answer, CSP violations and console errors, and each
// POST form found, sent once without its CSRF token (403, nothing changes).

import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
export const { chromium } = require('playwright-core');

// The exact policy docs/WEB.md promises on every HTML answer.
export const CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const OTHER_HEADERS = {
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
};

export const AXE_PATH = require.resolve('axe-core/axe.min.js');
const AXE_SOURCE = readFileSync(AXE_PATH, 'utf8');
const NAV_TIMEOUT = 20000;

/* ---------- checks ---------- */

export class Checker {
  constructor() {
    this.passed = 0;
    this.failures = [];
    this.where = '';
    this.started = Date.now();
  }

  section(name) {
    this.where = name;
    const secs = ((Date.now() - this.started) / 1000).toFixed(1);
    console.log(`# ${name} (at ${secs} s)`);
  }

  ok(cond, msg) {
    if (cond) {
      this.passed++;
    } else {
      const line = `${this.where}: ${msg}`;
      this.failures.push(line);
      console.log(`FAIL: ${line}`);
    }
    return Boolean(cond);
  }

  eq(got, want, msg) {
    return this.ok(got === want, `${msg}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  }
}

/* ---------- RFC 6238 ---------- */

export function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const clean = text.replace(/[\s=]/g, '').toUpperCase();
  const out = [];
  let bits = 0;
  let value = 0;
  for (const ch of clean) {
    const idx = alphabet.indexOf(ch);
    if (idx < 0) throw new Error(`not base32: ${JSON.stringify(ch)}`);
    value = (value << 5) | idx;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

// The HOTP value (RFC 4226) of counter `step`: HMAC-SHA1, dynamic truncation.
export function totpCode(key, step, digits = 6) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', key).update(msg).digest();
  const off = mac[mac.length - 1] & 0x0f;
  const bin = mac.readUInt32BE(off) & 0x7fffffff;
  return String(bin % 10 ** digits).padStart(digits, '0');
}

export function totpStep(ms = Date.now()) {
  return Math.floor(ms / 1000 / 30);
}

/* ---------- one person in one browser context ---------- */

const STATUS_RE = /^Failed to load resource: the server responded with a status of (\d{3})/;

// Counts that a POST refused for its missing token must leave unchanged.
function fingerprint() {
  const count = (sel) => document.querySelectorAll(sel).length;
  const state = document.querySelector('[data-test=totp-status]');
  return JSON.stringify({
    lang: document.documentElement.lang,
    signedIn: count('[data-test=signed-in-as]'),
    comments: count('[data-test=comment]'),
    members: count('[data-test=member-row]'),
    myVote: count('[data-test=my-vote]'),
    tokens: count('[data-test=token-row]'),
    revokeForms: count('[data-test=token-revoke-form]'),
    totp: state ? state.dataset.state : '',
  });
}

export class Site {
  constructor({ base, check, browser }) {
    this.base = base.replace(/\/$/, '');
    this.check = check;
    this.browser = browser;
    this.formsProbed = new Map(); // form key -> page it was probed on
    this.formsSeen = new Map();   // form key -> page it was first seen on
    this.pagesVisited = 0;
    this.pagesAudited = 0;
    this.axeVerdicts = new Set(); // markup of the documents axe-core checked
    this.axeMs = 0;
    this.navMs = 0;
    this.people = [];
    this.htmlAnswers = 0;
  }

  url(path) {
    return this.base + path;
  }

  async person(name, { email = '', password = '', locale = 'nl-NL' } = {}) {
    const p = new Person(this, name, email, password, locale);
    await p.open();
    this.people.push(p);
    return p;
  }
}

export class Person {
  constructor(site, name, email, password, locale) {
    this.site = site;
    this.check = site.check;
    this.name = name;
    this.email = email;
    this.password = password;
    this.locale = locale;
    this.violations = [];   // securitypolicyviolation events
    this.consoleErrors = [];
    this.docStatus = new Set(); // "status URL" of every document answer
    this.lastMethod = 'GET';
    this.navigations = [];
    this.audited = 0;
    this.probing = false;
  }

  async open() {
    // browser.newContext() gives a fresh, empty profile each time: no cookies,
    // no cache, nothing shared with another person.
    this.ctx = await this.site.browser.newContext({
      locale: this.locale,
      viewport: { width: 1280, height: 900 },
      baseURL: this.site.base,
    });
    await this.ctx.exposeBinding('__kringCspViolation', (_src, v) => {
      this.violations.push(v);
    });
    // Runs before any page content; reports every violation of the page's CSP.
    await this.ctx.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        window.__kringCspViolation({
          directive: e.violatedDirective,
          blocked: e.blockedURI,
          page: document.location.href,
          sample: e.sample,
        });
      });
    });
    this.ctx.on('response', (resp) => this.onResponse(resp));
    this.page = await this.ctx.newPage();
    this.page.setDefaultTimeout(NAV_TIMEOUT);
    this.page.on('console', (m) => {
      if (m.type() === 'error' || /Content.Security.Policy|Refused to/i.test(m.text())) {
        this.consoleErrors.push({ text: m.text(), url: m.location().url || '' });
      }
    });
    this.page.on('pageerror', (e) => {
      this.consoleErrors.push({ text: `page error: ${e.message}`, url: this.page.url() });
    });
    this.page.on('framenavigated', (f) => {
      if (f === this.page.mainFrame()) this.navigations.push(f.url());
    });
  }

  async close() {
    await this.ctx.close();
  }

  onResponse(resp) {
    const req = resp.request();
    if (req.isNavigationRequest()) this.docStatus.add(`${resp.status()} ${resp.url()}`);
    const h = resp.headers();
    if (!(h['content-type'] || '').startsWith('text/html')) return;
    this.site.htmlAnswers++;
    const what = `${req.method()} ${new URL(resp.url()).pathname} (${resp.status()}, ${this.name})`;
    this.check.eq(h['content-security-policy'], CSP, `CSP header of ${what}`);
    for (const [k, v] of Object.entries(OTHER_HEADERS)) {
      this.check.eq(h[k], v, `${k} of ${what}`);
    }
  }

  path() {
    const u = new URL(this.page.url());
    return u.pathname + u.search;
  }

  /* Runs `action` (a click or a goto), waits for the next document to load
   * and checks it (see seen()). Returns the document's response. */
  async nav(action, { audit = true } = {}) {
    this.ensureAudited();
    const t0 = Date.now();
    const [resp] = await Promise.all([
      this.page.waitForNavigation({ waitUntil: 'load', timeout: NAV_TIMEOUT }),
      action(),
    ]);
    this.site.navMs += Date.now() - t0;
    this.lastMethod = resp ? resp.request().method() : 'GET';
    this.lastStatus = resp ? resp.status() : 0;
    if (audit) await this.seen();
    return resp;
  }

  goto(path, opts) {
    return this.nav(() => this.page.goto(this.site.url(path), { waitUntil: 'commit' }), opts);
  }

  click(selector, opts) {
    return this.nav(() => this.page.click(selector), opts);
  }

  // Every document this person loaded must have been checked before leaving it.
  ensureAudited() {
    if (this.navigations.length > this.audited) {
      const missed = this.navigations.slice(this.audited);
      this.check.ok(this.probing, `${this.name}: page(s) left unchecked: ${missed.join(', ')}`);
      this.audited = this.navigations.length;
    }
  }

  /* The checks of every visited page: axe-core, then each POST form of a
   * kind not tried yet, sent once without its token. Forms are tried only on
   * pages reached by a 200 GET, which can be loaded again afterwards; the
   * final check fails for a kind of form that was never tried. */
  async seen() {
    this.audited = this.navigations.length;
    await this.axe();
    if (this.probing) return;
    const forms = await this.forms();
    for (const f of forms) {
      if (!this.site.formsSeen.has(f.key)) this.site.formsSeen.set(f.key, this.path());
    }
    if (this.lastMethod !== 'GET' || this.lastStatus !== 200) return;
    const here = this.path();
    for (const f of forms) {
      if (!this.site.formsProbed.has(f.key)) await this.probeForm(here, f);
    }
    this.audited = this.navigations.length;
  }

  /* axe-core on the current document. A document whose markup equals one
   * already checked, but for its CSRF token and hidden `next` (the 403 pages
   * of the form probes), gets the same verdict and is not checked again. */
  async axe() {
    const t0 = Date.now();
    const markup = await this.page.evaluate(() => document.documentElement.outerHTML
      .replace(/name="csrf" value="[^"]*"/g, 'name="csrf"')
      .replace(/name="next" value="[^"]*"/g, 'name="next"'));
    this.site.pagesVisited++;
    if (this.site.axeVerdicts.has(markup)) return;
    const loaded = await this.page.evaluate(() => typeof window.axe === 'object');
    if (!loaded) {
      // The page's CSP rightly refuses an injected <script> (addScriptTag);
      // evaluating the source through the DevTools protocol is not subject to it.
      await this.page.evaluate(AXE_SOURCE);
    }
    const res = await this.page.evaluate(() =>
      window.axe.run(document, { resultTypes: ['violations'] }));
    this.site.axeVerdicts.add(markup);
    this.site.pagesAudited++;
    this.site.axeMs += Date.now() - t0;
    const bad = res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    const where = `${this.path()} (${this.lastStatus}, ${this.name})`;
    this.check.ok(bad.length === 0, `axe on ${where}: ` + bad.map((v) =>
      `${v.impact} ${v.id} (${v.help}) at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`).join('; '));
  }

  // The POST forms of the current page, each with a key that names its kind.
  async forms() {
    const signedIn = await this.page.$('[data-test=signed-in-as]');
    const list = await this.page.$$eval('form', (forms) => forms
      .filter((f) => (f.getAttribute('method') || 'get').toLowerCase() === 'post')
      .map((f, i) => ({
        index: i,
        id: f.id || f.dataset.test || `form${i}`,
        action: new URL(f.action, document.baseURI).pathname,
        hasCsrf: Boolean(f.querySelector('input[type=hidden][name=csrf]')),
      })));
    for (const f of list) {
      f.key = `${f.id.replace(/\d+/g, 'N')} ${f.action.replace(/\d+/g, 'N')} (${signedIn ? 'session' : 'signed out'})`;
      this.check.ok(f.hasCsrf, `form ${f.key} on ${this.path()} carries a csrf field`);
    }
    return list;
  }

  /* Loads `here`, removes the form's csrf field, fills what is required with
   * plausible values (the person's real e-mail and password on a sign-in
   * form), submits it and expects the 403 page and no change at all. */
  async probeForm(here, f) {
    this.probing = true;
    try {
      if (this.path() !== here) await this.goto(here, { audit: false });
      const before = await this.page.evaluate(fingerprint);
      const resp = await this.nav(() => this.page.evaluate(({ key, email, password }) => {
        const forms = Array.from(document.querySelectorAll('form'))
          .filter((x) => (x.getAttribute('method') || 'get').toLowerCase() === 'post');
        const form = forms[key];
        form.querySelector('input[name=csrf]').remove();
        form.noValidate = true;
        for (const el of form.elements) {
          if (el.type === 'email' && !el.value) el.value = email || 'someone@example.nl';
          else if (el.type === 'password' && !el.value) el.value = password || 'not-the-password';
          else if (el.name === 'code' && !el.value) el.value = '000000';
          else if ((el.type === 'text' || el.tagName === 'TEXTAREA') && !el.value) el.value = 'CSRF probe';
          else if (el.tagName === 'SELECT' && !el.value) {
            const opt = Array.from(el.options).find((o) => o.value);
            if (opt) el.value = opt.value;
          } else if (el.type === 'radio' && el.name &&
                     !form.querySelector(`input[type=radio][name="${el.name}"]:checked`)) el.checked = true;
        }
        const submitter = form.querySelector('button[type=submit], input[type=submit]');
        form.requestSubmit(submitter || undefined);
      }, { key: f.index, email: this.email, password: this.password }), { audit: false });
      await this.seen(); // the 403 page is a visited page too
      const what = `${f.key} from ${here} without csrf (${this.name})`;
      this.check.eq(resp.status(), 403, `status of ${what}`);
      this.check.eq(resp.request().method(), 'POST', `method of ${what}`);
      const status = await this.page.getAttribute('[data-test=error-message]', 'data-status')
        .catch(() => null);
      this.check.eq(status, '403', `error page of ${what}`);
      await this.goto(here, { audit: false });
      this.check.eq(await this.page.evaluate(fingerprint), before, `page after ${what} is unchanged`);
      this.site.formsProbed.set(f.key, here);
    } finally {
      this.probing = false;
    }
  }

  /* CSP violations and console errors of this person so far; a 4xx document
   * logs "Failed to load resource" and that alone is expected. */
  checkConsole() {
    this.check.ok(this.violations.length === 0,
      `${this.name}: CSP violations: ${JSON.stringify(this.violations)}`);
    const unexpected = this.consoleErrors.filter((e) => {
      const m = STATUS_RE.exec(e.text);
      return !(m && m[1].startsWith('4') && this.docStatus.has(`${m[1]} ${e.url}`));
    });
    this.check.ok(unexpected.length === 0,
      `${this.name}: console errors: ${JSON.stringify(unexpected)}`);
    this.violations = [];
    this.consoleErrors = [];
  }

  async text(selector) {
    return ((await this.page.textContent(selector)) || '').trim();
  }

  async attr(selector, name) {
    return this.page.getAttribute(selector, name);
  }

  async count(selector) {
    return this.page.locator(selector).count();
  }

  async lang() {
    return this.page.evaluate(() => document.documentElement.lang);
  }
}
