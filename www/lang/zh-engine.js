// Chinese for the engine's English messages. Applied in order to a message:
// each [pattern, replacement] is a global RegExp replaced with String.replace,
// so templates nest (an outer "invalid value for X: Y" and its inner reason
// are translated by separate entries). Field names come last via FIELDS.
//
// Every pattern copies the wording of the Rust source (file named beside it);
// user data (labels, words, file and layer names, numbers, shapes, Keras
// class and activation names) passes through capture groups untouched.
// Order: specific inner reasons first, then the `missing()` prefixes, then
// the Error Display wrappers of src/error.rs.

// A Rust f32/usize as Display writes it: 0.95, 42, NaN, inf, -inf.
// (Spelled out in each pattern as (-?[\d.]+|NaN|-?inf).)

/** Join two pieces, with a space where Latin text or digits meet Chinese. */
function sp(a, b) {
  const latinEnd = /[0-9A-Za-z_.)\]'"%]$/.test(a);
  const latinStart = /^[0-9A-Za-z_.(\['"]/.test(b);
  const cjkEnd = /[\u3400-\u9fff]$/.test(a);
  const cjkStart = /^[\u3400-\u9fff]/.test(b);
  return (latinEnd && cjkStart) || (cjkEnd && latinStart) ? `${a} ${b}` : a + b;
}

/** Field names of Error::setting(...), as the page's form names them. */
export const FIELDS = {
  'validation split': '验证集比例',
  'learning rate': '学习率',
  'batch size': '批大小',
  epochs: '训练轮数',
  'num words': '词表大小',
  'max length': '最大长度',
  momentum: '动量',
  beta1: 'β₁',
  beta2: 'β₂',
  rho: 'ρ',
  epsilon: 'ε',
  'weight decay': '权重衰减',
  'clip norm': '梯度裁剪范数',
  loss: '损失函数',
  model: '模型',
  'gate layer': '门控图的 LSTM 层',
  training: '训练',
  predict: '预测',
  download: '下载',
  'image shape': '图像形状',
  'image size': '图像尺寸',
  'augment shift': '增强的平移幅度',
  'augment rotation': '增强的旋转角度',
  'augment zoom': '增强的缩放幅度',
  drawing: '画板',
  schedule: '学习率调度',
};

// Fields that name an action rather than a setting: "cannot <action>: why".
const ACTIONS = { training: '无法开始训练', predict: '无法预测', download: '无法下载', augmentation: '无法预览数据增强', filters: '无法显示卷积核', 'feature maps': '无法显示特征图' };

// Inputs named by EmptyData / ModelFile / Shape (src/lab/, src/trainer.rs, src/model.rs).
const SOURCES = { 'the pasted data': '粘贴的数据', 'training set': '训练集', 'the image data': '图像数据', 'the pasted images': '粘贴的图像', 'the dropped images': '拖入的图像' };
const FILES = { 'the uploaded model.json': '上传的 model.json' };
const OPS = { 'model input': '模型输入' };
// What became non-finite (src/trainer.rs, Trainer::step).
const NON_FINITE = { 'the loss': '损失', 'a gradient': '某个梯度', 'a weight after the update': '更新后的某个权重' };

function fieldPrefix(f) {
  if (ACTIONS[f]) return `${ACTIONS[f]}：`;
  const line = /^line (\d+)$/.exec(f);
  if (line) return `第 ${line[1]} 行：`;
  return sp(FIELDS[f] ?? f, '的取值无效：');
}

export const ENGINE = [
  // ---- src/data/parse.rs: per-line rejection reasons and parse errors ----
  // csv crate errors inside "not valid CSV: {}" (only UTF-8 ones can occur with a flexible reader).
  [/CSV parse error: record (\d+) \(line (\d+), field: (\d+), byte: (\d+)\): /g, 'CSV 解析错误：第 $1 条记录（第 $2 行，第 $3 个字段，第 $4 字节）：'],
  [/CSV parse error: field (\d+): /g, 'CSV 解析错误：第 $1 个字段：'],
  [/CSV error: record (\d+) \(line: (\d+), byte: (\d+)\): found record with (\d+) fields, but the previous record has (\d+) fields/g, 'CSV 错误：第 $1 条记录（第 $2 行，第 $3 字节）有 $4 个字段，而上一条记录有 $5 个字段'],
  [/invalid utf-8: invalid UTF-8 in field (\d+) near byte index (\d+)/g, '第 $1 个字段在字节索引 $2 附近含有无效的 UTF-8'],
  [/not valid CSV: /g, '不是有效的 CSV：'],
  [/it is empty; paste lines like 'positive<TAB>great film'/g, '内容为空；请粘贴形如“正面<TAB>这部电影很棒”的行'],
  // Error::BinaryData (src/error.rs): the whole input is not text (an archive, an image, a PDF).
  [/data is binary, not text \(a NUL or control byte on line (\d+)\); give a text file with one labelled example per line/g,
    '数据是二进制的，不是文本（第 $1 行有 NUL 或控制字节）；请提供文本文件，每行一个带标签的样本'],
  [/binary data, not text/g, '是二进制数据，不是文本'],
  [/no (tab|comma) separating a label from the text/g, (_, s) => `没有分隔标签和文本的${s === 'tab' ? '制表符' : '逗号'}`],
  [/the label is empty/g, '标签为空'],
  [/the label is (\d+) characters long; is the label in the other column\?/g, '标签长达 $1 个字符；标签是否在另一列？'],
  [/none of its (\d+) lines has a label and a text(?: \(line (\d+): (.*)\))?/g,
    (_, n, line, why) => `全部 ${n} 行都没有同时给出标签和文本` + (line ? `（第 ${line} 行：${why}）` : '')],

  // ---- src/data/image.rs: a pixel CSV's shape, lines and reasons ----
  [/'([^']*)' is not HEIGHTxWIDTH or HEIGHTxWIDTHxCHANNELS \(e\.g\. 8x8x1, 28x28, 32x32x3\)/g, '“$1”不是 高x宽 或 高x宽x通道数 的形式（例如 8x8x1、28x28、32x32x3）'],
  [/(\d+)x(\d+)x(\d+): height and width must be at least 1 and channels 1 \(grayscale\) or 3 \(RGB\)/g, '$1x$2x$3：高和宽都必须至少为 1，通道数必须为 1（灰度）或 3（RGB）'],
  [/(\d+)x(\d+) is larger than 512x512; resize the images first/g, '$1x$2 大于 512x512；请先缩小图像'],
  [/expected label,p0,p1,… \(comma-separated\); found one field/g, '应为 标签,p0,p1,…（逗号分隔）；却只有一个字段'],
  [/pixel (\d+) \('(.*?)'\) is not a finite number/g, "第 $1 个像素（'$2'）不是有限数"],
  [/line (\d+) has (\d+) pixel values, which is not a square; give the shape \(e\.g\. 28x28x1 or 32x32x3\)/g, '第 $1 行有 $2 个像素值，不是平方数；请给出图像形状（例如 28x28x1 或 32x32x3）'],
  [/(\d+) pixel values, but a (\d+x\d+x\d+) image has (\d+)/g, '$1 个像素值，而 $2 的图像应有 $3 个'],
  [/the label \(first field\) is empty/g, '标签（第一个字段）为空'],
  [/no line holds a label and pixel values \(label,p0,p1,…\)/g, '没有一行同时给出标签和像素值（标签,p0,p1,…）'],
  // EmptyData's reason quoting the first rejected line.
  [/(: )line (\d+): /g, '$1第 $2 行：'],
  [/it is empty(?!;)/g, '内容为空'],

  // ---- src/data/augment.rs: the augmentation's ranges and --augment ----
  [/(-?[\d.]+|NaN|-?inf) must be between 0 and 0\.5 \(a fraction of the image\)/g, '$1 必须在 0 到 0.5 之间（图像尺寸的比例）'],
  [/(-?[\d.]+|NaN|-?inf) must be between 0 and 180 degrees/g, '$1 必须在 0 到 180 度之间'],
  [/(-?[\d.]+|NaN|-?inf) must be between 0 and 0\.9 \(a fraction\)/g, '$1 必须在 0 到 0.9 之间（比例）'],
  [/'([^']*)' needs a number, e\.g\. (\w+)=0\.1/g, '“$1”需要一个数字，例如 $2=0.1'],
  [/unknown part '([^']*)' \(use shift=F, rotate=DEGREES, zoom=F, flip\)/g, '未知的部分“$1”（可用 shift=F、rotate=角度、zoom=F、flip）'],

  // ---- src/lab/ untrainable_reason, src/lab/images.rs: an uploaded model without its data ----
  [/the uploaded model has no (rows|images) to train on; load (?:rows|images) labelled with its classes \((.*?)\), then upload the model again to train it further \(it can predict now\)/g,
    (_, what, classes) => `上传的模型没有可训练的${what === 'rows' ? '数据行' : '图像'}；请载入以它的类别（${classes}）标注的${what === 'rows' ? '数据' : '图像'}，再重新上传模型即可继续训练（现在已可预测）`],
  [/the uploaded model's classes \((.*?)\) differ from those of the (rows|images) loaded \((.*?)\); load (?:rows|images) labelled with the model's classes, then upload the model again to train it further \(it can predict now\)/g,
    (_, mine, what, theirs) => `上传模型的类别（${mine}）与已载入${what === 'rows' ? '数据' : '图像'}的类别（${theirs}）不同；请载入以模型的类别标注的${what === 'rows' ? '数据' : '图像'}，再重新上传模型即可继续训练（现在已可预测）`],
  [/the uploaded model takes (\S+) images and the images loaded are (\S+); load images of the model's shape, then upload the model again to train it further \(it can predict now\)/g,
    '上传的模型接受 $1 的图像，而已载入的图像是 $2；请载入与模型形状相同的图像，再重新上传模型即可继续训练（现在已可预测）'],

  // ---- src/optim/schedule.rs Schedule::validate ----
  [/step every (\d+) by (-?[\d.e-]+|NaN|-?inf): give whole steps ≥ 1 and a factor > 0/g, '每 $1 步乘以 $2：步数须为 ≥ 1 的整数，因子须 > 0'],
  [/exponential over (\d+) steps at rate (-?[\d.e-]+|NaN|-?inf): give whole steps ≥ 1 and a rate > 0/g, '指数衰减（$1 步，衰减率 $2）：步数须为 ≥ 1 的整数，衰减率须 > 0'],
  [/cosine over (\d+) steps to (-?[\d.e-]+|NaN|-?inf): give whole steps ≥ 1 and a floor in \[0, 1\]/g, '余弦衰减（$1 步，下限 $2）：步数须为 ≥ 1 的整数，下限须在 [0, 1] 内'],
  [/plateau factor (-?[\d.e-]+|NaN|-?inf): it must be between 0 and 1 \(exclusive\), as Keras's ReduceLROnPlateau requires/g, '平台衰减因子 $1：必须在 0 与 1 之间（不含两端），与 Keras 的 ReduceLROnPlateau 要求一致'],

  // ---- src/io/tfjs.rs tfjs_incompatibilities: shown before a download ----
  [/layer (\d+), (.*?): TensorFlow\.js cannot load this model\. Its GRU implements only reset_after=false \(the reset gate applied before the recurrent product\), gradlab's and Keras's GRU is reset_after=true, and neither can be rewritten as the other\. Use LSTM for a model meant for TensorFlow\.js; Keras loads this one \(tools\/keras_load\.py\)\./g,
    '第 $1 层，$2：TensorFlow.js 无法加载此模型。它的 GRU 只实现了 reset_after=false（重置门作用在循环乘积之前），而 gradlab 和 Keras 的 GRU 是 reset_after=true，两者无法相互改写。要在 TensorFlow.js 中使用，请改用 LSTM；Keras 可以加载此模型（tools/keras_load.py）。'],

  // ---- src/model.rs check_budget, src/io/tfjs.rs, src/data/tokenizer.rs: absurd or corrupt models ----
  [/it has (\d+|too many) parameters, and a model may have at most (\d+) in all; use fewer units, filters or words/g,
    (_, n, max) => `它有 ${n === 'too many' ? '过多' : n} 个参数，而整个模型最多只能有 ${max} 个；请减少单元数、卷积核数或词表大小`],
  [/its output (\[[\d, ]*\]) holds more than (\d+) values per sample; make it smaller/g, '它的输出 $1 每个样本超过 $2 个值；请把它调小'],
  [/weight (\S+) holds (NaN|-?inf) at index (\d+); a model with NaN or infinite weights cannot predict/g, '权重 $1 在索引 $3 处为 $2；含 NaN 或无穷大权重的模型无法预测'],
  [/tokenizer word_index: '(.*?)' has index (\d+), but indices run from 1 to the number of words \((\d+)\)/g, "分词器 word_index：'$1' 的索引是 $2，但索引应在 1 到词数（$3）之间"],

  // ---- src/lab/images.rs, src/lab/: images loaded, dropped, drawn, shown ----
  [/they are ([\d.]+) MB; the lab takes at most (\d+) MB/g, '图像数据有 $1 MB；本实验室最多接受 $2 MB'],
  [/: no label; put files in one folder per class, or name them label_anything\.png/g, '：没有标签；请把文件按类别放进各自的文件夹，或命名为 标签_任意名.png'],
  [/: could not be decoded \((\d+)x(\d+), (\d+) bytes\)/g, '：无法解码（$1x$2，$3 字节）'],
  [/: (\d+)x(\d+) differs from the first image's (\d+)x(\d+)/g, '：尺寸 $1x$2 与第一张图像的 $3x$4 不同'],
  [/no files were dropped/g, '没有拖入任何文件'],
  [/Images arrive sorted by label: a 'last fraction' validation split would see mostly one class\. The default stratified split shuffles\./g,
    '图像按标签排好了序：按“末尾比例”划分的验证集几乎只会包含一个类别。默认的分层划分会先打乱顺序。'],
  [/load images first/g, '请先载入图像'],
  [/the model reads text, not images/g, '该模型读取的是文本，不是图像'],
  [/this model reads images: draw on the pad instead/g, '该模型读取的是图像：请改在画板上书写'],
  [/(\d+) values for a (\d+)x(\d+) pad/g, '$1 个值对应 $2x$3 的画板'],
  [/the model has no Conv2D layer/g, '模型没有 Conv2D 层'],
  [/an image model needs its pixel scaling in the gradlab metadata/g, '图像模型需要在 gradlab 元数据中给出像素缩放方式'],
  [/(-?[\d.]+|NaN|-?inf) must be between 4 and 128 pixels/g, '$1 必须在 4 到 128 像素之间'],

  // ---- src/lab/: loading, data-report warnings, missing(), actions ----
  [/it is ([\d.]+) MB; the lab takes at most (\d+) MB/g, '数据有 $1 MB；本实验室最多接受 $2 MB'],
  [/cleaning removed every row/g, '清洗后一行也没有剩下'],
  [/Only one class \('(.*)'\): a classifier needs at least two\./g, '只有一个类别（“$1”）：分类器至少需要两个类别。'],
  [/Classes are badly imbalanced \((\d+) vs (\d+) (rows|images)\): accuracy alone will mislead; watch per-class recall\./g,
    (_, hi, lo, what) => `类别严重不平衡（${hi} ${what === 'rows' ? '行' : '张图像'}对 ${lo} ${what === 'rows' ? '行' : '张图像'}）：只看准确率会产生误导，请关注每个类别的召回率。`],
  [/Rows arrive sorted by label: a 'last fraction' validation split would see mostly one class\. The default stratified split shuffles\./g,
    '数据行按标签排好了序：按“末尾比例”划分的验证集几乎只会包含一个类别。默认的分层划分会先打乱顺序。'],
  [/(\d+) distinct labels: is the label in the other column\?/g, '共有 $1 个不同的标签：标签是否在另一列？'],
  [/a custom model needs a layer list/g, '自定义模型需要一个层列表'],
  [/unknown preset '([^']*)'/g, '未知的预设模型“$1”'],
  [/(-?[\d.]+|NaN|-?inf) must be at least 0 and below 0\.9/g, '$1 必须不小于 0 且小于 0.9'],
  [/data: paste labelled text or pick a sample/g, '数据：请粘贴带标签的文本，或选择一个示例'],
  [/data: at least two classes/g, '数据：至少需要两个类别'],
  [/train a model first \(or load one\)/g, '请先训练（或载入）一个模型'],
  [/there is no trained model yet/g, '还没有训练好的模型'],
  [/it has no gradlab tokenizer and labels/g, '其中没有 gradlab 的分词器和标签'],
  [/it has no tokenizer/g, '其中没有分词器'],

  // ---- src/data/mod.rs: text settings, labels of a loaded model ----
  [/(\d+) is too small; the vocabulary needs at least 2 entries \(padding and one word\)/g, '$1 太小；词表至少需要 2 项（填充符和一个词）'],
  [/(\d+) is too large \(at most 5,000,000\)/g, '$1 太大（最多 5,000,000）'],
  [/label '(.*)' is not one of the model's classes \((.*)\)/g, '标签“$1”不是模型的类别之一（$2）'],

  // ---- src/trainer.rs: TrainConfig::validate, Trainer::new, stop reasons ----
  [/it has no rows/g, '一行数据也没有'],
  [/it has only one class \((.*)\); a classifier needs at least two/g, '只有一个类别（$1）；分类器至少需要两个类别'],
  [/it outputs (\d+) values but the data has (\d+) classes/g, '模型输出 $1 个值，但数据有 $2 个类别'],
  [/categorical cross-entropy needs one output per class; use binary cross-entropy with a single sigmoid output/g,
    '分类交叉熵要求每个类别一个输出；只有单个 sigmoid 输出时请改用二元交叉熵'],
  [/early stopping: validation loss has not improved for (\d+) epochs/g, '提前停止：验证集损失已连续 $1 轮没有改善'],
  [/(-?[\d.]+|NaN|-?inf) must be between ([\d,]+) and ([\d,]+)/g, '$1 必须在 $2 到 $3 之间'],

  // ---- src/nn/batch_norm.rs, src/nn/conv2d.rs: image layers' own settings ----
  [/momentum (-?[\d.]+|NaN|-?inf) must be in \[0, 1\](?!\))/g, '动量 $1 必须在 [0, 1] 之内'],
  [/epsilon (-?[\d.]+|NaN|-?inf) must be a positive number/g, 'ε $1 必须是正数'],
  [/filters must be at least 1/g, '卷积核数必须至少为 1'],

  // ---- src/optim/mod.rs: OptimizerConfig::validate ----
  [/(-?[\d.]+|NaN|-?inf) is not a usable learning rate \(give a positive number, typically 1e-4 to 1\)/g,
    '$1 不是可用的学习率（请给出一个正数，通常在 1e-4 到 1 之间）'],
  [/dropout rate (-?[\d.]+|NaN|-?inf) must be in \[0, 1\)/g, 'Dropout 比例 $1 必须在 [0, 1) 之内'],
  [/(-?[\d.]+|NaN|-?inf) must be in \[0, 1\)/g, '$1 必须在 [0, 1) 之内'],
  [/(-?[\d.]+|NaN|-?inf) must be a small positive number/g, '$1 必须是一个很小的正数'],
  [/(-?[\d.]+|NaN|-?inf) must be ≥ 0/g, '$1 必须 ≥ 0'],
  [/(-?[\d.]+|NaN|-?inf) must be positive/g, '$1 必须是正数'],

  // ---- src/nn/*.rs: output_shape errors ----
  [/(LSTM|GRU|Conv1D|global pooling) needs a sequence \[time, features\] but receives shape (\[[\d, ]*\]); put it after an Embedding, Conv1D or a recurrent layer with return_sequences/g,
    (_, layer, shape) => `${layer === 'global pooling' ? '全局池化层' : `${layer} `}需要序列输入 [时间步, 特征]，但收到的形状是 ${shape}；请把它放在 Embedding、Conv1D 或开启了 return_sequences 的循环层之后`],
  [/kernel size and stride must be at least 1/g, '卷积核大小和步长都必须至少为 1'],
  [/kernel size (\d+) is longer than the sequence \((\d+) steps\); lower it or raise max length/g,
    '卷积核大小 $1 超过了序列长度（$2 步）；请减小它或增大最大长度'],
  [/Dense needs at least one input axis/g, 'Dense 至少需要一个输入轴'],
  [/(Conv2D|MaxPooling2D|AveragePooling2D|GlobalAveragePooling2D|GlobalMaxPooling2D) needs images \[height, width, channels\] but receives shape (\[[\d, ]*\]); use it on image data, before Flatten or global pooling/g,
    '$1 需要图像输入 [高, 宽, 通道]，但收到的形状是 $2；请把它用在图像数据上，并放在 Flatten 或全局池化层之前'],
  // src/backend/window.rs: a Conv2D's or pooling layer's window.
  [/expects a batch of images \[batch, height, width, channels\], got (\[[\d, ]*\])/g, '需要一批图像 [批, 高, 宽, 通道]，却收到 $1'],
  [/a (\d+)×(\d+) window does not fit a (\d+)×(\d+) image with valid padding; use padding 'same', a smaller window, or a larger image/g,
    '$1×$2 的窗口放不进 $3×$4 的图像（valid 填充）；请改用 same 填充、更小的窗口或更大的图像'],
  [/Embedding must be the first layer \(it reads token ids \[time\]\) but receives shape (\[[\d, ]*\])/g,
    'Embedding 必须是第一层（它读取词元 id [时间步]），但收到的形状是 $1'],

  // ---- src/model.rs: architecture, check_ids, set_weights ----
  [/the model has no layers/g, '模型一层也没有'],
  [/its output shape (\[[\d, ]*\]) is empty; every size must be at least 1/g, '它的输出形状 $1 为空；每个维度都必须至少为 1'],
  [/every size must be at least 1/g, '每个维度都必须至少为 1'],
  [/the model must end in one vector of class scores, but its output has shape (\[[\d, ]*\]); add Flatten or global pooling \(GlobalAveragePooling1D\/2D, GlobalMaxPooling1D\/2D\) before the Dense layers, or set return_sequences off on the last recurrent layer/g,
    '模型的输出必须是一个类别得分向量，但它的输出形状是 $1；请在 Dense 层之前加入 Flatten 或全局池化层（GlobalAveragePooling1D/2D、GlobalMaxPooling1D/2D），或关闭最后一个循环层的 return_sequences'],
  [/an Embedding reads token ids, but this data is images of shape (\[[\d, ]*\]); start with Conv2D, Flatten or Dense/g,
    'Embedding 读取的是词元 id，但这份数据是形状为 $1 的图像；请以 Conv2D、Flatten 或 Dense 开头'],
  [/text is read as token ids: start the model with an Embedding/g, '文本以词元 id 的形式读入：模型请以 Embedding 开头'],
  [/must be at least 1(?![\d.])/g, '必须至少为 1'],
  [/token id (-?[\d.]+|NaN|-?inf) does not fit the Embedding's (\d+) rows; use a vocabulary of at most (\d+) words/g,
    '词元 id $1 超出了 Embedding 的 $2 行；请使用最多 $3 个词的词表'],
  [/a row of (\d+) values for a model reading (\d+) \((\[[\d, ]*\])\)/g, '一行有 $1 个值，而模型读取 $2 个（$3）'],
  [/(\d+) layers of weights for a model of (\d+) layers/g, '给出了 $1 层的权重，而模型有 $2 层'],
  [/layer (\d+) \(([^()]*)\) has (\d+) weights, got (\d+)/g, '第 $1 层（$2）有 $3 个权重，却收到 $4 个'],
  [/(\S+)\/(\S+) needs (\[[\d, ]*\]) \((\d+) values\), got (\d+)/g, '$1/$2 需要形状 $3（$4 个值），却收到 $5 个'],

  // ---- src/insides.rs: the gate map's layer ----
  [/the model has (\d+) layers/g, '模型只有 $1 层'],
  [/layer (\d+) \(([^()]*)\) is not an LSTM/g, '第 $1 层（$2）不是 LSTM'],
  [/an LSTM needs a sequence before it/g, 'LSTM 之前需要一个输出序列的层'],

  // ---- src/presets.rs: lints ----
  [/(.+?) reads 'post'-padded sequences without a mask: after each text it runs through dozens of padding steps that wash out what it read, and typically stays at chance \(the classic example's 52% test accuracy\)\. Set mask_zero on the Embedding, or pad 'pre'\./g,
    (_, layer) => sp(layer, '读取后置填充的序列却没有掩码：每条文本读完后，它还要走过几十个填充步，把读到的内容冲淡，因此通常停留在随机猜测的水平（经典示例的测试准确率只有 52%）。请在 Embedding 上设置 mask_zero，或改用前置填充。')],
  [/Conv1D and Flatten do not use the padding mask: padded steps count as tokens after them\./g,
    'Conv1D 和 Flatten 不使用填充掩码：在它们之后，填充步会被当作词元计算。'],

  // ---- src/data/tokenizer.rs: a model file's tokenizer ----
  [/tokenizer has no config/g, '分词器没有 config'],
  [/tokenizer has an empty word_index/g, '分词器的 word_index 为空'],
  [/character-level tokenizers are not supported/g, '不支持字符级分词器'],
  [/tokenizer (\w+): /g, '分词器的 $1：'],

  // ---- src/io/tfjs.rs: reasons of a bad model file ----
  // serde_json's syntax errors inside "not valid JSON: {}" (and tokenizer fields).
  [/EOF while parsing a list/g, '解析列表时意外结束'],
  [/EOF while parsing an object/g, '解析对象时意外结束'],
  [/EOF while parsing a string/g, '解析字符串时意外结束'],
  [/EOF while parsing a value/g, '解析值时意外结束'],
  [/expected `:`/g, '此处应为 `:`'],
  [/expected `,` or `\]`/g, '此处应为 `,` 或 `]`'],
  [/expected `,` or `\}`/g, '此处应为 `,` 或 `}`'],
  [/expected `"`/g, '此处应为 `"`'],
  [/expected ident/g, '此处应为标识符'],
  [/expected value/g, '此处应为一个值'],
  [/invalid escape/g, '无效的转义'],
  [/invalid number/g, '无效的数字'],
  [/number out of range/g, '数字超出范围'],
  [/invalid unicode code point/g, '无效的 Unicode 码位'],
  [/control character \(\\u0000-\\u001F\) found while parsing a string/g, '字符串中含有控制字符（\\u0000-\\u001F）'],
  [/key must be a string/g, '键必须是字符串'],
  [/trailing comma/g, '多余的逗号'],
  [/trailing characters/g, '末尾有多余的字符'],
  [/recursion limit exceeded/g, '超过了嵌套深度上限'],
  [/ at line (\d+) column (\d+)/g, '（第 $1 行第 $2 列）'],
  [/not valid JSON: /g, '不是有效的 JSON：'],
  [/no modelTopology/g, '没有 modelTopology'],
  [/only Sequential models are supported, this is '([^']*)'/g, '只支持 Sequential 模型，而这个是“$1”'],
  [/config has no layers/g, 'config 中没有 layers 列表'],
  [/modelTopology has no config/g, 'modelTopology 中没有 config'],
  [/a layer has no class_name/g, '有一层没有 class_name'],
  [/the input shape is not given \(no batch_input_shape or input_length\)/g, '没有给出输入形状（既没有 batch_input_shape，也没有 input_length）'],
  [/only channels_last images are supported/g, '只支持 channels_last 格式的图像'],
  [/dilation and groups are not supported/g, '不支持空洞卷积（dilation）和分组卷积（groups）'],
  [/only the last axis \(channels\) can be normalised/g, '只能对最后一个轴（通道）做归一化'],
  [/center=false and scale=false are not supported/g, '不支持 center=false 和 scale=false'],
  [/padding '([^']*)' is not supported \(only 'valid' or 'same'\)/g, '不支持 padding“$1”（只支持 valid 或 same）'],
  [/metadata scaling: /g, '元数据 scaling：'],
  [/the manifest lists (\d+) weights, the layers need (\d+)/g, '权重清单列出了 $1 个权重，而各层需要 $2 个'],
  [/weight (\S+) has shape (\[[\d, ]*\]), layer (\S+) needs (\[[\d, ]*\]) for (\S+)/g, '权重 $1 的形状是 $2，而层 $3 的 $5 需要 $4'],
  [/weight (\S+) is (\S+) or quantised; only float32 is supported/g, '权重 $1 是 $2 类型或经过了量化；只支持 float32'],
  [/the weight file ends at byte (\d+) but (\S+) needs bytes (\d+)\.\.(\d+)/g, '权重文件在第 $1 字节处就结束了，但 $2 需要第 $3..$4 字节'],
  [/the weight file has (\d+) bytes, the manifest accounts for (\d+)/g, '权重文件有 $1 字节，而权重清单只说明了 $2 字节'],
  [/metadata (\w+) must be 'pre' or 'post'/g, '元数据 $1 必须是 pre 或 post'],
  [/activation '([^']*)' is not supported \(only 'tanh'\)/g, '不支持激活函数“$1”（只支持 tanh）'],
  [/recurrent_activation '([^']*)' is not supported \(only ([\w ]+?)\)/g,
    (_, a, only) => `不支持 recurrent_activation“${a}”（只支持 ${only.split(' or ').join(' 或 ')}）`],
  [/(go_backwards|stateful|return_state|rms_scaling) is not supported/g, '不支持 $1'],
  [/(\w+) needs at least one input axis/g, '$1 至少需要一个输入轴'],
  [/recurrent layers without a bias are not supported/g, '不支持没有偏置的循环层'],
  [/GRU with reset_after=false \(TensorFlow\.js's form\) is not supported yet; only Keras's default reset_after=true/g,
    '暂不支持 reset_after=false 的 GRU（TensorFlow.js 的形式）；只支持 Keras 默认的 reset_after=true'],
  [/padding '([^']*)' is not supported \(only 'valid'\)/g, '不支持 padding“$1”（只支持 valid）'],
  [/dilation is not supported/g, '不支持空洞卷积（dilation）'],
  [/(Conv1D|Conv2D) without a bias is not supported/g, '不支持没有偏置的 $1'],
  [/(?<!model at )layer (\S+): activation '([^']*)' is not supported/g, '层 $1：不支持激活函数“$2”'],
  [/(?<!model at )layer (\S+): type '([^']*)' is not supported/g, '层 $1：不支持类型“$2”'],
  [/(?<!model at )layer (\S+) \((\w+)\): missing '([^']*)'/g, '层 $1（$2）：缺少 $3'],
  [/(?<!model at )layer (\S+) \((\w+)\): /g, '层 $1（$2）：'],

  // ---- src/backend_choice.rs, src/lab/, src/backend/gpu: the compute backend ----
  [/this browser offers no WebGPU adapter/g, '此浏览器没有可用的 WebGPU 适配器'],
  [/WebGPU is not available in this browser/g, '此浏览器不支持 WebGPU'],
  [/the only GPU adapter, (.+?), is software running on this same CPU/g, '唯一的 GPU 适配器 $1 是在这颗 CPU 上运行的软件实现'],
  [/a step of this model is ([\d.]+) GFLOP, too little to gain from (.+?) \(it pays from (\d+) GFLOP\)/g, '此模型每步只有 $1 GFLOP，用 $2 得不到加速（从 $3 GFLOP 起才划算）'],
  [/auto: GPU (.+?), for ([\d.]+) GFLOP a step/g, '自动：使用 GPU $1，每步 $2 GFLOP'],
  [/auto: CPU, because /g, '自动：使用 CPU，因为'],
  [/asked for the GPU, but (.+?); training on the CPU/g, '选择了 GPU，但$1；改用 CPU 训练'],
  [/asked for the GPU: (.+) \((\w+)\)$/g, '选择了 GPU：$1（$2）'],
  [/asked for the CPU/g, '选择了 CPU'],
  [/the GPU stopped \((.+?)\); training continues on the CPU from the last slice/g, 'GPU 已停止（$1）；从上一个训练片段起改用 CPU 继续训练'],

  // ---- src/lab/: "not ready: {first missing}" and the missing() prefixes ----
  [/not ready: /g, '尚未就绪：'],
  [/(^|：)(data|model|settings): /g, (_, before, what) => `${before}${{ data: '数据', model: '模型', settings: '设置' }[what]}：`],

  // ---- src/error.rs: the Error Display wrappers, outermost last ----
  [/training diverged at step (\d+) \(epoch (\d+)\): (.+?) is not finite; the last good weights were kept/g,
    (_, step, epoch, what) => `训练在第 ${step} 步（第 ${epoch} 轮）发散：${sp(NON_FINITE[what] ?? what, '不是有限值')}；已保留最后一组正常的权重`],
  [/shape mismatch in (.+?): /g, (_, op) => sp(OPS[op] ?? op, '形状不匹配：')],
  [/invalid model at layer (\d+) \((.*?)\): /g, (_, i, layer) => (i === '0' ? '模型无效：' : `模型第 ${i} 层（${layer}）无效：`)],
  [/bad model file (.+?): /g, (_, f) => sp(FILES[f] ?? `模型文件 ${f}`, '有误：')],
  [/no usable rows in (.+?): /g, (_, s) => sp(SOURCES[s] ?? s, '中没有可用的行：')],
  [/backend (\S+): /g, '后端 $1：'],
  [/invalid value for ([^:]+): /g, (_, f) => fieldPrefix(f)],
];
