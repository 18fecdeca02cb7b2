//! Validation feedback (DESIGN §3): `validation/<filer>.xlsx`, in Chinese — what the centre
//! sends back to each filer. Sheets: 汇总 (status, rows read/accepted/rejected/skipped, a
//! one-line conclusion), 问题清单 (every located problem, errors first), 跳过的行 (every row
//! skipped on purpose — blank, section, 合计, footer — with its first text and reason, so the
//! filer can see that no project was skipped) and, when the filer's rows disagree with another
//! filer's, 数据不一致. Problems whose filer is unknown (unknown
//! filer, unreadable files) go to `未识别单位.xlsx`.

use super::tables::{add_sheet, TableCell};
use super::{FilerQuality, RenderError, ReportData};
use crate::identity::Conflict;
use crate::issue::{Issue, Severity};
use crate::pipeline::FilerKind;
use rust_xlsxwriter::{Workbook, XlsxError};
use std::path::Path;

/// The workbook of problems without a known filer.
pub const UNKNOWN_FILER: &str = "未识别单位";

/// Writes one workbook per filer of the period (and `未识别单位.xlsx` when some problems have
/// no filer); returns the file names written, relative to `dir`.
pub fn write_feedback(data: &ReportData, dir: &Path) -> Result<Vec<String>, RenderError> {
    let mut written = Vec::new();
    for q in data.filers {
        let mine = sorted_issues(data.issues, Some(&q.filer));
        let skipped: Vec<&Issue> = mine
            .iter()
            .copied()
            .filter(|i| i.rule == crate::issue::Rule::SkippedRow)
            .collect();
        let unread: Vec<&Issue> = mine
            .iter()
            .copied()
            .filter(|i| i.rule == crate::issue::Rule::UnreadColumn)
            .collect();
        let issues: Vec<&Issue> = mine
            .into_iter()
            .filter(|i| i.severity != Severity::Info)
            .collect();
        let conflicts: Vec<&Conflict> = data
            .result
            .conflicts
            .iter()
            .filter(|c| c.kept.filer == q.filer || c.other.filer == q.filer)
            .collect();
        let mut summary = filer_summary(data, q, &conflicts);
        for u in &unread {
            summary.push(vec![
                text("未读取的列"),
                text(format!(
                    "{} / {}：{}",
                    u.file,
                    u.sheet.as_deref().unwrap_or(""),
                    u.raw.as_deref().unwrap_or("")
                )),
            ]);
        }
        let name = format!("{}.xlsx", file_stem(&q.filer));
        save(data, dir, &name, |wb| {
            add_sheet(wb, "汇总", &headers(SUMMARY_HEADERS), &summary, false)?;
            issues_sheet(wb, data, &issues)?;
            if !skipped.is_empty() {
                skipped_sheet(wb, &skipped)?;
            }
            if !conflicts.is_empty() {
                conflicts_sheet(wb, data, &q.filer, &conflicts)?;
            }
            Ok(())
        })?;
        written.push(name);
    }
    let orphans: Vec<&Issue> = sorted_issues(data.issues, None)
        .into_iter()
        .filter(|i| i.severity != Severity::Info)
        .collect();
    if !orphans.is_empty() {
        let summary = unknown_summary(data, &orphans);
        let name = format!("{UNKNOWN_FILER}.xlsx");
        save(data, dir, &name, |wb| {
            add_sheet(wb, "汇总", &headers(SUMMARY_HEADERS), &summary, false)?;
            issues_sheet(wb, data, &orphans)
        })?;
        written.push(name);
    }
    Ok(written)
}

const SUMMARY_HEADERS: &str = "项目,内容";

fn headers(list: &str) -> Vec<String> {
    list.split(',').map(str::to_string).collect()
}

fn save(
    data: &ReportData,
    dir: &Path,
    name: &str,
    build: impl FnOnce(&mut Workbook) -> Result<(), XlsxError>,
) -> Result<(), RenderError> {
    let path = dir.join(name);
    let mut wb = super::tables::new_workbook(
        data,
        &format!("数据校验反馈：{}", name.trim_end_matches(".xlsx")),
    );
    let bytes = build(&mut wb)
        .and_then(|_| wb.save_to_buffer())
        .map_err(|source| RenderError::Xlsx {
            path: path.clone(),
            source,
        })?;
    crate::store::write_atomic(&path, &bytes)?;
    Ok(())
}

/// A file name from a filer's name (canonical names are plain Chinese; others are cleaned).
fn file_stem(filer: &str) -> String {
    let s: String = filer
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect();
    let s = s.trim().trim_start_matches('.').to_string();
    if s.is_empty() {
        UNKNOWN_FILER.into()
    } else {
        s
    }
}

fn period_zh(data: &ReportData) -> String {
    format!("{}年{}月", data.period.year, data.period.month)
}

/// The issues of one filer (or those with no filer), errors first, then by file, sheet, row
/// and cell.
fn sorted_issues<'a>(issues: &'a [Issue], filer: Option<&str>) -> Vec<&'a Issue> {
    let mut v: Vec<&Issue> = issues
        .iter()
        .filter(|i| i.filer.as_deref() == filer)
        .collect();
    let cell_key = |i: &Issue| {
        i.cell.as_ref().map(|c| {
            let letters = c.chars().take_while(|c| c.is_ascii_alphabetic()).count();
            (i.row, letters, c.clone())
        })
    };
    v.sort_by(|a, b| {
        (a.severity, &a.file, &a.sheet, a.row, cell_key(a)).cmp(&(
            b.severity,
            &b.file,
            &b.sheet,
            b.row,
            cell_key(b),
        ))
    });
    v
}

fn text(s: impl Into<String>) -> TableCell {
    TableCell::Text(s.into())
}

fn int(n: impl TryInto<i64>) -> TableCell {
    n.try_into().map(TableCell::Int).unwrap_or(TableCell::Empty)
}

fn status(q: &FilerQuality) -> String {
    if q.missing || q.files.is_empty() {
        match &q.carried_from {
            Some(p) => format!("未报送，沿用{p}报表"),
            None => "未报送".into(),
        }
    } else {
        "已报送".into()
    }
}

fn conclusion(q: &FilerQuality, conflicts: usize) -> String {
    let a = &q.accounting;
    if q.files.is_empty() {
        return match &q.carried_from {
            Some(p) => format!("本期未收到报表，已暂时沿用{p}报表，请尽快报送。"),
            None => "本期未收到报表，请尽快报送。".into(),
        };
    }
    if a.rows_rejected > 0 {
        return format!(
            "本期报表有{}行被退回，请按“问题清单”修改后于下次报送时更正。",
            a.rows_rejected
        );
    }
    if q.errors > 0 {
        return format!(
            "本期报表有{}处错误，请按“问题清单”修改后重新报送。",
            q.errors
        );
    }
    if q.warnings > 0 || conflicts > 0 {
        let mut parts = Vec::new();
        if q.warnings > 0 {
            parts.push(format!("{}条提示", q.warnings));
        }
        if conflicts > 0 {
            parts.push(format!("{conflicts}处与其他单位数据不一致"));
        }
        return format!(
            "本期报表无退回行，有{}，请核对后于下次报送时确认或更正。",
            parts.join("、")
        );
    }
    "本期报表未发现问题，感谢配合。".into()
}

fn filer_summary(
    data: &ReportData,
    q: &FilerQuality,
    conflicts: &[&Conflict],
) -> Vec<Vec<TableCell>> {
    let a = &q.accounting;
    let mut rows = vec![
        vec![text("填报单位"), text(&q.filer)],
        vec![text("报告期"), text(period_zh(data))],
        vec![text("报送状态"), text(status(q))],
        vec![text("收到文件数"), int(q.files.len())],
    ];
    for (i, f) in q.files.iter().enumerate() {
        rows.push(vec![text(format!("文件{}", i + 1)), text(f)]);
    }
    // Two returns of one type for the month: which one counts, and why.
    for d in data
        .result
        .duplicate_returns
        .iter()
        .filter(|d| d.filer == q.filer)
    {
        rows.push(vec![
            text("重复报送"),
            text(format!(
                "采用“{}”；“{}”已读取但不计入（{}）",
                d.kept, d.superseded, d.reason
            )),
        ]);
    }
    rows.extend([
        vec![text("读取行数"), int(a.rows_read)],
        vec![text("有效行数"), int(a.rows_accepted)],
        vec![text("退回行数"), int(a.rows_rejected)],
        vec![
            text("跳过行数"),
            text(format!(
                "{}（空行{}、分组标题{}、合计{}、表尾{}，见“跳过的行”）",
                a.rows_skipped,
                a.skipped_blank,
                a.skipped_section,
                a.skipped_total,
                a.skipped_footer
            )),
        ],
        vec![text("错误数"), int(q.errors)],
        vec![text("提示数"), int(q.warnings)],
    ]);
    if !conflicts.is_empty() {
        rows.push(vec![text("数据不一致"), int(conflicts.len())]);
    }
    rows.push(vec![text("结论"), text(conclusion(q, conflicts.len()))]);
    rows
}

fn unknown_summary(data: &ReportData, issues: &[&Issue]) -> Vec<Vec<TableCell>> {
    let mut files: Vec<&str> = issues.iter().map(|i| i.file.as_str()).collect();
    files.sort();
    files.dedup();
    let errors = issues
        .iter()
        .filter(|i| i.severity == Severity::Error)
        .count();
    let mut rows = vec![
        vec![text("填报单位"), text("未识别（无法确定填报单位）")],
        vec![text("报告期"), text(period_zh(data))],
        vec![text("涉及文件数"), int(files.len())],
    ];
    for (i, f) in files.iter().enumerate() {
        rows.push(vec![text(format!("文件{}", i + 1)), text(*f)]);
    }
    rows.extend([
        vec![text("错误数"), int(errors)],
        vec![text("提示数"), int(issues.len() - errors)],
        vec![
            text("结论"),
            text(
                "以下文件未能确定填报单位或无法读取，请核实报送单位（在表头注明“填报单位：××”）后重新报送。",
            ),
        ],
    ]);
    rows
}

/// The Chinese label of a canonical column, when a return type declares it.
fn column_label(data: &ReportData, column: &str) -> String {
    data.pipeline
        .returns
        .iter()
        .flat_map(|rt| rt.columns.iter())
        .find(|c| c.name == column)
        .map(|c| c.label.clone())
        .unwrap_or_else(|| column.to_string())
}

const ISSUE_HEADERS: &str = "序号,类别,文件,工作表,单元格,行号,列,原值,问题及修改要求,规则";

fn issues_sheet(wb: &mut Workbook, data: &ReportData, issues: &[&Issue]) -> Result<(), XlsxError> {
    let opt = |s: &Option<String>| s.clone().map(TableCell::Text).unwrap_or(TableCell::Empty);
    let mut rows: Vec<Vec<TableCell>> = issues
        .iter()
        .enumerate()
        .map(|(n, i)| {
            vec![
                int(n + 1),
                text(i.severity.zh()),
                text(&i.file),
                opt(&i.sheet),
                opt(&i.cell),
                i.row.map(int).unwrap_or(TableCell::Empty),
                i.column
                    .as_deref()
                    .map(|c| text(column_label(data, c)))
                    .unwrap_or(TableCell::Empty),
                opt(&i.raw),
                text(&i.message),
                text(i.rule.as_str()),
            ]
        })
        .collect();
    if rows.is_empty() {
        rows.push(vec![text("无问题")]);
    }
    let autofilter = !issues.is_empty();
    add_sheet(wb, "问题清单", &headers(ISSUE_HEADERS), &rows, autofilter)
}

const SKIPPED_HEADERS: &str = "序号,文件,工作表,行号,首个文字,跳过原因";

fn skipped_sheet(wb: &mut Workbook, skipped: &[&Issue]) -> Result<(), XlsxError> {
    let opt = |s: &Option<String>| s.clone().map(TableCell::Text).unwrap_or(TableCell::Empty);
    let rows: Vec<Vec<TableCell>> = skipped
        .iter()
        .enumerate()
        .map(|(n, i)| {
            vec![
                int(n + 1),
                text(&i.file),
                opt(&i.sheet),
                i.row.map(int).unwrap_or(TableCell::Empty),
                opt(&i.raw),
                text(&i.message),
            ]
        })
        .collect();
    add_sheet(wb, "跳过的行", &headers(SKIPPED_HEADERS), &rows, true)
}

const CONFLICT_HEADERS: &str = "序号,项目,字段,本单位数值,本单位文件,本单位工作表,本单位行号,\
    对方单位,对方数值,对方文件,对方工作表,对方行号,采用数值,说明";

fn conflicts_sheet(
    wb: &mut Workbook,
    data: &ReportData,
    filer: &str,
    conflicts: &[&Conflict],
) -> Result<(), XlsxError> {
    let kind = |f: &str| data.pipeline.filer(f).map(|f| f.kind);
    let rows: Vec<Vec<TableCell>> = conflicts
        .iter()
        .enumerate()
        .map(|(n, c)| {
            let (mine, theirs) = if c.kept.filer == filer {
                (&c.kept, &c.other)
            } else {
                (&c.other, &c.kept)
            };
            let note = if kind(&c.kept.filer) == Some(FilerKind::County)
                && kind(&c.other.filer) != Some(FilerKind::County)
            {
                format!("以{}报送数据为准", data.pipeline.unit_label)
            } else {
                "以最新报送数据为准".to_string()
            };
            vec![
                int(n + 1),
                text(&c.name),
                text(&c.label),
                text(&mine.value),
                text(&mine.file),
                text(&mine.sheet),
                int(mine.row),
                text(&theirs.filer),
                text(&theirs.value),
                text(&theirs.file),
                text(&theirs.sheet),
                int(theirs.row),
                text(&c.kept.value),
                text(note),
            ]
        })
        .collect();
    add_sheet(wb, "数据不一致", &headers(CONFLICT_HEADERS), &rows, true)
}

#[cfg(test)]
mod tests {
    use crate::render::tables::tests::sheet;
    use calamine::{open_workbook_auto, Data, Reader};
    use std::path::Path;

    fn run(input: &Path, period: &str) -> (tempfile::TempDir, crate::run::RunOutcome) {
        let p = crate::pipeline::Pipeline::embedded_default().unwrap();
        let out = tempfile::tempdir().unwrap();
        let opts = crate::run::RunOptions {
            input: input.into(),
            out: out.path().into(),
            period: Some(period.parse().unwrap()),
        };
        let outcome = crate::run::run(&p, &opts).unwrap();
        (out, outcome)
    }

    fn sheet_names(path: &Path) -> Vec<String> {
        open_workbook_auto(path).unwrap().sheet_names().to_vec()
    }

    fn cell_texts(rows: &[Vec<Data>]) -> Vec<String> {
        rows.iter()
            .flatten()
            .filter_map(|d| match d {
                Data::String(s) => Some(s.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn one_workbook_per_filer() {
        let (out, outcome) = run(Path::new("fixtures/returns"), "2025-06");
        let v = out.path().join("reports/2025-06/validation");
        // A filer with no problems.
        assert!(outcome
            .issues
            .iter()
            .filter(|i| i.severity != crate::issue::Severity::Info)
            .all(|i| i.filer.as_deref() != Some("市人才工作局")));
        let ep = v.join("市人才工作局.xlsx");
        // Its skipped rows (blank, 合计, footer), if any, are listed on their own sheet.
        let listed = outcome
            .issues
            .iter()
            .filter(|i| i.rule == crate::issue::Rule::SkippedRow)
            .filter(|i| i.filer.as_deref() == Some("市人才工作局"))
            .count();
        if listed == 0 {
            assert_eq!(sheet_names(&ep), ["汇总", "问题清单"]);
        } else {
            assert_eq!(sheet_names(&ep), ["汇总", "问题清单", "跳过的行"]);
            let mut wb = open_workbook_auto(&ep).unwrap();
            let rows = wb
                .worksheet_range("跳过的行")
                .unwrap()
                .rows()
                .skip(1)
                .count();
            assert_eq!(rows, listed);
        }
        let summary = cell_texts(&sheet(&ep));
        assert!(summary.contains(&"本期报表未发现问题，感谢配合。".to_string()));
        assert!(
            summary.contains(&"2025年6月".to_string()) && summary.contains(&"已报送".to_string())
        );
        let mut wb = open_workbook_auto(&ep).unwrap();
        let list = wb.worksheet_range("问题清单").unwrap();
        assert_eq!(list.get((1, 0)), Some(&Data::String("无问题".into())));

        // A filer with problems: every issue listed, errors first; rows add up.
        let filer = "市商务局";
        let mine: Vec<_> = outcome
            .issues
            .iter()
            .filter(|i| i.filer.as_deref() == Some(filer))
            .filter(|i| i.severity != crate::issue::Severity::Info)
            .collect();
        assert!(!mine.is_empty());
        let path = v.join(format!("{filer}.xlsx"));
        let mut wb = open_workbook_auto(&path).unwrap();
        let list = wb.worksheet_range("问题清单").unwrap();
        let rows: Vec<_> = list.rows().skip(1).collect();
        assert_eq!(rows.len(), mine.len());
        let kinds: Vec<String> = rows.iter().map(|r| r[1].to_string()).collect();
        assert!(kinds
            .windows(2)
            .all(|w| !(w[0] == "提示" && w[1] == "错误")));
        let summary = wb.worksheet_range("汇总").unwrap();
        let get = |label: &str| {
            summary
                .rows()
                .find(|r| r[0] == Data::String(label.into()))
                .map(|r| r[1].clone())
                .unwrap()
        };
        let n = |d: Data| match d {
            Data::Float(f) => f as u64,
            Data::Int(i) => i as u64,
            d => panic!("{d:?}"),
        };
        let skipped: u64 = get("跳过行数")
            .to_string()
            .split('（')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(
            n(get("读取行数")),
            n(get("有效行数")) + n(get("退回行数")) + skipped
        );
        assert!(get("结论").to_string().contains("行被退回"));

        // Conflicts reach both filers.
        for c in &outcome.metrics.conflicts {
            for f in [&c.kept.filer, &c.other.filer] {
                assert!(
                    sheet_names(&v.join(format!("{f}.xlsx"))).contains(&"数据不一致".to_string())
                );
            }
        }
        assert!(!v.join("未识别单位.xlsx").exists());
    }

    fn copy_month(from: &Path, to: &Path, skip: &str) {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().to_string();
            if name != skip {
                std::fs::copy(e.path(), to.join(name)).unwrap();
            }
        }
    }

    #[test]
    fn injection_missing_and_unknown_filer() {
        let input = tempfile::tempdir().unwrap();
        let (m1, m2) = (input.path().join("2025-01"), input.path().join("2025-02"));
        copy_month(Path::new("fixtures/returns/2025-01"), &m1, "");
        copy_month(
            Path::new("fixtures/returns/2025-02"),
            &m2,
            "江门恩平市2025年2月招商引资项目台账.xlsx",
        );
        // The formula is quoted as CSV requires (it contains a comma). 恩平市 also sent the
        // fixture's return for January: this later-filed one is in effect.
        std::fs::write(
            m1.join("恩平市台账.csv"),
            "\u{feff}填报单位：恩平市  填报日期：2025年2月28日\n项目名称,投资主体,行业类别,计划总投资(亿元),签约日期\n\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",@SUM(1),制造业,12,2025-01-05\n",
        )
        .unwrap();
        std::fs::write(m2.join("坏文件.xlsx"), b"not a workbook").unwrap();

        // Text from a return stays text: a string cell in xlsx, a quoted cell in csv.
        let (out, _) = run(input.path(), "2025-01");
        let r = out.path().join("reports/2025-01");
        let cells = sheet(&r.join("tables/big_projects.xlsx"));
        let texts = cell_texts(&cells);
        assert!(
            texts.contains(&"=HYPERLINK(\"http://x\",\"y\")".to_string()),
            "{texts:?}"
        );
        assert!(texts.contains(&"@SUM(1)".to_string()));
        let csv = std::fs::read_to_string(r.join("tables/big_projects.csv")).unwrap();
        assert!(
            csv.contains("'=HYPERLINK") && csv.contains("'@SUM(1)"),
            "{csv}"
        );
        assert!(r.join("validation/恩平市.xlsx").exists());

        // A filer that sent nothing is told so; problems without a filer get their own book.
        let (out, outcome) = run(input.path(), "2025-02");
        let v = out.path().join("reports/2025-02/validation");
        let summary = cell_texts(&sheet(&v.join("恩平市.xlsx")));
        assert!(
            summary.contains(&"未报送，沿用2025-01报表".to_string()),
            "{summary:?}"
        );
        assert!(outcome.issues.iter().any(|i| i.filer.is_none()));
        let unknown = v.join("未识别单位.xlsx");
        let mut wb = open_workbook_auto(&unknown).unwrap();
        let list = wb.worksheet_range("问题清单").unwrap();
        assert!(list
            .rows()
            .any(|r| r[2] == Data::String("2025-02/坏文件.xlsx".into())));
    }
}
