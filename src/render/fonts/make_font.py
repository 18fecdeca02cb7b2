#!/usr/bin/env python3
"""How NotoSansSC-GB2312.ttf was made (run once; needs fontTools and the Debian package
fonts-noto-cjk extracted under /tmp/notocjk). Noto Sans CJK SC is subset to GB2312 + ASCII +
full-width punctuation, and its CFF outlines are converted to TrueType (glyf) quadratics, so that
src/render/font.rs can cut per-document subsets (report.html, SVG) by emptying unused glyphs."""
from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable

chars = {chr(i) for i in range(0x20, 0x7F)}
for b1 in range(0xA1, 0xF8):
    for b2 in range(0xA1, 0xFF):
        try:
            chars.add(bytes([b1, b2]).decode("gb2312"))
        except UnicodeDecodeError:
            pass
chars |= {chr(c) for c in range(0xFF01, 0xFF5F)} | set("　、。·—～‖…‘’“”〔〕〈〉《》「」『』〖〗【】±×÷≤≥≠°℃‰§№☆★○●◎◇◆□■△▲※→←↑↓￥")
TTCollection("/tmp/notocjk/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc").fonts[2].save("/tmp/sc.otf")
opts = subset.Options()
opts.layout_features = []
opts.name_IDs = ["*"]
opts.hinting = False
font = subset.load_font("/tmp/sc.otf", opts)
s = subset.Subsetter(opts)
s.populate(unicodes=[ord(c) for c in chars])
s.subset(font)
order = font.getGlyphOrder()
gs = font.getGlyphSet()
glyf = newTable("glyf")
glyf.glyphOrder, glyf.glyphs = order, {}
for name in order:
    pen = TTGlyphPen(gs)
    gs[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
    glyf.glyphs[name] = pen.glyph()
font["glyf"], font["loca"] = glyf, newTable("loca")
maxp = font["maxp"]
maxp.tableVersion = 0x00010000
for a in ["maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs", "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"]:
    setattr(maxp, a, 0)
maxp.maxZones = 1
font["head"].glyphDataFormat = 0
font["head"].indexToLocFormat = 1
font["post"].formatType = 3.0
for t in ["CFF ", "VORG"]:
    if t in font:
        del font[t]
font.sfntVersion = "\x00\x01\x00\x00"
font.save("NotoSansSC-GB2312.ttf")
