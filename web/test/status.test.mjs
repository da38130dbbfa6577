/* Lien status proofs (docs/lien-status.md) in the in-browser verifier:
 * a map built here from the spec's definition (section 4), proofs of
 * every kind (section 5), bundles (section 7) with a checkpoint signed by
 * a fresh Ed25519 key, and every refusal of section 8 steps 1-7. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign as edSign } from 'node:crypto';
import * as V from '../src/js/verify.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { read, VECTORS } from './vectors.mjs';

const enc = new TextEncoder();
const bit = (k, i) => (k[i >> 3] >> (7 - (i & 7))) & 1;

/* N(p) of section 4, naively, with the path's siblings for key k */
async function N(pairs, depth) {
	if (pairs.length === 0)
		return V.fromHex(V.MAP_EMPTY_HEX);
	if (pairs.length === 1)
		return V.mapLeaf(pairs[0].k, pairs[0].v);
	return V.mapNode(await N(pairs.filter((p) => !bit(p.k, depth)), depth + 1),
	    await N(pairs.filter((p) => bit(p.k, depth)), depth + 1));
}

async function prove(pairs, k) {
	const sibs = [];
	let here = pairs, d = 0;
	for (;;) {
		if (here.length === 0)
			return enc2(1, d, sibs);
		if (here.length === 1)
			return V.equal(here[0].k, k) ? enc2(0, d, sibs, here[0].v) :
			    enc2(2, d, sibs, here[0].k, here[0].v);
		sibs.push(await N(here.filter((p) => bit(p.k, d) !== bit(k, d)), d + 1));
		here = here.filter((p) => bit(p.k, d) === bit(k, d));
		d++;
	}
}

function enc2(kind, d, sibs, a, b) {
	const bm = new Uint8Array((d + 7) >> 3);
	const parts = [Uint8Array.of(kind, d >> 8, d & 255), bm];
	sibs.forEach((s, i) => {
		if (!V.equal(s, V.fromHex(V.MAP_EMPTY_HEX))) {
			bm[i >> 3] |= 0x80 >> (i & 7);
			parts.push(s);
		}
	});
	if (a)
		parts.push(a);
	if (b)
		parts.push(b);
	return V.concat(...parts);
}

function u16(n) {
	return Uint8Array.of(n >> 8, n & 255);
}

function be64(n) {
	const o = new Uint8Array(8);
	let x = BigInt(n);
	for (let i = 7; i >= 0; i--) {
		o[i] = Number(x & 255n);
		x >>= 8n;
	}
	return o;
}

/* sorted keys, BigInts in decimal (JSON.stringify refuses them) */
const canon = (v) => typeof v === 'bigint' ? v.toString() :
    Array.isArray(v) ? '[' + v.map(canon).join(',') + ']' :
    v !== null && typeof v === 'object' ? '{' + Object.keys(v).sort()
	.map((k) => JSON.stringify(k) + ':' + canon(v[k])).join(',') + '}' :
    JSON.stringify(v);
const rec = (o) => enc.encode(canon(o));

/* section 7.1: the binary form of a record object */
function pack(o) {
	const kinds = ['seized', 'detained', 'stolen', 'scrapped', 'customs'];
	const app = (a) => V.fromHex(a.slice(1));
	return V.concat(V.fromHex(o.fuller), be64(o.recorded_index),
	    be64(o.recorded_ms), Uint8Array.of(o.liens.length),
	    ...o.liens.flatMap((l) => [app(l.app), be64(l.registered_index),
		be64(l.registered_ms)]),
	    Uint8Array.of(o.released.length),
	    ...o.released.flatMap((l) => [app(l.app), be64(l.registered_index),
		be64(l.registered_ms), be64(l.released_index), be64(l.released_ms)]),
	    Uint8Array.of(o.restrictions.length),
	    ...o.restrictions.flatMap((x) => [Uint8Array.of(kinds.indexOf(x.kind) + 1),
		be64(x.index), be64(x.since_ms)]));
}

async function world(opts = {}) {
	const vins = ['LSJA24U62JG269225', 'LBV5S3102ESJ25655', '1M8GDM9AXKP042788'];
	const objs = {
		[vins[0]]: opts.big || ({ fuller: 'ab'.repeat(32), liens: [{ app: 'A0000000000000010',
		    rank: 1, registered_index: 17, registered_ms: 1767225617000 }],
		    recorded_index: 5, recorded_ms: 1767225605000, released: [],
		    restrictions: [] }),
		[vins[1]]: ({ fuller: 'cd'.repeat(32), liens: [], recorded_index: 6,
		    recorded_ms: 1767225606000, released: [], restrictions: [{
		    index: 20, kind: 'seized', since_ms: 1767225620000 }] }),
	};
	const records = {}, bins = {};
	for (const [vin, o] of Object.entries(objs)) {
		records[vin] = rec(o);
		bins[vin] = pack(o);
	}
	/* JSON.stringify of nested objects keeps insertion order: build the
	 * inner objects sorted already (they are, above). */
	const pairs = [];
	for (const [vin, r] of Object.entries(records))
		pairs.push({ k: await V.vehicleKey(vin), v: await V.statusValue(r) });
	const root = await N(pairs, 0);
	/* a log of 4 entries whose last is the state root */
	const { publicKey, privateKey } = generateKeyPairSync('ed25519');
	const pk = publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
	const name = 'example.org/status-test';
	const id = await V.keyId(name, 1, pk);
	const vkey = `${name}+${V.keyIdHex(id)}+${V.b64encode(V.concat(Uint8Array.of(1), pk))}`;
	const leaves = [];
	const entries = [];
	let prev = new Uint8Array(32);
	for (let i = 0; i < 4; i++) {
		const payload = i < 3 ? enc.encode('x' + i) : V.concat(Uint8Array.of(1),
		    root, be64(pairs.length), be64(4));
		const e = V.concat(Uint8Array.of(1), be64(i), be64(1767225600000 + i),
		    u16(i < 3 ? 1 : 3), prev, payload);
		entries.push(e);
		prev = await V.leafHash(e);
		leaves.push(prev);
	}
	const h01 = await V.nodeHash(leaves[0], leaves[1]);
	const h23 = await V.nodeHash(leaves[2], leaves[3]);
	const top = await V.nodeHash(h01, h23);
	const text = `${name}\n4\n${V.b64encode(top)}\n`;
	const sig = new Uint8Array(edSign(null, Buffer.from(text), privateKey));
	const note = text + `\n\u2014 ${name} ` + V.b64encode(V.concat(
	    Uint8Array.of(id >>> 24, (id >> 16) & 255, (id >> 8) & 255, id & 255),
	    sig)) + '\n';
	const policy = await V.makePolicy({ log: vkey });
	const bundle = async (vin, over = {}) => {
		const k = await V.vehicleKey(vin);
		const map = over.map || await prove(pairs, k);
		const r = over.record !== undefined ? over.record :
		    (bins[vin] || new Uint8Array(0));
		const e = over.entry || entries[3];
		const incl = over.incl || [leaves[2], h01];
		const body = enc.encode(over.text || text);
		return V.concat(Uint8Array.of(0x4c, 0x53, 0x50, 0x02, vin.length),
		    enc.encode(vin), u16(r.length), r, u16(map.length), map,
		    u16(e.length), e, Uint8Array.of(incl.length), ...incl,
		    u16(body.length), body, over.sig || sig, Uint8Array.of(0));
	};
	return { vins, records, bins, pairs, root, policy, bundle, entries, leaves,
		h01, note };
}

test('status proofs: present with a lien, present and seized, absent', async () => {
	const w = await world();
	let v = await V.verifyStatusProof(await w.bundle(w.vins[0]), w.vins[0], w.policy);
	assert.equal(v.ok, true, v.reason);
	assert.equal(v.status.kind, 'lien');
	assert.equal(v.status.record.liens[0].app, 'A0000000000000010');
	assert.equal(v.status.treeSize, 4n);
	v = await V.verifyStatusProof(await w.bundle(w.vins[1]), w.vins[1], w.policy);
	assert.equal(v.status.kind, 'restricted');
	v = await V.verifyStatusProof(await w.bundle(w.vins[2]), w.vins[2], w.policy);
	assert.equal(v.ok, true, v.reason);
	assert.equal(v.status.kind, 'absent');
	/* the empty map's proof, section 5: 01 0000 */
	assert.deepEqual(V.decodeMapProof(Uint8Array.of(1, 0, 0)).kind, 1);
});

test('status proofs: every refusal names its step', async () => {
	const w = await world();
	const [a, b, c] = w.vins;
	const check = async (bytes, vin, step) => {
		const v = await V.verifyStatusProof(bytes, vin, w.policy);
		assert.equal(v.ok, false, step);
		assert.equal(v.failed, step, `${step}: ${v.reason}`);
	};
	await check(await w.bundle(a), b, 'vehicle');
	await check((await w.bundle(a)).slice(1), a, 'format');
	const bad = await w.bundle(a);
	/* a byte of the log's signature (64 bytes before the count) */
	bad[bad.length - 6] ^= 1;
	await check(bad, a, 'log_signature');
	await check(await w.bundle(a, { entry: w.entries[2] }), a, 'state_root');
	await check(await w.bundle(a, { incl: [w.leaves[2], w.leaves[0]] }), a,
	    'inclusion');
	/* another vehicle's presence proof, record and all */
	const other = await w.bundle(b);
	await check(await w.bundle(a, { map: await prove(w.pairs,
	    await V.vehicleKey(b)), record: w.bins[b] }), a, 'map_proof');
	void other;
	/* a record that is not the proven value */
	const r2 = w.bins[a].slice();
	r2[r2.length - 4] ^= 1;		/* the lien's registration time */
	await check(await w.bundle(a, { record: r2 }), a, 'record');
	/* presence proof without a record, absence with one */
	await check(await w.bundle(a, { record: new Uint8Array(0) }), a, 'format');
	await check(await w.bundle(c, { record: w.bins[a] }), c, 'format');
	/* trailing bytes, a record that does not render */
	await check(V.concat(await w.bundle(a), Uint8Array.of(0)), a, 'format');
	await check(await w.bundle(a, { record: w.bins[a].subarray(1) }), a,
	    'format');
	await check(await w.bundle(a, { record: V.concat(w.bins[a],
	    Uint8Array.of(0)) }), a, 'format');
	/* non-canonical map proofs */
	for (const m of [Uint8Array.of(3, 0, 0), Uint8Array.of(1, 1, 1, 0),
	    Uint8Array.of(1, 0, 1, 0), Uint8Array.of(1, 0, 0, 0)])
		assert.throws(() => V.decodeMapProof(m), V.VerifyError);
});

/* tests/vectors/lien_status/bundles.json: the bundles the C code made
 * reach the verdicts the manifest names (steps 1-7: this verifier leaves
 * freshness to the page, so stale and too_old cases only need to verify). */
test('status proofs: the project vectors', async () => {
	const dir = 'lien_status/';
	const m = JSON.parse(read(dir + 'bundles.json'));
	const want = { malformed: ['format'], wrong_vehicle: ['vehicle'],
		bad_checkpoint: ['format', 'origin', 'log_signature'],
		witness_quorum: ['witnesses'], not_state_root: ['state_root'],
		not_last_leaf: ['state_root'], inclusion: ['inclusion'],
		map_proof: ['map_proof'], record_mismatch: ['record'],
		stale: null, too_old: null, ok: null };
	const words = { lien: 'under_lien', restricted: 'restricted', clear: 'clear',
		absent: 'no_record' };
	let n = 0;
	for (const c of m.cases) {
		const keys = { log: read(dir + c.vkey).trim() };
		if (c.witnesses) {
			keys.witnesses = c.witnesses.map((f) => read(dir + f).trim());
			keys.quorum = c.quorum;
		}
		const policy = await V.makePolicy(keys);
		const bytes = new Uint8Array(readFileSync(join(VECTORS, dir + c.file)));
		const v = await V.verifyStatusProof(bytes, c.vin, policy);
		const steps = want[c.expect];
		assert.ok(c.expect in want, c.expect);
		if (steps === null) {
			assert.equal(v.ok, true, `${c.file}: ${v.reason}`);
			if (c.expect === 'ok' && c.status)
				assert.equal(words[v.status.kind], c.status, c.file);
		} else {
			assert.equal(v.ok, false, c.file);
			assert.ok(steps.includes(v.failed), `${c.file}: ${v.failed} ` +
			    `(${v.reason}), want ${c.expect}`);
		}
		n++;
	}
	assert.ok(n >= 20);
});

/* large_tree.bin: a state root that is entry 2^53 + 2, the last leaf of a
 * checkpoint of 2^53 + 3 entries; every size and index exact. */
test('status proofs: tree sizes above 2^53 are exact', async () => {
	const dir = 'lien_status/';
	const m = JSON.parse(read(dir + 'bundles.json'));
	const c = m.cases.find((x) => x.file === 'large_tree.bin');
	assert.ok(c, 'large_tree.bin is a case');
	const policy = await V.makePolicy({ log: read(dir + c.vkey).trim() });
	const bytes = new Uint8Array(readFileSync(join(VECTORS, dir + c.file)));
	const v = await V.verifyStatusProof(bytes, c.vin, policy);
	assert.equal(v.ok, true, v.reason);
	assert.equal(v.status.treeSize, (1n << 53n) + 3n);
	assert.equal(v.entry.index, (1n << 53n) + 2n);
});

/* A record's indexes and times above 2^53 (one is 2^64 - 1) come out
 * exact, as BigInt: JSON.parse would round them and the canonical form
 * would no longer match. (No shared vector: the C CLI's record reader,
 * registry_status_parse, keeps RFC 8785's 2^53 - 1, and the registry
 * never writes more than 2^52, docs/registry.md.) */
test('status proofs: record numbers above 2^53 are exact', async () => {
	const big = { fuller: 'ab'.repeat(32), liens: [{ app: 'A0000000000000010',
	    rank: 1n, registered_index: (1n << 64n) - 1n,
	    registered_ms: (1n << 53n) + 5n }], recorded_index: (1n << 53n) + 1n,
	    recorded_ms: (1n << 53n) + 3n, released: [], restrictions: [] };
	const w = await world({ big });
	const vin = w.vins[0];
	const v = await V.verifyStatusProof(await w.bundle(vin), vin, w.policy);
	assert.equal(v.ok, true, v.reason);
	assert.equal(v.status.kind, 'lien');
	const r = v.status.record;
	assert.equal(r.recorded_index, (1n << 53n) + 1n);
	assert.equal(r.recorded_ms, (1n << 53n) + 3n);
	assert.equal(r.liens[0].registered_index, (1n << 64n) - 1n);
	assert.equal(r.liens[0].registered_ms, (1n << 53n) + 5n);
	assert.equal(r.liens[0].rank, 1n);
});
