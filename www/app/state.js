// What more than one of the page's modules reads and changes. An ES
// module cannot assign another module's bindings, so these are properties
// of one object (state.settings = …). What a module keeps to itself (its
// timers, the drawing pad, the charts' series) stays in that module.
export const state = {
  settings: null,     // mirrors the engine's Settings
  customLayers: null, // the layer list when the preset is 'custom'
  customWiring: null, // what each of those layers reads (an uploaded graph); null: a chain
  lastData: '',       // the text last read as data
  dataReport: null,
  dataError: null, // the engine's refusal of the whole paste, if any
  dataKind: 'text',   // what the data section reads: 'text' or 'images'
  imageSource: null,  // images from 'csv' (the text box) or 'files' (dropped or picked)
  imageFiles: [],     // the last image files: [{file, path}]
  skippedFiles: [],   // paths of dropped files that are not images
  uploadedImageModel: false, // an uploaded model reads images
  training: false,    // a run is going on in the worker
  canTrain: false,    // nothing is missing (status.js)
  epochs: [],         // each finished epoch's figures
  // The generation task (app/gpt-*.js).
  task: 'classify',   // 'classify' or 'generate' (task.js)
  lmSettings: null,   // mirrors the engine's LmSettings
  lmText: '',         // the text last read for generating
  lmReport: null,     // the engine's report of that text
  lmError: null,      // its refusal of the text, if any
  lmFormErrors: 0,    // fields of the generation form that fail
  lmSteps: 0,         // steps trained so far
  // Sharing (samples.js, reproduce.js): the built-in sample each task's data
  // is, unmodified (null: pasted, dropped, edited, files), and what the
  // opened link asked for (its sample, and run=1: offer to run it).
  sample: { classify: null, generate: null },
  link: { sample: null, run: false },
};

// Two questions asked of it in several places.
// The model reads images (image data, or an uploaded image model).
export const isImageModel = () => state.dataKind === 'images' || state.uploadedImageModel;
// Image mode before any images are loaded (or after a load failed).
export const awaitingImages = () => state.dataKind === 'images' && !state.dataReport && !state.uploadedImageModel;
