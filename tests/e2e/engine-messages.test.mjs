// The engine's English messages, assembled exactly as the Rust code builds
// them, must come out of the Chinese table with no English left but the
// user data in them and the technical names a Chinese page keeps as they are.
// Run: node --test tests/e2e/engine-messages.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { ENGINE, FIELDS } from '../../www/lang/zh-engine.js';

function translate(msg) {
  for (const [re, rep] of ENGINE) msg = msg.replace(re, rep);
  return msg;
}

// The Display templates of src/error.rs.
const emptyData = (source, reason) => `no usable rows in ${source}: ${reason}`;
const setting = (field, reason) => `invalid value for ${field}: ${reason}`;
const shape = (op, detail) => `shape mismatch in ${op}: ${detail}`;
const invalidModel = (index, layer, reason) => `invalid model at layer ${index} (${layer}): ${reason}`;
const modelFile = (file, reason) => `bad model file ${file}: ${reason}`;
const nonFinite = (step, epoch, what) => `training diverged at step ${step} (epoch ${epoch}): ${what} is not finite; the last good weights were kept`;
const UPLOAD = 'the uploaded model.json';
// src/nn/mod.rs expect_sequence
const needsSequence = (layer, shape) => `${layer} needs a sequence [time, features] but receives shape ${shape}; put it after an Embedding, Conv1D or a recurrent layer with return_sequences`;
// src/nn/mod.rs expect_image
const needsImages = (layer, shape) => `${layer} needs images [height, width, channels] but receives shape ${shape}; use it on image data, before Flatten or global pooling`;
// src/backend/window.rs Window2d::new
const noFit = (k, h, w) => `a ${k}×${k} window does not fit a ${h}×${w} image with valid padding; use padding 'same', a smaller window, or a larger image`;
// src/model.rs architecture: the last layer's output must be a vector
const endInVector = (shape) => `the model must end in one vector of class scores, but its output has shape ${shape}; add Flatten or global pooling (GlobalAveragePooling1D/2D, GlobalMaxPooling1D/2D) before the Dense layers, or set return_sequences off on the last recurrent layer`;

// Names a Chinese ML page keeps in Latin letters.
const ALLOWED = [
  'LSTM', 'GRU', 'Dense', 'Embedding', 'Conv1D', 'GlobalAveragePooling1D', 'GlobalMaxPooling1D', 'Flatten', 'Dropout',
  'softmax', 'hard_sigmoid', 'sigmoid', 'tanh', 'relu', 'mask_zero', 'return_sequences', 'recurrent_activation',
  'Keras', 'TensorFlow.js', 'NaN', 'TAB', 'CSV', 'TSV', 'model.json', 'JSON', 'UTF-8', 'Unicode', 'float32', 'Sequential',
  'modelTopology', 'config', 'class_name', 'batch_input_shape', 'input_length', 'word_index', 'gradlab', 'set_weights', 'inf',
  'WebGPU', 'webgpu', 'GPU', 'CPU', 'GFLOP', 'NUL',
  'Conv2D', 'MaxPooling2D', 'AveragePooling2D', 'GlobalAveragePooling2D', 'GlobalMaxPooling2D', 'BatchNormalization', 'RGB',
  'LayerNormalization',
];

// [English message as the engine produces it, user data and names it carries]
const CASES = [
  // the compute backend (src/backend_choice.rs, src/lab/, src/backend/gpu/context.rs)
  ['asked for the CPU', []],
  ['asked for the GPU: SwiftShader Device (webgpu)', ['SwiftShader Device']],
  ['asked for the GPU, but this browser offers no WebGPU adapter; training on the CPU', []],
  ['auto: CPU, because WebGPU is not available in this browser', []],
  ['auto: CPU, because the only GPU adapter, SwiftShader Device, is software running on this same CPU', ['SwiftShader Device']],
  ['auto: CPU, because a step of this model is 0.12 GFLOP, too little to gain from NVIDIA H200 (it pays from 2 GFLOP)', ['NVIDIA H200']],
  ['auto: GPU NVIDIA H200, for 5.1 GFLOP a step', ['NVIDIA H200']],
  ['the GPU stopped (device destroyed); training continues on the CPU from the last slice', ['device destroyed']],
  // settings (src/lab/, src/data/mod.rs, src/trainer.rs, src/optim/mod.rs, src/model.rs)
  [setting('validation split', '0.95 must be at least 0 and below 0.9'), []],
  [setting('learning rate', '0 is not a usable learning rate (give a positive number, typically 1e-4 to 1)'), []],
  [setting('batch size', '0 must be between 1 and 65,536'), []],
  [setting('epochs', '200000 must be between 1 and 100,000'), []],
  [setting('num words', '1 is too small; the vocabulary needs at least 2 entries (padding and one word)'), []],
  [setting('num words', '6000000 is too large (at most 5,000,000)'), []],
  [setting('max length', '20000 must be between 1 and 10,000'), []],
  [setting('max length', 'must be at least 1'), []],
  [setting('momentum', '1.5 must be in [0, 1)'), []],
  [setting('beta2', '1 must be in [0, 1)'), []],
  [setting('epsilon', '-0.001 must be a small positive number'), []],
  [setting('weight decay', '-0.1 must be ≥ 0'), []],
  [setting('clip norm', '0 must be positive'), []],
  [setting('loss', 'categorical cross-entropy needs one output per class; use binary cross-entropy with a single sigmoid output'), []],
  [setting('model', "unknown preset 'transformer'"), ['transformer']],
  [setting('model', 'a custom model needs a layer list'), []],
  [setting('line 7', "label 'neutral' is not one of the model's classes (negative, positive)"), ['neutral', 'negative', 'positive']],
  [setting('num words', "token id 12000 does not fit the Embedding's 10000 rows; use a vocabulary of at most 10000 words"), []],
  [setting('predict', 'train a model first (or load one)'), []],
  [setting('download', 'there is no trained model yet'), []],
  [setting('gate layer', 'layer 5 (dense) is not an LSTM'), ['dense']],
  [setting('gate layer', 'the model has 4 layers'), []],
  [setting('gate layer', 'an LSTM needs a sequence before it'), []],
  // ensure_trainer: "not ready: {first of missing()}"
  [setting('training', 'not ready: data: paste labelled text or pick a sample'), []],
  [setting('training', `not ready: model: ${invalidModel(3, 'LSTM(32)', needsSequence('LSTM', '[64]'))}`), []],
  [setting('training', `not ready: settings: ${setting('learning rate', 'inf is not a usable learning rate (give a positive number, typically 1e-4 to 1)')}`), []],
  // missing() entries
  ['data: at least two classes', []],
  [`settings: ${setting('validation split', 'NaN must be at least 0 and below 0.9')}`, []],
  [`model: ${invalidModel(5, 'Dense(2, softmax)', endInVector('[100, 2]'))}`, []],
  [`model: ${setting('model', "unknown preset 'gpt'")}`, ['gpt']],
  // loading data (src/data/parse.rs, src/lab/, src/trainer.rs)
  [emptyData('the pasted data', "it is empty; paste lines like 'positive<TAB>great film'"), []],
  [emptyData('the pasted data', 'it is 40.5 MB; the lab takes at most 32 MB'), []],
  [emptyData('the pasted data', 'cleaning removed every row'), []],
  [emptyData('the pasted data', 'none of its 3 lines has a label and a text (line 1: no tab separating a label from the text)'), []],
  [emptyData('the pasted data', 'none of its 2 lines has a label and a text (line 2: not valid CSV: CSV parse error: record 1 (line 2, field: 1, byte: 14): invalid utf-8: invalid UTF-8 in field 1 near byte index 3)'), []],
  [emptyData('training set', 'it has no rows'), []],
  [emptyData('training set', 'it has only one class (spam); a classifier needs at least two'), ['spam']],
  // per-line rejection reasons
  ['binary data, not text', []],
  // src/error.rs Error::BinaryData: a binary file (an archive, an image, a PDF) given as data
  ['data is binary, not text (a NUL or control byte on line 3); give a text file with one labelled example per line', []],
  // src/lab/ untrainable_reason, src/lab/images.rs: an uploaded model that cannot train on the data loaded
  [setting('training', "the uploaded model has no rows to train on; load rows labelled with its classes ('ham', 'spam'), then upload the model again to train it further (it can predict now)"), ["'ham', 'spam'"]],
  [setting('training', "the uploaded model's classes ('0', '1') differ from those of the rows loaded ('neg', 'pos'); load rows labelled with the model's classes, then upload the model again to train it further (it can predict now)"), ["'0', '1'", "'neg', 'pos'"]],
  [setting('training', "the uploaded model has no images to train on; load images labelled with its classes ('0', '1', '2'), then upload the model again to train it further (it can predict now)"), []],
  [setting('training', 'the uploaded model takes 8×8×1 images and the images loaded are 28×28×1; load images of the model\'s shape, then upload the model again to train it further (it can predict now)'), []],
  ["data: the uploaded model has no rows to train on; load rows labelled with its classes ('ham', 'spam'), then upload the model again to train it further (it can predict now)", ["'ham', 'spam'"]],
  // src/optim/schedule.rs Schedule::validate
  [setting('schedule', "plateau factor 1.5: it must be between 0 and 1 (exclusive), as Keras's ReduceLROnPlateau requires"), ['ReduceLROnPlateau']],
  [setting('schedule', 'step every 0 by 0.5: give whole steps ≥ 1 and a factor > 0'), []],
  [setting('schedule', 'exponential over 0 steps at rate 0.9: give whole steps ≥ 1 and a rate > 0'), []],
  [setting('schedule', 'cosine over 0 steps to 0: give whole steps ≥ 1 and a floor in [0, 1]'), []],
  // src/io/tfjs.rs tfjs_incompatibilities
  ["layer 2, GRU(8): TensorFlow.js cannot load this model. Its GRU implements only reset_after=false (the reset gate applied before the recurrent product), gradlab's and Keras's GRU is reset_after=true, and neither can be rewritten as the other. Use LSTM for a model meant for TensorFlow.js; Keras loads this one (tools/keras_load.py).", ['GRU(8)', 'reset_after=false', 'reset_after=true', 'tools/keras_load.py']],
  // src/model.rs check_budget; src/io/tfjs.rs; src/data/tokenizer.rs
  [invalidModel(2, 'Dense(1000000000, relu)', 'it has 64000000064 parameters, and a model may have at most 100000000 in all; use fewer units, filters or words'), ['Dense(1000000000, relu)']],
  [invalidModel(1, 'Conv2D(16, 3)', 'its output [6, 6, 1000000000] holds more than 32000000 values per sample; make it smaller'), ['Conv2D(16, 3)']],
  [modelFile(UPLOAD, 'weight dense/kernel holds NaN at index 3; a model with NaN or infinite weights cannot predict'), ['dense/kernel']],
  [modelFile(UPLOAD, "tokenizer word_index: 'cruise' has index 90, but indices run from 1 to the number of words (12)"), ["'cruise'"]],
  ['no comma separating a label from the text', []],
  ['the label is empty', []],
  ['the label is 140 characters long; is the label in the other column?', []],
  // data-report warnings
  ["Only one class ('ham'): a classifier needs at least two.", ['ham']],
  ['Classes are badly imbalanced (900 vs 30 rows): accuracy alone will mislead; watch per-class recall.', []],
  ["Rows arrive sorted by label: a 'last fraction' validation split would see mostly one class. The default stratified split shuffles.", []],
  ['250 distinct labels: is the label in the other column?', []],
  // lints (src/presets.rs)
  ["LSTM(64, return_sequences) reads 'post'-padded sequences without a mask: after each text it runs through dozens of padding steps that wash out what it read, and typically stays at chance (the classic example's 52% test accuracy). Set mask_zero on the Embedding, or pad 'pre'.", []],
  ['Conv1D and Flatten do not use the padding mask: padded steps count as tokens after them.', []],
  // Trainer.stopped
  [nonFinite(37, 2, 'the loss'), []],
  [nonFinite(120, 4, 'a gradient'), []],
  [nonFinite(8, 1, 'a weight after the update'), []],
  ['early stopping: validation loss has not improved for 3 epochs', []],
  // the model (src/model.rs, src/nn/*.rs, src/trainer.rs)
  [invalidModel(3, 'Conv1D(128, 5, relu)', 'kernel size 5 is longer than the sequence (3 steps); lower it or raise max length'), []],
  [invalidModel(2, 'Conv1D(128, 0, relu)', 'kernel size and stride must be at least 1'), []],
  [invalidModel(2, 'Dense(24, relu)', 'Dense needs at least one input axis'), []],
  [invalidModel(2, 'Embedding(10000, 64, mask_zero)', 'Embedding must be the first layer (it reads token ids [time]) but receives shape [100, 64]'), []],
  [invalidModel(3, 'Dropout(1.5)', 'dropout rate 1.5 must be in [0, 1)'), []],
  [invalidModel(0, '-', 'the model has no layers'), []],
  [invalidModel(4, 'Dense(0, relu)', 'its output shape [0] is empty; every size must be at least 1'), []],
  [invalidModel(3, 'GlobalMaxPooling1D', needsSequence('global pooling', '[64]')), []],
  [invalidModel(4, 'GRU(32)', needsSequence('GRU', '[32]')), []],
  [invalidModel(5, 'Dense(3, softmax)', 'it outputs 3 values but the data has 2 classes'), []],
  [shape('model input', 'a row of 99 values for a model reading 100 ([100])'), []],
  [shape('model input', 'a row of 63 values for a model reading 64 ([8, 8, 1])'), []],
  [shape('set_weights', 'lstm/kernel needs [64, 256] (16384 values), got 100'), ['lstm/kernel']],
  [shape('set_weights', 'layer 2 (lstm) has 3 weights, got 2'), ['lstm']],
  [shape('set_weights', '4 layers of weights for a model of 5 layers'), []],
  // an uploaded model (src/lab/, src/io/tfjs.rs, src/data/tokenizer.rs)
  [modelFile(UPLOAD, 'not valid JSON: expected value at line 1 column 1'), []],
  [modelFile(UPLOAD, 'not valid JSON: EOF while parsing an object at line 12 column 0'), []],
  [modelFile(UPLOAD, 'not valid JSON: trailing comma at line 3 column 5'), []],
  [modelFile(UPLOAD, 'no modelTopology'), []],
  [modelFile(UPLOAD, "only Sequential models are supported, this is 'Functional'"), ['Functional']],
  [modelFile(UPLOAD, 'config has no layers'), ['layers']],
  [modelFile(UPLOAD, 'modelTopology has no config'), []],
  [modelFile(UPLOAD, 'a layer has no class_name'), []],
  [modelFile(UPLOAD, 'the input shape is not given (no batch_input_shape or input_length)'), []],
  [modelFile(UPLOAD, 'layer lstm (LSTM): go_backwards is not supported'), ['lstm', 'go_backwards']],
  [modelFile(UPLOAD, 'layer lstm_1 (LSTM): recurrent_activation \'relu\' is not supported (only sigmoid or hard_sigmoid)'), ['lstm_1']],
  [modelFile(UPLOAD, 'layer lstm (LSTM): activation \'relu\' is not supported (only \'tanh\')'), ['lstm']],
  [modelFile(UPLOAD, 'layer lstm (LSTM): recurrent layers without a bias are not supported'), ['lstm']],
  [modelFile(UPLOAD, "layer gru (GRU): GRU with reset_after=false (TensorFlow.js's form) is not supported yet; only Keras's default reset_after=true"), ['gru', 'reset_after=false', 'reset_after=true']],
  [modelFile(UPLOAD, "layer conv1d (Conv1D): padding 'same' is not supported (only 'valid')"), ['conv1d', 'padding', 'same', 'valid']],
  [modelFile(UPLOAD, 'layer conv1d (Conv1D): dilation is not supported'), ['conv1d', 'dilation']],
  [modelFile(UPLOAD, 'layer conv1d (Conv1D): Conv1D without a bias is not supported'), ['conv1d']],
  [modelFile(UPLOAD, "layer dense (Dense): missing 'units'"), ['dense', 'units']],
  [modelFile(UPLOAD, "layer dense_1: activation 'mish' is not supported"), ['dense_1', 'mish']],
  [modelFile(UPLOAD, "layer attention: type 'MultiHeadAttention' is not supported"), ['attention', 'MultiHeadAttention']],
  [modelFile(UPLOAD, invalidModel(3, 'LSTM(32)', needsSequence('LSTM', '[64]'))), []],
  [modelFile(UPLOAD, 'the manifest lists 7 weights, the layers need 8'), []],
  [modelFile(UPLOAD, 'weight lstm/kernel has shape [64, 128], layer lstm needs [64, 256] for kernel'), ['lstm/kernel', 'lstm', 'kernel']],
  [modelFile(UPLOAD, 'weight dense/kernel is float16 or quantised; only float32 is supported'), ['dense/kernel', 'float16']],
  [modelFile(UPLOAD, 'the weight file ends at byte 4096 but dense/bias needs bytes 4096..4104'), ['dense/bias']],
  [modelFile(UPLOAD, 'the weight file has 4200 bytes, the manifest accounts for 4104'), []],
  [modelFile(UPLOAD, "metadata padding must be 'pre' or 'post'"), ['padding', 'pre', 'post']],
  [modelFile(UPLOAD, 'tokenizer has no config'), []],
  [modelFile(UPLOAD, 'tokenizer has an empty word_index'), []],
  [modelFile(UPLOAD, 'tokenizer word_index: EOF while parsing a value at line 1 column 0'), []],
  [modelFile(UPLOAD, 'character-level tokenizers are not supported'), []],
  [modelFile(UPLOAD, 'it has no gradlab tokenizer and labels'), []],
  [modelFile(UPLOAD, 'it has no tokenizer'), []],

  // images: a pixel CSV (src/data/image.rs, src/lab/images.rs)
  [setting('image shape', "'8 by 8' is not HEIGHTxWIDTH or HEIGHTxWIDTHxCHANNELS (e.g. 8x8x1, 28x28, 32x32x3)"), ['8 by 8']],
  [setting('image shape', '8x8x2: height and width must be at least 1 and channels 1 (grayscale) or 3 (RGB)'), []],
  [setting('image shape', '1024x768 is larger than 512x512; resize the images first'), []],
  [setting('image shape', 'line 2 has 63 pixel values, which is not a square; give the shape (e.g. 28x28x1 or 32x32x3)'), []],
  [setting('image shape', 'every size must be at least 1'), []],
  ['expected label,p0,p1,… (comma-separated); found one field', []],
  ["pixel 17 ('abc') is not a finite number", ['abc']],
  ["pixel 0 ('NaN') is not a finite number", []],
  ['63 pixel values, but a 8x8x1 image has 64', []],
  ['the label (first field) is empty', []],
  [setting('line 12', "label 'seven' is not one of the model's classes (0, 1, 2)"), ['seven']],
  [emptyData('the image data', 'no line holds a label and pixel values (label,p0,p1,…)'), []],
  [emptyData('the image data', "line 3: pixel 1 ('x') is not a finite number"), []],
  [emptyData('the image data', 'line 2: 4 pixel values, but a 3x3x1 image has 9'), []],
  [emptyData('the image data', 'it is empty'), []],
  [emptyData('the pasted images', 'they are 33.2 MB; the lab takes at most 32 MB'), []],
  // dropped image files
  ['cats/001.png: no label; put files in one folder per class, or name them label_anything.png', ['cats/001.png', 'png']],
  ['broken_3.png: could not be decoded (0x0, 0 bytes)', ['broken_3.png']],
  ["digits/3/a.png: 32x32 differs from the first image's 28x28", ['digits/3/a.png']],
  [emptyData('the dropped images', 'no files were dropped'), []],
  [emptyData('the dropped images', 'notes.png: could not be decoded (0x0, 0 bytes)'), ['notes.png']],
  // image data-report warnings
  ["Only one class ('cat'): a classifier needs at least two.", ['cat']],
  ['Classes are badly imbalanced (900 vs 12 images): accuracy alone will mislead; watch per-class recall.', []],
  ["Images arrive sorted by label: a 'last fraction' validation split would see mostly one class. The default stratified split shuffles.", []],
  // augmentation (src/data/augment.rs; the page's fields and --augment)
  [setting('augment shift', '0.7 must be between 0 and 0.5 (a fraction of the image)'), []],
  [setting('augment shift', 'NaN must be between 0 and 0.5 (a fraction of the image)'), []],
  [setting('augment rotation', '-5 must be between 0 and 180 degrees'), []],
  [setting('augment zoom', 'inf must be between 0 and 0.9 (a fraction)'), []],
  [setting('--augment', "'zoom' needs a number, e.g. zoom=0.1"), ['--augment', 'zoom', 'zoom=0.1']],
  [setting('--augment', "unknown part 'blur' (use shift=F, rotate=DEGREES, zoom=F, flip)"), ['--augment', 'blur', 'shift=F', 'rotate=', 'zoom=F', 'flip']],
  [setting('augmentation', 'load images first'), []],
  // settings, prediction and pictures (src/lab/, src/lab/images.rs)
  [setting('image size', '200 must be between 4 and 128 pixels'), []],
  [setting('predict', 'this model reads images: draw on the pad instead'), []],
  [setting('predict', 'the model reads text, not images'), []],
  [setting('predict', 'load images first'), []],
  [setting('drawing', '100 values for a 32x32 pad'), []],
  [setting('filters', 'the model has no Conv2D layer'), []],
  [setting('feature maps', 'load images first'), []],
  [setting('training', 'not ready: data: at least two classes'), []],
  [modelFile(UPLOAD, 'an image model needs its pixel scaling in the gradlab metadata'), []],
  // the model on images (src/model.rs, src/nn/*.rs, src/backend/window.rs)
  [invalidModel(1, 'Embedding(10000, 64, mask_zero)', 'an Embedding reads token ids, but this data is images of shape [8, 8, 1]; start with Conv2D, Flatten or Dense'), []],
  [invalidModel(1, 'Conv2D(16, 3×3, relu)', 'text is read as token ids: start the model with an Embedding'), []],
  [`model: ${invalidModel(6, 'Dense(10, softmax)', endInVector('[6, 6, 10]'))}`, []],
  [invalidModel(3, 'Conv2D(32, 3×3, relu)', needsImages('Conv2D', '[64]')), []],
  [invalidModel(2, 'MaxPooling2D(2×2)', needsImages('MaxPooling2D', '[100, 64]')), []],
  [invalidModel(4, 'GlobalAveragePooling2D', needsImages('GlobalAveragePooling2D', '[32]')), []],
  [invalidModel(2, 'AveragePooling2D(2×2)', needsImages('AveragePooling2D', '[10]')), []],
  [invalidModel(5, 'GlobalMaxPooling2D', needsImages('GlobalMaxPooling2D', '[10]')), []],
  [invalidModel(3, 'Conv2D(32, 5×5, relu)', noFit(5, 3, 3)), ['valid', 'same']],
  [invalidModel(4, 'MaxPooling2D(2×2)', noFit(2, 1, 1)), ['valid', 'same']],
  [invalidModel(1, 'Conv2D(16, 3×3, relu)', 'expects a batch of images [batch, height, width, channels], got [8, 8]'), []],
  [invalidModel(1, 'Conv2D(0, 3×3, relu)', 'filters must be at least 1'), []],
  [invalidModel(3, 'BatchNormalization', 'momentum 1.5 must be in [0, 1]'), []],
  [invalidModel(3, 'BatchNormalization', 'epsilon 0 must be a positive number'), []],
  // image layers in an uploaded model (src/io/tfjs.rs)
  [modelFile(UPLOAD, 'layer conv2d (Conv2D): only channels_last images are supported'), ['conv2d', 'channels_last']],
  [modelFile(UPLOAD, 'layer conv2d (Conv2D): dilation and groups are not supported'), ['conv2d', 'dilation', 'groups']],
  [modelFile(UPLOAD, 'layer conv2d (Conv2D): Conv2D without a bias is not supported'), ['conv2d']],
  [modelFile(UPLOAD, "layer conv2d (Conv2D): missing 'kernel_size'"), ['conv2d', 'kernel_size']],
  [modelFile(UPLOAD, "layer max_pooling2d (MaxPooling2D): padding 'causal' is not supported (only 'valid' or 'same')"), ['max_pooling2d', 'padding', 'causal', 'valid', 'same']],
  [modelFile(UPLOAD, 'layer batch_normalization (BatchNormalization): only the last axis (channels) can be normalised'), ['batch_normalization']],
  [modelFile(UPLOAD, 'layer batch_normalization (BatchNormalization): center=false and scale=false are not supported'), ['batch_normalization', 'center=false', 'scale=false']],
  [modelFile(UPLOAD, invalidModel(1, 'Conv2D(16, 3×3, relu)', noFit(3, 2, 2))), ['valid', 'same']],
  // LayerNormalization (src/nn/layer_norm.rs)
  [invalidModel(2, 'LayerNormalization', 'epsilon -1 must be a positive number'), []],
  [invalidModel(2, 'LayerNormalization', 'LayerNormalization needs at least one input axis'), []],
  [modelFile(UPLOAD, 'layer layer_normalization (LayerNormalization): only the last axis (channels) can be normalised'), ['layer_normalization']],
  [modelFile(UPLOAD, 'layer layer_normalization (LayerNormalization): center=false and scale=false are not supported'), ['layer_normalization', 'center=false', 'scale=false']],
  [modelFile(UPLOAD, 'layer layer_normalization (LayerNormalization): rms_scaling is not supported'), ['layer_normalization', 'rms_scaling']],
];

function leftoverEnglish(zh, keep) {
  let rest = zh;
  for (const name of [...keep, ...ALLOWED].sort((a, b) => b.length - a.length)) rest = rest.split(name).join(' ');
  return rest.match(/[A-Za-z]{3,}/g);
}

test('at least 40 engine messages are checked', () => {
  assert.ok(CASES.length >= 40, `${CASES.length} cases`);
});

for (const [en, keep] of CASES) {
  test(`translates: ${en.slice(0, 90)}`, () => {
    const zh = translate(en);
    assert.notEqual(zh, en);
    assert.match(zh, /[\u4e00-\u9fff]/);
    assert.equal(leftoverEnglish(zh, keep), null, `English left in: ${zh}`);
    for (const value of keep) assert.ok(zh.includes(value), `user data "${value}" lost in: ${zh}`);
  });
}

test('every pattern is a global RegExp with a string or function replacement', () => {
  for (const [re, rep] of ENGINE) {
    assert.ok(re instanceof RegExp, String(re));
    assert.ok(re.global, `${re} lacks the g flag`);
    assert.ok(typeof rep === 'string' || typeof rep === 'function', String(re));
  }
});

test('every setting field of the page has a Chinese name', () => {
  for (const f of ['validation split', 'learning rate', 'batch size', 'epochs', 'num words', 'max length', 'momentum', 'weight decay', 'clip norm', 'loss', 'model', 'gate layer', 'image shape', 'image size', 'augment shift', 'augment rotation', 'augment zoom', 'drawing']) {
    assert.match(FIELDS[f] ?? '', /[\u4e00-\u9fff]/, f);
  }
});

test('a message no pattern knows comes back unchanged', () => {
  const msg = 'Everything went fine; nothing to report here.';
  assert.equal(translate(msg), msg);
});

test('translating is idempotent on its own output', () => {
  for (const [en] of CASES) {
    const zh = translate(en);
    assert.equal(translate(zh), zh);
  }
});
