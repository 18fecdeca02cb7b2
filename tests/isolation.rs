//! Reading in worker processes under limits (issue 9, item 1): a file that needs more memory
//! or time than its limit, or is larger than the size limit, is refused with the limit's name
//! and the other returns are read as before; limits come from the pipeline file and the
//! command line overrides them; `validate` reads under the same limits.

mod common;
use common::*;
use std::path::{Path, PathBuf};

/// A month folder holding the committed 恩平市 .xls and 台山市 .ods returns (13.3 and 3.2
/// 亿元 of manufacturing, fixtures/formats/make.py) and `extra` bulk ledger rows for the other
/// counties (`synth --style bulk`: 1.5 亿元 each), one CSV per county.
fn month_with_bulk(tmp: &Path, extra: u64) -> PathBuf {
    let input = tmp.join("in");
    copy_tree(&repo().join("fixtures/formats"), &input);
    let bulk = tmp.join("bulk");
    let rows = extra.to_string();
    run_ok(
        tmp,
        &[
            "synth",
            "--style",
            "bulk",
            "--rows",
            &rows,
            "--year",
            "2025",
            "--out",
            bulk.to_str().unwrap(),
        ],
    );
    // Keep the bulk files of the counties the committed returns do not cover.
    for e in std::fs::read_dir(bulk.join("2025-01")).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().to_string();
        if !name.starts_with("恩平市") && !name.starts_with("台山市") {
            std::fs::copy(e.path(), input.join("2025-03").join(&name)).unwrap();
        }
    }
    input
}

fn run(tmp: &Path, input: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "run",
        "--input",
        input.to_str().unwrap(),
        "--out",
        "out",
        "--period",
        "2025-03",
        "--no-cache",
    ];
    args.extend_from_slice(extra);
    zhaoshang(tmp, &args)
}

fn county_mfg(tmp: &Path, county: &str) -> f64 {
    let m = read_json(&tmp.join("out/reports/2025-03/metrics.json"));
    metric(&m, "mfg_investment_yi", "county", county).unwrap_or(0.0)
}

fn unreadable(tmp: &Path) -> Vec<(String, String)> {
    let m = read_json(&tmp.join("out/reports/2025-03/metrics.json"));
    m["unreadable_files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["file"].as_str().unwrap().to_string(),
                u["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The committed returns' figures, which no refused neighbour may change.
fn assert_committed_returns_read(tmp: &Path) {
    assert_close(county_mfg(tmp, "恩平市"), 13.3, "恩平市 (.xls)");
    assert_close(county_mfg(tmp, "台山市"), 3.2, "台山市 (.ods)");
}

/// The run exited 2, refused only bulk files, each with a reason holding every one of `said`,
/// and the committed returns counted as before.
fn assert_only_bulk_refused(tmp: &Path, o: &std::process::Output, said: &[&str]) {
    assert_eq!(o.status.code(), Some(2), "{}\n{}", stdout(o), stderr(o));
    let refused = unreadable(tmp);
    assert!(!refused.is_empty(), "nothing was refused");
    for (file, reason) in &refused {
        assert!(file.ends_with("-项目台账.csv"), "{file} refused");
        assert!(said.iter().all(|s| reason.contains(s)), "{file}: {reason}");
    }
    assert_committed_returns_read(tmp);
}

#[test]
fn a_file_that_needs_more_memory_than_the_limit_is_refused_and_the_others_are_read() {
    let tmp = tempfile::tempdir().unwrap();
    let input = month_with_bulk(tmp.path(), 100_000);
    let o = run(tmp.path(), &input, &["--max-memory-mb", "8"]);
    assert_only_bulk_refused(tmp.path(), &o, &["内存超过上限8MB", "max_memory_mb"]);
    assert!(stderr(&o).contains("max_memory_mb"), "{}", stderr(&o));

    // Without the low limit the same files are read: the refusal was the limit's doing.
    let o = run(tmp.path(), &input, &[]);
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    assert!(unreadable(tmp.path()).is_empty());
    assert_committed_returns_read(tmp.path());
    // Every bulk row counts: the data lines of the bulk files (after 填报单位 and the header)
    // plus the committed returns' 5 projects.
    let bulk_rows: usize = std::fs::read_dir(input.join("2025-03"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with("-项目台账.csv"))
        .map(|p| std::fs::read_to_string(p).unwrap().lines().count() - 2)
        .sum();
    assert!(bulk_rows > 50_000, "{bulk_rows}");
    let m = read_json(&tmp.path().join("out/reports/2025-03/metrics.json"));
    assert_eq!(m["accounting"]["rows_accepted"], bulk_rows as u64 + 5);
}

#[test]
fn a_file_that_takes_longer_than_the_limit_is_stopped_and_the_others_are_read() {
    let tmp = tempfile::tempdir().unwrap();
    let input = month_with_bulk(tmp.path(), 100_000);
    let o = run(tmp.path(), &input, &["--max-seconds", "0.1"]);
    assert_only_bulk_refused(tmp.path(), &o, &["超过0.1秒", "max_seconds"]);
}

#[test]
fn limits_come_from_the_pipeline_file_and_the_command_line_overrides_them() {
    let tmp = tempfile::tempdir().unwrap();
    let input = month_with_bulk(tmp.path(), 100_000);
    let text = std::fs::read_to_string(repo().join("pipelines/jiangmen.toml")).unwrap();
    let pipeline = tmp.path().join("limited.toml");
    std::fs::write(&pipeline, format!("{text}\n[limits]\nmax_file_mb = 1\n")).unwrap();
    let p = pipeline.to_str().unwrap();

    // 100 000 rows over 5 county files: about 1.5 MB each, over the pipeline's 1 MB.
    let o = run(tmp.path(), &input, &["--pipeline", p]);
    assert_eq!(o.status.code(), Some(2), "{}\n{}", stdout(&o), stderr(&o));
    let refused = unreadable(tmp.path());
    assert_eq!(refused.len(), 5, "{refused:?}");
    for (file, reason) in &refused {
        assert!(
            reason.contains("超过上限1MB（max_file_mb）"),
            "{file}: {reason}"
        );
    }
    assert_committed_returns_read(tmp.path());

    let o = run(
        tmp.path(),
        &input,
        &["--pipeline", p, "--max-file-mb", "10"],
    );
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    assert!(unreadable(tmp.path()).is_empty());

    // validate reads under the same limits.
    let o = zhaoshang(
        tmp.path(),
        &[
            "validate",
            "--pipeline",
            p,
            input.join("2025-03").to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("max_file_mb") && stdout(&o).contains("无法读取的文件5个"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn a_bad_limits_section_lists_every_problem_with_its_key() {
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(repo().join("pipelines/jiangmen.toml")).unwrap();
    let pipeline = tmp.path().join("bad.toml");
    std::fs::write(
        &pipeline,
        format!("{text}\n[limits]\nmax_file_mb = 0\nmax_seconds = -1.0\nmax_cells = 0\n"),
    )
    .unwrap();
    let o = zhaoshang(
        tmp.path(),
        &[
            "run",
            "--pipeline",
            pipeline.to_str().unwrap(),
            "--out",
            "out",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    for key in [
        "limits.max_file_mb",
        "limits.max_seconds",
        "limits.max_cells",
    ] {
        assert!(err.contains(key), "{key} not named:\n{err}");
    }
    // An unknown key is named too.
    std::fs::write(&pipeline, format!("{text}\n[limits]\nmax_rows = 5\n")).unwrap();
    let o = zhaoshang(
        tmp.path(),
        &[
            "run",
            "--pipeline",
            pipeline.to_str().unwrap(),
            "--out",
            "out",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("max_rows"), "{}", stderr(&o));
}

#[test]
fn reading_in_workers_and_in_process_give_the_same_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let input = repo().join("fixtures/returns");
    let args = |out: &'static str, extra: Option<&'static str>| {
        let mut a = vec![
            "run".to_string(),
            "--input".into(),
            input.to_str().unwrap().to_string(),
            "--out".into(),
            out.into(),
            "--period".into(),
            "2025-06".into(),
            "-q".into(),
        ];
        a.extend(extra.map(String::from));
        a
    };
    for (out, extra) in [("workers", None), ("inproc", Some("--in-process"))] {
        let a = args(out, extra);
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        run_ok(tmp.path(), &refs);
    }
    for f in ["metrics.json", "issues.json"] {
        let a = std::fs::read(tmp.path().join("workers/reports/2025-06").join(f)).unwrap();
        let b = std::fs::read(tmp.path().join("inproc/reports/2025-06").join(f)).unwrap();
        assert!(a == b, "{f} differs between worker and in-process reading");
    }
}

/// What else lies in a month folder (issue 9, item 4): a FIFO, a socket, a link to /dev/zero,
/// a broken link, a link to a folder that loops, a 1.2 GB sparse file and a loose file at the
/// root. The run finishes (under `timeout`: a FIFO opened for reading would block forever),
/// names every one of them in its summary, refuses the big file by its size without reading
/// it, and the committed returns count as before.
#[cfg(unix)]
#[test]
fn traps_in_the_folder_are_named_and_never_read() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    copy_tree(&repo().join("fixtures/formats"), &input);
    let month = input.join("2025-03");
    let fifo = month.join("管道.xlsx");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let _socket = std::os::unix::net::UnixListener::bind(month.join("套接字.xls")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", month.join("零.xlsx")).unwrap();
    std::os::unix::fs::symlink("/nonexistent/x.xlsx", month.join("断链.xlsx")).unwrap();
    std::fs::create_dir(month.join("子目录")).unwrap();
    std::os::unix::fs::symlink("..", month.join("子目录").join("回环")).unwrap();
    let big = std::fs::File::create(month.join("大文件.xlsx")).unwrap();
    big.set_len(1_200 << 20).unwrap(); // sparse: no disk used
    std::fs::write(input.join("散落.xlsx"), b"x").unwrap();

    let o = std::process::Command::new("timeout")
        .arg("120")
        .arg(bin())
        .args([
            "run",
            "--input",
            "in",
            "--out",
            "out",
            "--period",
            "2025-03",
            "--no-cache",
        ])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}\n{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    for name in [
        "管道.xlsx",
        "套接字.xls",
        "零.xlsx",
        "断链.xlsx",
        "子目录/回环",
        "散落.xlsx",
        "大文件.xlsx",
    ] {
        assert!(
            out.contains(name),
            "{name} not named in the summary:\n{out}"
        );
    }
    let refused = unreadable(tmp.path());
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(refused[0].0.ends_with("大文件.xlsx"));
    assert!(refused[0].1.contains("max_file_mb"), "{}", refused[0].1);
    assert_committed_returns_read(tmp.path());
}
