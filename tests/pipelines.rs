//! Every pipeline file in pipelines/ loads and validates.

use std::path::Path;

#[test]
fn every_pipeline_file_loads() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("pipelines");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        let p = zhaoshang::pipeline::Pipeline::load(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            !p.metrics.is_empty() || p.scorecard.is_some(),
            "{} has no metrics nor indicators",
            path.display()
        );
        assert!(
            !p.returns.is_empty(),
            "{} has no return types",
            path.display()
        );
        n += 1;
    }
    assert!(n >= 1);
}

#[test]
fn the_embedded_default_is_pipelines_jiangmen_toml() {
    let on_disk = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("pipelines/jiangmen.toml"),
    )
    .unwrap();
    assert_eq!(zhaoshang::pipeline::EMBEDDED_DEFAULT.1, on_disk);
    let p = zhaoshang::pipeline::Pipeline::embedded_default().unwrap();
    assert_eq!(p.counties.len(), 7);
    assert_eq!(p.target(2025, "mfg_investment_yi").unwrap().city, 1600.0);
    assert_eq!(p.vocabularies["chain"].values.len(), 15);
}
