#!/usr/bin/env python3
"""Bring a Keras 3 model back to gradlab (the page's upload, `gradlab
predict`, `gradlab train --model`).

    python3 tools/keras_save.py IN.keras OUT_DIR

Writes OUT_DIR/model.json and OUT_DIR/group1-shard1of1.bin in the layout
gradlab saves (a TensorFlow.js layers-model: the topology in Keras's
config form, a weights manifest, little-endian float32 weights). The
tokenizer, labels and padding come from IN.tokenizer.json and
IN.gradlab.json, which tools/keras_load.py wrote beside IN.keras; without
them the model still loads in gradlab but carries no tokenizer.

The model must be a Sequential stack of the layers gradlab has (those
tools/keras_load.py builds), or a functional graph of them with one input
and one output (Add, Concatenate and MultiHeadAttention included);
anything else stops the script, naming the layer. The files are for gradlab: its reader turns Keras's masked
GlobalAveragePooling1D back into gradlab's. For TensorFlow.js, load them in
gradlab (the page) and download from there: gradlab writes the masked
average in a form stock TensorFlow.js computes the same way.
"""

import json
import os
import sys

import numpy as np

SUPPORTED = {"Embedding", "Dense", "LSTM", "GRU", "Conv1D", "GlobalMaxPooling1D", "GlobalAveragePooling1D", "Dropout", "Flatten", "Conv2D", "MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D", "GlobalMaxPooling2D", "BatchNormalization", "LayerNormalization",
             # keras_hub's, whose weights are named by their path inside the layer.
             "TokenAndPositionEmbedding", "TransformerEncoder", "TransformerDecoder"}
COMPOSITE = {"TokenAndPositionEmbedding", "TransformerEncoder", "TransformerDecoder", "MultiHeadAttention"}
# Layers gradlab reads only inside a functional model's graph: Keras's
# SinePositionEncoding gives the term an Add joins to its input; the others
# take two or more inputs.
FUNCTIONAL_ONLY = {"SinePositionEncoding", "Add", "Concatenate", "MultiHeadAttention"}
WEIGHTS_FILE = "group1-shard1of1.bin"


def plain(v):
    """A Keras config value as plain JSON (tuples as lists, objects by name)."""
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    return str(v)


def save(model, out_dir, meta=None):
    import keras

    # A functional model goes back as its graph, which gradlab reads when it
    # is a chain but for gradlab's own forms (sinusoidal positions: an Add of
    # a layer's input and its SinePositionEncoding; gradlab checks the form).
    functional = not isinstance(model, keras.Sequential)
    if functional:
        graph = model.get_config()
        inbound = {l["name"]: plain(l.get("inbound_nodes", [])) for l in graph["layers"]}
    os.makedirs(out_dir, exist_ok=True)
    layers, manifest, chunks = [], [], []
    shape = list(model.input_shape)
    for i, layer in enumerate(model.layers):
        cls = type(layer).__name__
        if functional and cls == "InputLayer":
            layers.append({"class_name": cls, "name": layer.name, "config": {"name": layer.name, "batch_input_shape": [None] + shape[1:], "dtype": "float32"}, "inbound_nodes": []})
            continue
        if cls not in SUPPORTED and not (functional and cls in FUNCTIONAL_ONLY):
            raise ValueError(f"layer {i + 1} {layer.name} ({cls}) is not one gradlab has")
        cfg = plain(layer.get_config())
        cfg["dtype"] = "float32"
        cfg["name"] = layer.name
        if i == 0 and not functional:
            cfg["batch_input_shape"] = [None] + shape[1:]
        entry = {"class_name": cls, "config": cfg}
        if functional:
            entry["name"] = layer.name
            entry["inbound_nodes"] = inbound[layer.name]
        layers.append(entry)
        for v in layer.weights:
            value = np.asarray(v.numpy(), dtype="<f4")
            # From the layer's name on (Keras puts the model's in front).
            name = v.path[v.path.find(f"{layer.name}/"):] if cls in COMPOSITE else f"{layer.name}/{v.name}"
            manifest.append({"name": name, "shape": list(value.shape), "dtype": "float32"})
            chunks.append(value.tobytes())
    root = {
        "format": "layers-model",
        "generatedBy": f"keras {keras.__version__} (tools/keras_save.py)",
        "convertedBy": None,
        "modelTopology": {"class_name": "Functional" if functional else "Sequential",
                          "config": {"name": model.name, "layers": layers, **({"input_layers": plain(graph["input_layers"]), "output_layers": plain(graph["output_layers"])} if functional else {})},
                          "keras_version": keras.__version__, "backend": keras.backend.backend()},
        "weightsManifest": [{"paths": [WEIGHTS_FILE], "weights": manifest}],
    }
    if meta is not None:
        root["userDefinedMetadata"] = {"gradlab": meta}
    with open(os.path.join(out_dir, "model.json"), "w", encoding="utf-8") as f:
        json.dump(root, f, ensure_ascii=False, indent=1)
    with open(os.path.join(out_dir, WEIGHTS_FILE), "wb") as f:
        f.write(b"".join(chunks))


def metadata_beside(path):
    stem = path[: -len(".keras")] if path.endswith(".keras") else path
    meta_path, tok_path = stem + ".gradlab.json", stem + ".tokenizer.json"
    if not os.path.exists(meta_path):
        return None
    with open(meta_path, encoding="utf-8") as f:
        meta = json.load(f)
    if os.path.exists(tok_path):
        with open(tok_path, encoding="utf-8") as f:
            meta["tokenizer"] = json.load(f)
    return meta


def main(argv):
    if len(argv) != 3 or not argv[1].endswith(".keras"):
        print("usage: python3 tools/keras_save.py IN.keras OUT_DIR", file=sys.stderr)
        return 2
    import keras

    try:
        model = keras.saving.load_model(argv[1])
        meta = metadata_beside(argv[1])
        save(model, argv[2], meta)
    except (ValueError, OSError) as e:
        print(f"{argv[1]}: cannot write it for gradlab: {e}", file=sys.stderr)
        return 1
    print(f"wrote {os.path.join(argv[2], 'model.json')}" + ("" if meta else " (no IN.gradlab.json beside the model: no tokenizer or labels)"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
