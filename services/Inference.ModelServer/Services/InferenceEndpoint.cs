namespace Inference.ModelServer.Services;

/// <summary>
/// What Grpc.AspNetCore routes <c>inference.GRPCInferenceService</c> calls to. Its methods are bound by
/// <see cref="InferenceMethodProvider"/> to <see cref="InferenceService"/> with request marshallers that answer an
/// undecodable message with a status, and a ModelInfer response marshaller that writes the outputs straight from ONNX
/// Runtime's tensors. Mapping the generated service base would bind its own marshallers, whose parse failures become
/// UNKNOWN "Exception was thrown by handler." and an error in the log for what is a client's mistake.
/// </summary>
internal sealed class InferenceEndpoint;
