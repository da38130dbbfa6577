/*
 * The officer's workstation (/officer): the queue (filter, pages, anomaly
 * reasons in words), one application's sealed evidence opened for
 * officers on one page, and the decision, each request signed in this
 * browser per RFC 9421 (httpsig.js) with a key that never leaves it:
 *
 *   - a PKCS#8 file the officer loads (the demo's officer.key) is imported
 *     as a non-extractable CryptoKey and the file's text dropped; or
 *   - a key generated here, non-extractable, kept in this browser's
 *     IndexedDB until its certificate is filed; its public half is
 *     exported for the administrator.
 *
 * The certificate gives the keyid (SHA-256 of its DER) and must hold the
 * public half of the key (checked by signing and verifying a challenge).
 * Decisions come back as receipts, verified here (verify.js) before they
 * are shown as done.
 */
import * as V from './verify.js';
import * as H from './httpsig.js';
import { t, initLang } from './i18n.js';
import { el, svg, $, clear, rerender, getText, getJSON, HttpError, errorText,
	loadTrust, fetchEntry, noteLatestSize, fmtTime, statusName,
	renderVerdict, provenCheckpointTime } from './common.js';

const PAGE = 10;
let signer = null;	/* {key, alg, keyid} */
let trust = null;
let queue = { status: 'submitted', cursors: [''], page: 0, items: [], next: null };
let current = null;	/* {app, evidence, entryVerdict, decision} */
let stats = null;	/* GET /v1/statistics, or {error} */

/* ---- keys ---------------------------------------------------------------- */

const DB = 'lienlog-officer', STORE = 'keys';

function idb(mode, fn) {
	return new Promise((res, rej) => {
		const open = indexedDB.open(DB, 1);
		open.onupgradeneeded = () => open.result.createObjectStore(STORE);
		open.onerror = () => rej(open.error);
		open.onsuccess = () => {
			const tx = open.result.transaction(STORE, mode);
			const r = fn(tx.objectStore(STORE));
			tx.oncomplete = () => {
				open.result.close();
				res(r && 'result' in r ? r.result : undefined);
			};
			tx.onerror = () => rej(tx.error);
		};
	});
}

async function useKey(key, alg, certDer) {
	const spki = H.certSpki(certDer);
	if (H.spkiAlg(spki) !== alg)
		throw new Error(t('officer.key.mismatch'));
	/* the certificate must hold the key's public half */
	const challenge = crypto.getRandomValues(new Uint8Array(32));
	const sig = await H.signRaw(key, alg, challenge);
	const pub = await H.importPublicKey(spki, alg);
	if (!(await H.verifyRaw(pub, alg, sig, challenge)))
		throw new Error(t('officer.key.mismatch'));
	signer = { key, alg, keyid: await H.certKeyid(certDer) };
	document.body.dataset.signedIn = '1';
	render();
	await loadQueue();
	await loadStats();
}

async function loadFiles() {
	const msg = $('key-msg');
	msg.textContent = '';
	const kf = $('key-file').files[0], cf = $('cert-file').files[0];
	if (!kf || !cf) {
		msg.textContent = t('officer.key.need');
		return;
	}
	try {
		const certDer = H.pemDecode(await cf.text(), 'CERTIFICATE');
		const alg = H.spkiAlg(H.certSpki(certDer));
		const key = await H.importPrivateKey(await kf.text(), alg);
		$('key-file').value = '';
		await useKey(key, alg, certDer);
	} catch (e) {
		msg.textContent = t('officer.key.bad', { msg: e.message });
	}
}

function pem(label, der) {
	const b = V.b64encode(der).replace(/.{64}/g, '$&\n');
	return `-----BEGIN ${label}-----\n${b}${b.endsWith('\n') ? '' : '\n'}-----END ${label}-----\n`;
}

async function generate() {
	const pair = await H.generateKey('ed25519');
	await idb('readwrite', (s) => s.put(pair, 'generated'));
	showGenerated(pair);
}

async function showGenerated(pair) {
	const spki = new Uint8Array(await crypto.subtle.exportKey('spki', pair.publicKey));
	const text = pem('PUBLIC KEY', spki);
	const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
	const out = clear($('gen-out'));
	out.append(el('p', { text: t('officer.gen.done') }),
	    el('pre', { class: 'pub', id: 'gen-pub' }, el('code', { text: text })),
	    el('p', {}, el('a', { href: url, download: 'officer-web.pub',
	        text: t('officer.gen.download') })),
	    el('label', { for: 'gen-cert', text: t('officer.gen.cert') }),
	    el('input', { type: 'file', id: 'gen-cert', accept: '.pem,.crt' }),
	    el('div', { class: 'row' }, el('button', { type: 'button',
	        id: 'gen-cert-go', text: t('officer.gen.certgo'), onclick: async () => {
		const f = $('gen-cert').files[0];
		if (!f)
			return;
		try {
			await useKey(pair.privateKey, 'ed25519',
			    H.pemDecode(await f.text(), 'CERTIFICATE'));
		} catch (e) {
			$('key-msg').textContent = t('officer.key.bad', { msg: e.message });
		}
	    } })));
}

function signOut() {
	signer = null;
	current = null;
	queue = { status: 'submitted', cursors: [''], page: 0, items: [], next: null };
	delete document.body.dataset.signedIn;
	render();
}

/* ---- signed requests ------------------------------------------------------ */

async function signedFetch(method, url, bodyObj) {
	const body = bodyObj === undefined ? null : JSON.stringify(bodyObj);
	const { headers } = await H.signRequest({ method, url, body }, signer);
	if (body !== null)
		headers['Content-Type'] = 'application/json';
	const r = await fetch(url, { method, headers, body, cache: 'no-store' });
	const j = await r.json().catch(() => ({}));
	if (!r.ok)
		throw new HttpError(r.status, j.code, j.message);
	return { status: r.status, json: j };
}

/* ---- queue ------------------------------------------------------------------ */

function reasonWords(code) {
	const w = t('reason.' + code);
	return w === 'reason.' + code ? code : w;
}

async function loadQueue() {
	const after = queue.cursors[queue.page];
	const q = `/v1/applications?status=${queue.status}&limit=${PAGE}` +
	    (after ? `&after=${after}` : '');
	try {
		const { json } = await signedFetch('GET', q);
		queue.items = json.items;
		queue.next = json.next;
		queue.error = null;
	} catch (e) {
		queue.items = [];
		queue.next = null;
		queue.error = errorText(e);
	}
	renderQueue();
	document.body.dataset.queue = queue.status + ':' + queue.page;
}

function matches(a, f) {
	if (!f)
		return true;
	const hay = [a.app, a.vin, a.plate, a.mortgagee, ...(a.reasons || []),
		...(a.reasons || []).map(reasonWords)].join(' ').toLowerCase();
	return hay.includes(f.toLowerCase());
}

function renderQueue() {
	const box = clear($('queue'));
	if (queue.error) {
		box.append(el('p', { class: 'msg bad', text: queue.error }));
		return;
	}
	const f = $('q-filter').value.trim();
	const rows = queue.items.filter((a) => matches(a, f));
	box.append(el('p', { class: 'hint', text: t('officer.queue.page',
	    { p: queue.page + 1 }) }));
	if (!rows.length) {
		box.append(el('p', { id: 'queue-empty', text: t('officer.queue.empty') }));
	} else {
		const tb = el('tbody');
		for (const a of rows) {
			const applied = (a.timeline || [])[0];
			tb.append(el('tr', { 'data-app': a.app },
			    el('td', {}, el('button', { type: 'button', class: 'linkish',
			        text: a.app, onclick: () => openApp(a.app) })),
			    el('td', { 'data-channel': a.channel || 'online',
			        text: (a.kind === 'release' ? t('owner.kind.release') :
			        t('owner.kind.mortgage')) + (a.channel === 'counter' ?
			        ' · ' + t('officer.channel.counter') : '') }),
			    el('td', {}, el('code', { text: a.vin || '' })),
			    el('td', {}, el('code', { text: a.mortgagee || '' })),
			    el('td', { class: 'reasons', text: (a.reasons || [])
			        .map(reasonWords).join('；') }),
			    el('td', { text: applied ? fmtTime(applied.time_ms) : '' })));
		}
		box.append(el('div', { class: 'table-wrap' }, el('table', {},
		    el('thead', {}, el('tr', {}, ['officer.queue.app',
		    'officer.queue.kind', 'pub.vin.label', 'officer.queue.bank',
		    'officer.queue.reasons', 'officer.queue.time'].map((k) =>
		    el('th', { scope: 'col', text: k === 'pub.vin.label' ? 'VIN' : t(k) })))),
		    tb)));
	}
	$('prev').disabled = queue.page === 0;
	$('next').disabled = !queue.next;
}

/* ---- one application ---------------------------------------------------------- */

function jwsClaims(tok) {
	try {
		return JSON.parse(new TextDecoder().decode(V.b64urlDecode(tok.split('.')[1])));
	} catch (e) {
		return null;
	}
}

async function openApp(id) {
	current = { id, loading: true };
	renderDetail();
	try {
		if (!trust)
			trust = await loadTrust();
		const { json: app } = await signedFetch('GET', `/v1/applications/${id}`);
		const applied = app.timeline[0];
		const { json: ev } = await signedFetch('GET', `/v1/evidence/${applied.index}`);
		const note = await getText('/log/checkpoint');
		const cp = V.parseCheckpoint(V.parseNote(note).text);
		noteLatestSize(cp.size);
		const entry = await fetchEntry(applied.index, cp.size);
		const proof = await getJSON(`/v1/proof/inclusion?index=${applied.index}` +
		    `&tree_size=${cp.size}`);
		const entryVerdict = await V.verifyStep(app, applied, note, entry, proof,
		    trust.policy);
		current = { id, app, ev, entryVerdict };
	} catch (e) {
		current = { id, error: errorText(e) };
	}
	renderDetail();
	$('detail-card').scrollIntoView();
	$('d-h').focus();
}

function dl(rows) {
	const d = el('dl', { class: 'details' });
	for (const [k, v, attrs] of rows)
		if (v !== undefined && v !== null && v !== '')
			d.append(el('dt', { text: k }), el('dd', attrs || {}, v));
	return d;
}

function renderDetail() {
	const box = clear($('detail'));
	$('detail-card').hidden = !current || !signer;
	if (!current)
		return;
	if (current.loading) {
		box.append(el('p', { text: t('loading') }));
		return;
	}
	if (current.error) {
		box.append(el('p', { class: 'msg bad', text: current.error }));
		return;
	}
	const { app, ev, entryVerdict } = current;
	const body = ev.body || {};
	const a = body.application || {};
	const owner = a.owner || {};
	box.dataset.app = app.app;
	box.append(el('h3', {}, app.app + ' ', el('span', { class: 'badge ' + app.status,
	    'data-field': 'status', text: statusName(app.status) })));
	box.append(dl([
		['VIN', a.vin || app.vin],
		[t('owner.vehicle'), [a.plate, a.plate_type].filter(Boolean).join(' / ')],
		[t('officer.ev.cert'), a.certificate_number],
		[t('officer.ev.contract'), a.contract_number],
		[t('officer.queue.bank'), app.mortgagee],
		[t('officer.channel'), app.channel === 'counter' ?
		    t('officer.channel.counter') : t('officer.channel.online'),
		    { 'data-field': 'channel' }],
		[t('officer.queue.reasons'), (app.reasons || []).map(reasonWords).join('；'),
		    { 'data-field': 'reasons' }],
	]));
	box.append(el('h4', { text: t('officer.ev.h') }));
	const face = body.face_token ? jwsClaims(body.face_token) : null;
	const e = entryVerdict && entryVerdict.entry && entryVerdict.entry.json;
	box.append(dl([
		[t('officer.ev.owner'), [owner.name, owner.id_number, owner.phone]
		    .filter(Boolean).join(' · ')],
		[t('officer.ev.face'), face ? t('officer.ev.face.scores', {
		    l: face.liveness, m: face.match, v: e && e.face ? e.face.verdict : '-',
		    iss: face.iss, t: fmtTime(face.iat * 1000) }) :
		    body.id_check ? t('officer.ev.idcheck', {
		        d: body.id_check.document }) : '-',
		    { 'data-field': 'face' }],
		...(body.voucher || body.phone_confirmation ? [[t('officer.ev.consent'),
		    body.voucher ? t('officer.ev.voucher', { v: body.voucher }) :
		    t('officer.ev.phone', { c: body.phone_confirmation.contact,
		        s: body.phone_confirmation.bank_staff }),
		    { 'data-field': 'consent' }]] : []),
		[t('officer.ev.signer'), e && e.signer ? `${e.signer.party} · keyid ` +
		    `${e.signer.keyid.slice(0, 16)}…` : app.mortgagee],
		[t('officer.ev.sms'), body.company ? (() => {
			const c = jwsClaims(body.company.sms_token) || {};
			return `${body.company.uscc} · ${body.company.legal_rep_phone} · ` +
			    `${c.iss || ''} ${c.iat ? fmtTime(c.iat * 1000) : ''}`;
		})() : t('officer.ev.sms.none')],
		[t('officer.ev.checks'), Object.entries(ev.checks || {}).map(([k, v]) =>
		    `${k}: ${v === null ? '-' : v ? '✓' : '✗'}`).join('  ')],
	]));
	box.append(el('p', { class: 'hint', text: t('officer.ev.inlog') }));
	box.append(renderVerdict(entryVerdict));
	/* decide */
	if (app.status === 'submitted' || app.status === 'in_person_review')
		box.append(decisionForm(app));
	if (current.decision)
		box.append(current.decision);
}

function decisionForm(app) {
	const f = el('form', { id: 'decide-form', novalidate: true });
	const fs = el('fieldset', {}, el('legend', { text: t('officer.decide.h') }));
	for (const [v, k] of [['approve', 'officer.decide.approve'],
	    ['reject', 'officer.decide.reject'],
	    ['in_person_review', 'officer.decide.review']]) {
		if (v === 'in_person_review' && app.status === 'in_person_review')
			continue;
		const id = 'd-' + v;
		fs.append(el('div', { class: 'radio' },
		    el('input', { type: 'radio', name: 'decision', id, value: v,
		        checked: v === 'approve' }),
		    el('label', { for: id, text: t(k) })));
	}
	fs.append(el('label', { for: 'd-reason', text: t('officer.decide.reason') }),
	    el('textarea', { id: 'd-reason', rows: '2', maxlength: '170' }));
	f.append(fs, el('p', { id: 'd-msg', class: 'msg', 'aria-live': 'polite' }),
	    el('button', { type: 'submit', text: t('officer.decide.go') }));
	f.addEventListener('submit', (ev) => {
		ev.preventDefault();
		decide(app);
	});
	return f;
}

async function decide(app) {
	const d = document.querySelector('input[name="decision"]:checked').value;
	const reason = $('d-reason').value.trim();
	if (d === 'reject' && !reason) {
		$('d-msg').textContent = t('officer.decide.need_reason');
		$('d-reason').focus();
		return;
	}
	const body = { decision: d };
	if (reason)
		body.reason = reason;
	let receipt;
	try {
		receipt = (await signedFetch('POST', `/v1/applications/${app.app}/decision`,
		    body)).json;
	} catch (e) {
		$('d-msg').textContent = t('officer.decide.failed', { msg: errorText(e) });
		return;
	}
	/* the receipt, verified here */
	const entry = await fetchEntry(receipt.index, receipt.tree_size);
	const v = await V.verifyReceipt(receipt, trust.policy, entry);
	const time = v.ok ? await provenCheckpointTime(v.checkpoint) : null;
	const text = JSON.stringify(receipt, null, 2);
	const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
	const done = el('div', { id: 'decision-result', 'data-index': String(receipt.index) },
	    el('p', { text: t('officer.decide.done') }), renderVerdict(v, { time }),
	    el('p', {}, el('a', { href: url, download: `receipt-${receipt.index}.json`,
	        text: t('officer.decide.download') })));
	const { json: fresh } = await signedFetch('GET', `/v1/applications/${app.app}`);
	current = { ...current, app: fresh, decision: done };
	renderDetail();
	await loadQueue();
	if (!queue.items.length && queue.page > 0) {
		queue.page--;
		await loadQueue();
	}
}

/* ---- statistics (docs/statistics.md) -------------------------------------------- */

async function loadStats() {
	try {
		stats = (await signedFetch('GET', '/v1/statistics')).json;
	} catch (e) {
		stats = { error: errorText(e) };
	}
	renderStats();
	document.body.dataset.stats = stats.error ? 'error' : '1';
}

/* A horizontal bar chart (SVG, no script or style inline): rows of
 * [label, value]. */
function bars(title, rows) {
	const W = 520, H = 22, LW = 200;
	const max = Math.max(1, ...rows.map((r) => r[1]));
	const g = svg('svg', { viewBox: `0 0 ${W} ${rows.length * H + 4}`,
	    class: 'chart', role: 'img', 'aria-label': title });
	rows.forEach(([label, v], i) => {
		const y = i * H + 2;
		g.append(svg('text', { x: 0, y: y + 15, class: 'chart-label' },
		    label));
		g.append(svg('rect', { x: LW, y: y + 3, height: H - 8,
		    width: Math.max(1, Math.round((W - LW - 60) * v / max)),
		    class: 'chart-bar' }));
		g.append(svg('text', { x: W - 55, y: y + 15, class: 'chart-value' },
		    String(v)));
	});
	return el('figure', { class: 'chart-fig' },
	    el('figcaption', { text: title }), g);
}

function secs(ms) {
	return ms === undefined ? '-' : (ms / 1000).toFixed(ms < 10000 ? 2 : 0) +
	    ' s';
}

function renderStats() {
	const box = $('stats');
	clear(box);
	if (!stats)
		return;
	if (stats.error) {
		box.append(el('p', { class: 'msg bad', text: stats.error }));
		return;
	}
	const tt = stats.total;
	box.append(el('dl', { class: 'details' },
	    el('dt', { text: t('officer.stats.apps') }),
	    el('dd', { text: String(tt.applications) }),
	    el('dt', { text: t('officer.stats.online') }),
	    el('dd', { text: (tt.online_share_bp / 100).toFixed(1) + ' %' }),
	    el('dt', { text: t('officer.stats.decision') }),
	    el('dd', { text: `${secs(tt.to_decision.median_ms)} / ` +
		`${secs(tt.to_decision.p90_ms)}` }),
	    el('dt', { text: t('officer.stats.delivery') }),
	    el('dd', { text: `${secs(tt.to_delivery.median_ms)} / ` +
		`${secs(tt.to_delivery.p90_ms)}` }),
	    el('dt', { text: t('officer.stats.reminders') }),
	    el('dd', { text: String(tt.reminders_scheduled) })));
	box.append(bars(t('officer.stats.outcomes'),
	    Object.entries(tt.by_outcome).map(([k, v]) => [statusName(k), v])));
	box.append(bars(t('officer.stats.diversions'),
	    Object.entries(tt.diversions).map(([k, v]) => [k === 'officer' ?
		t('officer.stats.byofficer') : reasonWords(k), v])));
	box.append(bars(t('officer.stats.banks'), stats.institutions
	    .slice().sort((a, b) => b.applications - a.applications)
	    .slice(0, 10).map((i) => [i.party, i.applications])));
}

/* ---- page ---------------------------------------------------------------------- */

function render() {
	$('signin').hidden = !!signer;
	$('queue-card').hidden = !signer;
	$('stats-card').hidden = !signer;
	if (signer)
		$('who').textContent = t('officer.who', { k: signer.keyid.slice(0, 12),
		    alg: signer.alg });
	renderQueue();
	renderStats();
	renderDetail();
}

async function init() {
	initLang();
	$('key-form').addEventListener('submit', (e) => {
		e.preventDefault();
		loadFiles();
	});
	$('gen').addEventListener('click', () => generate());
	$('signout').addEventListener('click', () => signOut());
	$('q-status').addEventListener('change', () => {
		queue = { status: $('q-status').value, cursors: [''], page: 0,
		    items: [], next: null };
		loadQueue();
	});
	$('q-filter').addEventListener('input', () => renderQueue());
	$('stats-reload').addEventListener('click', () => loadStats());
	$('next').addEventListener('click', () => {
		if (!queue.next)
			return;
		queue.cursors[queue.page + 1] = queue.next;
		queue.page++;
		loadQueue();
	});
	$('prev').addEventListener('click', () => {
		if (queue.page === 0)
			return;
		queue.page--;
		loadQueue();
	});
	rerender(render);
	render();
	try {
		const pair = await idb('readonly', (s) => s.get('generated'));
		if (pair)
			await showGenerated(pair);
	} catch (e) {
		/* no IndexedDB: generated keys last for this page */
	}
	document.body.dataset.ready = '1';
}

init();
