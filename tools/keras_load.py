#!/usr/bin/env python3
"""Open a gradlab model in Keras 3.

    python3 tools/keras_load.py MODEL_DIR OUT.keras

MODEL_DIR holds what gradlab saves (`gradlab train --save DIR`, or the
page's download): model.json, a TensorFlow.js layers-model, and its weight
file. This builds the same network from Keras 3's own layers, sets the
weights from the weight file, and saves OUT.keras, which
`keras.saving.load_model` opens (TensorFlow or JAX backend) without custom
objects. Beside it:

  OUT.tokenizer.json  a text model's tokenizer in Keras's
                      `Tokenizer.to_json()` form, for
                      `keras_preprocessing.text.tokenizer_from_json`
  OUT.gradlab.json    labels (class i is labels[i]), max_len, padding and
                      truncating, or an image model's pixel scaling

A functional graph (Add, Concatenate, MultiHeadAttention and any other
layer reading earlier ones) becomes the same Keras functional model, a
MultiHeadAttention's use_causal_mask passed where Keras keeps it, in the
call. A masked average that gradlab writes as a small graph for TensorFlow.js
(see src/io/tfjs/mod.rs) becomes Keras's GlobalAveragePooling1D with the
Embedding's mask, as it was trained. One difference from gradlab remains,
and it is Keras's: a text with no known token at all (every step padding)
averages to 0/0 = NaN in Keras, where gradlab averages it to zero.

Anything that cannot be built exactly stops the script with a message that
names the layer. Needs Keras 3 (pip install tensorflow-cpu, or keras + jax).
"""

import json
import os
import sys

import numpy as np

# The masked-average branch gradlab writes, from the score Embedding to the Dot.
MASK_BRANCH = ["Embedding", "Flatten", "Activation", "Reshape", "Cropping2D", "Flatten"]
MASK_TOKEN_SCORES = [0.0, -1000.0]
MASK_PAD_SCORES = [-1000.0, -500.0]


class ModelFileError(Exception):
    pass


def inbound_names(layer):
    nodes = layer.get("inbound_nodes") or []
    if len(nodes) > 1:
        raise ModelFileError(f"layer {layer.get('name')}: it is applied more than once (shared layers are not supported)")
    out = []

    def walk(v):
        if isinstance(v, dict) and "args" in v:
            walk(v["args"])
            # Tensors passed by keyword, in MultiHeadAttention's call order.
            for key in ("query", "value", "key"):
                if key in (v.get("kwargs") or {}):
                    walk(v["kwargs"][key])
        elif isinstance(v, dict):
            hist = v.get("keras_history")
            if isinstance(hist, list) and hist and isinstance(hist[0], str):
                out.append(hist[0])
            else:
                for x in v.values():
                    walk(x)
        elif isinstance(v, list):
            if len(v) >= 3 and isinstance(v[0], str) and isinstance(v[1], int):
                out.append(v[0])
            else:
                for x in v:
                    walk(x)

    walk(nodes)
    return out


def layer_list(topology):
    """The model's layers as a chain: [(class_name, config)], and the score
    Embeddings of its masked averages (whose weights are checked, not used)."""
    topology = topology.get("model_config", topology)
    cls = topology.get("class_name")
    config = topology.get("config")
    if cls == "Sequential":
        layers = config if isinstance(config, list) else config["layers"]
        return [(l["class_name"], l.get("config", {}), None) for l in layers], []
    if cls not in ("Model", "Functional"):
        raise ModelFileError(f"only Sequential models and gradlab's functional form of a masked average are supported, this is '{cls}'")
    nodes, raw = {}, {}
    order = []
    for l in config["layers"]:
        name = l.get("name") or l["config"]["name"]
        nodes[name] = (l["class_name"], l.get("config", {}), inbound_names(l))
        raw[name] = l
        order.append(name)
    inputs = [n for n in order if nodes[n][0] == "InputLayer"]
    if len(inputs) != 1:
        raise ModelFileError(f"a model with {len(inputs)} inputs; only one is supported")
    skip, sources, branches, summed = set(), {}, [], {}
    for name in order:
        cls_, cfg, ins = nodes[name]
        sources[name] = ins
        if cls_ != "Dot":
            continue
        why = f"layer {name} (Dot) is supported only as gradlab's masked average"
        if len(ins) != 2:
            raise ModelFileError(f"{why}: it has {len(ins)} inputs")
        at, chain = ins[0], []
        for expected in reversed(MASK_BRANCH):
            c, lc, lin = nodes[at]
            if c != expected or len(lin) != 1:
                raise ModelFileError(f"{why}: layer {at} is {c} where {expected} was expected")
            chain.append(at)
            at = lin[0]
        if at != inputs[0]:
            raise ModelFileError(f"{why}: its score Embedding does not read the model's input")
        skip.update(chain)
        branches.append(chain[-1])
        sources[name] = [ins[1]]
    # gradlab's sinusoidal positions: Add(x, SinePositionEncoding(x)), read
    # as one layer in the Add's place (its name) that build() adds again.
    for name in order:
        cls_, cfg, ins = nodes[name]
        if cls_ != "Add":
            continue
        # Any other Add is a layer of its own (a residual connection).
        terms = [i for i in ins if i in nodes and nodes[i][0] in TERMS]
        if len(ins) != 2 or len(terms) != 1:
            continue
        x = ins[1] if ins[0] == terms[0] else ins[0]
        if nodes[terms[0]][2] != [x]:
            raise ModelFileError(f"layer {name} (Add): {terms[0]} does not read the Add's other input")
        skip.add(terms[0])
        sources[name] = [x]
        summed[name] = terms[0]
    # The rest is a graph from the input: each layer after what it reads
    # (Kahn's order, keeping the file's order among layers that are ready).
    kept = [n for n in order if n not in skip]
    for n in kept:
        for src in sources[n]:
            if src not in nodes or src in skip:
                raise ModelFileError(f"layer {n} reads '{src}', which is not a layer of the model")
    placed, chain = set(), []
    while len(chain) < len(kept):
        ready = [n for n in kept if n not in placed and all(s_ in placed for s_ in sources[n])]
        if not ready:
            raise ModelFileError(f"layer {next(n for n in kept if n not in placed)} depends on its own output (the graph has a cycle)")
        placed.add(ready[0])
        chain.append(ready[0])
    if chain[0] != inputs[0]:
        raise ModelFileError(f"layer {chain[0]} is not on the path from the input to the output")
    outputs = [o[0] if isinstance(o, list) else o for o in (config.get("output_layers") or [])]
    used = {s_ for n in chain for s_ in sources[n]}
    stray = [n for n in chain[:-1] if n not in used]
    if stray or (outputs and outputs[0] != chain[-1]):
        raise ModelFileError(f"layer {(stray or chain)[0]} is not on the path from the input to the output")
    out = []
    for n in chain:
        c, cfg, _ = nodes[n]
        srcs = list(sources[n])
        if c == "Dot":
            out.append(("GlobalAveragePooling1D", {"name": n, "_masked_average": True}, srcs))
        elif n in summed:
            out.append((nodes[summed[n]][0], {**nodes[summed[n]][1], "name": n, "_summed": True}, srcs))
        elif c in TERMS:
            raise ModelFileError(f"layer {n} ({c}) stands alone: Keras's {c} gives only the position vectors; gradlab writes it added to its input by an Add")
        else:
            out.append((c, {**cfg, "name": n, "_causal": call_flag(raw[n], "use_causal_mask")}, srcs))
    return out, branches


def call_flag(layer, key):
    """A call argument kept in a functional layer's node: Keras 3's
    `kwargs`, or the fourth entry of the first input (Keras 2, TensorFlow.js)."""
    nodes = layer.get("inbound_nodes") or []
    if not nodes:
        return False
    n = nodes[0]
    if isinstance(n, dict):
        return bool((n.get("kwargs") or {}).get(key))
    first = n[0] if n and isinstance(n[0], list) else n
    return bool(len(first) > 3 and isinstance(first[3], dict) and first[3].get(key))


def merge_leaky_relu(layers):
    """gradlab writes a layer with Keras's leaky_relu activation as the layer
    without one, then a LeakyReLU layer (TensorFlow.js has no leaky_relu
    activation): one layer again, as it was trained. In a graph, what read
    the LeakyReLU reads the merged layer."""
    out, renamed = [], {}
    for cls, cfg, srcs in layers:
        if srcs is not None:
            srcs = [renamed.get(x, x) for x in srcs]
        if cls != "LeakyReLU":
            out.append((cls, cfg, srcs))
            continue
        slope = cfg.get("alpha", cfg.get("negative_slope", 0.3))
        prev = out[-1] if out else (None, {}, None)
        if abs(slope - 0.2) > 1e-6 or prev[0] not in ("Dense", "Conv1D", "Conv2D") or (prev[1].get("activation") or "linear") != "linear" or (srcs is not None and srcs != [prev[1].get("name")]):
            raise ModelFileError(f"layer {cfg.get('name')} (LeakyReLU): supported only with slope 0.2 right after a Dense or convolution without activation")
        out[-1] = (prev[0], dict(prev[1], activation="leaky_relu"), prev[2])
        renamed[cfg.get("name")] = prev[1].get("name")
    return out


def input_shape_of(layers):
    for _, cfg, _ in layers:
        for key in ("batch_input_shape", "batch_shape"):
            if cfg.get(key):
                return tuple(cfg[key][1:])
        if cfg.get("input_length"):
            return (cfg["input_length"],)
    raise ModelFileError("the input shape is not given (no batch_input_shape or input_length)")


def pair(v, default):
    if v is None:
        return default
    if isinstance(v, (list, tuple)):
        return tuple(v) if len(v) == 2 else (v[0], v[0])
    return (v, v)


def one(v, default):
    if v is None:
        return default
    return v[0] if isinstance(v, (list, tuple)) else v


def activation(cfg, key, where):
    a = cfg.get(key) or "linear"
    if isinstance(a, dict):
        a = (a.get("config") or {}).get("name") or a.get("class_name")
    known = {"linear", "relu", "leaky_relu", "elu", "gelu", "sigmoid", "tanh", "softplus", "swish", "silu", "softmax", "selu", "softsign", "mish"}
    if a not in known:
        raise ModelFileError(f"{where}: activation '{a}' is not one this script builds")
    return a


def build_layer(keras, cls, cfg, where):
    L = keras.layers
    name = cfg.get("name")
    if cls == "Embedding":
        return L.Embedding(cfg["input_dim"], cfg["output_dim"], mask_zero=bool(cfg.get("mask_zero")), name=name)
    if cls == "Dense":
        return L.Dense(cfg["units"], activation=activation(cfg, "activation", where), use_bias=cfg.get("use_bias", True), name=name)
    if cls in ("LSTM", "GRU"):
        for key in ("go_backwards", "stateful", "return_state"):
            if cfg.get(key):
                raise ModelFileError(f"{where}: {key} is not supported")
        if cfg.get("activation", "tanh") != "tanh":
            raise ModelFileError(f"{where}: activation '{cfg.get('activation')}' is not supported (only tanh)")
        gate = cfg.get("recurrent_activation", "sigmoid")
        if gate != "sigmoid":
            # TensorFlow.js's (and Keras 2's) hard_sigmoid is 0.2x + 0.5;
            # Keras 3's is x/6 + 0.5: no Keras 3 gate computes the same.
            raise ModelFileError(f"{where}: recurrent_activation '{gate}' (TensorFlow.js's 0.2x + 0.5) has no exact Keras 3 counterpart (Keras 3's hard_sigmoid is x/6 + 0.5); retrain with sigmoid gates")
        if cls == "LSTM":
            return L.LSTM(cfg["units"], return_sequences=bool(cfg.get("return_sequences")), name=name)
        if cfg.get("reset_after") is False:
            raise ModelFileError(f"{where}: GRU with reset_after=false (TensorFlow.js's form) is not supported; gradlab writes reset_after=true")
        return L.GRU(cfg["units"], return_sequences=bool(cfg.get("return_sequences")), reset_after=True, name=name)
    if cls == "Conv1D":
        if cfg.get("padding", "valid") != "valid" or one(cfg.get("dilation_rate"), 1) != 1:
            raise ModelFileError(f"{where}: only padding 'valid' without dilation is supported")
        return L.Conv1D(cfg["filters"], one(cfg["kernel_size"], None), strides=one(cfg.get("strides"), 1), padding="valid", activation=activation(cfg, "activation", where), name=name)
    if cls in ("GlobalMaxPooling1D", "GlobalMaxPool1D"):
        return L.GlobalMaxPooling1D(name=name)
    if cls in ("GlobalAveragePooling1D", "GlobalAvgPool1D"):
        return L.GlobalAveragePooling1D(name=name)
    if cls == "Dropout":
        return L.Dropout(cfg.get("rate", 0.0), name=name)
    if cls == "Flatten":
        return L.Flatten(name=name)
    if cls in ("Conv2D", "Convolution2D"):
        if cfg.get("data_format", "channels_last") != "channels_last" or pair(cfg.get("dilation_rate"), (1, 1)) != (1, 1) or cfg.get("groups", 1) != 1:
            raise ModelFileError(f"{where}: only channels_last without dilation or groups is supported")
        return L.Conv2D(cfg["filters"], pair(cfg["kernel_size"], None), strides=pair(cfg.get("strides"), (1, 1)), padding=cfg.get("padding", "valid"), activation=activation(cfg, "activation", where), name=name)
    if cls in ("MaxPooling2D", "MaxPool2D", "AveragePooling2D", "AvgPool2D"):
        kind = L.MaxPooling2D if cls.startswith("Max") else L.AveragePooling2D
        size = pair(cfg.get("pool_size"), (2, 2))
        return kind(size, strides=pair(cfg.get("strides"), size), padding=cfg.get("padding", "valid"), name=name)
    if cls in ("GlobalAveragePooling2D", "GlobalAvgPool2D"):
        return L.GlobalAveragePooling2D(name=name)
    if cls in ("GlobalMaxPooling2D", "GlobalMaxPool2D"):
        return L.GlobalMaxPooling2D(name=name)
    if cls == "BatchNormalization":
        axis = one(cfg.get("axis"), -1)
        if axis not in (-1, 3) or cfg.get("center") is False or cfg.get("scale") is False:
            raise ModelFileError(f"{where}: only the last axis, with center and scale, is supported")
        return L.BatchNormalization(axis=-1, momentum=cfg.get("momentum", 0.99), epsilon=cfg.get("epsilon", 1e-3), name=name)
    if cls == "LayerNormalization":
        axis = cfg.get("axis", -1)
        if axis not in (-1, [-1]) or cfg.get("center") is False or cfg.get("scale") is False or cfg.get("rms_scaling"):
            raise ModelFileError(f"{where}: only the last axis, with center and scale, is supported")
        return L.LayerNormalization(axis=-1, epsilon=cfg.get("epsilon", 1e-3), name=name)
    if cls == "Add":
        return L.Add(name=name)
    if cls == "Concatenate":
        if cfg.get("axis", -1) != -1:
            raise ModelFileError(f"{where}: only the last axis is supported")
        # Keras 3 names the concatenate op its masks go through "concatenate"
        # too, and a model's names must be unique: the layer gets another
        # (it has no weights to find by name).
        return L.Concatenate(axis=-1, name=f"{name}_joined")
    if cls == "MultiHeadAttention":
        for key in ("use_gate", "sliding_window"):
            if cfg.get(key):
                raise ModelFileError(f"{where}: {key} is not supported")
        if cfg.get("attention_axes") not in (None, 1, [1]):
            raise ModelFileError(f"{where}: only attention over the time axis is supported")
        return L.MultiHeadAttention(cfg["num_heads"], cfg["key_dim"], value_dim=cfg.get("value_dim"), dropout=cfg.get("dropout", 0.0),
                                    use_bias=cfg.get("use_bias", True), output_shape=cfg.get("output_shape"), name=name)
    if cls in KERAS_HUB:
        return keras_hub_layer(cls, cfg, name, where)
    raise ModelFileError(f"{where}: layer type '{cls}' is not one this script builds")


# The Transformer layers gradlab writes, as keras_hub defines them.
KERAS_HUB = ("TokenAndPositionEmbedding", "TransformerEncoder", "TransformerDecoder", "SinePositionEncoding")
# keras_hub layers that give a term which an Add joins to their input.
TERMS = ("SinePositionEncoding",)


def keras_hub_layer(cls, cfg, name, where):
    try:
        import keras_hub
    except ImportError as e:
        raise ModelFileError(f"{where}: {cls} is keras_hub's layer; install keras-hub ({e})")
    H = keras_hub.layers
    if cls == "SinePositionEncoding":
        return H.SinePositionEncoding(max_wavelength=cfg.get("max_wavelength", 10000), name=name)
    if cls == "TokenAndPositionEmbedding":
        return H.TokenAndPositionEmbedding(cfg["vocabulary_size"], cfg["sequence_length"], cfg["embedding_dim"], mask_zero=bool(cfg.get("mask_zero")), name=name)
    if cfg.get("encoder_sequence_shape"):
        raise ModelFileError(f"{where}: cross-attention (an encoder sequence) is not supported")
    kind = H.TransformerEncoder if cls == "TransformerEncoder" else H.TransformerDecoder
    return kind(cfg["intermediate_dim"], cfg["num_heads"], dropout=cfg.get("dropout", 0.0), activation=activation(cfg, "activation", where),
                layer_norm_epsilon=cfg.get("layer_norm_epsilon", 1e-5), normalize_first=bool(cfg.get("normalize_first")), name=name)


def read_weights(model_dir, root):
    """Manifest name -> float32 array, from the weight files in order."""
    out, data = {}, b""
    entries = []
    for group in root.get("weightsManifest") or []:
        for p in group["paths"]:
            with open(os.path.join(model_dir, p), "rb") as f:
                data += f.read()
        entries.extend(group["weights"])
    at = 0
    for e in entries:
        if e.get("dtype", "float32") != "float32" or e.get("quantization"):
            raise ModelFileError(f"weight {e['name']} is {e.get('dtype')} or quantised; only float32 is supported")
        n = int(np.prod(e["shape"])) if e["shape"] else 1
        if at + 4 * n > len(data):
            raise ModelFileError(f"the weight files end at byte {len(data)} but {e['name']} needs bytes {at}..{at + 4 * n}")
        out[e["name"]] = np.frombuffer(data, dtype="<f4", count=n, offset=at).reshape(e["shape"]).copy()
        at += 4 * n
    return out


def build(model_dir, out_path):
    import keras

    path = model_dir if model_dir.endswith(".json") else os.path.join(model_dir, "model.json")
    model_dir = os.path.dirname(path)
    with open(path, encoding="utf-8") as f:
        root = json.load(f)
    if "modelTopology" not in root:
        raise ModelFileError(f"{path}: no modelTopology (not a TensorFlow.js layers-model)")
    layers, branches = layer_list(root["modelTopology"])
    layers = merge_leaky_relu(layers)
    shape = input_shape_of(layers)
    weights = read_weights(model_dir, root)
    for b in branches:
        w = weights.get(f"{b}/embeddings")
        want = np.array([MASK_PAD_SCORES] + [MASK_TOKEN_SCORES] * (0 if w is None else w.shape[0] - 1), dtype=np.float32)
        if w is None or w.shape != want.shape or not np.array_equal(w, want):
            raise ModelFileError(f"{b}/embeddings is not the padding mask's scores: the masked average was changed")

    model_name = root["modelTopology"].get("config", {}).get("name", "gradlab") if isinstance(root["modelTopology"].get("config"), dict) else "gradlab"
    # A chain is a Sequential, unless a layer is summed with its input
    # (sinusoidal positions); that and any other graph is a functional model.
    graph = any(srcs is not None and cls != "InputLayer" and srcs != [prev] for (cls, _, srcs), prev in zip(layers, [None] + [cfg.get("name") for _, cfg, _ in layers]))
    functional = graph or any(cfg.get("_summed") for _, cfg, _ in layers)
    tensors = {}
    if functional:
        inp = keras.Input(shape=shape, dtype="float32")
        flow = [inp]
        input_name = next((cfg.get("name") for cls, cfg, _ in layers if cls == "InputLayer"), None)
        tensors[input_name] = inp

        def add(layer, cls=None, cfg=None, srcs=None):
            if not graph or srcs is None:
                flow[0] = layer(flow[0])
            else:
                ins = [tensors[x] for x in srcs]
                if cls == "MultiHeadAttention":
                    flow[0] = layer(*ins, use_causal_mask=bool(cfg.get("_causal") or cfg.get("use_causal_mask")))
                elif cls in ("Add", "Concatenate"):
                    flow[0] = layer(ins)
                else:
                    flow[0] = layer(ins[0])
            tensors[cfg.get("name") if cfg else layer.name] = flow[0]
    else:
        model = keras.Sequential(name=model_name)
        model.add(keras.Input(shape=shape, dtype="float32"))
        add = model.add
    built = []
    masked = False
    for i, (cls, cfg, srcs) in enumerate(layers):
        if cls == "InputLayer":
            continue
        where = f"layer {i + 1} {cfg.get('name')} ({cls})"
        if graph and srcs:
            # A graph's Keras tensors carry their own masks.
            masked = getattr(tensors[srcs[0]], "_keras_mask", None) is not None
            flow[0] = tensors[srcs[0]]
        if cfg.get("_masked_average") and not masked:
            raise ModelFileError(f"{where}: the masked average needs a mask, but no Embedding with mask_zero passes one to it")
        if cfg.get("_summed"):
            term = build_layer(keras, cls, {**cfg, "name": f"{cfg.get('name')}_term"}, where)
            flow[0] = keras.layers.Add(name=cfg.get("name"))([flow[0], term(flow[0])])
            tensors[cfg.get("name")] = flow[0]
            masked = False  # Keras's term layer drops the mask, and Add keeps none then
            continue
        layer = build_layer(keras, cls, cfg, where)
        if functional:
            add(layer, cls, cfg, srcs)
        else:
            add(layer)
        built.append((layer, cfg.get("name"), where))
        # Whether a mask reaches the next layer (as Keras and gradlab pass it).
        if cls in ("Embedding", "TokenAndPositionEmbedding"):
            masked = bool(cfg.get("mask_zero"))
        elif cls in ("LSTM", "GRU"):
            masked = masked and bool(cfg.get("return_sequences"))
        elif cls not in ("Dense", "Dropout", "BatchNormalization", "LayerNormalization", "TransformerEncoder", "TransformerDecoder"):
            masked = False
    if functional:
        model = keras.Model(inp, flow[0], name=model_name)
    for layer, name, where in built:
        values = []
        for v in layer.weights:
            # A composite layer's weights by their path from the layer on
            # (transformer_encoder/self_attention_layer/query/kernel; Keras
            # puts the model's name in front).
            inner = v.path[v.path.find(f"{name}/"):] if f"{name}/" in v.path else None
            key = inner if inner in weights else f"{name}/{v.name}"
            if key not in weights:
                raise ModelFileError(f"{where}: the weight file has no {key}")
            if tuple(weights[key].shape) != tuple(v.shape):
                raise ModelFileError(f"{where}: {key} has shape {list(weights[key].shape)}, Keras needs {list(v.shape)}")
            values.append(weights[key])
        layer.set_weights(values)
    model.save(out_path)

    stem = out_path[: -len(".keras")] if out_path.endswith(".keras") else out_path
    meta = (root.get("userDefinedMetadata") or {}).get("gradlab")
    written = [out_path]
    if meta:
        if meta.get("tokenizer"):
            with open(stem + ".tokenizer.json", "w", encoding="utf-8") as f:
                f.write(json.dumps(meta["tokenizer"], ensure_ascii=False))
            written.append(stem + ".tokenizer.json")
        with open(stem + ".gradlab.json", "w", encoding="utf-8") as f:
            json.dump({k: v for k, v in meta.items() if k != "tokenizer"}, f, ensure_ascii=False, indent=1)
        written.append(stem + ".gradlab.json")
    return model, written


def main(argv):
    if len(argv) != 3 or not argv[2].endswith(".keras"):
        print("usage: python3 tools/keras_load.py MODEL_DIR OUT.keras", file=sys.stderr)
        return 2
    try:
        import keras
    except ImportError:
        print("keras_load.py needs Keras 3: pip install tensorflow-cpu (or keras with jax)", file=sys.stderr)
        return 2
    if not keras.__version__.startswith("3."):
        print(f"keras_load.py needs Keras 3, this is Keras {keras.__version__}", file=sys.stderr)
        return 2
    try:
        _, written = build(argv[1], argv[2])
    except (ModelFileError, OSError, KeyError, ValueError, json.JSONDecodeError) as e:
        print(f"{argv[1]}: cannot build the Keras model: {e}", file=sys.stderr)
        return 1
    print("wrote " + ", ".join(written))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
