/*
 * The public verification page (/) in Chromium against a real demo log:
 * one test per user story (docs/web-public.md).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDemo, launch, openPage, shot, submit, lienlog, getJSON,
	readDemo, bankApplies } from './harness.mjs';

let demo, browser;

before(async () => {
	[demo, browser] = await Promise.all([startDemo(), launch()]);
});

after(async () => {
	await browser?.close();
	await demo?.stop();
});

async function openPublic(opts) {
	const { context, page } = await openPage(browser, opts);
	await page.goto(demo.url + '/');
	await page.locator('body[data-ready="1"]').waitFor();
	return { context, page };
}

async function verifyText(page, text) {
	await page.locator('#proof-text').fill(text);
	await page.getByRole('button', { name: '核验', exact: true }).click();
	const r = page.locator('#file-result [data-verdict]').first();
	await r.waitFor();
	return r;
}

test('anyone sees the latest checkpoint verified in the browser, and the keys with their key IDs',
    async () => {
	const { context, page } = await openPublic();
	const cp = page.locator('#cp .verdict');
	assert.equal(await cp.getAttribute('data-verdict'), 'ok');
	const size = (await getJSON(demo, '/healthz')).json.tree_size;
	assert.equal(await page.locator('#cp [data-field="size"]').textContent(),
	    String(size));
	/* the time is the last entry's, proven by inclusion: a date */
	assert.match(await page.locator('#cp [data-field="time"]').textContent(),
	    /^20\d\d-\d\d-\d\d \d\d:\d\d:\d\d$/);
	/* the log key ID shown is the demo log's */
	const vkey = readDemo(demo, 'log.vkey').trim();
	const id = vkey.split('+')[1];
	assert.equal(await page.locator('#log-key [data-keyid]').textContent(), id);
	assert.equal(await page.locator('#keys .source').getAttribute('data-source'),
	    'served');
	await shot(page, 'public-checkpoint', { docs: 'web-public' });
	/* pin the keys: the source says so, and it survives a reload */
	await page.locator('#pin').click();
	await page.locator('#keys .source[data-source="pinned"]').waitFor();
	await page.reload();
	await page.locator('body[data-ready="1"]').waitFor();
	assert.equal(await page.locator('#keys .source').getAttribute('data-source'),
	    'pinned');
	assert.equal(await page.locator('#cp .verdict').getAttribute('data-verdict'),
	    'ok');
	/* the English switch */
	await page.locator('#lang').click();
	assert.equal(await page.locator('h1').textContent(), 'Public verification');
	assert.equal(await page.getAttribute('html', 'lang'), 'en');
	assert.deepEqual(page.problems, []);
	await context.close();
});

test('a receipt verifies in the browser; tampered receipts are refused with the failing step named',
    async () => {
	/* a real receipt: the demo officer decides an application from the
	 * queue with a signed request (lienlog submit) */
	const q = await submit(demo, 'officer', '/v1/applications?status=submitted&limit=1',
	    undefined, 'GET');
	assert.equal(q.code, 0, q.stderr);
	const app = q.json.items[0].app;
	const d = await submit(demo, 'officer', `/v1/applications/${app}/decision`,
	    { decision: 'approve' });
	assert.equal(d.code, 0, d.stderr);
	const receipt = d.json;
	assert.equal(receipt.application_id, app);
	/* lienlog verify agrees it is valid */
	const rf = join(demo.root, 'receipt.json');
	writeFileSync(rf, JSON.stringify(receipt));
	const cli = await lienlog(['verify', 'inclusion', '--vkey',
	    join(demo.dir, 'log.vkey'), '--proof', rf]);
	assert.equal(cli.code, 0, cli.stderr);

	const { context, page } = await openPublic();
	let r = await verifyText(page, JSON.stringify(receipt, null, 2));
	assert.equal(await r.getAttribute('data-verdict'), 'ok');
	assert.equal(await page.locator('#file-result [data-field="index"]')
	    .textContent(), String(receipt.index));
	assert.equal(await page.locator('#file-result [data-field="app"]')
	    .textContent(), app);
	await page.locator('#file-result svg.proof-svg').waitFor();
	await shot(page, 'public-receipt-ok', { docs: 'web-public-receipt' });

	const flip = (b64) => {
		const c = b64[5] === 'A' ? 'B' : 'A';
		return b64.slice(0, 5) + c + b64.slice(6);
	};
	const cases = [
		['inclusion', { ...receipt, proof: [flip(receipt.proof[0]),
			...receipt.proof.slice(1)] }],
		['entry_hash', { ...receipt, leaf_hash: flip(receipt.leaf_hash) }],
		['log_signature', { ...receipt, checkpoint: receipt.checkpoint
			.replace(/ (\S{10})(\S)/, (m, a, b) => ' ' + a + (b === 'A' ? 'B' : 'A')) }],
		['tree_size', { ...receipt, tree_size: receipt.tree_size + 1 }],
		['format', { ...receipt, leaf_hash: 'not base64' }],
	];
	for (const [step, bad] of cases) {
		r = await verifyText(page, JSON.stringify(bad));
		assert.equal(await r.getAttribute('data-verdict'), 'bad', step);
		assert.equal(await r.getAttribute('data-failed'), step, step);
		if (step === 'inclusion')
			await shot(page, 'public-receipt-tampered',
			    { docs: 'web-public-tampered' });
		/* the CLI refuses it too */
		writeFileSync(rf, JSON.stringify(bad));
		const c = await lienlog(['verify', 'inclusion', '--vkey',
		    join(demo.dir, 'log.vkey'), '--proof', rf]);
		assert.notEqual(c.code, 0, step);
	}
	assert.deepEqual(page.problems, []);
	await context.close();
});

test('a tlog-proof file chosen from disk verifies, at phone width, by keyboard',
    async () => {
	const f = join(demo.root, 'e5.tlog-proof');
	const m = await lienlog(['proof', 'make', '--log', demo.url, '--index', '5',
	    '--out', f, '--vkey', join(demo.dir, 'log.vkey')]);
	assert.equal(m.code, 0, m.stderr);
	const { context, page } = await openPublic({ width: 375, height: 740 });
	await page.locator('#proof-file').setInputFiles(f);
	const r = page.locator('#file-result [data-verdict]').first();
	await r.waitFor();
	assert.equal(await r.getAttribute('data-verdict'), 'ok');
	assert.equal(await page.locator('#file-result [data-field="index"]')
	    .textContent(), '5');
	/* nothing wider than the phone */
	const wide = await page.evaluate(() =>
	    document.documentElement.scrollWidth > window.innerWidth + 1);
	assert.equal(wide, false);
	await shot(page, 'public-phone-tlog-proof', { docs: 'web-public-phone' });
	/* keyboard: the skip link comes first, then the navigation */
	await page.keyboard.press('Tab');
	assert.equal(await page.evaluate(() => document.activeElement.className),
	    'skip');
	assert.deepEqual(page.problems, []);
	await context.close();
});

test('a VIN with a lien, one without, one never registered: the status is proven in the browser',
    async (t) => {
	const probe = await fetch(demo.url + '/v1/vehicles/LSJA24U62JG269225/status-proof',
	    { headers: { Accept: 'application/vnd.lienlog.status-proof' } });
	if (probe.status === 200 && !(probe.headers.get('content-type') || '')
	    .startsWith('application/vnd.lienlog.status-proof')) {
		t.skip('status proofs are served in a form this page does not ' +
		    'read yet (docs/lien-status.md section 7 is the binary form)');
		return;
	}
	if (probe.status !== 200) {
		/* the page says so in words */
		const { context, page } = await openPublic();
		await page.getByLabel('车辆识别代号（VIN，17位）').fill('LSJA24U62JG269225');
		await page.getByRole('button', { name: '查询并核验' }).click();
		await page.locator('#vin-result .msg', { hasText: '尚未提供' }).waitFor();
		await context.close();
		t.skip('this server does not serve status proofs yet (issue 13)');
		return;
	}
	const readme = readDemo(demo, 'demo/README');
	/* the approved example of the README holds a lien */
	const lienVin = /approved .*\n\s+owner ID number \S+, VIN (\S+)/.exec(readme)[1];
	const { context, page } = await openPublic();
	const look = async (vin) => {
		await page.getByLabel('车辆识别代号（VIN，17位）').fill(vin);
		await page.getByRole('button', { name: '查询并核验' }).click();
		const r = page.locator('#vin-result .result .verdict');
		await r.waitFor();
		assert.equal(await r.getAttribute('data-verdict'), 'ok', vin);
		return page.locator('#vin-result .status').getAttribute('data-status');
	};
	assert.equal(await look(lienVin), 'lien');
	await shot(page, 'public-vin-lien', { docs: 'web-public-vin' });
	/* a recorded vehicle with nothing registered on it */
	const fresh = await bankApplies(demo, 21);
	assert.equal(await look(fresh.vin), 'clear');
	/* a VIN never registered: proven absent */
	assert.equal(await look('LSJA24U62JG269225'), 'absent');
	/* a bad check digit is refused before asking */
	await page.getByLabel('车辆识别代号（VIN，17位）').fill('LSJA24U63JG269225');
	await page.getByRole('button', { name: '查询并核验' }).click();
	await page.locator('#vin-msg', { hasText: '校验位' }).waitFor();
	assert.deepEqual(page.problems, []);
	await context.close();
});
