//! The dataset as an analyst reads it with polars: hive partitions, and sums that equal
//! metrics.json.

mod common;
use common::*;
use polars::prelude::*;

#[test]
fn projects_current_sums_equal_metrics_json() {
    let tmp = tempfile::tempdir().unwrap();
    let input = repo().join("fixtures/returns");
    let out = tmp.path().join("out");
    for period in ["2025-03", "2025-12"] {
        run_ok(
            tmp.path(),
            &[
                "run",
                "--input",
                input.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
                "--period",
                period,
                "-q",
            ],
        );
    }
    let glob = out.join("dataset/projects_current/**/*.parquet");
    let args = ScanArgsParquet {
        hive_options: HiveOptions {
            enabled: Some(true),
            ..Default::default()
        },
        ..Default::default()
    };
    for (month, period) in [(3, "2025-03"), (12, "2025-12")] {
        let m = read_json(&out.join("reports").join(period).join("metrics.json"));
        let start = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
        let df = LazyFrame::scan_parquet(PlRefPath::new(glob.to_str().unwrap()), args.clone())
            .unwrap()
            .filter(
                col("month")
                    .eq(lit(month))
                    .and(col("sector").eq(lit("制造业")))
                    .and(col("signed_date").gt_eq(lit(start))),
            )
            .group_by([col("county")])
            .agg([col("planned_investment_yi").sum().alias("inv")])
            .sort(["county"], Default::default())
            .collect()
            .unwrap();
        let counties = df.column("county").unwrap().str().unwrap().clone();
        let inv = df.column("inv").unwrap().f64().unwrap().clone();
        let mut total = 0.0;
        for (c, v) in counties.iter().zip(inv.iter()) {
            let (c, v) = (c.unwrap(), v.unwrap());
            total += v;
            assert_close(
                v,
                metric(&m, "mfg_investment_yi", "county", c).unwrap(),
                &format!("{period} {c}"),
            );
        }
        assert_close(
            total,
            metric(&m, "mfg_investment_yi", "city", "江门市").unwrap(),
            period,
        );
    }
}
