#!/usr/bin/python3
"""Writes the example model's data set: the 150 rows of Fisher's iris data (as scikit-learn ships it) as CSV.

  datasets/iris.csv  sepal_length,sepal_width,petal_length,petal_width (cm), species

The rows the iris models were trained on; the README scores them with inference-batch.
Usage: /usr/bin/python3 tests/models/make_iris_data.py [output folder; default tests/models, writing datasets/ in it]
"""

import os
import sys

from sklearn.datasets import load_iris

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    out = os.path.join(sys.argv[1] if len(sys.argv) > 1 else HERE, "datasets")
    os.makedirs(out, exist_ok=True)
    data = load_iris()
    path = os.path.join(out, "iris.csv")
    with open(path, "w", newline="\n") as f:
        f.write("sepal_length,sepal_width,petal_length,petal_width,species\n")
        for features, target in zip(data.data, data.target):
            f.write(",".join(repr(float(v)) for v in features) + "," + data.target_names[target] + "\n")
    print(f"{path}  {len(data.data)} rows")


if __name__ == "__main__":
    main()
