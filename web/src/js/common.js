/*
 * What the three pages share: DOM helpers (no innerHTML with data: every
 * text from the network or a file goes in as a text node), HTTP helpers
 * for this origin, the trust policy (keys served by the log, or pinned by
 * the person), fetching an entry from the public tiles, time formatting,
 * and the rendering of verdicts and of a proof as an SVG path.
 */
import * as V from './verify.js';
import { t, onLangChange } from './i18n.js';

/* ---- DOM ------------------------------------------------------------- */

export function el(tag, attrs = {}, ...kids) {
	const e = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs)) {
		if (v === null || v === undefined || v === false)
			continue;
		if (k === 'class')
			e.className = v;
		else if (k === 'text')
			e.textContent = v;
		else if (k.startsWith('on'))
			e.addEventListener(k.slice(2), v);
		else
			e.setAttribute(k, v === true ? '' : v);
	}
	for (const c of kids.flat())
		if (c !== null && c !== undefined && c !== false)
			e.append(typeof c === 'string' ? document.createTextNode(c) : c);
	return e;
}

const SVGNS = 'http://www.w3.org/2000/svg';

export function svg(tag, attrs = {}, ...kids) {
	const e = document.createElementNS(SVGNS, tag);
	for (const [k, v] of Object.entries(attrs))
		e.setAttribute(k, String(v));
	for (const c of kids)
		e.append(typeof c === 'string' ? document.createTextNode(c) : c);
	return e;
}

export function $(id) {
	return document.getElementById(id);
}

export function clear(e) {
	while (e.firstChild)
		e.firstChild.remove();
	return e;
}

/* Re-render on a language switch. */
export function rerender(fn) {
	onLangChange(fn);
	return fn;
}

/* ---- HTTP ------------------------------------------------------------ */

export class HttpError extends Error {
	constructor(status, code, message) {
		super(message || code || String(status));
		this.status = status;
		this.code = code;
	}
}

async function answer(r) {
	if (r.ok)
		return r;
	let code = null, message = null;
	try {
		const j = await r.json();
		code = j.code;
		message = j.message;
	} catch (e) {
		code = null;
	}
	throw new HttpError(r.status, code, message);
}

export async function getText(path, init = {}) {
	return (await answer(await fetch(path, { cache: 'no-cache', ...init })))
	    .text();
}

export async function getJSON(path, init = {}) {
	return (await answer(await fetch(path, { cache: 'no-cache', ...init })))
	    .json();
}

export async function getBytes(path, headers) {
	const r = await answer(await fetch(path, headers ? { headers } : {}));
	return new Uint8Array(await r.arrayBuffer());
}

export function errorText(e) {
	if (e instanceof HttpError)
		return t('error.http', { status: e.status, code: e.code || '-' });
	return t('error.network', { msg: e && e.message ? e.message : String(e) });
}

/* ---- trust policy ------------------------------------------------------ */

const PIN = 'lienlog.pinned-keys';

export function pinnedKeys() {
	try {
		const j = JSON.parse(localStorage.getItem(PIN) || 'null');
		return j && typeof j.log === 'string' ? j : null;
	} catch (e) {
		return null;
	}
}

export function pinKeys(keys) {
	localStorage.setItem(PIN, JSON.stringify({ log: keys.log,
	    witnesses: keys.witnesses || [], quorum: keys.quorum || 0 }));
}

export function unpinKeys() {
	localStorage.removeItem(PIN);
}

function sameKeys(a, b) {
	return a.log === b.log && a.quorum === b.quorum &&
	    JSON.stringify([...a.witnesses].sort()) ===
	    JSON.stringify([...b.witnesses].sort());
}

/*
 * The policy the pages verify with: the pinned keys when the person pinned
 * some, else the keys this server publishes (GET /v1/keys), marked as not
 * compared. {policy, keys, source: 'pinned'|'served', mismatch, served}.
 */
export async function loadTrust() {
	const served = await getJSON('/v1/keys');
	const pinned = pinnedKeys();
	const keys = pinned || served;
	const policy = await V.makePolicy(keys);
	return { policy, keys, served, source: pinned ? 'pinned' : 'served',
	    mismatch: pinned !== null && !sameKeys(pinned, served) };
}

/* ---- entries from the public tiles -------------------------------------- */

/* The tree size of the newest checkpoint this page fetched: entry
 * bundles are read at that size (an entry's bytes never change with the
 * tree), so a receipt's claimed size is never used to build a URL. */
let latestSize = null;

export function noteLatestSize(n) {
	if (latestSize === null || n > latestSize)
		latestSize = n;
}

/* The envelope at index, from the entry bundle of a tree of size; null
 * when it cannot be had (the caller then verifies the leaf hash only).
 * Its bytes are checked against the proof by the verifier, not here. */
export async function fetchEntry(index, size) {
	index = BigInt(index);
	size = BigInt(size);
	if (latestSize !== null && index < latestSize)
		size = latestSize;
	if (index >= size)
		return null;
	try {
		const b = await getBytes('/log/' + V.entryBundlePath(index, size));
		const es = V.splitBundle(b);
		return es[Number(BigInt(index) % 256n)] || null;
	} catch (e) {
		return null;
	}
}

/*
 * Prove the time of a checkpoint: the time of its last entry, read from
 * the tiles and proven included under the checkpoint's root (the entry
 * and the proof come from the server, the check is ours). null if it
 * cannot be proven.
 */
export async function provenCheckpointTime(cp) {
	if (cp.size === 0n)
		return null;
	const i = cp.size - 1n;
	const entry = await fetchEntry(i, cp.size);
	if (!entry)
		return null;
	try {
		const p = await getJSON(`/v1/proof/inclusion?index=${i}&tree_size=${cp.size}`);
		const proof = p.proof.map((h) => V.b64decode(h));
		const leaf = await V.leafHash(entry);
		if (!(await V.verifyInclusion(leaf, i, cp.size, proof, cp.root)))
			return null;
		return V.decodeEntry(entry).timeMs;
	} catch (e) {
		return null;
	}
}

/* ---- formatting --------------------------------------------------------- */

export function fmtTime(ms) {
	if (ms === null || ms === undefined)
		return t('time.unknown');
	const d = new Date(Number(ms));
	const p = (n) => String(n).padStart(2, '0');
	return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ` +
	    `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export function shortHash(u8) {
	return V.toHex(u8).slice(0, 12) + '…';
}

export function typeName(name) {
	const w = t('type.' + name);
	return w === 'type.' + name ? name : w;
}

export function statusName(s) {
	const w = t('status.' + s);
	return w === 'status.' + s ? s : w;
}

/* ---- verdicts ------------------------------------------------------------ */

export function stepName(step) {
	return t('step.' + step);
}

/* The headline and step list of a verdict. */
export function renderVerdict(v, extra = {}) {
	const ok = v.ok;
	const box = el('div', { class: 'verdict ' + (ok ? 'ok' : 'bad'),
	    role: 'status', 'data-verdict': ok ? 'ok' : 'bad',
	    'data-failed': v.failed || '' });
	box.append(el('p', { class: 'verdict-head' },
	    el('span', { class: 'mark', 'aria-hidden': 'true', text: ok ? '✓' : '✗' }),
	    ' ', ok ? t('verdict.ok') : t('verdict.bad')));
	if (!ok)
		box.append(el('p', { class: 'why', text: t('verdict.failed_at', {
		    step: stepName(v.failed), why: t('fail.' + v.failed) }) }),
		    el('p', { class: 'tech', text: v.reason || '' }));
	if (ok && v.checkpoint)
		box.append(el('p', { text: t('verdict.proven', {
		    origin: v.checkpoint.origin, size: v.checkpoint.size,
		    time: extra.time !== undefined ? fmtTime(extra.time) :
		    t('time.unknown'), k: (v.cosigners || []).length,
		    n: v.nwitnesses || 0 }) }));
	if (extra.note)
		box.append(el('p', { class: 'note', text: extra.note }));
	const ol = el('ol', { class: 'steps' });
	for (const s of v.steps)
		ol.append(el('li', { class: s.ok ? 'ok' : 'bad', 'data-step': s.step },
		    el('span', { class: 'mark', 'aria-hidden': 'true', text: s.ok ? '✓' : '✗' }),
		    ' ', stepName(s.step), el('span', { class: 'tech', text: ' — ' + s.detail })));
	box.append(ol);
	return box;
}

/*
 * The inclusion proof as a path in the tree: the entry at the bottom, one
 * row per proof hash with the sibling drawn on its side, the root on top.
 */
export function proofSvg(index, size, path) {
	const rows = path.length + 2;
	const W = 420, H = rows * 56 + 10, cx = W / 2;
	const s = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'proof-svg',
	    role: 'img', 'aria-labelledby': 'proof-svg-title' });
	s.append(svg('title', { id: 'proof-svg-title' }, t('pub.svg.title')));
	const y = (r) => H - 36 - r * 56;
	const box = (x, yy, label, cls) => {
		s.append(svg('rect', { x: x - 60, y: yy - 16, width: 120, height: 32,
		    rx: 6, class: cls }));
		s.append(svg('text', { x, y: yy + 5, 'text-anchor': 'middle',
		    class: 'svg-label' }, label));
	};
	for (let r = 0; r <= path.length; r++)
		s.append(svg('line', { x1: cx, y1: y(r), x2: cx, y2: y(r + 1),
		    class: 'svg-edge' }));
	path.forEach((p, r) => {
		const sx = p.side === 'left' ? cx - 140 : cx + 140;
		s.append(svg('line', { x1: sx, y1: y(r) , x2: cx, y2: y(r + 1),
		    class: 'svg-edge sib' }));
		box(sx, y(r) , V.toHex(p.hash).slice(0, 8), 'svg-sib');
	});
	box(cx, y(0), t('pub.svg.leaf', { i: index }), 'svg-leaf');
	for (let r = 1; r <= path.length; r++)
		s.append(svg('circle', { cx, cy: y(r), r: 5, class: 'svg-node' }));
	box(cx, y(path.length + 1), t('pub.svg.root', { n: size }), 'svg-root');
	return s;
}

/* Key display: name, key ID, the whole key text. */
export function keyItem(k) {
	return el('li', { class: 'key' },
	    el('span', { class: 'key-name', text: k.name }), ' ',
	    el('span', { class: 'key-id' }, t('pub.keys.keyid') + ' ',
	        el('code', { 'data-keyid': k.idHex, text: k.idHex })),
	    el('code', { class: 'key-text', text: k.text }));
}
