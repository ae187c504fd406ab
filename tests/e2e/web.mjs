// web.mjs - the browser tests of kring's web interface, run against a fresh
// `kring demo` (docs/WEB.md describes the demo world, the URLs and the hooks).
//
// Usage: node web.mjs --base http://127.0.0.1:PORT --credentials FILE --screenshots DIR
//
// In Debian's chromium, as the demo people, one after another:
//   - sign in without TOTP (and come back to the page asked for), and with
//     TOTP enrolled on the account page (codes computed here, RFC 6238);
//   - Marieke writes a TLP:AMBER report; Joost (same organisation) reads it and
//     comments; Emma (another organisation of the same community) gets 404;
//   - Marieke and Sanne vote Zuiderzee Warmte in;
//   - the language switch, signed out and signed in;
//   - on every page visited: axe-core, the CSP and the other security headers
//     of every HTML answer, no CSP violation nor console error, and every POST
//     form sent once without its CSRF token answers 403 and changes nothing;
//   - screenshots of home, a report and the community page in nl and en.
// Exit status 0 when every check passed, 1 otherwise.

import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import {
  AXE_PATH, Checker, Site, base32Decode, chromium, totpCode, totpStep,
} from './harness.mjs';

const COMMUNITY = 1; // Energie-ISAC, default TLP:AMBER
const APPLICANT = 'Zuiderzee Warmte';
const EMAILS = {
  marieke: 'marieke.devries@netbeheer-noordkust.example.nl',
  joost: 'joost.bakker@netbeheer-noordkust.example.nl',
  sanne: 'sanne.visser@waddenstroom.example.nl',
  emma: 'emma.jansen@energie-csirt.example.nl',
};
const SEEDED_AMBER = 'Ransomware bij een onderaannemer van Waddenstroom';

const REPORT = {
  title: 'Phishing op het storingsnummer met een nagemaakte monteursapp',
  body: 'Sinds vanochtend bellen "monteurs" onze storingsdienst en vragen om een\n' +
    'inlogcode voor de **monteursapp**. De app die zij noemen bestaat niet.\n\n' +
    '- geef nooit codes door aan bellers\n' +
    '- meld pogingen bij het Energie-CSIRT\n',
  indicators: 'domain monteursapp-update.example.com downloadlocatie\n' +
    'ipv4 192.0.2.44 belt vanaf dit adres door\n',
  comment: 'Bij ons ook twee keer gebeld, vanaf hetzelfde nummer. Geblokkeerd.',
};

function readCredentials(file) {
  const creds = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^(?:demo )?login: (\S+) \/ (\S+)$/.exec(line.trim());
    if (m) creds[m[1]] = m[2];
  }
  return creds;
}

function selfTest(check) {
  check.section('RFC 6238 code generator');
  // RFC 6238 appendix B, SHA-1, T = 59 s and 1111111109 s (last 6 of 8 digits)
  const key = Buffer.from('12345678901234567890');
  check.eq(totpCode(key, totpStep(59 * 1000), 8), '94287082', 'T=59');
  check.eq(totpCode(key, totpStep(1111111109 * 1000), 8), '07081804', 'T=1111111109');
  check.eq(base32Decode('GEZD GNBV GY3T QOJQ').toString(), '1234567890', 'base32 with spaces');
}

// The pages' CSP must refuse an injected <script>. Tried in a context of its
// own, because the violation it causes is expected there and nowhere else.
async function cspBlocksInjectedScripts(site, check) {
  check.section('CSP refuses injected scripts');
  const ctx = await site.browser.newContext();
  const seen = [];
  await ctx.exposeBinding('__v', (_s, v) => seen.push(v));
  await ctx.addInitScript(() => document.addEventListener('securitypolicyviolation',
    (e) => window.__v(e.violatedDirective)));
  const page = await ctx.newPage();
  await page.goto(site.url('/signin'));
  let refused = false;
  try {
    await page.addScriptTag({ path: AXE_PATH });
  } catch {
    refused = true;
  }
  check.ok(refused, 'addScriptTag of axe.min.js is refused by the page CSP');
  check.eq(await page.evaluate(() => typeof window.axe), 'undefined', 'axe after addScriptTag');
  check.ok(seen.includes('script-src-elem'), `a script-src-elem violation is reported (${seen})`);
  await ctx.close();
}

async function signIn(p, { expectPath = '/' } = {}) {
  if (!p.path().startsWith('/signin')) await p.goto('/signin');
  await p.page.fill('#signin-email', p.email);
  await p.page.fill('#signin-password', p.password);
  const resp = await p.click('#signin-submit');
  p.check.eq(resp.status(), 200, `${p.name}: status after signing in`);
  p.check.eq(p.path(), expectPath, `${p.name}: page after signing in`);
  p.check.ok((await p.text('[data-test=signed-in-as]')).includes(p.displayName),
    `${p.name}: signed-in-as names ${p.displayName}`);
}

async function reportRowIds(p) {
  return p.page.$$eval('[data-test=report-row]', (rows) => rows.map((r) => r.dataset.reportId));
}

async function shoot(p, dir, name) {
  await p.page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}

async function run(site, creds, shots) {
  const { check } = site;
  const who = (name, locale, displayName) => site.person(name, {
    email: EMAILS[name], password: creds[EMAILS[name]], locale,
  }).then((p) => Object.assign(p, { displayName }));

  await cspBlocksInjectedScripts(site, check);

  /* Joost starts signed out, switches to English on the sign-in page and
   * comes back to the page he asked for. */
  check.section('signed out, language switch, sign-in without TOTP');
  const joost = await who('joost', 'nl-NL', 'Joost Bakker');
  let resp = await joost.goto(`/communities/${COMMUNITY}`);
  check.eq(joost.path(), `/signin?next=%2Fcommunities%2F${COMMUNITY}`, 'signed out: redirected to sign-in');
  check.eq(await joost.lang(), 'nl', 'sign-in page language from Accept-Language nl');
  check.eq(resp.headers()['content-language'], 'nl', 'Content-Language nl');
  const signinNl = await joost.text('#signin-submit');
  check.eq(await joost.attr('[data-test=language-switch]', 'lang'), 'en', 'switch offers en');
  resp = await joost.click('[data-test=language-switch]');
  check.eq(new URL(joost.page.url()).pathname, '/signin', 'language switch keeps the page');
  check.eq(await joost.lang(), 'en', '<html lang> after switching');
  check.eq(resp.headers()['content-language'], 'en', 'Content-Language after switching');
  check.ok(await joost.text('#signin-submit') !== signinNl, 'button label changed language');
  // The switch returns to the page with its query, so next= survives.
  check.eq(joost.path(), `/signin?next=%2Fcommunities%2F${COMMUNITY}`,
    'language switch keeps the query (next=)');
  await signIn(joost, { expectPath: `/communities/${COMMUNITY}` });
  check.eq(await joost.lang(), 'en', 'language kept after signing in');

  /* Marieke writes a TLP:AMBER report. */
  check.section('Marieke writes a TLP:AMBER report');
  const marieke = await who('marieke', 'nl-NL', 'Marieke de Vries');
  await signIn(marieke);
  check.eq(await marieke.lang(), 'nl', 'Marieke reads Dutch');
  await marieke.click('[data-test=nav-reports]');
  await marieke.click('#new-report');
  await marieke.click(`[data-test=pick-community][data-community-id="${COMMUNITY}"]`);
  check.eq(marieke.path(), `/reports/new?community=${COMMUNITY}`, 'write form of community 1');
  await marieke.page.fill('#report-title', REPORT.title);
  await marieke.page.selectOption('#report-kind', 'incident');
  await marieke.page.selectOption('#report-level', 'operational');
  await marieke.page.check('#choose-tlp-amber');
  await marieke.page.fill('#report-body', REPORT.body);
  await marieke.page.fill('#report-indicators', REPORT.indicators);
  resp = await marieke.click('#report-submit');
  const m = /^\/reports\/(\d+)$/.exec(marieke.path());
  check.ok(m, `after sharing: a report page, got ${marieke.path()} (${resp.status()})`);
  if (!m) throw new Error('no report was created');
  const id = m[1];
  check.eq(await marieke.attr('[data-test=report]', 'data-tlp'), 'AMBER', 'report label');
  check.eq(await marieke.attr('[data-test=report-tlp] [data-test=tlp-badge]', 'data-tlp'), 'AMBER', 'banner badge');
  check.eq(await marieke.text('[data-test=report-title]'), REPORT.title, 'report title');
  check.eq(await marieke.text('[data-test=report-body] strong'), 'monteursapp', 'Markdown rendered');
  check.eq(await marieke.count('[data-test=indicator-row]'), 2, 'indicator rows');

  /* Joost, same organisation: the report on his home page, in the list, readable. */
  check.section('Joost (same organisation) reads it and comments');
  await joost.click('[data-test=nav-home]');
  check.ok((await reportRowIds(joost)).includes(id), 'new report on Joost\'s home page');
  check.eq(await joost.attr(`[data-test=report-row][data-report-id="${id}"]`, 'data-tlp'), 'AMBER', 'home row label');
  await joost.click('[data-test=nav-reports]');
  await joost.page.selectOption('#filter-tlp', 'AMBER');
  await joost.click('#filter-submit');
  const amberRows = await joost.page.$$eval('[data-test=report-row]', (rows) => rows.map((r) => r.dataset.tlp));
  check.ok(amberRows.length >= 2 && amberRows.every((t) => t === 'AMBER'), `AMBER filter rows: ${amberRows}`);
  check.ok((await reportRowIds(joost)).includes(id), 'new report in the filtered list');
  await joost.click(`[data-test=report-row][data-report-id="${id}"] [data-test=report-link]`);
  check.eq(joost.path(), `/reports/${id}`, 'Joost on the report page');
  check.eq(await joost.text('[data-test=report-title]'), REPORT.title, 'Joost reads the title');
  check.eq(await joost.count('#edit-report'), 0, 'no edit link for a reader');
  await joost.page.fill('#comment-body', REPORT.comment);
  await joost.click('#comment-submit');
  const after = new URL(joost.page.url());
  check.ok(after.pathname === `/reports/${id}` && /^#comment-\d+$/.test(after.hash),
    `after commenting: ${after.pathname}${after.hash}`);
  check.eq(await joost.count('[data-test=comment]'), 1, 'one comment');
  check.ok((await joost.text('[data-test=comment] .comment-body')).includes(REPORT.comment), 'comment text');
  check.eq(await joost.attr('[data-test=comment]', 'data-tlp'), 'AMBER', 'comment label defaults to the report\'s');

  /* Emma, another organisation of the same community: TOTP, then 404. */
  check.section('Emma: TOTP enrolment, sign-in with the code');
  const emma = await who('emma', 'en-GB', 'Emma Jansen');
  await signIn(emma);
  check.eq(await emma.lang(), 'en', 'Emma reads English');
  await emma.click('[data-test=nav-account]');
  check.eq(await emma.attr('[data-test=totp-status]', 'data-state'), 'off', 'TOTP off at first');
  await emma.click('#totp-start');
  check.eq(await emma.attr('[data-test=totp-status]', 'data-state'), 'pending', 'TOTP pending');
  check.eq(await emma.count('[data-test=totp-qr] svg'), 1, 'QR code drawn as SVG');
  const shown = await emma.text('#totp-secret');
  check.ok(/^([A-Z2-7]{4} )*[A-Z2-7]{1,4}$/.test(shown), `secret in groups of 4: ${shown}`);
  const key = base32Decode(shown);
  check.eq(key.length, 20, 'secret is 20 bytes');
  const enrolStep = totpStep();
  await emma.page.fill('#totp-confirm-code', totpCode(key, enrolStep));
  await emma.click('#totp-confirm');
  check.eq(emma.path(), '/account?msg=totp_on', 'after confirming');
  check.eq(await emma.attr('[data-test=totp-status]', 'data-state'), 'on', 'TOTP on');
  await emma.click('[data-test=signout]');
  check.eq(emma.path(), '/signin', 'signed out');
  check.eq(await emma.count('[data-test=signed-in-as]'), 0, 'no session after signing out');
  await emma.goto('/account');
  check.ok(emma.path().startsWith('/signin?next='), 'the account page needs a session again');
  await emma.page.fill('#signin-email', emma.email);
  await emma.page.fill('#signin-password', emma.password);
  await emma.click('#signin-submit');
  check.eq(emma.path(), '/signin/totp', 'password accepted, code asked');
  check.eq(await emma.count('[data-test=signed-in-as]'), 0, 'not signed in before the code');
  await emma.page.fill('#totp-code', totpCode(key, enrolStep));
  await emma.click('#totp-submit');
  check.eq(emma.path(), '/signin/totp', 'the code used to confirm is refused the second time');
  check.eq(await emma.count('[data-test=error]'), 1, 'an error says the code was wrong');
  check.eq(await emma.count('[data-test=signed-in-as]'), 0, 'a replayed code signs nobody in');
  // A later step than the one used: the current one, or the next (the server
  // accepts one step of drift) when the clock has not moved on yet.
  await emma.page.fill('#totp-code', totpCode(key, Math.max(totpStep(), enrolStep + 1)));
  resp = await emma.click('#totp-submit');
  check.eq(resp.status(), 200, 'status after the code');
  check.eq(emma.path(), '/', 'home after the second factor');
  check.ok((await emma.text('[data-test=signed-in-as]')).includes('Emma Jansen'), 'signed in with TOTP');

  check.section('Emma (another organisation) gets 404 for the AMBER report');
  check.ok(!(await reportRowIds(emma)).includes(id), 'not on Emma\'s home page');
  resp = await emma.goto(`/reports/${id}`);
  check.eq(resp.status(), 404, 'status of the report for Emma');
  check.eq(await emma.attr('[data-test=error-message]', 'data-status'), '404', '404 page');
  check.ok(!(await emma.page.content()).includes(REPORT.title), 'the 404 page does not leak the title');
  const hiddenTitle = await emma.text('[data-test=error-title]');
  resp = await emma.goto('/reports/999999');
  check.eq(resp.status(), 404, 'a report that does not exist');
  check.eq(await emma.text('[data-test=error-title]'), hiddenTitle, 'same 404 page for hidden and missing');
  resp = await emma.goto(`/reports/${id}/versions/1`);
  check.eq(resp.status(), 404, 'its first version for Emma');
  await emma.goto(`/reports?community=${COMMUNITY}`);
  const emmaRows = await reportRowIds(emma);
  check.ok(emmaRows.length > 0 && !emmaRows.includes(id), `not in Emma's list (${emmaRows})`);
  check.ok(!(await emma.page.content()).includes(SEEDED_AMBER), 'seeded AMBER report to the grid hidden too');

  /* Voting Zuiderzee Warmte in: Energie-CSIRT voted yes when seeded. */
  check.section('Marieke and Sanne vote the applicant in');
  await marieke.click('[data-test=nav-home]');
  check.ok(await marieke.count('[data-test=todo-votes]') === 1, 'home asks Marieke to vote');
  await marieke.goto(`/communities/${COMMUNITY}`);
  check.ok((await marieke.text('[data-test=application] h3')).includes(APPLICANT), 'application shown');
  await marieke.click('[data-test=vote-yes]');
  check.eq(marieke.path(), `/communities/${COMMUNITY}?msg=voted`, 'after Marieke\'s vote');
  check.eq(await marieke.count('[data-test=notice]'), 1, 'notice after voting');
  check.eq(await marieke.count('[data-test=my-vote]'), 1, 'Marieke sees her organisation\'s vote');
  check.eq(await marieke.count('[data-test=vote-yes]'), 0, 'no second vote button');

  const sanne = await who('sanne', 'nl-NL', 'Sanne Visser');
  await signIn(sanne);
  await sanne.click('[data-test=nav-communities]');
  await sanne.goto(`/communities/${COMMUNITY}`);
  const tally = await sanne.page.$eval('[data-test=tally]', (t) => ({ ...t.dataset }));
  check.eq(`${tally.yes}/${tally.no}/${tally.outstanding}`, '2/0/1', 'tally yes/no/outstanding for the secretary');
  const membersBefore = await sanne.count('[data-test=member-row]');
  await sanne.click('[data-test=vote-yes]');
  check.eq(sanne.path(), `/communities/${COMMUNITY}?msg=admitted`, 'after Sanne\'s vote');
  check.eq(await sanne.count('[data-test=notice]'), 1, 'notice after the deciding vote');
  check.eq(await sanne.count('[data-test=member-row]'), membersBefore + 1, 'one member more');
  const members = await sanne.page.$$eval('[data-test=member-row] td:first-child', (c) => c.map((x) => x.textContent.trim()));
  check.ok(members.some((n) => n.startsWith(APPLICANT)), `${APPLICANT} is a member row (${members})`);
  check.eq(await sanne.count('[data-test=application]'), 0, 'no pending application left');

  check.section('Sanne: audit log and API tokens');
  await sanne.click('#community-audit');
  check.ok(await sanne.count('[data-test=audit-row]') > 0, 'audit rows for the secretary');
  await sanne.click('[data-test=nav-organisation]');
  await sanne.page.fill('#token-name', 'SIEM-koppeling');
  await sanne.page.check('#scope-read');
  resp = await sanne.click('#token-create');
  check.eq(resp.status(), 201, 'token created');
  check.ok(/^kt_/.test(await sanne.text('#new-token-value')), 'the secret shown once');
  await sanne.click('[data-test=nav-organisation]');
  check.eq(await sanne.count('#new-token-value'), 0, 'the secret is not shown again');
  check.eq(await sanne.count('[data-test=token-revoke]'), 1, 'one active token');
  await sanne.click('[data-test=token-revoke]');
  check.eq(sanne.path(), '/organisation?msg=revoked', 'after revoking');
  check.eq(await sanne.count('[data-test=token-revoke]'), 0, 'no active token left');

  /* Screenshots, and the language switch while signed in. */
  check.section('screenshots and the language switch signed in');
  mkdirSync(shots, { recursive: true });
  await marieke.click('[data-test=nav-home]');
  await shoot(marieke, shots, 'home-nl');
  await marieke.goto(`/reports/${id}`);
  check.eq(await marieke.count('[data-test=comment]'), 1, 'Marieke sees Joost\'s comment');
  await shoot(marieke, shots, 'report-nl');
  await marieke.goto(`/communities/${COMMUNITY}`);
  const navNl = await marieke.text('[data-test=nav-reports]');
  await shoot(marieke, shots, 'community-nl');
  resp = await marieke.click('[data-test=language-switch]');
  check.eq(marieke.path(), `/communities/${COMMUNITY}`, 'switching keeps the page');
  check.eq(await marieke.lang(), 'en', '<html lang> after switching');
  check.eq(resp.headers()['content-language'], 'en', 'Content-Language after switching');
  check.ok(await marieke.text('[data-test=nav-reports]') !== navNl, 'navigation in English');
  await shoot(marieke, shots, 'community-en');
  await marieke.goto(`/reports/${id}`);
  check.eq(await marieke.lang(), 'en', 'English on the next page too');
  await shoot(marieke, shots, 'report-en');
  await marieke.click('[data-test=nav-home]');
  await shoot(marieke, shots, 'home-en');
  await marieke.click('[data-test=language-switch]');
  check.eq(await marieke.lang(), 'nl', 'and back to Dutch');
}

/* What holds over the whole run, checked also when a scenario stopped early:
 * no CSP violation nor console error for anyone, and every POST form seen
 * was sent without its token. */
function finalChecks(site) {
  const { check } = site;
  check.section('every page: console, CSP, forms');
  for (const p of site.people) {
    p.ensureAudited();
    p.checkConsole();
  }
  for (const [key, page] of site.formsSeen) {
    check.ok(site.formsProbed.has(key), `form ${key} (seen on ${page}) was sent without its token`);
  }
  console.log(`forms sent without their CSRF token (403 each): ${site.formsProbed.size}`);
  for (const [key, where] of site.formsProbed) console.log(`  ${key}  from ${where}`);
  console.log(`pages visited: ${site.pagesVisited}, distinct ones checked with axe-core: ` +
    `${site.pagesAudited} (${(site.axeMs / 1000).toFixed(1)} s); ` +
    `page loads: ${(site.navMs / 1000).toFixed(1)} s; HTML answers with checked headers: ${site.htmlAnswers}`);
}

async function main() {
  const { values } = parseArgs({
    options: {
      base: { type: 'string' },
      credentials: { type: 'string' },
      screenshots: { type: 'string' },
    },
  });
  if (!values.base || !values.credentials || !values.screenshots) {
    console.error('usage: node web.mjs --base URL --credentials FILE --screenshots DIR');
    process.exit(2);
  }
  const started = Date.now();
  const check = new Checker();
  selfTest(check);
  const creds = readCredentials(values.credentials);
  for (const email of Object.values(EMAILS)) {
    if (!creds[email]) throw new Error(`no password for ${email} in ${values.credentials}`);
  }
  // launch() starts chromium with a fresh temporary user data dir of its own
  // and removes it on close; each person then gets a fresh context in it.
  const browser = await chromium.launch({
    executablePath: process.env.KRING_CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
  const site = new Site({ base: values.base, check, browser });
  try {
    await run(site, creds, values.screenshots);
  } catch (e) {
    check.ok(false, `stopped: ${e.stack || e}`);
  }
  try {
    finalChecks(site);
  } finally {
    await browser.close();
  }
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`${check.passed} checks passed, ${check.failures.length} failed (${secs} s)`);
  process.exit(check.failures.length ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
