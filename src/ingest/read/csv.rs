//! CSV returns: the encoding is decided per file by evidence (issue 9 item 3), never by the
//! first stray byte:
//! 1. a BOM decides (UTF-8, UTF-16 LE, UTF-16 BE);
//! 2. else valid UTF-8 is UTF-8;
//! 3. else text that is mostly valid UTF-8 — more well-formed non-ASCII characters than bad
//!    sequences, and at most [`FEW_BAD`] bad sequences or 1 % of the non-ASCII characters —
//!    is UTF-8 with a few bytes that are no text;
//! 4. else GBK (read with the GB18030 decoder, its superset) when it decodes without a fault;
//! 5. else whichever of the two has fewer bad sequences.
//!
//! Each run of bytes that is no text becomes a located warning (rule `undecodable_text`: row,
//! A1 cell of the CSV field, the field as read with U+FFFD where the bytes were, and which
//! bytes), and the value is read without them.

use super::{text_cell, Cell, ReadNote, Sheet};
use crate::error::{FileError, LimitHit};
use crate::ingest::InputFile;
use crate::issue::{Rule, Severity};
use encoding_rs::{DecoderResult, GB18030, UTF_16BE, UTF_16LE};

/// "A handful" of bad sequences that still leave a file UTF-8 (rule 3).
const FEW_BAD: usize = 3;
/// Notes written for one file; the rest are counted in one last note.
const MAX_NOTES: usize = 20;

/// Text decoded from a file's bytes.
#[derive(Debug)]
pub(super) struct Decoded {
    pub text: String,
    /// The encoding it was read in, as the filer knows it.
    pub encoding: &'static str,
    /// Where a U+FFFD stands for bytes that are no text: byte offset in `text`, and the bytes.
    pub bad: Vec<(usize, Vec<u8>)>,
}

/// UTF-8 evidence: well-formed non-ASCII characters and bad sequences.
fn utf8_evidence(b: &[u8]) -> (usize, usize) {
    let mut good = 0;
    let mut bad = 0;
    for chunk in b.utf8_chunks() {
        good += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        if !chunk.invalid().is_empty() {
            bad += 1;
        }
    }
    (good, bad)
}

fn mostly_utf8(good: usize, bad: usize) -> bool {
    good > bad && (bad <= FEW_BAD || bad * 100 <= good)
}

/// Decodes by the rules of this module.
pub(super) fn decode(bytes: &[u8]) -> Decoded {
    if let Some(b) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return decode_utf8(b);
    }
    if let Some(b) = bytes.strip_prefix(b"\xFF\xFE") {
        return decode_with(UTF_16LE, "UTF-16", b);
    }
    if let Some(b) = bytes.strip_prefix(b"\xFE\xFF") {
        return decode_with(UTF_16BE, "UTF-16", b);
    }
    let (good, bad) = utf8_evidence(bytes);
    if bad == 0 || mostly_utf8(good, bad) {
        return decode_utf8(bytes);
    }
    let gbk = decode_with(GB18030, "GBK", bytes);
    if gbk.bad.is_empty() || gbk.bad.len() < bad {
        gbk
    } else {
        decode_utf8(bytes)
    }
}

fn decode_utf8(b: &[u8]) -> Decoded {
    let mut text = String::with_capacity(b.len());
    let mut bad: Vec<(usize, Vec<u8>)> = Vec::new();
    for chunk in b.utf8_chunks() {
        text.push_str(chunk.valid());
        let invalid = chunk.invalid();
        if invalid.is_empty() {
            continue;
        }
        // Adjacent bad sequences are one run, one U+FFFD.
        match bad.last_mut() {
            Some((at, run))
                if chunk.valid().is_empty() && *at + '\u{FFFD}'.len_utf8() == text.len() =>
            {
                run.extend_from_slice(invalid)
            }
            _ => {
                bad.push((text.len(), invalid.to_vec()));
                text.push('\u{FFFD}');
            }
        }
    }
    Decoded {
        text,
        encoding: "UTF-8",
        bad,
    }
}

fn decode_with(enc: &'static encoding_rs::Encoding, name: &'static str, b: &[u8]) -> Decoded {
    let mut dec = enc.new_decoder_without_bom_handling();
    let mut text = String::new();
    let mut bad: Vec<(usize, Vec<u8>)> = Vec::new();
    let mut pos = 0;
    loop {
        let need = dec
            .max_utf8_buffer_length_without_replacement(b.len() - pos)
            .unwrap_or(b.len() - pos);
        text.reserve(need);
        let (res, read) = dec.decode_to_string_without_replacement(&b[pos..], &mut text, true);
        pos += read;
        match res {
            DecoderResult::InputEmpty => break,
            DecoderResult::OutputFull => continue,
            DecoderResult::Malformed(len, after) => {
                let end = pos.saturating_sub(after as usize);
                let start = end.saturating_sub(len as usize);
                let bytes = &b[start..end];
                match bad.last_mut() {
                    Some((at, run)) if *at + '\u{FFFD}'.len_utf8() == text.len() => {
                        run.extend_from_slice(bytes)
                    }
                    _ => {
                        bad.push((text.len(), bytes.to_vec()));
                        text.push('\u{FFFD}');
                    }
                }
            }
        }
    }
    Decoded {
        text,
        encoding: name,
        bad,
    }
}

/// Text, as a CSV is: no NUL byte (unless a UTF-16 BOM says so), few control characters, and
/// mostly UTF-8 or GBK. Looks at the first MiB.
pub(super) fn looks_like_text(bytes: &[u8]) -> bool {
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return true;
    }
    let mut head = &bytes[..bytes.len().min(1 << 20)];
    head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    if head.is_empty() || head.contains(&0) {
        return false;
    }
    let controls = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C | 0x1A))
        .count();
    if controls * 100 > head.len() {
        return false;
    }
    // A cut in the middle of a character is not a fault.
    let cut = if head.len() < bytes.len() {
        head.len().saturating_sub(4)
    } else {
        head.len()
    };
    let head = &head[..cut];
    let (good, bad) = utf8_evidence(head);
    if bad == 0 || mostly_utf8(good, bad) {
        return true;
    }
    let gbk = decode_with(GB18030, "GBK", head);
    let chars = gbk.text.chars().filter(|c| !c.is_ascii()).count();
    gbk.bad.len() * 100 <= chars.max(1)
}

/// The column separator: a tab when the first lines hold tabs and no commas (a TSV, as Excel
/// writes "Unicode text"), else a comma.
fn separator(text: &str) -> u8 {
    let head: String = text.lines().take(20).collect::<Vec<_>>().join("\n");
    if head.contains('\t') && !head.contains(',') {
        b'\t'
    } else {
        b','
    }
}

pub(super) fn read(
    file: &InputFile,
    bytes: &[u8],
    max_cells: u64,
    notes: &mut Vec<ReadNote>,
) -> Result<Sheet, FileError> {
    let decoded = decode(bytes);
    let name = file
        .path
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    let text = &decoded.text;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(separator(text))
        .from_reader(text.as_bytes());
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    let mut cells: u64 = 0;
    let mut located = Located::default();
    let mut bad = decoded.bad.iter().peekable();
    let mut rec = csv::StringRecord::new();
    loop {
        let more = reader
            .read_record(&mut rec)
            .map_err(|source| FileError::Csv {
                path: file.path.clone(),
                source,
            })?;
        if !more {
            break;
        }
        let start = rec.position().map(|p| p.byte() as usize).unwrap_or(0);
        let end = reader.position().byte() as usize;
        let r = rows.len() as u32;
        cells += rec.len().max(1) as u64;
        if cells > max_cells {
            return Err(FileError::Limit {
                path: file.path.clone(),
                hit: LimitHit::Cells {
                    max: max_cells,
                    sheet: name,
                    cells,
                },
            });
        }
        // The U+FFFD that stand for bad bytes in this record, in order.
        let mut here: Vec<&(usize, Vec<u8>)> = Vec::new();
        while let Some(b) = bad.peek() {
            if b.0 >= end {
                break;
            }
            if b.0 >= start {
                here.push(b);
            }
            bad.next();
        }
        let row = if here.is_empty() {
            rec.iter().map(text_cell).collect()
        } else {
            located.record(&decoded, text, start, end, &rec, r, &here, &name)
        };
        rows.push(row);
    }
    located.finish(&decoded, &name, notes);
    Ok(Sheet {
        name,
        first_row: 0,
        first_col: 0,
        rows,
    })
}

/// The located notes of one file.
#[derive(Default)]
struct Located {
    notes: Vec<ReadNote>,
    more: usize,
}

impl Located {
    /// One record that holds bad bytes: its cells (read without them) and a note per field.
    #[allow(clippy::too_many_arguments)]
    fn record(
        &mut self,
        decoded: &Decoded,
        text: &str,
        start: usize,
        end: usize,
        rec: &csv::StringRecord,
        r: u32,
        here: &[&(usize, Vec<u8>)],
        sheet: &str,
    ) -> Vec<Cell> {
        // Every U+FFFD of the record's text, in order, and whether it stands for bad bytes; the
        // fields hold them in the same order (quoting never reorders characters).
        let span = text.get(start..end).unwrap_or("");
        let mut marks: Vec<Option<&Vec<u8>>> = Vec::new();
        let mut k = 0;
        for (i, ch) in span.char_indices() {
            if ch != '\u{FFFD}' {
                continue;
            }
            let at = start + i;
            while k < here.len() && here[k].0 < at {
                k += 1;
            }
            match here.get(k) {
                Some(b) if b.0 == at => marks.push(Some(&b.1)),
                _ => marks.push(None),
            }
        }
        let mut marks = marks.into_iter();
        let mut row = Vec::with_capacity(rec.len());
        for (c, field) in rec.iter().enumerate() {
            let mut value = String::with_capacity(field.len());
            let mut bytes: Vec<u8> = Vec::new();
            for ch in field.chars() {
                if ch == '\u{FFFD}' {
                    if let Some(Some(b)) = marks.next() {
                        bytes.extend_from_slice(b);
                        continue;
                    }
                }
                value.push(ch);
            }
            if !bytes.is_empty() {
                self.note(decoded, sheet, r, c as u32, field, &value, &bytes);
            }
            row.push(text_cell(&value));
        }
        row
    }

    #[allow(clippy::too_many_arguments)]
    fn note(
        &mut self,
        decoded: &Decoded,
        sheet: &str,
        r: u32,
        c: u32,
        raw: &str,
        value: &str,
        bytes: &[u8],
    ) {
        if self.notes.len() >= MAX_NOTES {
            self.more += 1;
            return;
        }
        let cell = crate::text::cell_address(r, c);
        let hex: Vec<String> = bytes
            .iter()
            .take(12)
            .map(|b| format!("0x{b:02X}"))
            .collect();
        let ellipsis = if bytes.len() > 12 { " …" } else { "" };
        self.notes.push(ReadNote {
            sheet: sheet.to_string(),
            severity: Severity::Warning,
            rule: Rule::UndecodableText,
            row: Some(r + 1),
            cell: Some(cell.clone()),
            raw: Some(raw.to_string()),
            message: format!(
                "文件按{enc}编码读取，{cell}单元格中的字节{hex}{ellipsis}不是文字，已去掉这些字节后读取为“{value}”；请核对该值，并用Excel或WPS另存为“CSV UTF-8”或.xlsx格式后重新报送",
                enc = decoded.encoding,
                hex = hex.join(" "),
            ),
        });
    }

    fn finish(self, decoded: &Decoded, sheet: &str, notes: &mut Vec<ReadNote>) {
        notes.extend(self.notes);
        if self.more > 0 {
            notes.push(ReadNote {
                sheet: sheet.to_string(),
                severity: Severity::Warning,
                rule: Rule::UndecodableText,
                row: None,
                cell: None,
                raw: None,
                message: format!(
                    "另有{}个单元格含有不是文字的字节（文件按{}编码读取），未逐一列出；请用Excel或WPS另存为“CSV UTF-8”或.xlsx格式后重新报送",
                    self.more, decoded.encoding
                ),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gbk(s: &str) -> Vec<u8> {
        encoding_rs::GBK.encode(s).0.into_owned()
    }

    #[test]
    fn a_bom_decides_utf8_utf16le_and_utf16be() {
        let d = decode("\u{feff}项目,1".as_bytes());
        assert_eq!((d.text.as_str(), d.encoding), ("项目,1", "UTF-8"));
        let le: Vec<u8> = "\u{feff}项目,1"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        let d = decode(&le);
        assert_eq!((d.text.as_str(), d.encoding), ("项目,1", "UTF-16"));
        let be: Vec<u8> = "\u{feff}项目,1"
            .encode_utf16()
            .flat_map(|u| u.to_be_bytes())
            .collect();
        assert_eq!(decode(&be).text, "项目,1");
        assert!(decode(&be).bad.is_empty());
    }

    #[test]
    fn valid_utf8_is_utf8() {
        let d = decode("填报单位：蓬江区\n项目名称,总投资\n".as_bytes());
        assert_eq!(d.encoding, "UTF-8");
        assert!(d.bad.is_empty());
    }

    #[test]
    fn utf8_with_one_stray_byte_stays_utf8_and_locates_the_byte() {
        let mut b = "填报单位：蓬江区\n项目名称,总投资\n".as_bytes().to_vec();
        b.extend_from_slice(b"\xB4");
        b.extend_from_slice("甲项目,2.5\n".as_bytes());
        let d = decode(&b);
        assert_eq!(d.encoding, "UTF-8");
        assert_eq!(
            d.text,
            "填报单位：蓬江区\n项目名称,总投资\n\u{FFFD}甲项目,2.5\n"
        );
        assert_eq!(d.bad.len(), 1);
        assert_eq!(d.bad[0].1, vec![0xB4]);
    }

    #[test]
    fn adjacent_bad_bytes_are_one_run() {
        let mut b = "项目".as_bytes().to_vec();
        b.extend_from_slice(b"\xFF\xFE\xFD");
        b.extend_from_slice(b"a,b");
        let d = decode_utf8(&b);
        assert_eq!(d.text, "项目\u{FFFD}a,b");
        assert_eq!(d.bad, vec![(6, vec![0xFF, 0xFE, 0xFD])]);
    }

    #[test]
    fn gbk_is_gbk_when_it_decodes_cleanly() {
        let d = decode(&gbk("项目名称,计划总投资\n甲,1\n"));
        assert_eq!(
            (d.text.as_str(), d.encoding),
            ("项目名称,计划总投资\n甲,1\n", "GBK")
        );
        assert!(d.bad.is_empty());
        // Even a short GBK file with three Chinese characters.
        assert_eq!(decode(&gbk("甲乙丙,1")).encoding, "GBK");
    }

    #[test]
    fn mixed_bytes_take_the_encoding_with_fewer_faults() {
        // GBK text with one byte that is neither: GBK with one located fault.
        let mut b = gbk("项目名称,计划总投资\n甲公司项目,1\n");
        b.extend_from_slice(b"\xFF");
        b.extend_from_slice(&gbk("乙,2\n"));
        let d = decode(&b);
        assert_eq!(d.encoding, "GBK");
        assert_eq!(d.bad.len(), 1);
        assert!(d.text.contains("乙,2"));
    }

    #[test]
    fn text_is_told_from_binary() {
        assert!(looks_like_text("a,b\n1,2\n".as_bytes()));
        assert!(looks_like_text(&gbk("项目,1\n")));
        assert!(!looks_like_text(b"a\0b\0c"));
        assert!(!looks_like_text(&[0x01, 0x02, 0x03, 0x04, b'a']));
    }

    fn input(name: &str) -> InputFile {
        InputFile {
            path: std::path::PathBuf::from(format!("/x/2025-03/{name}")),
            rel: format!("2025-03/{name}"),
            period: crate::period::Period {
                year: 2025,
                month: 3,
            },
        }
    }

    #[test]
    fn each_bad_byte_run_is_a_located_warning_and_the_value_is_read_without_it() {
        let mut b = "填报单位：蓬江区\n项目名称,企业名称\n\"甲"
            .as_bytes()
            .to_vec();
        b.extend_from_slice(b"\xB4");
        b.extend_from_slice("项目\",甲公司\n".as_bytes());
        let mut notes = Vec::new();
        let s = read(&input("蓬江区.csv"), &b, 1000, &mut notes).unwrap();
        assert_eq!(s.get(2, 0), &Cell::Text("甲项目".into()));
        assert_eq!(s.get(2, 1), &Cell::Text("甲公司".into()));
        assert_eq!(notes.len(), 1, "{notes:?}");
        let n = &notes[0];
        assert_eq!(n.rule, Rule::UndecodableText);
        assert_eq!(n.severity, Severity::Warning);
        assert_eq!((n.row, n.cell.as_deref()), (Some(3), Some("A3")));
        assert_eq!(n.raw.as_deref(), Some("甲\u{FFFD}项目"));
        assert!(
            n.message.contains("0xB4") && n.message.contains("UTF-8"),
            "{}",
            n.message
        );
    }

    #[test]
    fn a_tab_separated_file_is_split_at_tabs() {
        let mut notes = Vec::new();
        let s = read(
            &input("a.csv"),
            "项目名称\t总投资\n甲\t1\n".as_bytes(),
            100,
            &mut notes,
        )
        .unwrap();
        assert_eq!(s.get(1, 1), &Cell::Text("1".into()));
    }

    #[test]
    fn a_csv_over_max_cells_is_refused() {
        let mut notes = Vec::new();
        let err = read(&input("a.csv"), b"a,b,c\nd,e,f\n", 4, &mut notes).unwrap_err();
        assert!(
            matches!(
                err,
                FileError::Limit {
                    hit: LimitHit::Cells { .. },
                    ..
                }
            ),
            "{err:?}"
        );
    }
}
