/*
 * RFC 9421 HTTP message signatures made in the browser with WebCrypto
 * (docs/request-signing.md), for the officer's workstation: the private
 * key is a non-extractable CryptoKey, so the page can sign with it but
 * no script, this one included, can read it back.
 *
 * Pure but for WebCrypto: a request description in, the header values
 * out. Covered components: "@method" "@authority" "@path", "@query" when
 * the URL has one, and on writes "content-digest" (RFC 9530 sha-256 of
 * the body): what lienlogd requires (api/auth.c). Parameters in the
 * order lienlog sign-request writes them: created, nonce, keyid, alg.
 */
import { b64encode, b64decode, sha256, utf8, b64urlEncode } from './verify.js';

/* PEM -> DER bytes of the first block with the given label. */
export function pemDecode(text, label) {
	const re = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+)-----END ${label}-----`);
	const m = re.exec(text);
	if (!m)
		throw new Error(`no ${label} in the file`);
	return b64decode(m[1].replace(/\s+/g, ''));
}

/* ---- a small DER reader (certificates) ------------------------------- */

function derTLV(u8, at) {
	if (at + 2 > u8.length)
		throw new Error('truncated DER');
	const tag = u8[at];
	let len = u8[at + 1], hdr = 2;
	if (len & 0x80) {
		const n = len & 0x7f;
		if (n === 0 || n > 3 || at + 2 + n > u8.length)
			throw new Error('bad DER length');
		len = 0;
		for (let i = 0; i < n; i++)
			len = len * 256 + u8[at + 2 + i];
		hdr = 2 + n;
	}
	if (at + hdr + len > u8.length)
		throw new Error('truncated DER');
	return { tag, start: at, body: at + hdr, end: at + hdr + len };
}

function derChildren(u8, tlv) {
	const out = [];
	for (let at = tlv.body; at < tlv.end;) {
		const c = derTLV(u8, at);
		out.push(c);
		at = c.end;
	}
	return out;
}

/* The SubjectPublicKeyInfo DER of an X.509 certificate (DER). */
export function certSpki(der) {
	const cert = derTLV(der, 0);
	const tbs = derChildren(der, cert)[0];
	const f = derChildren(der, tbs);
	const i = f[0].tag === 0xa0 ? 1 : 0;	/* [0] version */
	const spki = f[i + 5];
	if (!spki || spki.tag !== 0x30)
		throw new Error('no subjectPublicKeyInfo');
	return der.slice(spki.start, spki.end);
}

/* The algorithm of a SubjectPublicKeyInfo: 'ed25519' or
 * 'ecdsa-p256-sha256' (RFC 9421 names), else throws. */
export function spkiAlg(spki) {
	const hex = Array.from(spki.slice(0, 32), (b) => b.toString(16).padStart(2, '0')).join('');
	if (hex.includes('06032b6570'))
		return 'ed25519';
	if (hex.includes('06072a8648ce3d0201') && hex.includes('06082a8648ce3d030107'))
		return 'ecdsa-p256-sha256';
	throw new Error('unsupported key: the workstation signs with Ed25519 or ' +
	    'ECDSA P-256 (SM2 is not in WebCrypto: use lienlog sign-request)');
}

const WEBCRYPTO = {
	'ed25519': { importAlg: { name: 'Ed25519' }, signAlg: { name: 'Ed25519' } },
	'ecdsa-p256-sha256': { importAlg: { name: 'ECDSA', namedCurve: 'P-256' },
		signAlg: { name: 'ECDSA', hash: 'SHA-256' } },
};

/* A PKCS#8 private key (PEM or DER) as a non-extractable CryptoKey. */
export async function importPrivateKey(pkcs8, alg) {
	const der = typeof pkcs8 === 'string' ? pemDecode(pkcs8, 'PRIVATE KEY') : pkcs8;
	return crypto.subtle.importKey('pkcs8', der, WEBCRYPTO[alg].importAlg,
	    false, ['sign']);
}

export async function importPublicKey(spki, alg) {
	return crypto.subtle.importKey('spki', spki, WEBCRYPTO[alg].importAlg,
	    true, ['verify']);
}

/* A new key pair made in this browser: the private half non-extractable. */
export async function generateKey(alg = 'ed25519') {
	return crypto.subtle.generateKey(WEBCRYPTO[alg].importAlg, false,
	    ['sign', 'verify']);
}

export async function signRaw(key, alg, bytes) {
	return new Uint8Array(await crypto.subtle.sign(WEBCRYPTO[alg].signAlg,
	    key, bytes));
}

export async function verifyRaw(pub, alg, sig, bytes) {
	return crypto.subtle.verify(WEBCRYPTO[alg].signAlg, pub, sig, bytes);
}

/* keyid: lowercase hex SHA-256 of the certificate DER (docs/identity.md) */
export async function certKeyid(der) {
	return Array.from(await sha256(der), (b) => b.toString(16).padStart(2, '0'))
	    .join('');
}

/* RFC 8941 string */
function sfString(s) {
	if (!/^[\x20-\x7e]*$/.test(s))
		throw new Error('not an RFC 8941 string');
	return '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
}

/*
 * The signature base (RFC 9421 2.5) of req = {method, authority, path,
 * query (with its '?', or ''), headers: {lowercase name: value}} over
 * components, with params (ordered [name, value] pairs).
 */
export function signatureBase(req, components, params) {
	const lines = [];
	for (const c of components) {
		let v;
		if (c === '@method')
			v = req.method;
		else if (c === '@authority')
			v = req.authority.toLowerCase();
		else if (c === '@path')
			v = req.path || '/';
		else if (c === '@query')
			v = req.query || '?';
		else if (c === '@target-uri')
			v = req.targetUri;
		else if (c in req.headers)
			v = String(req.headers[c]).trim();
		else
			throw new Error(`component ${c} not in the request`);
		lines.push(`"${c}": ${v}`);
	}
	const sp = '(' + components.map((c) => `"${c}"`).join(' ') + ')' +
	    params.map(([k, v]) => ';' + k + '=' + (typeof v === 'number' ?
	    String(v) : sfString(v))).join('');
	lines.push(`"@signature-params": ${sp}`);
	return { base: lines.join('\n'), params: sp };
}

export async function contentDigest(body) {
	return 'sha-256=:' + b64encode(await sha256(body)) + ':';
}

/*
 * Sign a request to this origin: {method, url (path + query), body
 * (string or null)}, signer {key, alg, keyid}. Returns the headers to
 * send. opts.created / opts.nonce fix them (tests).
 */
export async function signRequest(req, signer, opts = {}) {
	const u = new URL(req.url, opts.origin || location.origin);
	const headers = {};
	const components = ['@method', '@authority', '@path'];
	if (u.search !== '' || req.url.includes('?'))
		components.push('@query');
	const body = req.body === null || req.body === undefined ? null :
	    utf8(req.body);
	if (body) {
		headers['content-digest'] = await contentDigest(body);
		components.push('content-digest');
	}
	const created = opts.created ?? Math.floor(Date.now() / 1000);
	const nonce = opts.nonce ?? b64urlEncode(crypto.getRandomValues(new Uint8Array(16)));
	const { base, params } = signatureBase({ method: req.method,
	    authority: u.host, path: u.pathname, query: u.search ||
	    (req.url.includes('?') ? '?' : ''), headers }, components,
	    [['created', created], ['nonce', nonce], ['keyid', signer.keyid],
	    ['alg', signer.alg]]);
	const sig = await signRaw(signer.key, signer.alg, utf8(base));
	const out = {
		'Signature-Input': 'sig1=' + params,
		'Signature': 'sig1=:' + b64encode(sig) + ':',
	};
	if (body)
		out['Content-Digest'] = headers['content-digest'];
	return { headers: out, base };
}
