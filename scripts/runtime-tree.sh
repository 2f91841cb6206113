#!/bin/sh
# Builds the gateway's runtime tree into DEST: the compiled code, the templates, package.json and
# the production dependencies only (better-sqlite3 compiled here, for the Node that runs this).
# No sources, tests or dev tools. The Dockerfile's build stage runs it, and test:system runs it and
# starts DEST with the image's command: the two cannot drift apart.
#
#   sh scripts/runtime-tree.sh DEST
set -eu
dest=${1:?usage: runtime-tree.sh DEST}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A clean copy of what the build needs: the checkout's own node_modules and dist/ stay untouched.
cp -R "$root/package.json" "$root/package-lock.json" "$root/tsconfig.json" "$root/tsconfig.build.json" \
  "$root/src" "$root/scripts" "$root/templates" "$work/"
cd "$work"
npm ci --no-audit --no-fund --loglevel=error
npm run build --silent
npm prune --omit=dev --no-audit --no-fund --loglevel=error

mkdir -p "$dest"
cp -R dist templates node_modules package.json "$dest/"
echo "runtime tree ready in $dest (node $(node --version))"
