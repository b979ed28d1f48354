# syntax=docker/dockerfile:1
# A model version as an image: the model server image with one ONNX file baked in at
# /models/model.onnx (the chart's `artifact.image`). Build with the folder holding the file as the
# context:
#   docker build -f helm/docker/model.Dockerfile \
#     --build-arg MODELSERVER_IMAGE=inference/modelserver:0.1.0 --build-arg MODEL_FILE=iris.onnx \
#     -t registry.example.com/iris:1 path/to/models
ARG MODELSERVER_IMAGE=inference/modelserver:0.1.0
FROM ${MODELSERVER_IMAGE}
ARG MODEL_FILE=model.onnx
# Read-only for the server: owned by root, readable by everyone.
COPY --chown=root:root --chmod=0444 ${MODEL_FILE} /models/model.onnx
