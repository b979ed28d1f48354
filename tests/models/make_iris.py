#!/usr/bin/python3
"""Trains two iris classifiers and writes them as the example model repository.

  iris/1/model.onnx  multinomial logistic regression
  iris/2/model.onnx  MLP with one hidden layer of 16 ReLU units

Both take "input" FP32 [batch, 4] (sepal length, sepal width, petal length, petal width, in cm) and
return "probabilities" FP32 [batch, 3] and "label" INT64 [batch] (0 setosa, 1 versicolor,
2 virginica). Each version directory also gets expected.json: a few inputs with the outputs numpy
computes from the stored (float32) weights, which the tests compare against ONNX Runtime.
Running the script again on the same machine rewrites byte-identical files (fixed seeds, opset and IR
version, single-threaded BLAS, weights rounded to 5 decimals). On another CPU numpy's and BLAS's dispatched
kernels can end the MLP's training in a slightly different optimum: the tests then require models that
classify the data set the same, not the same bytes.

Usage: /usr/bin/python3 tests/models/make_iris.py [output folder; default tests/models, writing iris/ in it]
"""

import json
import os
import sys

# Single-threaded BLAS: the same float64 arithmetic order on every run.
for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[variable] = "1"

import numpy as np  # noqa: E402
from onnx import helper  # noqa: E402
from sklearn.datasets import load_iris  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx_graph as g  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CLASSES = "setosa,versicolor,virginica"
DECIMALS = 5


def rounded(array):
    return np.round(np.asarray(array, dtype=np.float64), DECIMALS).astype(np.float32)


def io_declarations():
    inputs = [g.tensor_input("input", g.FLOAT, ["batch", 4])]
    outputs = [
        g.tensor_input("probabilities", g.FLOAT, ["batch", 3]),
        g.tensor_input("label", g.INT64, ["batch"]),
    ]
    return inputs, outputs


def head_nodes(logits):
    return [
        helper.make_node("Softmax", [logits], ["probabilities"], axis=1),
        helper.make_node("ArgMax", ["probabilities"], ["label"], axis=1, keepdims=0),
    ]


def softmax(logits):
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return (exp / exp.sum(axis=1, keepdims=True)).astype(np.float32)


def logistic_regression(x, y):
    clf = LogisticRegression(C=1.0, max_iter=2000, random_state=0)
    clf.fit(x, y)
    weights = rounded(clf.coef_.T)  # [4, 3]
    bias = rounded(clf.intercept_)  # [3]
    inputs, outputs = io_declarations()
    nodes = [
        helper.make_node("MatMul", ["input", "W"], ["xw"]),
        helper.make_node("Add", ["xw", "B"], ["logits"]),
    ] + head_nodes("logits")
    graph = helper.make_graph(
        nodes, "iris_logistic_regression", inputs, outputs,
        initializer=[g.initializer(weights, "W"), g.initializer(bias, "B")])

    def forward(features):
        return softmax(features @ weights + bias)

    return graph, forward, clf


def mlp(x, y):
    clf = MLPClassifier(hidden_layer_sizes=(16,), activation="relu", solver="lbfgs",
                        alpha=1e-3, max_iter=3000, random_state=0)
    clf.fit(x, y)
    w1, w2 = (rounded(w) for w in clf.coefs_)  # [4, 16], [16, 3]
    b1, b2 = (rounded(b) for b in clf.intercepts_)
    inputs, outputs = io_declarations()
    nodes = [
        helper.make_node("MatMul", ["input", "W1"], ["h0"]),
        helper.make_node("Add", ["h0", "B1"], ["h1"]),
        helper.make_node("Relu", ["h1"], ["hidden"]),
        helper.make_node("MatMul", ["hidden", "W2"], ["o0"]),
        helper.make_node("Add", ["o0", "B2"], ["logits"]),
    ] + head_nodes("logits")
    graph = helper.make_graph(
        nodes, "iris_mlp", inputs, outputs,
        initializer=[g.initializer(w1, "W1"), g.initializer(b1, "B1"),
                     g.initializer(w2, "W2"), g.initializer(b2, "B2")])

    def forward(features):
        hidden = np.maximum(features @ w1 + b1, np.float32(0))
        return softmax(hidden @ w2 + b2)

    return graph, forward, clf


def main():
    out = g.output_directory(HERE)
    iris = load_iris()
    x = iris.data.astype(np.float64)
    y = iris.target
    # Every 15th sample: all three classes, deterministic.
    sample = iris.data[::15].astype(np.float32)

    sums = []
    for version, (build, doc) in enumerate(
            [(logistic_regression, "Iris classifier: multinomial logistic regression."),
             (mlp, "Iris classifier: MLP, 16 ReLU hidden units.")], start=1):
        graph, forward, clf = build(x, y)
        model = g.make_model(graph, version=version, doc=doc,
                             metadata={"classes": CLASSES, "dataset": "sklearn.datasets.load_iris"})
        path = os.path.join(out, "iris", str(version), "model.onnx")
        digest = g.save(model, path)
        sums.append(f"{digest}  {version}/model.onnx")

        probabilities = forward(sample)
        labels = probabilities.argmax(axis=1)
        accuracy = float((forward(x.astype(np.float32)).argmax(axis=1) == y).mean())
        expected = {
            "input": "input",
            "shape": list(sample.shape),
            "inputs": [[float(v) for v in row] for row in sample],
            "probabilities": [[float(v) for v in row] for row in probabilities],
            "labels": [int(v) for v in labels],
            "training_accuracy": round(accuracy, 4),
        }
        with open(os.path.join(out, "iris", str(version), "expected.json"), "w") as f:
            json.dump(expected, f, indent=1)
            f.write("\n")
        print(f"iris/{version}/model.onnx  sha256 {digest}  training accuracy {accuracy:.4f}"
              f"  (sklearn {clf.score(x, y):.4f})")

    with open(os.path.join(out, "iris", "SHA256SUMS"), "w") as f:
        f.write("\n".join(sums) + "\n")


if __name__ == "__main__":
    main()
