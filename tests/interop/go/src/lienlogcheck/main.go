// Command lienlogcheck is an independent verifier of a running lienlogd.
//
// It checks the log over HTTP using only the Go checksum database's own
// packages, golang.org/x/mod/sumdb/note (signed notes, Ed25519 verifier
// keys) and golang.org/x/mod/sumdb/tlog (RFC 6962 hashing, tiles, proofs),
// and none of lienlog's C code, so a bug shared by our writer and our
// verifier cannot hide here. What it proves, for the tree in the current
// checkpoint:
//
//   - the checkpoint is a C2SP signed note that note.Open accepts under the
//     given verifier key, and its body is origin / size / base64 root;
//   - every hash tile of that tree (C2SP tlog-tiles paths, which are Go's
//     "tile/8/L/N" without the height element) is read through
//     tlog.TileHashReader against the checkpoint tree, and every hash in it
//     equals the hash this program recomputes from the entries (whose root
//     is the signed root). The comparison is what proves the tiles right:
//     x/mod 0.7.0's TileHashReader leaves some tiles unauthenticated when
//     several root subtrees share a tile (its parent check starts at
//     tiles[len(stx)], not at the number of distinct root tiles), see
//     docs/testing.md;
//   - every entry bundle parses (uint16 length-prefixed entries), every
//     leaf hash recomputed with tlog.RecordHash and the tree rebuilt with
//     tlog.StoredHashes reproduce the checkpoint root;
//   - every entry's envelope (tlog/entry.h: version, index, time, prev)
//     links to the previous entry's leaf hash;
//   - sampled /v1/proof/inclusion and /v1/proof/consistency answers verify
//     with tlog.CheckRecord / tlog.CheckTree against tree hashes computed by
//     tlog.TreeHash, and equal tlog.ProveRecord / tlog.ProveTree exactly
//     (RFC 6962 proofs are unique, so any other list is wrong).
//
// It also runs a few forgeries through the same checks (a wrong key, a
// flipped body byte, a flipped proof hash) to show the checks are live.
// It prints one summary line and exits 0, or prints the first mismatch and
// exits 1 (2 for usage errors).
package main

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	mrand "math/rand"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Limits on what the server may send us: a checker must not be made to
// allocate without bound by the thing it checks.
const (
	tileHeight     = 8                         // C2SP tlog-tiles fixes height 8
	tileWidth      = 1 << tileHeight           // hashes per full tile
	entryHeaderLen = 51                        // tlog/entry.h
	checkpointMax  = 64 << 10                  // NOTE_MAX
	tileMax        = tileWidth * tlog.HashSize // one full hash tile
	bundleMax      = tileWidth * (2 + 65535)   // 256 entries of LEDGER_ENTRY_MAX
	proofJSONMax   = 64 << 10                  // PROOF_JSON_MAX
	proofMax       = 64                        // MERKLE_PROOF_MAX
	httpTimeout    = 30 * time.Second
)

type checker struct {
	base     string
	client   *http.Client
	verifier note.Verifier
	maxN     int64
	requests int
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "lienlogcheck: FAIL: "+format+"\n", args...)
	os.Exit(1)
}

// get fetches base+path; found is false for a 404 (so the caller may fall
// back, as C2SP allows for partial tiles), any other non-200 is an error.
func (c *checker) get(path string, max int64) (body []byte, found bool, err error) {
	c.requests++
	resp, err := c.client.Get(c.base + path)
	if err != nil {
		return nil, false, err
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, false, fmt.Errorf("GET %s: %v", path, err)
	}
	if resp.StatusCode == http.StatusNotFound {
		return nil, false, nil
	}
	if resp.StatusCode != http.StatusOK {
		return nil, false, fmt.Errorf("GET %s: status %d", path, resp.StatusCode)
	}
	if int64(len(body)) > max {
		return nil, false, fmt.Errorf("GET %s: body larger than %d bytes", path, max)
	}
	return body, true, nil
}

func (c *checker) mustGet(path string, max int64) []byte {
	body, found, err := c.get(path, max)
	if err != nil {
		fail("%v", err)
	}
	if !found {
		fail("GET %s: 404", path)
	}
	return body
}

// ---- Checkpoint -----------------------------------------------------------

type checkpoint struct {
	origin string
	size   int64
	root   tlog.Hash
}

// parseCheckpoint parses a C2SP tlog-checkpoint body strictly: origin,
// canonical decimal size, canonical base64 of exactly 32 bytes, then
// optional non-empty extension lines.
func parseCheckpoint(text string) (checkpoint, error) {
	var cp checkpoint
	if !strings.HasSuffix(text, "\n") {
		return cp, errors.New("body does not end in newline")
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) < 3 {
		return cp, errors.New("body has fewer than 3 lines")
	}
	cp.origin = lines[0]
	if cp.origin == "" {
		return cp, errors.New("empty origin")
	}
	n, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || n < 0 || strconv.FormatInt(n, 10) != lines[1] {
		return cp, fmt.Errorf("non-canonical tree size %q", lines[1])
	}
	cp.size = n
	raw, err := base64.StdEncoding.Strict().DecodeString(lines[2])
	if err != nil || len(raw) != tlog.HashSize ||
		base64.StdEncoding.EncodeToString(raw) != lines[2] {
		return cp, fmt.Errorf("bad root hash %q", lines[2])
	}
	copy(cp.root[:], raw)
	for _, ext := range lines[3:] {
		if ext == "" {
			return cp, errors.New("empty extension line")
		}
	}
	return cp, nil
}

// openCheckpoint verifies a signed note with note.Open and parses its body;
// the origin must be the key name (how lienlog binds a store to its key).
func (c *checker) openCheckpoint(msg []byte) (checkpoint, error) {
	n, err := note.Open(msg, note.VerifierList(c.verifier))
	if err != nil {
		return checkpoint{}, fmt.Errorf("note.Open: %v", err)
	}
	cp, err := parseCheckpoint(n.Text)
	if err != nil {
		return cp, err
	}
	if cp.origin != c.verifier.Name() {
		return cp, fmt.Errorf("origin %q is not the key name %q", cp.origin, c.verifier.Name())
	}
	return cp, nil
}

// ---- Tiles ----------------------------------------------------------------

// c2spPath turns Go's "tile/8/L/N[.p/W]" into C2SP's "tile/L/N[.p/W]", and
// Go's data tiles "tile/8/data/N" into C2SP's "tile/entries/N". The <N>
// encoding (x-prefixed 3-digit groups) is the same in both.
func c2spPath(t tlog.Tile) string {
	p := t.Path()
	prefix := fmt.Sprintf("tile/%d/", t.H)
	if !strings.HasPrefix(p, prefix) {
		fail("internal: unexpected tile path %q", p)
	}
	rest := strings.TrimPrefix(p, prefix)
	if t.L == -1 {
		rest = "entries/" + strings.TrimPrefix(rest, "data/")
	}
	return "tile/" + rest
}

// tileReader implements tlog.TileReader over HTTP. Downloaded bytes are
// untrusted; tlog.TileHashReader checks them against the tree and then
// calls SaveTiles, where we record which tiles went through it.
type tileReader struct {
	c         *checker
	cache     map[tlog.Tile][]byte
	saved     map[tlog.Tile]bool
	fallbacks int
}

func (r *tileReader) Height() int { return tileHeight }

func (r *tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		if d, ok := r.cache[t]; ok {
			out[i] = d
			continue
		}
		d, err := r.fetch(t)
		if err != nil {
			return nil, err
		}
		r.cache[t] = d
		out[i] = d
	}
	return out, nil
}

func (r *tileReader) SaveTiles(tiles []tlog.Tile, data [][]byte) {
	for _, t := range tiles {
		r.saved[t] = true
	}
}

// fetch downloads hash tile t. C2SP tlog-tiles lets a server drop a partial
// tile once the full one exists, so a 404 for a partial tile falls back to
// the full tile and keeps its first W hashes.
func (r *tileReader) fetch(t tlog.Tile) ([]byte, error) {
	want := t.W * tlog.HashSize
	path := "/log/" + c2spPath(t)
	d, found, err := r.c.get(path, tileMax)
	if err != nil {
		return nil, err
	}
	if !found && t.W < tileWidth {
		full := t
		full.W = tileWidth
		path = "/log/" + c2spPath(full)
		d, found, err = r.c.get(path, tileMax)
		if err != nil {
			return nil, err
		}
		if found {
			if len(d) != tileMax {
				return nil, fmt.Errorf("GET %s: %d bytes, want %d", path, len(d), tileMax)
			}
			r.fallbacks++
			return d[:want], nil
		}
	}
	if !found {
		return nil, fmt.Errorf("GET %s: 404", path)
	}
	if len(d) != want {
		return nil, fmt.Errorf("GET %s: %d bytes, want %d", path, len(d), want)
	}
	return d, nil
}

// treeTiles lists the hash tiles of a tree of size n at their final widths.
func treeTiles(n int64) []tlog.Tile {
	var tiles []tlog.Tile
	for level := 0; n>>(uint(level)*tileHeight) > 0; level++ {
		count := n >> (uint(level) * tileHeight)
		for k := int64(0); k < count>>tileHeight; k++ {
			tiles = append(tiles, tlog.Tile{H: tileHeight, L: level, N: k, W: tileWidth})
		}
		if w := int(count & (tileWidth - 1)); w > 0 {
			tiles = append(tiles, tlog.Tile{H: tileHeight, L: level, N: count >> tileHeight, W: w})
		}
	}
	return tiles
}

// ---- Entry bundles --------------------------------------------------------

// parseBundle splits a C2SP entry bundle into exactly want entries of
// big-endian uint16 length-prefixed bytes, with nothing left over.
func parseBundle(d []byte, want int) ([][]byte, error) {
	var out [][]byte
	for len(d) > 0 {
		if len(d) < 2 {
			return nil, errors.New("truncated length prefix")
		}
		l := int(binary.BigEndian.Uint16(d))
		d = d[2:]
		if l > len(d) {
			return nil, fmt.Errorf("entry %d: length %d beyond bundle", len(out), l)
		}
		out = append(out, d[:l])
		d = d[l:]
	}
	if len(out) != want {
		return nil, fmt.Errorf("%d entries, want %d", len(out), want)
	}
	return out, nil
}

func (c *checker) fetchEntries(n int64) ([][]byte, int, int) {
	entries := make([][]byte, 0, n)
	bundles, fallbacks := 0, 0
	for k := int64(0); k*tileWidth < n; k++ {
		w := n - k*tileWidth
		if w > tileWidth {
			w = tileWidth
		}
		t := tlog.Tile{H: tileHeight, L: -1, N: k, W: int(w)}
		path := "/log/" + c2spPath(t)
		d, found, err := c.get(path, bundleMax)
		if err != nil {
			fail("%v", err)
		}
		got := int(w)
		if !found && w < tileWidth {
			t.W = tileWidth
			path = "/log/" + c2spPath(t)
			d = c.mustGet(path, bundleMax)
			got = tileWidth
			fallbacks++
		} else if !found {
			fail("GET %s: 404", path)
		}
		es, err := parseBundle(d, got)
		if err != nil {
			fail("GET %s: bad bundle: %v", path, err)
		}
		entries = append(entries, es[:w]...)
		bundles++
	}
	return entries, bundles, fallbacks
}

// ---- Local hash storage ---------------------------------------------------

// memHashes is the tree rebuilt here from the entries, in tlog's stored
// hash order (tlog.StoredHashIndex).
type memHashes []tlog.Hash

func (m *memHashes) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(*m)) {
			return nil, fmt.Errorf("hash %d not stored", x)
		}
		out[i] = (*m)[x]
	}
	return out, nil
}

func (m *memHashes) leaf(i int64) tlog.Hash {
	return (*m)[tlog.StoredHashIndex(0, i)]
}

// ---- Proof API ------------------------------------------------------------

type inclusionJSON struct {
	Index      *int64   `json:"index"`
	TreeSize   *int64   `json:"tree_size"`
	LeafHash   *string  `json:"leaf_hash"`
	Proof      []string `json:"proof"`
	Checkpoint *string  `json:"checkpoint"` // receipts only
}

type consistencyJSON struct {
	OldSize  *int64   `json:"old_size"`
	TreeSize *int64   `json:"tree_size"`
	Proof    []string `json:"proof"`
}

// decodeJSON decodes one JSON object with no unknown fields and nothing
// after it.
func decodeJSON(body []byte, v interface{}) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data after JSON object")
	}
	return nil
}

func decodeHash(s string) (tlog.Hash, error) {
	var h tlog.Hash
	raw, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil || len(raw) != tlog.HashSize || base64.StdEncoding.EncodeToString(raw) != s {
		return h, fmt.Errorf("bad base64 hash %q", s)
	}
	copy(h[:], raw)
	return h, nil
}

func decodeProof(list []string) ([]tlog.Hash, error) {
	if list == nil {
		return nil, errors.New("missing proof")
	}
	if len(list) > proofMax {
		return nil, fmt.Errorf("%d proof hashes, more than %d", len(list), proofMax)
	}
	out := make([]tlog.Hash, len(list))
	for i, s := range list {
		h, err := decodeHash(s)
		if err != nil {
			return nil, fmt.Errorf("proof[%d]: %v", i, err)
		}
		out[i] = h
	}
	return out, nil
}

func sameProof(a, b []tlog.Hash) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func (c *checker) treeHash(n int64, m *memHashes) tlog.Hash {
	h, err := tlog.TreeHash(n, m)
	if err != nil {
		fail("tlog.TreeHash(%d): %v", n, err)
	}
	return h
}

func (c *checker) checkInclusion(index, n int64, m *memHashes) {
	path := fmt.Sprintf("/v1/proof/inclusion?index=%d&tree_size=%d", index, n)
	body := c.mustGet(path, proofJSONMax)
	var r inclusionJSON
	if err := decodeJSON(body, &r); err != nil {
		fail("GET %s: %v", path, err)
	}
	if r.Index == nil || r.TreeSize == nil || r.LeafHash == nil {
		fail("GET %s: missing field", path)
	}
	if *r.Index != index || *r.TreeSize != n {
		fail("GET %s: answered index=%d tree_size=%d", path, *r.Index, *r.TreeSize)
	}
	leaf, err := decodeHash(*r.LeafHash)
	if err != nil {
		fail("GET %s: leaf_hash: %v", path, err)
	}
	if leaf != m.leaf(index) {
		fail("GET %s: leaf_hash %v, entry hashes to %v", path, leaf, m.leaf(index))
	}
	proof, err := decodeProof(r.Proof)
	if err != nil {
		fail("GET %s: %v", path, err)
	}
	th := c.treeHash(n, m)
	if err := tlog.CheckRecord(proof, n, th, index, leaf); err != nil {
		fail("GET %s: tlog.CheckRecord: %v", path, err)
	}
	want, err := tlog.ProveRecord(n, index, m)
	if err != nil {
		fail("tlog.ProveRecord(%d, %d): %v", n, index, err)
	}
	if !sameProof(proof, want) {
		fail("GET %s: proof differs from tlog.ProveRecord", path)
	}
	if r.Checkpoint != nil {
		cp, err := c.openCheckpoint([]byte(*r.Checkpoint))
		if err != nil {
			fail("GET %s: embedded checkpoint: %v", path, err)
		}
		if cp.size != n || cp.root != th {
			fail("GET %s: embedded checkpoint is for another tree", path)
		}
	}
	// A forged proof must not pass the same check.
	if len(proof) > 0 {
		proof[0][0] ^= 1
		if tlog.CheckRecord(proof, n, th, index, leaf) == nil {
			fail("forged inclusion proof for %d in %d accepted", index, n)
		}
	}
}

func (c *checker) checkConsistency(old, n int64, m *memHashes) {
	path := fmt.Sprintf("/v1/proof/consistency?old_size=%d&tree_size=%d", old, n)
	body := c.mustGet(path, proofJSONMax)
	var r consistencyJSON
	if err := decodeJSON(body, &r); err != nil {
		fail("GET %s: %v", path, err)
	}
	if r.OldSize == nil || r.TreeSize == nil {
		fail("GET %s: missing field", path)
	}
	if *r.OldSize != old || *r.TreeSize != n {
		fail("GET %s: answered old_size=%d tree_size=%d", path, *r.OldSize, *r.TreeSize)
	}
	proof, err := decodeProof(r.Proof)
	if err != nil {
		fail("GET %s: %v", path, err)
	}
	oh, th := c.treeHash(old, m), c.treeHash(n, m)
	if err := tlog.CheckTree(proof, n, th, old, oh); err != nil {
		fail("GET %s: tlog.CheckTree: %v", path, err)
	}
	want, err := tlog.ProveTree(n, old, m)
	if err != nil {
		fail("tlog.ProveTree(%d, %d): %v", n, old, err)
	}
	if !sameProof(proof, want) {
		fail("GET %s: proof differs from tlog.ProveTree", path)
	}
	if len(proof) > 0 {
		proof[len(proof)-1][31] ^= 0x80
		if tlog.CheckTree(proof, n, th, old, oh) == nil {
			fail("forged consistency proof %d -> %d accepted", old, n)
		}
	}
}

// ---- Main -----------------------------------------------------------------

func main() {
	base := flag.String("url", "", "base URL of lienlogd, e.g. http://127.0.0.1:8080")
	vkeyFile := flag.String("vkey", "", "verifier key file (<name>+<hex>+<base64>)")
	nIncl := flag.Int("inclusion", 200, "sampled inclusion proofs")
	nCons := flag.Int("consistency", 200, "sampled consistency proofs")
	seed := flag.Int64("seed", 1, "sampling seed")
	maxN := flag.Int64("max-entries", 1<<20, "refuse larger trees (memory bound)")
	flag.Parse()
	if *base == "" || *vkeyFile == "" || flag.NArg() != 0 || *nIncl < 0 || *nCons < 0 {
		fmt.Fprintln(os.Stderr, "usage: lienlogcheck -url URL -vkey FILE [-inclusion N] [-consistency N] [-seed S]")
		os.Exit(2)
	}
	vkey, err := os.ReadFile(*vkeyFile)
	if err != nil {
		fail("%v", err)
	}
	v, err := note.NewVerifier(strings.TrimSuffix(string(vkey), "\n"))
	if err != nil {
		fail("note.NewVerifier(%s): %v", *vkeyFile, err)
	}
	c := &checker{
		base:     strings.TrimSuffix(*base, "/"),
		client:   &http.Client{Timeout: httpTimeout},
		verifier: v,
		maxN:     *maxN,
	}

	// 1. The checkpoint, verified by sumdb/note.
	msg := c.mustGet("/log/checkpoint", checkpointMax)
	cp, err := c.openCheckpoint(msg)
	if err != nil {
		fail("/log/checkpoint: %v", err)
	}
	if cp.size == 0 {
		fail("/log/checkpoint: empty tree, nothing to check")
	}
	if cp.size > c.maxN {
		fail("tree size %d above -max-entries %d", cp.size, c.maxN)
	}
	forgeries(c, msg)

	// 2. Every entry bundle; rebuild the tree with tlog.StoredHashes.
	entries, nbundles, bfall := c.fetchEntries(cp.size)
	m := make(memHashes, 0, tlog.StoredHashCount(cp.size))
	for i, e := range entries {
		if int64(len(m)) != tlog.StoredHashIndex(0, int64(i)) {
			fail("internal: stored hash count %d at record %d", len(m), i)
		}
		hs, err := tlog.StoredHashes(int64(i), e, &m)
		if err != nil {
			fail("tlog.StoredHashes(%d): %v", i, err)
		}
		m = append(m, hs...)
	}
	if root := c.treeHash(cp.size, &m); root != cp.root {
		fail("root recomputed from %d entries is %v, checkpoint says %v", cp.size, root, cp.root)
	}

	// 3. Envelopes and the hash chain (tlog/entry.h).
	var lastTime uint64
	for i, e := range entries {
		if len(e) < entryHeaderLen {
			fail("entry %d: %d bytes, shorter than the %d-byte header", i, len(e), entryHeaderLen)
		}
		if e[0] != 1 {
			fail("entry %d: version %d", i, e[0])
		}
		if idx := binary.BigEndian.Uint64(e[1:9]); idx != uint64(i) {
			fail("entry %d: envelope says index %d", i, idx)
		}
		t := binary.BigEndian.Uint64(e[9:17])
		if t < lastTime {
			fail("entry %d: time %d before previous %d", i, t, lastTime)
		}
		lastTime = t
		var prev tlog.Hash
		if i > 0 {
			prev = m.leaf(int64(i - 1))
		}
		if !bytes.Equal(e[19:51], prev[:]) {
			fail("entry %d: prev is not the leaf hash of entry %d", i, i-1)
		}
	}

	// 4. Every hash tile, read through tlog.TileHashReader for the
	// checkpoint tree, must hold exactly the hashes rebuilt from the
	// entries, whose root is the signed root (step 2). That equality is the
	// proof; TileHashReader alone misses some forged tiles (see the top).
	tr := &tileReader{c: c, cache: map[tlog.Tile][]byte{}, saved: map[tlog.Tile]bool{}}
	thr := tlog.TileHashReader(tlog.Tree{N: cp.size, Hash: cp.root}, tr)
	tiles := treeTiles(cp.size)
	var indexes []int64
	for _, t := range tiles {
		start := t.N << tileHeight
		for k := 0; k < t.W; k++ {
			indexes = append(indexes, tlog.StoredHashIndex(t.L*tileHeight, start+int64(k)))
		}
	}
	got, err := thr.ReadHashes(indexes)
	if err != nil {
		fail("tlog.TileHashReader: %v", err)
	}
	for i, x := range indexes {
		if got[i] != m[x] {
			level, n := tlog.SplitStoredHashIndex(x)
			fail("tile hash (level %d, index %d) is %v, entries give %v", level, n, got[i], m[x])
		}
	}
	for _, t := range tiles {
		if !tr.saved[t] {
			fail("tile %s was never read", c2spPath(t))
		}
	}

	// 5. Sampled proofs, always including the edges of the tree.
	rng := mrand.New(mrand.NewSource(*seed))
	n := cp.size
	for k := 0; k < *nIncl; k++ {
		var index, size int64
		switch k {
		case 0:
			index, size = 0, n
		case 1:
			index, size = n-1, n
		case 2:
			index, size = 0, 1
		default:
			index = rng.Int63n(n)
			size = index + 1 + rng.Int63n(n-index)
		}
		c.checkInclusion(index, size, &m)
	}
	for k := 0; k < *nCons; k++ {
		var old, size int64
		switch k {
		case 0:
			old, size = 1, n
		case 1:
			old, size = n, n
		case 2:
			old, size = n-1, n
		default:
			size = 1 + rng.Int63n(n)
			old = 1 + rng.Int63n(size)
		}
		c.checkConsistency(old, size, &m)
	}

	fmt.Printf("lienlogcheck: OK origin=%q size=%d root=%v: %d hash tiles read via tlog.TileHashReader equal the rebuilt tree "+
		"(%d partial-tile fallbacks), %d entry bundles (%d fallbacks), %d leaf hashes and hash chain, "+
		"%d inclusion and %d consistency proofs checked with tlog, %d HTTP requests\n",
		cp.origin, cp.size, cp.root, len(tiles), tr.fallbacks, nbundles, bfall, len(entries),
		*nIncl, *nCons, c.requests)
}

// forgeries runs the checkpoint check on inputs that must fail, so a check
// that silently accepts everything cannot pass: a key with the same name
// but another public key, and the body with one byte changed.
func forgeries(c *checker, msg []byte) {
	_, vkey, err := note.GenerateKey(rand.Reader, c.verifier.Name())
	if err != nil {
		fail("note.GenerateKey: %v", err)
	}
	other, err := note.NewVerifier(vkey)
	if err != nil {
		fail("note.NewVerifier: %v", err)
	}
	if _, err := note.Open(msg, note.VerifierList(other)); err == nil {
		fail("checkpoint accepted under an unrelated key")
	}
	bad := append([]byte(nil), msg...)
	i := bytes.IndexByte(bad, '\n') + 1 // first byte of the size line
	bad[i] ^= 1
	if _, err := c.openCheckpoint(bad); err == nil {
		fail("checkpoint with a changed size accepted")
	}
}
