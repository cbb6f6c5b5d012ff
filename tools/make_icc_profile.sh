#!/usr/bin/env bash
# Build the CMYK output profile fichepress embeds in print PDFs (PDF/X output intent).
#
# Source data: FOGRA39L.ti3, the FOGRA39 characterisation data set (offset printing, ISO
# 12647-2:2004/Amd 1, paper type 1 or 2, coated) as packaged by Debian's icc-profiles-free
# (Kai-Uwe Behrmann, Zlib licence). ArgyllCMS `colprof` turns it into an ICC profile.
#   -ql  low quality tables, -nc  without the measurement data: 28 kB instead of 155-250 kB,
#        which keeps every print PDF small and fast to write.
# Needs: apt-get install argyll icc-profiles-free
set -euo pipefail
cd "$(dirname "$0")/.."
out=src/fichepress/data
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp /usr/share/color/icc/FOGRA39L.ti3 "$work/FOGRA39L-fichepress.ti3"
colprof -ql -nc \
    -D "FOGRA39L coated (fichepress, from icc-profiles-free)" \
    -C "Built with ArgyllCMS colprof from FOGRA39L.ti3 (c) Kai-Uwe Behrmann, Zlib licence" \
    "$work/FOGRA39L-fichepress"
cp "$work/FOGRA39L-fichepress.icc" "$out/FOGRA39L-fichepress.icc"
ls -l "$out/FOGRA39L-fichepress.icc"
