/*
 * Shared by the browser tests: a real `lienlogd --demo` on a free
 * 127.0.0.1 port, Debian's Chromium driven by playwright-core (never a
 * browser download), the demo's keys and a CLI runner, and screenshots
 * as artifacts. Every wait is on state (a line on stderr, a selector, an
 * HTTP answer), bounded by a timeout, never a sleep.
 *
 * Environment (set by web/browser/run.sh from ctest):
 *   LIENLOGD, LIENLOG          the binaries under test
 *   LIEN_WEB_NODE_MODULES      where `npm ci` put playwright-core
 *   LIEN_WEB_ARTIFACTS         screenshot directory
 *   CHROMIUM                   default /usr/bin/chromium
 *   LIEN_WEB_DOCS_SHOTS        optional: also write docs/ screenshots here
 */
import { spawn, execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const run = promisify(execFile);

export const LIENLOGD = process.env.LIENLOGD;
export const LIENLOG = process.env.LIENLOG;
export const ARTIFACTS = process.env.LIEN_WEB_ARTIFACTS ||
    join(here, '..', 'test-results');

/* Wait until pred(text so far) holds on the child's stderr, or it exits,
 * or ms pass. */
function waitOutput(child, pred, ms) {
	return new Promise((res, rej) => {
		let buf = '';
		const timer = setTimeout(() => done(new Error(
		    'timed out waiting for lienlogd:\n' + buf.slice(-3000))), ms);
		const on = (d) => {
			buf += d.toString();
			if (pred(buf))
				done(null);
		};
		const exit = (code) => done(new Error(`lienlogd exited ${code}:\n` +
		    buf.slice(-3000)));
		function done(err) {
			clearTimeout(timer);
			child.stderr.off('data', on);
			child.off('exit', exit);
			err ? rej(err) : res(buf);
		}
		child.stderr.on('data', on);
		child.on('exit', exit);
	});
}

/* lienlogd --demo DIR on port 0: the kernel picks the port as lienlogd
 * binds, and lienlogd names it in its "listening on" line (docs/cli.md
 * "Listening address"), so no port is guessed free and then taken by
 * another process first. {url, dir, demo, stop}. */
export async function startDemo() {
	if (!LIENLOGD)
		throw new Error('LIENLOGD is not set (run through ctest)');
	const root = mkdtempSync(join(tmpdir(), 'lienlog-web-'));
	const dir = join(root, 'd');
	const child = spawn(LIENLOGD, ['--demo', dir, '--listen', '127.0.0.1:0'],
	    { stdio: ['ignore', 'ignore', 'pipe'] });
	let said;
	try {
		/* seeding takes seconds, more under sanitizers: 5 min cap */
		said = await waitOutput(child, (s) => s.includes('lienlogd: ready'),
		    300000);
	} catch (e) {
		child.kill('SIGKILL');
		rmSync(root, { recursive: true, force: true });
		throw e;
	}
	child.stderr.resume();
	const m = said.match(/^lienlogd: listening on (http:\/\/127\.0\.0\.1:[0-9]+)\/$/m);
	if (!m) {
		child.kill('SIGKILL');
		rmSync(root, { recursive: true, force: true });
		throw new Error('lienlogd named no port:\n' + said.slice(-3000));
	}
	const url = m[1];
	return {
		url, dir, root, child,
		async stop() {
			if (child.exitCode === null) {
				const gone = new Promise((r) => child.on('exit', r));
				child.kill('SIGTERM');
				await gone;
			}
			rmSync(root, { recursive: true, force: true });
		},
	};
}

/* The lienlog CLI; {stdout, stderr, code}. */
export async function lienlog(args, opts = {}) {
	try {
		const r = await run(LIENLOG, args, { maxBuffer: 1 << 24, ...opts });
		return { stdout: r.stdout, stderr: r.stderr, code: 0 };
	} catch (e) {
		if (typeof e.code !== 'number')
			throw e;
		return { stdout: e.stdout, stderr: e.stderr, code: e.code };
	}
}

export async function keyid(certPem) {
	const r = await lienlog(['cert-fingerprint', certPem]);
	if (r.code !== 0)
		throw new Error(r.stderr);
	return r.stdout.trim();
}

/* A signed request as a demo party; the parsed JSON answer. */
export async function submit(demo, party, path, body, method = 'POST') {
	const d = join(demo.dir, 'demo');
	const args = ['submit', '--key', join(d, party + '.key'), '--keyid',
	    await keyid(join(d, party + '.pem')), '--url', demo.url + path,
	    '--method', method];
	let tmp = null;
	if (body !== undefined) {
		tmp = join(demo.root, `body-${process.hrtime.bigint()}.json`);
		writeFileSync(tmp, typeof body === 'string' ? body : JSON.stringify(body));
		args.push('--body', tmp);
	}
	const r = await lienlog(args);
	if (tmp)
		rmSync(tmp, { force: true });
	let json = null;
	try {
		json = JSON.parse(r.stdout);
	} catch (e) {
		json = null;
	}
	return { ...r, json };
}

export async function getJSON(demo, path) {
	const r = await fetch(demo.url + path);
	return { status: r.status, json: await r.json() };
}

/* ---- the browser -------------------------------------------------------- */

export async function launch() {
	const nm = process.env.LIEN_WEB_NODE_MODULES || join(here, '..', 'node_modules');
	const require = createRequire(join(nm, 'noop.js'));
	const { chromium } = require('playwright-core');
	return chromium.launch({
		executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
		headless: true,
		/* this machine has no network: without these Chromium keeps
		 * trying to reach Google's services (docs/testing.md) */
		args: ['--no-sandbox', '--disable-gpu', '--disable-quic',
			'--no-first-run', '--disable-background-networking',
			'--disable-component-update', '--disable-sync',
			'--disable-default-apps', '--disable-extensions'],
	});
}

/* A fresh context and page at a viewport; console errors (CSP
 * violations among them) and page errors are collected in page.problems. */
export async function openPage(browser, { width = 1100, height = 900,
	locale = 'zh-CN' } = {}) {
	const context = await browser.newContext({ viewport: { width, height },
	    locale, deviceScaleFactor: 1 });
	const page = await context.newPage();
	page.problems = [];
	page.on('console', (m) => {
		if (m.type() === 'error')
			page.problems.push('console: ' + m.text());
	});
	page.on('pageerror', (e) => page.problems.push('pageerror: ' + e.message));
	page.setDefaultTimeout(60000);
	return { context, page };
}

export async function shot(page, name, opts = {}) {
	const { docs, ...rest } = opts;
	mkdirSync(ARTIFACTS, { recursive: true });
	await page.screenshot({ path: join(ARTIFACTS, name + '.png'),
	    fullPage: true, ...rest });
	if (process.env.LIEN_WEB_DOCS_SHOTS && docs) {
		mkdirSync(process.env.LIEN_WEB_DOCS_SHOTS, { recursive: true });
		await page.screenshot({ path: join(process.env.LIEN_WEB_DOCS_SHOTS,
		    docs + '.png'), fullPage: true });
	}
}

export function readDemo(demo, name) {
	return readFileSync(join(demo.dir, name), 'utf8');
}

/* ---- the bank's side, as a bank's system does it (docs/integration.md) ---- */

import { createHash, createPrivateKey, sign as edSign, randomInt,
    X509Certificate } from 'node:crypto';

const VIN_W = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];
const VIN_CH = '0123456789ABCDEFGHJKLMNPRSTUVWXYZ';
const VIN_VAL = (c) => /[0-9]/.test(c) ? +c : { A: 1, B: 2, C: 3, D: 4, E: 5,
	F: 6, G: 7, H: 8, J: 1, K: 2, L: 3, M: 4, N: 5, P: 7, R: 9, S: 2, T: 3,
	U: 4, V: 5, W: 6, X: 7, Y: 8, Z: 9 }[c];

/* A VIN with its GB 16735 check digit. */
export function newVin() {
	for (;;) {
		const v = ['L', 'S', 'V'];
		for (let i = 3; i < 17; i++)
			v.push(VIN_CH[randomInt(VIN_CH.length)]);
		let s = 0;
		for (let i = 0; i < 17; i++)
			if (i !== 8)
				s += VIN_VAL(v[i]) * VIN_W[i];
		const c = s % 11;
		v[8] = c === 10 ? 'X' : String(c);
		return v.join('');
	}
}

/* A GB 11643 citizen ID number with its check character. */
export function newIdNumber() {
	const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
	const d = '330402' + String(1960 + randomInt(40)) +
	    String(1 + randomInt(12)).padStart(2, '0') +
	    String(1 + randomInt(28)).padStart(2, '0') +
	    String(randomInt(1000)).padStart(3, '0');
	let s = 0;
	for (let i = 0; i < 17; i++)
		s += Number(d[i]) * w[i];
	return d + '10X98765432'[s % 11];
}

function b64url(buf) {
	return Buffer.from(buf).toString('base64').replace(/\+/g, '-')
	    .replace(/\//g, '_').replace(/=+$/, '');
}

/* RFC 8785 for objects of strings (what an application holds). */
function jcs(v) {
	if (typeof v !== 'object' || v === null)
		return JSON.stringify(v);
	return '{' + Object.keys(v).sort().map((k) => JSON.stringify(k) + ':' +
	    jcs(v[k])).join(',') + '}';
}

/* A demo bank's unified social credit code, from its certificate's
 * organizationIdentifier (NTRCN-<uscc>). */
export function bankUscc(demo, party) {
	const m = /NTRCN-([0-9A-Z]{18})/.exec(new X509Certificate(
	    readDemo(demo, `demo/${party}.pem`)).subject);
	if (m === null)
		throw new Error(`no credit code in demo/${party}.pem`);
	return m[1];
}

/* The application digest of docs/identity.md: the application by this
 * bank (mortgagee) for this step. */
function applicationDigest(application, mortgagee, step) {
	return createHash('sha256').update(jcs({ application, mortgagee,
	    step })).digest();
}

/* The demo face-ID provider's token for an application (docs/identity.md):
 * sub = the owner's identity commitment, nonce = the application digest
 * of bank A's mortgage application. */
export function faceToken(demo, sub, application, bank = 'bank-a',
    step = 'mortgage_application') {
	const jwks = JSON.parse(readDemo(demo, 'trust/face-issuers.jwks')).keys[0];
	const aud = JSON.parse(readDemo(demo, 'trust/config.json')).registry;
	const now = Math.floor(Date.now() / 1000);
	const h = b64url(JSON.stringify({ alg: 'EdDSA', kid: jwks.kid, typ: 'JWT' }));
	const c = b64url(JSON.stringify({ iss: jwks.iss, aud, iat: now,
	    exp: now + 300, sub, nonce: b64url(applicationDigest(application,
	    bankUscc(demo, bank), step)), liveness: 9800, match: 9700 }));
	const key = createPrivateKey(readDemo(demo, 'demo/face-issuer.key'));
	return h + '.' + c + '.' + b64url(edSign(null, Buffer.from(h + '.' + c), key));
}

/* A new vehicle recorded by the registry and a mortgage application for
 * it by bank A with the owner's face consent: {vin, idNumber, receipt}. */
export async function bankApplies(demo, seq) {
	const vin = newVin(), idNumber = newIdNumber();
	const plate = '浙F' + Array.from({ length: 5 }, () =>
	    'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789'[randomInt(34)]).join('');
	const cert = '3304' + String(randomInt(1e8)).padStart(8, '0');
	const veh = await submit(demo, 'registry', '/v1/vehicles', { vin, plate,
	    plate_type: '02', certificate_number: cert,
	    owner: { id_number: idNumber } });
	if (veh.code !== 0)
		throw new Error('vehicle: ' + veh.stderr);
	const cm = await submit(demo, 'bank-a', '/v1/identity-commitments',
	    { id_number: idNumber });
	if (cm.code !== 0)
		throw new Error('commitment: ' + cm.stderr);
	const application = { vin, plate, plate_type: '02',
		certificate_number: cert, contract_number: `WEB-TEST-${seq}`,
		owner: { id_number: idNumber } };
	const m = await submit(demo, 'bank-a', '/v1/mortgages', { application,
	    face_token: faceToken(demo, cm.json.commitment, application) });
	if (m.code !== 0)
		throw new Error('mortgage: ' + m.stderr);
	return { vin, idNumber, receipt: m.json, application,
	    commitment: cm.json.commitment };
}
