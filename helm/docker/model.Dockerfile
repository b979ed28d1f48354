# syntax=docker/dockerfile:1
# A model version as an image: the model server image with one ONNX file at /models/model.onnx
# (the chart's `artifact.image`). The context is the folder holding the file:
#   docker build -f helm/docker/model.Dockerfile \
#     --build-arg MODELSERVER_IMAGE=inference/modelserver:<version> --build-arg MODEL_FILE=model.onnx \
#     --build-arg MODEL_NAME=iris --build-arg MODEL_VERSION=1 -t registry.example.com/iris:1 path/to/models
# MODELSERVER_IMAGE has no default: a model image must say which server it runs on.
ARG MODELSERVER_IMAGE
FROM ${MODELSERVER_IMAGE}
ARG MODELSERVER_IMAGE
ARG MODEL_FILE=model.onnx
ARG MODEL_NAME
ARG MODEL_VERSION
# The model's identity; revision and source stay the model server's.
LABEL org.opencontainers.image.title="${MODEL_NAME}" \
      org.opencontainers.image.version="${MODEL_VERSION}" \
      org.opencontainers.image.base.name="${MODELSERVER_IMAGE}"
# Read-only for the server: owned by root, readable by everyone. Numeric owner: no lookup in the base.
COPY --chown=0:0 --chmod=0444 ${MODEL_FILE} /models/model.onnx
