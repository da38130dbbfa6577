/*
 * The officer's workstation (/officer) in Chromium against a real demo
 * log (docs/web-officer.md): one test per user story.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDemo, launch, openPage, shot, submit, bankApplies,
	getJSON } from './harness.mjs';

let demo, browser;

before(async () => {
	[demo, browser] = await Promise.all([startDemo(), launch()]);
});

after(async () => {
	await browser?.close();
	await demo?.stop();
});

async function openOfficer(opts) {
	const { context, page } = await openPage(browser, opts);
	/* nothing that leaves the page may carry the private key */
	const key = readFileSync(join(demo.dir, 'demo', 'officer.key'), 'utf8');
	const secret = key.split('\n').filter((l) => l && !l.startsWith('-----'))
	    .join('');
	page.sent = [];
	page.on('request', (r) => page.sent.push(JSON.stringify(r.headers()) +
	    (r.postData() || '')));
	page.secret = secret;
	await page.goto(demo.url + '/officer');
	await page.locator('body[data-ready="1"]').waitFor();
	return { context, page };
}

async function signIn(page) {
	await page.getByLabel('私钥文件（PKCS#8，例如 officer.key）')
	    .setInputFiles(join(demo.dir, 'demo', 'officer.key'));
	await page.getByLabel('证书文件（例如 officer.pem）')
	    .setInputFiles(join(demo.dir, 'demo', 'officer.pem'));
	await page.getByRole('button', { name: '载入并登录' }).click();
	await page.locator('body[data-queue="submitted:0"]').waitFor();
}

/* page through the queue until app's row shows */
async function findInQueue(page, app) {
	for (let p = 0; p < 60; p++) {
		if (await page.locator(`tr[data-app="${app}"]`).count())
			return;
		await page.getByRole('button', { name: '下一页' }).click();
		await page.locator(`body[data-queue="submitted:${p + 1}"]`).waitFor();
	}
	throw new Error(`${app} not in the queue`);
}

function entriesBetween(bundle, a, b) {
	const out = [];
	let at = 0;
	while (at < bundle.length) {
		const n = (bundle[at] << 8) | bundle[at + 1];
		out.push(bundle.subarray(at + 2, at + 2 + n));
		at += 2 + n;
	}
	return out.slice(a % 256, a % 256 + (b - a));
}

test('an officer approves from the queue with a key loaded into the browser; the receipt verifies in place, the log grows by the decision, the owner sees it',
    async () => {
	const { receipt: applied } = await bankApplies(demo, 11);
	const app = applied.application_id;
	const { context, page } = await openOfficer();
	await signIn(page);
	/* the in-person queue, with the anomaly reasons in words */
	await page.getByLabel('状态').selectOption('in_person_review');
	await page.locator('body[data-queue="in_person_review:0"]').waitFor();
	assert.ok(await page.locator('#queue td.reasons', { hasText: '同一车主' })
	    .count() > 0);
	await shot(page, 'officer-queue', { docs: 'web-officer-queue' });
	/* page through the submitted queue to the new application */
	await page.getByLabel('状态').selectOption('submitted');
	await page.locator('body[data-queue="submitted:0"]').waitFor();
	await findInQueue(page, app);
	await page.locator(`tr[data-app="${app}"] button`).click();
	const detail = page.locator(`#detail[data-app="${app}"]`);
	await detail.waitFor();
	/* sealed evidence opened: face scores; the application entry proven */
	assert.match(await detail.locator('[data-field="face"]').textContent(),
	    /9800.*9700/);
	assert.equal(await detail.locator('.verdict').first()
	    .getAttribute('data-verdict'), 'ok');
	const before = (await getJSON(demo, '/healthz')).json.tree_size;
	await page.getByRole('radio', { name: '核准', exact: true }).check();
	await page.getByRole('button', { name: '签名并提交决定' }).click();
	const res = page.locator('#decision-result');
	await res.waitFor();
	assert.equal(await res.locator('.verdict').getAttribute('data-verdict'), 'ok');
	const index = Number(await res.getAttribute('data-index'));
	/* the decision is the next entry; only a state root may follow it */
	assert.equal(index, before);
	const after = (await getJSON(demo, '/healthz')).json.tree_size;
	assert.ok(after >= before + 1 && after <= before + 2, `${before} -> ${after}`);
	const r = await fetch(`${demo.url}/log/tile/entries/${String(Math.floor(before / 256)).padStart(3, '0')}.p/${after - Math.floor(before / 256) * 256}`);
	const news = entriesBetween(new Uint8Array(await r.arrayBuffer()), before, after);
	assert.equal((news[0][17] << 8) | news[0][18], 23);	/* decision */
	for (const e of news.slice(1))
		assert.equal((e[17] << 8) | e[18], 3);	/* state root */
	await page.locator(`#detail .badge.approved`).waitFor();
	await shot(page, 'officer-approved', { docs: 'web-officer' });
	/* the key never left the browser */
	assert.equal(page.sent.some((s) => s.includes(page.secret)), false);
	assert.deepEqual(page.problems, []);
	await context.close();

	/* the owner's screen shows the approval */
	const o = await openPage(browser, { width: 390, height: 844 });
	await o.page.goto(demo.url + '/owner');
	await o.page.locator('body[data-ready="1"]').waitFor();
	await o.page.getByLabel('查询码（银行随回执交给您）').fill(applied.owner_code);
	await o.page.getByRole('button', { name: '查看进度' }).click();
	await o.page.locator(`article[data-app="${app}"][data-status="approved"]`)
	    .waitFor();
	await o.context.close();
});

test('an officer diverts to in-person review and then rejects, each with a reason the owner reads',
    async () => {
	const { receipt: applied } = await bankApplies(demo, 12);
	const app = applied.application_id;
	const { context, page } = await openOfficer();
	await signIn(page);
	await findInQueue(page, app);
	await page.locator(`tr[data-app="${app}"] button`).click();
	await page.locator(`#detail[data-app="${app}"]`).waitFor();
	await page.getByRole('radio', { name: '转人工现场审核', exact: true }).check();
	await page.getByLabel('原因（驳回时必填，会告知车主）').fill('请携带登记证书到窗口核验');
	await page.getByRole('button', { name: '签名并提交决定' }).click();
	await page.locator('#decision-result .verdict[data-verdict="ok"]').waitFor();
	await page.locator('#detail .badge.in_person_review').waitFor();
	/* a rejection without a reason is stopped in the page */
	await page.getByRole('radio', { name: '驳回', exact: true }).check();
	await page.getByRole('button', { name: '签名并提交决定' }).click();
	await page.locator('#d-msg', { hasText: '驳回必须填写原因' }).waitFor();
	await page.getByLabel('原因（驳回时必填，会告知车主）').fill('登记证书与车辆不符');
	await page.getByRole('button', { name: '签名并提交决定' }).click();
	await page.locator('#detail .badge.rejected').waitFor();
	assert.deepEqual(page.problems, []);
	await context.close();
	const o = await openPage(browser);
	await o.page.goto(demo.url + '/owner');
	await o.page.locator('body[data-ready="1"]').waitFor();
	await o.page.getByLabel('查询码（银行随回执交给您）').fill(applied.owner_code);
	await o.page.getByRole('button', { name: '查看进度' }).click();
	const card = o.page.locator(`article[data-app="${app}"][data-status="rejected"]`);
	await card.waitFor();
	const text = await card.textContent();
	assert.ok(text.includes('请携带登记证书到窗口核验'), text);
	assert.ok(text.includes('登记证书与车辆不符'), text);
	await o.context.close();
});

test('a key generated in the browser cannot be exported; once filed with its certificate it signs queue reads',
    async () => {
	const { context, page } = await openOfficer();
	await page.getByRole('button', { name: '生成新密钥' }).click();
	const pub = await page.locator('#gen-pub').textContent();
	assert.match(pub, /^-----BEGIN PUBLIC KEY-----/);
	const exportable = await page.evaluate(() => new Promise((res) => {
		const o = indexedDB.open('lienlog-officer', 1);
		o.onsuccess = () => {
			const g = o.result.transaction('keys').objectStore('keys')
			    .get('generated');
			g.onsuccess = () => crypto.subtle.exportKey('pkcs8',
			    g.result.privateKey).then(() => res(true), () => res(false));
		};
	}));
	assert.equal(exportable, false);
	/* the administrator issues a certificate for it and files it */
	const d = join(demo.dir, 'demo');
	const pubf = join(demo.root, 'web.pub'), certf = join(demo.root, 'web.pem');
	const ext = join(demo.root, 'ext');
	writeFileSync(pubf, pub);
	writeFileSync(ext, 'keyUsage=critical,digitalSignature\nbasicConstraints=CA:FALSE\n');
	execFileSync('openssl', ['x509', '-new', '-force_pubkey', pubf, '-subj',
		'/CN=officer-jx-web/serialNumber=officer-jx-web', '-CA', join(d, 'police-ca.pem'), '-CAkey',
		join(d, 'police-ca.key'), '-days', '30', '-extfile', ext, '-out', certf],
	    { stdio: 'ignore' });
	const filed = await submit(demo, 'admin', '/v1/parties', { party:
	    'officer-jx-web', role: 'officer', name: '嘉兴交警支队 网页工作台',
	    certificate: readFileSync(certf, 'utf8') });
	assert.equal(filed.code, 0, filed.stderr);
	/* reload: the key is still here; load the certificate */
	await page.reload();
	await page.locator('body[data-ready="1"]').waitFor();
	await page.getByLabel('备案后载入证书').setInputFiles(certf);
	await page.getByRole('button', { name: '载入证书并登录' }).click();
	await page.locator('body[data-queue="submitted:0"]').waitFor();
	assert.equal(await page.locator('#queue .msg.bad').count(), 0);
	assert.ok(await page.locator('#queue tr[data-app]').count() > 0);
	assert.deepEqual(page.problems, []);
	await context.close();
});

test('an officer sees the statistics the log gives, as charts (docs/statistics.md)', async () => {
	const { context, page } = await openOfficer();
	try {
		await signIn(page);
		await page.locator('body[data-stats="1"]').waitFor();
		const card = page.locator('#stats-card');
		assert.equal(await card.isVisible(), true);
		/* three SVG bar charts: outcomes, diversions, institutions */
		assert.equal(await card.locator('svg.chart').count(), 3);
		assert.ok(await card.locator('rect.chart-bar').count() >= 6);
		const text = await card.innerText();
		assert.match(text, /网上办理占比/);
		/* the demo's three counter applications (docs/demo.md) */
		assert.match(text, /9\d\.\d %/);
		await shot(page, 'officer-statistics', {});
	} finally {
		await context.close();
	}
});
