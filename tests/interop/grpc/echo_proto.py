"""Generates the Python modules of the test echo proto into a temporary folder and imports them."""
import importlib
import os
import sys
import tempfile


def load(proto_path):
    from grpc_tools import protoc

    out = tempfile.mkdtemp(prefix="echo_proto_")
    folder, name = os.path.split(os.path.abspath(proto_path))
    code = protoc.main(["protoc", "-I" + folder, "--python_out=" + out, name])
    if code != 0:
        raise RuntimeError("protoc failed with exit code %d" % code)
    sys.path.insert(0, out)
    return importlib.import_module(os.path.splitext(name)[0] + "_pb2")
