//! Legacy .xls workbooks (BIFF5/BIFF8 in an OLE file; WPS .et/.ett and .xlt templates are the
//! same format).
//!
//! The library parses every sheet when it opens the file and builds each as the dense
//! rectangle of its cells, after reserving what the sheet's DIMENSIONS record declares: a
//! DIMENSIONS of 2^32 rows aborts the process, and one stray cell at IV65536 costs 16 million
//! cells. So the `Workbook` stream's records are scanned first ([`prescan`]): FILEPASS means
//! encrypted; each sheet's declared reservation and the rectangle of its value cells are
//! measured. When either is over `max_cells`, the library is given a copy of the stream in
//! which the DIMENSIONS records declare nothing and the sheet's cell coordinates are
//! compacted (the used rows and columns renumbered 0, 1, 2 …); the cells are mapped back to
//! their real addresses when the sheet is built, so nothing a filer sees changes. Only a sheet
//! whose compacted rectangle is still over `max_cells` is left out (its cell records are
//! disabled in the copy) and named in a note.

use super::grid::Cells;
use super::{convert, not_a_worksheet, Failure, ReadNote, Sheet, SheetsRead};
use crate::error::{Content, FileError, LimitHit};
use crate::ingest::{InputFile, ReadLimits};
use calamine::Reader;
use std::io::{Cursor, Read, Write};

const BOF: u16 = 0x0809;
const EOF: u16 = 0x000A;
const FILEPASS: u16 = 0x002F;
const BOUNDSHEET: u16 = 0x0085;
const DIMENSIONS: u16 = 0x0200;
const MULRK: u16 = 0x00BD;
const FORMULA: u16 = 0x0006;
const STRING: u16 = 0x0207;
/// Records whose data start with the cell's row and column, and that the library turns into a
/// value: NUMBER, LABEL, RSTRING, BOOLERR, RK, LABELSST, FORMULA.
const CELLS: [u16; 7] = [0x0203, 0x0204, 0x00D6, 0x0205, 0x027E, 0x00FD, FORMULA];
/// A record type the library ignores, for disabling a record in place.
const IGNORED: u16 = 0x0000;

pub(super) fn read(
    file: &InputFile,
    bytes: &[u8],
    limits: &ReadLimits,
    notes: &mut Vec<ReadNote>,
) -> Result<Vec<Sheet>, FileError> {
    let plan = prescan(bytes, limits.max_cells).map_err(|e| match e {
        Refusal::Content(content) => FileError::Content {
            path: file.path.clone(),
            content,
        },
        Refusal::Corrupt(msg) => FileError::Spreadsheet {
            path: file.path.clone(),
            source: calamine::Error::Msg(msg),
        },
    })?;
    let data: &[u8] = plan.rewritten.as_deref().unwrap_or(bytes);
    let mut wb = calamine::Xls::new(Cursor::new(data)).map_err(|e| FileError::Spreadsheet {
        path: file.path.clone(),
        source: calamine::Error::Xls(e),
    })?;
    let mut read = SheetsRead::default();
    let mut seen: Vec<String> = Vec::new();
    for (i, meta) in wb.sheets_metadata().to_vec().into_iter().enumerate() {
        if let Some(why) = not_a_worksheet(meta.typ) {
            read.failed(&meta.name, why, notes);
            continue;
        }
        // The library keeps one grid per name: a second sheet of the same name is not its own.
        if seen.contains(&meta.name) {
            read.failed(
                &meta.name,
                Failure::Error(calamine::Error::Msg("a second sheet of the same name")),
                notes,
            );
            continue;
        }
        seen.push(meta.name.clone());
        let scan = plan.sheets.get(i);
        if let Some(cells) = scan.and_then(|s| s.refused) {
            let hit = LimitHit::Cells {
                max: limits.max_cells,
                sheet: meta.name.clone(),
                cells,
            };
            read.failed(&meta.name, Failure::Limit(hit), notes);
            continue;
        }
        let range = match wb.worksheet_range(&meta.name) {
            Ok(r) => r,
            Err(e) => {
                read.failed(&meta.name, Failure::Error(calamine::Error::Xls(e)), notes);
                continue;
            }
        };
        let maps = scan.and_then(|s| s.compacted.as_ref());
        let real = |v: u32, map: Option<&Vec<u16>>| match map {
            Some(m) => m.get(v as usize).map_or(v, |&x| u32::from(x)),
            None => v,
        };
        let (r0, c0) = range.start().unwrap_or((0, 0));
        let mut cells = Cells::new(&meta.name, limits.max_cells);
        let built = range
            .used_cells()
            .try_for_each(|(r, c, d)| {
                let row = real(r0 + r as u32, maps.map(|m| &m.0));
                let col = real(c0 + c as u32, maps.map(|m| &m.1));
                cells.push(row, col, convert(d))
            })
            .and_then(|()| cells.build());
        match built {
            Ok(s) => read.ok(s),
            Err(hit) => read.failed(&meta.name, Failure::Limit(hit), notes),
        }
    }
    read.finish(&file.path)
}

#[derive(Debug)]
enum Refusal {
    Content(Content),
    Corrupt(&'static str),
}

/// What the scan of the `Workbook` stream found.
#[derive(Debug, Default)]
struct Plan {
    /// A copy of the file for the library, when a sheet needed its coordinates compacted or
    /// its DIMENSIONS neutralised.
    rewritten: Option<Vec<u8>>,
    /// Per BOUNDSHEET, in order (the library lists the sheets in the same order).
    sheets: Vec<SheetPlan>,
}

#[derive(Debug, Default)]
struct SheetPlan {
    /// The real row and column of each compacted one.
    compacted: Option<(Vec<u16>, Vec<u16>)>,
    /// Left out: the cells its rectangle would hold.
    refused: Option<u64>,
}

/// One record: its type, where its header starts, and its data.
#[derive(Debug, Clone, Copy)]
struct Rec {
    typ: u16,
    at: usize,
    len: usize,
}

impl Rec {
    fn data<'a>(&self, s: &'a [u8]) -> &'a [u8] {
        &s[self.at + 4..self.at + 4 + self.len]
    }
}

/// The records from `from` on, as long as they fit in the stream.
fn records(s: &[u8], from: usize) -> impl Iterator<Item = Rec> + '_ {
    let mut at = from;
    std::iter::from_fn(move || {
        let head = s.get(at..at.checked_add(4)?)?;
        let typ = u16::from_le_bytes([head[0], head[1]]);
        let len = u16::from_le_bytes([head[2], head[3]]) as usize;
        if at + 4 + len > s.len() {
            return None;
        }
        let r = Rec { typ, at, len };
        at += 4 + len;
        Some(r)
    })
}

fn u16_at(d: &[u8], i: usize) -> Option<u16> {
    Some(u16::from_le_bytes([*d.get(i)?, *d.get(i + 1)?]))
}

fn u32_at(d: &[u8], i: usize) -> Option<u32> {
    Some(u32::from_le_bytes([
        *d.get(i)?,
        *d.get(i + 1)?,
        *d.get(i + 2)?,
        *d.get(i + 3)?,
    ]))
}

/// What one sheet's substream holds, as the library will read it.
#[derive(Debug, Default)]
struct SheetScan {
    /// DIMENSIONS records.
    dims: Vec<Rec>,
    /// The most cells a DIMENSIONS makes the library reserve.
    reserve: u64,
    /// Value records (CELLS and MULRK), with their row and first and last column.
    cells: Vec<(Rec, u16, u16, u16)>,
    /// STRING records (a formula's text result, placed at the formula's cell).
    strings: Vec<Rec>,
}

impl SheetScan {
    fn rectangle(&self) -> u64 {
        let rows = self.cells.iter().map(|c| c.1);
        let (Some(r0), Some(r1)) = (rows.clone().min(), rows.max()) else {
            return 0;
        };
        let c0 = self.cells.iter().map(|c| c.2).min().unwrap_or(0);
        let c1 = self.cells.iter().map(|c| c.3).max().unwrap_or(0);
        (u64::from(r1 - r0) + 1) * (u64::from(c1 - c0) + 1)
    }

    fn used(&self) -> (Vec<u16>, Vec<u16>) {
        let mut rows: Vec<u16> = self.cells.iter().map(|c| c.1).collect();
        let mut cols: Vec<u16> = self.cells.iter().flat_map(|c| c.2..=c.3).collect();
        rows.sort_unstable();
        rows.dedup();
        cols.sort_unstable();
        cols.dedup();
        (rows, cols)
    }
}

/// The cells the library reserves for a DIMENSIONS record, by its own arithmetic. A last row
/// or column before the first underflows there (a panic, or a wrap to 2^32 rows): that counts
/// as more than any limit, so the record is neutralised.
fn reservation(d: &[u8]) -> u64 {
    let fields = match d.len() {
        10 => (
            u16_at(d, 0).map(u32::from),
            u16_at(d, 2).map(u32::from),
            u16_at(d, 4),
            u16_at(d, 6),
        ),
        14 | 16 => (u32_at(d, 0), u32_at(d, 4), u16_at(d, 8), u16_at(d, 10)),
        // The library refuses the record (and the file) itself.
        _ => return 0,
    };
    let (Some(rf), Some(rl), Some(cf), Some(cl)) = fields else {
        return 0;
    };
    let cf = if 0xFF < cf || cl < cf { 0 } else { cf };
    if rl < 1 || cl < 1 {
        return 1;
    }
    if rl - 1 < rf || cl - 1 < cf {
        return u64::MAX;
    }
    (u64::from(rl - 1 - rf) + 1).saturating_mul(u64::from(cl - 1 - cf) + 1)
}

fn sheet_scan(s: &[u8], from: usize) -> SheetScan {
    let mut scan = SheetScan::default();
    let mut seen_bof = false;
    let mut depth = 0usize;
    for r in records(s, from) {
        if depth > 0 {
            match r.typ {
                BOF => depth += 1,
                EOF => depth -= 1,
                _ => {}
            }
            continue;
        }
        let d = r.data(s);
        match r.typ {
            BOF if seen_bof => depth += 1,
            BOF => seen_bof = true,
            EOF => break,
            DIMENSIONS => {
                scan.reserve = scan.reserve.max(reservation(d));
                scan.dims.push(r);
            }
            STRING => scan.strings.push(r),
            MULRK => {
                let (Some(row), Some(first), Some(last)) = (
                    u16_at(d, 0),
                    u16_at(d, 2),
                    u16_at(d, d.len().saturating_sub(2)),
                ) else {
                    continue;
                };
                // As the library checks it; a malformed one fails the file there.
                if d.len() >= 6
                    && last >= first
                    && d.len() == 6 + 6 * (usize::from(last - first) + 1)
                {
                    scan.cells.push((r, row, first, last));
                }
            }
            t if CELLS.contains(&t) => {
                if let (Some(row), Some(col)) = (u16_at(d, 0), u16_at(d, 2)) {
                    scan.cells.push((r, row, col, col));
                }
            }
            _ => {}
        }
    }
    scan
}

/// Scans the `Workbook` (or `Book`) stream and, when a sheet needs it, writes the copy the
/// library will read. A file the OLE reader cannot list is left to the library as it is.
fn prescan(bytes: &[u8], max_cells: u64) -> Result<Plan, Refusal> {
    let Ok(mut cf) = cfb::CompoundFile::open(Cursor::new(bytes)) else {
        return Ok(Plan::default());
    };
    let names: Vec<String> = cf
        .read_root_storage()
        .map(|e| e.name().to_string())
        .collect();
    let Some(name) = ["workbook", "book"]
        .iter()
        .find_map(|want| names.iter().find(|n| n.eq_ignore_ascii_case(want)))
        .cloned()
    else {
        return Ok(Plan::default());
    };
    let mut stream = Vec::new();
    let read = cf
        .open_stream(format!("/{name}"))
        .and_then(|st| st.take(bytes.len() as u64).read_to_end(&mut stream));
    if read.is_err() {
        return Ok(Plan::default());
    }
    let s = stream.as_slice();
    // The globals: BOF first, then up to its EOF.
    let Some(first) = records(s, 0).next() else {
        return Ok(Plan::default());
    };
    match first.typ {
        0x0009 => return Err(Refusal::Content(Content::OldExcel { version: 2 })),
        0x0209 => return Err(Refusal::Content(Content::OldExcel { version: 3 })),
        0x0409 => return Err(Refusal::Content(Content::OldExcel { version: 4 })),
        _ => {}
    }
    let mut positions = Vec::new();
    for r in records(s, 0) {
        match r.typ {
            FILEPASS => return Err(Refusal::Content(Content::Encrypted)),
            BOUNDSHEET => {
                if let Some(pos) = u32_at(r.data(s), 0) {
                    positions.push(pos as usize);
                }
            }
            EOF => break,
            _ => {}
        }
    }
    if positions.iter().any(|&p| p >= s.len()) {
        return Err(Refusal::Corrupt(
            "a sheet's offset lies outside the Workbook stream",
        ));
    }
    let scans: Vec<SheetScan> = positions.iter().map(|&p| sheet_scan(s, p)).collect();
    let mut copy: Option<Vec<u8>> = None;
    let mut plans = Vec::with_capacity(scans.len());
    for scan in &scans {
        let mut plan = SheetPlan::default();
        let rectangle = scan.rectangle();
        if scan.reserve <= max_cells && rectangle <= max_cells {
            plans.push(plan);
            continue;
        }
        let out = copy.get_or_insert_with(|| stream.clone());
        for d in &scan.dims {
            // rwMic, rwMac, colMic, colMac = 0: the library reserves one cell. (A record of
            // another length is refused by the library itself.)
            let n = match d.len {
                10 => 8,
                14 | 16 => 12,
                _ => continue,
            };
            out[d.at + 4..d.at + 4 + n].fill(0);
        }
        if rectangle > max_cells {
            let (rows, cols) = scan.used();
            let compact = rows.len() as u64 * cols.len() as u64;
            if compact > max_cells {
                for (r, ..) in &scan.cells {
                    out[r.at..r.at + 2].copy_from_slice(&IGNORED.to_le_bytes());
                }
                for r in &scan.strings {
                    out[r.at..r.at + 2].copy_from_slice(&IGNORED.to_le_bytes());
                }
                plan.refused = Some(rectangle);
            } else {
                let index = |v: &[u16], x: u16| v.binary_search(&x).unwrap_or(0) as u16;
                for (r, row, first, last) in &scan.cells {
                    let d = r.at + 4;
                    out[d..d + 2].copy_from_slice(&index(&rows, *row).to_le_bytes());
                    let c = index(&cols, *first);
                    out[d + 2..d + 4].copy_from_slice(&c.to_le_bytes());
                    if r.typ == MULRK {
                        // Every column of the run is used, so the run stays contiguous.
                        let end = d + r.len;
                        out[end - 2..end].copy_from_slice(&(c + (last - first)).to_le_bytes());
                    }
                }
                plan.compacted = Some((rows, cols));
            }
        }
        plans.push(plan);
    }
    let rewritten = match copy {
        None => None,
        Some(stream) => Some(
            ole_with(&name, &stream)
                .map_err(|_| Refusal::Corrupt("the workbook could not be copied for reading"))?,
        ),
    };
    Ok(Plan {
        rewritten,
        sheets: plans,
    })
}

/// An OLE file holding one stream: version 3 (512-byte sectors), as Excel writes it; the
/// library cannot read a version 4 file whose root holds no mini stream.
fn ole_with(name: &str, stream: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut cf = cfb::CompoundFile::create_with_version(cfb::Version::V3, Cursor::new(Vec::new()))?;
    {
        let mut st = cf.create_stream(format!("/{name}"))?;
        st.write_all(stream)?;
    }
    cf.flush()?;
    Ok(cf.into_inner().into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(typ: u16, data: &[u8]) -> Vec<u8> {
        let mut v = typ.to_le_bytes().to_vec();
        v.extend_from_slice(&(data.len() as u16).to_le_bytes());
        v.extend_from_slice(data);
        v
    }

    fn dims(rf: u32, rl: u32, cf: u16, cl: u16) -> Vec<u8> {
        let mut d = rf.to_le_bytes().to_vec();
        d.extend_from_slice(&rl.to_le_bytes());
        d.extend_from_slice(&cf.to_le_bytes());
        d.extend_from_slice(&cl.to_le_bytes());
        d.extend_from_slice(&[0, 0]);
        d
    }

    fn number(row: u16, col: u16, v: f64) -> Vec<u8> {
        let mut d = row.to_le_bytes().to_vec();
        d.extend_from_slice(&col.to_le_bytes());
        d.extend_from_slice(&[0x0F, 0]);
        d.extend_from_slice(&v.to_le_bytes());
        rec(0x0203, &d)
    }

    /// A minimal BIFF8 workbook: globals with one BOUNDSHEET, then the sheet's records.
    fn workbook(globals_extra: &[u8], sheet: &[Vec<u8>]) -> Vec<u8> {
        workbook_of(0, globals_extra, sheet)
    }

    /// The same with the sheet's BOUNDSHEET type `dt` (0 worksheet, 1 macro sheet, 2 chart).
    fn workbook_of(dt: u8, globals_extra: &[u8], sheet: &[Vec<u8>]) -> Vec<u8> {
        let bof = |dt: u16| {
            let mut d = 0x0600u16.to_le_bytes().to_vec();
            d.extend_from_slice(&dt.to_le_bytes());
            d.extend_from_slice(&[0; 12]);
            rec(BOF, &d)
        };
        let name = b"S1";
        let boundsheet_len = 4 + 6 + 2 + name.len();
        let mut globals = bof(0x0005);
        globals.extend_from_slice(globals_extra);
        let sheet_pos = globals.len() + boundsheet_len + 4;
        let mut bs = (sheet_pos as u32).to_le_bytes().to_vec();
        bs.extend_from_slice(&[0, dt, name.len() as u8, 0]);
        bs.extend_from_slice(name);
        globals.extend(rec(BOUNDSHEET, &bs));
        globals.extend(rec(EOF, &[]));
        assert_eq!(globals.len(), sheet_pos);
        let mut out = globals;
        out.extend(bof(0x0010));
        for r in sheet {
            out.extend_from_slice(r);
        }
        out.extend(rec(EOF, &[]));
        ole_with("Workbook", &out).unwrap()
    }

    #[test]
    fn an_excel4_macro_sheet_is_not_read_as_data() {
        let wb = workbook_of(1, &[], &[number(0, 0, 1.0)]);
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("a.xls");
        std::fs::write(&path, &wb).unwrap();
        let file = InputFile {
            path,
            rel: "2025-03/a.xls".into(),
            period: crate::period::Period {
                year: 2025,
                month: 3,
            },
        };
        let mut notes = Vec::new();
        match read(&file, &wb, &ReadLimits::default(), &mut notes) {
            Err(e @ FileError::Sheet { .. }) => {
                assert!(
                    e.reason_zh().contains("没有可读的工作表"),
                    "{}",
                    e.reason_zh()
                )
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(notes.len(), 1);
        assert!(notes[0].message.contains("宏表"), "{}", notes[0].message);
    }

    #[test]
    fn filepass_in_the_globals_is_encrypted() {
        let wb = workbook(&rec(FILEPASS, &[1, 0, 1, 0]), &[number(0, 0, 1.0)]);
        assert!(matches!(
            prescan(&wb, 1000),
            Err(Refusal::Content(Content::Encrypted))
        ));
        // The library alone says the same (its Password error is the contract's Encrypted).
        let lib = calamine::Xls::new(Cursor::new(wb.as_slice())).err();
        assert!(matches!(lib, Some(calamine::XlsError::Password)), "{lib:?}");
    }

    #[test]
    fn a_dimensions_of_two_to_the_32_rows_is_neutralised_before_the_library_reserves_it() {
        let wb = workbook(
            &[],
            &[rec(DIMENSIONS, &dims(0, u32::MAX, 0, 3)), number(0, 0, 1.0)],
        );
        let plan = prescan(&wb, 1000).unwrap();
        assert!(plan.rewritten.is_some());
        let mut lib = calamine::Xls::new(Cursor::new(plan.rewritten.unwrap())).unwrap();
        let range = lib.worksheet_range("S1").unwrap();
        assert_eq!(range.get_value((0, 0)), Some(&calamine::Data::Float(1.0)));
        // A last row before the first wraps in the library's arithmetic: neutralised too.
        assert_eq!(reservation(&dims(10, 5, 0, 1)), u64::MAX);
    }

    #[test]
    fn a_stray_far_cell_is_compacted_for_the_library_and_mapped_back() {
        let wb = workbook(
            &[],
            &[
                rec(DIMENSIONS, &dims(0, 65536, 0, 256)),
                number(0, 0, 1.0),
                number(1, 1, 2.0),
                number(65535, 255, 3.0),
            ],
        );
        let plan = prescan(&wb, 10_000).unwrap();
        let (rows, cols) = plan.sheets[0].compacted.clone().expect("compacted");
        assert_eq!(rows, vec![0, 1, 65535]);
        assert_eq!(cols, vec![0, 1, 255]);
        let mut lib = calamine::Xls::new(Cursor::new(plan.rewritten.unwrap())).unwrap();
        let range = lib.worksheet_range("S1").unwrap();
        assert_eq!(
            range.get_size(),
            (3, 3),
            "the library builds 9 cells, not 16 million"
        );

        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("a.xls");
        std::fs::write(&path, &wb).unwrap();
        let file = InputFile {
            path,
            rel: "2025-03/a.xls".into(),
            period: crate::period::Period {
                year: 2025,
                month: 3,
            },
        };
        let limits = ReadLimits {
            max_cells: 100_000,
            ..ReadLimits::default()
        };
        // 65536 rows of the real sheet are over 10 000: refused by the grid, named.
        let mut notes = Vec::new();
        let small = ReadLimits {
            max_cells: 10_000,
            ..limits
        };
        assert!(read(&file, &wb, &small, &mut notes).is_err());
        let mut notes = Vec::new();
        let sheets = read(&file, &wb, &limits, &mut notes).unwrap();
        let s = &sheets[0];
        assert_eq!(s.get(65535, 255), &super::super::Cell::Number(3.0));
        assert_eq!(s.address(65535, 255), "IV65536");
        assert_eq!(s.get(1, 1), &super::super::Cell::Number(2.0));
        assert!(notes.is_empty(), "{notes:?}");
    }

    #[test]
    fn a_rewritten_stream_outside_the_mini_stream_is_readable_by_the_library() {
        // 400 cells: the stream is over 4096 bytes, so it lives in regular sectors.
        let mut cells: Vec<Vec<u8>> = (0..400u16).map(|i| number(i, 0, f64::from(i))).collect();
        cells.push(number(65535, 255, 1.0));
        let wb = workbook(&[], &cells);
        let plan = prescan(&wb, 10_000).unwrap();
        let mut lib = calamine::Xls::new(Cursor::new(plan.rewritten.expect("rewritten"))).unwrap();
        let range = lib.worksheet_range("S1").unwrap();
        assert_eq!(range.get_size(), (401, 2));
        assert_eq!(
            range.get_value((399, 0)),
            Some(&calamine::Data::Float(399.0))
        );
    }

    #[test]
    fn a_sheet_whose_compacted_rectangle_is_still_too_big_is_left_out() {
        let cells: Vec<Vec<u8>> = (0..20u16).map(|i| number(i * 100, i, 1.0)).collect();
        let wb = workbook(&[], &cells);
        let plan = prescan(&wb, 100).unwrap();
        assert_eq!(plan.sheets[0].refused, Some(1901 * 20));
        let mut lib = calamine::Xls::new(Cursor::new(plan.rewritten.unwrap())).unwrap();
        assert!(lib.worksheet_range("S1").unwrap().is_empty());
    }

    #[test]
    fn a_dimensions_record_of_an_odd_length_is_left_to_the_library() {
        let wb = workbook(
            &[],
            &[
                rec(DIMENSIONS, &[0, 0, 0, 0]),
                number(65535, 255, 1.0),
                number(0, 0, 1.0),
            ],
        );
        let plan = prescan(&wb, 100).expect("no panic, a plan");
        assert!(plan.sheets[0].compacted.is_some());
        assert!(calamine::Xls::new(Cursor::new(plan.rewritten.unwrap())).is_err());
    }

    #[test]
    fn a_sheet_offset_outside_the_stream_is_corrupt_not_a_crash() {
        let mut bs = 1_000_000u32.to_le_bytes().to_vec();
        bs.extend_from_slice(&[0, 0, 1, 0, b'S']);
        let mut s = rec(BOF, &[0, 6, 5, 0, 0, 0, 0, 0]);
        s.extend(rec(BOUNDSHEET, &bs));
        s.extend(rec(EOF, &[]));
        let wb = ole_with("Workbook", &s).unwrap();
        assert!(matches!(prescan(&wb, 1000), Err(Refusal::Corrupt(_))));
    }
}
