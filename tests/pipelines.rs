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

#[test]
fn the_land_efficiency_file_grades_its_tax_per_mu() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("pipelines/jiangmen-land-efficiency.toml");
    let p = zhaoshang::pipeline::Pipeline::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let m = p
        .metrics
        .iter()
        .find(|m| m.id == "tax_per_mu_wan")
        .expect("tax_per_mu_wan");
    assert!(m.denominator.is_some(), "a ratio metric");
    let grades: Vec<(&str, Option<f64>)> =
        m.grades.iter().map(|g| (g.grade.as_str(), g.min)).collect();
    assert_eq!(
        grades,
        [
            ("A", Some(30.0)),
            ("B", Some(20.0)),
            ("C", Some(10.0)),
            ("D", None)
        ]
    );
    let g = |v: Option<f64>| m.grade_of(v);
    assert_eq!(g(Some(31.0)).as_deref(), Some("A"));
    assert_eq!(
        g(Some(30.0)).as_deref(),
        Some("A"),
        "a band includes its min"
    );
    assert_eq!(g(Some(29.999)).as_deref(), Some("B"));
    assert_eq!(g(Some(10.0)).as_deref(), Some("C"));
    assert_eq!(g(Some(9.9)).as_deref(), Some("D"));
    assert_eq!(g(Some(-1.0)).as_deref(), Some("D"));
    assert_eq!(g(None), None, "no value, no grade");
    // The other metrics are not graded.
    let ungraded = p.metrics.iter().filter(|m| m.grades.is_empty()).count();
    assert_eq!(ungraded, p.metrics.len() - 1);
}

#[test]
fn grades_mistakes_are_reported_with_their_key_paths() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("pipelines/jiangmen-land-efficiency.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let line = "grades = [{ grade = \"A\", min = 30.0 }, { grade = \"B\", min = 20.0 }, { grade = \"C\", min = 10.0 }, { grade = \"D\" }]";
    assert!(text.contains(line));
    let index = text[..text.find(line).unwrap()]
        .matches("[[metrics]]")
        .count()
        - 1;
    for (bad, want) in [
        // B's min above A's: not descending.
        (
            "grades = [{ grade = \"A\", min = 30.0 }, { grade = \"B\", min = 40.0 }, { grade = \"D\" }]",
            vec![("grades[1].min", "not below")],
        ),
        // A band in the middle without min, a last band with one.
        (
            "grades = [{ grade = \"A\", min = 30.0 }, { grade = \"B\" }, { grade = \"D\", min = 5.0 }]",
            vec![("grades[1].min", "required"), ("grades[2].min", "last band")],
        ),
        // The same grade twice, an empty one, a min that is no number.
        (
            "grades = [{ grade = \"A\", min = nan }, { grade = \"A\", min = 20.0 }, { grade = \" \" }]",
            vec![
                ("grades[0].min", "not a number"),
                ("grades[1].grade", "twice"),
                ("grades[2].grade", "empty"),
            ],
        ),
    ] {
        let err = zhaoshang::pipeline::Pipeline::from_text("t.toml", &text.replace(line, bad))
            .expect_err(bad);
        let zhaoshang::error::PipelineError::Invalid { problems, .. } = &err else {
            panic!("expected Invalid, got {err:?}")
        };
        for (key, words) in &want {
            let at = format!("metrics[{index}].{key}");
            assert!(
                problems
                    .iter()
                    .any(|p| p.path == at && p.message.contains(words)),
                "{bad}: no `{at}` ({words}) in {problems:?}"
            );
        }
        assert_eq!(problems.len(), want.len(), "{bad}: {problems:?}");
    }
    // An unknown key inside a band is an error too.
    let err = zhaoshang::pipeline::Pipeline::from_text(
        "t.toml",
        &text.replace(
            line,
            "grades = [{ grade = \"A\", above = 30.0 }, { grade = \"D\" }]",
        ),
    )
    .expect_err("unknown key");
    assert!(format!("{err:?}").contains("above"), "{err:?}");
}

/// The roles of generated fixtures are not in the production pipeline files (a `[synth]` table
/// there is an unknown key); each committed pipeline has its roles file in fixtures/synth/,
/// built into the binary, and the roles check against the pipeline.
#[test]
fn every_pipeline_has_its_roles_file_outside_the_pipeline() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut n = 0;
    for e in std::fs::read_dir(root.join("pipelines")).unwrap() {
        let path = e.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            !text.contains("\n[synth]"),
            "{} still has [synth]",
            path.display()
        );
        let p = zhaoshang::pipeline::Pipeline::load(&path).unwrap();
        let (source, roles) = p
            .embedded_roles()
            .unwrap_or_else(|| panic!("no roles file for `{}`", p.id));
        let on_disk =
            std::fs::read_to_string(root.join(format!("fixtures/synth/{}.toml", p.id))).unwrap();
        assert_eq!(roles, on_disk, "{source} is the file on disk");
        let with = p
            .with_roles(&source, roles)
            .unwrap_or_else(|e| panic!("{source}: {e}"));
        assert!(with.synth.is_some());
        n += 1;
    }
    assert_eq!(n, zhaoshang::pipeline::EMBEDDED_ROLES.len());
    // A pipeline file that still carries [synth] is refused by name.
    let text = format!(
        "{}\n[synth]\nkind = \"ledger\"\n",
        zhaoshang::pipeline::EMBEDDED_DEFAULT.1
    );
    let e = zhaoshang::pipeline::Pipeline::from_text("old.toml", &text).unwrap_err();
    assert!(format!("{e:?}").contains("synth"), "{e:?}");
}
