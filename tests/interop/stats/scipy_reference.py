"""Reference values for the experiment statistics, computed with numpy and scipy from the raw samples.

Reads a JSON document on stdin:
  {"numbers": [{"control": [..], "group": [..]}, ..],
   "booleans": [{"control": [0/1, ..], "group": [..]}, ..],
   "ratios": [{"assigned": [..], "weights": [..]}, ..],
   "special": {"beta": [[a, b, x], ..], "gamma": [[a, x], ..], "t": [[t, df], ..]}}
and writes the same structure with the computed values on stdout.
"""
import json
import sys

import numpy as np
from scipy import special, stats

Z = stats.norm.ppf(0.975)


def delta_lift(mc, vc, mg, vg):
    lift = (mg - mc) / mc
    se = np.sqrt(vg / mc**2 + mg**2 * vc / mc**4)
    return [lift, lift - Z * se, lift + Z * se]


def numbers(case):
    c = np.asarray(case["control"], dtype=float)
    g = np.asarray(case["group"], dtype=float)
    welch = stats.ttest_ind(g, c, equal_var=False)
    vc = c.var(ddof=1) / len(c)
    vg = g.var(ddof=1) / len(g)
    df = (vc + vg) ** 2 / (vc**2 / (len(c) - 1) + vg**2 / (len(g) - 1))
    diff = g.mean() - c.mean()
    half = stats.t.ppf(0.975, df) * np.sqrt(vc + vg)
    groups = []
    for sample in (c, g):
        low, high = stats.t.interval(0.95, len(sample) - 1, loc=sample.mean(), scale=stats.sem(sample))
        groups.append([sample.mean(), low, high])
    return {
        "groups": groups,
        "difference": [diff, diff - half, diff + half],
        "lift": delta_lift(c.mean(), vc, g.mean(), vg),
        "p": float(welch.pvalue),
        "df": df,
    }


def booleans(case):
    c = np.asarray(case["control"], dtype=int)
    g = np.asarray(case["group"], dtype=int)
    table = [[g.sum(), len(g) - g.sum()], [c.sum(), len(c) - c.sum()]]
    # Pearson's chi-square on the 2x2 table without continuity correction is the pooled two-proportion z-test squared.
    _, p, _, _ = stats.chi2_contingency(table, correction=False)
    pc, pg = c.mean(), g.mean()
    vc, vg = pc * (1 - pc) / len(c), pg * (1 - pg) / len(g)
    half = Z * np.sqrt(vc + vg)
    groups = []
    for sample in (c, g):
        ci = stats.binomtest(int(sample.sum()), len(sample)).proportion_ci(confidence_level=0.95, method="wilson")
        groups.append([sample.mean(), ci.low, ci.high])
    return {
        "groups": groups,
        "difference": [pg - pc, pg - pc - half, pg - pc + half],
        "lift": delta_lift(pc, vc, pg, vg),
        "p": float(p),
    }


def ratio(case):
    observed = np.asarray(case["assigned"], dtype=float)
    weights = np.asarray(case["weights"], dtype=float)
    expected = observed.sum() * weights / weights.sum()
    result = stats.chisquare(observed, expected)
    return {"chi": float(result.statistic), "p": float(result.pvalue)}


def main():
    data = json.load(sys.stdin)
    special_in = data.get("special", {})
    out = {
        "numbers": [numbers(c) for c in data.get("numbers", [])],
        "booleans": [booleans(c) for c in data.get("booleans", [])],
        "ratios": [ratio(c) for c in data.get("ratios", [])],
        "special": {
            "beta": [float(special.betainc(a, b, x)) for a, b, x in special_in.get("beta", [])],
            "gamma": [float(special.gammaincc(a, x)) for a, x in special_in.get("gamma", [])],
            "t": [float(2 * stats.t.sf(abs(t), df)) for t, df in special_in.get("t", [])],
            "tcrit": [float(stats.t.ppf(0.975, df)) for _, df in special_in.get("t", [])],
        },
    }
    json.dump(out, sys.stdout, default=float)


if __name__ == "__main__":
    main()
