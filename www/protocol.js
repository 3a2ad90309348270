// The worker's protocol, one list for both sides: the engine calls the page
// may make (call() in app/worker-client.js) and the worker answers
// (www/worker.js). Requests are {id, cmd, args}; answers {id, ok, value} or
// {id, ok: false, error, fatal}; while training the worker streams
// {event, value} messages of the kinds in EVENTS. tests/e2e/protocol.test.mjs
// checks that the worker's table, the page's calls and these lists agree.
export const COMMANDS = Object.freeze([
  // the engine and the settings
  'engine', 'default_settings', 'settings', 'set_settings', 'set_backend',
  // data
  'load_data', 'load_image_csv', 'load_image_files', 'has_images', 'augment_preview',
  // the model and training
  'summary', 'missing', 'train', 'pause', 'reset', 'progress', 'evaluation',
  // looking inside, predicting, the model file
  'insides', 'filters', 'feature_maps', 'predict', 'predict_image', 'export_model', 'import_model',
  // a bundle of data, settings and model, read and tried before the page takes it
  'read_bundle', 'check_bundle',
  // why the model answered (attributions, a Transformer's attention) and where its words lie (the projector)
  'explain_text', 'explain_image', 'explain_validation_image', 'attention', 'projector', 'neighbours', 'tsne_start', 'tsne_step',
  // the generation task (a GPT on the user's text): settings, text, training,
  // generating, attention, the model file
  'lm_default_settings', 'lm_settings', 'lm_set_settings', 'lm_load_text', 'lm_train', 'lm_reset', 'lm_validation',
  'lm_begin_generation', 'lm_candidates', 'lm_generate_next', 'lm_attention', 'lm_projector', 'lm_neighbours', 'lm_tsne_start', 'lm_tsne_step', 'lm_export_model', 'lm_import_model', 'lm_set_backend', 'lm_backend',
]);

// 'steps' is the generation task's progress (its steps, validations and samples).
export const EVENTS = Object.freeze(['running', 'progress', 'evaluation', 'steps', 'error', 'stopped']);
