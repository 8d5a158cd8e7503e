#!/bin/sh
# Builds the filegate binary the way the image does, and installs it into OUT_DIR.
# Used by docker/Dockerfile (`RUN docker/build.sh /out`) and by the multi-replica test
# (tests/it/nginx.rs), so the test runs what the image ships.
#   FILEGATE_BUILD_PROFILE  cargo profile (default release; the test uses dev to reuse its build)
#   CARGO_TARGET_DIR        cargo's target directory (default ./target)
set -eu
out="${1:?usage: docker/build.sh OUT_DIR}"
cd "$(dirname "$0")/.."
profile="${FILEGATE_BUILD_PROFILE:-release}"
target="${CARGO_TARGET_DIR:-target}"
case "$profile" in
  dev) dir=debug ;;
  *) dir="$profile" ;;
esac
# FILEGATE_BUILD_ARGS: extra cargo arguments (the test adds its own test target, so the build
# resolves features exactly as `cargo test` did and finds everything fresh).
# shellcheck disable=SC2086
"${CARGO:-cargo}" build --locked --profile "$profile" --bin filegate ${FILEGATE_BUILD_ARGS:-}
mkdir -p "$out"
cp "$target/$dir/filegate" "$out/filegate.tmp"
chmod 0755 "$out/filegate.tmp"
mv "$out/filegate.tmp" "$out/filegate"
"$out/filegate" --version
