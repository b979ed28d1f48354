"""OIP v2 and grpc.health.v1 client cases against a running model server, with the reference gRPC
implementation (grpcio).

Usage: oip_client.py <host:port> <protos dir> <iris expected.json> [case ...]
Generates the Python stubs of grpc_predict_v2.proto and health.proto into a temporary directory, runs
the named cases (by default every case that needs nothing but an iris v1 server), prints "PASS <case>"
per case and exits non-zero at the first failure. Cases run only when named, because the driver sets
the server up for them:
  resource_exhausted        every admission slot is taken and the queue timeout is 0
  watch_until_not_serving   prints "WATCH SERVING" once Watch has said so, then waits for NOT_SERVING
                            (the driver sends SIGTERM on that line)
  deadline_exceeded         every admission slot is taken and the queue timeout outlasts the call's deadline
  oversize                  the server's largest request message is 4096 bytes
  memory_budget             the server's memory budget (--max-in-flight-bytes) is 1000 bytes
"""
import importlib
import json
import os
import struct
import sys
import tempfile

import grpc
from grpc_tools import protoc


def load_stubs(protos):
    out = tempfile.mkdtemp(prefix="oip-stubs-")
    builtin = os.path.join(os.path.dirname(protoc.__file__), "_proto")
    here = os.path.dirname(os.path.abspath(__file__))
    for folder, name in ((protos, "grpc_predict_v2.proto"), (protos, "health.proto"), (here, "reflection.proto")):
        code = protoc.main(["protoc", f"-I{folder}", f"-I{builtin}", f"--python_out={out}", f"--grpc_python_out={out}",
                            os.path.join(folder, name)])
        if code != 0:
            raise SystemExit(f"protoc failed on {name} with {code}")
    sys.path.insert(0, out)
    return tuple(importlib.import_module(m) for m in (
        "grpc_predict_v2_pb2", "grpc_predict_v2_pb2_grpc", "health_pb2", "health_pb2_grpc", "reflection_pb2", "reflection_pb2_grpc"))


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def tags(metadata):
    return {m.key: m.value for m in metadata or ()}


def main():
    address, protos, expected_path = sys.argv[1:4]
    selected = sys.argv[4:]
    pb, stubs, health_pb, health_stubs, reflection_pb, reflection_stubs = load_stubs(os.path.abspath(protos))
    with open(expected_path) as f:
        expected = json.load(f)
    rows = expected["inputs"]
    flat = [v for row in rows for v in row]
    labels = expected["labels"]
    probabilities = [v for row in expected["probabilities"] for v in row]

    channel = grpc.insecure_channel(address)
    stub = stubs.GRPCInferenceServiceStub(channel)
    health = health_stubs.HealthStub(channel)
    cases = []
    on_request = {}

    def case(fn):
        cases.append(fn)
        return fn

    def named_only(fn):
        on_request[fn.__name__] = fn
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

    def expect_error(call, code, *fragments, tags_in="initial"):
        try:
            call()
        except grpc.RpcError as error:
            check(error.code() == code, f"expected {code}, got {error.code()}: {error.details()}")
            for fragment in fragments:
                check(fragment in error.details(), f"'{fragment}' not in '{error.details()}'")
            # The service's own errors send headers first; the library's (trailers-only) carry them with the status; a
            # deadline that passes on the client's side has no answer at all.
            if tags_in is not None:
                metadata = error.initial_metadata() if tags_in == "initial" else error.trailing_metadata()
                assert_tagged(metadata, f"error {code}")
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
    def metadata_both_ways():
        # Caller metadata (text and binary) goes in; the tags come back as initial metadata, the status in trailers.
        sent = [("x-user-id", "py-user"), ("x-request-context-bin", bytes([0, 1, 254, 255]))]
        response, call = stub.ModelInfer.with_call(iris_request(raw=True), metadata=sent, timeout=30)
        check_outputs(response, typed=False)
        assert_tagged(call.initial_metadata(), "ModelInfer with metadata")
        check(call.code() == grpc.StatusCode.OK, f"status {call.code()}")
        check("x-model-name" not in tags(call.trailing_metadata()), "tags repeated in the trailers")

    @case
    def reflection_list():
        reflection = reflection_stubs.ServerReflectionStub(channel)
        requests = [reflection_pb.ServerReflectionRequest(list_services=""),
                    reflection_pb.ServerReflectionRequest(file_containing_symbol="inference.GRPCInferenceService")]
        responses = list(reflection.ServerReflectionInfo(iter(requests), timeout=30))
        check(len(responses) == 2, f"{len(responses)} reflection responses")
        names = sorted(s.name for s in responses[0].list_services_response.service)
        for expected_name in ("grpc.health.v1.Health", "inference.GRPCInferenceService"):
            check(expected_name in names, f"reflection lists {names}")
        files = responses[1].file_descriptor_response.file_descriptor_proto
        check(len(files) >= 1 and b"ModelInfer" in files[0], "no descriptor declaring inference.GRPCInferenceService")
        print("SERVICES " + " ".join(names), flush=True)

    @named_only
    def deadline_exceeded():
        expect_error(lambda: stub.ModelInfer(iris_request(raw=True, count=1), timeout=1), grpc.StatusCode.DEADLINE_EXCEEDED,
                     tags_in=None)

    @named_only
    def oversize():
        request = iris_request(raw=True, count=1)
        request.raw_input_contents[0] = request.raw_input_contents[0] * 400
        request.inputs[0].shape[:] = [400, 4]
        expect_error(lambda: stub.ModelInfer(request, timeout=30), grpc.StatusCode.RESOURCE_EXHAUSTED, tags_in="trailing")
        # The server goes on serving.
        check_outputs(stub.ModelInfer(iris_request(raw=True), timeout=30), typed=False)

    @named_only
    def memory_budget():
        # The server's memory budget is smaller than this request: refused before it is read, tagged like the library's
        # own refusals (trailers-only).
        request = iris_request(raw=True)
        request.raw_input_contents[0] = request.raw_input_contents[0] * 10
        request.inputs[0].shape[:] = [10 * len(rows), 4]
        expect_error(lambda: stub.ModelInfer(request, timeout=30), grpc.StatusCode.RESOURCE_EXHAUSTED,
                     "larger than the server's memory budget", tags_in="trailing")
        # Requests within the budget go on.
        check_outputs(stub.ModelInfer(iris_request(raw=True), timeout=30), typed=False)

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
    def not_found_long_name():
        # The name comes back cut to 256 characters: the whole 8 KiB would outgrow grpcio's metadata limit.
        long_name = "m" * 8192
        cut = "m" * 256 + "… (8192 characters)"
        expect_error(lambda: stub.ModelInfer(pb.ModelInferRequest(model_name=long_name), timeout=30),
                     grpc.StatusCode.NOT_FOUND, f"model '{cut}'")
        expect_error(lambda: stub.ModelMetadata(pb.ModelMetadataRequest(name=long_name), timeout=30),
                     grpc.StatusCode.NOT_FOUND, f"model '{cut}'")
        expect_error(lambda: stub.ModelReady(pb.ModelReadyRequest(name="iris", version=long_name), timeout=30),
                     grpc.StatusCode.NOT_FOUND, f"version '{cut}'")
        expect_error(lambda: stub.ModelReady(pb.ModelReadyRequest(name="é中\r\n\x00", version=""), timeout=30),
                     grpc.StatusCode.NOT_FOUND, "model 'é中\\r\\n\\0'")

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
    def unknown_input():
        request = iris_request(raw=False, count=1)
        request.inputs[0].name = "features"
        expect_error(lambda: stub.ModelInfer(request, timeout=30),
                     grpc.StatusCode.INVALID_ARGUMENT, "unknown input 'features'", "input (FP32 [-1,4])")

    @case
    def missing_input():
        request = pb.ModelInferRequest(model_name="iris")
        expect_error(lambda: stub.ModelInfer(request, timeout=30),
                     grpc.StatusCode.INVALID_ARGUMENT, "missing input 'input'", "FP32 [-1,4]")

    @case
    def typed_count_mismatch():
        request = iris_request(raw=False, count=1)
        request.inputs[0].shape[:] = [2, 4]
        expect_error(lambda: stub.ModelInfer(request, timeout=30),
                     grpc.StatusCode.INVALID_ARGUMENT, "input 'input' has 4 values in fp32_contents", "shape [2,4] needs 8")

    @case
    def typed_and_raw():
        request = iris_request(raw=False, count=1)
        request.raw_input_contents.append(struct.pack("<4f", *flat[:4]))
        expect_error(lambda: stub.ModelInfer(request, timeout=30),
                     grpc.StatusCode.INVALID_ARGUMENT, "input 'input' has both typed contents and raw_input_contents")

    @case
    def health_check():
        serving = health_pb.HealthCheckResponse.SERVING
        for service in ("", "inference.GRPCInferenceService", "iris"):
            response, call = health.Check.with_call(health_pb.HealthCheckRequest(service=service), timeout=30)
            check(response.status == serving, f"Check('{service}') is {response.status}")
        try:
            health.Check(health_pb.HealthCheckRequest(service="no-such-model"), timeout=30)
        except grpc.RpcError as error:
            check(error.code() == grpc.StatusCode.NOT_FOUND, f"unknown service: {error.code()}")
        else:
            raise AssertionError("Check of an unknown service succeeded")

    @case
    def health_watch():
        watch = health.Watch(health_pb.HealthCheckRequest(service="iris"), timeout=30)
        first = next(watch)
        check(first.status == health_pb.HealthCheckResponse.SERVING, f"Watch started with {first.status}")
        watch.cancel()

    @named_only
    def resource_exhausted():
        expect_error(lambda: stub.ModelInfer(iris_request(raw=True, count=1), timeout=30),
                     grpc.StatusCode.RESOURCE_EXHAUSTED, "model 'iris' is at its limit of 1 concurrent inferences")

    @named_only
    def watch_until_not_serving():
        statuses = health_pb.HealthCheckResponse
        watch = health.Watch(health_pb.HealthCheckRequest(service="iris"), timeout=120)
        first = next(watch)
        check(first.status == statuses.SERVING, f"Watch started with {first.status}")
        print("WATCH SERVING", flush=True)
        second = next(watch)
        check(second.status == statuses.NOT_SERVING, f"after SIGTERM Watch said {second.status}")

    @case
    def unknown_method():
        call = channel.unary_unary("/inference.GRPCInferenceService/RepositoryIndex",
                                   request_serializer=lambda m: m.SerializeToString(), response_deserializer=lambda b: b)
        expect_error(lambda: call(pb.ServerLiveRequest(), timeout=30), grpc.StatusCode.UNIMPLEMENTED, tags_in="trailing")

    run = [on_request.get(name) or next((fn for fn in cases if fn.__name__ == name), None) for name in selected] or cases
    if None in run:
        print(f"FAIL unknown case among {selected}", flush=True)
        return 1
    for fn in run:
        try:
            fn()
        except Exception as error:  # noqa: BLE001 - report any failure with the case name
            print(f"FAIL {fn.__name__}: {error}", flush=True)
            return 1
        print(f"PASS {fn.__name__}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
