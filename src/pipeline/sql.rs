//! SQL aggregates of metrics (`value = { sql = "…" }`): the period's bounds as named parameters,
//! and the check made when the pipeline file is loaded (the expression is run once over an
//! empty frame with the table's columns, so a typo is a pipeline error with its key path, not a
//! failed run).

use super::ColumnKind;
use crate::period::Period;
use polars::prelude::*;

/// The parameters an expression may use, and what they stand for.
pub const PARAMETERS: [(&str, &str); 5] = [
    ("$year_start", "1 January of the period's year (a date)"),
    (
        "$period_start",
        "the first day of the period's month (a date)",
    ),
    ("$period_end", "the last day of the period's month (a date)"),
    ("$year", "the period's year (a number)"),
    ("$month", "the period's month (a number)"),
];

/// The expression with its parameters replaced by the period's values.
pub fn bind(sql: &str, period: Period) -> String {
    let date = |d: chrono::NaiveDate| format!("CAST('{}' AS DATE)", d.format("%Y-%m-%d"));
    let year_start = Period {
        year: period.year,
        month: 1,
    }
    .first_day();
    // Longest names first: `$period_start` before a shorter prefix could match.
    sql.replace("$year_start", &date(year_start))
        .replace("$period_start", &date(period.first_day()))
        .replace("$period_end", &date(period.last_day()))
        .replace("$year", &period.year.to_string())
        .replace("$month", &period.month.to_string())
}

/// The dtype of a canonical column in a table's frame.
fn dtype(kind: &ColumnKind) -> DataType {
    match kind {
        ColumnKind::Text | ColumnKind::County | ColumnKind::Vocabulary(_) | ColumnKind::Tags(_) => {
            DataType::String
        }
        ColumnKind::Bool => DataType::Boolean,
        ColumnKind::Money { .. } | ColumnKind::Number { .. } => DataType::Float64,
        ColumnKind::Date => DataType::Date,
    }
}

/// Runs the aggregate `expr` over `frame` registered as table `rows`: one value, or one per
/// value of `by` (then the result has columns `__key` and `__value`).
pub fn run(
    expr: &str,
    frame: &DataFrame,
    by: Option<&str>,
    period: Period,
) -> PolarsResult<DataFrame> {
    let mut ctx = polars::sql::SQLContext::new();
    ctx.register("rows", frame.clone().lazy());
    let expr = bind(expr, period);
    let query = match by {
        None => format!("SELECT ({expr}) AS __value FROM rows"),
        Some(c) => {
            format!("SELECT \"{c}\" AS __key, ({expr}) AS __value FROM rows GROUP BY \"{c}\"")
        }
    };
    ctx.execute(&query)?.collect()
}

/// `frame` with one column more per `(name, expr)`: each a row-wise SQL expression over the
/// frame's columns (registered as table `rows`), evaluated in order, so that a later expression
/// may use an earlier one's column.
pub fn with_columns(
    frame: DataFrame,
    exprs: &[(&str, &str)],
    period: Period,
) -> PolarsResult<DataFrame> {
    let mut out = frame;
    for (name, expr) in exprs {
        let mut ctx = polars::sql::SQLContext::new();
        ctx.register("rows", out.lazy());
        let expr = bind(expr, period);
        out = ctx
            .execute(&format!("SELECT *, ({expr}) AS \"{name}\" FROM rows"))?
            .collect()?;
    }
    Ok(out)
}

/// Checks an expression against a table's columns: unknown `$` parameters, then a run over an
/// empty frame with those columns. The error says what is wrong, for the pipeline's key path.
pub fn check(expr: &str, columns: &[(String, ColumnKind)]) -> Result<(), String> {
    let bound = bind(
        expr,
        Period {
            year: 2000,
            month: 1,
        },
    );
    if let Some(i) = bound.find('$') {
        let name: String = bound[i..]
            .chars()
            .take_while(|c| *c == '$' || c.is_alphanumeric() || *c == '_')
            .collect();
        return Err(format!(
            "unknown parameter `{name}` (known: {})",
            PARAMETERS.map(|(p, _)| p).join(", ")
        ));
    }
    let empty: Vec<Column> = columns
        .iter()
        .map(|(name, kind)| Column::new_empty(name.as_str().into(), &dtype(kind)))
        .collect();
    let frame = DataFrame::new(0, empty).map_err(|e| e.to_string())?;
    run(
        expr,
        &frame,
        None,
        Period {
            year: 2000,
            month: 1,
        },
    )
    .map(|_| ())
    .map_err(|e| format!("the SQL expression does not run over the table's columns: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_the_periods_bounds() {
        let p = Period {
            year: 2025,
            month: 2,
        };
        assert_eq!(
            bind("x BETWEEN $year_start AND $period_end OR m = $month", p),
            "x BETWEEN CAST('2025-01-01' AS DATE) AND CAST('2025-02-28' AS DATE) OR m = 2"
        );
    }

    #[test]
    fn an_unknown_parameter_or_column_is_an_error_at_load() {
        let cols = vec![("amount".to_string(), ColumnKind::Number { unit: None })];
        assert!(check("SUM(amount)", &cols).is_ok());
        let e = check("SUM(amount) + $yesterday", &cols).unwrap_err();
        assert!(e.contains("$yesterday"), "{e}");
        let e = check("SUM(amont)", &cols).unwrap_err();
        assert!(e.contains("does not run"), "{e}");
    }
}
