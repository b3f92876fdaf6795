//! Bodies each initiator can use, so that only CORS decides whether a load succeeds: a
//! TrueType font the engines' font sanitizers accept, a PNG, a module, a stylesheet, an event
//! stream, JSON.

use corsair::browser::Initiator;

/// The `Content-Type` and body an answer for `initiator` carries.
pub fn body(initiator: Initiator) -> (&'static str, Vec<u8>) {
    match initiator {
        Initiator::Fetch | Initiator::Xhr | Initiator::Form => {
            ("application/json", br#"{"ok":true}"#.to_vec())
        }
        Initiator::Font => ("font/ttf", font()),
        Initiator::Image => ("image/png", PNG.to_vec()),
        Initiator::ModuleScript => ("text/javascript", b"export default 1;\n".to_vec()),
        Initiator::Stylesheet => ("text/css", b"p { color: black; }\n".to_vec()),
        Initiator::EventSource => ("text/event-stream", b"data: hello\n\n".to_vec()),
    }
}

/// A 1x1 transparent PNG (IHDR, one zlib-stored IDAT row, IEND; CRCs and Adler-32
/// included), the one `corsair demo` serves to its `<img>`.
const PNG: &[u8] = include_bytes!("../../../corsair-cli/src/demo/assets/pixel.png");

/// A TrueType font with two glyphs (`.notdef`, empty, and `A`, a square): the tables a
/// font sanitizer (OTS in Chromium and Firefox) requires, each 4-byte aligned, with
/// checksums and `head.checkSumAdjustment`. `corsair demo` serves these bytes
/// (`assets/corsair.ttf`, kept equal by a test).
pub fn font() -> Vec<u8> {
    let tables: [(&[u8; 4], Vec<u8>); 10] = [
        (b"OS/2", os2()),
        (b"cmap", cmap()),
        (b"glyf", glyf()),
        (b"head", head()),
        (b"hhea", hhea()),
        (b"hmtx", words(&[500, 0, 500, 0])),
        (b"loca", words(&[0, 0, GLYPH_A.len() as u16 / 2])),
        (b"maxp", maxp()),
        (b"name", name()),
        (b"post", post()),
    ];
    let count = tables.len() as u16;
    let mut font = Vec::new();
    // 8 tables fit the largest power of two below 10: searchRange 128, entrySelector 3.
    font.extend(words(&[1, 0, count, 128, 3, count * 16 - 128]));
    let mut offset = 12 + 16 * tables.len();
    let mut data = Vec::new();
    for (tag, table) in &tables {
        font.extend_from_slice(*tag);
        font.extend(checksum(table).to_be_bytes());
        font.extend((offset as u32).to_be_bytes());
        font.extend((table.len() as u32).to_be_bytes());
        let mut padded = table.clone();
        padded.resize(table.len().div_ceil(4) * 4, 0);
        offset += padded.len();
        data.extend(padded);
    }
    font.extend(data);
    let adjustment = 0xB1B0_AFBAu32.wrapping_sub(checksum(&font));
    let head_offset = font_table_offset(&font, b"head");
    font[head_offset + 8..head_offset + 12].copy_from_slice(&adjustment.to_be_bytes());
    font
}

/// Glyph `A`: one contour, the square (0, 0)-(400, 700), four on-curve points.
const GLYPH_A: [u8; 36] = [
    0, 1, 0, 0, 0, 0, 1, 144, 2, 188, // 1 contour, bounding box 0,0,400,700
    0, 3, 0, 0, // last point 3, no instructions
    1, 1, 1, 1, // on-curve, 16-bit coordinates
    0, 0, 1, 144, 0, 0, 254, 112, // x deltas 0, 400, 0, -400
    0, 0, 0, 0, 2, 188, 0, 0, // y deltas 0, 0, 700, 0
    0, 0, // padding to an even length
];

fn glyf() -> Vec<u8> {
    GLYPH_A.to_vec()
}

fn head() -> Vec<u8> {
    let mut head = Vec::new();
    head.extend(words(&[1, 0, 1, 0, 0, 0, 0x5F0F, 0x3CF5, 0x000B, 1000]));
    head.extend([0; 16]); // created, modified
    head.extend(words(&[0, 0, 400, 700, 0, 8, 2, 0, 0]));
    head
}

fn hhea() -> Vec<u8> {
    words(&[
        1,
        0,
        800,
        (-200i16) as u16,
        0,
        500,
        0,
        100,
        400,
        1,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        2,
    ])
}

fn maxp() -> Vec<u8> {
    words(&[1, 0, 2, 4, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0])
}

fn os2() -> Vec<u8> {
    let mut os2 = words(&[4, 500, 400, 5, 0]);
    os2.extend(words(&[650, 700, 0, 140, 650, 700, 0, 480, 50, 250, 0]));
    os2.extend([0; 10]); // PANOSE
    os2.extend([0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]); // Basic Latin
    os2.extend(b"CRSR");
    os2.extend(words(&[
        0x40,
        0x41,
        0x41,
        800,
        (-200i16) as u16,
        0,
        800,
        200,
    ]));
    os2.extend([0, 0, 0, 1, 0, 0, 0, 0]); // Latin 1 code page
    os2.extend(words(&[500, 700, 0, 0x20, 1]));
    os2
}

/// Windows Unicode BMP, format 4: `A` to glyph 1, and the closing 0xFFFF segment.
fn cmap() -> Vec<u8> {
    let mut cmap = words(&[0, 1, 3, 1, 0, 12]);
    cmap.extend(words(&[
        4,
        32,
        0,
        4,
        4,
        1,
        0, // format, length, language, segCountX2, search fields
        0x41,
        0xFFFF,
        0, // end codes, pad
        0x41,
        0xFFFF, // start codes
        (1i16 - 0x41) as u16,
        1, // deltas
        0,
        0, // range offsets
    ]));
    cmap
}

/// Family, subfamily, full name and PostScript name, in UTF-16BE for Windows.
fn name() -> Vec<u8> {
    let names: [(u16, &str); 4] = [
        (1, "corsair"),
        (2, "Regular"),
        (4, "corsair"),
        (6, "corsair"),
    ];
    let mut strings = Vec::new();
    let mut records = Vec::new();
    for (id, text) in names {
        let encoded: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        records.extend(words(&[
            3,
            1,
            0x409,
            id,
            encoded.len() as u16,
            strings.len() as u16,
        ]));
        strings.extend(encoded);
    }
    let mut name = words(&[0, names.len() as u16, 6 + 12 * names.len() as u16]);
    name.extend(records);
    name.extend(strings);
    name
}

fn post() -> Vec<u8> {
    let mut post = words(&[3, 0, 0, 0, (-100i16) as u16, 50]);
    post.extend([0; 20]);
    post
}

fn words(values: &[u16]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_be_bytes()).collect()
}

/// The OpenType table checksum: the sum of big-endian 32-bit words, zero-padded.
fn checksum(bytes: &[u8]) -> u32 {
    bytes.chunks(4).fold(0u32, |sum, chunk| {
        let mut word = [0; 4];
        word[..chunk.len()].copy_from_slice(chunk);
        sum.wrapping_add(u32::from_be_bytes(word))
    })
}

fn font_table_offset(font: &[u8], tag: &[u8; 4]) -> usize {
    font[12..]
        .chunks(16)
        .find(|record| &record[..4] == tag)
        .map_or(0, |record| {
            u32::from_be_bytes([record[8], record[9], record[10], record[11]]) as usize
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_font_sums_to_the_opentype_magic_and_its_tables_fit() {
        let font = font();
        assert_eq!(checksum(&font), 0xB1B0_AFBA);
        let records = u16::from_be_bytes([font[4], font[5]]) as usize;
        for record in font[12..12 + 16 * records].chunks(16) {
            let at = |i: usize| {
                u32::from_be_bytes([record[i], record[i + 1], record[i + 2], record[i + 3]])
                    as usize
            };
            let (offset, length) = (at(8), at(12));
            assert_eq!(offset % 4, 0);
            assert!(offset + length <= font.len());
            if &record[..4] != b"head" {
                assert_eq!(checksum(&font[offset..offset + length]) as usize, at(4));
            }
        }
    }

    #[test]
    fn the_demo_serves_this_font() {
        let served = include_bytes!("../../../corsair-cli/src/demo/assets/corsair.ttf");
        assert!(served[..] == font()[..], "regenerate it with `font()`");
    }

    #[test]
    fn the_png_chunks_have_their_lengths() {
        assert_eq!(&PNG[..8], b"\x89PNG\r\n\x1a\n");
        let mut at = 8;
        let mut kinds = Vec::new();
        while at < PNG.len() {
            let length = u32::from_be_bytes([PNG[at], PNG[at + 1], PNG[at + 2], PNG[at + 3]]);
            kinds.push(String::from_utf8_lossy(&PNG[at + 4..at + 8]).into_owned());
            at += 12 + length as usize;
        }
        assert_eq!(at, PNG.len());
        assert_eq!(kinds, ["IHDR", "IDAT", "IEND"]);
    }
}
