#!/usr/bin/python3
"""Writes the tiny fixture models the binding tests load (tests/models/fixtures/*.onnx).

  identity_<type>.onnx  Identity of "x" -> "y", [batch, 3], one per tensor element type OIP v2 carries
  symbolic_dims.onnx    "a" FP32 [batch, <unnamed>, 4] + "b" FP32 [4] -> "sum"; shows named and unnamed
                        dynamic dimensions
  add_two.onnx          "a" + "b", both FP32 [n, m] with independent symbols, so a call with shapes
                        that cannot broadcast passes the input checks and fails inside Run
  count_loop.onnx       "y" = "x" + "trip" by a Loop adding 1 "trip" times: a Run as long as the
                        caller wants (tests that need inferences to stay in flight)

Deterministic: rerunning rewrites byte-identical files (SHA256SUMS beside them).
Usage: /usr/bin/python3 tests/models/make_fixtures.py
"""

import os
import sys

from onnx import TensorProto, helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx_graph as g  # noqa: E402

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")

ELEMENT_TYPES = {
    "float": TensorProto.FLOAT,
    "double": TensorProto.DOUBLE,
    "float16": TensorProto.FLOAT16,
    "bfloat16": TensorProto.BFLOAT16,
    "int8": TensorProto.INT8,
    "int16": TensorProto.INT16,
    "int32": TensorProto.INT32,
    "int64": TensorProto.INT64,
    "uint8": TensorProto.UINT8,
    "uint16": TensorProto.UINT16,
    "uint32": TensorProto.UINT32,
    "uint64": TensorProto.UINT64,
    "bool": TensorProto.BOOL,
    "string": TensorProto.STRING,
}


def identity(name, elem_type):
    graph = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["y"])],
        f"identity_{name}",
        [g.tensor_input("x", elem_type, ["batch", 3])],
        [g.tensor_input("y", elem_type, ["batch", 3])],
    )
    return g.make_model(graph, doc=f"Identity of a {name} tensor.")


def symbolic_dims():
    graph = helper.make_graph(
        [helper.make_node("Add", ["a", "b"], ["sum"])],
        "symbolic_dims",
        [g.tensor_input("a", g.FLOAT, ["batch", None, 4]), g.tensor_input("b", g.FLOAT, [4])],
        [g.tensor_input("sum", g.FLOAT, ["batch", None, 4])],
    )
    return g.make_model(graph, doc="Named and unnamed dynamic dimensions.")


def add_two():
    graph = helper.make_graph(
        [helper.make_node("Add", ["a", "b"], ["sum"])],
        "add_two",
        [g.tensor_input("a", g.FLOAT, ["n1", "m1"]), g.tensor_input("b", g.FLOAT, ["n2", "m2"])],
        [g.tensor_input("sum", g.FLOAT, ["n", "m"])],
    )
    return g.make_model(graph, doc="Add whose operands' shapes are only checked when it runs.")


def count_loop():
    import numpy as np

    body = helper.make_graph(
        [
            helper.make_node("Identity", ["cond_in"], ["cond_out"]),
            helper.make_node("Add", ["v_in", "one"], ["v_out"]),
        ],
        "count_loop_body",
        [
            g.tensor_input("i", TensorProto.INT64, []),
            g.tensor_input("cond_in", TensorProto.BOOL, []),
            g.tensor_input("v_in", g.FLOAT, [1]),
        ],
        [g.tensor_input("cond_out", TensorProto.BOOL, []), g.tensor_input("v_out", g.FLOAT, [1])],
        [g.initializer(np.array([1.0], dtype=np.float32), "one")],
    )
    graph = helper.make_graph(
        [
            helper.make_node("Squeeze", ["trip", "axis0"], ["trip_scalar"]),
            helper.make_node("Loop", ["trip_scalar", "", "x"], ["y"], body=body),
        ],
        "count_loop",
        [g.tensor_input("trip", TensorProto.INT64, [1]), g.tensor_input("x", g.FLOAT, [1])],
        [g.tensor_input("y", g.FLOAT, [1])],
        [g.initializer(np.array([0], dtype=np.int64), "axis0")],
    )
    return g.make_model(graph, doc="Adds 1 to x trip times, one Loop iteration each.")


def main():
    models = {f"identity_{name}.onnx": identity(name, t) for name, t in ELEMENT_TYPES.items()}
    models["symbolic_dims.onnx"] = symbolic_dims()
    models["add_two.onnx"] = add_two()
    models["count_loop.onnx"] = count_loop()
    sums = []
    for file_name, model in sorted(models.items()):
        sums.append(f"{g.save(model, os.path.join(HERE, file_name))}  {file_name}")
    with open(os.path.join(HERE, "SHA256SUMS"), "w") as f:
        f.write("\n".join(sums) + "\n")
    print(f"{len(models)} fixtures in {HERE}")


if __name__ == "__main__":
    main()
