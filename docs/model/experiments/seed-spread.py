#!/usr/bin/env python3
"""Stop 56: how far a cross-validation figure moves between seeds of one recipe, per corpus.

Reads the committed `cv` reports (docs/model/cross-validation-*.md) of recipes run over three seeds and prints, per
figure and corpus column, the sd over seeds for each recipe, their median, and what a mean of three paired seeds can
resolve (2 sd of the mean difference, seeds taken as independent). Usage: python3 seed-spread.py [docs/model]
"""
import re, statistics as st, sys, os

folder = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
# Recipes with three seeds, each a different set of nets (stop 51's gate and stop 52's share are the same nets).
recipes = {
    "stop 23": ["stop23-seed1", "stop23-seed2", "stop23-seed3"],
    "stop 28": ["stop28-seed1", "stop28-seed2", "stop28-seed3"],
    "stop 47 blend": ["stop47-blend-seed1", "stop47-blend-seed2", "stop47-blend-seed3"],
    "stop 47 session shift": ["stop47-session-shift-seed1", "stop47-session-shift-seed2", "stop47-session-shift-seed3"],
    "stop 52 (shipped)": ["stop52-settled035-seed1", "stop52-settled035-seed2", "stop52-settled035-seed3"],
}
lines = ["clip/g711", "clip/g722", "clip/opus8", "clip/gsm", "clip/babble10", "clip/babble20", "clip/level-20",
         "clip/loss5", "clip/reverb", "clip/phone-mix"]
row = re.compile(r"\| ([a-z0-9/\-]+) \| [^|]+ \| ([0-9.]+) \| [^|]+ \| ([0-9.]+) \| ([0-9.]+) \| ([0-9.]+) \|")


def parse(name):
    rows = {}
    with open(os.path.join(folder, f"cross-validation-{name}.md"), encoding="utf-8") as f:
        for line in f:
            m = row.match(line)
            if m:
                rows[m.group(1)] = (float(m.group(2)), float(m.group(4)), float(m.group(5)))  # pooled, RAVDESS, TESS
    return rows


reports = {r: [parse(n) for n in names] for r, names in recipes.items()}
for figure in ["clip", "streaming", "sessions", "conditions' mean"]:
    for column, label in enumerate(["pooled", "RAVDESS", "TESS"]):
        sds = []
        for runs in reports.values():
            values = [st.mean(r[l][column] for l in lines) if figure == "conditions' mean" else r[figure][column] for r in runs]
            sds.append(st.stdev(values))
        median = st.median(sds)
        resolve = 2 * median * 2 ** 0.5 / 3 ** 0.5
        print(f"{figure:17} {label:8} sd over seeds {' '.join(f'{s:.3f}' for s in sds)}  median {median:.3f}  "
              f"a mean of 3 paired seeds resolves ~{resolve:.3f}")

# The same by fold group, from the committed fold confusions (docs/model/folds): folds 3-5 hold only RAVDESS actors,
# folds 1-2 hold eight RAVDESS actors and the two TESS voices.
import json

sets = ["stop46-shipped-80x1", "stop46-blend", "stop51-gate05-notemp", "stop52-settled035"]


def macro_f1(m):
    total = 0.0
    for c in range(7):
        tp = m[c][c]
        fp = sum(m[r][c] for r in range(7)) - tp
        fn = sum(m[c]) - tp
        total += 0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)
    return total / 7


def group_figure(path, folds, key):
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    summed = None
    for fold in data["folds"]:
        if fold["number"] in folds:
            m = fold["confusion"][key]
            summed = m if summed is None else [[a + b for a, b in zip(r1, r2)] for r1, r2 in zip(summed, m)]
    return macro_f1(summed)


print()
for folds, label in [((3, 4, 5), "folds 3-5"), ((1, 2), "folds 1-2")]:
    for figure in ["clip", "streaming", "sessions", "conditions' mean"]:
        sds = []
        for name in sets:
            values = []
            for seed in (1, 2, 3):
                path = os.path.join(folder, "folds", f"{name}-seed{seed}.json")
                values.append(st.mean(group_figure(path, folds, l) for l in lines) if figure == "conditions' mean"
                              else group_figure(path, folds, figure))
            sds.append(st.stdev(values))
        print(f"{label:9} {figure:17} sd over seeds {' '.join(f'{s:.3f}' for s in sds)}  median {st.median(sds):.3f}")
