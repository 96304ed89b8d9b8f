#!/usr/bin/env bash
# Re-vendor Bootstrap and htmx from their npm packages (no CDN at run time).
#
#   static/vendor/update.sh [BOOTSTRAP_VERSION] [HTMX_VERSION]
#   static/vendor/update.sh 5.3.9 2.0.11
#
# Downloads the npm tarballs with `npm pack`, checks each against the integrity the
# registry publishes (`npm view PKG@VER dist.integrity`), copies the few files the portal
# serves into static/vendor/<name>-<version>/ and rewrites static/vendor/VERSIONS.md.
# Never run by the build. After a version change, update the paths in templates/base.html
# and delete the old directories.
set -euo pipefail

BOOTSTRAP_VERSION="${1:-5.3.9}"
HTMX_VERSION="${2:-2.0.11}"

VENDOR_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

fetch() {  # fetch PACKAGE VERSION -> prints the verified integrity; unpacks into $WORK/PACKAGE
    local pkg="$1" ver="$2" tarball expected actual
    (cd "$WORK" && npm pack --silent "${pkg}@${ver}" >/dev/null)
    tarball="$WORK/${pkg}-${ver}.tgz"
    expected="$(npm view "${pkg}@${ver}" dist.integrity)"
    actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 | tr -d '\n')"
    if [[ "$expected" != "$actual" ]]; then
        echo "integrity mismatch for ${pkg}@${ver}: registry says $expected, tarball is $actual" >&2
        exit 1
    fi
    mkdir -p "$WORK/$pkg"
    tar -xzf "$tarball" -C "$WORK/$pkg"
    echo "$expected"
}

BOOTSTRAP_INTEGRITY="$(fetch bootstrap "$BOOTSTRAP_VERSION")"
HTMX_INTEGRITY="$(fetch htmx.org "$HTMX_VERSION")"

BS_SRC="$WORK/bootstrap/package"
BS_DST="$VENDOR_DIR/bootstrap-$BOOTSTRAP_VERSION"
rm -rf "$BS_DST"
mkdir -p "$BS_DST/css" "$BS_DST/js"
cp "$BS_SRC/dist/css/bootstrap.min.css" "$BS_SRC/dist/css/bootstrap.min.css.map" "$BS_DST/css/"
cp "$BS_SRC/dist/js/bootstrap.bundle.min.js" "$BS_SRC/dist/js/bootstrap.bundle.min.js.map" "$BS_DST/js/"
cp "$BS_SRC/LICENSE" "$BS_DST/LICENSE"

HX_SRC="$WORK/htmx.org/package"
HX_DST="$VENDOR_DIR/htmx-$HTMX_VERSION"
rm -rf "$HX_DST"
mkdir -p "$HX_DST"
cp "$HX_SRC/dist/htmx.min.js" "$HX_DST/"
cp "$HX_SRC/LICENSE" "$HX_DST/LICENSE"

cat > "$VENDOR_DIR/VERSIONS.md" <<MD
# Vendored front-end packages

Copied from the npm registry tarballs by \`static/vendor/update.sh\` (never run by the build).
Each tarball was checked against the registry's published integrity before copying.
No CDN is used: the strict CSP only allows scripts and styles from this site.

| Package | Version | npm tarball integrity |
| --- | --- | --- |
| \`bootstrap\` | $BOOTSTRAP_VERSION | \`$BOOTSTRAP_INTEGRITY\` |
| \`htmx.org\` | $HTMX_VERSION | \`$HTMX_INTEGRITY\` |

## Files copied

\`bootstrap@$BOOTSTRAP_VERSION\` → \`static/vendor/bootstrap-$BOOTSTRAP_VERSION/\`

- \`package/dist/css/bootstrap.min.css\` → \`css/bootstrap.min.css\`
- \`package/dist/css/bootstrap.min.css.map\` → \`css/bootstrap.min.css.map\`
- \`package/dist/js/bootstrap.bundle.min.js\` → \`js/bootstrap.bundle.min.js\` (includes Popper)
- \`package/dist/js/bootstrap.bundle.min.js.map\` → \`js/bootstrap.bundle.min.js.map\`
- \`package/LICENSE\` → \`LICENSE\` (MIT)

\`htmx.org@$HTMX_VERSION\` → \`static/vendor/htmx-$HTMX_VERSION/\`

- \`package/dist/htmx.min.js\` → \`htmx.min.js\`
- \`package/LICENSE\` → \`LICENSE\` (0BSD)

## Updating

    static/vendor/update.sh BOOTSTRAP_VERSION HTMX_VERSION

then change the paths in \`templates/base.html\`, delete the old directories, and check
the pages (htmx's config meta tag in \`base.html\` keeps it from injecting a <style>).
MD

echo "Vendored bootstrap@$BOOTSTRAP_VERSION and htmx.org@$HTMX_VERSION into $VENDOR_DIR"
