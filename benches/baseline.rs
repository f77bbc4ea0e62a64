//! What recording the baseline costs `scaffold new` (issue 8, Performance): the
//! library's render of the synthetic golden path next to `baseline::encode` of that
//! same render, for N = 1,000 and 10,000 skeleton files.
//!
//! The golden path comes from `benches/gen_golden_path.py` (N files, seed 42), written to
//! a temporary directory. Groups, each with `Throughput::Elements(N)`:
//!
//! - `load_resolve_render`: `local_definition` + `GoldenPath::load` +
//!   `resolve_answers` + `render`, the library side of `scaffold new` short of writing;
//! - `baseline_encode`: `baseline::encode` of that render (masking, blob store, zstd),
//!   which is what `new` adds to write `.scaffold/<name>.baseline`;
//! - `baseline_decode`: `baseline::Baseline::decode` of those bytes (hash checks
//!   included), which is what `update` pays to read its base.
//!
//! The ratio encode / load_resolve_render bounds the share of `new` the baseline takes;
//! benches/README.md also gives the whole-process figure. `SCAFFOLD_BENCH_N=1000`
//! limits the sizes. Run with `cargo bench -p scaffold-core --bench baseline`.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use scaffold_core::project::baseline;
use scaffold_core::source::local_definition;
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
        Err(_) => vec![1_000, 10_000],
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

fn bench_baseline(c: &mut Criterion) {
    let tmp = tempfile::tempdir().expect("temporary directory");
    let cases: Vec<(usize, PathBuf)> = sizes()
        .into_iter()
        .map(|n| (n, generate(tmp.path(), n)))
        .collect();

    let configure = |group: &mut criterion::BenchmarkGroup<'_, _>, n: usize| {
        group.throughput(Throughput::Elements(n as u64));
        let (samples, secs) = if n <= 5_000 { (20, 8) } else { (10, 15) };
        group.sample_size(samples);
        group.measurement_time(Duration::from_secs(secs));
        group.warm_up_time(Duration::from_secs(2));
    };

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

    let mut encode = c.benchmark_group("baseline_encode");
    let mut encoded = Vec::new();
    for (n, def) in &cases {
        let gp = GoldenPath::load(&local_definition(def)).expect("golden path loads");
        let answers = answers(&gp);
        let rendered = gp.render(&answers).expect("renders");
        assert_eq!(
            rendered.files.len(),
            *n,
            "one output file per skeleton file"
        );
        let bytes = baseline::encode(&gp, &answers, &rendered);
        let back = baseline::Baseline::decode(&bytes).expect("the baseline decodes");
        assert_eq!(back.origins().len(), *n, "every file has its origin");
        let input: usize = rendered.files.values().map(|f| f.content.len()).sum();
        assert!(
            bytes.len() > back.blob_count(),
            "the baseline holds its blobs"
        );
        assert!(input > 0, "the render has content");
        configure(&mut encode, *n);
        encode.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter(|| black_box(baseline::encode(&gp, &answers, &rendered)));
        });
        encoded.push((*n, bytes));
    }
    encode.finish();

    let mut decode = c.benchmark_group("baseline_decode");
    for (n, bytes) in &encoded {
        configure(&mut decode, *n);
        decode.bench_with_input(BenchmarkId::from_parameter(n), bytes, |b, bytes| {
            b.iter(|| black_box(baseline::Baseline::decode(bytes).expect("decodes")));
        });
    }
    decode.finish();
}

criterion_group!(benches, bench_baseline);
criterion_main!(benches);
