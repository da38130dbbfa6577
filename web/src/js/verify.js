/*
 * lienlog's verifier for the browser (and node): bytes in, verdict out.
 *
 * Everything the pages show as "verified" is decided here, from bytes the
 * page holds and keys the person chose to trust, never from the server's
 * word: C2SP signed notes and checkpoints (Ed25519, type 0x01), C2SP
 * tlog-cosignature/v1 witness lines (type 0x04), RFC 9162 inclusion and
 * consistency proofs (SHA-256 through WebCrypto), lienlog receipts
 * (docs/api-registration.md "Receipt"), C2SP tlog-proof files
 * (tlog/verifier.c) and lienlog entry envelopes (docs/entry-format.md).
 *
 * The rules are the C code's, so the page and `lienlog verify` agree on
 * every input (tests: web/test/*.test.mjs against tests/vectors/, and
 * tests/integration/test_web.py against the CLI):
 *   - base64 is canonical standard base64 (padded, zero pad bits);
 *   - Ed25519 follows libsodium 1.0.18 (docs/ed25519.md): S < L, A and R
 *     not small order, A canonical, the cofactorless equation compared
 *     byte for byte. WebCrypto's Ed25519 (BoringSSL / OpenSSL) computes
 *     the same cofactorless equation; the small-order and canonical checks
 *     are done here first, because OpenSSL accepts some of those. Where
 *     the browser has no Ed25519 in WebCrypto, the vendored
 *     @noble/ed25519 point arithmetic computes the same equation;
 *   - configured keys (the log's, the witnesses') must also be in the
 *     prime-order subgroup (ed25519_pk_check).
 *
 * Verdicts are objects {ok, failed, steps, ...}: each step has a stable id
 * (STEP_*), ok, and an English detail; the page words them for people.
 * Nothing here touches the DOM or the network: a caller that wants the
 * entry bytes of a receipt fetches them and passes them in.
 */
import { Point } from './vendor/noble-ed25519.js';

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

export const NOTE_MAX = 65536;
export const NOTE_TEXT_MAX = 16384;
export const NOTE_SIGS_MAX = 64;
export const NOTE_NAME_MAX = 255;
export const MERKLE_PROOF_MAX = 64;
export const ENTRY_MAX = 65535;
export const ENTRY_HEADER_LEN = 51;
export const TLOG_PROOF_HEADER = 'c2sp.org/tlog-proof@v1';
const U64_MAX = (1n << 64n) - 1n;

/* Step ids of verdicts (stable: the pages translate them). */
export const STEP = Object.freeze({
	FORMAT: 'format',		/* the input is not what it claims */
	LOG_KEY: 'log_key',		/* the log's key itself is unusable */
	ORIGIN: 'origin',		/* checkpoint of another log */
	LOG_SIGNATURE: 'log_signature',	/* no valid signature by the log key */
	WITNESSES: 'witnesses',		/* fewer valid cosignatures than the quorum */
	TREE_SIZE: 'tree_size',		/* proof's size differs from the checkpoint's */
	INCLUSION: 'inclusion',		/* the proof does not reach the root */
	CONSISTENCY: 'consistency',	/* the trees are not one history */
	ENTRY_HASH: 'entry_hash',	/* the entry bytes do not hash to the leaf */
	ENTRY_INDEX: 'entry_index',	/* the envelope names another position */
	APPLICATION: 'application',	/* the entry is not this application's step */
	VEHICLE: 'vehicle',		/* a status proof for another VIN */
	STATE_ROOT: 'state_root',	/* not the state root of the checkpoint's tree */
	MAP_PROOF: 'map_proof',		/* the map proof does not reach the map root */
	RECORD: 'record',		/* the status record is not the proven value */
});

export class VerifyError extends Error {
	constructor(step, message) {
		super(message);
		this.step = step;
	}
}

function fail(step, message) {
	throw new VerifyError(step, message);
}

/* ---- bytes ---------------------------------------------------------- */

export function utf8(s) {
	return enc.encode(s);
}

export function concat(...parts) {
	let n = 0;
	for (const p of parts)
		n += p.length;
	const out = new Uint8Array(n);
	let at = 0;
	for (const p of parts) {
		out.set(p, at);
		at += p.length;
	}
	return out;
}

export function equal(a, b) {
	if (a.length !== b.length)
		return false;
	let d = 0;
	for (let i = 0; i < a.length; i++)
		d |= a[i] ^ b[i];
	return d === 0;
}

export function toHex(u8) {
	let s = '';
	for (const b of u8)
		s += b.toString(16).padStart(2, '0');
	return s;
}

export function fromHex(s) {
	if (typeof s !== 'string' || s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s))
		throw new VerifyError(STEP.FORMAT, 'not hex');
	const out = new Uint8Array(s.length / 2);
	for (let i = 0; i < out.length; i++)
		out[i] = parseInt(s.substr(2 * i, 2), 16);
	return out;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INV = new Int16Array(256).fill(-1);
for (let i = 0; i < 64; i++)
	B64_INV[B64.charCodeAt(i)] = i;

export function b64encode(u8) {
	let s = '';
	let i = 0;
	for (; i + 2 < u8.length; i += 3) {
		const v = (u8[i] << 16) | (u8[i + 1] << 8) | u8[i + 2];
		s += B64[v >> 18] + B64[(v >> 12) & 63] + B64[(v >> 6) & 63] +
		    B64[v & 63];
	}
	if (i + 1 === u8.length) {
		const v = u8[i] << 16;
		s += B64[v >> 18] + B64[(v >> 12) & 63] + '==';
	} else if (i + 2 === u8.length) {
		const v = (u8[i] << 16) | (u8[i + 1] << 8);
		s += B64[v >> 18] + B64[(v >> 12) & 63] + B64[(v >> 6) & 63] + '=';
	}
	return s;
}

/* Canonical standard base64 (RFC 4648 section 4: padded, no whitespace,
 * zero pad bits), as common/b64.c accepts. Throws on anything else. */
export function b64decode(s) {
	if (typeof s !== 'string' || s.length % 4 !== 0)
		fail(STEP.FORMAT, 'not canonical base64');
	let pad = 0;
	if (s.endsWith('=='))
		pad = 2;
	else if (s.endsWith('='))
		pad = 1;
	const out = new Uint8Array(s.length / 4 * 3 - pad);
	let o = 0;
	for (let i = 0; i < s.length; i += 4) {
		const last = i + 4 === s.length;
		const v = [];
		for (let k = 0; k < 4; k++) {
			const c = s.charCodeAt(i + k);
			if (last && k >= 4 - pad) {
				if (c !== 61)
					fail(STEP.FORMAT, 'not canonical base64');
				v.push(0);
				continue;
			}
			const d = c < 256 ? B64_INV[c] : -1;
			if (d < 0)
				fail(STEP.FORMAT, 'not canonical base64');
			v.push(d);
		}
		const n = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
		const three = [n >> 16, (n >> 8) & 255, n & 255];
		const count = last ? 3 - pad : 3;
		for (let k = 0; k < count; k++)
			out[o++] = three[k];
		if (last && pad === 2 && (v[1] & 15) !== 0)
			fail(STEP.FORMAT, 'not canonical base64 (pad bits)');
		if (last && pad === 1 && (v[2] & 3) !== 0)
			fail(STEP.FORMAT, 'not canonical base64 (pad bits)');
	}
	return out;
}

export function b64urlDecode(s) {
	if (typeof s !== 'string' || /[=+/]/.test(s))
		fail(STEP.FORMAT, 'not base64url');
	let t = s.replace(/-/g, '+').replace(/_/g, '/');
	while (t.length % 4 !== 0)
		t += '=';
	return b64decode(t);
}

export function b64urlEncode(u8) {
	return b64encode(u8).replace(/\+/g, '-').replace(/\//g, '_')
	    .replace(/=+$/, '');
}

function be64(u8, at) {
	let v = 0n;
	for (let i = 0; i < 8; i++)
		v = (v << 8n) | BigInt(u8[at + i]);
	return v;
}

/* ---- hashes ----------------------------------------------------------- */

function subtle() {
	const c = globalThis.crypto;
	if (!c || !c.subtle)
		throw new Error('WebCrypto is not available (the page needs a ' +
		    'secure context: HTTPS, or HTTP on 127.0.0.1)');
	return c.subtle;
}

export async function sha256(u8) {
	return new Uint8Array(await subtle().digest('SHA-256', u8));
}

export async function sha512(u8) {
	return new Uint8Array(await subtle().digest('SHA-512', u8));
}

/* RFC 6962 2.1 */
export async function leafHash(entry) {
	return sha256(concat(Uint8Array.of(0), entry));
}

export async function nodeHash(l, r) {
	return sha256(concat(Uint8Array.of(1), l, r));
}

/* ---- Ed25519 (docs/ed25519.md) ----------------------------------------- */

const L = (1n << 252n) + 27742317777372353535851937790883648493n;

/* libsodium's ge25519_has_small_order blocklist (sign bit ignored). */
const SMALL_ORDER = [
	'0000000000000000000000000000000000000000000000000000000000000000',
	'0100000000000000000000000000000000000000000000000000000000000000',
	'26e8958fc2b227b045c3f489f2ef98f0d5df ac05d3c63339b13802886d53fc05',
	'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
	'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
	'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
	'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
].map((h) => fromHex(h.replace(/ /g, '')));

function hasSmallOrder(p) {
	for (const bad of SMALL_ORDER) {
		let d = 0;
		for (let i = 0; i < 31; i++)
			d |= p[i] ^ bad[i];
		d |= (p[31] & 0x7f) ^ bad[31];
		if (d === 0)
			return true;
	}
	return false;
}

/* y < p (libsodium ge25519_is_canonical) */
function isCanonicalPoint(p) {
	if ((p[31] & 0x7f) !== 0x7f)
		return true;
	for (let i = 30; i >= 1; i--)
		if (p[i] !== 0xff)
			return true;
	return p[0] < 0xed;
}

function leScalar(u8) {
	let v = 0n;
	for (let i = u8.length - 1; i >= 0; i--)
		v = (v << 8n) | BigInt(u8[i]);
	return v;
}

let webcryptoEd25519 = null;	/* null: not probed yet */

async function hasWebCryptoEd25519() {
	if (webcryptoEd25519 !== null)
		return webcryptoEd25519;
	try {
		/* RFC 8032 TEST 1 public key */
		await subtle().importKey('raw', fromHex(
		    'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a'),
		    { name: 'Ed25519' }, false, ['verify']);
		webcryptoEd25519 = true;
	} catch (e) {
		webcryptoEd25519 = false;
	}
	return webcryptoEd25519;
}

/* Which implementation verifies signatures: 'webcrypto' or 'noble'. */
export async function ed25519Backend() {
	return (await hasWebCryptoEd25519()) ? 'webcrypto' : 'noble';
}

/* Cofactorless check with the vendored point arithmetic:
 * encode([S]B - [h]A) == R byte for byte (libsodium 1.0.18). */
async function nobleVerify(pk, sig, msg) {
	let A;
	try {
		A = Point.fromBytes(pk, false);
	} catch (e) {
		return false;
	}
	const h = leScalar(await sha512(concat(sig.subarray(0, 32), pk, msg))) % L;
	const S = leScalar(sig.subarray(32));
	const SB = S === 0n ? Point.ZERO : Point.BASE.multiply(S, false);
	const hA = h === 0n ? Point.ZERO : A.multiply(h, false);
	return equal(SB.subtract(hA).toBytes(), sig.subarray(0, 32));
}

/* Verify one Ed25519 signature with libsodium 1.0.18's acceptance rules.
 * opts.backend: 'webcrypto' | 'noble' to force one (tests). */
export async function ed25519Verify(pk, sig, msg, opts = {}) {
	if (pk.length !== 32 || sig.length !== 64)
		return false;
	if (leScalar(sig.subarray(32)) >= L)
		return false;
	if (hasSmallOrder(sig.subarray(0, 32)))
		return false;
	if (!isCanonicalPoint(pk) || hasSmallOrder(pk))
		return false;
	const backend = opts.backend || await ed25519Backend();
	if (backend === 'noble')
		return nobleVerify(pk, sig, msg);
	let key;
	try {
		key = await subtle().importKey('raw', pk, { name: 'Ed25519' },
		    false, ['verify']);
	} catch (e) {
		return false;	/* not a point */
	}
	return subtle().verify({ name: 'Ed25519' }, key, sig, msg);
}

/* ed25519_pk_check: a configured key must be a canonical point of the
 * prime-order subgroup, not of small order. */
export function ed25519KeyOk(pk) {
	if (pk.length !== 32 || !isCanonicalPoint(pk) || hasSmallOrder(pk))
		return false;
	try {
		const A = Point.fromBytes(pk, false);
		return A.isTorsionFree() && !A.isSmallOrder();
	} catch (e) {
		return false;
	}
}

/* ---- signed-note keys (docs/signed-note.md) ---------------------------- */

export const KEY_ED25519 = 0x01;
export const KEY_COSIGNATURE = 0x04;

/* Go's unicode.IsSpace set and the control characters. */
function badNameChar(cp) {
	return cp <= 0x20 || cp === 0x7f || (cp >= 0x80 && cp <= 0x9f) ||
	    cp === 0x85 || cp === 0xa0 || cp === 0x1680 ||
	    (cp >= 0x2000 && cp <= 0x200a) || cp === 0x2028 ||
	    cp === 0x2029 || cp === 0x202f || cp === 0x205f ||
	    cp === 0x3000 || cp === 0x2b;	/* '+' */
}

export function keyNameOk(name) {
	if (typeof name !== 'string' || name.length === 0 ||
	    utf8(name).length > NOTE_NAME_MAX)
		return false;
	for (const ch of name)
		if (badNameChar(ch.codePointAt(0)))
			return false;
	return true;
}

/* key ID = first 4 bytes, big-endian, of SHA-256(name || 0x0A || type || pk) */
export async function keyId(name, type, pk) {
	const h = await sha256(concat(utf8(name), Uint8Array.of(0x0a, type), pk));
	return ((h[0] << 24) | (h[1] << 16) | (h[2] << 8) | h[3]) >>> 0;
}

export function keyIdHex(id) {
	return id.toString(16).padStart(8, '0');
}

/* Parse a verifier key "<name>+<hex8>+<base64(type || pk)>" (one optional
 * trailing newline). Types 0x01 (log) and 0x04 (witness). Throws
 * VerifyError(LOG_KEY) with the reason. */
export async function parseVerifierKey(text) {
	if (typeof text !== 'string')
		fail(STEP.LOG_KEY, 'a verifier key is text');
	const t = text.endsWith('\n') ? text.slice(0, -1) : text;
	const m = /^(.+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(t);
	if (!m || !keyNameOk(m[1]))
		fail(STEP.LOG_KEY, 'not a verifier key <name>+<8 hex>+<base64>');
	let raw;
	try {
		raw = b64decode(m[3]);
	} catch (e) {
		fail(STEP.LOG_KEY, 'the key is not canonical base64');
	}
	if (raw.length !== 33 || (raw[0] !== KEY_ED25519 &&
	    raw[0] !== KEY_COSIGNATURE))
		fail(STEP.LOG_KEY, 'unsupported key type (need Ed25519 0x01 or ' +
		    'cosignature 0x04)');
	const pk = raw.slice(1);
	const id = await keyId(m[1], raw[0], pk);
	if (keyIdHex(id) !== m[2])
		fail(STEP.LOG_KEY, 'the key ID does not match the name and key');
	if (!ed25519KeyOk(pk))
		fail(STEP.LOG_KEY, 'not a valid Ed25519 public key');
	return { name: m[1], id, idHex: m[2], type: raw[0], pk, text: t };
}

/* ---- signed notes --------------------------------------------------------- */

const EM_DASH_SP = '\u2014 ';

/* Parse a signed note (string or bytes). Returns {text (string, with its
 * final newline), textBytes, sigs: [{name, id, raw}]} where raw is the
 * decoded signature after the 4-byte key ID. Throws VerifyError(FORMAT). */
export function parseNote(note) {
	let bytes = note;
	if (typeof note === 'string')
		bytes = utf8(note);
	if (!(bytes instanceof Uint8Array))
		fail(STEP.FORMAT, 'a note is text');
	if (bytes.length > NOTE_MAX)
		fail(STEP.FORMAT, 'the signed note is larger than 64 KiB');
	let s;
	try {
		s = dec.decode(bytes);
	} catch (e) {
		fail(STEP.FORMAT, 'the signed note is not UTF-8');
	}
	for (const ch of s) {
		const cp = ch.codePointAt(0);
		if ((cp < 0x20 && cp !== 0x0a) || (cp >= 0x80 && cp <= 0x9f))
			fail(STEP.FORMAT, 'the signed note holds a control character');
	}
	const split = s.lastIndexOf('\n\n');
	if (split < 0)
		fail(STEP.FORMAT, 'no signature block (blank line) in the note');
	const text = s.slice(0, split + 1);
	const textBytes = utf8(text);
	if (textBytes.length > NOTE_TEXT_MAX)
		fail(STEP.FORMAT, 'the note text is larger than 16 KiB');
	const block = s.slice(split + 2);
	if (block.length === 0 || !block.endsWith('\n'))
		fail(STEP.FORMAT, 'the signature lines must end in a newline');
	const lines = block.slice(0, -1).split('\n');
	if (lines.length > NOTE_SIGS_MAX)
		fail(STEP.FORMAT, 'more than 64 signature lines');
	const sigs = [];
	for (const line of lines) {
		if (!line.startsWith(EM_DASH_SP))
			fail(STEP.FORMAT, 'a signature line must start with an em dash');
		const rest = line.slice(EM_DASH_SP.length);
		const sp = rest.indexOf(' ');
		if (sp <= 0 || rest.indexOf(' ', sp + 1) >= 0)
			fail(STEP.FORMAT, 'a signature line is "— <name> <base64>"');
		const name = rest.slice(0, sp);
		if (!keyNameOk(name))
			fail(STEP.FORMAT, 'bad key name in a signature line');
		const sig = b64decode(rest.slice(sp + 1));
		if (sig.length < 5)
			fail(STEP.FORMAT, 'a signature is shorter than 5 bytes');
		const id = ((sig[0] << 24) | (sig[1] << 16) | (sig[2] << 8) |
		    sig[3]) >>> 0;
		sigs.push({ name, id, raw: sig.slice(4) });
	}
	return { text, textBytes, sigs };
}

/* Does the note carry a valid Ed25519 (0x01) signature by key? Every line
 * with the key's name and ID must verify (one bad line fails), and there
 * must be at least one: note_verify's rule. */
export async function noteSignedBy(parsed, key, opts = {}) {
	let good = 0;
	for (const s of parsed.sigs) {
		if (s.name !== key.name || s.id !== key.id)
			continue;
		if (s.raw.length !== 64 ||
		    !(await ed25519Verify(key.pk, s.raw, parsed.textBytes, opts)))
			return false;
		good++;
	}
	return good > 0;
}

/* C2SP tlog-cosignature/v1: the signed message is
 * "cosignature/v1\ntime <t>\n" || text; the line holds
 * key ID || u64 timestamp || signature. Every line of the witness must
 * verify. Returns {ok, time} (time of the first line, BigInt). */
export async function cosignedBy(parsed, key, opts = {}) {
	let good = 0, time = null;
	for (const s of parsed.sigs) {
		if (s.name !== key.name || s.id !== key.id)
			continue;
		if (s.raw.length !== 72)
			return { ok: false, time: null };
		const t = be64(s.raw, 0);
		const msg = concat(utf8('cosignature/v1\ntime ' + t.toString() +
		    '\n'), parsed.textBytes);
		if (!(await ed25519Verify(key.pk, s.raw.subarray(8), msg, opts)))
			return { ok: false, time: null };
		if (time === null)
			time = t;
		good++;
	}
	return { ok: good > 0, time };
}

/* ---- checkpoints (C2SP tlog-checkpoint, tlog/checkpoint.c) ------------- */

export function parseCheckpoint(text) {
	if (!text.endsWith('\n'))
		fail(STEP.FORMAT, 'a checkpoint ends in a newline');
	const lines = text.slice(0, -1).split('\n');
	if (lines.length < 3 || lines.length > 3 + 16)
		fail(STEP.FORMAT, 'a checkpoint has origin, size, root and at most ' +
		    '16 extension lines');
	const [origin, size, root] = lines;
	if (origin.length === 0 || /[\u0000-\u001f\u007f]/.test(origin))
		fail(STEP.FORMAT, 'bad checkpoint origin');
	if (!/^(0|[1-9][0-9]{0,19})$/.test(size) || BigInt(size) > U64_MAX)
		fail(STEP.FORMAT, 'bad checkpoint tree size');
	const r = b64decode(root);
	if (r.length !== 32)
		fail(STEP.FORMAT, 'the checkpoint root is not 32 bytes');
	const ext = lines.slice(3);
	for (const e of ext)
		if (e.length === 0)
			fail(STEP.FORMAT, 'empty checkpoint extension line');
	return { origin, size: BigInt(size), root: r, rootB64: root, ext };
}

/*
 * Verify a signed checkpoint under a policy
 *   {log: parsed log key, witnesses: [parsed 0x04 keys], quorum: k}
 * Returns {ok, failed, steps, checkpoint, cosigners: [{name, idHex, time}],
 * quorum, nwitnesses}.
 */
export async function verifyCheckpoint(note, policy, opts = {}) {
	const v = newVerdict();
	try {
		await checkpointSteps(v, note, policy, opts);
		v.ok = true;
	} catch (e) {
		failVerdict(v, e);
	}
	return v;
}

function newVerdict() {
	return { ok: false, failed: null, reason: null, steps: [] };
}

function pass(v, step, detail) {
	v.steps.push({ step, ok: true, detail });
}

function failVerdict(v, e) {
	if (!(e instanceof VerifyError))
		e = new VerifyError(STEP.FORMAT, String(e && e.message || e));
	v.ok = false;
	v.failed = e.step;
	v.reason = e.message;
	v.steps.push({ step: e.step, ok: false, detail: e.message });
}

async function checkpointSteps(v, note, policy, opts) {
	if (!policy || !policy.log)
		fail(STEP.LOG_KEY, 'no log key to verify against');
	await parsedCheckpointSteps(v, parseNote(note), policy, opts);
}

/* The steps after the note is split: {text, textBytes, sigs}. */
async function parsedCheckpointSteps(v, parsed, policy, opts) {
	const cp = parseCheckpoint(parsed.text);
	v.checkpoint = cp;
	pass(v, STEP.FORMAT, 'well-formed signed checkpoint');
	if (cp.origin !== policy.log.name)
		fail(STEP.ORIGIN, `checkpoint origin '${cp.origin.slice(0, 80)}' ` +
		    `is not the key name '${policy.log.name}'`);
	pass(v, STEP.ORIGIN, 'origin is the log key name');
	if (!(await noteSignedBy(parsed, policy.log, opts)))
		fail(STEP.LOG_SIGNATURE, `no valid signature by key ` +
		    `${policy.log.name}+${policy.log.idHex}`);
	pass(v, STEP.LOG_SIGNATURE, 'signed by the log key');
	const ws = policy.witnesses || [];
	const quorum = policy.quorum === undefined ? ws.length : policy.quorum;
	v.cosigners = [];
	for (const w of ws) {
		const r = await cosignedBy(parsed, w, opts);
		if (r.ok)
			v.cosigners.push({ name: w.name, idHex: w.idHex, time: r.time });
	}
	v.quorum = quorum;
	v.nwitnesses = ws.length;
	if (v.cosigners.length < quorum)
		fail(STEP.WITNESSES, `${v.cosigners.length} of ${ws.length} ` +
		    `witnesses cosigned; ${quorum} required`);
	pass(v, STEP.WITNESSES, `${v.cosigners.length} of ${ws.length} ` +
	    `witnesses cosigned (quorum ${quorum})`);
}

/* ---- Merkle proofs (RFC 9162 2.1.3.2, 2.1.4.2; tlog/merkle.c) ---------- */

function toBig(n) {
	return typeof n === 'bigint' ? n : BigInt(n);
}

/* Root that an inclusion proof leads to, or null when the proof has the
 * wrong length for (index, size). */
export async function inclusionRoot(leaf, index, size, proof) {
	index = toBig(index);
	size = toBig(size);
	if (index >= size || proof.length > MERKLE_PROOF_MAX)
		return null;
	let fn = index, sn = size - 1n, r = leaf;
	for (const p of proof) {
		if (sn === 0n)
			return null;
		if ((fn & 1n) === 1n || fn === sn) {
			r = await nodeHash(p, r);
			if ((fn & 1n) === 0n)
				while ((fn & 1n) === 0n && fn !== 0n) {
					fn >>= 1n;
					sn >>= 1n;
				}
		} else {
			r = await nodeHash(r, p);
		}
		fn >>= 1n;
		sn >>= 1n;
	}
	return sn === 0n ? r : null;
}

export async function verifyInclusion(leaf, index, size, proof, root) {
	const r = await inclusionRoot(leaf, index, size, proof);
	return r !== null && equal(r, root);
}

/* The path of an inclusion proof, for drawing: one record per proof
 * element, bottom up: {level, side: 'left'|'right' (where the sibling
 * is), hash}. */
export function inclusionPath(index, size, proof) {
	index = toBig(index);
	size = toBig(size);
	const out = [];
	let fn = index, sn = size - 1n, level = 0;
	for (const p of proof) {
		if ((fn & 1n) === 1n || fn === sn) {
			out.push({ level, side: 'left', hash: p });
			if ((fn & 1n) === 0n)
				while ((fn & 1n) === 0n && fn !== 0n) {
					fn >>= 1n;
					sn >>= 1n;
					level++;
				}
		} else {
			out.push({ level, side: 'right', hash: p });
		}
		fn >>= 1n;
		sn >>= 1n;
		level++;
	}
	return out;
}

export async function verifyConsistency(m, n, proof, oldRoot, newRoot) {
	m = toBig(m);
	n = toBig(n);
	if (m > n || proof.length > MERKLE_PROOF_MAX)
		return false;
	if (m === n)
		return proof.length === 0 && equal(oldRoot, newRoot);
	if (m === 0n)
		return proof.length === 0;
	if (proof.length === 0)
		return false;
	let c = proof;
	if ((m & (m - 1n)) === 0n)
		c = [oldRoot, ...proof];
	let fn = m - 1n, sn = n - 1n;
	while ((fn & 1n) === 1n) {
		fn >>= 1n;
		sn >>= 1n;
	}
	let fr = c[0], sr = c[0];
	for (const p of c.slice(1)) {
		if (sn === 0n)
			return false;
		if ((fn & 1n) === 1n || fn === sn) {
			fr = await nodeHash(p, fr);
			sr = await nodeHash(p, sr);
			if ((fn & 1n) === 0n)
				while ((fn & 1n) === 0n && fn !== 0n) {
					fn >>= 1n;
					sn >>= 1n;
				}
		} else {
			sr = await nodeHash(sr, p);
		}
		fn >>= 1n;
		sn >>= 1n;
	}
	return sn === 0n && equal(fr, oldRoot) && equal(sr, newRoot);
}

/* ---- entry envelopes (docs/entry-format.md) ------------------------------ */

const ENTRY_TYPES = {
	0: 'opaque', 1: 'demo', 2: 'prev_log', 3: 'state_root',
	16: 'institution_file', 17: 'institution_status', 18: 'party_file',
	19: 'party_status', 20: 'vehicle_record', 21: 'mortgage_application',
	22: 'release_application', 23: 'decision', 24: 'restriction',
	25: 'state_handover', 28: 'erasure', 30: 'delivery_event',
};

export function entryTypeName(t) {
	return ENTRY_TYPES[t] || `type ${t}`;
}

/* entry_decode's rules. Returns {index, timeMs, type, typeName, prev,
 * payload, json (parsed payload or null)}. */
export function decodeEntry(bytes) {
	if (bytes.length > ENTRY_MAX)
		fail(STEP.FORMAT, 'an entry is at most 65535 bytes');
	if (bytes.length === 0)
		fail(STEP.FORMAT, 'empty entry');
	if (bytes[0] !== 1)
		fail(STEP.FORMAT, `unsupported envelope version ${bytes[0]}`);
	if (bytes.length < ENTRY_HEADER_LEN)
		fail(STEP.FORMAT, 'entry shorter than its 51-byte header');
	const index = be64(bytes, 1);
	const timeMs = be64(bytes, 9);
	const type = (bytes[17] << 8) | bytes[18];
	const prev = bytes.slice(19, 51);
	if (index === 0n && prev.some((b) => b !== 0))
		fail(STEP.FORMAT, 'entry 0 must have a zero prev hash');
	const payload = bytes.slice(51);
	let json = null;
	if (type >= 16 || type === 3) {
		try {
			json = JSON.parse(dec.decode(payload));
		} catch (e) {
			json = null;
		}
	}
	return { index, timeMs, type, typeName: entryTypeName(type), prev,
	    payload, json };
}

/* Entries of a C2SP entry bundle: u16 big-endian length + envelope. */
export function splitBundle(bytes) {
	const out = [];
	let at = 0;
	while (at < bytes.length) {
		if (bytes.length - at < 2)
			fail(STEP.FORMAT, 'truncated entry bundle');
		const n = (bytes[at] << 8) | bytes[at + 1];
		at += 2;
		if (n > bytes.length - at)
			fail(STEP.FORMAT, 'truncated entry bundle');
		out.push(bytes.slice(at, at + n));
		at += n;
	}
	return out;
}

/* C2SP tlog-tiles path of the entry bundle holding index, for a tree of
 * size: "tile/entries/x001/234[.p/W]". */
export function entryBundlePath(index, size) {
	index = toBig(index);
	size = toBig(size);
	const n = index / 256n;
	let w = size - n * 256n;
	if (w > 256n)
		w = 256n;
	let digits = n.toString().padStart(3, '0');
	while (digits.length % 3 !== 0)
		digits = '0' + digits;
	const groups = digits.match(/.{3}/g);
	const path = groups.map((g, i) => i < groups.length - 1 ? 'x' + g : g)
	    .join('/');
	return 'tile/entries/' + path + (w < 256n ? `.p/${w}` : '');
}

/* ---- JSON with exact integers -------------------------------------------- */

/*
 * JSON (RFC 8259) as JSON.parse reads it, except that every number
 * without a fraction or an exponent becomes a BigInt: JSON.parse rounds
 * integers above 2^53, and indexes, tree sizes and times are u64 in the
 * C and Python verifiers. Other numbers stay Numbers. Stricter than
 * JSON.parse: a member name twice is refused (the C readers refuse it),
 * nesting is at most 32 deep. Objects are plain (a "__proto__" member is
 * an ordinary one). Throws VerifyError(FORMAT) naming what.
 */
export function parseJSONExact(text, what = 'JSON') {
	const re = {
		ws: /[ \t\n\r]*/y,
		str: /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y,
		num: /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y,
		lit: /true|false|null/y,
	};
	let at = 0;
	const bad = () => fail(STEP.FORMAT, `${what}: not JSON`);
	const tok = (r) => {
		r.lastIndex = at;
		const m = r.exec(text);
		if (m)
			at = r.lastIndex;
		return m;
	};
	const ws = () => tok(re.ws);
	const eat = (c) => {
		ws();
		if (text[at] !== c)
			return false;
		at++;
		return true;
	};
	const value = (depth) => {
		ws();
		const c = text[at];
		if (c === '{' || c === '[') {
			if (depth === 32)
				fail(STEP.FORMAT, `${what}: nested too deeply`);
			at++;
			const arr = c === '[';
			const out = arr ? [] : {};
			if (eat(arr ? ']' : '}'))
				return out;
			do {
				if (arr) {
					out.push(value(depth + 1));
					continue;
				}
				ws();
				const k = tok(re.str);
				if (!k || !eat(':'))
					bad();
				const name = JSON.parse(k[0]);
				if (Object.prototype.hasOwnProperty.call(out, name))
					fail(STEP.FORMAT, `${what}: "${name.slice(0, 32)}" twice`);
				Object.defineProperty(out, name, { value: value(depth + 1),
				    enumerable: true, writable: true, configurable: true });
			} while (eat(','));
			if (!eat(arr ? ']' : '}'))
				bad();
			return out;
		}
		let m;
		if ((m = tok(re.str)))
			return JSON.parse(m[0]);
		if ((m = tok(re.num)))
			return m[1] || m[2] ? Number(m[0]) : BigInt(m[0]);
		if ((m = tok(re.lit)))
			return JSON.parse(m[0]);
		return bad();
	};
	const v = value(0);
	ws();
	if (at !== text.length)
		bad();
	return v;
}

/* ---- receipts (docs/api-registration.md "Receipt") ---------------------- */

const RECEIPT_REQUIRED = ['index', 'tree_size', 'leaf_hash', 'proof'];
/* cli_inclusion_parse's optional members, plus what receipts may carry */
const RECEIPT_OPTIONAL = ['checkpoint', 'application_id', 'status',
	'anomalies', 'entry_type', 'replayed', 'owner_code', 'status_proof'];

/* A u64 member: a BigInt (parseJSONExact's integers) or, from a caller's
 * object, a Number that is an exact integer. */
const isU64 = (x) => typeof x === 'bigint' ? x >= 0n && x <= U64_MAX :
    Number.isSafeInteger(x) && x >= 0;

function u64Field(o, k) {
	const x = o[k];
	if (!isU64(x))
		fail(STEP.FORMAT, `"${k}" must be an integer from 0 to 2^64 - 1`);
	return BigInt(x);
}

function hashField(x, what) {
	let h;
	try {
		h = b64decode(x);
	} catch (e) {
		fail(STEP.FORMAT, `${what} is not canonical base64`);
	}
	if (h.length !== 32)
		fail(STEP.FORMAT, `${what} is not 32 bytes`);
	return h;
}

/* Parse a receipt or an inclusion-proof JSON (text or object) with
 * cli_inclusion_parse's rules. */
export function parseReceipt(input) {
	let o = input;
	if (typeof input === 'string') {
		o = parseJSONExact(input, 'receipt');
	}
	if (o === null || typeof o !== 'object' || Array.isArray(o))
		fail(STEP.FORMAT, 'a receipt is a JSON object');
	for (const k of RECEIPT_REQUIRED)
		if (!(k in o))
			fail(STEP.FORMAT, `missing "${k}"`);
	for (const k of Object.keys(o))
		if (!RECEIPT_REQUIRED.includes(k) && !RECEIPT_OPTIONAL.includes(k))
			fail(STEP.FORMAT, `unknown member "${k}"`);
	const index = u64Field(o, 'index');
	const treeSize = u64Field(o, 'tree_size');
	const leaf = hashField(o.leaf_hash, '"leaf_hash"');
	if (!Array.isArray(o.proof) || o.proof.length > MERKLE_PROOF_MAX)
		fail(STEP.FORMAT, '"proof" must be an array of at most 64 hashes');
	const proof = o.proof.map((p, i) => hashField(p, `proof[${i}]`));
	if ('checkpoint' in o && (typeof o.checkpoint !== 'string' ||
	    o.checkpoint.length === 0))
		fail(STEP.FORMAT, '"checkpoint" must be a non-empty string');
	return { index, treeSize, leaf, proof, checkpoint: o.checkpoint || null,
	    applicationId: o.application_id || null, status: o.status || null,
	    entryType: o.entry_type, anomalies: o.anomalies || [], raw: o };
}

/* Shared tail of receipts and tlog-proofs: checkpoint, size, inclusion,
 * and (when the entry bytes are known) the entry itself. */
async function inclusionSteps(v, p, note, policy, entry, opts) {
	await checkpointSteps(v, note, policy, opts);
	const cp = v.checkpoint;
	if (p.treeSize !== null && p.treeSize !== cp.size)
		fail(STEP.TREE_SIZE, `proof tree_size ${p.treeSize} does not match ` +
		    `the checkpoint size ${cp.size}`);
	if (p.index >= cp.size)
		fail(STEP.INCLUSION, `index ${p.index} is not below the checkpoint ` +
		    `size ${cp.size}`);
	if (entry) {
		const lh = await leafHash(entry);
		let env = null;
		try {
			env = decodeEntry(entry);
		} catch (e) {
			env = null;
		}
		v.entry = env;
		if (env && env.index !== p.index)
			fail(STEP.ENTRY_INDEX, `the entry's envelope index ${env.index} ` +
			    `differs from the proof's index ${p.index}`);
		if (p.leaf && !equal(lh, p.leaf))
			fail(STEP.ENTRY_HASH, 'the entry bytes do not hash to the ' +
			    'leaf hash');
		p.leaf = lh;
		pass(v, STEP.ENTRY_HASH, 'the entry hashes to the leaf');
	}
	if (!(await verifyInclusion(p.leaf, p.index, cp.size, p.proof, cp.root)))
		fail(STEP.INCLUSION, `the inclusion proof for index ${p.index} does ` +
		    'not verify against the checkpoint root');
	pass(v, STEP.INCLUSION, `entry ${p.index} is in the tree of size ${cp.size}`);
	v.index = p.index;
	v.leaf = p.leaf;
	v.proof = p.proof;
	v.path = inclusionPath(p.index, cp.size, p.proof);
}

/*
 * Verify a receipt (JSON text or object) under policy; entry (optional,
 * bytes) is the envelope, e.g. read from the public entry bundle: it must
 * hash to leaf_hash and carry the receipt's index. A receipt without its
 * own checkpoint needs opts.checkpoint.
 */
export async function verifyReceipt(input, policy, entry = null, opts = {}) {
	const v = newVerdict();
	v.kind = 'receipt';
	try {
		const r = parseReceipt(input);
		v.receipt = r;
		const note = r.checkpoint || opts.checkpoint;
		if (!note)
			fail(STEP.FORMAT, 'the receipt carries no checkpoint');
		await inclusionSteps(v, { index: r.index, treeSize: r.treeSize,
		    leaf: r.leaf, proof: r.proof }, note, policy, entry, opts);
		v.ok = true;
	} catch (e) {
		failVerdict(v, e);
	}
	return v;
}

/* ---- C2SP tlog-proof (tlog_proof_parse) ---------------------------------- */

export function parseTlogProof(input) {
	const s = typeof input === 'string' ? input : (() => {
		try {
			return dec.decode(input);
		} catch (e) {
			fail(STEP.FORMAT, 'not UTF-8');
		}
	})();
	if (utf8(s).length > 2 * NOTE_MAX + 2 * ENTRY_MAX)
		fail(STEP.FORMAT, 'tlog-proof too large');
	let at = 0;
	const line = () => {
		const nl = s.indexOf('\n', at);
		if (nl < 0)
			fail(STEP.FORMAT, 'truncated tlog-proof');
		const l = s.slice(at, nl);
		at = nl + 1;
		return l;
	};
	if (line() !== TLOG_PROOF_HEADER)
		fail(STEP.FORMAT, `not a ${TLOG_PROOF_HEADER} file`);
	let l = line();
	let extra = null;
	if (l.startsWith('extra ')) {
		extra = b64decode(l.slice(6));
		if (extra.length === 0)
			fail(STEP.FORMAT, 'empty extra line');
		l = line();
	}
	const m = /^index (0|[1-9][0-9]{0,19})$/.exec(l);
	if (!m || BigInt(m[1]) > U64_MAX)
		fail(STEP.FORMAT, 'bad index line');
	const proof = [];
	for (;;) {
		l = line();
		if (l === '')
			break;
		if (proof.length === MERKLE_PROOF_MAX)
			fail(STEP.FORMAT, 'more than 64 proof hashes');
		if (l.length !== 44)
			fail(STEP.FORMAT, 'a proof line is one base64 hash');
		proof.push(hashField(l, 'a proof hash'));
	}
	const checkpoint = s.slice(at);
	if (checkpoint.length === 0)
		fail(STEP.FORMAT, 'no checkpoint after the proof');
	return { extra, index: BigInt(m[1]), proof, checkpoint };
}

/* Verify a tlog-proof file: as `lienlog verify proof`. entry (optional)
 * overrides the 'extra' line. */
export async function verifyTlogProof(input, policy, entry = null, opts = {}) {
	const v = newVerdict();
	v.kind = 'tlog-proof';
	try {
		const p = parseTlogProof(input);
		const e = entry || p.extra;
		if (!e)
			fail(STEP.FORMAT, 'the proof carries no entry (extra line)');
		await inclusionSteps(v, { index: p.index, treeSize: null,
		    leaf: null, proof: p.proof }, p.checkpoint, policy, e, opts);
		v.ok = true;
	} catch (e) {
		failVerdict(v, e);
	}
	return v;
}

/* What a pasted or dropped file is: 'tlog-proof', 'receipt',
 * 'status-proof', 'checkpoint' or null. */
export function sniff(text) {
	const t = text.replace(/^\uFEFF/, '');
	if (t.startsWith(TLOG_PROOF_HEADER + '\n'))
		return 'tlog-proof';
	const j = t.trimStart();
	if (j.startsWith('{')) {
		try {
			const o = JSON.parse(j);
			if (o && typeof o === 'object' && 'leaf_hash' in o)
				return 'receipt';
			if (o && typeof o === 'object' && ('state_root' in o ||
			    'map_proof' in o || 'record' in o))
				return 'status-proof';
		} catch (e) {
			return null;
		}
		return null;
	}
	if (t.includes('\n\n\u2014 '))
		return 'checkpoint';
	return null;
}

/* A policy from key texts: {log: vkey text, witnesses: [vkey texts],
 * quorum}. Throws VerifyError(LOG_KEY). */
export async function makePolicy(keys) {
	const log = await parseVerifierKey(keys.log);
	if (log.type !== KEY_ED25519)
		fail(STEP.LOG_KEY, 'the log key must be an Ed25519 (0x01) key');
	const witnesses = [];
	for (const w of keys.witnesses || []) {
		const k = await parseVerifierKey(w);
		if (k.type !== KEY_COSIGNATURE)
			fail(STEP.LOG_KEY, 'a witness key must be a cosignature ' +
			    '(0x04) key');
		witnesses.push(k);
	}
	const quorum = keys.quorum === undefined || keys.quorum === null ?
	    witnesses.length : keys.quorum;
	if (!Number.isInteger(quorum) || quorum < 0 || quorum > witnesses.length)
		fail(STEP.LOG_KEY, 'the quorum must be 0..number of witnesses');
	return { log, witnesses, quorum };
}

/* ---- application timelines (docs/registry.md "apps") --------------------- */

/*
 * Is the decoded entry e the log entry of timeline step `step` ({step,
 * index}) of application record app ({app, kind, release})? Uses only
 * fields public in every payload version (docs/privacy.md table A): the
 * entry type, "app", "status" and "decision". Returns '' when it is, else
 * why not.
 */
export function entryMatchesStep(e, app, step) {
	const j = e && e.json;
	if (!j)
		return 'the entry has no registry payload';
	const appType = app.kind === 'release' ? 22 : 21;
	const decision = (want, id) => e.type === 23 && j.app === id &&
	    j.decision === want;
	let ok = false;
	switch (step.step) {
	case 'applied':
		ok = e.type === appType && j.app === app.app;
		break;
	case 'in_person_review':
		ok = decision('in_person_review', app.app) ||
		    (e.type === appType && j.app === app.app &&
		    j.status === 'in_person_review');
		break;
	case 'approved':
		ok = decision('approve', app.app);
		break;
	case 'rejected':
		ok = decision('reject', app.app);
		break;
	case 'released':
		ok = typeof app.release === 'string' &&
		    decision('approve', app.release);
		break;
	case 'picked_up':
	case 'endorsed':
	case 'dispatched':
	case 'delivered':
	case 'returned':
		/* the certificate's EMS delivery (docs/registry.md, type 30) */
		ok = e.type === 30 && j.app === app.app && j.event === step.step;
		break;
	default:
		return `unknown step '${String(step.step).slice(0, 32)}'`;
	}
	if (!ok)
		return `entry ${e.index} (${e.typeName}) is not the ` +
		    `'${step.step}' step of ${app.app}`;
	if (BigInt(step.index) !== e.index)
		return `the step names index ${step.index}, the entry is ${e.index}`;
	return '';
}

/*
 * Verify one timeline step: the checkpoint (note) under policy, the
 * inclusion of the entry (bytes, from the public tiles) at step.index
 * with the proof {leaf_hash, proof} for the checkpoint's size, and that
 * the entry is that step of app.
 */
export async function verifyStep(app, step, note, entry, proof, policy,
    opts = {}) {
	const v = newVerdict();
	v.kind = 'step';
	try {
		const parsed = parseNote(note);
		const cp = parseCheckpoint(parsed.text);
		const r = parseReceipt({ index: step.index, tree_size: cp.size,
		    leaf_hash: proof.leaf_hash, proof: proof.proof });
		await inclusionSteps(v, { index: r.index, treeSize: r.treeSize,
		    leaf: r.leaf, proof: r.proof }, note, policy, entry, opts);
		const why = entryMatchesStep(v.entry, app, step);
		if (why)
			fail(STEP.APPLICATION, why);
		pass(v, STEP.APPLICATION, `entry ${step.index} is the ` +
		    `'${step.step}' step of ${app.app}`);
		v.ok = true;
	} catch (e) {
		failVerdict(v, e);
	}
	return v;
}

/* ---- lien status proofs (docs/lien-status.md) ----------------------------- */

export const MAP_EMPTY_HEX =
    'c555eab45d08845ae9f10d452a99bfcb06f74a50b988fe7e48dd323789b88ee3';
const MAP_EMPTY = fromHex(MAP_EMPTY_HEX);
const STATUS_MAGIC = [0x4c, 0x53, 0x50, 0x02];	/* "LSP", version 2 */

/* key = H("lienlog-vehicle-v1" || 0x00 || VIN) */
export async function vehicleKey(vin) {
	return sha256(concat(utf8('lienlog-vehicle-v1'), Uint8Array.of(0), utf8(vin)));
}

export async function mapLeaf(k, v) {
	return sha256(concat(Uint8Array.of(0x11), k, v));
}

export async function mapNode(l, r) {
	return sha256(concat(Uint8Array.of(0x12), l, r));
}

export async function statusValue(record) {
	return sha256(concat(utf8('lienlog-status-v1'), Uint8Array.of(0), record));
}

function keyBit(k, i) {
	return (k[i >> 3] >> (7 - (i & 7))) & 1;
}

/* Section 5 encoding, strictly. {kind, depth, sibs: [32 bytes x depth,
 * EMPTY where the bitmap says], value, otherKey, otherValue} */
export function decodeMapProof(b) {
	if (b.length < 3)
		fail(STEP.FORMAT, 'map proof: truncated');
	const kind = b[0], depth = (b[1] << 8) | b[2];
	if (kind > 2)
		fail(STEP.FORMAT, 'map proof: unknown kind');
	if (depth > 256)
		fail(STEP.FORMAT, 'map proof: depth above 256');
	let at = 3;
	const nb = (depth + 7) >> 3;
	if (b.length - at < nb)
		fail(STEP.FORMAT, 'map proof: truncated bitmap');
	const bitmap = b.subarray(at, at + nb);
	at += nb;
	for (let i = depth; i < nb * 8; i++)
		if (keyBit(bitmap, i))
			fail(STEP.FORMAT, 'map proof: non-zero padding bit');
	if (depth > 0 && !keyBit(bitmap, depth - 1))
		fail(STEP.FORMAT, 'map proof: the last sibling cannot be empty');
	const sibs = [];
	for (let i = 0; i < depth; i++) {
		if (!keyBit(bitmap, i)) {
			sibs.push(MAP_EMPTY);
			continue;
		}
		if (b.length - at < 32)
			fail(STEP.FORMAT, 'map proof: truncated sibling');
		const h = b.slice(at, at + 32);
		if (equal(h, MAP_EMPTY))
			fail(STEP.FORMAT, 'map proof: EMPTY spelled out');
		sibs.push(h);
		at += 32;
	}
	const need = kind === 0 ? 32 : kind === 2 ? 64 : 0;
	if (b.length - at !== need)
		fail(STEP.FORMAT, 'map proof: wrong length');
	const p = { kind, depth, sibs };
	if (kind === 0)
		p.value = b.slice(at, at + 32);
	if (kind === 2) {
		p.otherKey = b.slice(at, at + 32);
		p.otherValue = b.slice(at + 32, at + 64);
	}
	return p;
}

/* The root a decoded map proof leads to for key k, or null (kind 2 with
 * a key that is k or does not share k's first depth bits). */
export async function mapProofRoot(p, k) {
	let h;
	if (p.kind === 0) {
		h = await mapLeaf(k, p.value);
	} else if (p.kind === 1) {
		h = MAP_EMPTY;
	} else {
		if (equal(p.otherKey, k))
			return null;
		for (let i = 0; i < p.depth; i++)
			if (keyBit(p.otherKey, i) !== keyBit(k, i))
				return null;
		h = await mapLeaf(p.otherKey, p.otherValue);
	}
	for (let i = p.depth - 1; i >= 0; i--)
		h = keyBit(k, i) === 0 ? await mapNode(h, p.sibs[i]) :
		    await mapNode(p.sibs[i], h);
	return h;
}

function u16(b, at) {
	return (b[at] << 8) | b[at + 1];
}

const KINDS = ['seized', 'detained', 'stolen', 'scrapped', 'customs'];

/* Section 7.1: a binary status record rendered as the canonical JSON of
 * section 3 (the bytes the map's value hashes). */
export function renderStatusRecord(r) {
	let at = 0;
	const take = (n) => {
		if (n > r.length - at)
			fail(STEP.FORMAT, 'status proof: truncated binary record');
		at += n;
		return at - n;
	};
	const u64 = () => be64(r, take(8)).toString();
	const app = () => 'A' + toHex(r.subarray(take(8), at));
	const fuller = toHex(r.subarray(take(32), at));
	const ri = u64(), rms = u64();
	const nl = r[take(1)];
	if (nl > 64)
		fail(STEP.FORMAT, 'status proof: more than 64 mortgages');
	const liens = [];
	for (let i = 0; i < nl; i++) {
		const a = app(), ix = u64(), ms = u64();
		liens.push(`{"app":"${a}","rank":${i + 1},"registered_index":${ix},` +
		    `"registered_ms":${ms}}`);
	}
	const nr = r[take(1)];
	if (nl + nr > 64)
		fail(STEP.FORMAT, 'status proof: more than 64 mortgages');
	const rel = [];
	for (let i = 0; i < nr; i++) {
		const a = app(), gi = u64(), gm = u64(), xi = u64(), xm = u64();
		rel.push(`{"app":"${a}","registered_index":${gi},"registered_ms":` +
		    `${gm},"released_index":${xi},"released_ms":${xm}}`);
	}
	const nx = r[take(1)];
	if (nx > 5)
		fail(STEP.FORMAT, 'status proof: more than 5 restrictions');
	const res = [];
	for (let i = 0; i < nx; i++) {
		const k = r[take(1)];
		if (k < 1 || k > 5)
			fail(STEP.FORMAT, 'status proof: unknown restriction kind');
		const ix = u64(), ms = u64();
		res.push(`{"index":${ix},"kind":"${KINDS[k - 1]}","since_ms":${ms}}`);
	}
	if (at !== r.length)
		fail(STEP.FORMAT, 'status proof: bytes after the binary record');
	const out = utf8(`{"fuller":"${fuller}","liens":[${liens.join(',')}],` +
	    `"recorded_index":${ri},"recorded_ms":${rms},"released":[` +
	    `${rel.join(',')}],"restrictions":[${res.join(',')}]}`);
	if (out.length > 8192)
		fail(STEP.FORMAT, 'status proof: record longer than 8192 bytes');
	return out;
}

function lessBytes(a, b) {
	for (let i = 0; i < a.length; i++)
		if (a[i] !== b[i])
			return a[i] < b[i];
	return false;
}

/* Section 7: the binary bundle, version 2 (the compact form). */
export function decodeStatusProof(b) {
	let at = 0;
	const take = (n, what) => {
		if (n > b.length - at)
			fail(STEP.FORMAT, `status proof: truncated ${what}`);
		const out = b.subarray(at, at + n);
		at += n;
		return out;
	};
	if (b.length > 96 * 1024)
		fail(STEP.FORMAT, 'status proof: larger than 96 KiB');
	const magic = take(4, 'magic');
	if (!STATUS_MAGIC.every((x, i) => magic[i] === x))
		fail(STEP.FORMAT, 'not a lienlog status proof, version 2 (magic)');
	const vl = take(1, 'VIN length')[0];
	if (vl < 1 || vl > 64)
		fail(STEP.FORMAT, 'status proof: bad VIN length');
	let vin;
	try {
		vin = dec.decode(take(vl, 'VIN'));
	} catch (e) {
		fail(STEP.FORMAT, 'status proof: the VIN is not text');
	}
	const rl = u16(take(2, 'record length'), 0);
	if (rl > 8192)
		fail(STEP.FORMAT, 'status proof: record too long');
	const recordBin = take(rl, 'record');
	const record = rl > 0 ? renderStatusRecord(recordBin) : new Uint8Array(0);
	const ml = u16(take(2, 'map proof length'), 0);
	if (ml < 3 || ml > 8291)
		fail(STEP.FORMAT, 'status proof: bad map proof length');
	const map = decodeMapProof(take(ml, 'map proof'));
	const el = u16(take(2, 'entry length'), 0);
	if (el < 51 || el > 1024)
		fail(STEP.FORMAT, 'status proof: bad entry length');
	const entry = take(el, 'entry').slice();
	const ni = take(1, 'proof count')[0];
	if (ni > 64)
		fail(STEP.FORMAT, 'status proof: more than 64 proof hashes');
	const incl = [];
	for (let i = 0; i < ni; i++)
		incl.push(take(32, 'proof hash').slice());
	const bl = u16(take(2, 'checkpoint length'), 0);
	if (bl < 1 || bl > NOTE_TEXT_MAX)
		fail(STEP.FORMAT, 'status proof: bad checkpoint length');
	const body = take(bl, 'checkpoint').slice();
	const logSig = take(64, 'log signature').slice();
	const nc = take(1, 'cosignature count')[0];
	if (nc > 32)
		fail(STEP.FORMAT, 'status proof: more than 32 cosignatures');
	const cosigs = [];
	for (let i = 0; i < nc; i++) {
		const c = take(76, 'cosignature').slice();
		if (i > 0 && !lessBytes(cosigs[i - 1], c))
			fail(STEP.FORMAT, 'status proof: cosignatures out of order');
		cosigs.push(c);
	}
	if (at !== b.length)
		fail(STEP.FORMAT, 'status proof: bytes after the last cosignature');
	if ((rl === 0) !== (map.kind !== 0))
		fail(STEP.FORMAT, 'status proof: a record goes with a presence proof');
	return { vin, record, map, entry, incl, body, logSig, cosigs };
}

/* Section 8.1: the note the log and the witnesses signed, as the policy's
 * keys name it: the log's signature under its key's name and id, each
 * cosignature under every policy witness with its key id. */
function statusNote(b, policy) {
	let text;
	try {
		text = dec.decode(b.body);
	} catch (e) {
		fail(STEP.FORMAT, 'the checkpoint is not UTF-8');
	}
	for (const ch of text) {
		const cp = ch.codePointAt(0);
		if ((cp < 0x20 && cp !== 0x0a) || (cp >= 0x80 && cp <= 0x9f))
			fail(STEP.FORMAT, 'the checkpoint holds a control character');
	}
	if (text.includes('\n\n'))
		fail(STEP.FORMAT, 'the checkpoint holds an empty line');
	const sigs = [{ name: policy.log.name, id: policy.log.id, raw: b.logSig }];
	for (const c of b.cosigs) {
		const id = ((c[0] << 24) | (c[1] << 16) | (c[2] << 8) | c[3]) >>> 0;
		for (const w of policy.witnesses || [])
			if (w.id === id)
				sigs.push({ name: w.name, id, raw: c.subarray(4) });
	}
	return { text, textBytes: b.body, sigs };
}

/* Section 6: the state-root payload (49 bytes). */
export function decodeStateRoot(payload) {
	if (payload.length !== 49 || payload[0] !== 1)
		fail(STEP.STATE_ROOT, 'not a version 1 state-root payload');
	return { root: payload.slice(1, 33), nkeys: be64(payload, 33),
	    treeSize: be64(payload, 41) };
}

/* Sorted-key, no-whitespace JSON (what RFC 8785 gives for ASCII strings
 * and integers; BigInts in decimal). */
function canonical(v) {
	if (Array.isArray(v))
		return '[' + v.map(canonical).join(',') + ']';
	if (v !== null && typeof v === 'object')
		return '{' + Object.keys(v).sort().map((k) => JSON.stringify(k) +
		    ':' + canonical(v[k])).join(',') + '}';
	if (typeof v === 'bigint')
		return v.toString();
	return JSON.stringify(v);
}

function exactKeys(o, keys) {
	return o !== null && typeof o === 'object' && !Array.isArray(o) &&
	    Object.keys(o).sort().join() === [...keys].sort().join();
}

const isN = (x) => typeof x === 'bigint' && x >= 0n && x <= U64_MAX;

/* Section 3: a canonical status record, or a VerifyError(FORMAT). Its
 * indexes and times are BigInts (u64, exact above 2^53). */
export function parseStatusRecord(bytes) {
	const text = dec.decode(bytes);
	const r = parseJSONExact(text, 'status record');
	const ok = exactKeys(r, ['fuller', 'liens', 'recorded_index', 'recorded_ms',
		'released', 'restrictions']) && /^[0-9a-f]{64}$/.test(r.fuller) &&
	    isN(r.recorded_index) && isN(r.recorded_ms) &&
	    Array.isArray(r.liens) && r.liens.every((l, i) =>
		exactKeys(l, ['app', 'rank', 'registered_index', 'registered_ms']) &&
		/^A[0-9a-f]{16}$/.test(l.app) && l.rank === BigInt(i + 1) &&
		isN(l.registered_index) && isN(l.registered_ms)) &&
	    Array.isArray(r.released) && r.released.every((l) =>
		exactKeys(l, ['app', 'registered_index', 'registered_ms',
		    'released_index', 'released_ms']) &&
		/^A[0-9a-f]{16}$/.test(l.app) && isN(l.registered_index) &&
		isN(l.registered_ms) && isN(l.released_index) &&
		isN(l.released_ms)) &&
	    Array.isArray(r.restrictions) && r.restrictions.every((x) =>
		exactKeys(x, ['index', 'kind', 'since_ms']) &&
		KINDS.includes(x.kind) && isN(x.index) && isN(x.since_ms));
	if (!ok || canonical(r) !== text)
		fail(STEP.FORMAT, 'status record: not a canonical record');
	return r;
}

/*
 * Verify a status proof bundle (bytes) for vin under policy: docs/
 * lien-status.md section 8, steps 1-7. The verdict's status is {kind:
 * 'absent' | 'lien' | 'restricted' | 'clear', record, treeSize, timeMs}.
 */
export async function verifyStatusProof(bytes, vin, policy, opts = {}) {
	const v = newVerdict();
	v.kind = 'status-proof';
	try {
		const b = decodeStatusProof(bytes);
		pass(v, STEP.FORMAT, 'well-formed status proof');
		if (b.vin !== vin)
			fail(STEP.VEHICLE, `the proof is for ${b.vin.slice(0, 64)}, ` +
			    `not ${vin}`);
		pass(v, STEP.VEHICLE, `the proof is for ${vin}`);
		if (!policy || !policy.log)
			fail(STEP.LOG_KEY, 'no log key to verify against');
		await parsedCheckpointSteps(v, statusNote(b, policy), policy, opts);
		const cp = v.checkpoint;
		let e;
		try {
			e = decodeEntry(b.entry);
		} catch (err) {
			fail(STEP.STATE_ROOT, 'the state-root entry does not decode');
		}
		if (e.type !== 3)
			fail(STEP.STATE_ROOT, `entry ${e.index} is not a state root`);
		const sr = decodeStateRoot(e.payload);
		if (e.index + 1n !== cp.size || sr.treeSize !== cp.size)
			fail(STEP.STATE_ROOT, `the state root of entry ${e.index} is not ` +
			    `the last leaf of the tree of size ${cp.size}`);
		pass(v, STEP.STATE_ROOT, `entry ${e.index} is the state root of ` +
		    `the tree of size ${cp.size}`);
		const leaf = await leafHash(b.entry);
		if (!(await verifyInclusion(leaf, e.index, cp.size, b.incl, cp.root)))
			fail(STEP.INCLUSION, 'the state root is not proven included ' +
			    'under the checkpoint root');
		pass(v, STEP.INCLUSION, `entry ${e.index} is in the tree of size ${cp.size}`);
		const key = await vehicleKey(vin);
		const root = await mapProofRoot(b.map, key);
		if (root === null || !equal(root, sr.root))
			fail(STEP.MAP_PROOF, 'the map proof does not reach the map root');
		pass(v, STEP.MAP_PROOF, b.map.kind === 0 ? 'the vehicle is in the map' :
		    'the vehicle is not in the map');
		let record = null;
		if (b.map.kind === 0) {
			if (!equal(await statusValue(b.record), b.map.value))
				fail(STEP.RECORD, 'the status record does not hash to ' +
				    'the proven value');
			record = parseStatusRecord(b.record);
			pass(v, STEP.RECORD, 'the status record is the proven value');
		}
		v.entry = e;
		v.status = { kind: record === null ? 'absent' : record.liens.length ?
		    'lien' : record.restrictions.length ? 'restricted' : 'clear',
		    record, treeSize: cp.size, timeMs: e.timeMs, vin };
		v.ok = true;
	} catch (err) {
		failVerdict(v, err);
	}
	return v;
}
