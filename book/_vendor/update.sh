#!/usr/bin/env bash
# Re-vendor MathJax 3 from the npm registry so the site renders math with no network.
# Usage: bash book/_vendor/update.sh   (needs npm; writes book/_vendor/mathjax/)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
version="${MATHJAX_VERSION:-3.2.2}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "mathjax@${version}" >/dev/null && tar xzf mathjax-*.tgz)
src="$tmp/package/es5"
rm -rf "$here/mathjax"
mkdir -p "$here/mathjax/output/chtml/fonts" "$here/mathjax/input/tex"
cp "$src/tex-chtml.js" "$here/mathjax/"
cp -r "$src/output/chtml/fonts/woff-v2" "$here/mathjax/output/chtml/fonts/"
cp -r "$src/input/tex/extensions" "$here/mathjax/input/tex/"
cp -r "$src/ui" "$here/mathjax/"
mkdir -p "$here/mathjax/a11y" && cp "$src/a11y/assistive-mml.js" "$here/mathjax/a11y/"
cp "$tmp/package/LICENSE" "$here/mathjax/LICENSE"
echo "mathjax@${version}" > "$here/mathjax/VERSION"
echo "vendored mathjax@${version} into $here/mathjax"
