#!/usr/bin/env python3
"""Calls the iris model through the router with python3-grpcio and prints the response tags; with
--outcome <metric>, reports each answer's outcome back to the router (inference.experiments.v1.Outcomes).

Stubs come from protos/grpc_predict_v2.proto and protos/experiments.proto, generated into --stubs by
grpc_tools.protoc when missing.
Usage: call_router.py [--address 127.0.0.1:8080] [--users 3] [--stubs DIR] [--outcome clicked]
"""
import argparse
import os
import struct
import sys

try:
    import grpc
    import grpc_tools  # noqa: F401  (generates the stubs on first use)
except ImportError as missing:
    sys.exit(f"call_router.py needs python3-grpcio and python3-grpc-tools ({missing.name} is missing): "
             "apt install python3-grpcio python3-grpc-tools")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPECIES = ["setosa", "versicolor", "virginica"]
FLOWERS = [[5.1, 3.5, 1.4, 0.2], [6.6, 3.0, 4.4, 1.4], [7.7, 3.0, 6.1, 2.3]]


def load_stubs(directory):
    protos = os.path.join(ROOT, "protos")
    for name in ("grpc_predict_v2", "experiments"):
        if not os.path.exists(os.path.join(directory, f"{name}_pb2_grpc.py")):
            from grpc_tools import protoc

            os.makedirs(directory, exist_ok=True)
            code = protoc.main(["protoc", f"-I{protos}", f"--python_out={directory}",
                                f"--grpc_python_out={directory}", os.path.join(protos, f"{name}.proto")])
            if code != 0:
                sys.exit(f"protoc failed with {code}")
    sys.path.insert(0, directory)
    import grpc_predict_v2_pb2 as pb
    import grpc_predict_v2_pb2_grpc as pb_grpc
    import experiments_pb2 as outcomes_pb
    import experiments_pb2_grpc as outcomes_grpc
    return pb, pb_grpc, outcomes_pb, outcomes_grpc


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--address", default="127.0.0.1:8080")
    parser.add_argument("--users", type=int, default=3)
    parser.add_argument("--stubs", default=os.path.join(ROOT, ".cache", "python-stubs"))
    parser.add_argument("--outcome", help="a boolean metric of the experiment to report for each answer")
    args = parser.parse_args()
    pb, pb_grpc, outcomes_pb, outcomes_grpc = load_stubs(args.stubs)

    with grpc.insecure_channel(args.address) as channel:
        stub = pb_grpc.GRPCInferenceServiceStub(channel)
        outcomes = outcomes_grpc.OutcomesStub(channel)
        for i in range(1, args.users + 1):
            user = f"user-{i:02d}"
            flower = FLOWERS[(i - 1) % len(FLOWERS)]
            request = pb.ModelInferRequest(model_name="iris", id=user)
            request.inputs.add(name="input", datatype="FP32", shape=[1, 4])
            request.raw_input_contents.append(struct.pack("<4f", *flower))
            response, call = stub.ModelInfer.with_call(request, metadata=[("x-user-id", user)], timeout=5)
            tags = dict(call.initial_metadata())
            outputs = {o.name: i for i, o in enumerate(response.outputs)}
            label = struct.unpack("<q", response.raw_output_contents[outputs["label"]][:8])[0]
            print(f"{user}  model={tags.get('x-model-name')} version={tags.get('x-model-version')} "
                  f"experiment={tags.get('x-experiment')} group={tags.get('x-experiment-group')}  "
                  f"-> {SPECIES[label]}")
            if args.outcome and tags.get("x-experiment") and tags.get("x-experiment-group") != "pinned":
                # The outcome names the answer's own tags, so it counts for the group that served it.
                clicked = label != 0  # a stand-in for what the caller learns later
                outcomes.Record(outcomes_pb.RecordOutcomesRequest(outcomes=[outcomes_pb.Outcome(
                    model=tags["x-model-name"], experiment=tags["x-experiment"], group=tags["x-experiment-group"],
                    metric=args.outcome, success=clicked, request_id=user)]), timeout=5)
                print(f"{user}  outcome {args.outcome}={str(clicked).lower()} reported")


if __name__ == "__main__":
    main()
