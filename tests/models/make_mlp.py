#!/usr/bin/python3
"""Writes a larger MLP for benchmarks: 512 -> 1024 -> 1024 -> 10 (ReLU, softmax), random weights.

  input "input" FP32 [batch, 512]; output "probabilities" FP32 [batch, 10]

About 6.4 MB, so it is generated on demand and not committed. Deterministic for a given seed.
Usage: /usr/bin/python3 tests/models/make_mlp.py OUTPUT.onnx [--seed N]
"""

import argparse
import os
import sys

import numpy as np
from onnx import helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx_graph as g  # noqa: E402

LAYERS = [512, 1024, 1024, 10]


def build(seed):
    rng = np.random.default_rng(seed)
    nodes, initializers = [], []
    current = "input"
    for i, (fan_in, fan_out) in enumerate(zip(LAYERS, LAYERS[1:])):
        # He-style scaling keeps activations in a sane range through the layers.
        weights = (rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)).astype(np.float32)
        bias = (rng.standard_normal(fan_out) * 0.01).astype(np.float32)
        initializers += [g.initializer(weights, f"W{i}"), g.initializer(bias, f"B{i}")]
        nodes.append(helper.make_node("MatMul", [current, f"W{i}"], [f"m{i}"]))
        nodes.append(helper.make_node("Add", [f"m{i}", f"B{i}"], [f"a{i}"]))
        last = i == len(LAYERS) - 2
        if not last:
            nodes.append(helper.make_node("Relu", [f"a{i}"], [f"h{i}"]))
            current = f"h{i}"
        else:
            nodes.append(helper.make_node("Softmax", [f"a{i}"], ["probabilities"], axis=1))
    graph = helper.make_graph(
        nodes, "mlp_512_1024_1024_10",
        [g.tensor_input("input", g.FLOAT, ["batch", LAYERS[0]])],
        [g.tensor_input("probabilities", g.FLOAT, ["batch", LAYERS[-1]])],
        initializer=initializers)
    return g.make_model(graph, doc="Benchmark MLP 512-1024-1024-10 with random weights.")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("output")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    digest = g.save(build(args.seed), os.path.abspath(args.output))
    print(f"{args.output}  sha256 {digest}  {os.path.getsize(args.output)} bytes")


if __name__ == "__main__":
    main()
