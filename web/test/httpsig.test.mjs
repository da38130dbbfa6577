/* The workstation's RFC 9421 signer (web/src/js/httpsig.js) against RFC
 * 9421 B.2.6 and the worked example of docs/request-signing.md. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as H from '../src/js/httpsig.js';
import { read } from './vectors.mjs';

function blocks(name) {
	const out = {};
	let cur = null;
	for (const line of read(name).split('\n')) {
		if (line.startsWith('#'))
			continue;
		if (line.startsWith('@@ ')) {
			cur = line.slice(3);
			out[cur] = [];
		} else if (cur) {
			out[cur].push(line);
		}
	}
	for (const k of Object.keys(out)) {
		while (out[k].length && out[k][out[k].length - 1] === '')
			out[k].pop();
		out[k] = out[k].join('\n');
	}
	return out;
}

const keys = blocks('rfc9421_keys.txt');

test('RFC 9421 B.2.6: base and Ed25519 signature re-derive', async () => {
	const v = blocks('rfc9421_b26.txt');
	const hdrs = {};
	for (const l of v.headers.split('\n')) {
		const i = l.indexOf(':');
		hdrs[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
	}
	const comps = ['date', '@method', '@path', '@authority', 'content-type',
		'content-length'];
	const { base } = H.signatureBase({ method: 'POST', authority: 'example.com',
	    path: '/foo', query: '?param=Value&Pet=dog', headers: hdrs }, comps,
	    [['created', 1618884473], ['keyid', 'test-key-ed25519']]);
	assert.equal(base, v.base);
	const key = await H.importPrivateKey(keys['ed25519-private'], 'ed25519');
	const sig = await H.signRaw(key, 'ed25519', new TextEncoder().encode(base));
	assert.equal('sig-b26=:' + Buffer.from(sig).toString('base64') + ':',
	    v.signature);
	assert.equal(key.extractable, false);
	await assert.rejects(crypto.subtle.exportKey('pkcs8', key));
});

test('docs/request-signing.md worked example, and signRequest end to end',
    async () => {
	const key = await H.importPrivateKey(keys['ed25519-private'], 'ed25519');
	const body = '{"vin":"LSVAU2180N2183294","amount":"150000.00"}';
	assert.equal(await H.contentDigest(new TextEncoder().encode(body)),
	    'sha-256=:Ct4ynxXgbdIyqhsvpKzzV/iB510rqmeLusg+8u/CohM=:');
	const { base } = H.signatureBase({ method: 'POST', targetUri:
	    'https://registry.example/v1/mortgages', headers: {
	    'content-digest': 'sha-256=:Ct4ynxXgbdIyqhsvpKzzV/iB510rqmeLusg+8u/CohM=:' } },
	    ['@method', '@target-uri', 'content-digest'], [['created', 1700000000],
	    ['nonce', 'b3k2pp5k7z-50gnwp.yemd'], ['keyid', 'test-key-ed25519'],
	    ['alg', 'ed25519']]);
	const sig = await H.signRaw(key, 'ed25519', new TextEncoder().encode(base));
	assert.equal(Buffer.from(sig).toString('base64'),
	    '2DGbcEwmq61dz4Pkne+ClV9aW9WgJvjJV3g3MXPIcSmFagMdGU4MKzRxV7BpSyjOfzjredAQ63RESBEGAVTGCA==');
	/* what the page sends for a decision and a queue read */
	const signer = { key, alg: 'ed25519', keyid: 'ab'.repeat(32) };
	const w = await H.signRequest({ method: 'POST', url:
	    '/v1/applications/A0000000000000001/decision', body:
	    '{"decision":"approve"}' }, signer, { origin: 'http://127.0.0.1:8080',
	    created: 1, nonce: 'n' });
	assert.equal(w.headers['Signature-Input'], 'sig1=("@method" "@authority" ' +
	    '"@path" "content-digest");created=1;nonce="n";keyid="' +
	    'ab'.repeat(32) + '";alg="ed25519"');
	assert.match(w.base, /^"@method": POST\n"@authority": 127\.0\.0\.1:8080\n/);
	const r = await H.signRequest({ method: 'GET', url:
	    '/v1/applications?status=submitted&limit=20', body: null }, signer,
	    { origin: 'http://127.0.0.1:8080', created: 1, nonce: 'n' });
	assert.ok(r.base.includes('"@query": ?status=submitted&limit=20\n'));
	assert.equal('Content-Digest' in r.headers, false);
});

test('P-256 keys sign raw r||s that the public half verifies', async () => {
	const key = await H.importPrivateKey(keys['p256-private-pkcs8'],
	    'ecdsa-p256-sha256');
	const msg = new TextEncoder().encode('lienlog');
	const sig = await H.signRaw(key, 'ecdsa-p256-sha256', msg);
	assert.equal(sig.length, 64);
	const pub = await H.importPublicKey(H.pemDecode(keys['p256-public'],
	    'PUBLIC KEY'), 'ecdsa-p256-sha256');
	assert.equal(await H.verifyRaw(pub, 'ecdsa-p256-sha256', sig, msg), true);
});

test('certificates: SPKI, algorithm and keyid as openssl sees them', async () => {
	const dir = mkdtempSync(join(tmpdir(), 'httpsig-'));
	try {
		const k = join(dir, 'k.pem'), c = join(dir, 'c.pem');
		writeFileSync(k, keys['ed25519-private'] + '\n');
		execFileSync('openssl', ['req', '-new', '-x509', '-key', k, '-out', c,
		    '-subj', '/CN=officer-test', '-days', '1'], { stdio: 'ignore' });
		const pem = execFileSync('openssl', ['x509', '-in', c], { encoding: 'utf8' });
		const der = H.pemDecode(pem, 'CERTIFICATE');
		const fpr = execFileSync('openssl', ['x509', '-in', c, '-outform',
		    'DER']);
		const want = (await import('node:crypto')).createHash('sha256')
		    .update(fpr).digest('hex');
		assert.equal(await H.certKeyid(der), want);
		const spki = H.certSpki(der);
		assert.equal(H.spkiAlg(spki), 'ed25519');
		assert.deepEqual(spki, H.pemDecode(keys['ed25519-public'], 'PUBLIC KEY'));
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
	assert.throws(() => H.certSpki(Uint8Array.of(0x30, 0x05, 1)));
	assert.throws(() => H.pemDecode('nothing', 'CERTIFICATE'));
});
