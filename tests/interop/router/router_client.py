"""The reference gRPC implementation (grpcio) calling model servers THROUGH the router.

Usage: router_client.py <host:port> <protos dir> <iris models dir> <experiment> <control weight> <treatment weight>

Generates the Python stubs of grpc_predict_v2.proto and health.proto into a temporary directory,
runs every case, prints "PASS <case>" or "FAIL <case>: <reason>" per case, and exits non-zero when
any case failed. The router is expected to serve model "iris" with versions "1" (group control) and
"2" (group treatment) under the given experiment, sticky on x-user-id, with overrides allowed.
"""
import hashlib
import importlib
import json
import math
import os
import shutil
import struct
import sys
import tempfile
import traceback

import grpc
from grpc_tools import protoc

STICKY = "x-user-id"
TAGS = ("x-model-name", "x-model-version", "x-experiment", "x-experiment-group")
VERSION_OF_GROUP = {"control": "1", "treatment": "2"}


def generate_stubs(protos, out):
    builtin = os.path.join(os.path.dirname(protoc.__file__), "_proto")
    for name in ("grpc_predict_v2.proto", "health.proto"):
        code = protoc.main(["protoc", f"-I{protos}", f"-I{builtin}", f"--python_out={out}", f"--grpc_python_out={out}",
                            os.path.join(protos, name)])
        if code != 0:
            raise SystemExit(f"protoc failed on {name} with {code}")
    sys.path.insert(0, out)
    return (importlib.import_module("grpc_predict_v2_pb2"), importlib.import_module("grpc_predict_v2_pb2_grpc"),
            importlib.import_module("health_pb2"), importlib.import_module("health_pb2_grpc"))


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def metadata_dict(metadata):
    return {m.key: m.value for m in metadata or ()}


def expected_group(experiment, key, control, treatment):
    """The assignment contract, computed here independently of the router."""
    digest = hashlib.sha256(f"{experiment}:{key}".encode("utf-8")).digest()
    bucket = int.from_bytes(digest[:8], "big") % 10000
    return "control" if bucket < math.floor(10000 * control / (control + treatment)) else "treatment"


class Cases:
    def __init__(self, target, pb, stubs, health_pb, health_stubs, expected, experiment, control, treatment):
        self.pb = pb
        self.health_pb = health_pb
        self.expected = expected
        self.experiment = experiment
        self.control = control
        self.treatment = treatment
        self.channel = grpc.insecure_channel(target)
        grpc.channel_ready_future(self.channel).result(timeout=30)
        self.stub = stubs.GRPCInferenceServiceStub(self.channel)
        self.health = health_stubs.HealthStub(self.channel)

    # -- helpers -----------------------------------------------------------------------------

    def tagged(self, metadata, what, version=None, group=None):
        """Checks the four tags; returns them."""
        tags = metadata_dict(metadata)
        for key in TAGS:
            check(tags.get(key), f"{what}: tag {key} missing from {tags}")
        check(tags["x-model-name"] == "iris", f"{what}: x-model-name {tags['x-model-name']}")
        check(tags["x-experiment"] == self.experiment, f"{what}: x-experiment {tags['x-experiment']}")
        if group is not None:
            check(tags["x-experiment-group"] == group, f"{what}: group {tags['x-experiment-group']}, expected {group}")
        if version is not None:
            check(tags["x-model-version"] == version, f"{what}: version {tags['x-model-version']}, expected {version}")
        group_now = tags["x-experiment-group"]
        if group_now != "pinned":
            check(VERSION_OF_GROUP.get(group_now) == tags["x-model-version"],
                  f"{what}: group {group_now} tagged with version {tags['x-model-version']}")
        return tags

    def infer_request(self, raw=True, version=""):
        rows = self.expected["1"]["inputs"]
        request = self.pb.ModelInferRequest(model_name="iris", model_version=version, id="through-router")
        tensor = request.inputs.add(name="input", datatype="FP32", shape=[len(rows), 4])
        values = [v for row in rows for v in row]
        if raw:
            request.raw_input_contents.append(struct.pack(f"<{len(values)}f", *values))
        else:
            tensor.contents.fp32_contents.extend(values)
            request.parameters["binary_data_output"].bool_param = False
        return request

    def check_outputs(self, response, version, typed=False):
        """The answer equals expected.json of `version`, and the message names that version."""
        expected = self.expected[version]
        rows = len(expected["labels"])
        check(response.model_name == "iris", f"model_name {response.model_name}")
        check(response.model_version == version, f"model_version {response.model_version}, tagged {version}")
        check(response.id == "through-router", f"id {response.id}")
        check([o.name for o in response.outputs] == ["probabilities", "label"], f"outputs {[o.name for o in response.outputs]}")
        if typed:
            probabilities = list(response.outputs[0].contents.fp32_contents)
            labels = list(response.outputs[1].contents.int64_contents)
        else:
            probabilities = list(struct.unpack(f"<{rows * 3}f", response.raw_output_contents[0]))
            labels = list(struct.unpack(f"<{rows}q", response.raw_output_contents[1]))
        check(labels == expected["labels"], f"labels {labels} != v{version} {expected['labels']}")
        wanted = [v for row in expected["probabilities"] for v in row]
        worst = max(abs(a - b) for a, b in zip(probabilities, wanted))
        check(worst < 1e-5, f"probabilities differ from v{version}'s by {worst}")

    def expect_error(self, call, code, what):
        try:
            call()
        except grpc.RpcError as error:
            check(error.code() == code, f"{what}: expected {code}, got {error.code()}: {error.details()}")
            # The router answers its own errors trailers-only: the tags travel with the status.
            return error.details(), {**metadata_dict(error.trailing_metadata()), **metadata_dict(error.initial_metadata())}
        raise AssertionError(f"{what}: expected {code}, the call succeeded")

    # -- cases -------------------------------------------------------------------------------

    def case_server_live(self):
        response, call = self.stub.ServerLive.with_call(self.pb.ServerLiveRequest(), timeout=30)
        check(response.live, "not live")

    def case_server_ready(self):
        response, call = self.stub.ServerReady.with_call(self.pb.ServerReadyRequest(), timeout=30)
        check(response.ready, "not ready")

    def case_server_metadata(self):
        response = self.stub.ServerMetadata(self.pb.ServerMetadataRequest(), timeout=30)
        check(response.name == "inference-router" and response.version, f"server metadata {response}")

    def case_health_check(self):
        serving = self.health_pb.HealthCheckResponse.SERVING
        for service in ("", "iris"):
            response = self.health.Check(self.health_pb.HealthCheckRequest(service=service), timeout=30)
            check(response.status == serving, f"service '{service}': status {response.status}")
        self.expect_error(lambda: self.health.Check(self.health_pb.HealthCheckRequest(service="no-such-model"), timeout=30),
                          grpc.StatusCode.NOT_FOUND, "health of an unknown service")

    def case_model_ready(self):
        for key in ("py-ready-1", "py-ready-2", "py-ready-3", "py-ready-4"):
            group = expected_group(self.experiment, key, self.control, self.treatment)
            response, call = self.stub.ModelReady.with_call(self.pb.ModelReadyRequest(name="iris"), metadata=((STICKY, key),), timeout=30)
            check(response.ready, f"not ready for {key}")
            self.tagged(call.initial_metadata(), "ModelReady", VERSION_OF_GROUP[group], group)
        response, call = self.stub.ModelReady.with_call(self.pb.ModelReadyRequest(name="iris", version="2"), timeout=30)
        check(response.ready, "pinned version 2 not ready")
        self.tagged(call.initial_metadata(), "ModelReady pinned", "2", "pinned")

    def case_model_metadata(self):
        for group, version in VERSION_OF_GROUP.items():
            response, call = self.stub.ModelMetadata.with_call(self.pb.ModelMetadataRequest(name="iris"),
                                                               metadata=(("x-experiment-group", group),), timeout=30)
            tags = self.tagged(call.initial_metadata(), "ModelMetadata", version, group)
            check(response.name == "iris" and list(response.versions) == [version], f"metadata of {group}: {response}")
            check(response.platform == "onnxruntime_onnx", response.platform)
            check([(t.name, t.datatype, list(t.shape)) for t in response.inputs] == [("input", "FP32", [-1, 4])], f"inputs {response.inputs}")
            # The model server's own metadata passes through the router untouched.
            check(len(tags.get("x-model-sha256", "")) == 64, f"x-model-sha256 missing: {tags}")

    def case_model_infer_split(self):
        seen = {}
        for n in range(60):
            key = f"py-user-{n}"
            group = expected_group(self.experiment, key, self.control, self.treatment)
            response, call = self.stub.ModelInfer.with_call(self.infer_request(), metadata=((STICKY, key),), timeout=30)
            tags = self.tagged(call.initial_metadata(), f"ModelInfer {key}", VERSION_OF_GROUP[group], group)
            self.check_outputs(response, tags["x-model-version"])
            seen[group] = seen.get(group, 0) + 1
        check(set(seen) == {"control", "treatment"}, f"60 users reached only {seen}")

    def case_model_infer_sticky(self):
        versions = set()
        for _ in range(5):
            response, call = self.stub.ModelInfer.with_call(self.infer_request(), metadata=((STICKY, "py-sticky"),), timeout=30)
            versions.add(self.tagged(call.initial_metadata(), "sticky")["x-model-version"])
            self.check_outputs(response, response.model_version)
        check(len(versions) == 1, f"one user reached versions {versions}")

    def case_model_infer_pinned_typed(self):
        for version in ("1", "2"):
            response, call = self.stub.ModelInfer.with_call(self.infer_request(raw=False, version=version), timeout=30)
            self.tagged(call.initial_metadata(), f"pinned {version}", version, "pinned")
            check(len(response.raw_output_contents) == 0, "raw outputs although typed ones were asked for")
            self.check_outputs(response, version, typed=True)

    def case_model_infer_gzip(self):
        for group, version in VERSION_OF_GROUP.items():
            response, call = self.stub.ModelInfer.with_call(self.infer_request(), metadata=(("x-experiment-group", group),),
                                                            timeout=30, compression=grpc.Compression.Gzip)
            self.tagged(call.initial_metadata(), f"gzip {group}", version, group)
            self.check_outputs(response, version)

    def case_not_found_model(self):
        details, tags = self.expect_error(lambda: self.stub.ModelInfer(self.pb.ModelInferRequest(model_name="other"), timeout=30),
                                          grpc.StatusCode.NOT_FOUND, "unknown model")
        check("other" in details, f"details '{details}' do not name the model")
        check(tags.get("x-model-name") == "other", f"tags of the unknown model: {tags}")
        details, _ = self.expect_error(lambda: self.stub.ModelMetadata(self.pb.ModelMetadataRequest(name="other"), timeout=30),
                                       grpc.StatusCode.NOT_FOUND, "unknown model metadata")
        check("other" in details, f"details '{details}'")

    def case_not_found_version(self):
        details, tags = self.expect_error(lambda: self.stub.ModelInfer(self.infer_request(version="9"), timeout=30),
                                          grpc.StatusCode.NOT_FOUND, "unknown version")
        check("'9'" in details, f"details '{details}' do not name the version")
        check(tags.get("x-model-name") == "iris" and tags.get("x-model-version") == "9"
              and tags.get("x-experiment") == self.experiment and tags.get("x-experiment-group") == "pinned",
              f"tags of the unknown version: {tags}")


def main():
    target, protos, models, experiment, control, treatment = sys.argv[1:7]
    out = tempfile.mkdtemp(prefix="router-stubs-")
    try:
        pb, stubs, health_pb, health_stubs = generate_stubs(os.path.abspath(protos), out)
        expected = {}
        for version in ("1", "2"):
            with open(os.path.join(models, version, "expected.json")) as f:
                expected[version] = json.load(f)
        cases = Cases(target, pb, stubs, health_pb, health_stubs, expected, experiment, float(control), float(treatment))
        failed = 0
        for name in sorted(n for n in dir(cases) if n.startswith("case_")):
            try:
                getattr(cases, name)()
                print(f"PASS {name[5:]}", flush=True)
            except Exception:  # every failure is reported, the run goes on
                failed += 1
                print(f"FAIL {name[5:]}: {traceback.format_exc()}", flush=True)
        cases.channel.close()
        return 1 if failed else 0
    finally:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
