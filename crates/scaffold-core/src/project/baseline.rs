//! The baseline: a project's pristine render, stored inside the project.
//!
//! `update` needs the exact base of its three-way merge: what the recorded version
//! rendered with the recorded answers. Rendering that version again needs the old
//! template source, the old engine and every answer, secrets included; any of them can
//! be gone. So every project keeps its pristine render beside its answers file, as
//! `.scaffold/<golden-path>.baseline`, and is committed with the project: it survives a
//! fresh clone, an empty cache, a template edited in place or deleted, a deleted tag and
//! a moved repository. The file format is documented in docs/baseline.md.
//!
//! The store is content-addressed by the manifest's own BLAKE3 hashes: each distinct
//! content is held once, whatever the number of paths that have it, and the manifest
//! (path -> hash, mode, policy) says where it goes. Every blob is verified against its
//! hash when read, so a baseline that does not match its manifest is never used.
//!
//! Secret answers are never written to disk: wherever a secret value (a string of at
//! least [`MIN_SECRET_LEN`] bytes) occurs in a rendered file, the stored blob holds a
//! placeholder instead and is marked `masked`. Reading it back substitutes the secret
//! values the caller has (the ones given for this update); a masked blob whose
//! substitution does not reproduce the recorded hash is still used, as the base the
//! recorded version would have rendered with today's secret.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::Read as _;

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::golden_path::render::Rendered;
use crate::golden_path::{Answers, GoldenPath};
use crate::tree::{Bytes, FileMode, hash_bytes};

/// First line of every baseline file.
pub const MAGIC: &[u8] = b"scaffold-baseline 1\n";

/// Secret values shorter than this are not masked (they would match everywhere); the
/// docs tell template authors to keep secrets out of files or long enough.
pub const MIN_SECRET_LEN: usize = 4;

/// zstd level: the fastest of the standard levels; its baselines are 1–2% larger than
/// level 3's (benches/README.md, "Baseline size").
const LEVEL: i32 = 1;

/// zstd worker threads: at least one, so the frame is always made by zstd's
/// multi-threaded streaming compressor, whose output does not depend on the number of
/// workers. A project's baseline is byte for byte the same on a 2-core laptop and a
/// 64-core CI runner, so git shows no change where the content did not change.
fn workers() -> u32 {
    std::thread::available_parallelism().map_or(1, |n| n.get().clamp(1, 8) as u32)
}

/// Largest decompressed baseline accepted (a corrupt or hostile file cannot exhaust
/// memory): 4 GiB.
const MAX_PAYLOAD: u64 = 4 << 30;

/// The placeholder stored for a secret answer's value.
fn placeholder(name: &str) -> String {
    format!("\u{27e6}scaffold-secret:{name}\u{27e7}")
}

/// Where the pristine content of a path comes from (`from` of a skeleton file), kept
/// so that renames can be matched by skeleton source without rendering the old version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    /// The layer (skeleton path as written in the definition).
    pub layer: String,
    /// The skeleton file inside the layer.
    pub source: String,
}

/// The header of the payload (one JSON line).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    /// Blobs in the order their bytes follow the header.
    blobs: Vec<BlobHeader>,
    /// Skeleton origin per path.
    origins: BTreeMap<String, Origin>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BlobHeader {
    /// `blake3:<hex>` of the pristine content (before masking).
    hash: String,
    /// Length of the stored bytes.
    len: u64,
    /// Whether the stored bytes hold secret placeholders.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    masked: bool,
}

/// One stored content.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Blob {
    /// A slice of the decoded payload (or of the masked render), shared, not copied.
    bytes: Bytes,
    masked: bool,
}

/// A decoded baseline: blobs by hash, and the skeleton origin of each path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline {
    blobs: BTreeMap<String, Blob>,
    origins: BTreeMap<String, Origin>,
}

/// Why a stored baseline cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaselineProblem {
    /// The file is not there.
    Missing,
    /// The file does not decode (truncated, not a baseline, bad compression, bad header).
    Corrupt(String),
    /// The file decodes but lacks, or holds different content for, manifest entries.
    Mismatch(Vec<String>),
}

impl std::fmt::Display for BaselineProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BaselineProblem::Missing => write!(f, "the baseline file is missing"),
            BaselineProblem::Corrupt(why) => write!(f, "the baseline file is corrupt: {why}"),
            BaselineProblem::Mismatch(paths) => write!(
                f,
                "the baseline does not match the manifest for {} path(s), e.g. `{}`",
                paths.len(),
                paths.first().map_or("", String::as_str)
            ),
        }
    }
}

impl Baseline {
    /// The baseline of a render. `secrets` are (parameter, value) pairs whose values are
    /// masked in the stored blobs.
    pub fn of(rendered: &Rendered, secrets: &[(String, String)]) -> Baseline {
        let secrets: Vec<(&str, &str)> = secrets
            .iter()
            .filter(|(_, v)| v.len() >= MIN_SECRET_LEN)
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let mut blobs = BTreeMap::new();
        let mut origins = BTreeMap::new();
        for (path, f) in &rendered.files {
            let hash = f.hash.clone();
            blobs.entry(hash).or_insert_with(|| {
                let (bytes, masked) = mask(&f.content, &secrets);
                Blob {
                    bytes: bytes.into(),
                    masked,
                }
            });
            if f.mode != FileMode::Dir {
                origins.insert(
                    path.clone(),
                    Origin {
                        layer: f.layer.clone(),
                        source: f.source.clone(),
                    },
                );
            }
        }
        Baseline { blobs, origins }
    }

    /// Number of distinct contents stored.
    pub fn blob_count(&self) -> usize {
        self.blobs.len()
    }

    /// The skeleton origin of each path.
    pub fn origins(&self) -> &BTreeMap<String, Origin> {
        &self.origins
    }

    /// The pristine content for `hash`, with `secrets` substituted into masked blobs.
    /// `None` when the baseline does not hold it.
    pub fn content(&self, hash: &str, secrets: &[(String, String)]) -> Option<Bytes> {
        let blob = self.blobs.get(hash)?;
        if !blob.masked {
            return Some(blob.bytes.clone());
        }
        Some(unmask(&blob.bytes, secrets).into())
    }

    /// The file's bytes: [`MAGIC`], then one zstd frame holding a JSON header line and
    /// the blobs' bytes in header order. The same render always gives the same bytes.
    pub fn encode(&self) -> Vec<u8> {
        write_frame(
            self.blobs
                .iter()
                .map(|(hash, b)| (hash.as_str(), &b.bytes[..], b.masked)),
            &self.origins,
        )
    }

    /// Decode a baseline file; every unmasked blob is verified against its hash.
    pub fn decode(bytes: &[u8]) -> std::result::Result<Baseline, BaselineProblem> {
        let corrupt = |why: &str| BaselineProblem::Corrupt(why.to_string());
        let body = bytes
            .strip_prefix(MAGIC)
            .ok_or_else(|| corrupt("it does not start with `scaffold-baseline 1`"))?;
        // The frame says how large its content is (the encoder pledges it): read into a
        // buffer of that size rather than one that doubles, copying, as it fills. A
        // hostile frame may claim anything: no more is reserved than 32 times the
        // compressed size (the buffer grows past that if the content really is larger).
        let plausible = (body.len() as u64)
            .saturating_mul(32)
            .saturating_add(1 << 20);
        let expected = zstd::zstd_safe::get_frame_content_size(body)
            .ok()
            .flatten()
            .unwrap_or(0)
            .min(plausible)
            .min(MAX_PAYLOAD);
        let mut payload = Vec::with_capacity(usize::try_from(expected).unwrap_or(0));
        zstd::stream::Decoder::new(body)
            .map_err(|e| BaselineProblem::Corrupt(format!("zstd: {e}")))?
            .take(MAX_PAYLOAD)
            .read_to_end(&mut payload)
            .map_err(|e| BaselineProblem::Corrupt(format!("zstd: {e}")))?;
        let nl = payload
            .iter()
            .position(|b| *b == b'\n')
            .ok_or_else(|| corrupt("no header line"))?;
        let header: Header = serde_json::from_slice(&payload[..nl])
            .map_err(|e| BaselineProblem::Corrupt(format!("header: {e}")))?;
        let payload = Bytes::from(payload);
        let mut at = nl + 1;
        let mut blobs = BTreeMap::new();
        for b in header.blobs {
            let len = usize::try_from(b.len).map_err(|_| corrupt("blob too large"))?;
            let end = at
                .checked_add(len)
                .filter(|e| *e <= payload.len())
                .ok_or_else(|| corrupt("truncated blob data"))?;
            let bytes = payload.slice(at..end);
            at = end;
            if !b.masked && hash_bytes(&bytes) != b.hash {
                return Err(BaselineProblem::Corrupt(format!(
                    "content stored for {} has another hash",
                    b.hash
                )));
            }
            if blobs
                .insert(
                    b.hash.clone(),
                    Blob {
                        bytes,
                        masked: b.masked,
                    },
                )
                .is_some()
            {
                return Err(BaselineProblem::Corrupt(format!(
                    "{} is stored twice",
                    b.hash
                )));
            }
        }
        if at != payload.len() {
            return Err(corrupt("trailing data after the last blob"));
        }
        Ok(Baseline {
            blobs,
            origins: header.origins,
        })
    }

    /// Paths of `manifest` whose content the baseline lacks.
    pub fn missing<'a>(
        &self,
        manifest: impl IntoIterator<Item = (&'a String, &'a str)>,
    ) -> Vec<String> {
        manifest
            .into_iter()
            .filter(|(_, hash)| !self.blobs.contains_key(*hash))
            .map(|(p, _)| p.clone())
            .collect()
    }
}

/// Replace every secret value by its placeholder.
fn mask(content: &[u8], secrets: &[(&str, &str)]) -> (Vec<u8>, bool) {
    let mut bytes = content.to_vec();
    let mut masked = false;
    for (name, value) in secrets {
        if let Some(replaced) = replace_all(&bytes, value.as_bytes(), placeholder(name).as_bytes())
        {
            bytes = replaced;
            masked = true;
        }
    }
    (bytes, masked)
}

/// [`mask`] without a copy when no secret occurs.
fn mask_borrowed<'a>(content: &'a [u8], secrets: &[(&str, &str)]) -> (Cow<'a, [u8]>, bool) {
    if secrets.is_empty() {
        return (Cow::Borrowed(content), false);
    }
    let (bytes, masked) = mask(content, secrets);
    if masked {
        (Cow::Owned(bytes), true)
    } else {
        (Cow::Borrowed(content), false)
    }
}

fn unmask(bytes: &[u8], secrets: &[(String, String)]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for (name, value) in secrets {
        if let Some(r) = replace_all(&out, placeholder(name).as_bytes(), value.as_bytes()) {
            out = r;
        }
    }
    out
}

/// `haystack` with every `needle` replaced, or `None` when there is none.
fn replace_all(haystack: &[u8], needle: &[u8], with: &[u8]) -> Option<Vec<u8>> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    let mut out = Vec::with_capacity(haystack.len());
    let mut i = 0;
    let mut found = false;
    while i < haystack.len() {
        if haystack[i..].starts_with(needle) {
            out.extend_from_slice(with);
            i += needle.len();
            found = true;
        } else {
            out.push(haystack[i]);
            i += 1;
        }
    }
    found.then_some(out)
}

/// The secret answers of a render: (parameter, value) for every secret parameter
/// answered with a string.
pub fn secret_values(gp: &GoldenPath, answers: &Answers) -> Vec<(String, String)> {
    gp.parameters()
        .secrets()
        .into_iter()
        .filter_map(|k| {
            let v = answers.values.get(&k)?.as_str()?.to_string();
            Some((k, v))
        })
        .collect()
}

/// The baseline file's bytes for a render of `gp` with `answers`: the same bytes as
/// `Baseline::of(rendered, secrets).encode()`, without copying the render's content
/// (only blobs that hold a secret are copied, to mask them) and with the contents
/// hashed in parallel.
pub fn encode(gp: &GoldenPath, answers: &Answers, rendered: &Rendered) -> Vec<u8> {
    encode_render(rendered, &secret_values(gp, answers))
}

fn encode_render(rendered: &Rendered, secrets: &[(String, String)]) -> Vec<u8> {
    let secrets: Vec<(&str, &str)> = secrets
        .iter()
        .filter(|(_, v)| v.len() >= MIN_SECRET_LEN)
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let files: Vec<(&String, &crate::golden_path::render::RenderedFile)> =
        rendered.files.iter().collect();
    let mut blobs: BTreeMap<&str, (Cow<'_, [u8]>, bool)> = BTreeMap::new();
    let mut origins = BTreeMap::new();
    for (path, f) in &files {
        let hash = &f.hash;
        blobs
            .entry(hash.as_str())
            .or_insert_with(|| mask_borrowed(&f.content, &secrets));
        if f.mode != FileMode::Dir {
            origins.insert(
                (*path).clone(),
                Origin {
                    layer: f.layer.clone(),
                    source: f.source.clone(),
                },
            );
        }
    }
    write_frame(
        blobs
            .iter()
            .map(|(hash, (bytes, masked))| (*hash, bytes.as_ref(), *masked)),
        &origins,
    )
}

/// [`MAGIC`] and one zstd frame of the header line and the blobs `(hash, bytes,
/// masked)`, in the order given (ascending hash), streamed into the compressor.
fn write_frame<'a>(
    blobs: impl Iterator<Item = (&'a str, &'a [u8], bool)> + Clone,
    origins: &BTreeMap<String, Origin>,
) -> Vec<u8> {
    write_frame_with(blobs, origins, workers())
}

/// [`write_frame`] with `workers` zstd threads (at least one).
fn write_frame_with<'a>(
    blobs: impl Iterator<Item = (&'a str, &'a [u8], bool)> + Clone,
    origins: &BTreeMap<String, Origin>,
    workers: u32,
) -> Vec<u8> {
    let header = Header {
        blobs: blobs
            .clone()
            .map(|(hash, bytes, masked)| BlobHeader {
                hash: hash.to_string(),
                len: bytes.len() as u64,
                masked,
            })
            .collect(),
        origins: origins.clone(),
    };
    let mut head = serde_json::to_vec(&header).expect("baseline header serializes");
    head.push(b'\n');
    let payload_len = head.len() + blobs.clone().map(|(_, b, _)| b.len()).sum::<usize>();
    // Room for the worst case up front: the output never moves while it grows (pages
    // that are reserved but not written cost nothing).
    let mut out =
        Vec::with_capacity(MAGIC.len() + zstd::zstd_safe::compress_bound(payload_len) + 64);
    out.extend_from_slice(MAGIC);
    let mut encoder = zstd::stream::Encoder::new(&mut out, LEVEL).expect("zstd encoder in memory");
    encoder
        .include_checksum(true)
        .expect("zstd checksum flag is supported");
    encoder
        .multithread(workers.max(1))
        .expect("zstd is built with multi-threading (the zstdmt feature)");
    encoder
        .set_pledged_src_size(Some(payload_len as u64))
        .expect("zstd pledged size");
    std::io::Write::write_all(&mut encoder, &head).expect("zstd writes to memory");
    for (_, bytes, _) in blobs {
        std::io::Write::write_all(&mut encoder, bytes).expect("zstd writes to memory");
    }
    encoder.finish().expect("zstd finishes in memory");
    out
}

/// Read and decode the baseline at `path`.
pub fn read(path: &std::path::Path) -> std::result::Result<Baseline, BaselineProblem> {
    match std::fs::read(path) {
        Ok(bytes) => Baseline::decode(&bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(BaselineProblem::Missing),
        Err(e) => Err(BaselineProblem::Corrupt(format!("cannot read it: {e}"))),
    }
}

/// The error for a baseline that cannot be used.
pub fn unusable(file: &str, problem: BaselineProblem) -> Error {
    Error::BaselineUnavailable {
        file: file.to_string(),
        problem: problem.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::golden_path::render::RenderedFile;

    fn rendered(files: &[(&str, &[u8])]) -> Rendered {
        let mut r = Rendered::default();
        for (p, c) in files {
            r.files.insert(
                p.to_string(),
                RenderedFile {
                    content: crate::tree::Bytes::copy_from_slice(c),
                    hash: hash_bytes(c),
                    mode: FileMode::File,
                    layer: "skeleton".into(),
                    source: format!("{p}.tera"),
                    templated: true,
                },
            );
        }
        r
    }

    #[test]
    fn round_trip_dedupes_and_is_deterministic() {
        let r = rendered(&[("a", b"same\n"), ("b", b"same\n"), ("c", b"other\n")]);
        let b = Baseline::of(&r, &[]);
        assert_eq!(b.blob_count(), 2);
        let bytes = b.encode();
        assert_eq!(bytes, Baseline::of(&r, &[]).encode());
        let back = Baseline::decode(&bytes).unwrap();
        assert_eq!(back, b);
        assert_eq!(
            &back.content(&hash_bytes(b"other\n"), &[]).unwrap()[..],
            b"other\n"
        );
        assert_eq!(back.origins()["a"].source, "a.tera");
    }

    #[test]
    fn secrets_never_stored_and_substituted_back() {
        let r = rendered(&[(".env", b"TOKEN=hunter2-secret\nOTHER=1\n")]);
        let secrets = vec![("token".to_string(), "hunter2-secret".to_string())];
        let bytes = Baseline::of(&r, &secrets).encode();
        let mut plain = Vec::new();
        zstd::stream::copy_decode(&bytes[MAGIC.len()..], &mut plain).unwrap();
        assert!(!plain.windows(7).any(|w| w == b"hunter2"));
        let back = Baseline::decode(&bytes).unwrap();
        let h = hash_bytes(b"TOKEN=hunter2-secret\nOTHER=1\n");
        assert_eq!(
            &back.content(&h, &secrets).unwrap()[..],
            b"TOKEN=hunter2-secret\nOTHER=1\n"
        );
        let other = vec![("token".to_string(), "new-value".to_string())];
        assert_eq!(
            &back.content(&h, &other).unwrap()[..],
            b"TOKEN=new-value\nOTHER=1\n"
        );
    }

    #[test]
    fn streaming_encode_matches_the_baseline_encode() {
        let r = rendered(&[
            ("a", b"same\n"),
            ("b", b"same\n"),
            (".env", b"TOKEN=hunter2-secret\n"),
            ("c", b"other\n"),
        ]);
        let secrets = vec![("token".to_string(), "hunter2-secret".to_string())];
        for s in [&secrets[..], &[]] {
            let streamed = encode_render(&r, s);
            assert_eq!(streamed, Baseline::of(&r, s).encode());
            let back = Baseline::decode(&streamed).unwrap();
            assert_eq!(back, Baseline::of(&r, s));
        }
        assert_ne!(encode_render(&r, &secrets), encode_render(&r, &[]));
    }

    /// Several zstd jobs' worth of varied text: the frame is the same with 1, 2 and 5
    /// workers, and decodes to the input.
    #[test]
    fn frame_bytes_do_not_depend_on_the_number_of_workers() {
        let mut big = String::new();
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        while big.len() < 6 << 20 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            big.push_str(&format!("line {} value {:x}\n", x % 977, x >> 40));
        }
        let hash = hash_bytes(big.as_bytes());
        let blobs = [(hash.as_str(), big.as_bytes(), false)];
        let origins = BTreeMap::new();
        let one = write_frame_with(blobs.iter().copied(), &origins, 1);
        for workers in [2, 5] {
            assert!(
                write_frame_with(blobs.iter().copied(), &origins, workers) == one,
                "{workers} workers gave other bytes than 1"
            );
        }
        let back = Baseline::decode(&one).unwrap();
        assert_eq!(&back.content(&hash, &[]).unwrap()[..], big.as_bytes());
    }

    #[test]
    fn corruption_is_detected() {
        let r = rendered(&[("a", b"content one\n"), ("b", b"content two\n")]);
        let bytes = Baseline::of(&r, &[]).encode();
        for cut in [0, MAGIC.len(), MAGIC.len() + 5, bytes.len() - 1] {
            assert!(
                matches!(
                    Baseline::decode(&bytes[..cut]),
                    Err(BaselineProblem::Corrupt(_))
                ),
                "truncated at {cut}"
            );
        }
        let mut flipped = bytes.clone();
        let last = flipped.len() - 6;
        flipped[last] ^= 0x40;
        assert!(Baseline::decode(&flipped).is_err());
        assert!(matches!(
            read(std::path::Path::new("/nonexistent/x.baseline")),
            Err(BaselineProblem::Missing)
        ));
    }
}
