#!/usr/bin/env python3
"""Build samples/digits.csv, the built-in 8x8 handwritten digits sample.

Source: `sklearn/datasets/data/digits.csv.gz` in the scikit-learn 1.9.1 wheel
(BSD-3-Clause, Copyright (c) 2007-2026 The scikit-learn developers), which is a
copy of the test set (`optdigits.tes`) of the UCI "Optical Recognition of
Handwritten Digits" data set by E. Alpaydin and C. Kaynak (Bogazici University,
1998). See samples/README.md for the attribution.

Fetch the wheel (PyPI only; any platform's wheel holds the same file) and run,
from the repository root:

    pip download scikit-learn==1.9.1 --no-deps --only-binary=:all: -d /tmp/skl
    python3 samples/make_digits.py /tmp/skl/scikit_learn-1.9.1-*.whl

The argument may also be the extracted `digits.csv.gz` itself.

What it writes: a header `label,p0,p1,...,p63`, then one row per image,
`label,p0,...,p63`: the digit 0..9 first, then the 64 pixel counts 0..16 of the
8x8 image in row-major order (p0..p7 is the top row). 1,797 rows in the source's
order. The script checks the SHA-256 of the decompressed source, so the output
is reproducible byte for byte.
"""

import gzip
import hashlib
import sys
import zipfile
from collections import Counter
from pathlib import Path

MEMBER = 'sklearn/datasets/data/digits.csv.gz'
# SHA-256 of the decompressed digits.csv (1,797 lines: 64 pixels, then the label).
SOURCE_SHA256 = '6ebb3d2fee246a4e99363262ddf8a00a3c41bee6014c373ed9d9216ba7f651b8'
ROWS = 1797
PIXELS = 64


def read_source(path):
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as wheel:
            packed = wheel.read(MEMBER)
    else:
        packed = path.read_bytes()
    data = gzip.decompress(packed)
    digest = hashlib.sha256(data).hexdigest()
    if digest != SOURCE_SHA256:
        sys.exit(f'{path}: unexpected SHA-256 {digest} of digits.csv; expected the file of scikit-learn 1.9.1')
    return data.decode('ascii')


def parse(text):
    rows = []
    for n, line in enumerate(text.splitlines(), 1):
        values = [int(v) for v in line.split(',')]
        if len(values) != PIXELS + 1:
            sys.exit(f'line {n}: {len(values)} values, expected {PIXELS + 1}')
        *pixels, label = values
        if not 0 <= label <= 9 or not all(0 <= p <= 16 for p in pixels):
            sys.exit(f'line {n}: value out of range')
        rows.append((label, pixels))
    if len(rows) != ROWS:
        sys.exit(f'{len(rows)} rows, expected {ROWS}')
    return rows


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit('usage: make_digits.py SCIKIT_LEARN_WHEEL|digits.csv.gz [OUTPUT.csv]')
    src = Path(sys.argv[1])
    out = Path(sys.argv[2]) if len(sys.argv) == 3 else Path(__file__).resolve().parent / 'digits.csv'
    rows = parse(read_source(src))
    header = 'label,' + ','.join(f'p{i}' for i in range(PIXELS))
    lines = [header] + [','.join(map(str, [label] + pixels)) for label, pixels in rows]
    out.write_text('\n'.join(lines) + '\n', encoding='ascii')
    counts = dict(sorted(Counter(label for label, _ in rows).items()))
    print(f'{out}: {len(rows)} rows {counts}, {out.stat().st_size} bytes')


if __name__ == '__main__':
    main()
