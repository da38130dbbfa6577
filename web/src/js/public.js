/*
 * The public verification page (/): a vehicle's lien status, a pasted or
 * dropped receipt / tlog-proof / status proof / checkpoint, the latest
 * checkpoint, and the keys everything is verified with. Every verdict
 * comes from verify.js in this browser.
 */
import * as V from './verify.js';
import { t, initLang } from './i18n.js';
import { el, $, clear, rerender, getText, getBytes, HttpError, errorText,
	loadTrust, pinKeys, unpinKeys, fetchEntry, provenCheckpointTime,
	noteLatestSize,
	fmtTime, renderVerdict, proofSvg, keyItem, typeName, statusName,
	shortHash } from './common.js';

let trust = null;

async function trustNow() {
	if (!trust)
		trust = await loadTrust();
	return trust;
}

/* ---- VIN (GB 16735 check digit) ---------------------------------------- */

const VIN_W = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];
const VIN_V = Object.fromEntries([...'ABCDEFGH'].map((c, i) => [c, i + 1])
    .concat([...'JKLMN'].map((c, i) => [c, i + 1]), [['P', 7], ['R', 9]],
    [...'STUVWXYZ'].map((c, i) => [c, i + 2]),
    [...'0123456789'].map((c, i) => [c, i])));

export function vinOk(vin) {
	if (!/^[0-9A-HJ-NPR-Z]{17}$/.test(vin))
		return false;
	let s = 0;
	for (let i = 0; i < 17; i++)
		s += VIN_V[vin[i]] * VIN_W[i];
	const c = s % 11;
	return vin[8] === (c === 10 ? 'X' : String(c));
}

async function lookupVin(vin) {
	const out = clear($('vin-result'));
	$('vin-msg').textContent = '';
	if (!vinOk(vin)) {
		$('vin-msg').textContent = t('pub.vin.bad');
		$('vin').setAttribute('aria-invalid', 'true');
		$('vin').focus();
		return;
	}
	$('vin').removeAttribute('aria-invalid');
	out.append(el('p', { text: t('loading') }));
	let proof;
	try {
		/* the binary bundle (docs/lien-status.md section 7); without
		 * this Accept the server answers JSON */
		proof = await getBytes(`/v1/vehicles/${vin}/status-proof`,
		    { Accept: 'application/vnd.lienlog.status-proof' });
	} catch (e) {
		clear(out);
		/* before issue 13 the vehicle route takes the whole rest of the
		 * path as a VIN (400 vin_invalid for a VIN that passed here) */
		if (e instanceof HttpError && ((e.status === 404 &&
		    e.code === 'not_found') || (e.status === 400 &&
		    e.code === 'vin_invalid')))
			out.append(el('p', { class: 'msg', text: t('pub.vin.unavailable') }));
		else
			out.append(el('p', { class: 'msg bad', text: errorText(e) }));
		return;
	}
	const r = await verifyStatusBytes(proof, vin);
	clear(out).append(r);
}

/* ---- receipts, proofs, checkpoints ------------------------------------- */

function detailRow(dl, key, value, attrs = {}) {
	dl.append(el('dt', { text: t(key) }), el('dd', attrs, value));
}

function entryDetails(v) {
	const dl = el('dl', { class: 'details' });
	if (v.index !== undefined)
		detailRow(dl, 'pub.detail.index', String(v.index), { 'data-field': 'index' });
	const e = v.entry;
	if (e) {
		detailRow(dl, 'pub.detail.type', typeName(e.typeName), { 'data-field': 'type' });
		detailRow(dl, 'pub.detail.time', fmtTime(e.timeMs), { 'data-field': 'time' });
		const app = e.json && (e.json.app || null);
		if (app)
			detailRow(dl, 'pub.detail.app', app, { 'data-field': 'app' });
		if (e.json && e.json.status)
			detailRow(dl, 'pub.detail.status', statusName(e.json.status));
		if (e.json && e.json.decision)
			detailRow(dl, 'pub.detail.status', statusName(
			    { approve: 'approved', reject: 'rejected' }[e.json.decision] ||
			    e.json.decision));
	} else if (v.receipt && v.receipt.applicationId) {
		detailRow(dl, 'pub.detail.app', v.receipt.applicationId, { 'data-field': 'app' });
	}
	if (v.leaf)
		detailRow(dl, 'pub.detail.leaf', el('code', { text: V.toHex(v.leaf) }));
	return dl;
}

/* Verify whatever the text is; returns the result element. */
async function verifyAny(text, ctx = {}) {
	const wrap = el('div', { class: 'result' });
	let tr;
	try {
		tr = await trustNow();
	} catch (e) {
		wrap.append(el('p', { class: 'msg bad', text: errorText(e) }));
		return wrap;
	}
	const kind = V.sniff(text);
	let v, extra = {};
	if (kind === 'receipt') {
		let entry = null;
		try {
			const r = V.parseReceipt(text);
			entry = await fetchEntry(r.index, r.treeSize);
		} catch (e) {
			entry = null;
		}
		v = await V.verifyReceipt(text, tr.policy, entry);
		if (v.ok && !entry)
			extra.note = t('verdict.entry_unchecked');
	} else if (kind === 'tlog-proof') {
		v = await V.verifyTlogProof(text, tr.policy);
	} else if (kind === 'checkpoint') {
		v = await V.verifyCheckpoint(text, tr.policy);
	} else {
		wrap.append(el('p', { class: 'msg bad', 'data-verdict': 'unknown',
		    text: t('pub.file.unknown') }));
		return wrap;
	}
	if (v.ok && v.checkpoint)
		extra.time = await provenCheckpointTime(v.checkpoint);
	wrap.dataset.kind = kind;
	wrap.append(renderVerdict(v, extra));
	if (v.ok && v.index !== undefined) {
		wrap.append(entryDetails(v));
		wrap.append(el('figure', { class: 'proof' },
		    proofSvg(v.index, v.checkpoint.size, v.path),
		    el('figcaption', { text: t('pub.svg.title') })));
	}
	return wrap;
}

/* A lien status proof (bytes): verified here, shown as a person reads it. */
async function verifyStatusBytes(bytes, vin) {
	const wrap = el('div', { class: 'result', 'data-kind': 'status-proof' });
	let tr;
	try {
		tr = await trustNow();
	} catch (e) {
		wrap.append(el('p', { class: 'msg bad', text: errorText(e) }));
		return wrap;
	}
	if (!vin) {
		try {
			vin = V.decodeStatusProof(bytes).vin;
		} catch (e) {
			vin = '';
		}
	}
	const v = await V.verifyStatusProof(bytes, vin, tr.policy);
	const extra = {};
	if (v.ok) {
		extra.time = v.status.timeMs;
		wrap.append(statusView(v));
	}
	wrap.append(renderVerdict(v, extra));
	return wrap;
}

function statusView(v) {
	const s = v.status;
	const box = el('div', { class: 'status ' + s.kind, 'data-status': s.kind });
	const r = s.record;
	let head = t('vin.' + s.kind);
	if (r && r.liens.length && r.restrictions.length)
		head = t('vin.lien') + ' · ' + t('vin.restricted');
	box.append(el('p', { class: 'status-head', text: head }),
	    el('p', {}, el('code', { text: s.vin })));
	if (r) {
		const ul = el('ul', { class: 'status-facts' });
		for (const l of r.liens)
			ul.append(el('li', { 'data-fact': 'lien', text: t('vin.lien.item',
			    { r: l.rank, t: fmtTime(l.registered_ms), a: l.app }) }));
		for (const x of r.restrictions)
			ul.append(el('li', { 'data-fact': 'restriction', text:
			    t('vin.restriction.item', { k: t('kind.' + x.kind),
			    t: fmtTime(x.since_ms) }) }));
		for (const l of r.released)
			ul.append(el('li', { 'data-fact': 'released', text:
			    t('vin.released.item', { t1: fmtTime(l.registered_ms),
			    t2: fmtTime(l.released_ms), a: l.app }) }));
		ul.append(el('li', { text: t('vin.recorded', { t: fmtTime(r.recorded_ms) }) }));
		box.append(ul);
	}
	return box;
}

async function verifyFile() {
	const text = $('proof-text').value;
	const out = clear($('file-result'));
	out.append(el('p', { text: t('loading') }));
	const r = await verifyAny(text);
	clear(out).append(r);
}

/* ---- keys and checkpoint -------------------------------------------------- */

function renderKeys() {
	const box = clear($('keys'));
	if (!trust)
		return;
	const p = trust.policy;
	if (trust.mismatch)
		box.append(el('p', { class: 'msg bad', role: 'alert',
		    text: t('pub.keys.mismatch') }));
	box.append(el('p', { class: 'source', 'data-source': trust.source,
	    text: t('pub.keys.source.' + trust.source) }));
	box.append(el('h3', { text: t('pub.keys.log') }),
	    el('ul', { class: 'keys', id: 'log-key' }, keyItem(p.log)));
	box.append(el('h3', { text: t('pub.keys.witnesses', { q: p.quorum }) }));
	box.append(p.witnesses.length ?
	    el('ul', { class: 'keys' }, p.witnesses.map(keyItem)) :
	    el('p', { text: t('pub.keys.none') }));
	box.append(trust.source === 'pinned' ?
	    el('button', { type: 'button', id: 'unpin', text: t('pub.keys.unpin'),
	    onclick: async () => {
		unpinKeys();
		trust = null;
		await trustNow();
		renderKeys();
	    } }) :
	    el('button', { type: 'button', id: 'pin', text: t('pub.keys.pin'),
	    onclick: async () => {
		pinKeys(trust.served);
		trust = null;
		await trustNow();
		renderKeys();
	    } }));
}

let cpState = null;

function renderCheckpoint() {
	const box = clear($('cp'));
	if (!cpState)
		return;
	if (cpState.error) {
		box.append(el('p', { class: 'msg bad', text: cpState.error }));
		return;
	}
	const { v, time } = cpState;
	box.append(renderVerdict(v, { time }));
	if (!v.checkpoint)
		return;
	const dl = el('dl', { class: 'details' });
	detailRow(dl, 'pub.cp.origin', v.checkpoint.origin);
	detailRow(dl, 'pub.cp.size', String(v.checkpoint.size), { 'data-field': 'size' });
	detailRow(dl, 'pub.cp.time', fmtTime(time), { 'data-field': 'time' });
	detailRow(dl, 'pub.cp.cosigned', `${(v.cosigners || []).length} / ${v.nwitnesses || 0}`);
	detailRow(dl, 'pub.cp.root', el('code', { text: v.checkpoint.rootB64 }));
	box.append(dl);
}

async function loadCheckpoint() {
	try {
		const tr = await trustNow();
		const note = await getText('/log/checkpoint');
		const v = await V.verifyCheckpoint(note, tr.policy);
		if (v.ok)
			noteLatestSize(v.checkpoint.size);
		const time = v.ok ? await provenCheckpointTime(v.checkpoint) : null;
		cpState = { v, time };
	} catch (e) {
		cpState = { error: errorText(e) };
	}
	renderCheckpoint();
}

/* ---- wiring ---------------------------------------------------------------- */

function init() {
	initLang();
	$('vin-form').addEventListener('submit', (e) => {
		e.preventDefault();
		lookupVin($('vin').value.trim().toUpperCase());
	});
	$('file-form').addEventListener('submit', (e) => {
		e.preventDefault();
		verifyFile();
	});
	$('proof-file').addEventListener('change', async (e) => {
		const f = e.target.files[0];
		if (!f)
			return;
		const bytes = new Uint8Array(await f.arrayBuffer());
		if (bytes.length > 4 && bytes[0] === 0x4c && bytes[1] === 0x53 &&
		    bytes[2] === 0x50 && bytes[3] === 0x01) {
			clear($('file-result')).append(await verifyStatusBytes(bytes));
			return;
		}
		$('proof-text').value = await f.text();
		verifyFile();
	});
	const drop = $('proof-text');
	drop.addEventListener('dragover', (e) => {
		e.preventDefault();
		drop.classList.add('over');
	});
	drop.addEventListener('dragleave', () => drop.classList.remove('over'));
	drop.addEventListener('drop', async (e) => {
		e.preventDefault();
		drop.classList.remove('over');
		const f = e.dataTransfer.files[0];
		if (f) {
			drop.value = await f.text();
			verifyFile();
		}
	});
	rerender(() => {
		renderKeys();
		renderCheckpoint();
	});
	/* #vin=... links (a fragment never reaches the server) */
	const m = /^#vin=([0-9A-Za-z]{17})$/.exec(location.hash);
	if (m) {
		$('vin').value = m[1].toUpperCase();
		lookupVin(m[1].toUpperCase());
	}
	trustNow().then(renderKeys, (e) => {
		clear($('keys')).append(el('p', { class: 'msg bad', text: errorText(e) }));
	}).finally(() => {
		loadCheckpoint().finally(() => {
			document.body.dataset.ready = '1';
		});
	});
}

init();
