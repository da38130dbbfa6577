/* The in-browser verifier (web/src/js/verify.js) against the project's
 * own test vectors (tests/vectors/), with both Ed25519 back ends. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as V from '../src/js/verify.js';
import { records, lines } from './vectors.mjs';

const BACKENDS = ['webcrypto', 'noble'];
const hex = V.fromHex;

test('base64: canonical only', () => {
	for (const n of [0, 1, 2, 3, 4, 5, 31, 32, 33]) {
		const u = new Uint8Array(n).map((_, i) => (i * 37 + 11) & 255);
		const s = V.b64encode(u);
		assert.deepEqual(V.b64decode(s), u);
		assert.equal(Buffer.from(u).toString('base64'), s);
	}
	for (const bad of ['A', 'AB', 'ABC', 'AB=C', 'AB==', 'AQ=', 'AR==',
	    'AAB=', 'QUJD\n', ' QUJD', 'QU JD', 'QUJD====', '=AAA', 'QU-_'])
		assert.throws(() => V.b64decode(bad), V.VerifyError, bad);
	assert.deepEqual(V.b64decode('AQ=='), Uint8Array.of(1));
	assert.deepEqual(V.b64urlDecode('_-8'), Uint8Array.of(0xff, 0xef));
});

for (const backend of BACKENDS) {
	test(`ed25519 ${backend}: RFC 8032 section 7.1 vectors`, async () => {
		for (const r of records('rfc8032_ed25519.txt')) {
			const pk = hex(r.pk), sig = hex(r.sig), msg = hex(r.msg || '');
			assert.equal(await V.ed25519Verify(pk, sig, msg, { backend }),
			    true, r.name);
			for (const bit of [0, 7, 255, 256, 511]) {
				const s2 = sig.slice();
				s2[bit >> 3] ^= 1 << (bit & 7);
				assert.equal(await V.ed25519Verify(pk, s2, msg,
				    { backend }), false, `${r.name} bit ${bit}`);
			}
		}
	});

	test(`ed25519 ${backend}: libsodium 1.0.18 verdicts (docs/ed25519.md)`,
	    async () => {
		const rs = records('ed25519_edge.txt');
		assert.ok(rs.length >= 8);
		for (const r of rs) {
			const got = await V.ed25519Verify(hex(r.pk), hex(r.sig),
			    hex(r.msg || ''), { backend });
			assert.equal(got, r.expect === 'accept', r.name);
		}
	});
}

test('ed25519: configured keys must be in the prime-order subgroup', () => {
	const rs = Object.fromEntries(records('ed25519_edge.txt')
	    .map((r) => [r.name, r]));
	assert.equal(V.ed25519KeyOk(hex(rs['rfc8032-test1'].pk)), true);
	assert.equal(V.ed25519KeyOk(hex(rs['a-mixed-order'].pk)), false);
	assert.equal(V.ed25519KeyOk(hex(rs['a-identity'].pk)), false);
});

test('verifier keys: Go vectors parse, key IDs recomputed', async () => {
	for (const r of records('go_sumdb_note.txt')) {
		for (const vk of r.vkeys || [r.vkey]) {
			const k = await V.parseVerifierKey(vk);
			assert.equal(k.type, V.KEY_ED25519);
			assert.equal(V.keyIdHex(await V.keyId(k.name, k.type, k.pk)),
			    vk.split('+')[1]);
		}
	}
	const good = 'example.com/lienlog-go-vector+2c2be6ea+AYtp8atMSm0GqvE9Xi2mxl3Qz45w3My2mciBYDL3M4Ha';
	await V.parseVerifierKey(good + '\n');
	for (const bad of [good.replace('2c2be6ea', '2C2BE6EA'),
	    good.replace('2c2be6ea', '2c2be6eb'), good.replace('+AY', '+Ag'),
	    good + '\n\n', 'x+' + good, good.replace('example.com', 'ex ample'),
	    good.slice(0, -1)])
		await assert.rejects(V.parseVerifierKey(bad), V.VerifyError, bad);
});

test('signed notes: every Go vector verifies with each of its keys',
    async () => {
	for (const backend of BACKENDS) {
		for (const r of records('go_sumdb_note.txt')) {
			const note = V.b64decode(r.note);
			const parsed = V.parseNote(note);
			for (const vk of r.vkeys || [r.vkey]) {
				const k = await V.parseVerifierKey(vk);
				assert.equal(await V.noteSignedBy(parsed, k, { backend }),
				    true, `${r.label} ${k.name}`);
			}
			/* a changed text fails */
			const t2 = note.slice();
			t2[0] ^= 1;
			const k0 = await V.parseVerifierKey(r.vkeys ? r.vkeys[0] : r.vkey);
			assert.equal(await V.noteSignedBy(V.parseNote(t2), k0,
			    { backend }), false, r.label);
		}
	}
});

test('checkpoints: the Go vector verifies; wrong key, origin, bit flips fail',
    async () => {
	const r = records('go_sumdb_note.txt').find((x) => x.label === 'checkpoint');
	const note = new TextDecoder().decode(V.b64decode(r.note));
	const policy = await V.makePolicy({ log: r.vkey });
	const v = await V.verifyCheckpoint(note, policy);
	assert.equal(v.ok, true, v.reason);
	assert.equal(v.checkpoint.size, 42n);
	assert.equal(v.checkpoint.origin, 'example.com/lienlog-go-vector');
	/* another log's key (same name, other key ID): no signature */
	const other = records('go_sumdb_note.txt').find((x) =>
	    x.label === 'two-signers');
	const v2 = await V.verifyCheckpoint(note, await V.makePolicy(
	    { log: other.vkeys[0] }));
	assert.equal(v2.ok, false);
	assert.equal(v2.failed, V.STEP.LOG_SIGNATURE);
	/* a key of another name: origin */
	const doc = records('go_sumdb_note.txt').find((x) =>
	    x.label === 'go-doc-example');
	const v3 = await V.verifyCheckpoint(note, await V.makePolicy(
	    { log: doc.vkey }));
	assert.equal(v3.failed, V.STEP.ORIGIN);
	/* the size changed: signature */
	const v4 = await V.verifyCheckpoint(note.replace('\n42\n', '\n43\n'),
	    policy);
	assert.equal(v4.failed, V.STEP.LOG_SIGNATURE);
	/* every byte of the signature line flipped: never accepted */
	const bytes = V.utf8(note);
	const sigAt = note.lastIndexOf(' ') + 1;
	for (let i = sigAt; i < bytes.length - 1; i++) {
		const b = bytes.slice();
		b[i] ^= 1;
		const vb = await V.verifyCheckpoint(b, policy);
		assert.equal(vb.ok, false, `byte ${i}`);
	}
	/* malformed */
	for (const bad of ['', note.replace('\n\n', '\n'), note + 'x',
	    note.replace('\u2014', '-'), note.slice(0, -1)]) {
		const vb = await V.verifyCheckpoint(bad, policy);
		assert.equal(vb.failed, V.STEP.FORMAT, JSON.stringify(bad));
	}
});

test('cosignatures: C2SP tlog-cosignature/v1 vectors', async () => {
	for (const backend of BACKENDS) {
		for (const r of records('cosig_v1.txt')) {
			const k = await V.parseVerifierKey(r.vkey);
			assert.equal(k.type, V.KEY_COSIGNATURE);
			const body = new TextDecoder().decode(V.b64decode(r.body));
			const line = new TextDecoder().decode(V.b64decode(r.line));
			const parsed = V.parseNote(body + '\n' + line);
			const got = await V.cosignedBy(parsed, k, { backend });
			assert.equal(got.ok, true, r.label);
			assert.equal(got.time, BigInt(r.time), r.label);
			const p2 = V.parseNote(body.replace(/\n$/, 'x\n') + '\n' + line);
			assert.equal((await V.cosignedBy(p2, k, { backend })).ok, false);
		}
	}
});

/* RFC 6962 MTH, the definition (for the known answers). */
async function mth(leaves) {
	if (leaves.length === 1)
		return V.leafHash(leaves[0]);
	let k = 1;
	while (k * 2 < leaves.length)
		k *= 2;
	return V.nodeHash(await mth(leaves.slice(0, k)), await mth(leaves.slice(k)));
}

test('merkle: RFC 6962 reference tree (transparency-dev)', async () => {
	const rows = lines('rfc6962_ct_tree.txt');
	const leaves = rows.filter((r) => r[0] === 'leaf')
	    .map((r) => r[2] === '-' ? new Uint8Array(0) : hex(r[2]));
	const roots = {};
	for (const r of rows.filter((r) => r[0] === 'root')) {
		roots[r[1]] = hex(r[2]);
		assert.deepEqual(await mth(leaves.slice(0, +r[1])), hex(r[2]));
	}
	const proofOf = (s) => s === '-' ? [] : s.split(',').map(hex);
	for (const r of rows.filter((r) => r[0] === 'inclusion')) {
		const [i, n, p] = [BigInt(r[1]), BigInt(r[2]), proofOf(r[3])];
		const leaf = await V.leafHash(leaves[Number(i)]);
		assert.equal(await V.verifyInclusion(leaf, i, n, p, roots[r[2]]),
		    true, r.join(' '));
		/* wrong leaf, wrong index, short, long, flipped */
		assert.equal(await V.verifyInclusion(await V.leafHash(Uint8Array.of(9)),
		    i, n, p, roots[r[2]]), false);
		assert.equal(await V.verifyInclusion(leaf, i ^ 1n, n, p,
		    roots[r[2]]), false);
		assert.equal(await V.verifyInclusion(leaf, i, n, p.slice(1),
		    roots[r[2]]), false);
		assert.equal(await V.verifyInclusion(leaf, i, n, [...p, p[0]],
		    roots[r[2]]), false);
		for (let k = 0; k < p.length; k++) {
			const q = p.map((x) => x.slice());
			q[k][5] ^= 0x10;
			assert.equal(await V.verifyInclusion(leaf, i, n, q,
			    roots[r[2]]), false);
		}
		assert.equal(await V.verifyInclusion(leaf, n, n, p, roots[r[2]]),
		    false);
	}
	for (const r of rows.filter((r) => r[0] === 'consistency')) {
		const [m, n, p] = [BigInt(r[1]), BigInt(r[2]), proofOf(r[3])];
		assert.equal(await V.verifyConsistency(m, n, p, roots[r[1]],
		    roots[r[2]]), true, r.join(' '));
		if (m !== n) {
			assert.equal(await V.verifyConsistency(m, n, p, roots[r[2]],
			    roots[r[1]]), false);
			assert.equal(await V.verifyConsistency(m, n, p.slice(1),
			    roots[r[1]], roots[r[2]]), false);
		}
	}
	/* every (i, n) and (m, n) of the 8-leaf tree, from the definition */
	for (let n = 1; n <= 8; n++) {
		for (let i = 0; i < n; i++) {
			const proof = await pathOf(leaves.slice(0, n), i);
			assert.equal(await V.verifyInclusion(await V.leafHash(leaves[i]),
			    i, n, proof, roots[n]), true, `${i} ${n}`);
		}
	}
});

/* RFC 6962 2.1.1 PATH */
async function pathOf(d, m) {
	if (d.length === 1)
		return [];
	let k = 1;
	while (k * 2 < d.length)
		k *= 2;
	if (m < k)
		return [...await pathOf(d.slice(0, k), m), await mth(d.slice(k))];
	return [...await pathOf(d.slice(k), m - k), await mth(d.slice(0, k))];
}

test('entries: envelope v1 vectors (docs/entry-format.md)', async () => {
	const rows = lines('entry_v1.txt');
	const envs = [];
	for (const r of rows.filter((r) => r[0] === 'entry')) {
		const env = hex(r[6]);
		envs.push(env);
		const e = V.decodeEntry(env);
		assert.equal(e.index, BigInt(r[1]));
		assert.equal(e.timeMs, BigInt(r[2]));
		assert.equal(e.type, +r[3]);
		assert.equal(V.toHex(e.prev), r[4]);
		assert.equal(V.toHex(e.payload), r[5] === '-' ? '' : r[5]);
		assert.equal(V.toHex(await V.leafHash(env)), r[7]);
	}
	for (const r of rows.filter((r) => r[0] === 'root'))
		assert.equal(V.toHex(await mth(envs.slice(0, +r[1]))), r[2]);
	assert.throws(() => V.decodeEntry(new Uint8Array(0)), V.VerifyError);
	assert.throws(() => V.decodeEntry(Uint8Array.of(2)), V.VerifyError);
	assert.throws(() => V.decodeEntry(envs[0].slice(0, 50)), V.VerifyError);
	const bad0 = envs[0].slice();
	bad0[20] = 1;	/* entry 0 with a nonzero prev */
	assert.throws(() => V.decodeEntry(bad0), V.VerifyError);
});

test('entry bundle paths follow C2SP tlog-tiles', () => {
	assert.equal(V.entryBundlePath(0, 1), 'tile/entries/000.p/1');
	assert.equal(V.entryBundlePath(5, 1000), 'tile/entries/000');
	assert.equal(V.entryBundlePath(999, 1000), 'tile/entries/003.p/232');
	assert.equal(V.entryBundlePath(1234 * 256 + 7, 1234 * 256 + 8),
	    'tile/entries/x001/234.p/8');
	assert.equal(V.entryBundlePath(1234567 * 256, 1234568 * 256),
	    'tile/entries/x001/x234/567');
	const b = V.splitBundle(Uint8Array.of(0, 1, 7, 0, 0, 0, 2, 8, 9));
	assert.deepEqual(b.map((x) => [...x]), [[7], [], [8, 9]]);
	assert.throws(() => V.splitBundle(Uint8Array.of(0, 3, 1)), V.VerifyError);
});

test('sniff tells receipts, tlog-proofs and checkpoints apart', () => {
	assert.equal(V.sniff('c2sp.org/tlog-proof@v1\nindex 1\n'), 'tlog-proof');
	assert.equal(V.sniff(' {"index":1,"leaf_hash":"x"}'), 'receipt');
	assert.equal(V.sniff('o\n1\nAAAA\n\n\u2014 o AAAAAAA=\n'), 'checkpoint');
	assert.equal(V.sniff('hello'), null);
});

test('entryMatchesStep: EMS delivery events (type 30) of this application', () => {
	const app = { app: 'A0000000000000010', kind: 'mortgage' };
	const ev = (event, type = 30, id = app.app, index = 42n) => ({
		index, type, typeName: V.entryTypeName(type),
		json: { v: 2, step: 'delivery_event', app: id, event },
	});
	for (const s of ['picked_up', 'endorsed', 'dispatched', 'delivered',
	    'returned'])
		assert.equal(V.entryMatchesStep(ev(s), app,
		    { step: s, index: '42' }), '', s);
	assert.notEqual(V.entryMatchesStep(ev('dispatched'), app,
	    { step: 'delivered', index: '42' }), '', 'another event');
	assert.notEqual(V.entryMatchesStep(ev('delivered', 30,
	    'A0000000000000011'), app, { step: 'delivered', index: '42' }), '',
	    'another application');
	assert.notEqual(V.entryMatchesStep(ev('delivered', 23), app,
	    { step: 'delivered', index: '42' }), '', 'another type');
	assert.notEqual(V.entryMatchesStep(ev('delivered'), app,
	    { step: 'delivered', index: '43' }), '', 'another index');
	assert.equal(V.entryTypeName(30), 'delivery_event');
});

/* Record numbers above 2^53 (JSON.parse would round them): exact JSON,
 * and a receipt for entry 2^53 + 1 of a tree of 2^53 + 3 verifies (the C
 * and Python verifiers take any u64). */
test('exact JSON: integers as BigInt, strict', () => {
	const o = V.parseJSONExact('{"a":9007199254740993,"b":[18446744073709551615,' +
	    '1.5,"x\\u0041",true,null],"__proto__":{"c":0}}');
	assert.equal(o.a, 9007199254740993n);
	assert.deepEqual(o.b, [18446744073709551615n, 1.5, 'xA', true, null]);
	assert.equal(Object.getPrototypeOf(o), Object.prototype);
	assert.deepEqual(Object.keys(o), ['a', 'b', '__proto__']);
	assert.equal(o.__proto__.c, 0n);
	for (const bad of ['', '{', '{"a":1,"a":2}', '{"a":01}', '[1,]', '{"a" 1}',
	    '[1] x', '"\t"', '{a:1}', 'nul', '[' .repeat(40) + ']'.repeat(40)])
		assert.throws(() => V.parseJSONExact(bad), V.VerifyError, bad);
});

test('receipts: indexes and tree sizes above 2^53 are exact', async () => {
	const { generateKeyPairSync, sign: edSign } = await import('node:crypto');
	const { publicKey, privateKey } = generateKeyPairSync('ed25519');
	const pk = publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
	const name = 'example.org/big-log';
	const id = await V.keyId(name, 1, pk);
	const policy = await V.makePolicy({ log: `${name}+${V.keyIdHex(id)}+` +
	    V.b64encode(V.concat(Uint8Array.of(1), pk)) });
	const be64 = (x) => {
		const o = new Uint8Array(8);
		for (let i = 7; i >= 0; i--, x >>= 8n)
			o[i] = Number(x & 255n);
		return o;
	};
	const index = (1n << 53n) + 1n, size = (1n << 53n) + 3n;
	const entry = V.concat(Uint8Array.of(1), be64(index),
	    be64(1767225600000n), Uint8Array.of(0, 1), new Uint8Array(32),
	    V.utf8('x'));
	const leaf = await V.leafHash(entry);
	const proof = [];
	let root = null;
	while (root === null) {
		proof.push(await V.sha256(Uint8Array.of(proof.length)));
		root = await V.inclusionRoot(leaf, index, size, proof);
	}
	const text = `${name}\n${size}\n${V.b64encode(root)}\n`;
	const sig = new Uint8Array(edSign(null, Buffer.from(text), privateKey));
	const note = text + `\n\u2014 ${name} ` + V.b64encode(V.concat(
	    Uint8Array.of(id >>> 24, (id >> 16) & 255, (id >> 8) & 255, id & 255),
	    sig)) + '\n';
	const receipt = (i, n) => `{"index":${i},"tree_size":${n},` +
	    `"leaf_hash":"${V.b64encode(leaf)}","proof":[` +
	    proof.map((h) => `"${V.b64encode(h)}"`).join(',') +
	    `],"checkpoint":${JSON.stringify(note)}}`;
	const r = V.parseReceipt(receipt(index, size));
	assert.equal(r.index, index);
	assert.equal(r.treeSize, size);
	let v = await V.verifyReceipt(receipt(index, size), policy, entry);
	assert.equal(v.ok, true, v.reason);
	/* one more or less is another entry: JSON.parse could not tell */
	v = await V.verifyReceipt(receipt(index - 1n, size), policy, entry);
	assert.equal(v.ok, false);
	v = await V.verifyReceipt(receipt(index, size + 1n), policy, entry);
	assert.equal(v.ok, false);
	assert.equal(v.failed, 'tree_size');
	/* beyond u64 */
	assert.throws(() => V.parseReceipt(receipt(index, 1n << 64n)),
	    V.VerifyError);
});
