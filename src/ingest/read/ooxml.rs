//! Zip-based workbooks (xlsx, xlsm, xltx, xlsb, ods). Before the library inflates anything,
//! the zip's directory is checked ([`inspect`]): the total the entries declare against
//! `max_inflated_mb`, each entry's inflation ratio (a zip bomb), and, for xlsx, how many
//! strings `xl/sharedStrings.xml` declares (the library reserves that many up front). Sheets
//! of an xlsx or xlsb are streamed cell by cell (the library's cells reader, which reserves
//! nothing from the declared `<dimension>`), so a sheet costs its cells. A sheet the library
//! cannot list (an Excel 4.0 macro sheet in an xlsm) is taken out of a copy of the workbook so
//! that the other sheets open, and named in a note.

use super::grid::Cells;
use super::{convert, convert_ref, not_a_worksheet, Failure, ReadNote, Sheet, SheetsRead};
use crate::error::{FileError, LimitHit};
use crate::ingest::{InputFile, ReadLimits};
use calamine::Reader;
use quick_xml::events::Event;
use std::io::{Cursor, Read, Write};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Xlsx,
    Xlsb,
    Ods,
}

/// An entry inflating more than this many times its compressed size, above [`RATIO_FLOOR`]
/// bytes, is no spreadsheet part (XML of real sheets deflates 5–100 times; deflate itself
/// tops out near 1032).
const MAX_RATIO: u64 = 500;
const RATIO_FLOOR: u64 = 8 << 20;
/// How much of `sharedStrings.xml` is inflated to find its `<sst>` tag.
const SST_HEAD: u64 = 64 * 1024;
/// How much is inflated first (the tag is in the first few hundred bytes of any real part).
const SST_PEEK: u64 = 4 * 1024;

pub(super) fn read(
    file: &InputFile,
    bytes: &[u8],
    kind: Kind,
    limits: &ReadLimits,
    notes: &mut Vec<ReadNote>,
) -> Result<Vec<Sheet>, FileError> {
    let limit = |hit| FileError::Limit {
        path: file.path.clone(),
        hit,
    };
    let plan = inspect(bytes, kind, limits).map_err(limit)?;
    let data: &[u8] = plan.patched.as_deref().unwrap_or(bytes);
    let mut read = SheetsRead::default();
    for (name, why) in plan.unlisted {
        read.failed(&name, why, notes);
    }
    let open_error = |source| FileError::Spreadsheet {
        path: file.path.clone(),
        source,
    };
    match kind {
        Kind::Xlsx => {
            let mut wb = calamine::Xlsx::new(Cursor::new(data))
                .map_err(|e| open_error(calamine::Error::Xlsx(e)))?;
            each_sheet(&mut wb, &mut read, notes, |wb, name| {
                xlsx_sheet(wb, name, limits.max_cells)
            });
        }
        Kind::Xlsb => {
            let mut wb = calamine::Xlsb::new(Cursor::new(data))
                .map_err(|e| open_error(calamine::Error::Xlsb(e)))?;
            each_sheet(&mut wb, &mut read, notes, |wb, name| {
                xlsb_sheet(wb, name, limits.max_cells)
            });
        }
        Kind::Ods => {
            // The library parses every sheet when it opens the file (within its own cap on
            // repeated rows and cells); the grid is then rebuilt from the used cells.
            let mut wb = calamine::Ods::new(Cursor::new(data))
                .map_err(|e| open_error(calamine::Error::Ods(e)))?;
            each_sheet(&mut wb, &mut read, notes, |wb, name| {
                let range = wb
                    .worksheet_range(name)
                    .map_err(|e| Failure::Error(calamine::Error::Ods(e)))?;
                let (r0, c0) = range.start().unwrap_or((0, 0));
                let mut cells = Cells::new(name, limits.max_cells);
                for (r, c, d) in range.used_cells() {
                    cells
                        .push(r0 + r as u32, c0 + c as u32, convert(d))
                        .map_err(Failure::Limit)?;
                }
                cells.build().map_err(Failure::Limit)
            });
        }
    }
    read.finish(&file.path)
}

/// Every sheet of a workbook in order: a worksheet read by `sheet`, anything else (chart,
/// dialog, macro sheet) or a sheet that fails noted, the others kept.
fn each_sheet<'a, W: calamine::Reader<Cursor<&'a [u8]>>>(
    wb: &mut W,
    read: &mut SheetsRead,
    notes: &mut Vec<ReadNote>,
    mut sheet: impl FnMut(&mut W, &str) -> Result<Sheet, Failure>,
) {
    for meta in wb.sheets_metadata().to_vec() {
        if let Some(why) = not_a_worksheet(meta.typ) {
            read.failed(&meta.name, why, notes);
            continue;
        }
        match sheet(wb, &meta.name) {
            Ok(s) => read.ok(s),
            Err(why) => read.failed(&meta.name, why, notes),
        }
    }
}

fn xlsx_sheet(
    wb: &mut calamine::Xlsx<Cursor<&[u8]>>,
    name: &str,
    max_cells: u64,
) -> Result<Sheet, Failure> {
    let fail = |e| Failure::Error(calamine::Error::Xlsx(e));
    let mut cells = Cells::new(name, max_cells);
    let mut reader = match wb.worksheet_cells_reader(name) {
        Ok(r) => r,
        // A worksheet whose <sheetData/> is empty reads as "not a worksheet" in the library.
        Err(calamine::XlsxError::NotAWorksheet(t)) if t == "worksheet" => {
            return cells.build().map_err(Failure::Limit)
        }
        Err(calamine::XlsxError::NotAWorksheet(t)) if t == "chartsheet" => {
            return Err(Failure::NoCells("图表"))
        }
        Err(e) => return Err(fail(e)),
    };
    // Which styles show a number as a percentage (`0.00%`): such a cell is read as the filer
    // sees it, `41.23%` for a stored 0.4123.
    let percent: Vec<bool> = reader
        .styles()
        .iter()
        .map(|s| {
            s.number_format
                .as_ref()
                .is_some_and(|f| is_percent_format(&f.format_code))
        })
        .collect();
    while let Some((cell, style)) = reader.next_cell_with_style_id().map_err(fail)? {
        let value = cell.get_value();
        if *value == calamine::DataRef::Empty {
            continue;
        }
        let (r, c) = cell.get_position();
        let read = match (value, percent.get(style)) {
            (calamine::DataRef::Float(x), Some(true)) => percent_cell(*x),
            (calamine::DataRef::Int(i), Some(true)) => percent_cell(*i as f64),
            (v, _) => convert_ref(v),
        };
        cells.push(r, c, read).map_err(Failure::Limit)?;
    }
    cells.build().map_err(Failure::Limit)
}

/// Does a number format code show its number as a percentage? A `%` outside quoted text,
/// escapes (`\%`) and bracketed parts (`[Red]`) multiplies the number by 100 in Excel.
fn is_percent_format(code: &str) -> bool {
    let mut chars = code.chars();
    while let Some(ch) = chars.next() {
        match ch {
            '"' => {
                for c in chars.by_ref() {
                    if c == '"' {
                        break;
                    }
                }
            }
            '[' => {
                for c in chars.by_ref() {
                    if c == ']' {
                        break;
                    }
                }
            }
            '\\' | '_' | '*' => {
                chars.next();
            }
            '%' => return true,
            _ => {}
        }
    }
    false
}

/// A number shown as a percentage, as the filer sees it: 0.4123 → `41.23%` (text, read by the
/// rules that read `41.23%` typed as text).
fn percent_cell(x: f64) -> super::Cell {
    let shown = (x * 100.0 * 1e9).round() / 1e9;
    super::Cell::Text(format!("{}%", super::format_number(shown)))
}

fn xlsb_sheet(
    wb: &mut calamine::Xlsb<Cursor<&[u8]>>,
    name: &str,
    max_cells: u64,
) -> Result<Sheet, Failure> {
    let fail = |e| Failure::Error(calamine::Error::Xlsb(e));
    let mut cells = Cells::new(name, max_cells);
    let mut reader = wb.worksheet_cells_reader(name).map_err(fail)?;
    while let Some(cell) = reader.next_cell().map_err(fail)? {
        let value = cell.get_value();
        if *value == calamine::DataRef::Empty {
            continue;
        }
        let (r, c) = cell.get_position();
        cells
            .push(r, c, convert_ref(value))
            .map_err(Failure::Limit)?;
    }
    cells.build().map_err(Failure::Limit)
}

/// What the zip's directory said, before the library opened it.
#[derive(Debug, Default)]
struct Plan {
    /// A copy of the workbook without the sheets the library cannot list.
    patched: Option<Vec<u8>>,
    /// Those sheets, and why.
    unlisted: Vec<(String, Failure)>,
}

/// Checks the zip's directory (and the start of the shared string table) against the limits.
/// A zip whose directory cannot be read is left to the library, which will say it is corrupt.
fn inspect(bytes: &[u8], kind: Kind, limits: &ReadLimits) -> Result<Plan, LimitHit> {
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(Plan::default());
    };
    let mut total: u64 = 0;
    let mut largest: (u64, String) = (0, String::new());
    let mut names: Vec<String> = Vec::with_capacity(zip.len());
    for i in 0..zip.len() {
        let Ok(entry) = zip.by_index_raw(i) else {
            names.push(String::new());
            continue;
        };
        let name = entry.name().map(|n| n.to_string()).unwrap_or_default();
        let size = entry.size();
        let packed = entry.compressed_size();
        total = total.saturating_add(size);
        if size > largest.0 {
            largest = (size, name.clone());
        }
        if size > RATIO_FLOOR && size / packed.max(1) > MAX_RATIO {
            return Err(LimitHit::Inflated {
                max_mb: limits.max_inflated_mb,
                declared_bytes: size,
                detail: format!(
                    "entry {name} declares {size} bytes from {packed} compressed, {}:1",
                    size / packed.max(1)
                ),
            });
        }
        names.push(name);
    }
    if total > limits.max_inflated_bytes() {
        return Err(LimitHit::Inflated {
            max_mb: limits.max_inflated_mb,
            declared_bytes: total,
            detail: format!(
                "{} entries; the largest, {}, declares {} bytes",
                names.len(),
                largest.1,
                largest.0
            ),
        });
    }
    if kind != Kind::Xlsx {
        return Ok(Plan::default());
    }
    let find = |want: &str| names.iter().position(|n| n.eq_ignore_ascii_case(want));
    let workbook_path =
        office_document(&mut zip, &names).unwrap_or_else(|| "xl/workbook.xml".into());
    let dir = match workbook_path.rfind('/') {
        Some(i) => workbook_path[..=i].to_string(),
        None => String::new(),
    };
    if let Some(i) = find(&format!("{dir}sharedStrings.xml")) {
        if let Some(unique) = declared_strings(&mut zip, i) {
            if unique > limits.max_cells {
                return Err(LimitHit::Strings {
                    max: limits.max_cells,
                    declared: unique,
                });
            }
        }
    }
    let (Some(wi), Some(ri)) = (find(&workbook_path), find(&rels_path(&workbook_path))) else {
        return Ok(Plan::default());
    };
    let (Some(workbook), Some(rels)) = (entry_text(&mut zip, wi), entry_text(&mut zip, ri)) else {
        return Ok(Plan::default());
    };
    let rel_types = relationship_types(&rels);
    let mut cut: Vec<(usize, usize)> = Vec::new();
    let mut unlisted = Vec::new();
    for s in sheet_elements(&workbook) {
        let typ = rel_types
            .iter()
            .find(|(id, _)| *id == s.rel_id)
            .map(|(_, t)| t.rsplit('/').next().unwrap_or("").to_string());
        let listed = matches!(
            typ.as_deref(),
            Some("worksheet" | "chartsheet" | "dialogsheet")
        );
        if listed {
            continue;
        }
        let why = match typ.as_deref() {
            Some(t) if t.to_ascii_lowercase().contains("macrosheet") => {
                Failure::NotData("Excel 4.0宏表")
            }
            _ => Failure::Error(calamine::Error::Msg(
                "the sheet's relationship is missing or of an unknown type",
            )),
        };
        cut.push(s.span);
        unlisted.push((s.name, why));
    }
    if cut.is_empty() {
        return Ok(Plan::default());
    }
    let mut kept = String::with_capacity(workbook.len());
    let mut at = 0;
    for (a, b) in &cut {
        kept.push_str(workbook.get(at..*a).unwrap_or(""));
        at = *b;
    }
    kept.push_str(workbook.get(at..).unwrap_or(""));
    match rewrite_entry(&mut zip, wi, kept.as_bytes()) {
        Some(patched) => Ok(Plan {
            patched: Some(patched),
            unlisted,
        }),
        None => Ok(Plan::default()),
    }
}

/// `xl/workbook.xml` → `xl/_rels/workbook.xml.rels`.
fn rels_path(part: &str) -> String {
    match part.rfind('/') {
        Some(i) => format!("{}_rels/{}.rels", &part[..=i], &part[i + 1..]),
        None => format!("_rels/{part}.rels"),
    }
}

/// The workbook part named by the package relationships (`_rels/.rels`), as the library
/// finds it.
fn office_document(zip: &mut zip::ZipArchive<Cursor<&[u8]>>, names: &[String]) -> Option<String> {
    let i = names
        .iter()
        .position(|n| n.eq_ignore_ascii_case("_rels/.rels"))?;
    let text = entry_text(zip, i)?;
    let mut reader = quick_xml::Reader::from_str(&text);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "Relationship" => {
                let typ = attr(&e, "Type").unwrap_or_default();
                if typ.ends_with("/officeDocument") {
                    let target = attr(&e, "Target")?;
                    return Some(target.trim_start_matches('/').to_string());
                }
            }
            Ok(Event::Eof) | Err(_) => return None,
            _ => {}
        }
    }
}

/// The `uniqueCount` the shared string table declares, from its first bytes: the `<sst>` tag
/// opens the part, so the first [`SST_PEEK`] bytes are inflated, and up to [`SST_HEAD`] only
/// when the tag is not whole in them.
fn declared_strings(zip: &mut zip::ZipArchive<Cursor<&[u8]>>, i: usize) -> Option<u64> {
    let mut entry = zip.by_index(i).ok()?;
    let mut head = Vec::new();
    let mut read = 0;
    for upto in [SST_PEEK, SST_HEAD] {
        (&mut entry).take(upto - read).read_to_end(&mut head).ok()?;
        read = head.len() as u64;
        let text = String::from_utf8_lossy(&head);
        let mut reader = quick_xml::Reader::from_str(&text);
        loop {
            match reader.read_event() {
                Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "sst" => {
                    return attr(&e, "uniqueCount").and_then(|v| v.trim().parse().ok());
                }
                Ok(Event::Eof) | Err(_) => break,
                _ => {}
            }
        }
        if read < upto {
            // The whole part is read.
            return None;
        }
    }
    None
}

/// An entry as text, when it is small enough to be a workbook or relationships part.
fn entry_text(zip: &mut zip::ZipArchive<Cursor<&[u8]>>, i: usize) -> Option<String> {
    let mut out = Vec::new();
    zip.by_index(i)
        .ok()?
        .take(64 << 20)
        .read_to_end(&mut out)
        .ok()?;
    String::from_utf8(out).ok()
}

fn attr(e: &quick_xml::events::BytesStart<'_>, local: &str) -> Option<String> {
    e.attributes()
        .filter_map(Result::ok)
        .find(|a| a.key.local_name().as_ref() == local)
        .and_then(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
}

/// (Id, Type) of each relationship.
fn relationship_types(rels: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut reader = quick_xml::Reader::from_str(rels);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "Relationship" => {
                if let (Some(id), Some(t)) = (attr(&e, "Id"), attr(&e, "Type")) {
                    out.push((id, t));
                }
            }
            Ok(Event::Eof) | Err(_) => return out,
            _ => {}
        }
    }
}

struct SheetElement {
    name: String,
    rel_id: String,
    /// Byte span of the `<sheet …/>` element in the workbook part.
    span: (usize, usize),
}

fn sheet_elements(workbook: &str) -> Vec<SheetElement> {
    let mut out = Vec::new();
    let mut reader = quick_xml::Reader::from_str(workbook);
    loop {
        let before = reader.buffer_position() as usize;
        match reader.read_event() {
            Ok(Event::Empty(e)) if e.local_name().as_ref() == "sheet" => {
                let after = reader.buffer_position() as usize;
                out.push(SheetElement {
                    name: attr(&e, "name").unwrap_or_default(),
                    rel_id: attr(&e, "id").unwrap_or_default(),
                    span: (before, after),
                });
            }
            Ok(Event::Eof) | Err(_) => return out,
            _ => {}
        }
    }
}

/// A copy of the zip with entry `i` replaced by `content` (every other entry copied as it is).
fn rewrite_entry(
    zip: &mut zip::ZipArchive<Cursor<&[u8]>>,
    i: usize,
    content: &[u8],
) -> Option<Vec<u8>> {
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for j in 0..zip.len() {
        if j == i {
            let name = zip.by_index_raw(j).ok()?.name().ok()?.to_string();
            out.start_file(
                name,
                zip::write::SimpleFileOptions::default()
                    .compression_method(zip::CompressionMethod::Deflated),
            )
            .ok()?;
            out.write_all(content).ok()?;
        } else {
            let entry = zip.by_index_raw(j).ok()?;
            out.raw_copy_file(entry).ok()?;
        }
    }
    out.finish().ok().map(Cursor::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data) in entries {
            w.start_file(
                *name,
                zip::write::SimpleFileOptions::default()
                    .compression_method(zip::CompressionMethod::Deflated),
            )
            .unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn declared_inflation_over_max_inflated_mb_is_refused_naming_the_largest_entry() {
        let big = vec![b'a'; 3 << 20];
        let z = zip(&[
            ("xl/workbook.xml", b"<workbook/>"),
            ("xl/worksheets/sheet1.xml", &big),
        ]);
        let limits = ReadLimits {
            max_inflated_mb: 2,
            ..ReadLimits::default()
        };
        match inspect(&z, Kind::Xlsx, &limits) {
            Err(LimitHit::Inflated {
                max_mb,
                declared_bytes,
                detail,
            }) => {
                assert_eq!(max_mb, 2);
                assert!(declared_bytes > 3 << 20);
                assert!(detail.contains("xl/worksheets/sheet1.xml"), "{detail}");
            }
            other => panic!("{other:?}"),
        }
        assert!(inspect(&z, Kind::Xlsx, &ReadLimits::default()).is_ok());
    }

    #[test]
    fn an_entry_inflating_at_a_ratio_no_sheet_has_is_a_zip_bomb() {
        let bomb = vec![0u8; 64 << 20];
        let z = zip(&[
            ("xl/workbook.xml", b"<workbook/>"),
            ("xl/worksheets/sheet1.xml", &bomb),
        ]);
        match inspect(&z, Kind::Xlsx, &ReadLimits::unlimited()) {
            Err(LimitHit::Inflated { detail, .. }) => assert!(detail.contains(":1"), "{detail}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn shared_strings_declaring_more_than_max_cells_are_refused_from_the_first_bytes() {
        let sst = br#"<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="4000000000" uniqueCount="4000000000"><si><t>a</t></si></sst>"#;
        let z = zip(&[
            ("xl/workbook.xml", b"<workbook/>"),
            ("xl/sharedStrings.xml", sst),
        ]);
        match inspect(&z, Kind::Xlsx, &ReadLimits::default()) {
            Err(LimitHit::Strings { declared, .. }) => assert_eq!(declared, 4_000_000_000),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_format_shows_a_percentage_only_with_a_percent_sign_outside_text_escapes_and_brackets() {
        for code in ["0%", "0.00%", "0.0%;[Red]-0.0%", "#,##0.00%", "[Blue]0%"] {
            assert!(is_percent_format(code), "{code}");
        }
        for code in [
            "General",
            "0.00",
            "yyyy-mm-dd",
            r#""%"0"#,
            r"0\%",
            "[%]0",
            "0_%",
            "@",
        ] {
            assert!(!is_percent_format(code), "{code}");
        }
    }

    #[test]
    fn a_number_in_a_percent_formatted_cell_is_read_as_the_filer_sees_it() {
        use rust_xlsxwriter::{Format, Workbook as Book};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pct.xlsx");
        let mut book = Book::new();
        let ws = book.add_worksheet();
        let pct = Format::new().set_num_format("0.00%");
        ws.write_number_with_format(0, 0, 0.4123, &pct).unwrap();
        ws.write_number_with_format(0, 1, 0.03, &Format::new().set_num_format("0%"))
            .unwrap();
        ws.write_number(0, 2, 0.4123).unwrap();
        ws.write_number_with_format(0, 3, 12.5, &Format::new().set_num_format("0.00"))
            .unwrap();
        ws.write_string_with_format(0, 4, "待核实", &pct).unwrap();
        book.save(&path).unwrap();
        let file = InputFile {
            path: path.clone(),
            rel: "2023-12/pct.xlsx".into(),
            period: "2023-12".parse().unwrap(),
        };
        let wb = super::super::read_file(&file, &ReadLimits::default()).unwrap();
        let row = &wb.sheets[0].rows[0];
        assert_eq!(
            row,
            &vec![
                super::super::Cell::Text("41.23%".into()),
                super::super::Cell::Text("3%".into()),
                super::super::Cell::Number(0.4123),
                super::super::Cell::Number(12.5),
                super::super::Cell::Text("待核实".into()),
            ]
        );
    }

    #[test]
    fn the_shared_strings_tag_is_found_past_the_first_peek_and_a_tag_cut_by_it_is_read_whole() {
        // The `<sst>` tag after a comment longer than the first peek, and a tag that the peek
        // cuts in the middle of its `uniqueCount`.
        let late = format!(
            r#"<?xml version="1.0"?><!--{}--><sst count="9" uniqueCount="4000000000"></sst>"#,
            "x".repeat(SST_PEEK as usize + 100)
        );
        let pad = SST_PEEK as usize - r#"<?xml version="1.0"?><sst uniqueCount="40"#.len();
        let cut = format!(
            r#"<?xml version="1.0"?>{}<sst uniqueCount="4000000000"></sst>"#,
            " ".repeat(pad)
        );
        for sst in [late, cut] {
            let z = zip(&[
                ("xl/workbook.xml", b"<workbook/>"),
                ("xl/sharedStrings.xml", sst.as_bytes()),
            ]);
            match inspect(&z, Kind::Xlsx, &ReadLimits::default()) {
                Err(LimitHit::Strings { declared, .. }) => assert_eq!(declared, 4_000_000_000),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn sheets_of_a_type_the_library_cannot_list_are_cut_from_a_copy_of_the_workbook() {
        let wb = br#"<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="A" sheetId="1" r:id="rId1"/><sheet name="M&amp;1" sheetId="2" r:id="rId2"/></sheets></workbook>"#;
        let rels = br#"<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet" Target="macrosheets/sheet1.xml"/></Relationships>"#;
        let z = zip(&[
            ("xl/workbook.xml", wb),
            ("xl/_rels/workbook.xml.rels", rels),
        ]);
        let plan = inspect(&z, Kind::Xlsx, &ReadLimits::default()).unwrap();
        assert_eq!(plan.unlisted.len(), 1);
        assert_eq!(plan.unlisted[0].0, "M&1");
        assert!(matches!(plan.unlisted[0].1, Failure::NotData(_)));
        let patched = plan.patched.expect("a patched copy");
        let mut z = zip::ZipArchive::new(Cursor::new(patched.as_slice())).unwrap();
        let i = (0..z.len())
            .find(|&i| z.by_index_raw(i).unwrap().name().unwrap() == "xl/workbook.xml")
            .unwrap();
        let text = entry_text(&mut z, i).unwrap();
        assert!(
            text.contains(r#"name="A""#) && !text.contains("rId2"),
            "{text}"
        );
        assert_eq!(z.len(), 2, "every other entry is kept");
    }
}
