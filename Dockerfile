# syntax=docker/dockerfile:1
# The scaffold image: a static (musl) scaffold binary on distroless/static, run as
# the distroless "nonroot" user. Git sources need no git program: libgit2, libssh2
# and OpenSSL are linked into the binary, and the image carries the CA certificates.
# Built and pushed by .github/workflows/release.yml (docs/image.md); build it yourself
# from the repository root with `docker build -t scaffold .`.

FROM rust:1.95-alpine3.22 AS build
# musl and a static OpenSSL for git2's https transport; libgit2, libssh2, zlib-ng (with
# cmake) and zstd are compiled from the crates' vendored sources.
RUN apk add --no-cache musl-dev=~1.2 openssl-dev=~3.5 openssl-libs-static=~3.5 pkgconf=~2.4 cmake=~3.31 make=~4.4
ENV OPENSSL_STATIC=1
WORKDIR /src
COPY . .
# The registry and the target directory are build caches, kept between builds.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p scaffold-cli && \
    install -D target/release/scaffold /out/scaffold

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/scaffold /usr/local/bin/scaffold
# The git cache lives under the user's cache directory unless SCAFFOLD_CACHE_DIR says
# otherwise; /tmp is writable for any user id (the action runs as the runner's).
ENV SCAFFOLD_CACHE_DIR=/tmp/scaffold-cache
# 65532 is distroless's "nonroot" (numeric, so Kubernetes can verify runAsNonRoot).
USER 65532:65532
WORKDIR /src
ENTRYPOINT ["/usr/local/bin/scaffold"]
CMD ["--help"]
