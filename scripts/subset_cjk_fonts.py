"""Rebuild engage/resources/fonts/NotoSansCJKsc-{Regular,Bold}.otf from Debian's fonts-noto-cjk.

The committed files were made with this script; run it only to update them:

    apt-get download fonts-noto-cjk          # 1:20220127+repack1-1 (Noto Sans CJK 2.004)
    dpkg-deb -x fonts-noto-cjk_*.deb /tmp/noto-cjk
    .venv/bin/python scripts/subset_cjk_fonts.py /tmp/noto-cjk/usr/share/fonts/opentype/noto

It takes the Simplified Chinese face ("Noto Sans CJK SC", index 2) of each collection and
keeps every character that face maps (Han, kana, Hangul, CJK punctuation and full-width
forms) with the horizontal layout features Pango applies by default. It drops what engage's
documents can never reach: vertical forms (vert, vrt2), the regional alternates behind locl
(engage tags its documents as English, so locl never fires), the optional width, ruby and
historical variants, and the hinting (a PDF is not rasterised at small pixel sizes by us).
That halves each file (16.4 MB -> 8.8 MB). Output is deterministic (no new timestamps).
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

#: sha256 of the collections in fonts-noto-cjk 1:20220127+repack1-1 (Debian 12).
SOURCES = {
    "Regular": ("NotoSansCJK-Regular.ttc", "b76b0433203017ca80401b2ee0dd69350349871c4b19d504c34dbdd80541690a"),
    "Bold": ("NotoSansCJK-Bold.ttc", "faa5f3656a78b2e2d450d27fe8382c778bc2b6bb5ea29c986664a6a435056ceb"),
}
SC_FACE = 2
FEATURES = ["ccmp", "liga", "clig", "calt", "kern", "mark", "mkmk", "rlig"]
OUT = Path(__file__).resolve().parent.parent / "engage" / "resources" / "fonts"


def build(src_dir: Path, weight: str) -> Path:
    """Subset one weight's SC face into engage/resources/fonts; return the file written."""
    name, expected = SOURCES[weight]
    path = src_dir / name
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != expected:
        sys.exit(f"{path}: sha256 {digest}, expected {expected} (another release: update SOURCES and README.md)")
    font = TTCollection(str(path), recalcTimestamp=False).fonts[SC_FACE]
    options = subset.Options()
    options.layout_features = FEATURES
    options.hinting = False
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.glyph_names = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=font.getBestCmap().keys())
    subsetter.subset(font)
    target = OUT / f"NotoSansCJKsc-{weight}.otf"
    font.save(str(target))
    print(f"{target.name}: {target.stat().st_size} bytes, sha256 {hashlib.sha256(target.read_bytes()).hexdigest()}")
    return target


if __name__ == "__main__":
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/usr/share/fonts/opentype/noto")
    for w in sys.argv[2:] or ["Regular", "Bold"]:
        build(source, w)
