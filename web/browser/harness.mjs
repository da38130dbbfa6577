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
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const run = promisify(execFile);

export const LIENLOGD = process.env.LIENLOGD;
export const LIENLOG = process.env.LIENLOG;
export const ARTIFACTS = process.env.LIEN_WEB_ARTIFACTS ||
    join(here, '..', 'test-results');

function freePort() {
	return new Promise((res, rej) => {
		const s = createServer();
		s.unref();
		s.on('error', rej);
		s.listen(0, '127.0.0.1', () => {
			const { port } = s.address();
			s.close(() => res(port));
		});
	});
}

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

/* lienlogd --demo DIR on a free port; {url, dir, demo, stop}. */
export async function startDemo() {
	if (!LIENLOGD)
		throw new Error('LIENLOGD is not set (run through ctest)');
	const root = mkdtempSync(join(tmpdir(), 'lienlog-web-'));
	const dir = join(root, 'd');
	let last;
	for (let attempt = 0; attempt < 3; attempt++) {
		const port = await freePort();
		const child = spawn(LIENLOGD, ['--demo', dir, '--listen',
		    `127.0.0.1:${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
		try {
			/* seeding takes seconds, more under sanitizers: 5 min cap */
			await waitOutput(child, (s) => s.includes('lienlogd: ready'),
			    300000);
		} catch (e) {
			last = e;
			child.kill('SIGKILL');
			continue;
		}
		child.stderr.resume();
		const url = `http://127.0.0.1:${port}`;
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
	throw last;
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
