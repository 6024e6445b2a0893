#!/usr/bin/env bash
# Seeds the fuzz corpora from the matrices and test fixtures of the repository.
set -euo pipefail
cd "$(dirname "$0")"
for target in parse check render diff; do mkdir -p "corpus/$target"; done
for file in ../matrices/*.srm ../matrices/baselines/*.srm ../tests/fixtures/*/*.srm; do
  for target in parse check render; do cp "$file" "corpus/$target/"; done
done
# The diff target reads two versions separated by a 0xFF byte.
{ cat ../tests/fixtures/diff/v1.srm; printf '\xff'; cat ../tests/fixtures/diff/v2.srm; } > corpus/diff/v1-v2
cp ../tests/fixtures/ok/minimal.srm corpus/diff/
