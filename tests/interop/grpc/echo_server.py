"""A grpcio server of the test echo service, for the client under test.

Usage: echo_server.py --proto echo.proto
Prints "PORT <n>" once it listens on 127.0.0.1, then serves until its standard input closes.
Commands in the request message: "fail:CODE:TEXT" aborts with that status; "sleep" waits until
the call is no longer active; "compress" gzips the response.
What it observes of calls carrying an "x-call-id" header goes to standard output as
"EVENT <what> <call id>": "started" when a sleep begins, "cancelled" when the client cancelled it
(the call ended before any deadline), "deadline" when its deadline ended it.
"""
import argparse
import sys
import threading
import time
from concurrent import futures

import grpc

import echo_proto

CODES = {code.value[0]: code for code in grpc.StatusCode}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--proto", required=True)
    args = parser.parse_args()
    pb = echo_proto.load(args.proto)
    output = threading.Lock()

    def event(what, context):
        call_id = dict(context.invocation_metadata()).get("x-call-id")
        if call_id:
            with output:
                print("EVENT %s %s" % (what, call_id), flush=True)

    def echo_metadata(context):
        incoming = dict(context.invocation_metadata())
        initial = []
        if "x-test" in incoming:
            initial.append(("x-echo-test", incoming["x-test"]))
        if "x-data-bin" in incoming:
            initial.append(("x-echo-data-bin", incoming["x-data-bin"]))
        context.send_initial_metadata(initial)
        context.set_trailing_metadata((("x-trailer", "done"),))

    def command(message, context):
        if message.startswith("fail:"):
            _, code, text = message.split(":", 2)
            context.abort(CODES[int(code)], text)
        elif message == "sleep":
            event("started", context)
            while context.is_active():
                time.sleep(0.01)
            remaining = context.time_remaining()
            event("cancelled" if remaining is None or remaining > 0 else "deadline", context)
        elif message == "compress":
            context.set_compression(grpc.Compression.Gzip)

    def unary(request, context):
        command(request.message, context)
        echo_metadata(context)
        return pb.EchoReply(message=request.message, payload=request.payload)

    def server_stream(request, context):
        echo_metadata(context)
        for i in range(request.count):
            yield pb.EchoReply(message=request.message, index=i)
        command(request.message, context)

    def duplex(requests, context):
        echo_metadata(context)
        for i, request in enumerate(requests):
            yield pb.EchoReply(message=request.message, payload=request.payload, index=i)

    def client_stream(requests, context):
        messages = []
        total = 0
        for request in requests:
            messages.append(request.message)
            total += len(request.payload)
        # Payload sizes are summed, not echoed: the reply stays small however much was uploaded.
        return pb.EchoReply(message=",".join(messages), index=len(messages), payload=str(total).encode())

    def size(request, context):
        return pb.EchoReply(payload=b"\x00" * request.count)

    def handler(kind, fn):
        return kind(fn, request_deserializer=pb.EchoRequest.FromString,
                    response_serializer=pb.EchoReply.SerializeToString)

    generic = grpc.method_handlers_generic_handler("inference.grpc.test.Echo", {
        "Unary": handler(grpc.unary_unary_rpc_method_handler, unary),
        "ServerStream": handler(grpc.unary_stream_rpc_method_handler, server_stream),
        "ClientStream": handler(grpc.stream_unary_rpc_method_handler, client_stream),
        "Duplex": handler(grpc.stream_stream_rpc_method_handler, duplex),
        "Size": handler(grpc.unary_unary_rpc_method_handler, size),
    })
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    server.add_generic_rpc_handlers((generic,))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print("PORT %d" % port, flush=True)
    sys.stdin.read()  # the test closes stdin (or ends the process) when done
    server.stop(grace=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
