//! A corpus of hostile and odd input files the project owns (issue 9 item 7): each class of
//! file that broke "a file that cannot be read is reported and the run goes on" is generated
//! here, from rust_xlsxwriter workbooks patched with the zip crate, byte patches of the
//! committed xls fixture (`fixtures/formats/2025-03/恩平市台账.xls`, figures stated in
//! fixtures/formats/make.py: 制造业 12.5 + 0.8 = 13.3 亿元) rewritten with the cfb crate, and
//! hand-built OLE files.
#![allow(dead_code)]

use rust_xlsxwriter::{Chart, ChartType, Format, Workbook};
use std::io::{Cursor, Read, Write};

/// One project row of a ledger: name, investor, sector, 计划总投资 in 亿元, 签约时间 (text).
pub type Row<'a> = (&'a str, &'a str, &'a str, f64, &'a str);

pub const HEADER: [&str; 5] = [
    "项目名称",
    "投资主体",
    "行业类别",
    "计划总投资（亿元）",
    "签约时间",
];

/// A ledger workbook of `filer` (sheet 台账): 填报单位 in A1, the header in row 2, the rows
/// from row 3 (A3). `extra` may add to the workbook (more sheets, odd cells) before it is saved.
pub fn ledger_with(filer: &str, rows: &[Row], extra: impl FnOnce(&mut Workbook)) -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("台账").expect("name");
    ws.write_string(0, 0, format!("填报单位：{filer}"))
        .expect("write");
    for (c, h) in HEADER.iter().enumerate() {
        ws.write_string(1, c as u16, *h).expect("write");
    }
    for (i, (name, investor, sector, amount, date)) in rows.iter().enumerate() {
        let r = 2 + i as u32;
        ws.write_string(r, 0, *name).expect("write");
        ws.write_string(r, 1, *investor).expect("write");
        ws.write_string(r, 2, *sector).expect("write");
        ws.write_number(r, 3, *amount).expect("write");
        ws.write_string(r, 4, *date).expect("write");
    }
    extra(&mut wb);
    wb.save_to_buffer().expect("save")
}

pub fn ledger(filer: &str, rows: &[Row]) -> Vec<u8> {
    ledger_with(filer, rows, |_| {})
}

/// The good return every case sits beside: 新会区, 制造业 6.5 亿元 (the 服务业 row does not count).
pub const GOOD_FILE: &str = "新会区台账.xlsx";
pub const GOOD_MFG_YI: f64 = 6.5;

pub fn good_return() -> Vec<u8> {
    ledger(
        "新会区",
        &[
            (
                "新会储能电池项目",
                "新会储能科技有限公司",
                "制造业",
                6.5,
                "2025-03-05",
            ),
            (
                "新会物流中心项目",
                "新会物流有限公司",
                "服务业",
                1.0,
                "2025-03-06",
            ),
        ],
    )
}

// ---- zip ----------------------------------------------------------------------------------

/// The entries of a zip, in order, inflated.
pub fn zip_entries(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut z = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).expect("entry");
            let name = f.name().expect("name").to_string();
            let mut data = Vec::new();
            f.read_to_end(&mut data).expect("inflate");
            (name, data)
        })
        .collect()
}

pub fn zip_of(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in entries {
        w.start_file(
            name.as_str(),
            zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated),
        )
        .expect("entry");
        w.write_all(data).expect("write");
    }
    w.finish().expect("finish").into_inner()
}

/// A copy of the zip with the text of entry `name` changed by `f`.
pub fn patch_entry(bytes: &[u8], name: &str, f: impl FnOnce(String) -> String) -> Vec<u8> {
    let mut entries = zip_entries(bytes);
    let e = entries
        .iter_mut()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no entry {name}"));
    let text = String::from_utf8(std::mem::take(&mut e.1)).expect("utf-8");
    let patched = f(text);
    e.1 = patched.into_bytes();
    zip_of(&entries)
}

/// Replaces `from` (which must occur) by `to`.
pub fn replace_once(text: String, from: &str, to: &str) -> String {
    assert!(text.contains(from), "`{from}` not in {text}");
    text.replacen(from, to, 1)
}

/// 江海区's ledger with `<v>NaN</v>` as the amount of its first row (2.0 亿元 counts).
pub fn nan_cell() -> Vec<u8> {
    let x = ledger(
        "江海区",
        &[
            (
                "江海芯片项目",
                "江海芯片有限公司",
                "制造业",
                7.25,
                "2025-03-02",
            ),
            (
                "江海电机项目",
                "江海电机有限公司",
                "制造业",
                2.0,
                "2025-03-03",
            ),
        ],
    );
    patch_entry(&x, "xl/worksheets/sheet1.xml", |t| {
        replace_once(t, "<v>7.25</v>", "<v>NaN</v>")
    })
}

/// 蓬江区's ledger whose first row's 签约时间 is a date-formatted cell of serial -1e12 (the
/// second row, 制造业 1.0 亿元, counts).
pub fn date_minus_1e12() -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("台账").expect("name");
    ws.write_string(0, 0, "填报单位：蓬江区").expect("write");
    for (c, h) in HEADER.iter().enumerate() {
        ws.write_string(1, c as u16, *h).expect("write");
    }
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (r, name, amount, serial) in [
        (2u32, "蓬江机器人项目", 4.0, -1e12),
        (3, "蓬江五金项目", 1.0, 45722.0),
    ] {
        ws.write_string(r, 0, name).expect("write");
        ws.write_string(r, 1, format!("{name}公司")).expect("write");
        ws.write_string(r, 2, "制造业").expect("write");
        ws.write_number(r, 3, amount).expect("write");
        ws.write_number_with_format(r, 4, serial, &date)
            .expect("write");
    }
    wb.save_to_buffer().expect("save")
}

/// 江海区's ledger whose shared string table declares 4 000 000 000 strings.
pub fn shared_strings_4e9() -> Vec<u8> {
    let x = ledger(
        "江海区",
        &[(
            "江海芯片项目",
            "江海芯片有限公司",
            "制造业",
            3.0,
            "2025-03-02",
        )],
    );
    patch_entry(&x, "xl/sharedStrings.xml", |t| {
        let start = t.find("uniqueCount=\"").expect("uniqueCount") + "uniqueCount=\"".len();
        let end = start + t[start..].find('"').expect("quote");
        let t = format!("{}4000000000{}", &t[..start], &t[end..]);
        let start = t.find(" count=\"").expect("count") + " count=\"".len();
        let end = start + t[start..].find('"').expect("quote");
        format!("{}4000000000{}", &t[..start], &t[end..])
    })
}

/// 蓬江区's ledger (制造业 2.5 亿元) with its sheet's used range stretched from A1 to
/// XFD1048576 by one stray cell.
pub fn far_cells() -> Vec<u8> {
    ledger_with(
        "蓬江区",
        &[(
            "蓬江灯饰项目",
            "蓬江灯饰有限公司",
            "制造业",
            2.5,
            "2025-03-04",
        )],
        |wb| {
            let ws = wb.worksheet_from_name("台账").expect("sheet");
            ws.write_string(1_048_575, 16_383, "x").expect("write");
        },
    )
}

/// 江海区's ledger whose sheet XML is padded with `pad` bytes of white space after
/// `<sheetData>` (valid XML that inflates to anything): a zip bomb.
pub fn zip_bomb(pad: u64) -> Vec<u8> {
    let x = ledger(
        "江海区",
        &[(
            "江海芯片项目",
            "江海芯片有限公司",
            "制造业",
            3.0,
            "2025-03-02",
        )],
    );
    let entries = zip_entries(&x);
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(pad > u32::MAX as u64);
    for (name, data) in &entries {
        w.start_file(name.as_str(), opts).expect("entry");
        if name == "xl/worksheets/sheet1.xml" {
            let text = String::from_utf8(data.clone()).expect("utf-8");
            let at = text.find("<sheetData>").expect("sheetData") + "<sheetData>".len();
            w.write_all(&data[..at]).expect("write");
            let chunk = vec![b' '; 1 << 20];
            let mut left = pad;
            while left > 0 {
                let n = left.min(chunk.len() as u64) as usize;
                w.write_all(&chunk[..n]).expect("write");
                left -= n as u64;
            }
            w.write_all(&data[at..]).expect("write");
        } else {
            w.write_all(data).expect("write");
        }
    }
    w.finish().expect("finish").into_inner()
}

/// 台山市's ledger (制造业 1.2 亿元) beside a chart sheet and an Excel 4.0 macro sheet (which
/// makes the library refuse the whole workbook: it lists no such sheet type).
pub fn chart_and_macro_sheets() -> Vec<u8> {
    let x = ledger_with(
        "台山市",
        &[(
            "台山储能项目",
            "台山储能有限公司",
            "制造业",
            1.2,
            "2025-03-09",
        )],
        |wb| {
            let mut chart = Chart::new(ChartType::Column);
            chart.add_series().set_values("台账!$D$3:$D$3");
            let cs = wb.add_chartsheet();
            cs.set_name("图表1").expect("name");
            cs.insert_chart(0, 0, &chart).expect("chart");
        },
    );
    let mut entries = zip_entries(&x);
    let edit = |entries: &mut Vec<(String, Vec<u8>)>, name: &str, f: &dyn Fn(String) -> String| {
        let e = entries.iter_mut().find(|(n, _)| n == name).expect(name);
        let t = String::from_utf8(e.1.clone()).expect("utf-8");
        e.1 = f(t).into_bytes();
    };
    edit(&mut entries, "xl/workbook.xml", &|t| {
        replace_once(
            t,
            "</sheets>",
            r#"<sheet name="宏1" sheetId="9" r:id="rId99"/></sheets>"#,
        )
    });
    edit(&mut entries, "xl/_rels/workbook.xml.rels", &|t| {
        replace_once(
            t,
            "</Relationships>",
            r#"<Relationship Id="rId99" Type="http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet" Target="macrosheets/sheet1.xml"/></Relationships>"#,
        )
    });
    edit(&mut entries, "[Content_Types].xml", &|t| {
        replace_once(
            t,
            "</Types>",
            r#"<Override PartName="/xl/macrosheets/sheet1.xml" ContentType="application/vnd.ms-excel.macrosheet+xml"/></Types>"#,
        )
    });
    entries.push((
        "xl/macrosheets/sheet1.xml".into(),
        br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<xm:macrosheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><sheetData><row r="1"><c r="A1" t="str"><f>HALT()</f><v>TRUE</v></c></row></sheetData></xm:macrosheet>"#
            .to_vec(),
    ));
    zip_of(&entries)
}

/// 开平市's ledger (制造业 2.2 亿元) beside a second sheet whose XML is cut short.
pub fn broken_sheet() -> Vec<u8> {
    let x = ledger_with(
        "开平市",
        &[(
            "开平水暖项目",
            "开平水暖有限公司",
            "制造业",
            2.2,
            "2025-03-10",
        )],
        |wb| {
            let ws = wb.add_worksheet();
            ws.set_name("备注").expect("name");
            ws.write_string(0, 0, "说明").expect("write");
        },
    );
    patch_entry(&x, "xl/worksheets/sheet2.xml", |t| {
        let at = t.find("<sheetData>").expect("sheetData");
        format!(
            "{}<sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>",
            &t[..at]
        )
    })
}

/// A Word document (.docx) under another name.
pub fn docx() -> Vec<u8> {
    zip_of(&[
        ("[Content_Types].xml".into(), b"<Types/>".to_vec()),
        (
            "word/document.xml".into(),
            b"<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"/>"
                .to_vec(),
        ),
    ])
}

/// A zip of pictures.
pub fn photos_zip() -> Vec<u8> {
    zip_of(&[("照片/1.jpg".into(), b"\xFF\xD8\xFF\xE0".to_vec())])
}

// ---- OLE and xls --------------------------------------------------------------------------

/// An OLE file holding the given streams.
pub fn ole(streams: &[(&str, Vec<u8>)]) -> Vec<u8> {
    // Version 3, as Excel writes it (the library reads no version 4 file without a mini stream).
    let mut cf = cfb::CompoundFile::create_with_version(cfb::Version::V3, Cursor::new(Vec::new()))
        .expect("create");
    for (name, data) in streams {
        let mut s = cf.create_stream(format!("/{name}")).expect("stream");
        s.write_all(data).expect("write");
    }
    cf.flush().expect("flush");
    cf.into_inner().into_inner()
}

/// What Office writes for a workbook with an open password: the OOXML package encrypted into
/// an OLE file with `EncryptionInfo` and `EncryptedPackage`.
pub fn encrypted_ooxml() -> Vec<u8> {
    ole(&[
        ("EncryptionInfo", vec![4, 0, 4, 0, 0x40, 0, 0, 0]),
        ("EncryptedPackage", vec![0x5A; 4096]),
    ])
}

pub fn xls_fixture() -> Vec<u8> {
    std::fs::read(crate::common::repo().join("fixtures/formats/2025-03/恩平市台账.xls"))
        .expect("fixture")
}

/// The fixture's `Workbook` stream.
pub fn workbook_stream(xls: &[u8]) -> Vec<u8> {
    let mut cf = cfb::CompoundFile::open(Cursor::new(xls)).expect("ole");
    let mut s = Vec::new();
    cf.open_stream("/Workbook")
        .expect("Workbook")
        .read_to_end(&mut s)
        .expect("read");
    s
}

/// (type, offset of the record header, data length) of every record of a BIFF stream.
pub fn records(s: &[u8]) -> Vec<(u16, usize, usize)> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + 4 <= s.len() {
        let typ = u16::from_le_bytes([s[at], s[at + 1]]);
        let len = u16::from_le_bytes([s[at + 2], s[at + 3]]) as usize;
        out.push((typ, at, len));
        at += 4 + len;
    }
    out
}

/// The fixture with its `Workbook` stream changed by `f`, in a new OLE file.
pub fn xls_patched(f: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut s = workbook_stream(&xls_fixture());
    f(&mut s);
    ole(&[("Workbook", s)])
}

/// The first record of `typ` at `row`, `col` (cell records start with row, col).
pub fn cell_record(s: &[u8], typ: u16, row: u16, col: u16) -> usize {
    records(s)
        .into_iter()
        .find(|&(t, at, len)| {
            t == typ
                && len >= 4
                && u16::from_le_bytes([s[at + 4], s[at + 5]]) == row
                && u16::from_le_bytes([s[at + 6], s[at + 7]]) == col
        })
        .map(|(_, at, _)| at)
        .unwrap_or_else(|| panic!("no record {typ:#06x} at ({row}, {col})"))
}

/// The fixture with a FILEPASS record (RC4) in its globals, where WRITEACCESS was.
pub fn xls_filepass() -> Vec<u8> {
    xls_patched(|s| {
        let (_, at, _) = records(s)
            .into_iter()
            .find(|r| r.0 == 0x005C)
            .expect("WRITEACCESS");
        s[at..at + 2].copy_from_slice(&0x002Fu16.to_le_bytes());
        s[at + 4..at + 6].copy_from_slice(&1u16.to_le_bytes());
    })
}

/// The fixture whose sheet's DIMENSIONS declares 2^32 rows.
pub fn xls_dimensions_2_32() -> Vec<u8> {
    xls_patched(|s| {
        let (_, at, len) = records(s)
            .into_iter()
            .find(|r| r.0 == 0x0200)
            .expect("DIMENSIONS");
        assert_eq!(len, 14, "BIFF8 DIMENSIONS");
        s[at + 8..at + 12].copy_from_slice(&u32::MAX.to_le_bytes());
    })
}

/// The fixture whose footer cell 审核人：赵六 (C8) moved to IV65536: one stray cell at the
/// last row and column an xls has (the library would build 16.7 million cells).
pub fn xls_stray_cell() -> Vec<u8> {
    xls_patched(|s| {
        let at = cell_record(s, 0x00FD, 7, 2);
        s[at + 4..at + 6].copy_from_slice(&65535u16.to_le_bytes());
        s[at + 6..at + 8].copy_from_slice(&255u16.to_le_bytes());
    })
}

/// The fixture whose first project's 签约时间 (H4, a date cell) holds the serial -1e12: the
/// MULRK of G4:H4 is written as two NUMBER records with the same formats.
pub fn xls_date_minus_1e12() -> Vec<u8> {
    xls_patched(|s| {
        let (_, at, len) = records(s)
            .into_iter()
            .find(|&(t, at, _)| t == 0x00BD && u16::from_le_bytes([s[at + 4], s[at + 5]]) == 3)
            .expect("MULRK of row 4");
        let d = s[at + 4..at + 4 + len].to_vec();
        let first = u16::from_le_bytes([d[2], d[3]]);
        assert_eq!((first, len), (6, 18), "G4:H4");
        let xf = |i: usize| [d[4 + 6 * i], d[5 + 6 * i]];
        let number = |col: u16, xf: [u8; 2], v: f64| {
            let mut r = 0x0203u16.to_le_bytes().to_vec();
            r.extend_from_slice(&14u16.to_le_bytes());
            r.extend_from_slice(&3u16.to_le_bytes());
            r.extend_from_slice(&col.to_le_bytes());
            r.extend_from_slice(&xf);
            r.extend_from_slice(&v.to_le_bytes());
            r
        };
        let mut with = number(6, xf(0), 125000.0);
        with.extend(number(7, xf(1), -1e12));
        // The sheet is the stream's last substream: growing a record there moves no offset
        // the library reads.
        s.splice(at..at + 4 + len, with);
    })
}

/// A raw BIFF4 worksheet (Excel 4.0), as old software writes it: no OLE container.
pub fn biff4() -> Vec<u8> {
    let mut b = Vec::new();
    let mut rec = |typ: u16, data: &[u8]| {
        b.extend_from_slice(&typ.to_le_bytes());
        b.extend_from_slice(&(data.len() as u16).to_le_bytes());
        b.extend_from_slice(data);
    };
    rec(0x0409, &[0x00, 0x00, 0x10, 0x00, 0x00, 0x00]);
    rec(0x0042, &1252u16.to_le_bytes());
    // NUMBER (BIFF3/4: 0x0203) at A1 = 1.
    let mut num = vec![0, 0, 0, 0, 0x0F, 0];
    num.extend_from_slice(&1.0f64.to_le_bytes());
    rec(0x0203, &num);
    rec(0x000A, &[]);
    b
}

// ---- other things named .xls ---------------------------------------------------------------

pub fn html_page() -> Vec<u8> {
    "<html xmlns:o=\"urn:schemas-microsoft-com:office:office\">\r\n<head><meta charset=\"utf-8\"></head><body><table><tr><td>项目名称</td><td>计划总投资</td></tr><tr><td>甲</td><td>1</td></tr></table></body></html>".as_bytes().to_vec()
}

pub fn xml_spreadsheet_2003() -> Vec<u8> {
    "<?xml version=\"1.0\"?>\n<?mso-application progid=\"Excel.Sheet\"?>\n<Workbook xmlns=\"urn:schemas-microsoft-com:office:spreadsheet\" xmlns:ss=\"urn:schemas-microsoft-com:office:spreadsheet\"><Worksheet ss:Name=\"台账\"><Table><Row><Cell><Data ss:Type=\"String\">项目名称</Data></Cell></Row></Table></Worksheet></Workbook>".as_bytes().to_vec()
}

pub fn tsv_text() -> Vec<u8> {
    "填报单位：开平市\n项目名称\t投资主体\t行业类别\t计划总投资（亿元）\t签约时间\n开平项目\t开平公司\t制造业\t1\t2025-03-01\n"
        .as_bytes()
        .to_vec()
}

pub fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n".to_vec()
}

pub fn png() -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0".to_vec();
    b.extend_from_slice(&[0x90, 0x77, 0x53, 0xDE]);
    b
}

// ---- CSV ----------------------------------------------------------------------------------

/// 鹤山市's return as UTF-8 CSV with one stray byte (0xB4) inside a project name (A3).
/// 制造业 3.5 亿元.
pub fn csv_utf8_stray_byte() -> Vec<u8> {
    let mut b = "填报单位：鹤山市\n项目名称,投资主体,行业类别,计划总投资（亿元）,签约时间\n鹤山"
        .as_bytes()
        .to_vec();
    b.push(0xB4);
    b.extend_from_slice("灯饰项目,鹤山灯饰有限公司,制造业,3.5,2025-03-08\n".as_bytes());
    b
}

/// 开平市's return as GBK CSV (what Chinese Excel writes for "CSV"). 制造业 2.0 亿元.
pub fn csv_gbk() -> Vec<u8> {
    let text = "填报单位：开平市\r\n项目名称,投资主体,行业类别,计划总投资（亿元）,签约时间\r\n开平水暖项目,开平水暖有限公司,制造业,2.0,2025-03-07\r\n";
    encoding_rs::GBK.encode(text).0.into_owned()
}

/// 台山市's return as UTF-16 LE with BOM, tab-separated (Excel's "Unicode text"). 制造业 1.5 亿元.
pub fn csv_utf16() -> Vec<u8> {
    let text = "\u{feff}填报单位：台山市\r\n项目名称\t投资主体\t行业类别\t计划总投资（亿元）\t签约时间\r\n台山储能项目\t台山储能有限公司\t制造业\t1.5\t2025-03-09\r\n";
    text.encode_utf16().flat_map(|u| u.to_le_bytes()).collect()
}
