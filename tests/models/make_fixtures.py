#!/usr/bin/python3
"""Writes the tiny fixture models the binding tests load (tests/models/fixtures/*.onnx).

  identity_<type>.onnx  Identity of "x" -> "y", [batch, 3], one per tensor element type OIP v2 carries
  symbolic_dims.onnx    "a" FP32 [batch, <unnamed>, 4] + "b" FP32 [4] -> "sum"; shows named and unnamed
                        dynamic dimensions
  add_two.onnx          "a" + "b", both FP32 [n, m] with independent symbols, so a call with shapes
                        that cannot broadcast passes the input checks and fails inside Run
  count_loop.onnx       "y" = "x" + "trip" by a Loop adding 1 "trip" times: a Run as long as the
                        caller wants (tests that need inferences to stay in flight)
  gather_input.onnx     "y" = a fixed table of 3 FP32 values gathered at the INT64 indices "i": an index
                        out of range is a mistake in the request that ONNX Runtime finds only while
                        running (ORT_INVALID_ARGUMENT)
  broken_reshape.onnx   "x" FP32 [batch, 3] reshaped to a fixed [7]: no input fits, so every Run fails
                        inside ONNX Runtime (ORT_FAIL), as a defective model's would; its warm-up fails too
  zipmap_output.onnx    scikit-learn's classifier head as skl2onnx exports it by default: a ZipMap node
                        whose output is a sequence of maps (class -> probability), which OIP cannot carry
  external_data.onnx    "y" = "x" + "w", with "w" kept in external_data.bin beside the model (weights in
                        external data files, as large models store them)

Deterministic: rerunning rewrites byte-identical files (SHA256SUMS beside them).
Usage: /usr/bin/python3 tests/models/make_fixtures.py [output folder; default tests/models/fixtures]
"""

import os
import sys

from onnx import TensorProto, helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx_graph as g  # noqa: E402

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
EXTERNAL_DATA_FILE = "external_data.bin"

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


def gather_input():
    import numpy as np

    graph = helper.make_graph(
        [helper.make_node("Gather", ["table", "i"], ["y"])],
        "gather_input",
        [g.tensor_input("i", TensorProto.INT64, ["n"])],
        [g.tensor_input("y", g.FLOAT, ["n"])],
        [g.initializer(np.array([10.0, 20.0, 30.0], dtype=np.float32), "table")],
    )
    return g.make_model(graph, doc="Looks up indices from the request in a table of 3 values.")


def broken_reshape():
    import numpy as np

    graph = helper.make_graph(
        [helper.make_node("Reshape", ["x", "shape"], ["y"])],
        "broken_reshape",
        [g.tensor_input("x", g.FLOAT, ["batch", 3])],
        [g.tensor_input("y", g.FLOAT, [7])],
        [g.initializer(np.array([7], dtype=np.int64), "shape")],
    )
    return g.make_model(graph, doc="Reshapes [batch, 3] to [7]: fails for every input.")


def zipmap_output():
    from onnx import TypeProto

    probability_map = TypeProto()
    probability_map.map_type.key_type = TensorProto.INT64
    probability_map.map_type.value_type.tensor_type.elem_type = g.FLOAT
    graph = helper.make_graph(
        [
            helper.make_node("ArgMax", ["probabilities"], ["label"], axis=1, keepdims=0),
            helper.make_node("ZipMap", ["probabilities"], ["output_probability"], domain="ai.onnx.ml",
                             classlabels_int64s=[0, 1, 2]),
        ],
        "zipmap_output",
        [g.tensor_input("probabilities", g.FLOAT, ["batch", 3])],
        [
            g.tensor_input("label", g.INT64, ["batch"]),
            helper.make_value_info("output_probability", helper.make_sequence_type_proto(probability_map)),
        ],
    )
    return g.make_model(graph, doc="A classifier head ending in ZipMap, as skl2onnx exports by default.",
                        extra_opsets={"ai.onnx.ml": 1})


def external_data():
    """The model, and the bytes of its external data file."""
    import numpy as np
    from onnx import external_data_helper

    weights = np.array([0.5, -1.0, 2.0], dtype=np.float32)
    w = g.initializer(weights, "w")
    data = w.raw_data
    external_data_helper.set_external_data(w, location=EXTERNAL_DATA_FILE, offset=0, length=len(data))
    w.ClearField("raw_data")
    w.data_location = TensorProto.EXTERNAL
    graph = helper.make_graph(
        [helper.make_node("Add", ["x", "w"], ["y"])],
        "external_data",
        [g.tensor_input("x", g.FLOAT, ["batch", 3])],
        [g.tensor_input("y", g.FLOAT, ["batch", 3])],
        [w],
    )
    return g.make_model(graph, doc="Adds weights kept in an external data file."), data


def main():
    out = g.output_directory(HERE)
    models = {f"identity_{name}.onnx": identity(name, t) for name, t in ELEMENT_TYPES.items()}
    models["symbolic_dims.onnx"] = symbolic_dims()
    models["add_two.onnx"] = add_two()
    models["count_loop.onnx"] = count_loop()
    models["gather_input.onnx"] = gather_input()
    models["broken_reshape.onnx"] = broken_reshape()
    models["zipmap_output.onnx"] = zipmap_output()
    sums = {}
    for file_name, model in models.items():
        sums[file_name] = g.save(model, os.path.join(out, file_name))
    model, data = external_data()
    sums[EXTERNAL_DATA_FILE] = g.write(os.path.join(out, EXTERNAL_DATA_FILE), data)
    # Checked once its data file exists (the checker looks for it beside the model).
    sums["external_data.onnx"] = g.save(model, os.path.join(out, "external_data.onnx"), check=False)
    from onnx import checker

    checker.check_model(os.path.join(out, "external_data.onnx"))
    with open(os.path.join(out, "SHA256SUMS"), "w") as f:
        f.write("".join(f"{digest}  {name}\n" for name, digest in sorted(sums.items())))
    print(f"{len(sums)} fixture files in {out}")


if __name__ == "__main__":
    main()
