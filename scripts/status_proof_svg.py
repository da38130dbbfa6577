#!/usr/bin/python3
"""Draw a real lien-status proof as SVG (docs/lien-status-proof.svg):
the path from the vehicle's leaf up to the map root (left), and from the
state-root entry that holds that root up to the signed checkpoint (right).

    python3 scripts/status_proof_svg.py --vkey tests/vectors/lien_status/log.vkey \\
        --vin VIN tests/vectors/lien_status/lien_present.bin > docs/lien-status-proof.svg

The proof is decoded and verified with tests/interop/lien_status.py (the
verifier written from docs/lien-status.md), so the picture only ever shows
a proof that checks out. Standard library only.
"""
import argparse
import os
import sys
from xml.sax.saxutils import escape

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "interop"))
import lien_status as ls  # noqa: E402

W, H = 980, 660


def short(h):
    return h.hex()[:8] + "\u2026"


class Svg:
    def __init__(self):
        self.parts = []

    def add(self, s):
        self.parts.append(s)

    def box(self, x, y, w, h, lines, fill="#fff", stroke="#333", dash=False,
            bold=False):
        self.add('<rect x="%d" y="%d" width="%d" height="%d" rx="6" '
                 'fill="%s" stroke="%s"%s/>' % (
                     x - w // 2, y - h // 2, w, h, fill, stroke,
                     ' stroke-dasharray="4 3"' if dash else ""))
        n = len(lines)
        for i, t in enumerate(lines):
            self.add('<text x="%d" y="%d" text-anchor="middle" '
                     'font-size="11"%s>%s</text>' % (
                         x, y - 6 * (n - 1) + 12 * i + 4,
                         ' font-weight="bold"' if bold and i == 0 else "",
                         escape(t)))

    def line(self, x1, y1, x2, y2, arrow=False, color="#555"):
        self.add('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" '
                 'stroke-width="1.4"%s/>' % (
                     x1, y1, x2, y2, color,
                     ' marker-end="url(#arrow)"' if arrow else ""))

    def text(self, x, y, t, size=12, anchor="start", bold=False):
        self.add('<text x="%d" y="%d" font-size="%d" text-anchor="%s"%s>%s'
                 '</text>' % (x, y, size, anchor,
                              ' font-weight="bold"' if bold else "",
                              escape(t)))

    def render(self):
        return ('<svg xmlns="http://www.w3.org/2000/svg" width="%d" '
                'height="%d" viewBox="0 0 %d %d" font-family="sans-serif">\n'
                '<defs><marker id="arrow" markerWidth="10" markerHeight="8" '
                'refX="9" refY="4" orient="auto"><path d="M0,0 L10,4 L0,8 z" '
                'fill="#a33"/></marker></defs>\n'
                '<rect width="100%%" height="100%%" fill="#fcfcfa"/>\n'
                % (W, H, W, H) + "\n".join(self.parts) + "\n</svg>\n")


def draw(res, vin):
    b = res["bundle"]
    mp = b["map"]
    key = ls.vehicle_key(vin)
    s = Svg()
    s.text(20, 28, "Status proof of VIN %s: %s, tree size %d" % (
        vin, ls.status_word(res), res["tree_size"]), 15, bold=True)

    # Left: the map, root at the top, the vehicle's leaf at the bottom.
    d = mp["depth"]
    top, bottom = 120, 500
    step = (bottom - top) / max(d, 1)
    cx = 260
    s.text(30, 62, "Lien-status map (section 4): key = H(\"lienlog-vehicle-"
           "v1\" 0x00 VIN)", 12, bold=True)
    s.text(30, 80, "the key's bits lead from the root to its leaf; each "
           "sibling beside (dashed: EMPTY)", 11)
    ys = [top + i * step for i in range(d + 1)]
    s.box(cx, ys[0] - 16, 170, 30, ["map root", short(res["map_root"])],
          fill="#fff5e6", stroke="#a60", bold=True)
    for i in range(d):
        b_i = ls.bit(key, i)
        sx = cx + (-175 if b_i else 175)
        sib = mp["sibs"][i]
        empty = sib == ls.EMPTY
        y0 = ys[i] if i else ys[0] - 1
        s.line(cx, y0, cx, ys[i + 1])
        s.line(cx, y0, sx, ys[i + 1] - 12, color="#999")
        s.box(sx, ys[i + 1], 140, 24,
              ["EMPTY" if empty else "sib %d: %s" % (i, short(sib))],
              fill="#f4f4f4" if empty else "#eef4fb", dash=empty)
        s.add('<circle cx="%d" cy="%d" r="3" fill="#333"/>' % (cx, ys[i]))
        s.text(cx + (6 if not b_i else -6), (ys[i] + ys[i + 1]) / 2 + 4,
               "bit %d = %d" % (i, b_i), 10, "start" if not b_i else "end")
    if mp["kind"] == 0:
        leaf = ["LEAF(key, value), depth %d" % d,
                "value = H(status record)"]
        fill = "#eaf7ea"
    elif mp["kind"] == 1:
        leaf = ["EMPTY at depth %d" % d, "no record: no lien"]
        fill = "#f4f4f4"
    else:
        leaf = ["another key's LEAF, depth %d" % d,
                "no record: no lien"]
        fill = "#f4f4f4"
    s.box(cx, ys[d] + (0 if d else 50), 190, 34, leaf, fill=fill,
          stroke="#393", bold=True)
    rec = res["record"]
    if rec is not None:
        lines = ["status record: %d lien(s) in force, %d released, %d "
                 "restriction(s)" % (len(rec["liens"]), len(rec["released"]),
                                     len(rec["restrictions"]))]
        for x in rec["liens"][:2]:
            lines.append("rank %d: %s, registered at entry %d" % (
                x["rank"], x["app"], x["registered_index"]))
        for x in rec["released"][:1]:
            lines.append("released: %s at entry %d" % (
                x["app"], x["released_index"]))
        for x in rec["restrictions"][:1]:
            lines.append("%s since entry %d" % (x["kind"], x["index"]))
        s.box(cx, 580, 340, 16 + 12 * len(lines), lines, fill="#fff",
              stroke="#999")
        s.line(cx, ys[d] + 17, cx, 580 - 8 - 6 * len(lines), color="#393")

    # Right: the log; the state-root entry is the tree's last leaf.
    rx = 760
    n = len(b["incl"])
    s.text(540, 62, "The log (RFC 9162): the state-root entry is the last "
           "leaf", 12, bold=True)
    cp_lines = b["body"].decode().split("\n")
    nsig = sum(1 for x in cp_lines if x.startswith("\u2014 "))
    s.box(rx, 112, 320, 40, ["signed checkpoint of %s" % res["origin"],
                             "size %d, root %s, %d signature(s)" % (
                                 res["tree_size"], short(res["log_root"]),
                                 nsig)],
          fill="#fff5e6", stroke="#a60", bold=True)
    ltop, lbottom = 180, 470
    lstep = (lbottom - ltop) / max(n, 1)
    lys = [ltop + k * lstep for k in range(n + 1)]
    nx = rx + 70
    s.line(nx, 132, nx, lys[0])
    for k in range(n):
        # level k's node: its left child is incl[n-1-k], its right child
        # the path node of level k+1
        s.add('<circle cx="%d" cy="%d" r="3" fill="#333"/>' % (nx, lys[k]))
        s.line(nx, lys[k], nx, lys[k + 1] - (3 if k == n - 1 else 0))
        s.line(nx, lys[k], rx - 110, lys[k + 1] - 12, color="#999")
        s.box(rx - 130, lys[k + 1], 160, 24, ["left subtree %s" % short(
            b["incl"][n - 1 - k])], fill="#eef4fb")
    e = ls.decode_entry(b["entry"])
    s.box(nx, lys[n] + 20, 230, 46,
          ["state-root entry %d (type 3)" % e["index"],
           "map root %s, %d vehicles" % (short(res["map_root"]),
                                         res["vehicles"]),
           "for tree size %d" % res["tree_size"]],
          fill="#fff5e6", stroke="#a60", bold=True)
    # The entry names the map root.
    s.add('<path d="M %d %d C %d %d, %d %d, %d %d" fill="none" '
          'stroke="#a33" stroke-width="1.6" stroke-dasharray="6 4" '
          'marker-end="url(#arrow)"/>' % (
              nx - 115, lys[n] + 30, 520, 600, 520, 60, cx + 86,
              ys[0] - 20))
    s.text(660, 560, "the entry's payload holds the map root", 11, "middle")
    s.text(660, 574, "the left path leads to", 11, "middle")
    s.text(20, H - 12, "Drawn by scripts/status_proof_svg.py from the %d "
           "bytes of a real bundle (tests/vectors/lien_status/), verified "
           "first with tests/interop/lien_status.py." % len(res["raw"]), 10)
    return s.render()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vkey", required=True)
    ap.add_argument("--vin", required=True)
    ap.add_argument("file")
    a = ap.parse_args()
    raw = ls.read_proof(a.file)
    vkey = ls.parse_vkey(open(a.vkey).read(), 1)
    res = ls.verify(raw, a.vin, vkey)
    res["raw"] = raw
    sys.stdout.write(draw(res, a.vin))
    return 0


if __name__ == "__main__":
    sys.exit(main())
