/*
 * The owner's progress screen (/owner) in Chromium against a real demo
 * log (docs/web-owner.md): one test per user story.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, launch, openPage, shot, submit, bankApplies,
	newIdNumber, faceToken } from './harness.mjs';

let demo, browser;

before(async () => {
	[demo, browser] = await Promise.all([startDemo(), launch()]);
});

after(async () => {
	await browser?.close();
	await demo?.stop();
});

async function openOwner(opts) {
	const { context, page } = await openPage(browser, opts);
	await page.goto(demo.url + '/owner');
	await page.locator('body[data-ready="1"]').waitFor();
	return { context, page };
}

async function ownerApi(auth) {
	const r = await fetch(demo.url + '/v1/owner/applications',
	    { headers: auth ? { Authorization: auth } : {} });
	return { status: r.status, json: await r.json() };
}

test('an owner follows an application from the bank\'s submission to the officer\'s approval, each step proven in the browser',
    async () => {
	/* the bank files the application; its receipt carries the code */
	const { receipt } = await bankApplies(demo, 1);
	const app = receipt.application_id;
	assert.equal(receipt.status, 'submitted');
	assert.match(receipt.owner_code, /^\d+-([0-9A-Z]{4}-){3}[0-9A-Z]{4}$/);

	/* the owner signs in on a phone with the code, typed loosely */
	const { context, page } = await openOwner({ width: 390, height: 844 });
	await page.getByLabel('查询码（银行随回执交给您）')
	    .fill(' ' + receipt.owner_code.toLowerCase() + ' ');
	await page.getByRole('button', { name: '查看进度' }).click();
	const card = page.locator(`article[data-app="${app}"]`);
	await card.waitFor();
	assert.equal(await card.getAttribute('data-status'), 'submitted');
	assert.equal(await card.locator('ol.timeline > li').count(), 1);
	await card.getByRole('button', { name: '验证此步骤' }).click();
	await card.locator('li[data-step="applied"] [data-verdict="ok"]').waitFor();

	/* the officer approves (a signed request) */
	const d = await submit(demo, 'officer', `/v1/applications/${app}/decision`,
	    { decision: 'approve' });
	assert.equal(d.code, 0, d.stderr);

	/* the owner's screen shows it, and proves both steps */
	await page.getByRole('button', { name: '刷新' }).click();
	await page.locator(`article[data-app="${app}"][data-status="approved"]`)
	    .waitFor();
	await card.getByRole('button', { name: '验证全部步骤' }).click();
	await card.locator('li[data-step="approved"] [data-verdict="ok"]').waitFor();
	assert.equal(await card.locator('[data-verdict="ok"]').count(), 2);
	assert.equal(await card.locator('[data-verdict="bad"]').count(), 0);
	const wide = await page.evaluate(() =>
	    document.documentElement.scrollWidth > window.innerWidth + 1);
	assert.equal(wide, false);
	await shot(page, 'owner-code-approved', { docs: 'web-owner' });
	assert.deepEqual(page.problems, []);
	await context.close();
});

test('an owner signs in with the demo face-ID provider and sees only their own applications; another person sees none of them',
    async () => {
	const mine = await bankApplies(demo, 2);
	const app = mine.receipt.application_id;
	const { context, page } = await openOwner();
	await page.getByLabel('身份证号码').fill(mine.idNumber);
	await page.getByRole('button', { name: '模拟人脸识别并登录' }).click();
	await page.locator(`article[data-app="${app}"]`).waitFor();
	/* a new person with one application: exactly that one */
	assert.equal(await page.locator('article[data-app]').count(), 1);
	await shot(page, 'owner-face-id', { docs: 'web-owner-face' });
	/* sign out; another person (no applications) gets nothing */
	await page.getByRole('button', { name: '退出' }).click();
	await page.getByLabel('身份证号码').fill(newIdNumber());
	await page.getByRole('button', { name: '模拟人脸识别并登录' }).click();
	await page.locator('#no-apps').waitFor();
	assert.equal(await page.locator('article[data-app]').count(), 0);
	assert.deepEqual(page.problems, []);
	await context.close();
});

test('another owner\'s code opens only that application; a changed code, a missing one, or an application token open nothing',
    async () => {
	const a = await bankApplies(demo, 3);
	const b = await bankApplies(demo, 4);
	const ra = await ownerApi('Owner-Code ' + a.receipt.owner_code);
	assert.equal(ra.status, 200);
	assert.deepEqual(ra.json.applications.map((x) => x.app),
	    [a.receipt.application_id]);
	/* nothing but the owner view: no owner commitment, contract, bank */
	for (const k of ['owner', 'contract', 'mortgagee', 'cert_number',
	    'owner_name', 'phone'])
		assert.equal(k in ra.json.applications[0], false, k);
	const code = a.receipt.owner_code;
	const last = code.at(-1) === 'A' ? 'B' : 'A';
	for (const bad of [code.slice(0, -1) + last,
	    b.receipt.owner_code.split('-')[0] + code.slice(code.indexOf('-')),
	    code.toLowerCase(), code + '-0000']) {
		const r = await ownerApi('Owner-Code ' + bad);
		assert.equal(r.status, 401, bad);
		assert.equal(r.json.code, 'owner_code_invalid');
		assert.equal('applications' in r.json, false);
	}
	assert.equal((await ownerApi(null)).json.code, 'owner_auth_missing');
	assert.equal((await ownerApi('Owner-Code ')).status, 401);
	/* a face token minted for an application is no key to read */
	const r = await ownerApi('Bearer ' + faceToken(demo, a.commitment,
	    a.application));
	assert.equal(r.status, 422);
	assert.equal(r.json.code, 'token_nonce');
	for (const bad of ['x.y.z', 'a.b', '..', '.e30.', 'x.eyJzdWIiOjF9.y',
	    'x.' + 'A'.repeat(9000) + '.y', 'x.eyJzdWIiOiJhIn0.y']) {
		const rb = await ownerApi('Bearer ' + bad);
		assert.ok(rb.status === 400 || rb.status === 401, bad);
		assert.equal('applications' in rb.json, false);
	}
	/* in the page: b's code shows b's application only */
	const { context, page } = await openOwner();
	await page.getByLabel('查询码（银行随回执交给您）').fill(b.receipt.owner_code);
	await page.getByRole('button', { name: '查看进度' }).click();
	await page.locator(`article[data-app="${b.receipt.application_id}"]`).waitFor();
	assert.equal(await page.locator(`article[data-app="${a.receipt.application_id}"]`)
	    .count(), 0);
	/* a mistyped code is refused in words */
	await page.getByRole('button', { name: '退出' }).click();
	await page.getByLabel('查询码（银行随回执交给您）').fill(code.slice(0, -1) + last);
	await page.getByRole('button', { name: '查看进度' }).click();
	await page.locator('#code-msg', { hasText: '查询码无效' }).waitFor();
	assert.deepEqual(page.problems.filter((p) => !p.includes('401')), []);
	await context.close();
});
