"""OIP v2 client cases against a running model server, with the reference gRPC implementation (grpcio).

Usage: oip_client.py <host:port> <grpc_predict_v2.proto> <iris expected.json>
Generates the Python stubs from the proto into a temporary directory, runs every case, prints
"PASS <case>" per case and exits non-zero at the first failure.
"""
import importlib
import json
import os
import struct
import sys
import tempfile

import grpc
from grpc_tools import protoc


def load_stubs(proto):
    out = tempfile.mkdtemp(prefix="oip-stubs-")
    include = os.path.dirname(os.path.abspath(proto))
    builtin = os.path.join(os.path.dirname(protoc.__file__), "_proto")
    code = protoc.main(["protoc", f"-I{include}", f"-I{builtin}", f"--python_out={out}", f"--grpc_python_out={out}",
                        os.path.abspath(proto)])
    if code != 0:
        raise SystemExit(f"protoc failed with {code}")
    sys.path.insert(0, out)
    name = os.path.splitext(os.path.basename(proto))[0]
    return importlib.import_module(f"{name}_pb2"), importlib.import_module(f"{name}_pb2_grpc")


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def tags(metadata):
    return {m.key: m.value for m in metadata or ()}


def main():
    address, proto, expected_path = sys.argv[1:4]
    pb, stubs = load_stubs(proto)
    with open(expected_path) as f:
        expected = json.load(f)
    rows = expected["inputs"]
    flat = [v for row in rows for v in row]
    labels = expected["labels"]
    probabilities = [v for row in expected["probabilities"] for v in row]

    channel = grpc.insecure_channel(address)
    stub = stubs.GRPCInferenceServiceStub(channel)
    cases = []

    def case(fn):
        cases.append(fn)
        return fn

    def assert_tagged(metadata, what):
        t = tags(metadata)
        check(t.get("x-model-name") == "iris" and t.get("x-model-version") == "1", f"{what}: initial metadata {t}")

    def iris_request(raw=True, count=None, datatype="FP32"):
        request = pb.ModelInferRequest(model_name="iris", id="py-1")
        n = len(rows) if count is None else count
        tensor = request.inputs.add(name="input", datatype=datatype, shape=[n, 4])
        values = flat[: n * 4]
        if raw:
            request.raw_input_contents.append(struct.pack(f"<{len(values)}f", *values))
        else:
            tensor.contents.fp32_contents.extend(values)
        return request

    def expect_error(call, code, *fragments):
        try:
            call()
        except grpc.RpcError as error:
            check(error.code() == code, f"expected {code}, got {error.code()}: {error.details()}")
            for fragment in fragments:
                check(fragment in error.details(), f"'{fragment}' not in '{error.details()}'")
            assert_tagged(error.initial_metadata(), f"error {code}")
            return
        raise AssertionError(f"expected {code}, the call succeeded")

    @case
    def server_live():
        response, call = stub.ServerLive.with_call(pb.ServerLiveRequest(), timeout=30)
        check(response.live, "not live")
        assert_tagged(call.initial_metadata(), "ServerLive")

    @case
    def server_ready():
        response, call = stub.ServerReady.with_call(pb.ServerReadyRequest(), timeout=30)
        check(response.ready, "not ready")
        assert_tagged(call.initial_metadata(), "ServerReady")

    @case
    def server_metadata():
        response, call = stub.ServerMetadata.with_call(pb.ServerMetadataRequest(), timeout=30)
        check(response.name == "inference-modelserver" and response.version, f"metadata {response}")
        assert_tagged(call.initial_metadata(), "ServerMetadata")

    @case
    def model_ready():
        for version in ("", "1"):
            response, call = stub.ModelReady.with_call(pb.ModelReadyRequest(name="iris", version=version), timeout=30)
            check(response.ready, f"model not ready (version '{version}')")
            assert_tagged(call.initial_metadata(), "ModelReady")

    @case
    def model_metadata():
        response, call = stub.ModelMetadata.with_call(pb.ModelMetadataRequest(name="iris"), timeout=30)
        check(response.name == "iris" and list(response.versions) == ["1"], f"metadata {response}")
        check(response.platform == "onnxruntime_onnx", response.platform)
        check([(t.name, t.datatype, list(t.shape)) for t in response.inputs] == [("input", "FP32", [-1, 4])], f"inputs {response.inputs}")
        check([(t.name, t.datatype) for t in response.outputs] == [("probabilities", "FP32"), ("label", "INT64")], f"outputs {response.outputs}")
        assert_tagged(call.initial_metadata(), "ModelMetadata")
        check(len(tags(call.initial_metadata()).get("x-model-sha256", "")) == 64, "x-model-sha256 missing")

    def check_outputs(response, typed):
        check(response.model_name == "iris" and response.model_version == "1" and response.id == "py-1", "identity fields")
        names = [o.name for o in response.outputs]
        check(names == ["probabilities", "label"], f"outputs {names}")
        check(list(response.outputs[0].shape) == [len(rows), 3], f"shape {response.outputs[0].shape}")
        if typed:
            check(len(response.raw_output_contents) == 0, "raw contents with typed outputs requested")
            got_p = list(response.outputs[0].contents.fp32_contents)
            got_l = list(response.outputs[1].contents.int64_contents)
        else:
            got_p = list(struct.unpack(f"<{len(rows) * 3}f", response.raw_output_contents[0]))
            got_l = list(struct.unpack(f"<{len(rows)}q", response.raw_output_contents[1]))
        check(got_l == labels, f"labels {got_l} != {labels}")
        check(all(abs(a - b) < 1e-5 for a, b in zip(got_p, probabilities)), "probabilities differ")

    @case
    def infer_raw():
        response, call = stub.ModelInfer.with_call(iris_request(raw=True), timeout=30)
        check_outputs(response, typed=False)
        assert_tagged(call.initial_metadata(), "ModelInfer")

    @case
    def infer_typed():
        request = iris_request(raw=False)
        request.parameters["binary_data_output"].bool_param = False
        response, call = stub.ModelInfer.with_call(request, timeout=30)
        check_outputs(response, typed=True)
        assert_tagged(call.initial_metadata(), "ModelInfer typed")

    @case
    def infer_gzip():
        response = stub.ModelInfer(iris_request(raw=True), timeout=30, compression=grpc.Compression.Gzip)
        check_outputs(response, typed=False)

    @case
    def not_found_model():
        expect_error(lambda: stub.ModelInfer(pb.ModelInferRequest(model_name="other"), timeout=30),
                     grpc.StatusCode.NOT_FOUND, "model 'other'")
        expect_error(lambda: stub.ModelMetadata(pb.ModelMetadataRequest(name="other"), timeout=30),
                     grpc.StatusCode.NOT_FOUND, "model 'other'")

    @case
    def not_found_version():
        expect_error(lambda: stub.ModelReady(pb.ModelReadyRequest(name="iris", version="9"), timeout=30),
                     grpc.StatusCode.NOT_FOUND, "version '9'")

    @case
    def invalid_datatype():
        expect_error(lambda: stub.ModelInfer(iris_request(datatype="FP64"), timeout=30),
                     grpc.StatusCode.INVALID_ARGUMENT, "input 'input'", "FP64", "expects FP32")

    @case
    def invalid_raw_length():
        request = iris_request(raw=True, count=2)
        request.raw_input_contents[0] = request.raw_input_contents[0][:-4]
        expect_error(lambda: stub.ModelInfer(request, timeout=30),
                     grpc.StatusCode.INVALID_ARGUMENT, "input 'input'", "28 bytes", "needs 32")

    @case
    def invalid_shape():
        request = iris_request(raw=False, count=1)
        request.inputs[0].shape[:] = [1, 2, 2]
        expect_error(lambda: stub.ModelInfer(request, timeout=30),
                     grpc.StatusCode.INVALID_ARGUMENT, "input 'input'", "rank 2")

    @case
    def unknown_method():
        call = channel.unary_unary("/inference.GRPCInferenceService/RepositoryIndex",
                                   request_serializer=lambda m: m.SerializeToString(), response_deserializer=lambda b: b)
        try:
            call(pb.ServerLiveRequest(), timeout=30)
        except grpc.RpcError as error:
            check(error.code() == grpc.StatusCode.UNIMPLEMENTED, f"got {error.code()}")
            return
        raise AssertionError("unknown method succeeded")

    for fn in cases:
        try:
            fn()
        except Exception as error:  # noqa: BLE001 - report any failure with the case name
            print(f"FAIL {fn.__name__}: {error}", flush=True)
            return 1
        print(f"PASS {fn.__name__}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
