//! What a file is, from its first bytes, before any library opens it (issue 9 item 6): the
//! reader is chosen by content, whatever the name ends with, and a file that is no workbook is
//! told by what it is (encrypted, an Excel 2.x–4.0 file, a web page, a Word document …)
//! instead of "corrupt".

use crate::error::Content;
use std::io::{Cursor, Read};

/// How a file is to be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Sniffed {
    /// A zip holding `xl/workbook.xml` (xlsx, xlsm, xltx, WPS saving OOXML).
    Xlsx,
    /// A zip holding `xl/workbook.bin`.
    Xlsb,
    /// A zip holding `mimetype` (an OpenDocument spreadsheet) and `content.xml`.
    Ods,
    /// An OLE compound file holding a `Workbook` or `Book` stream (xls, xlt, WPS .et/.ett).
    Xls,
    /// Text without NULs that decodes as UTF-8, UTF-16 (with its BOM) or GBK: a CSV, or a TSV
    /// that was only named .xls.
    Text,
    /// Something we do not read, and what it is.
    Content(Content),
    /// A zip or OLE file whose directory cannot be read, or bytes that nothing matches: the
    /// library chosen by the file's ending decides (and its error says "corrupt").
    Unknown,
}

const OLE_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

pub(super) fn sniff(bytes: &[u8]) -> Sniffed {
    if bytes.starts_with(OLE_MAGIC) {
        return sniff_ole(bytes);
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return sniff_zip(bytes);
    }
    if let Some(version) = raw_biff_version(bytes) {
        return Sniffed::Content(Content::OldExcel { version });
    }
    if bytes.starts_with(b"%PDF") {
        return Sniffed::Content(Content::Pdf);
    }
    if is_image(bytes) {
        return Sniffed::Content(Content::Image);
    }
    if let Some(c) = markup(bytes) {
        return Sniffed::Content(c);
    }
    if super::csv::looks_like_text(bytes) {
        return Sniffed::Text;
    }
    Sniffed::Unknown
}

/// OLE: the names of the root streams say what the container holds.
fn sniff_ole(bytes: &[u8]) -> Sniffed {
    let Ok(cf) = cfb::CompoundFile::open(Cursor::new(bytes)) else {
        return Sniffed::Unknown;
    };
    let names: Vec<String> = cf
        .read_root_storage()
        .map(|e| e.name().to_ascii_lowercase())
        .collect();
    let has = |n: &str| names.iter().any(|x| x == n);
    if has("encryptioninfo") || has("encryptedpackage") {
        // Office 2007+ encrypts an OOXML workbook into an OLE file with these two streams.
        Sniffed::Content(Content::Encrypted)
    } else if has("workbook") || has("book") {
        Sniffed::Xls
    } else if has("worddocument") {
        Sniffed::Content(Content::Word)
    } else {
        Sniffed::Content(Content::OtherContainer)
    }
}

/// Zip: the entry names say which package it is.
fn sniff_zip(bytes: &[u8]) -> Sniffed {
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Sniffed::Unknown;
    };
    let names: Vec<String> = zip
        .file_names()
        .filter_map(Result::ok)
        // Some writers name parts with Windows separators (`xl\workbook.xml`).
        .map(|n| n.to_ascii_lowercase().replace('\\', "/"))
        .collect();
    let has = |n: &str| names.iter().any(|x| x == n);
    // The workbook part may sit anywhere the package's relationships say: `xl/`, another
    // folder, or the package root (a minimal package).
    let part = |file: &str| {
        names
            .iter()
            .any(|n| n == file || n.ends_with(&format!("/{file}")))
    };
    if part("workbook.xml") {
        return Sniffed::Xlsx;
    }
    if part("workbook.bin") {
        return Sniffed::Xlsb;
    }
    if has("mimetype") && has("content.xml") {
        let mut kind = Vec::new();
        let read = zip
            .by_name("mimetype")
            .map(|f| f.take(256).read_to_end(&mut kind));
        let spreadsheet = matches!(read, Ok(Ok(_)))
            && String::from_utf8_lossy(&kind).contains("opendocument.spreadsheet");
        return if spreadsheet {
            Sniffed::Ods
        } else {
            Sniffed::Content(Content::OtherContainer)
        };
    }
    if names.iter().any(|n| n.starts_with("word/")) {
        return Sniffed::Content(Content::Word);
    }
    Sniffed::Content(Content::OtherContainer)
}

/// A BIFF2, 3 or 4 worksheet (or a BIFF5/8 stream outside its OLE container): a BOF record at
/// offset 0 — type 0x0009 / 0x0209 / 0x0409 / 0x0809, a plausible length, a known sheet type.
fn raw_biff_version(b: &[u8]) -> Option<u8> {
    if b.len() < 8 {
        return None;
    }
    let typ = u16::from_le_bytes([b[0], b[1]]);
    let len = u16::from_le_bytes([b[2], b[3]]) as usize;
    if !(4..=20).contains(&len) || b.len() < 4 + len {
        return None;
    }
    let data = &b[4..4 + len];
    let field = |i: usize| u16::from_le_bytes([data[i], data[i + 1]]);
    // Sheet types: workbook globals (5), VB module (6), worksheet (0x10), chart (0x20),
    // macro sheet (0x40), workspace (0x100).
    let known = |t: u16| matches!(t, 0x0005 | 0x0006 | 0x0010 | 0x0020 | 0x0040 | 0x0100);
    match typ {
        0x0009 if known(field(2)) => Some(2),
        0x0209 if known(field(2)) => Some(3),
        0x0409 if known(field(2)) => Some(4),
        0x0809 if known(field(2)) => Some(match field(0) {
            0x0500 => 5,
            0x0600 => 8,
            _ => 4,
        }),
        _ => None,
    }
}

fn is_image(b: &[u8]) -> bool {
    b.starts_with(b"\x89PNG\r\n\x1a\n")
        || b.starts_with(b"\xFF\xD8\xFF")
        || b.starts_with(b"GIF87a")
        || b.starts_with(b"GIF89a")
        || is_bmp(b)
}

/// "BM" alone could start a text file: also the reserved zeros and a known header size.
fn is_bmp(b: &[u8]) -> bool {
    b.len() >= 18
        && b.starts_with(b"BM")
        && b[6..10] == [0, 0, 0, 0]
        && matches!(
            u32::from_le_bytes([b[14], b[15], b[16], b[17]]),
            12 | 40 | 52 | 56 | 64 | 108 | 124
        )
}

/// A web page or an XML Spreadsheet 2003, told from the start of the text (after a BOM and
/// white space, in any case). Excel and web systems write both under an .xls name.
fn markup(bytes: &[u8]) -> Option<Content> {
    let head = head_text(bytes, 64 * 1024).to_ascii_lowercase();
    let start = head.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if start.starts_with("<?xml") {
        if head.contains("urn:schemas-microsoft-com:office:spreadsheet") {
            return Some(Content::SpreadsheetXml);
        }
        if head.contains("<html") {
            return Some(Content::Html);
        }
        return None;
    }
    let html_start = ["<html", "<!doctype html", "<table"]
        .iter()
        .any(|p| start.starts_with(p));
    // A page that opens with <head>, <meta>, <style> or a comment and has a table or html tag.
    let page_start = ["<head", "<meta", "<style", "<!--", "<body"]
        .iter()
        .any(|p| start.starts_with(p))
        && (head.contains("<table") || head.contains("<html"));
    // "Single file web page" (.mht) as Excel and web systems save it.
    let mht = start.starts_with("mime-version:") && head.contains("text/html");
    (html_start || page_start || mht).then_some(Content::Html)
}

/// The first `max` bytes as text: UTF-16 when a BOM says so, else UTF-8 (lossy; enough to find
/// ASCII tags).
fn head_text(bytes: &[u8], max: usize) -> String {
    let head = &bytes[..bytes.len().min(max)];
    if head.starts_with(b"\xFF\xFE") {
        encoding_rs::UTF_16LE
            .decode_with_bom_removal(head)
            .0
            .into_owned()
    } else if head.starts_with(b"\xFE\xFF") {
        encoding_rs::UTF_16BE
            .decode_with_bom_removal(head)
            .0
            .into_owned()
    } else {
        String::from_utf8_lossy(head).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn ole(streams: &[&str]) -> Vec<u8> {
        let mut cf = cfb::CompoundFile::create(Cursor::new(Vec::new())).expect("create");
        for s in streams {
            let mut st = cf.create_stream(format!("/{s}")).expect("stream");
            st.write_all(b"\x09\x08\x08\x00\x00\x06\x05\x00\0\0\0\0")
                .expect("write");
        }
        cf.flush().expect("flush");
        cf.into_inner().into_inner()
    }

    fn zip(entries: &[(&str, &str)]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, text) in entries {
            w.start_file(*name, zip::write::SimpleFileOptions::default())
                .expect("entry");
            w.write_all(text.as_bytes()).expect("write");
        }
        w.finish().expect("finish").into_inner()
    }

    #[test]
    fn ole_with_encryption_streams_is_encrypted() {
        let b = ole(&["EncryptionInfo", "EncryptedPackage"]);
        assert_eq!(sniff(&b), Sniffed::Content(Content::Encrypted));
    }

    #[test]
    fn ole_with_workbook_or_book_stream_is_xls() {
        assert_eq!(sniff(&ole(&["Workbook"])), Sniffed::Xls);
        assert_eq!(sniff(&ole(&["Book"])), Sniffed::Xls);
    }

    #[test]
    fn ole_with_word_document_stream_is_word_and_anything_else_another_container() {
        assert_eq!(
            sniff(&ole(&["WordDocument", "1Table"])),
            Sniffed::Content(Content::Word)
        );
        assert_eq!(
            sniff(&ole(&["PowerPoint Document"])),
            Sniffed::Content(Content::OtherContainer)
        );
    }

    #[test]
    fn ole_that_cannot_be_listed_is_left_to_the_library() {
        let mut b = OLE_MAGIC.to_vec();
        b.extend_from_slice(&[0; 100]);
        assert_eq!(sniff(&b), Sniffed::Unknown);
    }

    #[test]
    fn a_workbook_part_at_the_package_root_or_named_with_backslashes_is_xlsx() {
        // calamine's minimal_package.xlsx and issue_530.xlsx: both open as workbooks.
        assert_eq!(
            sniff(&zip(&[
                ("workbook.xml", "<workbook/>"),
                ("_rels/.rels", "")
            ])),
            Sniffed::Xlsx
        );
        assert_eq!(
            sniff(&zip(&[
                ("xl\\workbook.xml", "<workbook/>"),
                ("_rels\\.rels", "")
            ])),
            Sniffed::Xlsx
        );
        assert_eq!(sniff(&zip(&[("xl\\workbook.bin", "")])), Sniffed::Xlsb);
    }

    #[test]
    fn zip_entries_tell_xlsx_xlsb_ods_word_and_other_zips() {
        assert_eq!(
            sniff(&zip(&[("xl/workbook.xml", "<workbook/>")])),
            Sniffed::Xlsx
        );
        assert_eq!(
            sniff(&zip(&[("XL/Workbook.xml", "<workbook/>")])),
            Sniffed::Xlsx
        );
        assert_eq!(sniff(&zip(&[("xl/workbook.bin", "")])), Sniffed::Xlsb);
        assert_eq!(
            sniff(&zip(&[
                ("mimetype", "application/vnd.oasis.opendocument.spreadsheet"),
                ("content.xml", "<x/>")
            ])),
            Sniffed::Ods
        );
        assert_eq!(
            sniff(&zip(&[
                ("mimetype", "application/vnd.oasis.opendocument.text"),
                ("content.xml", "<x/>")
            ])),
            Sniffed::Content(Content::OtherContainer)
        );
        assert_eq!(
            sniff(&zip(&[("word/document.xml", "<w/>")])),
            Sniffed::Content(Content::Word)
        );
        assert_eq!(
            sniff(&zip(&[("photos/1.jpg", "x")])),
            Sniffed::Content(Content::OtherContainer)
        );
    }

    #[test]
    fn raw_biff2_3_4_streams_are_old_excel_with_their_version() {
        let bof = |typ: u16, len: u16, data: &[u8]| {
            let mut b = typ.to_le_bytes().to_vec();
            b.extend_from_slice(&len.to_le_bytes());
            b.extend_from_slice(data);
            b.extend_from_slice(&[0; 32]);
            b
        };
        let biff = |v| Sniffed::Content(Content::OldExcel { version: v });
        assert_eq!(sniff(&bof(0x0009, 4, &[0x02, 0, 0x10, 0])), biff(2));
        assert_eq!(sniff(&bof(0x0209, 6, &[0, 0, 0x10, 0, 0, 0])), biff(3));
        assert_eq!(sniff(&bof(0x0409, 6, &[0, 0, 0x10, 0, 0, 0])), biff(4));
        assert_eq!(
            sniff(&bof(0x0809, 8, &[0, 5, 0x10, 0, 0, 0, 0, 0])),
            biff(5)
        );
        // UTF-16 text that starts with a tab has the same first two bytes.
        let tsv: Vec<u8> = "\t项目\t名称\r\n"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        assert_ne!(sniff(&tsv), biff(2));
    }

    #[test]
    fn html_pages_are_html_after_bom_and_white_space_in_any_case() {
        for page in [
            "<html><body><table><tr><td>1</td></tr></table></body></html>",
            "\u{feff}  \r\n<!DOCTYPE HTML><HTML>",
            "<TABLE border=1><tr><td>项目名称</td></tr></TABLE>",
            "<meta charset=utf-8><table><tr><td>x</td></tr></table>",
            "<?xml version=\"1.0\"?><!DOCTYPE html><html xmlns=\"http://www.w3.org/1999/xhtml\">",
            "MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=x\r\n\r\n--x\r\nContent-Type: text/html\r\n",
        ] {
            assert_eq!(sniff(page.as_bytes()), Sniffed::Content(Content::Html), "{page}");
        }
        let utf16: Vec<u8> = "\u{feff}<html><table>"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        assert_eq!(sniff(&utf16), Sniffed::Content(Content::Html));
    }

    #[test]
    fn xml_with_the_spreadsheet_namespace_is_xml_spreadsheet_2003() {
        let x = "<?xml version=\"1.0\"?>\n<?mso-application progid=\"Excel.Sheet\"?>\n<Workbook xmlns=\"urn:schemas-microsoft-com:office:spreadsheet\">";
        assert_eq!(
            sniff(x.as_bytes()),
            Sniffed::Content(Content::SpreadsheetXml)
        );
    }

    #[test]
    fn pdf_and_picture_magic_numbers_are_pdf_and_image() {
        assert_eq!(sniff(b"%PDF-1.7\n%..."), Sniffed::Content(Content::Pdf));
        let image = Sniffed::Content(Content::Image);
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), image);
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0\0\x10JFIF"), image);
        assert_eq!(sniff(b"GIF89a\x01\0\x01\0"), image);
        let mut bmp = b"BM\x46\0\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0".to_vec();
        bmp.extend_from_slice(&[0; 40]);
        assert_eq!(sniff(&bmp), image);
        // A text file that happens to start with "BM" is text.
        assert_eq!(sniff("BMW项目,1\n".as_bytes()), Sniffed::Text);
    }

    #[test]
    fn text_without_nuls_is_text_and_binary_junk_is_unknown() {
        assert_eq!(
            sniff("项目名称\t计划总投资\n甲\t1\n".as_bytes()),
            Sniffed::Text
        );
        let (gbk, _, _) = encoding_rs::GBK.encode("项目名称,计划总投资\n甲,1\n");
        assert_eq!(sniff(&gbk), Sniffed::Text);
        let junk: Vec<u8> = (0..2000u32).map(|i| (i * 7919 % 251) as u8).collect();
        assert_eq!(sniff(&junk), Sniffed::Unknown);
    }
}
