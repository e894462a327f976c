#!/usr/bin/env bash
# The test command behind `npm test`: type check, lint and format check (biome), the import-cycle check (madge), then
# unit and integration tests in one run of Node's test runner (files one at a time: integration files start their
# own Redis and processes on free ports).
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc -p tsconfig.json --noEmit
npm run -s lint
shopt -s nullglob
files=(shared/test/*.test.ts bench/test/*.test.ts services/*/test/*.test.ts deploy/test/*.test.ts integration-tests/*.test.ts)
reporters=(--test-reporter=spec --test-reporter-destination=stdout)
if [ -n "${TEST_TAP_FILE:-}" ]; then reporters+=(--test-reporter=tap "--test-reporter-destination=$TEST_TAP_FILE"); fi
exec node --import tsx --test --test-concurrency=1 --test-timeout=180000 "${reporters[@]}" "${files[@]}"
