//! Rendering a synthetic golden path in memory, through the library, for N = 100,
//! 1,000 and 10,000 skeleton files (issue 2).
//!
//! The golden path comes from `benches/gen_golden_path.py` (N files, seed 42: 70%
//! `.tera`, 20% verbatim text, 10% binary), written to a temporary directory. Three
//! groups, each with `Throughput::Elements(N)` so criterion reports files per second
//! and linear growth shows as a constant rate:
//!
//! - `render`: `gp.render(&answers)` on a golden path loaded from disk, the way
//!   `scaffold new ./golden-path.yaml` does it (reads the skeleton from the page
//!   cache, compiles every template, renders in parallel);
//! - `render_memory_source`: the same skeleton held in memory
//!   ([`TemplateFs::Memory`], as built-in and git sources are), so file reads are out;
//! - `load_resolve_render`: `local_definition` + `GoldenPath::load` +
//!   `resolve_answers` + `render`, the whole library side of `scaffold new` short of
//!   writing.
//!
//! `SCAFFOLD_BENCH_N=100,1000` limits the sizes. Run with `cargo bench --bench render`.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use scaffold_core::source::{Located, TemplateFs, local_definition};
use scaffold_core::{AnswerInput, Answers, GoldenPath};

const SEED: u64 = 42;

fn sizes() -> Vec<usize> {
    match std::env::var("SCAFFOLD_BENCH_N") {
        Ok(s) => s
            .split(',')
            .map(|n| {
                n.trim()
                    .parse()
                    .expect("SCAFFOLD_BENCH_N: comma-separated numbers")
            })
            .collect(),
        Err(_) => vec![100, 1_000, 10_000],
    }
}

/// Write the golden path of `n` files under `dir` and return its definition file.
fn generate(dir: &Path, n: usize) -> PathBuf {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../benches/gen_golden_path.py");
    let out = dir.join(format!("n{n}"));
    let status = Command::new("python3")
        .arg(&script)
        .args(["gen", &n.to_string(), "--seed", &SEED.to_string(), "--out"])
        .arg(&out)
        .status()
        .expect("python3 runs benches/gen_golden_path.py");
    assert!(status.success(), "gen_golden_path.py failed for N={n}");
    out.join("golden-path.yaml")
}

fn answers(gp: &GoldenPath) -> Answers {
    let mut input = AnswerInput::default();
    input.sets.push("name=bench-svc".into());
    input.sets.push("owner=team-bench".into());
    gp.resolve_answers(&input).expect("answers resolve")
}

/// The same golden path with its whole directory read into memory.
fn in_memory(located: &Located) -> Located {
    let tree = located
        .fs
        .list("")
        .expect("golden path directory lists")
        .into_iter()
        .collect();
    Located {
        fs: TemplateFs::Memory {
            tree: Arc::new(tree),
            label: "memory:".into(),
        },
        ..located.clone()
    }
}

fn bench_render(c: &mut Criterion) {
    let tmp = tempfile::tempdir().expect("temporary directory");
    let cases: Vec<(usize, PathBuf)> = sizes()
        .into_iter()
        .map(|n| (n, generate(tmp.path(), n)))
        .collect();

    let configure = |group: &mut criterion::BenchmarkGroup<'_, _>, n: usize| {
        group.throughput(Throughput::Elements(n as u64));
        // Keep the 10,000-file case short: 10 samples is criterion's minimum.
        let (samples, secs) = match n {
            0..=500 => (50, 5),
            501..=5_000 => (20, 8),
            _ => (10, 15),
        };
        group.sample_size(samples);
        group.measurement_time(Duration::from_secs(secs));
        group.warm_up_time(Duration::from_secs(2));
    };

    let mut group = c.benchmark_group("render");
    for (n, def) in &cases {
        let gp = GoldenPath::load(&local_definition(def)).expect("golden path loads");
        let answers = answers(&gp);
        let files = gp.render(&answers).expect("renders").files.len();
        assert_eq!(files, *n, "every skeleton file renders to one output file");
        configure(&mut group, *n);
        group.bench_with_input(BenchmarkId::from_parameter(n), &gp, |b, gp| {
            b.iter(|| black_box(gp.render(&answers).expect("renders")));
        });
    }
    group.finish();

    let mut group = c.benchmark_group("render_memory_source");
    for (n, def) in &cases {
        let gp = GoldenPath::load(&in_memory(&local_definition(def))).expect("golden path loads");
        let answers = answers(&gp);
        configure(&mut group, *n);
        group.bench_with_input(BenchmarkId::from_parameter(n), &gp, |b, gp| {
            b.iter(|| black_box(gp.render(&answers).expect("renders")));
        });
    }
    group.finish();

    let mut group = c.benchmark_group("load_resolve_render");
    for (n, def) in &cases {
        configure(&mut group, *n);
        group.bench_with_input(BenchmarkId::from_parameter(n), def, |b, def| {
            b.iter(|| {
                let gp = GoldenPath::load(&local_definition(def)).expect("golden path loads");
                let answers = answers(&gp);
                black_box(gp.render(&answers).expect("renders"))
            });
        });
    }
    group.finish();
}

criterion_group!(benches, bench_render);
criterion_main!(benches);
