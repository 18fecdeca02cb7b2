//! Reference-list checks (issue 8, item 6): the rows of a reference-list scorecard's return
//! (`[scorecard]` + `[[indicators]]`, e.g. 创新型城市考核指标) are validated against the list,
//! like every other return: an indicator number or part not in the list, a value that is
//! neither a number nor a rating (as the indicator requires) and a year outside the plan's
//! years reject the row, located at the cell, with a Chinese message naming what is valid.
//!
//! A value cell formatted as a percentage (the filer saw 64.2 %, the cell holds 0.642) is read
//! as the filer saw it when the indicator's unit is % and the number only makes sense ×100
//! against the indicator's base and target, with a warning saying so.
//!
//! Everything is driven by the pipeline's declaration: the column names are the scorecard's
//! contract (`indicator_no`, `part`, `year`, `value`, see `RawScorecard`).

use super::header::HeaderMatch;
use crate::ingest::{Cell, Sheet};
use crate::issue::{Issue, Rule, Severity};
use crate::pipeline::{Goal, Indicator, Pipeline, Resolved, ReturnType, Scorecard};
use crate::record::Value;

/// A problem found by the reference-list checks, at column `column` of the row.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Finding {
    pub severity: Severity,
    pub rule: Rule,
    pub column: usize,
    pub raw: Option<String>,
    pub message: String,
}

/// The display unit that marks a percentage.
fn is_percent(unit: &str) -> bool {
    crate::text::compact(unit) == "%"
}

fn fmt(n: f64) -> String {
    crate::ingest::format_number_public(n)
}

/// Checks converted data row `r` of a scorecard's return against the reference list. `values`
/// are the row's converted values (a percent-formatted value is rewritten); `issues` holds at
/// least the issues already raised for this row (a part rejected by its vocabulary gets the
/// indicator's valid parts added to its message). Returns the new problems; nothing for any
/// other return.
pub(super) fn check_row(
    pipeline: &Pipeline,
    rt: &ReturnType,
    sheet: &Sheet,
    r: usize,
    m: &HeaderMatch,
    values: &mut [Value],
    issues: &mut [Issue],
) -> Vec<Finding> {
    let mut out = Vec::new();
    let Some(sc) = pipeline
        .scorecard
        .as_ref()
        .filter(|sc| sc.return_id == rt.id)
    else {
        return out;
    };
    let (Some(no_c), Some(year_c), Some(value_c)) = (
        rt.column_index("indicator_no"),
        rt.column_index("year"),
        rt.column_index("value"),
    ) else {
        return out;
    };
    let part_c = rt.column_index("part");
    let row_number = sheet.row_number(r);
    let cell = |c: usize| -> Cell {
        m.mapped(c)
            .map(|mc| sheet.get(r, mc.grid_col).clone())
            .unwrap_or(Cell::Empty)
    };
    let raw = |c: usize| -> Option<String> {
        let cl = cell(c);
        (!cl.is_empty()).then(|| cl.display())
    };
    let label = |c: usize| rt.columns[c].label.as_str();
    let mut reject = |rule: Rule, c: usize, message: String| {
        out.push(Finding {
            severity: Severity::Error,
            rule,
            column: c,
            raw: raw(c),
            message,
        });
    };
    let errors_at = |issues: &[Issue], c: usize| -> Vec<usize> {
        issues
            .iter()
            .enumerate()
            .filter(|(_, i)| {
                i.severity == Severity::Error
                    && i.row == Some(row_number)
                    && i.column.as_deref() == Some(rt.columns[c].name.as_str())
            })
            .map(|(k, _)| k)
            .collect()
    };

    // The year: within the plan (base year to target year).
    if let Some(y) = values[year_c].as_number() {
        if y.fract() != 0.0
            || (y as i64) < sc.base_year as i64
            || (y as i64) > sc.target_year as i64
        {
            reject(
                Rule::YearOutsidePlan,
                year_c,
                format!(
                    "“{}”为{}，不在本方案的考核年度（{}—{}年）内；请填写{}至{}年之间的年度",
                    label(year_c),
                    fmt(y),
                    sc.base_year,
                    sc.target_year,
                    sc.base_year,
                    sc.target_year
                ),
            );
        }
    }

    // The indicator number: one of the list's.
    let Some(no) = values[no_c].as_number() else {
        return out;
    };
    let entries: Vec<&Indicator> = sc
        .indicators
        .iter()
        .filter(|i| no.fract() == 0.0 && f64::from(i.no) == no)
        .collect();
    let Some(first) = entries.first().copied() else {
        reject(
            Rule::NotInReference,
            no_c,
            format!(
                "“{}”为{}，不在考核指标清单中；请填写清单内的序号：{}",
                label(no_c),
                fmt(no),
                valid_numbers(sc)
            ),
        );
        return out;
    };
    let head = format!("指标{}（{}）", first.no, first.name);

    // The part: one of the indicator's parts, and only for a two-part indicator.
    let parts: Vec<&str> = entries.iter().filter_map(|i| i.part.as_deref()).collect();
    let part = part_c.and_then(|c| values[c].as_text().map(str::to_string));
    let mut entry = first;
    if let Some(pc) = part_c.filter(|&c| !errors_at(issues, c).is_empty()) {
        // Already rejected by the part vocabulary: say which parts this indicator has.
        let hint = if parts.is_empty() {
            format!("；{head}不分项，“{}”应留空", label(pc))
        } else {
            format!("；{head}的“{}”应为：{}", label(pc), parts.join("、"))
        };
        for k in errors_at(issues, pc) {
            issues[k].message.push_str(&hint);
        }
    } else if parts.is_empty() {
        if let (Some(p), Some(pc)) = (&part, part_c) {
            reject(
                Rule::NotInReference,
                pc,
                format!(
                    "{head}不分项，“{}”应留空；当前为“{p}”，请删除或核实指标序号",
                    label(pc)
                ),
            );
        }
    } else {
        let pc = part_c.unwrap_or(no_c);
        match &part {
            None => reject(
                Rule::NotInReference,
                pc,
                format!(
                    "{head}分为{}，请在“{}”中填写其一（每项一行）",
                    parts.join("、"),
                    part_c.map(label).unwrap_or("分项")
                ),
            ),
            Some(p) => match entries
                .iter()
                .find(|i| i.part.as_deref() == Some(p.as_str()))
            {
                Some(e) => entry = *e,
                None => reject(
                    Rule::NotInReference,
                    pc,
                    format!(
                        "“{p}”不是{head}的分项；“{}”应为：{}",
                        part_c.map(label).unwrap_or("分项"),
                        parts.join("、")
                    ),
                ),
            },
        }
    }

    // The value: a rating for a qualitative indicator, else a number.
    if !errors_at(issues, value_c).is_empty() {
        return out;
    }
    let Some(text) = values[value_c].as_text().map(str::to_string) else {
        return out;
    };
    match entry.goal {
        Goal::Rating(_) => {
            let vocab = sc
                .rating_vocabulary
                .as_ref()
                .and_then(|v| pipeline.vocabularies.get(v));
            let ok = vocab.is_some_and(|v| matches!(v.resolve(&text), Resolved::Value(_)));
            if !ok {
                reject(
                    Rule::UnknownValue,
                    value_c,
                    format!(
                        "{head}为定性评价指标，“{}”应填写评价等级：{}；当前为“{text}”",
                        label(value_c),
                        sc.ratings.join("、")
                    ),
                );
            }
        }
        Goal::Number(target) => match super::value::parse_number_text(&text) {
            None => reject(
                Rule::UnparseableNumber,
                value_c,
                format!(
                    "{head}的“{}”应为数字（可带%，如2.50%），当前为“{text}”；尚未核实的数据请核实后再填报",
                    label(value_c)
                ),
            ),
            Some(_) => {
                // The same reading as the assessment's (`normalise::value::numbers_of_texts`).
                if let (Cell::Number(x), Some(base), true) =
                    (cell(value_c), entry.base, is_percent(&entry.unit))
                {
                    if percent_cell_value(x, base, target).is_none()
                        && x > 0.0
                        && x < 1.0
                        && base.min(target) <= 0.0
                    {
                        // Base and target cannot tell a percent-formatted cell: flag it.
                        out.push(Finding {
                            severity: Severity::Warning,
                            rule: Rule::AssumedValue,
                            column: value_c,
                            raw: Some(fmt((x * 1e12).round() / 1e12)),
                            message: format!(
                                "{head}的“{}”单元格存储值为{}（小于1），已按{}%读取；如单元格设为百分比格式（显示为{}%），请改填显示的数值（如“{}%”）后重新报送",
                                label(value_c),
                                fmt((x * 1e12).round() / 1e12),
                                fmt((x * 1e12).round() / 1e12),
                                fmt((x * 100.0 * 1e9).round() / 1e9),
                                fmt((x * 100.0 * 1e9).round() / 1e9)
                            ),
                        });
                    }
                    if let Some(v) = percent_cell_value(x, base, target) {
                        values[value_c] = Value::Text(fmt(v));
                        out.push(Finding {
                            severity: Severity::Warning,
                            rule: Rule::AssumedValue,
                            column: value_c,
                            raw: Some(format!("{}%", fmt(v))),
                            message: format!(
                                "{head}的“{}”单元格存储值为{}，与基期值{}%、目标值{}%相差百倍，视为百分比格式（显示为{}%），已按{}%读取；如不是此意，请改填实际数值",
                                label(value_c),
                                fmt((x * 1e12).round() / 1e12),
                                fmt(base),
                                fmt(target),
                                fmt(v),
                                fmt(v)
                            ),
                        });
                    }
                }
            }
        },
    }
    out
}

/// The list's indicator numbers, `1、2、…` in order, once each.
fn valid_numbers(sc: &Scorecard) -> String {
    let mut nos: Vec<u32> = sc.indicators.iter().map(|i| i.no).collect();
    nos.sort_unstable();
    nos.dedup();
    nos.iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join("、")
}

/// A number `x` from a cell of a % indicator, read as the filer saw it: ×100 when the cell
/// was formatted as a percentage, that is when `x` ≤ 1 while base and target both exceed 1,
/// or when `x` is far from base and target (beyond a factor 3) and `x` × 100 is near them.
/// None when `x` is to be read as it is.
pub(super) fn percent_cell_value(x: f64, base: f64, target: f64) -> Option<f64> {
    if x <= 0.0 || !x.is_finite() {
        return None;
    }
    let (lo, hi) = (base.min(target), base.max(target));
    let near = |v: f64| lo > 0.0 && v >= lo / 3.0 && v <= hi * 3.0;
    let small = x <= 1.0 && lo > 1.0;
    (small || (!near(x) && near(x * 100.0))).then(|| (x * 100.0 * 1e9).round() / 1e9)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::InputFile;
    use crate::normalise::{normalise_sheet, SheetOutcome};

    fn t(s: &str) -> Cell {
        Cell::Text(s.into())
    }

    /// An indicator return of 市科技局 with these (指标序号, 分项, 年度, 数值) rows.
    fn indicator_return(rows: Vec<[Cell; 4]>) -> (Pipeline, SheetOutcome) {
        let text = include_str!("../../pipelines/jiangmen-innovation-city.toml");
        let p = Pipeline::from_text("jiangmen-innovation-city.toml", text).unwrap();
        let mut grid = vec![
            vec![t("填报单位：市科技局")],
            vec![t("指标序号"), t("分项"), t("年度"), t("数值")],
        ];
        grid.extend(rows.into_iter().map(Vec::from));
        let sheet = Sheet {
            name: "指标".into(),
            first_row: 0,
            first_col: 0,
            rows: grid,
        };
        let file = InputFile {
            path: "x.xlsx".into(),
            rel: "2023-12/x.xlsx".into(),
            period: "2023-12".parse().unwrap(),
        };
        let o = normalise_sheet(&file, &sheet, &p, None);
        (p, o)
    }

    fn errors(o: &SheetOutcome) -> Vec<(String, Rule)> {
        o.issues
            .iter()
            .filter(|i| i.severity == Severity::Error)
            .map(|i| (i.cell.clone().unwrap_or_default(), i.rule))
            .collect()
    }

    fn message(o: &SheetOutcome, cell: &str) -> String {
        o.issues
            .iter()
            .find(|i| i.cell.as_deref() == Some(cell))
            .map(|i| i.message.clone())
            .unwrap_or_default()
    }

    fn e() -> Cell {
        Cell::Empty
    }

    #[test]
    fn a_valid_indicator_row_is_accepted() {
        let (_, o) = indicator_return(vec![
            [Cell::Number(1.0), e(), Cell::Number(2023.0), t("130")],
            [t("５"), t("国家级"), t("2023年"), t("0.28%")],
            [Cell::Number(23.0), e(), Cell::Number(2022.0), t("良")],
        ]);
        assert_eq!(o.records.len(), 3, "{:?}", o.issues);
        assert!(errors(&o).is_empty());
    }

    #[test]
    fn an_indicator_number_not_in_the_list_is_rejected_with_the_valid_numbers() {
        let (_, o) = indicator_return(vec![[
            Cell::Number(31.0),
            e(),
            Cell::Number(2023.0),
            t("5"),
        ]]);
        assert!(o.records.is_empty());
        assert_eq!(errors(&o), vec![("A3".to_string(), Rule::NotInReference)]);
        assert!(
            message(&o, "A3").contains("1、2、3"),
            "{}",
            message(&o, "A3")
        );
        assert!(message(&o, "A3").contains("29"));
    }

    #[test]
    fn a_part_not_valid_for_the_indicator_is_rejected_naming_its_parts() {
        // A word of no part at all (the vocabulary rejects it; the indicator's parts are added).
        let (_, o) = indicator_return(vec![[
            Cell::Number(4.0),
            t("市级"),
            Cell::Number(2023.0),
            t("41"),
        ]]);
        assert_eq!(errors(&o), vec![("B3".to_string(), Rule::UnknownValue)]);
        assert!(
            message(&o, "B3").contains("国家级、省级"),
            "{}",
            message(&o, "B3")
        );
        // A part of another indicator.
        let (_, o) = indicator_return(vec![[
            Cell::Number(4.0),
            t("数量"),
            Cell::Number(2023.0),
            t("41"),
        ]]);
        assert_eq!(errors(&o), vec![("B3".to_string(), Rule::NotInReference)]);
        assert!(message(&o, "B3").contains("国家级、省级"));
        // Missing for a two-part indicator; given for a one-part one.
        let (_, o) = indicator_return(vec![
            [Cell::Number(4.0), e(), Cell::Number(2023.0), t("41")],
            [Cell::Number(1.0), t("省级"), Cell::Number(2023.0), t("130")],
        ]);
        assert_eq!(
            errors(&o),
            vec![
                ("B3".to_string(), Rule::NotInReference),
                ("B4".to_string(), Rule::NotInReference)
            ]
        );
        assert!(o.records.is_empty());
    }

    #[test]
    fn a_value_neither_a_number_nor_a_rating_is_rejected() {
        let (_, o) = indicator_return(vec![
            [Cell::Number(1.0), e(), Cell::Number(2023.0), t("待核实")],
            [Cell::Number(23.0), e(), Cell::Number(2023.0), t("130")],
            [Cell::Number(2.0), e(), Cell::Number(2023.0), t("良好")],
        ]);
        assert!(o.records.is_empty());
        assert_eq!(
            errors(&o),
            vec![
                ("D3".to_string(), Rule::UnparseableNumber),
                ("D4".to_string(), Rule::UnknownValue),
                ("D5".to_string(), Rule::UnparseableNumber),
            ]
        );
        assert!(message(&o, "D4").contains("优秀、良好、一般、较差"));
    }

    #[test]
    fn a_year_outside_the_plan_is_rejected_naming_the_plan_years() {
        let (_, o) = indicator_return(vec![
            [Cell::Number(1.0), e(), Cell::Number(2019.0), t("130")],
            [Cell::Number(1.0), e(), t("2024年"), t("130")],
            [Cell::Number(1.0), e(), Cell::Number(2020.0), t("126")],
        ]);
        assert_eq!(o.records.len(), 1, "the base year is the plan's");
        assert_eq!(
            errors(&o),
            vec![
                ("C3".to_string(), Rule::YearOutsidePlan),
                ("C4".to_string(), Rule::YearOutsidePlan),
            ]
        );
        assert!(message(&o, "C3").contains("2020—2023年"));
    }

    #[test]
    fn a_small_number_in_a_percent_indicator_whose_base_and_target_cannot_tell_is_flagged() {
        // Indicator 20 (base 0 %, target 0 %): 0.03 may be 0.03 % or a cell shown as 3.00 %.
        let (p, o) = indicator_return(vec![[
            t("20"),
            e(),
            Cell::Number(2023.0),
            Cell::Number(0.03),
        ]]);
        assert_eq!(o.records.len(), 1, "{:?}", o.issues);
        let v = p
            .return_type("indicators")
            .unwrap()
            .column_index("value")
            .unwrap();
        assert_eq!(o.records[0].values[v], Value::Text("0.03".into()));
        let flag = o
            .issues
            .iter()
            .find(|i| i.rule == Rule::AssumedValue)
            .expect("flagged");
        assert_eq!(flag.cell.as_deref(), Some("D3"));
        assert!(flag.message.contains("3%"), "{}", flag.message);
    }

    #[test]
    fn a_percent_formatted_value_cell_is_read_times_100_with_a_warning() {
        let (p, o) = indicator_return(vec![
            [
                t("4"),
                t("国家级"),
                Cell::Number(2023.0),
                Cell::Number(0.4123),
            ],
            // A small indicator (0.16 % → 0.28 %): 0.21 % shown, 0.0021 in the cell.
            [t("3"), e(), Cell::Number(2023.0), Cell::Number(0.0021)],
            // Typed as text, 0.4123 is what the filer wrote: kept as it is.
            [t("4"), t("国家级"), Cell::Number(2022.0), t("0.4123")],
        ]);
        assert_eq!(o.records.len(), 3, "{:?}", o.issues);
        let rt = p.return_type("indicators").unwrap();
        let v = rt.column_index("value").unwrap();
        assert_eq!(o.records[0].values[v], Value::Text("41.23".into()));
        assert_eq!(o.records[1].values[v], Value::Text("0.21".into()));
        assert_eq!(o.records[2].values[v], Value::Text("0.4123".into()));
        let warned: Vec<&Issue> = o
            .issues
            .iter()
            .filter(|i| i.rule == Rule::AssumedValue)
            .collect();
        assert_eq!(warned.len(), 2);
        assert_eq!(warned[0].cell.as_deref(), Some("D3"));
        assert!(
            warned[0].message.contains("41.23%"),
            "{}",
            warned[0].message
        );
    }

    #[test]
    fn a_percent_formatted_cell_is_read_as_the_filer_saw_it() {
        // 64.2 % typed into a cell formatted as a percentage: calamine gives 0.642.
        assert_eq!(percent_cell_value(0.642, 40.55, 42.10), Some(64.2));
        assert_eq!(percent_cell_value(0.4123, 40.55, 42.10), Some(41.23));
        // A small indicator (0.16 % → 0.28 %): 0.002 is 100× off, 0.2 is the value.
        assert_eq!(percent_cell_value(0.002, 0.16, 0.28), Some(0.2));
    }

    #[test]
    fn a_plausible_percent_number_is_kept_as_it_is() {
        assert_eq!(percent_cell_value(41.2, 40.55, 42.10), None);
        assert_eq!(percent_cell_value(0.2, 0.16, 0.28), None);
        // Far off, but ×100 is no nearer: a real (if odd) value, not a format.
        assert_eq!(percent_cell_value(1.2, 0.16, 0.28), None);
        assert_eq!(percent_cell_value(0.0, 40.55, 42.10), None);
    }
}
