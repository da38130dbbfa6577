/*
 * The owner's progress screen (/owner): sign in with the access code
 * (查询码) the bank handed on, or with a read-purpose face-ID token (the
 * demo's simulated provider mints one); then each of the owner's
 * applications with its timeline, every step with its log index and local
 * time and a button that proves the step is in the public log, in this
 * browser (verify.js verifyStep: checkpoint signature and witnesses,
 * inclusion of the entry read from the public tiles, and that the entry
 * is this application's step).
 *
 * The code or token is kept in sessionStorage only (gone with the tab)
 * and sent only to this origin, in the Authorization header.
 */
import * as V from './verify.js';
import { t, initLang, getLang } from './i18n.js';
import { el, $, clear, rerender, getText, getJSON, HttpError, errorText,
	loadTrust, fetchEntry, noteLatestSize, fmtTime, statusName,
	renderVerdict } from './common.js';

const SESSION = 'lienlog.owner';
let session = null;	/* {codes: [..]} or {token} */
let apps = [];		/* owner views, by app id */
const verdicts = new Map();	/* "app/index" -> verdict */
let trust = null;

function saveSession() {
	try {
		if (session)
			sessionStorage.setItem(SESSION, JSON.stringify(session));
		else
			sessionStorage.removeItem(SESSION);
	} catch (e) {
		/* storage off: the session lasts for this page */
	}
}

function loadSession() {
	try {
		const s = JSON.parse(sessionStorage.getItem(SESSION) || 'null');
		if (s && (Array.isArray(s.codes) || typeof s.token === 'string'))
			return s;
	} catch (e) {
		return null;
	}
	return null;
}

/* What a person types: spaces dropped, upper case, Crockford's look-alikes
 * (O->0, I/L->1) fixed; the server accepts only the canonical spelling. */
export function normaliseCode(s) {
	return s.trim().toUpperCase().replace(/\s+/g, '').replace(/O/g, '0')
	    .replace(/[IL]/g, '1');
}

const CODE_RE = /^(0|[1-9][0-9]{0,19})-([0-9A-HJKMNP-TV-Z]{4}-){3}[0-9A-HJKMNP-TV-Z]{4}$/;

/* GB 11643 check character */
export function idNumberOk(s) {
	if (!/^[0-9]{17}[0-9X]$/.test(s))
		return false;
	const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
	let sum = 0;
	for (let i = 0; i < 17; i++)
		sum += Number(s[i]) * w[i];
	return s[17] === '10X98765432'[sum % 11];
}

async function fetchApps(auth) {
	const j = await getJSON('/v1/owner/applications',
	    { headers: { Authorization: auth }, cache: 'no-store' });
	return j.applications;
}

async function refresh() {
	if (!session)
		return;
	const box = $('apps');
	let got = [];
	try {
		if (session.token) {
			got = await fetchApps('Bearer ' + session.token);
		} else {
			for (const c of session.codes)
				got.push(...await fetchApps('Owner-Code ' + c));
		}
	} catch (e) {
		if (e instanceof HttpError && e.status >= 400 && e.status < 500 &&
		    e.code !== 'owner_code_invalid') {
			signOut();
			$('face-msg').textContent = t('owner.expired');
			return;
		}
		clear(box).append(el('p', { class: 'msg bad', text: errorText(e) }));
		return;
	}
	const seen = new Set();
	apps = got.filter((a) => !seen.has(a.app) && seen.add(a.app))
	    .sort((a, b) => a.app < b.app ? -1 : 1);
	render();
}

function stepWords(a, s) {
	/* filed at the counter: no face ID, the officer checked the ID */
	const key = 'owner.step.' + s.step +
	    (s.step === 'applied' && a.channel === 'counter' ? '.counter' : '');
	const c = t(key);
	if (c !== key)
		return c;
	const w = t('owner.step.' + s.step);
	return w === 'owner.step.' + s.step ? s.step : w;
}

function reasonWords(code) {
	const w = t('reason.' + code);
	return w === 'reason.' + code ? code : w;
}

function stepItem(a, s) {
	const key = a.app + '/' + s.index;
	const li = el('li', { 'data-step': s.step, 'data-index': String(s.index) });
	li.append(el('p', { class: 'what' }, el('strong', { text: stepWords(a, s) })));
	if (s.reason)
		li.append(el('p', { class: 'reason', text: t('owner.reason', { r: s.reason }) }));
	li.append(el('p', { class: 'when' },
	    el('time', { datetime: s.time_at || '', text: fmtTime(s.time_ms) }),
	    ' · ' + t('owner.log_index', { i: s.index })));
	const v = verdicts.get(key);
	if (v) {
		const p = el('p', { class: 'step-verdict ' + (v.ok ? 'ok' : 'bad'),
		    'data-verdict': v.ok ? 'ok' : 'bad', 'data-failed': v.failed || '' },
		    v.ok ? '✓ ' + t('owner.verified', { n: v.checkpoint.size }) :
		    '✗ ' + t('owner.verify.failed', { step: t('step.' + v.failed) }));
		li.append(p);
		if (!v.ok)
			li.append(renderVerdict(v));
	} else {
		li.append(el('button', { type: 'button', class: 'secondary verify',
		    text: t('owner.verify'), onclick: (ev) => {
			ev.target.disabled = true;
			verifyOne(a, s).then(render);
		    } }));
	}
	return li;
}

function appCard(a) {
	const card = el('article', { class: 'app card', 'data-app': a.app,
	    'data-status': a.status, 'aria-labelledby': 'h-' + a.app });
	card.append(el('h3', { id: 'h-' + a.app },
	    (a.kind === 'release' ? t('owner.kind.release') : t('owner.kind.mortgage')) +
	    ' ' + a.app + ' ',
	    el('span', { class: 'badge ' + a.status, 'data-field': 'status',
	        text: statusName(a.status) })));
	const veh = [a.vin, a.plate].filter(Boolean).join(' · ');
	if (veh)
		card.append(el('p', { text: t('owner.vehicle') +
		    (getLang() === 'en' ? ': ' : '：') + veh }));
	if (a.rank)
		card.append(el('p', { text: t('owner.rank', { r: a.rank }) }));
	if (a.reasons && a.reasons.length)
		card.append(el('p', { class: 'reason', text: t('owner.reason',
		    { r: a.reasons.map(reasonWords).join('；') }) }));
	const ol = el('ol', { class: 'timeline' });
	for (const s of a.timeline)
		ol.append(stepItem(a, s));
	card.append(ol);
	const next = t('owner.step.next.' + a.status);
	if (next !== 'owner.step.next.' + a.status)
		card.append(el('p', { class: 'next hint', text: next }));
	card.append(el('button', { type: 'button', class: 'verify-all',
	    text: t('owner.verify.all'), onclick: async (ev) => {
		ev.target.disabled = true;
		for (const s of a.timeline)
			if (!verdicts.get(a.app + '/' + s.index))
				await verifyOne(a, s);
		render();
	    } }));
	return card;
}

function render() {
	const box = clear($('apps'));
	$('signin').hidden = !!session;
	$('apps-card').hidden = !session;
	if (!session)
		return;
	$('who').textContent = session.token ? t('owner.who.face') :
	    t('owner.who.codes', { n: session.codes.length });
	if (!apps.length) {
		box.append(el('p', { id: 'no-apps', text: t('owner.none') }));
		return;
	}
	for (const a of apps)
		box.append(appCard(a));
	document.body.dataset.apps = String(apps.length);
}

async function verifyOne(a, s) {
	let v;
	try {
		if (!trust)
			trust = await loadTrust();
		const note = await getText('/log/checkpoint');
		const cp = V.parseCheckpoint(V.parseNote(note).text);
		noteLatestSize(cp.size);
		const entry = await fetchEntry(s.index, cp.size);
		const proof = await getJSON(`/v1/proof/inclusion?index=${s.index}` +
		    `&tree_size=${cp.size}`);
		v = await V.verifyStep(a, s, note, entry, proof, trust.policy);
	} catch (e) {
		v = { ok: false, failed: e.step || V.STEP.FORMAT, steps: [],
		    reason: e.message || String(e) };
		if (e instanceof HttpError)
			v.reason = errorText(e);
	}
	verdicts.set(a.app + '/' + s.index, v);
	return v;
}

function signOut() {
	session = null;
	apps = [];
	verdicts.clear();
	saveSession();
	delete document.body.dataset.apps;
	render();
}

async function signInCode(raw) {
	const code = normaliseCode(raw);
	const msg = $('code-msg');
	msg.textContent = '';
	if (!CODE_RE.test(code)) {
		msg.textContent = t('owner.code.bad');
		$('code').setAttribute('aria-invalid', 'true');
		$('code').focus();
		return;
	}
	try {
		await fetchApps('Owner-Code ' + code);
	} catch (e) {
		msg.textContent = e instanceof HttpError && e.code === 'owner_code_invalid' ?
		    t('owner.code.invalid') : errorText(e);
		$('code').setAttribute('aria-invalid', 'true');
		return;
	}
	$('code').removeAttribute('aria-invalid');
	$('code').value = '';
	const codes = session && session.codes ? session.codes : [];
	session = { codes: [...new Set([...codes, code])] };
	saveSession();
	await refresh();
}

async function signInFace(idn) {
	const msg = $('face-msg');
	msg.textContent = '';
	idn = idn.trim().toUpperCase();
	if (!idNumberOk(idn)) {
		msg.textContent = t('owner.face.bad');
		$('idn').setAttribute('aria-invalid', 'true');
		$('idn').focus();
		return;
	}
	$('idn').removeAttribute('aria-invalid');
	let tok;
	try {
		const r = await fetch('/demo/face-id', { method: 'POST',
		    headers: { 'Content-Type': 'application/json' },
		    body: JSON.stringify({ id_number: idn }) });
		const j = await r.json();
		if (!r.ok) {
			msg.textContent = j.code === 'demo_disabled' ?
			    t('owner.face.disabled') :
			    t('owner.face.failed', { code: j.code });
			return;
		}
		tok = j.token;
	} catch (e) {
		msg.textContent = errorText(e);
		return;
	}
	$('idn').value = '';
	session = { token: tok };
	saveSession();
	await refresh();
}

function init() {
	initLang();
	$('code-form').addEventListener('submit', (e) => {
		e.preventDefault();
		signInCode($('code').value);
	});
	$('face-form').addEventListener('submit', (e) => {
		e.preventDefault();
		signInFace($('idn').value);
	});
	$('refresh').addEventListener('click', () => refresh());
	$('signout').addEventListener('click', () => signOut());
	rerender(render);
	session = loadSession();
	render();
	(session ? refresh() : Promise.resolve()).finally(() => {
		document.body.dataset.ready = '1';
	});
}

init();
