// The engine's messages on the page: every template of www/lang/engine/zh.js
// is Chinese (no English left but the technical names a Chinese page keeps),
// and the page renders a message from its code and parameters as the Rust
// side does (src/error/message.rs; tests/messages.rs checks that every code
// the engine uses has both templates).
// Run: node --test tests/e2e/engine-messages.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';

import en from '../../www/lang/engine/en.js';
import zh from '../../www/lang/engine/zh.js';
import { renderMessage } from '../../www/i18n.js';

// Names a Chinese ML page keeps in Latin letters.
const ALLOWED = [
  'LSTM', 'GRU', 'Dense', 'Embedding', 'Conv1D', 'GlobalAveragePooling1D', 'GlobalMaxPooling1D', 'Flatten', 'Dropout',
  'softmax', 'hard_sigmoid', 'sigmoid', 'tanh', 'relu', 'mask_zero', 'return_sequences', 'recurrent_activation', 'leaky_relu', 'LeakyReLU',
  'Keras', 'TensorFlow.js', 'NaN', 'TAB', 'CSV', 'TSV', 'model.json', 'JSON', 'UTF-8', 'Unicode', 'float32', 'Sequential',
  'modelTopology', 'config', 'class_name', 'batch_input_shape', 'input_length', 'word_index', 'gradlab', 'set_weights', 'inf',
  'WebGPU', 'GPU', 'CPU', 'GFLOP', 'NUL', 'Dot', 'Add', 'SinePositionEncoding', 'Embedding', 'channels_last', 'layers',
  'Conv2D', 'MaxPooling2D', 'AveragePooling2D', 'GlobalAveragePooling2D', 'GlobalMaxPooling2D', 'BatchNormalization', 'RGB',
  'LayerNormalization', 'MultiHeadAttention', 'Concatenate', 'query', 'value', 'key', 'key_dim', 'value_dim', 'output_shape', 'attention_axes', 'ReduceLROnPlateau', 'reset_after=false', 'reset_after=true', 'tools/keras_load.py', 'center=false', 'scale=false',
  'padding', 'valid', 'same', 'pre', 'post', 'dilation', 'groups', 'userDefinedMetadata.gradlab.scaling', 'userDefinedMetadata.gradlab',
  'Linux', 'Mesa', 'lavapipe', 'apt-get install mesa-vulkan-drivers libvulkan1', 'gradlab eval', '--backend cpu', 'bench/run.mjs',
  'html', 'urls', 'unicode', 'whitespace', 'empty', 'duplicates', 'adam', 'sgd', 'rmsprop', 'adagrad', 'adamw',
  'constant', 'step:EVERY:GAMMA', 'exponential:STEPS:RATE', 'cosine:WARMUP:STEPS', 'plateau:FACTOR:PATIENCE', 'unit', 'standardize',
  'lstm', 'cnn', 'bow', 'image-cnn', 'shift=F', 'rotate=', 'zoom=F', 'flip', 'auto', 'gpu', 'cpu', 'png',
  'keras_hub', 'MultiHeadAttention', 'TransformerEncoder', 'TransformerDecoder', 'TokenAndPositionEmbedding', 'PositionEmbedding',
  'GPT', 'BERT', 'intermediate_dim', 'sequence_length', 'num_heads', 'key_dim', '.txt', 'gradlab train --task lm', 'transformer', 'gpt',
  't-SNE', 'gradlab generate', 'gradlab attention',
];

function leftoverEnglish(text) {
  let rest = text.replace(/\{\w+\}/g, ' ');
  for (const name of [...ALLOWED].sort((a, b) => b.length - a.length)) rest = rest.split(name).join(' ');
  return rest.match(/[A-Za-z]{3,}/g);
}

test('the two catalogs have the same codes', () => {
  assert.deepEqual(Object.keys(zh).sort(), Object.keys(en).sort());
  assert.ok(Object.keys(en).length > 200, `${Object.keys(en).length} codes`);
});

for (const [code, template] of Object.entries(zh)) {
  test(`Chinese: ${code}`, () => {
    // A template that is only its parameters (an OS's or a library's words) has nothing to translate.
    if (template.replace(/\{\w+\}/g, '').trim() === '') return;
    // Chinese, unless it is only symbols and kept names (β₁, set_weights).
    const letters = template.replace(/\{\w+\}/g, '').replace(/[^A-Za-z\u4e00-\u9fff]/g, '');
    if (letters && !ALLOWED.includes(template)) assert.match(template, /[\u4e00-\u9fff]/, template);
    assert.equal(leftoverEnglish(template), null, `English left in ${code}: ${template}`);
  });
}

const at = (code, params = {}) => ({ code, params });
// Errors as the engine sends them: the variant's sentence with its reason inside.
const setting = (field, reason) => at('error.invalid_setting', { field, reason });

const CASES = [
  [setting('learning_rate', at('optim.learning_rate', { value: '0' })),
    'invalid value for learning rate: 0 is not a usable learning rate (give a positive number, typically 1e-4 to 1)',
    '学习率的取值无效：0 不是可用的学习率（请给出一个正数，通常在 1e-4 到 1 之间）'],
  [at('error.cannot', { action: 'training', reason: at('lab.not_ready', { reason: at('missing.data', { reason: at('missing.no_data') }) }) }),
    'cannot start training: not ready: data: paste labelled text or pick a sample',
    '无法开始训练：尚未就绪：数据：请粘贴带标签的文本，或选择一个示例'],
  [at('error.empty_data', { source: 'pasted_data', reason: at('data.no_row_first', { count: '2', line: '2', reason: at('data.not_csv', { reason: at('csv.utf8', { record: '1', line: '2', column: '1', byte: '14', valid_up_to: '3' }) }) }) }),
    'no usable rows in the pasted data: none of its 2 lines has a label and a text (line 2: not valid CSV: CSV parse error: record 1 (line 2, field: 1, byte: 14): invalid utf-8: invalid UTF-8 in field 1 near byte index 3)',
    '粘贴的数据中没有可用的行：全部 2 行都没有同时给出标签和文本（第 2 行：不是有效的 CSV：CSV 解析错误：第 1 条记录（第 2 行，第 1 个字段，第 14 字节）：第 1 个字段在字节索引 3 附近含有无效的 UTF-8）'],
  [at('error.model_file', { file: 'uploaded_model', reason: at('file.not_json', { reason: at('json.at', { what: at('json.trailing_comma'), line: '3', column: '5' }) }) }),
    'bad model file the uploaded model.json: not valid JSON: trailing comma at line 3 column 5',
    '上传的 model.json 有误：不是有效的 JSON：多余的逗号（第 3 行第 5 列）'],
  [at('error.invalid_model_whole', { index: '0', layer: '-', reason: at('model.no_layers') }),
    'invalid model: the model has no layers', '模型无效：模型一层也没有'],
  [at('error.non_finite', { step: '37', epoch: '2', what: 'loss' }),
    'training diverged at step 37 (epoch 2): the loss is not finite; the last good weights were kept',
    '训练在第 37 步（第 2 轮）发散：损失不是有限值；已保留最后一组正常的权重'],
  // A file path is no term of the engine's: it stays as written.
  [at('error.model_file', { file: 'runs/m/model.json', reason: at('file.no_weights') }), 'bad model file runs/m/model.json: it has no weights', 'runs/m/model.json 有误：其中没有权重'],
  [at('backend.auto_cpu_because', { reason: at('backend.too_little', { gflop: '0.12', adapter: 'NVIDIA H200', pays: '2' }) }),
    'auto: CPU, because a step of this model is 0.12 GFLOP, too little to gain from NVIDIA H200 (it pays from 2 GFLOP)',
    '自动：使用 CPU，因为此模型每步只有 0.12 GFLOP，用 NVIDIA H200 得不到加速（从 2 GFLOP 起才划算）'],
];

for (const [m, english, chinese] of CASES) {
  test(`renders ${m.code}`, () => {
    assert.equal(renderMessage(m, en), english);
    assert.equal(renderMessage(m, zh), chinese);
  });
}

test('user data passes through untouched, also when it looks like a placeholder', () => {
  const m = at('data.unknown_label', { label: '{classes}', classes: 'neg, pos' });
  assert.equal(renderMessage(m, zh), '标签“{classes}”不是模型的类别之一（neg, pos）');
});

test('a code no catalog knows shows its code and parameters, never nothing', () => {
  assert.equal(renderMessage(at('no.such_code', { n: '3' }), zh), 'no.such_code(n=3)');
});
