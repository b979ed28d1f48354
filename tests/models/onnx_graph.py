"""Shared helpers for the model generators: fixed opset/IR version and a reproducible save."""

import hashlib
import os
import sys

from onnx import TensorProto, helper, numpy_helper

# Fixed so that every run of a generator writes byte-identical files.
OPSET = 17
IR_VERSION = 8
PRODUCER = "inference-tests"


def tensor_input(name, elem_type, shape):
    return helper.make_tensor_value_info(name, elem_type, shape)


def initializer(array, name):
    return numpy_helper.from_array(array, name=name)


def make_model(graph, version=1, doc="", metadata=None, extra_opsets=None):
    opsets = [helper.make_opsetid("", OPSET)] + [helper.make_opsetid(domain, v) for domain, v in sorted((extra_opsets or {}).items())]
    model = helper.make_model(
        graph,
        opset_imports=opsets,
        producer_name=PRODUCER,
        producer_version="1",
        model_version=version,
        doc_string=doc,
    )
    model.ir_version = IR_VERSION
    for key, value in sorted((metadata or {}).items()):
        entry = model.metadata_props.add()
        entry.key = key
        entry.value = value
    return model


def save(model, path, check=True):
    """Checks the model and writes it; returns the file's sha256."""
    from onnx import checker

    if check:
        checker.check_model(model)
    return write(path, model.SerializeToString())


def write(path, data):
    """Writes bytes; returns their sha256."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return hashlib.sha256(data).hexdigest()


def output_directory(default):
    """The folder a generator writes to: its first argument, else the committed location."""
    return os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else default


FLOAT = TensorProto.FLOAT
INT64 = TensorProto.INT64
