"""grpcio (the reference C-core implementation) as a client of the server under test.

Usage: client_cases.py --port PORT --proto echo.proto
Prints one JSON object per case: {"case": ..., "ok": true|false, "detail": ...}.
Exit code 0 when every case passed.
"""
import argparse
import json
import queue
import sys
import traceback

import grpc

import echo_proto

SERVICE = "/inference.grpc.test.Echo/"
MAX = 4 * 1024 * 1024


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--proto", required=True)
    args = parser.parse_args()
    pb = echo_proto.load(args.proto)
    target = "127.0.0.1:%d" % args.port
    cases = Cases(pb, target)
    failed = 0
    for name in [n for n in dir(cases) if n.startswith("case_")]:
        try:
            getattr(cases, name)()
            result = {"case": name[5:], "ok": True, "detail": ""}
        except Exception:  # every failure is reported, the run goes on
            failed += 1
            result = {"case": name[5:], "ok": False, "detail": traceback.format_exc()}
        print(json.dumps(result), flush=True)
    cases.close()
    return 1 if failed else 0


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


def expect_code(error, code):
    expect(isinstance(error, grpc.RpcError), "expected an RpcError, got %r" % (error,))
    expect(error.code() == code, "expected %s, got %s (%s)" % (code, error.code(), error.details()))


class Cases:
    def __init__(self, pb, target):
        self.pb = pb
        self.channel = grpc.insecure_channel(target)
        self.gzip_channel = grpc.insecure_channel(target, compression=grpc.Compression.Gzip)
        grpc.channel_ready_future(self.channel).result(timeout=30)

    def close(self):
        self.channel.close()
        self.gzip_channel.close()

    def unary(self, channel=None):
        return (channel or self.channel).unary_unary(
            SERVICE + "Unary",
            request_serializer=self.pb.EchoRequest.SerializeToString,
            response_deserializer=self.pb.EchoReply.FromString)

    def call_error(self, fn):
        try:
            fn()
        except grpc.RpcError as error:
            return error
        raise AssertionError("the call succeeded but should have failed")

    def case_unary(self):
        reply = self.unary()(self.pb.EchoRequest(message="hello", payload=b"\x00\x01"), timeout=30)
        expect(reply.message == "hello" and reply.payload == b"\x00\x01", "echo mismatch: %r" % reply)

    def case_server_streaming(self):
        call = self.channel.unary_stream(
            SERVICE + "ServerStream",
            request_serializer=self.pb.EchoRequest.SerializeToString,
            response_deserializer=self.pb.EchoReply.FromString)
        indexes = [r.index for r in call(self.pb.EchoRequest(message="s", count=10), timeout=30)]
        expect(indexes == list(range(10)), "indexes %r" % indexes)

    def case_client_streaming(self):
        call = self.channel.stream_unary(
            SERVICE + "ClientStream",
            request_serializer=self.pb.EchoRequest.SerializeToString,
            response_deserializer=self.pb.EchoReply.FromString)
        reply = call(iter([self.pb.EchoRequest(message=m) for m in "xyz"]), timeout=30)
        expect(reply.message == "x,y,z" and reply.index == 3, "reply %r" % reply)

    def case_duplex(self):
        # Each request is sent only after the previous reply arrived: a true ping-pong.
        requests = queue.Queue()
        call = self.channel.stream_stream(
            SERVICE + "Duplex",
            request_serializer=self.pb.EchoRequest.SerializeToString,
            response_deserializer=self.pb.EchoReply.FromString)

        def generate():
            while True:
                item = requests.get()
                if item is None:
                    return
                yield item

        responses = call(generate(), timeout=30)
        for i in range(4):
            requests.put(self.pb.EchoRequest(message="m%d" % i))
            reply = next(responses)
            expect(reply.message == "m%d" % i and reply.index == i, "reply %r" % reply)
        requests.put(None)
        expect(list(responses) == [], "extra replies")
        expect(responses.code() == grpc.StatusCode.OK, "status %s" % responses.code())

    def case_metadata(self):
        data = bytes([0, 1, 2, 250, 255])
        reply, call = self.unary().with_call(
            self.pb.EchoRequest(message="m"), timeout=30,
            metadata=(("x-test", "abc"), ("x-data-bin", data)))
        initial = dict(call.initial_metadata())
        trailing = dict(call.trailing_metadata())
        expect(initial.get("x-echo-test") == "abc", "initial %r" % initial)
        expect(initial.get("x-echo-data-bin") == data, "initial bin %r" % initial)
        expect(trailing.get("x-trailer") == "done", "trailing %r" % trailing)
        expect(trailing.get("x-trailer-data-bin") == data, "trailing bin %r" % trailing)

    def case_deadline_exceeded(self):
        error = self.call_error(lambda: self.unary()(self.pb.EchoRequest(message="sleep"), timeout=0.3))
        expect_code(error, grpc.StatusCode.DEADLINE_EXCEEDED)

    def case_size_just_under_limit(self):
        # Field tag (1 byte) + length varint (4 bytes) + payload = exactly 4 MiB - 1.
        payload = b"\x07" * (MAX - 6)
        reply = self.unary()(self.pb.EchoRequest(payload=payload), timeout=60)
        expect(len(reply.payload) == len(payload), "length %d" % len(reply.payload))

    def case_size_over_limit(self):
        error = self.call_error(lambda: self.unary()(self.pb.EchoRequest(payload=b"\x07" * MAX), timeout=60))
        expect_code(error, grpc.StatusCode.RESOURCE_EXHAUSTED)

    def case_gzip(self):
        payload = b"q" * 50000
        reply = self.unary(self.gzip_channel)(self.pb.EchoRequest(message="compress", payload=payload), timeout=30)
        expect(reply.payload == payload, "gzip echo mismatch")

    def case_non_ascii_status(self):
        text = "modèle « iris » introuvable ✓ 100%"
        error = self.call_error(lambda: self.unary()(self.pb.EchoRequest(message="fail:5:" + text), timeout=30))
        expect_code(error, grpc.StatusCode.NOT_FOUND)
        expect(error.details() == text, "details %r" % error.details())

    def case_unexpected_exception(self):
        error = self.call_error(lambda: self.unary()(self.pb.EchoRequest(message="throw"), timeout=30))
        expect_code(error, grpc.StatusCode.UNKNOWN)
        expect("secret" not in (error.details() or ""), "internals leaked: %r" % error.details())

    def case_unknown_method(self):
        call = self.channel.unary_unary(SERVICE + "Missing")
        error = self.call_error(lambda: call(b"", timeout=30))
        expect_code(error, grpc.StatusCode.UNIMPLEMENTED)

    def case_health_check(self):
        call = self.channel.unary_unary("/grpc.health.v1.Health/Check")
        # HealthCheckResponse{status: SERVING} is field 1, varint 1.
        expect(call(b"", timeout=30) == b"\x08\x01", "health response")

    def case_health_watch(self):
        # Raw protobuf: HealthCheckRequest{service} is field 1 (string); the response's status is field 1
        # (varint): UNKNOWN 0, SERVING 1, NOT_SERVING 2, SERVICE_UNKNOWN 3.
        service = b"interop.watch"
        watch = self.channel.unary_stream("/grpc.health.v1.Health/Watch")
        responses = watch(b"\x0a" + bytes([len(service)]) + service, timeout=30)
        first = next(responses)
        expect(first == b"\x08\x03", "first %r" % first)
        # The test server's echo command sets a health status; each change reaches the watcher.
        self.unary()(self.pb.EchoRequest(message="health:interop.watch:Serving"), timeout=30)
        second = next(responses)
        expect(second == b"\x08\x01", "second %r" % second)
        self.unary()(self.pb.EchoRequest(message="health:interop.watch:NotServing"), timeout=30)
        third = next(responses)
        expect(third == b"\x08\x02", "third %r" % third)
        responses.cancel()
        expect(responses.code() == grpc.StatusCode.CANCELLED, "code %s" % responses.code())

    def case_deadline_stubborn(self):
        # The handler ignores its token and never returns on its own (the test releases it later).
        call = self.channel.unary_stream(
            SERVICE + "ServerStream",
            request_serializer=self.pb.EchoRequest.SerializeToString,
            response_deserializer=self.pb.EchoReply.FromString)
        responses = call(self.pb.EchoRequest(message="stubborn", count=1), timeout=1)
        first = next(responses)
        expect(first.index == 0, "first %r" % first)
        error = self.call_error(lambda: list(responses))
        expect_code(error, grpc.StatusCode.DEADLINE_EXCEEDED)
        # The connection is still good for the next call.
        reply = self.unary()(self.pb.EchoRequest(message="after"), timeout=30)
        expect(reply.message == "after", "reply %r" % reply)

    def case_cancellation(self):
        call = self.channel.unary_stream(
            SERVICE + "ServerStream",
            request_serializer=self.pb.EchoRequest.SerializeToString,
            response_deserializer=self.pb.EchoReply.FromString)
        responses = call(self.pb.EchoRequest(message="sleep", count=1))
        next(responses)  # the handler is running and now waits
        responses.cancel()
        expect(responses.code() == grpc.StatusCode.CANCELLED, "code %s" % responses.code())


if __name__ == "__main__":
    sys.exit(main())
