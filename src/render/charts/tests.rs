use super::*;
use crate::record::Value;
use crate::table::Table;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// How many distinct colours (up to 64) each PNG written in this test process has.
static PIXELS: Mutex<BTreeMap<PathBuf, usize>> = Mutex::new(BTreeMap::new());

pub(super) fn record_pixels(path: &Path, pixels: &[u8]) {
    let mut colours = std::collections::BTreeSet::new();
    for px in pixels.chunks(3) {
        colours.insert([px[0], px[1], px[2]]);
        if colours.len() >= 64 {
            break;
        }
    }
    let mut map = PIXELS.lock().unwrap_or_else(|e| e.into_inner());
    map.insert(path.to_path_buf(), colours.len());
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Checks a PNG's structure (signature, chunk lengths and CRCs, IHDR first, IDAT, IEND last)
/// and returns its width and height.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "PNG signature");
    let mut p = 8;
    let mut chunks = Vec::new();
    let mut size = (0, 0);
    while p + 12 <= bytes.len() {
        let len = u32::from_be_bytes(bytes[p..p + 4].try_into().unwrap()) as usize;
        let kind = &bytes[p + 4..p + 8];
        let body = &bytes[p + 8..p + 8 + len];
        let crc = u32::from_be_bytes(bytes[p + 8 + len..p + 12 + len].try_into().unwrap());
        assert_eq!(crc, crc32(&bytes[p + 4..p + 8 + len]), "CRC of a PNG chunk");
        if kind == b"IHDR" {
            size = (
                u32::from_be_bytes(body[0..4].try_into().unwrap()),
                u32::from_be_bytes(body[4..8].try_into().unwrap()),
            );
        }
        chunks.push(String::from_utf8_lossy(kind).to_string());
        p += 12 + len;
    }
    assert_eq!(p, bytes.len(), "PNG ends after IEND");
    assert_eq!(chunks.first().map(String::as_str), Some("IHDR"));
    assert_eq!(chunks.last().map(String::as_str), Some("IEND"));
    assert!(chunks.iter().any(|c| c == "IDAT"));
    size
}

fn run_fixtures(out: &Path) -> PathBuf {
    let p = Pipeline::embedded_default().unwrap();
    let opts = crate::run::RunOptions {
        input: "fixtures/returns".into(),
        out: out.into(),
        period: Some("2025-06".parse().unwrap()),
    };
    crate::run::run(&p, &opts).unwrap();
    out.join("reports/2025-06/charts")
}

#[test]
fn charts_of_a_real_run() {
    let p = Pipeline::embedded_default().unwrap();
    let charts = &p.report.as_ref().unwrap().charts;
    assert!(!charts.is_empty());
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (dir_a, dir_b) = (run_fixtures(a.path()), run_fixtures(b.path()));
    // To look at the charts: ZHAOSHANG_KEEP_CHARTS=<folder> cargo test --lib charts_of_a_real_run
    if let Some(keep) = std::env::var_os("ZHAOSHANG_KEEP_CHARTS") {
        std::fs::create_dir_all(&keep).unwrap();
        for e in std::fs::read_dir(&dir_a).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), Path::new(&keep).join(e.file_name())).unwrap();
        }
    }
    for chart in charts {
        let svg = std::fs::read_to_string(dir_a.join(format!("{}.svg", chart.id))).unwrap();
        assert!(svg.contains(&chart.title), "{}: title in the SVG", chart.id);
        assert!(svg.contains("<defs><style>@font-face{font-family:'ZhaoshangSans'"));
        assert!(svg.contains("font-family=\"ZhaoshangSans\""));
        assert_eq!(
            svg.matches("font-family=\"").count(),
            svg.matches("font-family=\"ZhaoshangSans\"").count(),
            "{}: every text uses the bundled font",
            chart.id
        );
        let png = std::fs::read(dir_a.join(format!("{}.png", chart.id))).unwrap();
        let (w, h) = png_size(&png);
        assert!(w >= 1000 && h >= 500, "{}: {w}×{h}", chart.id);
        // The pixels drawn for this run's PNG: not a flat image.
        let recorded = PIXELS.lock().unwrap_or_else(|e| e.into_inner());
        let colours = recorded
            .iter()
            .filter(|(path, _)| path.starts_with(a.path()))
            .find(|(path, _)| path.ends_with(format!("{}.png", chart.id)))
            .map(|(_, n)| *n);
        assert!(
            colours.unwrap_or(0) > 8,
            "{}: {colours:?} colours",
            chart.id
        );
        drop(recorded);
        // Same data, same bytes.
        for ext in ["svg", "png"] {
            let name = format!("{}.{ext}", chart.id);
            assert!(
                std::fs::read(dir_a.join(&name)).unwrap()
                    == std::fs::read(dir_b.join(&name)).unwrap(),
                "{name} differs between two runs"
            );
        }
    }
    // No temporary files left behind.
    for e in std::fs::read_dir(&dir_a).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().to_string();
        assert!(!name.starts_with('.'), "{name}");
    }
}

/// The text content of an SVG's <text> elements.
fn svg_texts(svg: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = svg;
    while let Some(i) = rest.find("<text") {
        rest = &rest[i..];
        let (Some(open), Some(close)) = (rest.find('>'), rest.find("</text>")) else {
            break;
        };
        out.push(rest[open + 1..close].to_string());
        rest = &rest[close..];
    }
    out
}

#[test]
fn chart_text_is_all_covered_by_the_font() {
    let out = tempfile::tempdir().unwrap();
    let dir = run_fixtures(out.path());
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        if path.extension().is_some_and(|x| x == "svg") {
            let svg = std::fs::read_to_string(&path).unwrap();
            let texts = svg_texts(&svg);
            assert!(texts.len() > 5, "{path:?}");
            for t in texts {
                let lacking: Vec<char> = t
                    .chars()
                    .filter(|c| !c.is_whitespace() && !font::has_glyph(*c))
                    .collect();
                assert!(lacking.is_empty(), "{path:?}: {t} lacks {lacking:?}");
            }
        }
    }
}

fn metric(id: &str, scope: &str, sv: &str, value: Option<f64>, target: Option<f64>) -> MetricValue {
    MetricValue {
        id: id.into(),
        name: id.into(),
        scope: scope.into(),
        scope_value: sv.into(),
        value,
        unit: "亿元".into(),
        target,
        target_to_date: target.map(|t| t / 2.0),
        completion: match (value, target) {
            (Some(v), Some(t)) if t != 0.0 => Some(v / t),
            _ => None,
        },
        on_track: value.zip(target).map(|(v, t)| v >= t / 2.0),
        numerator: None,
        denominator: None,
        grade: None,
    }
}

fn draw_all(data: &ChartData) {
    for chart in &data.pipeline.report.as_ref().unwrap().charts {
        let scene = layout(data, chart);
        assert!(scene.width > 0 && scene.height > 0);
        let svg = to_svg(&scene).unwrap();
        assert!(svg.contains("@font-face"));
        assert!(
            !svg.contains('\u{20000}'),
            "a character the font lacks is drawn as a blank"
        );
        let px = to_pixels(&scene).unwrap();
        assert_eq!(px.len(), scene.width as usize * scene.height as usize * 3);
    }
}

#[test]
fn odd_data_never_panics() {
    let p = Pipeline::embedded_default().unwrap();
    let period: Period = "2025-06".parse().unwrap();
    let empty = crate::assess::ReportFigures::default();
    // Nothing at all.
    draw_all(&ChartData {
        pipeline: &p,
        period,
        metrics: &[],
        stages: &[],
        history: &[],
        figures: &empty,
        indicators: None,
    });
    // No values, zero and missing targets, a single county, a value far over target, a
    // character the font lacks, an empty table and a table with odd rows.
    let metrics = vec![
        metric("mfg_investment_yi", "city", "江门市", None, Some(0.0)),
        metric("mfg_investment_yi", "county", "蓬江区", Some(0.0), None),
        metric("big_projects_count", "county", "𠀀区", Some(1e6), Some(1.0)),
        metric(
            "key_chain_share",
            "city",
            "江门市",
            Some(f64::NAN),
            Some(0.8),
        ),
        metric("key_chain_share", "county", "蓬江区", None, Some(0.8)),
        metric(
            "high_level_talent_total",
            "city",
            "江门市",
            Some(5.0),
            Some(0.0),
        ),
        metric(
            "rental_housing_units",
            "city",
            "江门市",
            Some(-3.0),
            Some(10.0),
        ),
    ];
    let history = vec![(period, metrics.clone())];
    // A ledger with odd rows: unknown county, no chain, unknown chain, no or infinite amount.
    let rt = p.returns.iter().find(|r| r.table == "projects").unwrap();
    let mut t = Table::for_return("projects_current", rt, &[]);
    let date = Value::Date(chrono::NaiveDate::from_ymd_opt(2025, 3, 5).unwrap());
    for (county, chain, amount) in [
        ("外市", None, Value::Number(3.0)),
        ("", Some("新能源电池"), Value::Number(f64::INFINITY)),
        ("恩平市", Some("未知链"), Value::Number(0.0)),
        ("恩平市", Some("硅能源"), Value::Null),
    ] {
        let mut row = vec![Value::Null; t.columns.len()];
        let mut set = |col: &str, v: Value| {
            if let Some(i) = t.col(col) {
                row[i] = v;
            }
        };
        if !county.is_empty() {
            set("county", Value::Text(county.into()));
        }
        if let Some(c) = chain {
            set("chain", Value::Text(c.into()));
        }
        set("sector", Value::Text("制造业".into()));
        set("stage", Value::Text("签约".into()));
        set("signed_date", date.clone());
        set("planned_investment_yi", amount);
        t.push(row);
    }
    // The funnel of that ledger, then with every count zero and no rates: a single county.
    let mut stages: Vec<FunnelRow> = crate::assess::funnel(&p, &t.to_frame().unwrap(), period)
        .unwrap()
        .into_iter()
        .filter(|r| r.scope_value == "恩平市")
        .collect();
    assert_eq!(stages.len(), 1);
    for st in &mut stages[0].stages {
        st.count = 0;
        st.rate = None;
    }
    let frames = BTreeMap::from([("projects_current".to_string(), t.to_frame().unwrap())]);
    let figures = crate::assess::report_figures(&p, &frames, period).unwrap();
    assert!(figures.cross.contains_key("heatmap"));
    for figures in [&empty, &figures] {
        draw_all(&ChartData {
            pipeline: &p,
            period,
            metrics: &metrics,
            stages: &stages,
            history: &history,
            figures,
            indicators: None,
        });
    }
}

#[test]
fn svg_font_sizes_are_scaled() {
    let svg = r#"<text font-size="20" x="1"/><text font-size="x"/>"#;
    assert_eq!(
        scale_font_sizes(svg, 0.5),
        r#"<text font-size="10" x="1"/><text font-size="x"/>"#
    );
}

#[test]
fn labels_wrap_and_axes_are_round() {
    let lines = scene::wrap("现代农业与食品", 19.0, 58.0);
    assert_eq!(lines, ["现代农业", "与食品"]);
    assert_eq!(
        scene::wrap("新一代电子信息", 19.0, 58.0),
        ["新一代", "电子信息"]
    );
    assert_eq!(
        scene::wrap("汽车及零部件", 19.0, 58.0),
        ["汽车及", "零部件"]
    );
    assert_eq!(
        scene::wrap("高端装备制造", 19.0, 58.0),
        ["高端", "装备制造"]
    );
    assert_eq!(scene::wrap("硅能源", 19.0, 58.0), ["硅能源"]);
    let axis = scene::Axis::new(1680.0, 600.0, 100.0, false);
    assert_eq!((axis.step, axis.top), (250.0, 1750.0));
    assert_eq!(axis.at(0.0), 600.0);
    assert_eq!(axis.at(4000.0), 100.0);
    let counts = scene::Axis::new(3.3, 600.0, 100.0, true);
    assert_eq!((counts.step, counts.top), (1.0, 4.0));
    let share = scene::Axis::new(1.0, 600.0, 100.0, false);
    assert_eq!((share.step, share.top), (0.2, 1.0));
    let tiny = scene::Axis::new(0.4, 600.0, 100.0, true);
    assert_eq!((tiny.step, tiny.top), (1.0, 1.0));
    assert_eq!(scene::Axis::new(0.0, 600.0, 100.0, false).top, 1.0);
    assert_eq!(scene::fmt_value(0.8123, "比例"), "81.2%");
    assert_eq!(scene::fmt_value(812.44, "亿元"), "812.4");
    assert_eq!(scene::fmt_value(7.0, "个"), "7");
}

#[test]
fn heatmap_caps_many_categories() {
    let p = Pipeline::embedded_default().unwrap();
    let period: Period = "2025-06".parse().unwrap();
    let rt = p.returns.iter().find(|r| r.table == "projects").unwrap();
    let mut t = Table::for_return("projects_current", rt, &[]);
    for i in 0..80 {
        let mut row = vec![Value::Null; t.columns.len()];
        let name = format!("某某某某某某某某某某某某某某某某投资有限公司{i}");
        row[t.col("investor").unwrap()] = Value::Text(name);
        row[t.col("project_name").unwrap()] =
            Value::Text(format!("很长很长很长很长很长很长的项目名称{i}"));
        row[t.col("planned_investment_yi").unwrap()] = Value::Number(f64::from(i));
        t.push(row);
    }
    let frame = t.to_frame().unwrap();
    let cross = crate::assess::report::cross_totals(
        &frame,
        "investor",
        "project_name",
        "planned_investment_yi",
        &[],
        period,
    )
    .unwrap();
    let figures = crate::assess::ReportFigures {
        cross: BTreeMap::from([("many".to_string(), cross)]),
        ..Default::default()
    };
    let chart = Chart {
        id: "many".into(),
        title: "投资主体×项目".into(),
        kind: ChartKind::Heatmap {
            table: "projects_current".into(),
            rows: "investor".into(),
            columns: "project_name".into(),
            value: "planned_investment_yi".into(),
            conditions: Vec::new(),
        },
    };
    let data = ChartData {
        pipeline: &p,
        period,
        metrics: &[],
        stages: &[],
        history: &[],
        figures: &figures,
        indicators: None,
    };
    let scene = layout(&data, &chart);
    assert!(
        scene.width <= 2600 && scene.height <= 2400,
        "{}×{}",
        scene.width,
        scene.height
    );
    let svg = to_svg(&scene).unwrap();
    assert!(
        svg.contains("其余51项") && svg.contains("其余57项"),
        "rows and columns merged"
    );
    to_pixels(&scene).unwrap();
    if let Some(keep) = std::env::var_os("ZHAOSHANG_KEEP_CHARTS") {
        let png = Path::new(&keep).join("many.png");
        write_png(&png, &scene, &to_pixels(&scene).unwrap())
            .unwrap()
            .unwrap();
    }
}

#[test]
fn indicator_progress_draws_no_data_values_below_the_base_and_far_over_the_target() {
    let p = Pipeline::load(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/pipelines/jiangmen-innovation-city.toml"
    )))
    .unwrap();
    let sc = p.scorecard.as_ref().unwrap();
    let period: Period = "2023-12".parse().unwrap();
    let empty = crate::assess::ReportFigures::default();
    // No scorecard result, then every indicator without a value.
    let none = crate::assess::assess_indicators(&p, sc, None, period, &[]).unwrap();
    assert!(none
        .rows
        .iter()
        .all(|r| r.value.is_none() && r.met.is_none()));
    for indicators in [None, Some(&none)] {
        draw_all(&ChartData {
            pipeline: &p,
            period,
            metrics: &[],
            stages: &[],
            history: &[],
            figures: &empty,
            indicators,
        });
    }
    // Values below the base, at the target, far over it, and not finite.
    let mut odd = none.clone();
    for (k, r) in odd.rows.iter_mut().enumerate() {
        let progress = [-0.5, 1.0, 40.0, f64::NAN, 0.3][k % 5];
        r.value = Some(progress * 10.0);
        r.progress = Some(progress);
        r.met = Some(progress >= 1.0);
    }
    let data = ChartData {
        pipeline: &p,
        period,
        metrics: &[],
        stages: &[],
        history: &[],
        figures: &empty,
        indicators: Some(&odd),
    };
    draw_all(&data);
    let chart = p
        .report
        .as_ref()
        .unwrap()
        .charts
        .iter()
        .find(|c| matches!(c.kind, crate::pipeline::ChartKind::IndicatorProgress))
        .unwrap();
    let scene = layout(&data, chart);
    let text = scene.all_text();
    assert!(
        text.contains("进度 -50.0%"),
        "a value below the base says so"
    );
    assert!(text.contains("进度 4000.0%"));
    assert!(
        text.contains("无数据"),
        "a progress that is no number is no bar"
    );
}
