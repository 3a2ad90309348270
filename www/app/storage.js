// What the page keeps in the browser's storage, under these keys.
export const STORE_SETTINGS = 'gradlab.settings';
export const STORE_DATA = 'gradlab.data';
export const STORE_KIND = 'gradlab.kind';
// Longer data is not kept in storage (the report says so).
export const MAX_STORED = 4_500_000;
// The generation task: which task was open, its settings and its text.
export const STORE_TASK = 'gradlab.task';
export const STORE_LM_SETTINGS = 'gradlab.lm_settings';
export const STORE_LM_TEXT = 'gradlab.lm_text';
// Which built-in sample each task's data is, with its length (a kept text
// of another length is not that sample any more).
export const STORE_SAMPLE = 'gradlab.sample';
